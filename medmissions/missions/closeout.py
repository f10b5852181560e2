"""Close-out of a mission: the handover plan, follow-up tasks for host staff, the two-sided
evaluation and volunteer hours.

* **Handover plan** — the local lead, referral pathways and what is left with the host. Written by
  coordinators and admins of any party (host coordinators too) while the mission is ready, in the
  field or closing; a mission cannot be completed without one (``services.complete``), and it is
  read-only afterwards.
* **Follow-up tasks** — work handed to named host staff, with a due date. Added by coordinators of
  any party while a plan exists and the mission is neither evaluated nor cancelled; host members
  update their status and outcome. Host staff may have no account, so the assignee is free text.
  No patient names or identifiers: a pseudonymous reference at most.
* **Evaluations** — once the mission is completed, one per side: the host's (coordinators and
  admins of a host party) and the visiting team's (those of a non-host party). With both written,
  a coordinator can mark the mission evaluated (``services.mark_evaluated``).
* **Volunteer hours** — logged per assignment by the person (or a coordinator for them) from the
  time the team is in the field, approved by a coordinator of any party; approved hours change
  only after a coordinator re-opens them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.missions import recipients
from medmissions.missions.access import MissionAccess
from medmissions.missions.choices import AssignmentStatus, EvaluationSide, FollowUpStatus, MissionStatus
from medmissions.missions.models import Assignment, Evaluation, FollowUpTask, HandoverPlan, Mission
from medmissions.organizations.access import Capability, can
from medmissions.organizations.models import Organization
from medmissions.partnerships.choices import PartyRole
from medmissions.volunteers.models import Person

PLAN_FIELDS = ["local_lead", "referral_pathways", "medicines_left", "equipment_left"]
FOLLOW_UP_FIELDS = ["description", "assignee", "due_on", "status", "outcome"]
# What host staff change on a task; the task itself (what, who, when) is the coordinators'.
FOLLOW_UP_PROGRESS_FIELDS = {"status", "outcome"}
EVALUATION_FIELDS = ["side", "organization", "what_went_well", "what_to_change", "overall_score"]
HOURS_FIELDS = ["hours", "hours_note", "hours_logged_at", "hours_approved_by", "hours_approved_at"]

# The plan is written while the team prepares, works and leaves; after completion it is the record.
PLAN_STATUSES = frozenset({MissionStatus.READY, MissionStatus.IN_FIELD, MissionStatus.CLOSING})
FOLLOW_UPS_CLOSED_STATUSES = frozenset({MissionStatus.EVALUATED, MissionStatus.CANCELLED})
HOURS_STATUSES = frozenset(
    {MissionStatus.IN_FIELD, MissionStatus.CLOSING, MissionStatus.COMPLETED, MissionStatus.EVALUATED}
)
# Outcomes are required once a task is closed either way, so the host's record says what happened.
CLOSED_FOLLOW_UP_STATUSES = frozenset({FollowUpStatus.DONE, FollowUpStatus.CANCELLED})
HOURS_STEP = Decimal("0.1")
HOURS_CEILING = Decimal("99999.9")  # Assignment.hours holds six digits, one after the point.


# Who acts for which party --------------------------------------------------------------------------


def _parties(mission: Mission) -> list[tuple[int, str]]:
    """(organisation id, party role) of the mission's partnership, cached on the mission object."""
    cached = getattr(mission, "_closeout_parties", None)
    if cached is None:
        cached = list(mission.partnership.parties.order_by("pk").values_list("organization_id", "role"))
        mission._closeout_parties = cached  # type: ignore[attr-defined]
    return cached


def managed_party_ids(mission: Mission, user: Any) -> list[int]:
    """Parties (any role) in which ``user`` is a coordinator or admin."""
    return [org_id for org_id, _role in _parties(mission) if can(user, org_id, Capability.MANAGE_MISSIONS)]


def host_contributor_ids(mission: Mission, user: Any) -> list[int]:
    """Host parties in which ``user`` is a member, coordinator or admin (viewers only read)."""
    return [
        org_id
        for org_id, role in _parties(mission)
        if role == PartyRole.HOST and can(user, org_id, Capability.CONTRIBUTE)
    ]


