"""API: team. The readiness board and the host's waivers, supervisors, removing people,
announcements, the message thread, and the caller's calendar feed. ROUTES lists (prefix, router,
tags) for medmissions/api.py to mount.

The endpoints call the same services as the HTML pages (board.py and team.py) and load missions
and assignments through access.py: people who may not see the team get 404, a role too low 403.
"""

import datetime
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.accounts.models import User
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.missions import board
from medmissions.missions import team as team_services
from medmissions.missions.access import MissionAccess, get_assignment_or_404, get_mission_or_404
from medmissions.missions.choices import AssignmentStatus
from medmissions.missions.models import (
    Announcement,
    Assignment,
    CalendarFeed,
    Mission,
    MissionMessage,
    RequirementWaiver,
)
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability
from medmissions.volunteers.models import Person

missions_router = Router()
assignments_router = Router()
calendar_router = Router()


# Schemas ------------------------------------------------------------------------------------------


class CheckOut(Schema):
    key: str = Field(..., description="Stable name, e.g. credential:passport, course:<code>, supervisor")
    label: str
    met: bool
    reason: str
    due_by: datetime.date | None = Field(None, description="When it must be in place (country lead times)")
    waived: bool = Field(..., description="Unmet, but waived by the host")


class WaiverOut(Schema):
    id: int
    assignment: int
    requirement_key: str
    reason: str
    waived_by: str | None = Field(None, description="Name of the host admin who waived it")
    waived_at: datetime.datetime


class ReadinessRowOut(Schema):
    assignment: int
    person: int
    person_name: str
    is_trainee: bool
    role: int
    role_title: str
    starts_on: datetime.date
    ends_on: datetime.date
    supervisor: int | None
    supervisor_name: str | None
    ready: bool = Field(..., description="Every requirement met or waived")
    checks: list[CheckOut]
    waivers: list[WaiverOut]


class ReadinessOut(Schema):
    mission: int
    mission_status: str
    ready: int = Field(..., description="How many of the rows are ready")
    total: int
    rows: list[ReadinessRowOut] = Field(
        ..., description="Every active assignment for the parties' members; only their own for the team"
    )


class WaiverIn(Schema):
    assignment: int = Field(..., description="An active assignment of this mission")
    requirement_key: str = Field(..., max_length=120, description="The key of an unmet check")
    reason: str = Field(..., max_length=2000)


class AssignmentOut(Schema):
    id: int
    mission: int
    role: int
    role_title: str
    person: int
    person_name: str
    starts_on: datetime.date
    ends_on: datetime.date
    status: str = Field(..., description="active, withdrawn or removed")
    supervisor: int | None
    supervisor_name: str | None
    removed_reason: str
    removed_at: datetime.datetime | None


class SupervisorIn(Schema):
    supervisor: int | None = Field(
        ..., description="Id of a person (not a trainee) assigned to the same mission; null clears it"
    )


class RemoveIn(Schema):
    reason: str = Field(..., max_length=2000, description="Told to the person by email")


class AnnouncementOut(Schema):
    id: int
    mission: int
    subject: str
    body: str
    author_name: str | None
    created_at: datetime.datetime


class AnnouncementIn(Schema):
    subject: str = Field(..., max_length=team_services.SUBJECT_MAX_LENGTH)
    body: str


class MessageOut(Schema):
    id: int
    mission: int
    author_name: str | None
    body: str
    created_at: datetime.datetime


class MessageIn(Schema):
    body: str = Field(..., description=f"At most {team_services.MESSAGE_MAX_LENGTH} characters")


class CalendarOut(Schema):
    url: str | None = Field(None, description="Your secret iCalendar address; null until you create one")
    created_at: datetime.datetime | None = None


# Helpers ------------------------------------------------------------------------------------------


def _team_mission(request, mission_id: int) -> tuple[Mission, MissionAccess]:
    mission = get_mission_or_404(request.user, mission_id)
    access = MissionAccess.of(request.user, mission)
    access.require_team()
    return mission, access


def _require_host_admin(access: MissionAccess) -> None:
    if not access.is_host_admin:
        raise NotAllowed(
            _("Only an admin of the host organisation waives a requirement."), code="not_host_admin"
        )


def _require_manager(access: MissionAccess) -> None:
    if not access.can_manage:
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])


def _waiver_out(waiver: RequirementWaiver) -> dict[str, Any]:
    return {
        "id": waiver.pk,
        "assignment": waiver.assignment_id,
        "requirement_key": waiver.requirement_key,
        "reason": waiver.reason,
        "waived_by": waiver.waived_by.full_name if waiver.waived_by else None,
        "waived_at": waiver.waived_at,
    }


