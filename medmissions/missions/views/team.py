"""Pages: a mission's team tab (roster, readiness board, waivers, supervisors, removal,
announcements), its message thread, and a person's calendar feed of their assignments.

Every change goes through board.py (waivers) or team.py (everything else).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medmissions.accounts.models import User
from medmissions.core.errors import DomainError, NotAllowed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions import board
from medmissions.missions import team as team_services
from medmissions.missions.access import (
    MissionAccess,
    get_assignment_or_404,
    get_mission_or_404,
)
from medmissions.missions.choices import OPEN_MISSION_STATUSES, MissionStatus
from medmissions.missions.forms.team import (
    AnnouncementForm,
    MessageForm,
    RemoveForm,
    SupervisorForm,
    WaiveForm,
)
from medmissions.missions.models import Assignment, CalendarFeed, Mission, RequirementWaiver
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability
from medmissions.volunteers.models import Person
from medmissions.volunteers.readiness import RequirementCheck

ANNOUNCEMENTS_SHOWN = 20
THREAD_PAGE_SIZE = 200


@dataclass
class CheckLine:
    """One requirement of one assignment as the board shows it, with the host's waiver if any."""

    check: RequirementCheck
    waiver: RequirementWaiver | None = None
    waive_form: WaiveForm | None = None


@dataclass
class TeamRow:
    """One assignment on the board: its checks and what the viewer may do about it."""

    row: board.BoardRow
    lines: list[CheckLine]
    other_waivers: list[RequirementWaiver] = field(default_factory=list)
    person_url: str | None = None
    supervisor_form: SupervisorForm | None = None
    can_remove: bool = False

    @property
    def assignment(self) -> Assignment:
        return self.row.assignment

    @property
    def ready(self) -> bool:
        return self.row.ready

    @property
    def blocking(self) -> list[RequirementCheck]:
        return self.row.blocking


@dataclass
class FailedAction:
    """A form posted from the team tab that the service refused, shown again where it was."""

    form: Any
    message: str
    assignment_id: int | None = None
    requirement_key: str = ""


def _mission_and_access(request: AuthenticatedHttpRequest, pk: int) -> tuple[Mission, MissionAccess]:
    mission = get_mission_or_404(request.user, pk)
    access = MissionAccess.of(request.user, mission)
    access.require_team()
    return mission, access


def _assignment_and_access(
    request: AuthenticatedHttpRequest, pk: int
) -> tuple[Assignment, Mission, MissionAccess]:
    assignment = get_assignment_or_404(request.user, pk)
    mission = get_mission_or_404(request.user, assignment.mission_id)
    return assignment, mission, MissionAccess.of(request.user, mission)


def _require_manager(access: MissionAccess) -> None:
    if not access.can_manage:
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])


def _require_host_admin(access: MissionAccess) -> None:
    if not access.is_host_admin:
        raise NotAllowed(
            _("Only an admin of the host organisation waives a requirement."), code="not_host_admin"
        )


def team_url(mission_id: int, anchor: str = "") -> str:
    return reverse("missions:team", args=[mission_id]) + (f"#{anchor}" if anchor else "")


def _team_rows(
    request: AuthenticatedHttpRequest,
    mission: Mission,
    access: MissionAccess,
    rows: list[board.BoardRow],
    failed: FailedAction | None,
) -> list[TeamRow]:
    """Board rows with the viewer's forms, in a fixed number of queries whatever the team's size."""
    waiver_user_ids = {
        waiver.waived_by_id for row in rows for waiver in row.waivers.values() if waiver.waived_by_id
    }
    waiver_users = User.objects.in_bulk(waiver_user_ids) if waiver_user_ids else {}
    visible_people: set[int] = set()
    if access.can_see_all_readiness and rows:
        visible_people = set(
            Person.objects.visible_to(request.user)
            .filter(pk__in=[row.assignment.person_id for row in rows])
            .values_list("pk", flat=True)
        )
    may_waive = access.is_host_admin and mission.status in OPEN_MISSION_STATUSES
    may_manage = access.can_manage and mission.status not in team_services.CLOSED_MISSION_STATUSES
    candidates = [
        (row.assignment.person_id, row.assignment.person.full_name)
        for row in rows
        if not row.assignment.person.is_trainee
    ]
    team_rows = []
    for row in rows:
        assignment = row.assignment
        for waiver in row.waivers.values():
            # The users were loaded in one query above; the board does not join them.
            waiver.waived_by = waiver_users.get(waiver.waived_by_id) if waiver.waived_by_id else None
        lines = []
        for index, check in enumerate(row.checks):
            line = CheckLine(check, waiver=row.waivers.get(check.key))
            if may_waive and not check.met and line.waiver is None:
                if failed and failed.assignment_id == assignment.pk and failed.requirement_key == check.key:
                    line.waive_form = failed.form
                else:
                    line.waive_form = WaiveForm(
                        initial={"requirement_key": check.key}, auto_id=f"id_waive_{assignment.pk}_{index}_%s"
                    )
            lines.append(line)
        keys = {check.key for check in row.checks}
        supervisor_form = None
        if may_manage and assignment.person.is_trainee:
            if failed and failed.assignment_id == assignment.pk and isinstance(failed.form, SupervisorForm):
                supervisor_form = failed.form
            else:
                supervisor_form = SupervisorForm(
                    initial={"supervisor": assignment.supervisor_id},
                    candidates=[item for item in candidates if item[0] != assignment.person_id],
                    auto_id=f"id_supervisor_{assignment.pk}_%s",
                )
        team_rows.append(
            TeamRow(
                row=row,
                lines=lines,
                other_waivers=[waiver for key, waiver in row.waivers.items() if key not in keys],
                person_url=(
                    reverse("volunteers:person", args=[assignment.person_id])
                    if assignment.person_id in visible_people
                    else None
                ),
                supervisor_form=supervisor_form,
                can_remove=may_manage,
            )
        )
    return team_rows


