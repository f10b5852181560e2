"""API: a mission's close-out — the handover plan, follow-up tasks for host staff, the two-sided
evaluation and volunteer hours. ROUTES lists (prefix, router, tags) for medmissions/api.py.

The endpoints call the same services as the close-out tab (missions/closeout.py) and load
missions and assignments through missions/access.py: close-out belongs to the parties and the
team, anyone else gets 404; an action one's role does not allow answers 403.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404
from ninja import Field, Router, Schema, Status

from medmissions.missions import closeout
from medmissions.missions.access import (
    MissionAccess,
    get_assignment_or_404,
    get_mission_or_404,
    visible_missions,
)
from medmissions.missions.models import Assignment, Evaluation, FollowUpTask, HandoverPlan, Mission

missions_router = Router()
follow_ups_router = Router()
assignments_router = Router()


# Schemas --------------------------------------------------------------------------------------------


class HandoverPlanIn(Schema):
    local_lead: str = Field(..., max_length=200, description="The host's lead for what continues")
    referral_pathways: str
    medicines_left: str = ""
    equipment_left: str = ""


class HandoverPlanOut(Schema):
    local_lead: str
    referral_pathways: str
    medicines_left: str
    equipment_left: str
    written_by: str | None
    updated_at: datetime.datetime


class FollowUpIn(Schema):
    description: str = Field(
        ..., description="No patient names or identifiers: a pseudonymous reference at most"
    )
    assignee: str = Field(..., max_length=200, description="The host staff member (free text)")
    due_on: datetime.date
    notify_host: bool = Field(True, description="Email the host's admins once the task is added")


class FollowUpPatch(Schema):
    description: str | None = Field(None, description="Coordinators and admins of a party only")
    assignee: str | None = Field(None, max_length=200, description="Coordinators and admins of a party only")
    due_on: datetime.date | None = Field(None, description="Coordinators and admins of a party only")
    status: str | None = Field(None, description="open, done or cancelled")
    outcome: str | None = Field(None, description="Required once the task is done or cancelled")


class FollowUpOut(Schema):
    id: int
    mission: int
    description: str
    assignee: str
    due_on: datetime.date
    status: str
    outcome: str
    overdue: bool


class EvaluationIn(Schema):
    side: str | None = Field(
        None, description="host or visiting; may be left out when you can write for one side only"
    )
    what_went_well: str
    what_to_change: str
    overall_score: int = Field(..., description="1 (poor) to 5 (excellent)")


class EvaluationOut(Schema):
    id: int
    mission: int
    side: str
    organization: str = Field(..., description="Slug of the organisation that wrote it")
    organization_name: str
    what_went_well: str
    what_to_change: str
    overall_score: int
    written_by: str | None
    written_at: datetime.datetime


class HoursIn(Schema):
    hours: Decimal = Field(
        ..., description="More than 0, at most 24 a day of the assignment, one decimal place"
    )
    note: str = ""


class ReopenIn(Schema):
    reason: str = ""


class HoursOut(Schema):
    assignment: int
    mission: int
    person: int
    person_name: str
    role: str
    starts_on: datetime.date
    ends_on: datetime.date
    hours: float | None
    note: str
    max_hours: float
    state: str = Field(..., description="missing, pending (awaiting approval) or approved")
    logged_at: datetime.datetime | None
    approved_by: str | None
    approved_at: datetime.datetime | None


class HoursOverviewOut(Schema):
    assignments: list[HoursOut] = Field(
        ..., description="Every active assignment for the parties; only your own for a team member"
    )
    total_approved: float
    total_pending: float


class BlockerOut(Schema):
    code: str
    message: str


class BlockersOut(Schema):
    completed: list[BlockerOut] = Field(..., description="What stops the mission being marked completed")
    evaluated: list[BlockerOut] = Field(..., description="Which side has not evaluated yet")
    can_be_marked_evaluated: bool


class CloseoutActionsOut(Schema):
    edit_handover_plan: bool
    add_follow_up: bool
    update_follow_ups: bool
    evaluation_sides: list[str] = Field(..., description="Sides you may still evaluate for")
    log_own_hours: bool
    manage_hours: bool = Field(..., description="Log hours for others, approve and re-open them")


class CloseoutOut(Schema):
    mission: int
    status: str
    handover_plan: HandoverPlanOut | None
    follow_ups: list[FollowUpOut]
    evaluations: list[EvaluationOut]
    hours: HoursOverviewOut
    blockers: BlockersOut
    actions: CloseoutActionsOut


# Presenters -----------------------------------------------------------------------------------------


def _plan_out(plan: HandoverPlan) -> dict[str, Any]:
    return {
        "local_lead": plan.local_lead,
        "referral_pathways": plan.referral_pathways,
        "medicines_left": plan.medicines_left,
        "equipment_left": plan.equipment_left,
        "written_by": plan.written_by.full_name if plan.written_by else None,
        "updated_at": plan.updated_at,
    }


def _follow_up_out(task: FollowUpTask, mission_id: int) -> dict[str, Any]:
    return {
        "id": task.pk,
        "mission": mission_id,
        "description": task.description,
        "assignee": task.assignee,
        "due_on": task.due_on,
        "status": task.status,
        "outcome": task.outcome,
        "overdue": closeout.is_overdue(task),
    }


def _evaluation_out(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "id": evaluation.pk,
        "mission": evaluation.mission_id,
        "side": evaluation.side,
        "organization": evaluation.organization.slug,
        "organization_name": evaluation.organization.name,
        "what_went_well": evaluation.what_went_well,
        "what_to_change": evaluation.what_to_change,
        "overall_score": evaluation.overall_score,
        "written_by": evaluation.written_by.full_name if evaluation.written_by else None,
        "written_at": evaluation.written_at,
    }


def _hours_out(assignment: Assignment) -> dict[str, Any]:
    state = (
        "missing"
        if assignment.hours is None
        else ("approved" if assignment.hours_approved_at is not None else "pending")
    )
    return {
        "assignment": assignment.pk,
        "mission": assignment.mission_id,
        "person": assignment.person_id,
        "person_name": assignment.person.full_name,
        "role": assignment.role.title,
        "starts_on": assignment.starts_on,
        "ends_on": assignment.ends_on,
        "hours": float(assignment.hours) if assignment.hours is not None else None,
        "note": assignment.hours_note,
        "max_hours": float(closeout.max_hours(assignment)),
        "state": state,
        "logged_at": assignment.hours_logged_at,
        "approved_by": assignment.hours_approved_by.full_name if assignment.hours_approved_by else None,
        "approved_at": assignment.hours_approved_at,
    }


def _closeout_out(mission: Mission, access: MissionAccess) -> dict[str, Any]:
    overview = closeout.closeout_overview(mission, access)
    return {
        "mission": mission.pk,
        "status": mission.status,
        "handover_plan": _plan_out(overview.plan) if overview.plan is not None else None,
        "follow_ups": [_follow_up_out(task, mission.pk) for task in overview.follow_ups],
        "evaluations": [_evaluation_out(evaluation) for evaluation in overview.evaluations],
        "hours": {
            "assignments": [_hours_out(row.assignment) for row in overview.hours_rows],
            "total_approved": float(overview.total_approved),
            "total_pending": float(overview.total_pending),
        },
        "blockers": {
            "completed": [vars(blocker) for blocker in overview.completion_blockers],
            "evaluated": [vars(blocker) for blocker in overview.evaluation_blockers],
            "can_be_marked_evaluated": overview.ready_to_mark_evaluated,
        },
        "actions": {
            "edit_handover_plan": overview.can_edit_plan,
            "add_follow_up": overview.can_add_follow_up,
            "update_follow_ups": overview.can_update_follow_ups,
            "evaluation_sides": overview.sides_to_write,
            "log_own_hours": overview.can_log_own_hours,
            "manage_hours": overview.can_manage_hours,
        },
    }


# Loading ----------------------------------------------------------------------------------------------


def _mission(request, mission_id: int) -> tuple[Mission, MissionAccess]:
    """A mission whose close-out the caller may see (its parties and its team), else 404."""
    mission = get_mission_or_404(request.user, mission_id)
    access = MissionAccess.of(request.user, mission)
    access.require_team()
    return mission, access


def _follow_up(request, follow_up_id: int) -> FollowUpTask:
    task = (
        FollowUpTask.objects.filter(
            pk=follow_up_id, handover_plan__mission__in=visible_missions(request.user)
        )
        .select_related("handover_plan__mission__partnership")
        .first()
    )
    if task is None:
        raise Http404
    MissionAccess.of(request.user, task.handover_plan.mission).require_team()
    return task


def _assignment_out(assignment: Assignment) -> dict[str, Any]:
    return _hours_out(
        Assignment.objects.select_related("person", "role", "hours_approved_by").get(pk=assignment.pk)
    )


# Missions -----------------------------------------------------------------------------------------------


@missions_router.get(
    "/{mission_id}/closeout",
    response=CloseoutOut,
    summary="Close-out: handover plan, follow-up tasks, evaluations, hours and what still blocks completion",
)
def get_closeout(request, mission_id: int):
    mission, access = _mission(request, mission_id)
    return _closeout_out(mission, access)


@missions_router.put(
    "/{mission_id}/handover-plan",
    response=HandoverPlanOut,
    summary="Write or rewrite the handover plan (coordinators and admins of any party; ready, in the field or closing)",
)
def put_handover_plan(request, mission_id: int, payload: HandoverPlanIn):
    mission, _access = _mission(request, mission_id)
    plan = closeout.save_handover_plan(mission, actor=request.user, data=payload.dict())
    return _plan_out(HandoverPlan.objects.select_related("written_by").get(pk=plan.pk))


@missions_router.post(
    "/{mission_id}/follow-ups",
    response={201: FollowUpOut},
    summary="Add a follow-up task for host staff (coordinators and admins of any party, once a plan exists)",
)
def create_follow_up(request, mission_id: int, payload: FollowUpIn):
    mission, _access = _mission(request, mission_id)
    data = payload.dict()
    notify = data.pop("notify_host")
    task = closeout.add_follow_up(mission, actor=request.user, data=data, notify_host=notify)
    return Status(201, _follow_up_out(task, mission.pk))


@missions_router.post(
    "/{mission_id}/evaluations",
    response={201: EvaluationOut},
    summary="Write your side's evaluation of a completed mission (host: host coordinators; visiting: the others)",
)
def create_evaluation(request, mission_id: int, payload: EvaluationIn):
    mission, _access = _mission(request, mission_id)
    data = payload.dict()
    side = data.pop("side")
    evaluation = closeout.write_evaluation(mission, actor=request.user, side=side, data=data)
    return Status(
        201,
        _evaluation_out(
            Evaluation.objects.select_related("organization", "written_by").get(pk=evaluation.pk)
        ),
    )


# Follow-up tasks -----------------------------------------------------------------------------------------


@follow_ups_router.patch(
    "/{follow_up_id}",
    response=FollowUpOut,
    summary="Update a follow-up task (host members: status and outcome; party coordinators: anything)",
)
def update_follow_up(request, follow_up_id: int, payload: FollowUpPatch):
    task = _follow_up(request, follow_up_id)
    task = closeout.update_follow_up(task, actor=request.user, data=payload.dict(exclude_unset=True))
    return _follow_up_out(task, task.handover_plan.mission_id)


# Volunteer hours ------------------------------------------------------------------------------------------


@assignments_router.post(
    "/{assignment_id}/hours",
    response=HoursOut,
    summary="Log the hours served (the volunteer, or a coordinator for them); refused once approved",
)
def log_hours(request, assignment_id: int, payload: HoursIn):
    assignment = get_assignment_or_404(request.user, assignment_id)
    closeout.log_hours(assignment, actor=request.user, hours=payload.hours, note=payload.note)
    return _assignment_out(assignment)


@assignments_router.post(
    "/{assignment_id}/hours/approve",
    response=HoursOut,
    summary="Approve the logged hours (coordinators and admins of a party); the volunteer is told by email",
)
def approve_hours(request, assignment_id: int):
    assignment = get_assignment_or_404(request.user, assignment_id)
    closeout.approve_hours(assignment, actor=request.user)
    return _assignment_out(assignment)


@assignments_router.post(
    "/{assignment_id}/hours/reopen",
    response=HoursOut,
    summary="Re-open approved hours so that they can be corrected (coordinators and admins of a party)",
)
def reopen_hours(request, assignment_id: int, payload: ReopenIn | None = None):
    assignment = get_assignment_or_404(request.user, assignment_id)
    closeout.reopen_hours(assignment, actor=request.user, reason=payload.reason if payload else "")
    return _assignment_out(assignment)


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/missions", missions_router, ["Mission close-out"]),
    ("/follow-ups", follow_ups_router, ["Mission close-out"]),
    ("/assignments", assignments_router, ["Mission close-out"]),
]