def evaluation_sides(mission: Mission, user: Any) -> dict[str, int]:
    """Side → the organisation ``user`` writes that side's evaluation for.

    The host's side is written by coordinators and admins of a host party, the visiting side by
    those of any other party.
    """
    sides: dict[str, int] = {}
    for org_id, role in _parties(mission):
        if not can(user, org_id, Capability.MANAGE_MISSIONS):
            continue
        side = EvaluationSide.HOST if role == PartyRole.HOST else EvaluationSide.VISITING
        sides.setdefault(side, org_id)
    return sides


def _managing_organization(mission: Mission, actor: User, message: str) -> Organization:
    ids = managed_party_ids(mission, actor)
    if not ids:
        raise NotAllowed(message, code="not_party_manager")
    return Organization.objects.get(pk=ids[0])


def _lock(mission: Mission) -> Mission:
    locked = Mission.objects.select_for_update(of=("self",)).select_related("partnership").get(pk=mission.pk)
    locked._closeout_parties = _parties(mission)  # type: ignore[attr-defined]
    return locked


def _status_label(mission: Mission) -> str:
    return str(mission.get_status_display()).lower()


# Handover plan ---------------------------------------------------------------------------------------


def plan_window_error(mission: Mission) -> Conflict | None:
    """Why the handover plan cannot be written now, or None when it can."""
    if mission.status in PLAN_STATUSES:
        return None
    if mission.status in (MissionStatus.COMPLETED, MissionStatus.EVALUATED):
        return Conflict(
            _("The mission is %(status)s: its handover plan is the record now and can no longer change.")
            % {"status": _status_label(mission)},
            code="handover_plan_locked",
        )
    if mission.status == MissionStatus.CANCELLED:
        return Conflict(
            _("The mission was cancelled: there is nothing to hand over."), code="mission_cancelled"
        )
    return Conflict(
        _("The handover plan is written once the team is ready; this mission is %(status)s.")
        % {"status": _status_label(mission)},
        code="handover_plan_too_early",
    )


def _clean_text(data: dict[str, Any], name: str) -> str:
    return str(data.get(name) or "").strip()