def _assignment_out(assignment: Assignment) -> dict[str, Any]:
    return {
        "id": assignment.pk,
        "mission": assignment.mission_id,
        "role": assignment.role_id,
        "role_title": assignment.role.title,
        "person": assignment.person_id,
        "person_name": assignment.person.full_name,
        "starts_on": assignment.starts_on,
        "ends_on": assignment.ends_on,
        "status": assignment.status,
        "supervisor": assignment.supervisor_id,
        "supervisor_name": assignment.supervisor.full_name if assignment.supervisor else None,
        "removed_reason": assignment.removed_reason,
        "removed_at": assignment.removed_at,
    }


def _announcement_out(announcement: Announcement) -> dict[str, Any]:
    return {
        "id": announcement.pk,
        "mission": announcement.mission_id,
        "subject": announcement.subject,
        "body": announcement.body,
        "author_name": announcement.author.full_name if announcement.author else None,
        "created_at": announcement.created_at,
    }


def _message_out(message: MissionMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "mission": message.mission_id,
        "author_name": message.author.full_name if message.author else None,
        "body": message.body,
        "created_at": message.created_at,
    }


# Readiness and waivers ----------------------------------------------------------------------------


@missions_router.get(
    "/{mission_id}/readiness",
    response=ReadinessOut,
    summary="The readiness board: every assignment's checks and waivers (your own row if you are on the team)",
)
def readiness(request, mission_id: int):
    mission, access = _team_mission(request, mission_id)
    rows = board.readiness_board(mission, person_user=None if access.can_see_all_readiness else request.user)
    waived_by_ids = {w.waived_by_id for row in rows for w in row.waivers.values() if w.waived_by_id}
    users = User.objects.in_bulk(waived_by_ids) if waived_by_ids else {}
    out_rows = []
    for row in rows:
        assignment = row.assignment
        for waiver in row.waivers.values():
            waiver.waived_by = users.get(waiver.waived_by_id) if waiver.waived_by_id else None
        out_rows.append(
            {
                "assignment": assignment.pk,
                "person": assignment.person_id,
                "person_name": assignment.person.full_name,
                "is_trainee": assignment.person.is_trainee,
                "role": assignment.role_id,
                "role_title": assignment.role.title,
                "starts_on": assignment.starts_on,
                "ends_on": assignment.ends_on,
                "supervisor": assignment.supervisor_id,
                "supervisor_name": assignment.supervisor.full_name if assignment.supervisor else None,
                "ready": row.ready,
                "checks": [
                    {
                        "key": check.key,
                        "label": check.label,
                        "met": check.met,
                        "reason": check.reason,
                        "due_by": check.due_by,
                        "waived": not check.met and check.key in row.waivers,
                    }
                    for check in row.checks
                ],
                "waivers": [_waiver_out(waiver) for waiver in row.waivers.values()],
            }
        )
    return {
        "mission": mission.pk,
        "mission_status": mission.status,
        "ready": sum(1 for row in rows if row.ready),
        "total": len(rows),
        "rows": out_rows,
    }


@missions_router.post(
    "/{mission_id}/waivers",
    response={201: WaiverOut},
    summary="Waive an unmet requirement of one assignment, with a reason (host admins; audited)",
)
def create_waiver(request, mission_id: int, payload: WaiverIn):
    mission, access = _team_mission(request, mission_id)
    _require_host_admin(access)
    assignment = mission.assignments.filter(pk=payload.assignment, status=AssignmentStatus.ACTIVE).first()
    if assignment is None:
        message = _("Choose an active assignment of this mission.")
        raise ValidationFailed(message, fields={"assignment": message})
    waiver = board.waive_requirement(
        assignment, actor=request.user, requirement_key=payload.requirement_key, reason=payload.reason
    )
    return Status(201, _waiver_out(RequirementWaiver.objects.select_related("waived_by").get(pk=waiver.pk)))


@missions_router.delete(
    "/{mission_id}/waivers/{waiver_id}",
    response={204: None},
    summary="Revoke a waiver: the requirement blocks readiness again (host admins; audited)",
)
def delete_waiver(request, mission_id: int, waiver_id: int):
    mission, access = _team_mission(request, mission_id)
    waiver = RequirementWaiver.objects.filter(pk=waiver_id, assignment__mission=mission).first()
    if waiver is None:
        raise Http404
    _require_host_admin(access)
    board.revoke_waiver(waiver, actor=request.user)
    return Status(204, None)


