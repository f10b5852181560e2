"""Pages: a mission's close-out tab (handover plan, follow-up tasks, evaluations, volunteer hours) and
the forms behind it. Every change goes through missions/closeout.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from medmissions.core.errors import Conflict, DomainError, NotAllowed, ValidationFailed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions import closeout
from medmissions.missions.access import MissionAccess, get_assignment_or_404, get_mission_or_404
from medmissions.missions.choices import EvaluationSide, FollowUpStatus, MissionStatus
from medmissions.missions.forms.closeout import (
    EvaluationForm,
    FollowUpForm,
    FollowUpUpdateForm,
    HandoverPlanForm,
    HoursForm,
    ReopenHoursForm,
)
from medmissions.missions.models import Assignment, FollowUpTask, Mission

# Badge classes of core/static/core/app.css for each follow-up status.
FOLLOW_UP_BADGES: dict[str, str] = {
    FollowUpStatus.OPEN: "open",
    FollowUpStatus.DONE: "done",
    FollowUpStatus.CANCELLED: "closed",
}
HOURS_BADGES = {"approved": "ok", "pending": "warn", "missing": "closed"}


def _load(request: AuthenticatedHttpRequest, pk: int) -> tuple[Mission, MissionAccess]:
    """The mission, for its parties and its team only (anyone else: 404)."""
    mission = get_mission_or_404(request.user, pk)
    access = MissionAccess.of(request.user, mission)
    access.require_team()
    return mission, access


def _tab_url(mission_id: int, anchor: str = "") -> str:
    return reverse("missions:closeout", args=[mission_id]) + (f"#{anchor}" if anchor else "")


def _hours_form(assignment: Assignment, data: Any = None) -> HoursForm:
    initial = {"hours": assignment.hours, "note": assignment.hours_note}
    return HoursForm(data, initial=initial, auto_id=f"hours-{assignment.pk}-%s")


def _render_tab(
    request: AuthenticatedHttpRequest,
    mission: Mission,
    access: MissionAccess,
    *,
    status: int = 200,
    follow_up_form: FollowUpForm | None = None,
    hours_form: HoursForm | None = None,
    hours_assignment_id: int | None = None,
) -> HttpResponse:
    overview = closeout.closeout_overview(mission, access)
    today = overview.today
    follow_ups = [
        {
            "task": task,
            "badge": FOLLOW_UP_BADGES.get(task.status, "open"),
            "overdue": closeout.is_overdue(task, today),
        }
        for task in overview.follow_ups
    ]
    hours_rows = []
    for row in overview.hours_rows:
        bound = hours_form if row.assignment.pk == hours_assignment_id else None
        hours_rows.append(
            {
                "row": row,
                "badge": HOURS_BADGES[row.state],
                "form": bound or _hours_form(row.assignment),
                "open": bound is not None,
            }
        )
    return render(
        request,
        "missions/closeout/tab.html",
        {
            "mission": mission,
            "mission_access": access,
            "tab": "closeout",
            "overview": overview,
            "follow_ups": follow_ups,
            "hours_rows": hours_rows,
            "follow_up_form": follow_up_form or FollowUpForm(),
            "reopen_form": ReopenHoursForm(),
            "statuses": MissionStatus,
            "sides": EvaluationSide,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def closeout_tab(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mission, access = _load(request, pk)
    return _render_tab(request, mission, access)


# Handover plan ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def handover(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mission, access = _load(request, pk)
    if not access.can_manage:
        raise NotAllowed(_("Only coordinators and admins of a party to the mission write its handover plan."))
    error = closeout.plan_window_error(mission)
    if error is not None:
        raise error
    plan = getattr(mission, "handover_plan", None)
    initial = {name: getattr(plan, name) for name in closeout.PLAN_FIELDS} if plan is not None else {}
    form = HandoverPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            closeout.save_handover_plan(mission, actor=request.user, data=form.cleaned_data)
        except DomainError as failure:
            if failure.status == 403:
                raise
            apply_to_form(form, failure)
        else:
            messages.success(request, _("Handover plan saved."))
            return redirect(_tab_url(mission.pk, "handover"))
    return render(
        request,
        "missions/closeout/handover_form.html",
        {"form": form, "mission": mission, "mission_access": access, "tab": "closeout", "plan": plan},
        status=400 if form.errors else 200,
    )


# Follow-up tasks ------------------------------------------------------------------------------------------


@login_required
@require_POST
def follow_up_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mission, access = _load(request, pk)
    if not access.can_manage:
        raise NotAllowed(_("Only coordinators and admins of a party to the mission add follow-up tasks."))
    form = FollowUpForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            closeout.add_follow_up(
                mission,
                actor=request.user,
                data=form.service_data(),
                notify_host=form.cleaned_data["notify_host"],
            )
        except DomainError as failure:
            if failure.status == 403:
                raise
            status = failure.status
            apply_to_form(form, failure)
        else:
            messages.success(request, _("Follow-up task added."))
            return redirect(_tab_url(mission.pk, "follow-ups"))
    return _render_tab(request, mission, access, status=status, follow_up_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_edit(request: AuthenticatedHttpRequest, pk: int, follow_up_pk: int) -> HttpResponse:
    mission, access = _load(request, pk)
    task = FollowUpTask.objects.filter(handover_plan__mission=mission, pk=follow_up_pk).first()
    if task is None:
        raise Http404
    full = bool(closeout.managed_party_ids(mission, request.user))
    if not (full or closeout.host_contributor_ids(mission, request.user)):
        raise NotAllowed(_("Only members of the host and coordinators of a party update follow-up tasks."))
    names = closeout.FOLLOW_UP_FIELDS if full else sorted(closeout.FOLLOW_UP_PROGRESS_FIELDS)
    form = FollowUpUpdateForm(
        request.POST or None, initial={name: getattr(task, name) for name in names}, full=full
    )
    if request.method == "POST" and form.is_valid():
        try:
            closeout.update_follow_up(task, actor=request.user, data=form.cleaned_data)
        except DomainError as failure:
            if failure.status == 403:
                raise
            apply_to_form(form, failure)
        else:
            messages.success(request, _("Follow-up task updated."))
            return redirect(_tab_url(mission.pk, "follow-ups"))
    return render(
        request,
        "missions/closeout/follow_up_form.html",
        {
            "form": form,
            "mission": mission,
            "mission_access": access,
            "tab": "closeout",
            "task": task,
            "full": full,
        },
        status=400 if form.errors else 200,
    )


# Evaluations ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def evaluate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mission, access = _load(request, pk)
    allowed = closeout.evaluation_sides(mission, request.user)
    if not allowed:
        raise NotAllowed(
            _(
                "Coordinators and admins of the host write the host's evaluation; those of the visiting parties write the visiting team's."
            )
        )
    posted = request.POST.get("side") if request.method == "POST" else None
    if posted in EvaluationSide.values and posted not in allowed:
        raise NotAllowed(
            _("Only coordinators and admins of a host organisation write the host's evaluation.")
            if posted == EvaluationSide.HOST
            else _("Only coordinators and admins of a visiting party write the visiting team's evaluation.")
        )
    if mission.status != MissionStatus.COMPLETED:
        raise Conflict(
            _("Evaluations are written once the mission is completed; this one is %(status)s.")
            % {"status": str(mission.get_status_display()).lower()},
            code="not_completed",
        )
    written = set(mission.evaluations.values_list("side", flat=True))
    sides = [side for side in allowed if side not in written]
    if not sides or posted in written:
        raise Conflict(closeout.already_written(posted or next(iter(allowed))), code="evaluation_exists")
    chosen = request.GET.get("side")
    form = EvaluationForm(
        request.POST or None, sides=sides, initial={"side": chosen} if chosen in sides else None
    )
    if request.method == "POST" and form.is_valid():
        side = form.cleaned_data["side"]
        try:
            closeout.write_evaluation(mission, actor=request.user, side=side, data=form.service_data())
        except (ValidationFailed, Conflict) as failure:
            apply_to_form(form, failure)
        else:
            if not closeout.missing_evaluation_sides(mission):
                messages.success(
                    request,
                    _(
                        "Evaluation saved. Both sides have now evaluated: a coordinator can mark the mission evaluated."
                    ),
                )
            else:
                messages.success(
                    request, _("Evaluation saved. The other side has been asked to write theirs.")
                )
            return redirect(_tab_url(mission.pk, "evaluations"))
    return render(
        request,
        "missions/closeout/evaluation_form.html",
        {
            "form": form,
            "mission": mission,
            "mission_access": access,
            "tab": "closeout",
            "single_side": EvaluationSide(sides[0]).label if len(sides) == 1 else None,
        },
        status=400 if form.errors else 200,
    )


# Volunteer hours -------------------------------------------------------------------------------------------


def _load_assignment(request: AuthenticatedHttpRequest, pk: int) -> tuple[Assignment, MissionAccess]:
    assignment = get_assignment_or_404(request.user, pk)
    return assignment, MissionAccess.of(request.user, assignment.mission)


@login_required
@require_POST
def hours_log(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment, access = _load_assignment(request, pk)
    own = assignment.person.user_id == request.user.pk
    if not (own or access.can_manage):
        raise NotAllowed(_("Only the volunteer and the mission's coordinators log hours for an assignment."))
    form = _hours_form(assignment, request.POST)
    failure: DomainError | None = None
    if form.is_valid():
        try:
            closeout.log_hours(
                assignment,
                actor=request.user,
                hours=form.cleaned_data["hours"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            if error.status == 403:
                raise
            failure = error
            apply_to_form(form, error)
        else:
            messages.success(request, _("Hours logged; a coordinator approves them."))
            return redirect(_tab_url(assignment.mission_id, "hours"))
    if not access.can_see_team:  # someone who left the team still sees their assignment, not the tab
        raise failure or ValidationFailed(_("Check the hours you entered."))
    return _render_tab(
        request,
        assignment.mission,
        access,
        status=failure.status if failure is not None else 400,
        hours_form=form,
        hours_assignment_id=assignment.pk,
    )


@login_required
@require_POST
def hours_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment, access = _load_assignment(request, pk)
    if not access.can_manage:
        raise NotAllowed(_("Only coordinators and admins of a party to the mission approve hours."))
    try:
        closeout.approve_hours(assignment, actor=request.user)
    except (ValidationFailed, Conflict) as failure:
        messages.error(request, failure.message)
    else:
        messages.success(
            request, _("Hours approved for %(name)s, who is told by email.") % {"name": assignment.person}
        )
    return redirect(_tab_url(assignment.mission_id, "hours"))


@login_required
@require_POST
def hours_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment, access = _load_assignment(request, pk)
    if not access.can_manage:
        raise NotAllowed(_("Only coordinators and admins of a party to the mission re-open hours."))
    form = ReopenHoursForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        closeout.reopen_hours(assignment, actor=request.user, reason=reason)
    except (ValidationFailed, Conflict) as failure:
        messages.error(request, failure.message)
    else:
        messages.success(
            request,
            _("Hours re-opened: %(name)s or a coordinator can log them again.") % {"name": assignment.person},
        )
    return redirect(_tab_url(assignment.mission_id, "hours"))
