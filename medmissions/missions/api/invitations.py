"""API: invitations to a role. A mission's invitations and inviting someone to a role (members of
the parties read, coordinators and admins act), and the caller's own invitations with their
answer. ROUTES lists (prefix, router, tags) for medmissions/api.py to mount.

The same services as the HTML pages (missions.invitations) and the same loading rules: a mission
or an invitation one may not see answers 404, an action one's role does not allow 403, a refused
step 400/409 with its code (``role_full``, ``already_invited``, ``has_application``,
``assignment_overlap``, ``not_recruiting``, ``invitation_closed``…).
"""

import datetime
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.missions import invitations
from medmissions.missions.access import MissionAccess, get_mission_or_404
from medmissions.missions.invitations import MESSAGE_MAX_LENGTH
from medmissions.missions.models import Invitation

missions_router = Router()
invitations_router = Router()


class InvitationOut(Schema):
    id: int
    role: int
    role_title: str
    mission: int
    mission_title: str
    person: int
    person_name: str
    status: str = Field(..., description="pending, accepted, declined or withdrawn")
    status_label: str
    message: str = Field(..., description="The coordinator's message to the person")
    invited_by_name: str | None
    organization: str | None = Field(..., description="Slug of the party organisation that invited")
    optimisation_run: int | None = Field(..., description="The optimisation run that proposed it, if any")
    response_note: str = Field(..., description="The person's note with their answer")
    responded_at: datetime.datetime | None
    created_at: datetime.datetime
    assignment: int | None = Field(..., description="The place taken by accepting")


class InviteIn(Schema):
    person: int = Field(..., description="Person id: someone of the mission's organisations or an applicant")
    message: str = Field("", max_length=MESSAGE_MAX_LENGTH)


class RespondIn(Schema):
    accept: bool = Field(..., description="true takes the place; false declines")
    note: str = Field("", max_length=MESSAGE_MAX_LENGTH)


def _invitation_out(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "role": invitation.role_id,
        "role_title": invitation.role.title,
        "mission": invitation.role.mission_id,
        "mission_title": invitation.role.mission.title,
        "person": invitation.person_id,
        "person_name": invitation.person.full_name,
        "status": invitation.status,
        "status_label": str(invitation.get_status_display()),
        "message": invitation.message,
        "invited_by_name": invitation.invited_by.full_name if invitation.invited_by is not None else None,
        "organization": invitation.organization.slug if invitation.organization is not None else None,
        "optimisation_run": invitation.optimisation_run_id,
        "response_note": invitation.response_note,
        "responded_at": invitation.responded_at,
        "created_at": invitation.created_at,
        "assignment": invitation.assignment_id,
    }


def _queryset():
    return Invitation.objects.select_related("role__mission", "person", "invited_by", "organization")


def _reloaded(invitation: Invitation) -> dict[str, Any]:
    return _invitation_out(_queryset().get(pk=invitation.pk))


def _party_mission(request, mission_id: int):
    """The mission, for members of its parties; everyone else gets 404."""
    mission = get_mission_or_404(request.user, mission_id)
    mission_access = MissionAccess.of(request.user, mission)
    if not mission_access.is_party_member:
        raise Http404
    return mission, mission_access


# A mission's invitations -------------------------------------------------------------------------


@missions_router.get(
    "/{mission_id}/invitations",
    response=list[InvitationOut],
    summary="A mission's invitations, by role (members of the mission's organisations)",
)
@paginate(PageNumberPagination, page_size=50)
def list_mission_invitations(request, mission_id: int):
    mission, _access = _party_mission(request, mission_id)
    return MappedQuerySet(invitations.mission_invitations(mission), _invitation_out)


@missions_router.post(
    "/{mission_id}/roles/{role_id}/invitations",
    response={201: InvitationOut},
    summary="Invite a person to a role; the invitation holds a place (coordinators and admins of a party)",
)
def invite(request, mission_id: int, role_id: int, payload: InviteIn):
    mission, mission_access = _party_mission(request, mission_id)
    role = mission.roles.filter(pk=role_id).select_related("mission").first()
    if role is None:
        raise Http404
    if not mission_access.can_manage:
        raise NotAllowed(
            _("Only coordinators and admins of a party to the partnership invite people."),
            code="not_party_manager",
        )
    person = invitations.invitable_person_or_none(mission, payload.person)
    if person is None:
        message = _("Choose someone of the mission's organisations or one of its applicants.")
        raise ValidationFailed(message, fields={"person": message})
    invitation = invitations.invite(role, person, actor=request.user, message=payload.message)
    return Status(201, _reloaded(invitation))


# One invitation, and the caller's ----------------------------------------------------------------


@invitations_router.get("", response=list[InvitationOut], summary="Your invitations, newest first")
@paginate(PageNumberPagination, page_size=50)
def list_my_invitations(request):
    return MappedQuerySet(invitations.invitations_of(request.user), _invitation_out)


@invitations_router.get(
    "/{invitation_id}",
    response=InvitationOut,
    summary="An invitation (the invited person, and members of the mission's organisations)",
)
def get_invitation(request, invitation_id: int):
    return _reloaded(invitations.get_invitation_or_404(request.user, invitation_id))


@invitations_router.post(
    "/{invitation_id}/withdraw",
    response=InvitationOut,
    summary="Withdraw a pending invitation; its place is free again (coordinators and admins of a party)",
)
def withdraw_invitation(request, invitation_id: int):
    invitation = invitations.get_invitation_or_404(request.user, invitation_id)
    return _reloaded(invitations.withdraw(invitation, actor=request.user))


@invitations_router.post(
    "/{invitation_id}/respond",
    response=InvitationOut,
    summary="Accept (takes the place, as an accepted application) or decline your invitation",
)
def respond(request, invitation_id: int, payload: RespondIn):
    invitation = invitations.get_invitation_or_404(request.user, invitation_id)
    answered = invitations.respond(invitation, actor=request.user, accept=payload.accept, note=payload.note)
    return _reloaded(answered)


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/missions", missions_router, ["Invitations"]),
    ("/invitations", invitations_router, ["Invitations"]),
]