# Supervisors and removal --------------------------------------------------------------------------


def _assignment_for_manager(request, assignment_id: int) -> Assignment:
    assignment = get_assignment_or_404(request.user, assignment_id)
    _require_manager(MissionAccess.of(request.user, assignment.mission))
    return assignment


def _reloaded(assignment: Assignment) -> dict[str, Any]:
    return _assignment_out(
        Assignment.objects.select_related("role", "person", "supervisor").get(pk=assignment.pk)
    )


@assignments_router.post(
    "/{assignment_id}/supervisor",
    response=AssignmentOut,
    summary="Name (or clear) a trainee's supervisor: someone on the same mission who is not a trainee",
)
def set_supervisor(request, assignment_id: int, payload: SupervisorIn):
    assignment = _assignment_for_manager(request, assignment_id)
    supervisor = None
    if payload.supervisor is not None:
        supervisor = Person.objects.filter(
            pk=payload.supervisor,
            assignments__mission_id=assignment.mission_id,
            assignments__status=AssignmentStatus.ACTIVE,
        ).first()
        if supervisor is None:
            message = _("Choose a person assigned to this mission.")
            raise ValidationFailed(message, fields={"supervisor": message})
    team_services.set_supervisor(assignment, actor=request.user, supervisor=supervisor)
    return _reloaded(assignment)


@assignments_router.post(
    "/{assignment_id}/remove",
    response=AssignmentOut,
    summary="Remove the person from the mission with a reason; the place is freed and they are told",
)
def remove_assignment(request, assignment_id: int, payload: RemoveIn):
    assignment = _assignment_for_manager(request, assignment_id)
    team_services.remove_assignment(assignment, actor=request.user, reason=payload.reason)
    return _reloaded(assignment)


# Announcements and messages --------------------------------------------------------------------------


@missions_router.get(
    "/{mission_id}/announcements",
    response=list[AnnouncementOut],
    summary="Announcements to the team, newest first",
)
@paginate(PageNumberPagination, page_size=50)
def list_announcements(request, mission_id: int):
    mission, _access = _team_mission(request, mission_id)
    return MappedQuerySet(
        mission.announcements.select_related("author").order_by("-created_at", "-pk"), _announcement_out
    )


@missions_router.post(
    "/{mission_id}/announcements",
    response={201: AnnouncementOut},
    summary="Announce to everyone assigned (by email, and in the app) (coordinators and admins of a party)",
)
def create_announcement(request, mission_id: int, payload: AnnouncementIn):
    mission, access = _team_mission(request, mission_id)
    _require_manager(access)
    announcement = team_services.post_announcement(
        mission, actor=request.user, subject=payload.subject, body=payload.body
    )
    return Status(201, _announcement_out(announcement))


@missions_router.get(
    "/{mission_id}/messages",
    response=list[MessageOut],
    summary="The mission's message thread, newest first (the team and the parties' members)",
)
@paginate(PageNumberPagination, page_size=50)
def list_messages(request, mission_id: int):
    mission, _access = _team_mission(request, mission_id)
    return MappedQuerySet(mission.messages.select_related("author").order_by("-pk"), _message_out)


@missions_router.post(
    "/{mission_id}/messages",
    response={201: MessageOut},
    summary="Post to the mission's message thread",
)
def create_message(request, mission_id: int, payload: MessageIn):
    mission, _access = _team_mission(request, mission_id)
    message = team_services.post_message(mission, actor=request.user, body=payload.body)
    return Status(201, _message_out(message))


# Calendar feed ---------------------------------------------------------------------------------------


def _calendar_out(feed: CalendarFeed | None) -> dict[str, Any]:
    if feed is None:
        return {"url": None, "created_at": None}
    return {"url": team_services.calendar_feed_url(feed), "created_at": feed.created_at}


@calendar_router.get("", response=CalendarOut, summary="Your calendar feed's address (null if none yet)")
def get_calendar(request):
    return _calendar_out(CalendarFeed.objects.filter(user=request.user).first())


@calendar_router.post(
    "",
    response={201: CalendarOut},
    summary="Create your calendar feed, or replace its address (the old one stops working)",
)
def reset_calendar(request):
    return Status(201, _calendar_out(team_services.reset_calendar_feed(request.user)))


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/missions", missions_router, ["Mission team"]),
    ("/assignments", assignments_router, ["Mission team"]),
    ("/calendar", calendar_router, ["Mission team"]),
]
