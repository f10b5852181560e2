"""Pages: invitations to a role. The person's "My invitations" and each invitation's page (accept
or decline), and the coordinators' actions: invite someone to a role, withdraw an invitation.

Every change goes through missions.invitations; invitations are loaded through its
``get_invitation_or_404`` (the invited person and members of the mission's parties), roles through
missions.access, so what one may not see answers 404 and an action one's role does not allow 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medmissions.core.errors import DomainError, NotAllowed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions import invitations
from medmissions.missions.access import MissionAccess, get_role_or_404
from medmissions.missions.choices import InvitationStatus, MissionStatus
from medmissions.missions.forms.invitations import InviteForm, RespondForm
from medmissions.missions.models import Invitation
from medmissions.volunteers.models import Person

STATUS_BADGES = {
    InvitationStatus.PENDING: "open",
    InvitationStatus.ACCEPTED: "ok",
    InvitationStatus.DECLINED: "bad",
    InvitationStatus.WITHDRAWN: "closed",
}


def _next_or(request: AuthenticatedHttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _form_error(form: Any) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Please correct the form.")


def can_answer(invitation: Invitation) -> bool:
    """Pending, on a mission that still takes people: the answer forms are shown."""
    return (
        invitation.status == InvitationStatus.PENDING
        and invitation.role.mission.status in invitations.INVITING_STATUSES
    )


# The person's side -------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    found = list(invitations.invitations_of(request.user))
    return render(
        request,
        "missions/invitations/mine.html",
        {
            "pending": [invitation for invitation in found if can_answer(invitation)],
            "others": [invitation for invitation in found if not can_answer(invitation)],
            "status_badges": STATUS_BADGES,
            "has_profile": Person.objects.filter(user=request.user).exists(),
        },
    )


def _detail_context(
    request: AuthenticatedHttpRequest, invitation: Invitation, form: RespondForm | None = None
) -> dict[str, Any]:
    mission = invitation.role.mission
    mission_access = MissionAccess.of(request.user, mission)
    is_invitee = invitation.person.user_id == request.user.pk
    return {
        "invitation": invitation,
        "role": invitation.role,
        "mission": mission,
        "is_invitee": is_invitee,
        "can_answer": is_invitee and can_answer(invitation),
        "can_withdraw": mission_access.can_manage and invitation.status == InvitationStatus.PENDING,
        "form": form or RespondForm(),
        "status_badges": STATUS_BADGES,
        # The opportunity page is open to everyone while the mission recruits.
        "opportunity_open": mission.status == MissionStatus.RECRUITING
        and mission.host_confirmed_at is not None,
        "partners": [
            party.organization
            for party in mission.partnership.parties.select_related("organization")
            if not party.is_host
        ],
    }


@login_required
@require_GET
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = invitations.get_invitation_or_404(request.user, pk)
    return render(request, "missions/invitations/detail.html", _detail_context(request, invitation))


@login_required
@require_POST
def respond(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = invitations.get_invitation_or_404(request.user, pk)
    if invitation.person.user_id != request.user.pk:
        # Party members see the invitation; only the invited person answers it.
        raise NotAllowed(_("Only the invited person can answer this invitation."), code="not_invitee")
    form = RespondForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            answered = invitations.respond(
                invitation, actor=request.user, accept=form.accepts, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            apply_to_form(form, error)
            status = error.status
        else:
            mission = answered.role.mission
            if answered.status == InvitationStatus.ACCEPTED:
                messages.success(
                    request,
                    _("Welcome to the team of “%(mission)s” as %(role)s. The coordinators are told.")
                    % {"mission": mission.title, "role": answered.role.title},
                )
                return redirect("missions:team", mission.pk)
            messages.success(
                request, _("You declined the invitation. The coordinators are told; thank you for answering.")
            )
            return redirect(_next_or(request, reverse("missions:invitations")))
    invitation = invitations.get_invitation_or_404(request.user, pk)
    return render(
        request, "missions/invitations/detail.html", _detail_context(request, invitation, form), status=status
    )


# The coordinators' side --------------------------------------------------------------------------


@login_required
@require_POST
def invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Invite the posted person to the role (from the Applications tab or matching's suggestions)."""
    role = get_role_or_404(request.user, pk)
    mission = role.mission
    if not MissionAccess.of(request.user, mission).can_manage:
        raise NotAllowed(
            _("Only coordinators and admins of a party to the partnership invite people."),
            code="not_party_manager",
        )
    back = _next_or(request, reverse("missions:applications", args=[mission.pk]) + "#invitations")
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect(back)
    person = invitations.invitable_person_or_none(mission, form.cleaned_data["person"])
    if person is None:
        messages.error(request, _("Choose someone of the mission's organisations or one of its applicants."))
        return redirect(back)
    try:
        invitations.invite(role, person, actor=request.user, message=form.cleaned_data["message"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(person)s is invited as %(role)s and told by email. The place is held until they answer.")
            % {"person": person.full_name, "role": role.title},
        )
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = invitations.get_invitation_or_404(request.user, pk)
    mission = invitation.role.mission
    if not MissionAccess.of(request.user, mission).can_manage:
        raise NotAllowed(
            _("Only coordinators and admins of a party to the partnership withdraw invitations."),
            code="not_party_manager",
        )
    back = _next_or(request, reverse("missions:applications", args=[mission.pk]) + "#invitations")
    if request.method == "POST":
        try:
            invitations.withdraw(invitation, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The invitation of %(person)s is withdrawn and they are told.")
                % {"person": invitation.person.full_name},
            )
        return redirect(back)
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Withdraw invitation"),
            "question": _("Withdraw the invitation of %(person)s to serve as %(role)s on “%(mission)s”?")
            % {
                "person": invitation.person.full_name,
                "role": invitation.role.title,
                "mission": mission.title,
            },
            "consequence": _("The place it holds is free again, and the person is told by email."),
            "confirm_label": _("Withdraw"),
            "danger": True,
            "cancel_url": back,
        },
    )