def _render_team(
    request: AuthenticatedHttpRequest,
    mission: Mission,
    access: MissionAccess,
    *,
    failed: FailedAction | None = None,
    announce_form: AnnouncementForm | None = None,
    status: int = 200,
) -> HttpResponse:
    everyone = access.can_see_all_readiness
    rows = board.readiness_board(mission, person_user=None if everyone else request.user)
    team_rows = _team_rows(request, mission, access, rows, failed)
    # Team members who are not party members see who else is coming, without their readiness.
    roster = (
        []
        if everyone
        else list(
            team_services.active_assignments(mission)
            .select_related("person", "role", "supervisor")
            .order_by("role__title", "person__full_name")
        )
    )
    if access.can_manage and announce_form is None:
        announce_form = AnnouncementForm(auto_id="id_announce_%s")
    ready_count = sum(1 for row in team_rows if row.ready)
    context = {
        "mission": mission,
        "mission_access": access,
        "tab": "team",
        "rows": team_rows,
        "roster": roster,
        "everyone": everyone,
        "ready_count": ready_count,
        "total": len(team_rows),
        "not_ready": [row for row in team_rows if not row.ready],
        "recruiting": mission.status == MissionStatus.RECRUITING,
        "announcements": list(mission.announcements.select_related("author")[:ANNOUNCEMENTS_SHOWN]),
        "announcement_count": mission.announcements.count(),
        "message_count": mission.messages.count(),
        "announce_form": announce_form,
        "failed": failed,
        "may_waive": access.is_host_admin and mission.status in OPEN_MISSION_STATUSES,
    }
    return render(request, "missions/team/team.html", context, status=status)