def _clean_plan(data: dict[str, Any]) -> dict[str, str]:
    cleaned = {name: _clean_text(data, name) for name in PLAN_FIELDS}
    errors: dict[str, str] = {}
    if not cleaned["local_lead"]:
        errors["local_lead"] = _("Name the host's lead for what continues after the team leaves.")
    elif len(cleaned["local_lead"]) > 200:
        errors["local_lead"] = _("At most 200 characters.")
    if not cleaned["referral_pathways"]:
        errors["referral_pathways"] = _("Say where patients are referred once the team has left.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return cleaned


@transaction.atomic
def save_handover_plan(mission: Mission, *, actor: User, data: dict[str, Any]) -> HandoverPlan:
    """Write or rewrite the handover plan (coordinators and admins of any party, host included)."""
    organization = _managing_organization(
        mission, actor, _("Only coordinators and admins of a party to the mission write its handover plan.")
    )
    mission = _lock(mission)
    error = plan_window_error(mission)
    if error is not None:
        raise error
    cleaned = _clean_plan(data)
    plan = HandoverPlan.objects.filter(mission=mission).first()
    if plan is None:
        plan = HandoverPlan.objects.create(mission=mission, written_by=actor, **cleaned)
        log_action(
            "missions.handover_plan.created",
            actor=actor,
            organization=organization,
            obj=plan,
            after=snapshot(plan, PLAN_FIELDS),
            data={"mission": mission.pk},
        )
        return plan
    before = snapshot(plan, PLAN_FIELDS)
    for name, value in cleaned.items():
        setattr(plan, name, value)
    plan.written_by = actor
    plan.save(update_fields=[*PLAN_FIELDS, "written_by", "updated_at"])
    log_action(
        "missions.handover_plan.updated",
        actor=actor,
        organization=organization,
        obj=plan,
        before=before,
        after=snapshot(plan, PLAN_FIELDS),
        data={"mission": mission.pk},
    )
    return plan


# Follow-up tasks ---------------------------------------------------------------------------------------


def follow_up_window_error(mission: Mission, *, has_plan: bool) -> Conflict | None:
    """Why follow-up tasks cannot be added now, or None when they can."""
    if mission.status in FOLLOW_UPS_CLOSED_STATUSES:
        return Conflict(
            _("The mission is %(status)s: follow-up tasks can no longer be added.")
            % {"status": _status_label(mission)},
            code="follow_ups_closed",
        )
    if not has_plan:
        return Conflict(
            _("Write the handover plan first: follow-up tasks belong to it."), code="no_handover_plan"
        )
    return None


def _clean_follow_up(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {
        "description": _clean_text(data, "description"),
        "assignee": _clean_text(data, "assignee"),
        "due_on": data.get("due_on"),
        "status": data.get("status") or FollowUpStatus.OPEN,
        "outcome": _clean_text(data, "outcome"),
    }
    if not cleaned["description"]:
        errors["description"] = _("Describe the task.")
    if not cleaned["assignee"]:
        errors["assignee"] = _("Name the host staff member who takes it on.")
    elif len(cleaned["assignee"]) > 200:
        errors["assignee"] = _("At most 200 characters.")
    if not isinstance(cleaned["due_on"], datetime.date) or isinstance(cleaned["due_on"], datetime.datetime):
        errors["due_on"] = _("Enter a due date.")
    if cleaned["status"] not in FollowUpStatus.values:
        errors["status"] = _("Choose open, done or cancelled.")
    elif cleaned["status"] in CLOSED_FOLLOW_UP_STATUSES and not cleaned["outcome"]:
        errors["outcome"] = _("Say what happened: an outcome is required once a task is done or cancelled.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return cleaned


@transaction.atomic
def add_follow_up(
    mission: Mission, *, actor: User, data: dict[str, Any], notify_host: bool = True
) -> FollowUpTask:
    """Hand a task to a named host staff member (coordinators and admins of any party).

    With ``notify_host`` the host's admins are told by email once the task is committed.
    """
    organization = _managing_organization(
        mission, actor, _("Only coordinators and admins of a party to the mission add follow-up tasks.")
    )
    mission = _lock(mission)
    plan = HandoverPlan.objects.filter(mission=mission).first()
    error = follow_up_window_error(mission, has_plan=plan is not None)
    if error is not None:
        raise error
    assert plan is not None  # follow_up_window_error refuses a mission without a plan
    cleaned = _clean_follow_up({**data, "status": FollowUpStatus.OPEN, "outcome": ""})
    task = FollowUpTask.objects.create(handover_plan=plan, **cleaned)
    log_action(
        "missions.follow_up.created",
        actor=actor,
        organization=organization,
        obj=task,
        after=snapshot(task, FOLLOW_UP_FIELDS),
        data={"mission": mission.pk},
    )
    if notify_host:
        host_ids = [org_id for org_id, role in _parties(mission) if role == PartyRole.HOST]
        send_on_commit(
            "follow_up_assigned",
            {"task": task, "mission": mission, "actor": actor, "organization": organization},
            recipients.members_of(host_ids, recipients.ADMINS),
        )
    return task


@transaction.atomic
def update_follow_up(task: FollowUpTask, *, actor: User, data: dict[str, Any]) -> FollowUpTask:
    """Coordinators and admins of any party change anything; host members the status and outcome.

    The status and outcome stay open to updates after the mission is evaluated (follow-up work
    outlives the visit); the task itself changes only while tasks can still be added.
    """
    task = FollowUpTask.objects.select_related("handover_plan__mission__partnership").get(pk=task.pk)
    mission = task.handover_plan.mission
    managers = managed_party_ids(mission, actor)
    host_staff = host_contributor_ids(mission, actor)
    if not (managers or host_staff):
        raise NotAllowed(
            _("Only members of the host and coordinators of a party update follow-up tasks."),
            code="not_allowed",
        )
    supplied = set(data) & set(FOLLOW_UP_FIELDS)
    if not managers and supplied - FOLLOW_UP_PROGRESS_FIELDS:
        raise NotAllowed(
            _("Host staff update a task's status and outcome; its coordinators change the rest."),
            code="progress_only",
        )
    mission = _lock(mission)
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if mission.status == MissionStatus.CANCELLED:
        raise Conflict(
            _("The mission was cancelled: its follow-up tasks are closed."), code="mission_cancelled"
        )
    merged = {name: data[name] if name in supplied else getattr(task, name) for name in FOLLOW_UP_FIELDS}
    cleaned = _clean_follow_up(merged)
    changed = {name for name, value in cleaned.items() if value != getattr(task, name)}
    if changed - FOLLOW_UP_PROGRESS_FIELDS and mission.status in FOLLOW_UPS_CLOSED_STATUSES:
        raise Conflict(
            _("The mission is %(status)s: only a task's status and outcome can still change.")
            % {"status": _status_label(mission)},
            code="follow_ups_closed",
        )
    before = snapshot(task, FOLLOW_UP_FIELDS)
    for name, value in cleaned.items():
        setattr(task, name, value)
    task.save(update_fields=FOLLOW_UP_FIELDS)
    log_action(
        "missions.follow_up.updated",
        actor=actor,
        organization=Organization.objects.get(pk=(managers or host_staff)[0]),
        obj=task,
        before=before,
        after=snapshot(task, FOLLOW_UP_FIELDS),
        data={"mission": mission.pk},
    )
    return task


# Evaluations -------------------------------------------------------------------------------------------


def _clean_evaluation(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {
        "what_went_well": _clean_text(data, "what_went_well"),
        "what_to_change": _clean_text(data, "what_to_change"),
    }
    if not cleaned["what_went_well"]:
        errors["what_went_well"] = _("Say what went well.")
    if not cleaned["what_to_change"]:
        errors["what_to_change"] = _("Say what to change next time.")
    score = data.get("overall_score")
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score)
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors["overall_score"] = _("Score the mission from 1 (poor) to 5 (excellent).")
    cleaned["overall_score"] = score
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return cleaned


def already_written(side: str) -> str:
    if side == EvaluationSide.HOST:
        return _("The host has already written its evaluation.")
    return _("The visiting team has already written its evaluation.")


def not_written(side: str) -> str:
    if side == EvaluationSide.HOST:
        return _("The host has not written its evaluation yet.")
    return _("The visiting team has not written its evaluation yet.")


@transaction.atomic
def write_evaluation(
    mission: Mission, *, actor: User, data: dict[str, Any], side: str | None = None
) -> Evaluation:
    """One side's evaluation of a completed mission; each side writes one.

    ``side`` may be left out when the actor can write for one side only. When only one side has
    written, the other side's coordinators and admins are asked (on commit) to write theirs.
    """
    sides = evaluation_sides(mission, actor)
    if not sides:
        raise NotAllowed(
            _(
                "Coordinators and admins of the host write the host's evaluation; those of the visiting parties write the visiting team's."
            ),
            code="not_party_manager",
        )
    if not side:
        if len(sides) > 1:
            raise ValidationFailed(
                _("Say which side you are evaluating for."), fields={"side": _("Choose a side.")}
            )
        side = next(iter(sides))
    if side not in EvaluationSide.values:
        raise ValidationFailed(
            _("Choose the host or the visiting side."), fields={"side": _("Choose a side.")}
        )
    if side not in sides:
        message = (
            _("Only coordinators and admins of a host organisation write the host's evaluation.")
            if side == EvaluationSide.HOST
            else _("Only coordinators and admins of a visiting party write the visiting team's evaluation.")
        )
        raise NotAllowed(message, code="wrong_side")
    mission = _lock(mission)
    if mission.status != MissionStatus.COMPLETED:
        raise Conflict(
            _("Evaluations are written once the mission is completed; this one is %(status)s.")
            % {"status": _status_label(mission)},
            code="not_completed",
        )
    already = already_written(side)
    if mission.evaluations.filter(side=side).exists():
        raise Conflict(already, code="evaluation_exists")
    cleaned = _clean_evaluation(data)
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                mission=mission, side=side, organization_id=sides[side], written_by=actor, **cleaned
            )
    except IntegrityError as error:  # the other writer of this side got there first
        raise Conflict(already, code="evaluation_exists") from error
    log_action(
        "missions.evaluation.written",
        actor=actor,
        organization=evaluation.organization,
        obj=evaluation,
        after=snapshot(evaluation, EVALUATION_FIELDS),
        data={"mission": mission.pk},
    )
    other = EvaluationSide.VISITING if side == EvaluationSide.HOST else EvaluationSide.HOST
    if not mission.evaluations.filter(side=other).exists():
        other_ids = [
            org_id
            for org_id, role in _parties(mission)
            if (role == PartyRole.HOST) == (other == EvaluationSide.HOST)
        ]
        send_on_commit(
            "evaluation_requested",
            {"mission": mission, "evaluation": evaluation, "host_side_missing": other == EvaluationSide.HOST},
            recipients.members_of(other_ids),
        )
    return evaluation


def missing_evaluation_sides(mission: Mission, evaluations: Iterable[Evaluation] | None = None) -> list[str]:
    written = {e.side for e in (evaluations if evaluations is not None else mission.evaluations.all())}
    return [side for side in EvaluationSide.values if side not in written]


# Volunteer hours ---------------------------------------------------------------------------------------


def assignment_days(assignment: Assignment) -> int:
    return (assignment.ends_on - assignment.starts_on).days + 1


def max_hours(assignment: Assignment) -> Decimal:
    """Nobody serves more than 24 hours a day of their assignment."""
    return min(Decimal(24 * assignment_days(assignment)), HOURS_CEILING)


def _clean_hours(value: Any, assignment: Assignment) -> Decimal:
    invalid = ValidationFailed(
        _("Enter the hours as a number, such as 42 or 37.5."), fields={"hours": _("Enter a number.")}
    )
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        raise ValidationFailed(_("Enter the hours you served."), fields={"hours": _("Enter a number.")})
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as error:
        raise invalid from error
    if not hours.is_finite():
        raise invalid
    if hours <= 0:
        raise ValidationFailed(_("Hours must be more than zero."), fields={"hours": _("More than zero.")})
    ceiling = max_hours(assignment)
    if hours > ceiling:
        message = _("At most %(hours)s hours: 24 hours a day for the %(days)d days of the assignment.") % {
            "hours": ceiling,
            "days": assignment_days(assignment),
        }
        raise ValidationFailed(message, fields={"hours": message})
    if hours != hours.quantize(HOURS_STEP):
        raise ValidationFailed(
            _("Round the hours to one decimal place, such as 37.5."),
            fields={"hours": _("One decimal place at most.")},
        )
    return hours.quantize(HOURS_STEP)


def hours_window_error(mission: Mission) -> Conflict | None:
    if mission.status in HOURS_STATUSES:
        return None
    return Conflict(
        _("Hours are logged once the mission is in the field; this one is %(status)s.")
        % {"status": _status_label(mission)},
        code="hours_not_open",
    )


def _lock_assignment(assignment: Assignment) -> Assignment:
    return (
        # Only the assignment row is locked; the person's user is an outer join PostgreSQL cannot lock.
        Assignment.objects.select_for_update(of=("self",))
        .select_related("mission__partnership", "person__user", "role")
        .get(pk=assignment.pk)
    )


@transaction.atomic
def log_hours(assignment: Assignment, *, actor: User, hours: Any, note: str = "") -> Assignment:
    """The person logs the hours they served on their assignment, or a coordinator logs them.

    Approved hours change only after a coordinator re-opens them, so that what was approved is
    what is reported.
    """
    assignment = _lock_assignment(assignment)
    mission = assignment.mission
    own = assignment.person.user_id is not None and assignment.person.user_id == actor.pk
    managers = managed_party_ids(mission, actor)
    if not (own or managers):
        raise NotAllowed(
            _("Only the volunteer and the mission's coordinators log hours for an assignment."),
            code="not_allowed",
        )
    if assignment.status != AssignmentStatus.ACTIVE:
        raise Conflict(_("This assignment is no longer active."), code="assignment_not_active")
    error = hours_window_error(mission)
    if error is not None:
        raise error
    if assignment.hours_approved_at is not None:
        raise Conflict(
            _("These hours are approved; re-open them first to change them.")
            if managers
            else _("Your hours are approved; ask a coordinator to re-open them if they need changing."),
            code="hours_approved",
        )
    cleaned = _clean_hours(hours, assignment)
    before = snapshot(assignment, HOURS_FIELDS)
    assignment.hours = cleaned
    assignment.hours_note = (note or "").strip()
    assignment.hours_logged_at = timezone.now()
    assignment.save(update_fields=["hours", "hours_note", "hours_logged_at"])
    log_action(
        "missions.hours.logged",
        actor=actor,
        organization=Organization.objects.get(pk=managers[0]) if managers and not own else None,
        obj=assignment,
        before=before,
        after=snapshot(assignment, HOURS_FIELDS),
        data={"mission": mission.pk, "for_someone_else": not own},
    )
    return assignment


def _require_hours_manager(assignment: Assignment, actor: User, message: str) -> Organization:
    organization = _managing_organization(assignment.mission, actor, message)
    if assignment.person.user_id is not None and assignment.person.user_id == actor.pk:
        raise NotAllowed(_("Someone else approves your own hours."), code="own_hours")
    return organization


@transaction.atomic
def approve_hours(assignment: Assignment, *, actor: User) -> Assignment:
    """A coordinator or admin of a party approves the logged hours; the person is told by email."""
    assignment = _lock_assignment(assignment)
    organization = _require_hours_manager(
        assignment, actor, _("Only coordinators and admins of a party to the mission approve hours.")
    )
    if assignment.hours is None:
        raise Conflict(_("No hours are logged for this assignment yet."), code="no_hours")
    if assignment.hours_approved_at is not None:
        raise Conflict(_("These hours are already approved."), code="hours_approved")
    before = snapshot(assignment, HOURS_FIELDS)
    assignment.hours_approved_by, assignment.hours_approved_at = actor, timezone.now()
    assignment.save(update_fields=["hours_approved_by", "hours_approved_at"])
    log_action(
        "missions.hours.approved",
        actor=actor,
        organization=organization,
        obj=assignment,
        before=before,
        after=snapshot(assignment, HOURS_FIELDS),
        data={"mission": assignment.mission_id},
    )
    send_on_commit(
        "hours_decided",
        {"assignment": assignment, "mission": assignment.mission, "approved": True, "actor": actor},
        recipients.people([assignment.person]),
    )
    return assignment


@transaction.atomic
def reopen_hours(assignment: Assignment, *, actor: User, reason: str = "") -> Assignment:
    """A coordinator re-opens approved hours so that they can be corrected; the person is told."""
    assignment = _lock_assignment(assignment)
    organization = _require_hours_manager(
        assignment, actor, _("Only coordinators and admins of a party to the mission re-open hours.")
    )
    if assignment.hours_approved_at is None:
        raise Conflict(
            _("These hours are not approved; there is nothing to re-open."), code="hours_not_approved"
        )
    reason = (reason or "").strip()
    before = snapshot(assignment, HOURS_FIELDS)
    assignment.hours_approved_by, assignment.hours_approved_at = None, None
    assignment.save(update_fields=["hours_approved_by", "hours_approved_at"])
    log_action(
        "missions.hours.reopened",
        actor=actor,
        organization=organization,
        obj=assignment,
        before=before,
        after=snapshot(assignment, HOURS_FIELDS),
        data={"mission": assignment.mission_id, "reason": reason},
    )
    send_on_commit(
        "hours_decided",
        {
            "assignment": assignment,
            "mission": assignment.mission,
            "approved": False,
            "reason": reason,
            "actor": actor,
        },
        recipients.people([assignment.person]),
    )
    return assignment


@dataclass
class MissionHours:
    """One assignment's hours in a person's record."""

    assignment: Assignment
    hours: Decimal
    approved: bool

    @property
    def mission(self) -> Mission:
        return self.assignment.mission


@dataclass
class PersonHoursSummary:
    total_approved: Decimal
    total_pending: Decimal
    missions: list[MissionHours]


def hours_summary_for_person(person: Person) -> PersonHoursSummary:
    """A person's logged hours, per mission (most recent first), with the approved and pending totals.

    For the person's own pages ("my missions", the profile); only approved hours belong in CPD or
    volunteering records.
    """
    assignments = (
        Assignment.objects.filter(person=person, hours__isnull=False)
        .select_related("mission", "role")
        .order_by("-starts_on", "pk")
    )
    rows = [
        MissionHours(assignment=a, hours=a.hours, approved=a.hours_approved_at is not None)
        for a in assignments
        if a.hours is not None
    ]
    return PersonHoursSummary(
        total_approved=sum((row.hours for row in rows if row.approved), Decimal(0)),
        total_pending=sum((row.hours for row in rows if not row.approved), Decimal(0)),
        missions=rows,
    )


# For dashboards ------------------------------------------------------------------------------------------


def open_follow_ups_for_host(user: Any) -> QuerySet[FollowUpTask]:
    """Open follow-up tasks of missions where one of ``user``'s organisations is the host party,
    soonest due first: what host staff still owe after the teams have left."""
    from medmissions.organizations.access import access_for

    host_ids = access_for(user).organization_ids(Capability.VIEW)
    hosted = Mission.objects.filter(
        partnership__parties__organization_id__in=host_ids, partnership__parties__role=PartyRole.HOST
    )
    return (
        FollowUpTask.objects.filter(status=FollowUpStatus.OPEN, handover_plan__mission__in=hosted)
        .exclude(handover_plan__mission__status=MissionStatus.CANCELLED)
        .select_related("handover_plan__mission")
        .order_by("due_on", "pk")
    )


def hours_awaiting_approval(user: Any) -> QuerySet[Assignment]:
    """Active assignments with logged, unapproved hours on missions ``user`` coordinates (any party),
    oldest first; their own hours are left out, since someone else approves those."""
    from medmissions.organizations.access import access_for

    manager_ids = access_for(user).organization_ids(Capability.MANAGE_MISSIONS)
    managed = Mission.objects.filter(partnership__parties__organization_id__in=manager_ids)
    return (
        Assignment.objects.filter(
            mission__in=managed,
            status=AssignmentStatus.ACTIVE,
            hours__isnull=False,
            hours_approved_at__isnull=True,
        )
        .exclude(person__user=user)
        .select_related("mission", "person", "role")
        .order_by("hours_logged_at", "pk")
    )


# The close-out tab ---------------------------------------------------------------------------------------


@dataclass
class Blocker:
    code: str
    message: str


@dataclass
class HoursRow:
    assignment: Assignment
    own: bool
    max_hours: Decimal

    @property
    def state(self) -> str:
        """``approved``, ``pending`` (logged, awaiting approval) or ``missing``."""
        if self.assignment.hours is None:
            return "missing"
        return "approved" if self.assignment.hours_approved_at is not None else "pending"


@dataclass
class CloseoutOverview:
    """Everything the close-out tab and ``GET /missions/{id}/closeout`` show to one viewer."""

    mission: Mission
    plan: HandoverPlan | None
    follow_ups: list[FollowUpTask]
    evaluations: list[Evaluation]
    hours_rows: list[HoursRow]
    completion_blockers: list[Blocker]
    evaluation_blockers: list[Blocker]
    can_edit_plan: bool
    can_add_follow_up: bool
    can_update_follow_ups: bool
    can_edit_follow_ups: bool
    sides_to_write: list[str]
    can_log_own_hours: bool
    can_manage_hours: bool
    sees_all_hours: bool
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def hours_open(self) -> bool:
        return self.mission.status in HOURS_STATUSES

    @property
    def ready_to_mark_evaluated(self) -> bool:
        return self.mission.status == MissionStatus.COMPLETED and not self.evaluation_blockers

    @property
    def total_approved(self) -> Decimal:
        return sum(
            (row.assignment.hours or Decimal(0) for row in self.hours_rows if row.state == "approved"),
            Decimal(0),
        )

    @property
    def total_pending(self) -> Decimal:
        return sum(
            (row.assignment.hours or Decimal(0) for row in self.hours_rows if row.state == "pending"),
            Decimal(0),
        )

    @property
    def pending_count(self) -> int:
        return sum(1 for row in self.hours_rows if row.state == "pending")

    @property
    def open_follow_ups(self) -> int:
        return sum(1 for task in self.follow_ups if task.status == FollowUpStatus.OPEN)

    def evaluation(self, side: str) -> Evaluation | None:
        return next((e for e in self.evaluations if e.side == side), None)

    @property
    def host_evaluation(self) -> Evaluation | None:
        return self.evaluation(EvaluationSide.HOST)

    @property
    def visiting_evaluation(self) -> Evaluation | None:
        return self.evaluation(EvaluationSide.VISITING)


def is_overdue(task: FollowUpTask, today: datetime.date | None = None) -> bool:
    return task.status == FollowUpStatus.OPEN and task.due_on < (today or timezone.localdate())


def closeout_overview(mission: Mission, access: MissionAccess) -> CloseoutOverview:
    """The close-out of ``mission`` as the viewer of ``access`` may see and act on it.

    Parties see every assignment's hours; a team member only their own.
    """
    user = access.user
    plan = HandoverPlan.objects.filter(mission=mission).select_related("written_by").first()
    follow_ups = list(plan.follow_ups.order_by("due_on", "pk")) if plan is not None else []
    evaluations = list(mission.evaluations.select_related("organization", "written_by").order_by("side"))
    managers = managed_party_ids(mission, user)
    sees_all = bool(access.is_party_member)
    assignments = mission.assignments.filter(status=AssignmentStatus.ACTIVE).select_related(
        "person", "role", "hours_approved_by"
    )
    if not sees_all:
        assignments = assignments.filter(person__user=user)
    hours_rows = [
        HoursRow(assignment=a, own=a.person.user_id == user.pk, max_hours=max_hours(a))
        for a in assignments.order_by("person__full_name", "pk")
    ]

    completion: list[Blocker] = []
    if plan is None and mission.status not in (
        MissionStatus.COMPLETED,
        MissionStatus.EVALUATED,
        MissionStatus.CANCELLED,
    ):
        completion.append(
            Blocker(
                "no_handover_plan",
                _(
                    "The mission cannot be completed without a handover plan (local lead and referral pathways)."
                ),
            )
        )
    if mission.status in (MissionStatus.IN_FIELD, MissionStatus.CLOSING):
        # Imported here: clinics depends on missions, not the other way round.
        from medmissions.clinics.follow_ups import completion_blockers

        open_follow_ups = completion_blockers(mission).count()
        if open_follow_ups:
            completion.append(
                Blocker(
                    "open_urgent_follow_ups",
                    ngettext(
                        "%(count)d follow-up of an urgent or emergency referral is still open: record its "
                        "outcome or hand it over in the handover plan.",
                        "%(count)d follow-ups of urgent or emergency referrals are still open: record their "
                        "outcomes or hand them over in the handover plan.",
                        open_follow_ups,
                    )
                    % {"count": open_follow_ups},
                )
            )
    evaluation_blockers: list[Blocker] = []
    if mission.status not in (MissionStatus.EVALUATED, MissionStatus.CANCELLED):
        for side in missing_evaluation_sides(mission, evaluations):
            evaluation_blockers.append(Blocker(f"no_{side}_evaluation", not_written(side)))
    written = {e.side for e in evaluations}
    sides_to_write = (
        [side for side in evaluation_sides(mission, user) if side not in written]
        if mission.status == MissionStatus.COMPLETED
        else []
    )
    own = next((row.assignment for row in hours_rows if row.own), None)
    return CloseoutOverview(
        mission=mission,
        plan=plan,
        follow_ups=follow_ups,
        evaluations=evaluations,
        hours_rows=hours_rows,
        completion_blockers=completion,
        evaluation_blockers=evaluation_blockers,
        can_edit_plan=bool(managers) and mission.status in PLAN_STATUSES,
        can_add_follow_up=bool(managers)
        and follow_up_window_error(mission, has_plan=plan is not None) is None,
        can_update_follow_ups=bool(managers or host_contributor_ids(mission, user))
        and mission.status != MissionStatus.CANCELLED,
        can_edit_follow_ups=bool(managers) and mission.status not in FOLLOW_UPS_CLOSED_STATUSES,
        sides_to_write=sides_to_write,
        can_log_own_hours=own is not None
        and mission.status in HOURS_STATUSES
        and own.hours_approved_at is None,
        can_manage_hours=bool(managers),
        sees_all_hours=sees_all,
    )