@login_required
@require_GET
def team(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mission, access = _mission_and_access(request, pk)
    return _render_team(request, mission, access)


# Waivers (host admins) ---------------------------------------------------------------------------


@login_required
@require_POST
def waive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment, mission, access = _assignment_and_access(request, pk)
    _require_host_admin(access)
    form = WaiveForm(request.POST, auto_id=f"id_waive_{assignment.pk}_failed_%s")
    message = _("Please correct the highlighted fields.")
    if form.is_valid():
        try:
            board.waive_requirement(
                assignment,
                actor=request.user,
                requirement_key=form.cleaned_data["requirement_key"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            apply_to_form(form, error)
            message = error.message
        else:
            messages.success(request, _("Requirement waived; the reason is kept in the audit log."))
            return redirect(team_url(mission.pk, f"assignment-{assignment.pk}"))
    failed = FailedAction(
        form, message, assignment_id=assignment.pk, requirement_key=str(form.data.get("requirement_key", ""))
    )
    return _render_team(request, mission, access, failed=failed, status=400)


@login_required
@require_POST
def waiver_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    waiver = RequirementWaiver.objects.filter(pk=pk).only("pk", "assignment_id").first()
    if waiver is None:
        raise Http404
    assignment, mission, access = _assignment_and_access(request, waiver.assignment_id)
    _require_host_admin(access)
    try:
        board.revoke_waiver(waiver, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Waiver revoked; the requirement blocks readiness again."))
    return redirect(team_url(mission.pk, f"assignment-{assignment.pk}"))


# Supervisors and removal (coordinators) ---------------------------------------------------------------


@login_required
@require_POST
def assignment_supervisor(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment, mission, access = _assignment_and_access(request, pk)
    _require_manager(access)
    people = {person.pk: person for person in team_services.supervisor_candidates(assignment)}
    form = SupervisorForm(
        request.POST,
        candidates=[(person.pk, person.full_name) for person in people.values()],
        auto_id=f"id_supervisor_{assignment.pk}_%s",
    )
    message = _("Please correct the highlighted fields.")
    if form.is_valid():
        chosen = form.cleaned_data["supervisor"]
        try:
            team_services.set_supervisor(
                assignment, actor=request.user, supervisor=people[chosen] if chosen else None
            )
        except DomainError as error:
            apply_to_form(form, error)
            message = error.message
        else:
            messages.success(
                request,
                _("Supervisor named; %(name)s is told by email.") % {"name": assignment.person.full_name}
                if chosen
                else _("Supervisor cleared."),
            )
            return redirect(team_url(mission.pk, f"assignment-{assignment.pk}"))
    failed = FailedAction(form, message, assignment_id=assignment.pk)
    return _render_team(request, mission, access, failed=failed, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment, mission, access = _assignment_and_access(request, pk)
    _require_manager(access)
    form = RemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team_services.remove_assignment(
                assignment, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("%(name)s was removed from the mission and is told by email; the place is free again.")
                % {"name": assignment.person.full_name},
            )
            return redirect(team_url(mission.pk))
    return render(
        request,
        "missions/team/remove.html",
        {
            "mission": mission,
            "mission_access": access,
            "tab": "team",
            "assignment": assignment,
            "form": form,
            "cancel_url": team_url(mission.pk, f"assignment-{assignment.pk}"),
        },
        status=400 if form.errors else 200,
    )


# Announcements ---------------------------------------------------------------------------------------


@login_required
@require_POST
def announce(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mission, access = _mission_and_access(request, pk)
    _require_manager(access)
    form = AnnouncementForm(request.POST, auto_id="id_announce_%s")
    if form.is_valid():
        try:
            team_services.post_announcement(
                mission,
                actor=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Announcement sent to everyone on the team."))
            return redirect(team_url(mission.pk, "announcements"))
    return _render_team(request, mission, access, announce_form=form, status=400)


# The message thread ----------------------------------------------------------------------------------


def _thread(mission: Mission, before: str | None) -> dict[str, Any]:
    """The latest messages (or those before ``before``), oldest first, with a link to older ones."""
    queryset = mission.messages.select_related("author").order_by("-pk")
    if before and before.isdigit():
        queryset = queryset.filter(pk__lt=int(before))
    chunk = list(queryset[: THREAD_PAGE_SIZE + 1])
    has_older = len(chunk) > THREAD_PAGE_SIZE
    chunk = chunk[:THREAD_PAGE_SIZE]
    chunk.reverse()
    return {
        "thread": chunk,
        "older_url": f"?before={chunk[0].pk}" if has_older and chunk else None,
        "showing_older": bool(before),
    }


@login_required
@require_http_methods(["GET", "POST"])
def thread(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mission, access = _mission_and_access(request, pk)
    htmx = bool(request.headers.get("HX-Request"))
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                team_services.post_message(mission, actor=request.user, body=form.cleaned_data["body"])
            except DomainError as error:
                apply_to_form(form, error)
            else:
                if not htmx:
                    return redirect(reverse("missions:messages", args=[mission.pk]) + "#latest")
                form = MessageForm()
        # htmx swaps only successful answers; without JavaScript a refused post is a 400.
        if form.errors and not htmx:
            status = 400
    context = {
        "mission": mission,
        "mission_access": access,
        "tab": "team",
        "form": form,
        **_thread(mission, None if request.method == "POST" else request.GET.get("before")),
    }
    template = "missions/team/_thread.html" if htmx else "missions/team/messages.html"
    response = render(request, template, context, status=status)
    # The fragment and the full page share a URL; caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# Calendar feed -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        team_services.create_calendar_feed(request.user)
        messages.success(request, _("Your calendar address is ready; add it to your calendar app."))
        return redirect("missions:calendar")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "missions/team/calendar.html",
        {
            "feed": feed,
            "feed_url": team_services.calendar_feed_url(feed) if feed else None,
            "assignments": list(team_services.calendar_assignments(request.user)),
        },
    )


@login_required
@require_POST
def calendar_reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    team_services.reset_calendar_feed(request.user)
    messages.success(
        request, _("Your calendar has a new address; the old one no longer works. Update your calendar app.")
    )
    return redirect("missions:calendar")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed: no sign-in (calendar apps cannot), the secret token is the credential."""
    feed = team_services.feed_for_token(token)
    if feed is None:
        raise Http404
    response = HttpResponse(
        team_services.build_calendar(feed.user), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="medmissions.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
