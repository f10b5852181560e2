"""Invitations to a role: a coordinator offers one person a place; the person accepts or declines.

* **Invite** (coordinators and admins of a party, ``manage_missions``): while the mission recruits
  or is ready, to someone in the mission's pool (affiliated with a party organisation, or an
  applicant to one of its roles) whose profile is open, who holds no place on the mission, has no
  other pending invitation to it and no open application to the role (then accept the
  application). A pending invitation **holds a place**: active assignments plus pending
  invitations never exceed the role's places (the role row is locked, as accepting does).
  Inviting someone who declined, or whose invitation was withdrawn, reopens the same row: the
  coordinator asks again, explicitly.
* **Withdraw** (coordinators): a pending invitation only; the person is told.
* **Respond** (the invited person only): declining records the answer and an optional note;
  accepting gives the place through ``applications._give_place``, the same path and the same
  checks as accepting an application (the mission still recruits, a place is free, no overlapping
  assignment), and records an accepted Application linked to the assignment, so the board, the
  team, close-out and privacy treat it as any other place. The coordinators are told either way.

Applying to a role one is invited to is refused with a pointer to the invitation (see
``applications.apply``). Every function is atomic and raises a domain error naming the person and
the role before writing anything, so callers may invite many people in one outer transaction
(accepting an optimisation run) and roll back as a whole.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action
from medmissions.core.errors import Conflict, NotAllowed
from medmissions.core.mail import send_on_commit
from medmissions.missions import recipients
from medmissions.missions.access import MissionAccess
from medmissions.missions.applications import (
    _coordinator_recipients,
    _give_place,
    lock_role,
    overlapping_assignment,
)
from medmissions.missions.choices import (
    ApplicationStatus,
    AssignmentStatus,
    InvitationStatus,
    MissionStatus,
)
from medmissions.missions.models import Application, Assignment, Invitation, Mission, Role
from medmissions.missions.services import _party_organization, withdraw_invitations
from medmissions.organizations.access import Capability
from medmissions.partnerships.choices import PartyRole
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, Person

# Missions whose places can still be offered and taken.
INVITING_STATUSES = {MissionStatus.RECRUITING, MissionStatus.READY}
OPEN_APPLICATION_STATUSES = {
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.WAITLISTED,
}
MESSAGE_MAX_LENGTH = 5000


# Loading -----------------------------------------------------------------------------------------


def get_invitation_or_404(user: Any, pk: int) -> Invitation:
    """An invitation seen by the invited person, or by members of the mission's parties."""
    if user is None or not user.is_authenticated:
        raise Http404
    invitation = (
        Invitation.objects.filter(pk=pk)
        .select_related("role__mission__partnership", "role__mission__site", "person__user", "invited_by")
        .first()
    )
    if invitation is None:
        raise Http404
    if invitation.person.user_id == user.pk:
        return invitation
    if MissionAccess.of(user, invitation.role.mission).is_party_member:
        return invitation
    raise Http404


def invitations_of(user: Any) -> QuerySet[Invitation]:
    """The signed-in person's invitations, newest first."""
    return (
        Invitation.objects.filter(person__user=user)
        .select_related("role__mission__site", "organization", "invited_by")
        .order_by("-created_at", "-pk")
    )


def pending_invitations_of(user: Any) -> QuerySet[Invitation]:
    """The person's invitations waiting for an answer, on missions that can still take them."""
    return invitations_of(user).filter(
        status=InvitationStatus.PENDING, role__mission__status__in=INVITING_STATUSES
    )


def mission_invitations(mission: Mission) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(role__mission=mission)
        .select_related("role", "person", "invited_by", "organization")
        .order_by("role__title", "role_id", "created_at", "pk")
    )


def pool(mission: Mission) -> QuerySet[Person]:
    """Who may be invited to the mission: open profiles affiliated (home or vetting) with a party
    organisation, and people who applied to one of its roles (the pool matching draws from)."""
    party_ids = mission.partnership.parties.values("organization_id")
    return (
        Person.objects.active()
        .filter(Q(affiliations__organization_id__in=party_ids) | Q(applications__role__mission=mission))
        .distinct()
    )


def invitable_person_or_none(mission: Mission, person_id: Any) -> Person | None:
    """The person with this id if they are in the mission's pool: the people its coordinators may
    see and invite (matching suggests the same pool). Anyone else is "not found", whether or not
    they exist, so ids outside the pool reveal nothing."""
    try:
        pk = int(person_id)
    except (TypeError, ValueError):
        return None
    return pool(mission).filter(pk=pk).first()


def _url(invitation: Invitation) -> str:
    return reverse("missions:invitation", args=[invitation.pk])


# Inviting ----------------------------------------------------------------------------------------


def _check_invitable(role: Role, person: Person) -> None:
    """Every reason ``person`` cannot be invited to ``role`` now, each naming both."""
    mission = role.mission
    names = {"person": person.full_name, "role": role.title, "mission": mission.title}
    if mission.status not in INVITING_STATUSES:
        raise Conflict(
            _("%(person)s cannot be invited to “%(role)s”: “%(mission)s” is not recruiting.") % names,
            code="not_recruiting",
        )
    if person.erased_at is not None or person.merged_into_id is not None:
        raise Conflict(
            _("%(person)s cannot be invited to “%(role)s”: the profile is closed (erased or merged).")
            % names,
            code="profile_closed",
        )
    if not pool(mission).filter(pk=person.pk).exists():
        raise Conflict(
            _(
                "%(person)s cannot be invited to “%(role)s”: invite people of the mission's "
                "organisations or its applicants."
            )
            % names,
            code="not_in_pool",
        )
    if Assignment.objects.filter(mission=mission, person=person, status=AssignmentStatus.ACTIVE).exists():
        raise Conflict(
            _("%(person)s already holds a place on “%(mission)s”.") % names, code="already_assigned"
        )
    pending = (
        Invitation.objects.filter(role__mission=mission, person=person, status=InvitationStatus.PENDING)
        .select_related("role")
        .first()
    )
    if pending is not None:
        raise Conflict(
            _("%(person)s is already invited to “%(other)s” on this mission; withdraw that invitation first.")
            % {**names, "other": pending.role.title},
            code="already_invited",
        )
    if Application.objects.filter(role=role, person=person, status__in=OPEN_APPLICATION_STATUSES).exists():
        raise Conflict(
            _("%(person)s has applied to “%(role)s”: accept the application instead of inviting.") % names,
            code="has_application",
        )
    taken, held = role.places_taken(), role.places_held()
    if taken + held >= role.people_needed:
        raise Conflict(
            _(
                "%(person)s cannot be invited: “%(role)s” is full (%(taken)d of %(count)d places "
                "taken, %(held)d held by pending invitations)."
            )
            % {**names, "taken": taken, "held": held, "count": role.people_needed},
            code="role_full",
        )
    clash = overlapping_assignment(person, mission.starts_on, mission.ends_on, exclude_mission_id=mission.pk)
    if clash is not None:
        raise Conflict(
            _(
                "%(person)s cannot be invited to “%(role)s”: already assigned to “%(other)s” from %(start)s to %(end)s."
            )
            % {**names, "other": clash.mission.title, "start": clash.starts_on, "end": clash.ends_on},
            code="assignment_overlap",
        )


@transaction.atomic
def invite(
    role: Role,
    person: Person,
    *,
    actor: User,
    message: str = "",
    optimisation_run_id: int | None = None,
) -> Invitation:
    """Invite ``person`` to take a place in ``role``; the invitation holds the place until answered.

    Safe to call many times inside one outer transaction: a refusal raises before anything is
    written (and this function's savepoint is rolled back).
    """
    role = lock_role(role.pk)
    organization = _party_organization(role.mission, actor, Capability.MANAGE_MISSIONS)
    person = Person.objects.select_related("user").get(pk=person.pk)
    _check_invitable(role, person)
    message = (message or "").strip()
    existing = Invitation.objects.select_for_update(of=("self",)).filter(role=role, person=person).first()
    reopened = existing is not None
    if existing is not None:
        # Declined, withdrawn, or accepted and the place given up since: the coordinator asks again.
        before = {"status": existing.status, "message": existing.message}
        invitation = existing
        invitation.status = InvitationStatus.PENDING
        invitation.invited_by, invitation.organization, invitation.message = actor, organization, message
        invitation.optimisation_run_id = optimisation_run_id
        invitation.response_note, invitation.responded_at, invitation.assignment = "", None, None
        invitation.save(
            update_fields=[
                "status",
                "invited_by",
                "organization",
                "message",
                "optimisation_run_id",
                "response_note",
                "responded_at",
                "assignment",
                "updated_at",
            ]
        )
    else:
        before = {}
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    role=role,
                    person=person,
                    invited_by=actor,
                    organization=organization,
                    message=message,
                    optimisation_run_id=optimisation_run_id,
                )
        except IntegrityError as error:  # the same person invited at the same moment by someone else
            raise Conflict(
                _("%(person)s is already invited to “%(role)s”.")
                % {"person": person.full_name, "role": role.title},
                code="already_invited",
            ) from error
    log_action(
        "missions.invitation.sent",
        actor=actor,
        organization=organization,
        obj=invitation,
        before=before,
        after={"status": InvitationStatus.PENDING, "message": message},
        data={
            "role": role.pk,
            "mission": role.mission_id,
            "person": person.pk,
            "optimisation_run": optimisation_run_id,
            "reopened": reopened,
        },
    )
    send_on_commit(
        "role_invitation",
        {
            "invitation": invitation,
            "role": role,
            "mission": role.mission,
            "actor": actor,
            "url": _url(invitation),
        },
        recipients.people([person]),
    )
    return invitation


@transaction.atomic
def withdraw(invitation: Invitation, *, actor: User) -> Invitation:
    """A coordinator withdraws a pending invitation: its place is free again and the person is told."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("role__mission__partnership", "person__user")
        .get(pk=invitation.pk)
    )
    organization = _party_organization(invitation.role.mission, actor, Capability.MANAGE_MISSIONS)
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict(
            _("This invitation is %(status)s and can no longer be withdrawn.")
            % {"status": invitation.get_status_display().lower()},
            code="invitation_closed",
        )
    withdraw_invitations([invitation], actor=actor, organization=organization)
    send_on_commit(
        "role_invitation_withdrawn",
        {"invitation": invitation, "role": invitation.role, "mission": invitation.role.mission},
        recipients.people([invitation.person]),
    )
    return invitation


# Answering ---------------------------------------------------------------------------------------


def _accepted_application(invitation: Invitation, role: Role, note: str) -> Application:
    """The accepted Application the place belongs to: created, or an earlier (closed) application
    of the person to this role reused (one application per role and person)."""
    person = invitation.person
    motivation = note or _("Accepted an invitation.")
    now = timezone.now()
    application = Application.objects.select_for_update(of=("self",)).filter(role=role, person=person).first()
    if application is None:
        return Application.objects.create(
            role=role,
            person=person,
            motivation=motivation,
            status=ApplicationStatus.ACCEPTED,
            message=invitation.message,
            decided_by=invitation.invited_by,
            decided_at=now,
        )
    application.status, application.motivation, application.message = (
        ApplicationStatus.ACCEPTED,
        motivation,
        invitation.message,
    )
    application.decided_by, application.decided_at = invitation.invited_by, now
    application.save(
        update_fields=["status", "motivation", "message", "decided_by", "decided_at", "updated_at"]
    )
    return application


def _share_with_vetting_parties(person: Person, mission: Mission) -> None:
    """As applying does: the person's profile is shared with the non-host parties that vet them."""
    for organization_id in mission.partnership.parties.exclude(role=PartyRole.HOST).values_list(
        "organization_id", flat=True
    ):
        Affiliation.objects.get_or_create(
            person=person, organization_id=organization_id, kind=AffiliationKind.VETTING
        )


def _answer_recipients(invitation: Invitation) -> list[recipients.Recipient]:
    found = set(_coordinator_recipients(invitation.role))
    if invitation.invited_by is not None and invitation.invited_by.email:
        found.add((invitation.invited_by.email, invitation.invited_by.language))
    return sorted(found)


@transaction.atomic
def respond(invitation: Invitation, *, actor: User, accept: bool, note: str = "") -> Invitation:
    """The invited person accepts (and takes the place) or declines, with an optional note."""
    current = Invitation.objects.select_related("person").get(pk=invitation.pk)
    if current.person.user_id is None or current.person.user_id != actor.pk:
        raise NotAllowed(_("Only the invited person can answer this invitation."), code="not_invitee")
    # The role first, then the invitation: the order invite() and applications.accept() lock in.
    role = lock_role(current.role_id)
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("person__user", "invited_by", "organization")
        .get(pk=invitation.pk)
    )
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict(
            _("This invitation is %(status)s and can no longer be answered.")
            % {"status": invitation.get_status_display().lower()},
            code="invitation_closed",
        )
    person = invitation.person
    if person.erased_at is not None or person.merged_into_id is not None:
        raise NotAllowed(_("This profile can no longer take a place."), code="profile_closed")
    note = (note or "").strip()
    data: dict[str, Any] = {"role": role.pk, "mission": role.mission_id}
    if accept:
        application: list[Application] = []

        def create_application() -> Application:
            application.append(_accepted_application(invitation, role, note))
            return application[0]

        assignment = _give_place(role, person, create_application, by_invitation=True)
        _share_with_vetting_parties(person, role.mission)
        invitation.status, invitation.assignment = InvitationStatus.ACCEPTED, assignment
        data.update(assignment=assignment.pk, application=application[0].pk)
        action = "missions.invitation.accepted"
    else:
        invitation.status = InvitationStatus.DECLINED
        action = "missions.invitation.declined"
    invitation.response_note, invitation.responded_at = note, timezone.now()
    invitation.save(update_fields=["status", "assignment", "response_note", "responded_at", "updated_at"])
    log_action(
        action,
        actor=actor,
        organization=invitation.organization,
        obj=invitation,
        before={"status": InvitationStatus.PENDING},
        after={"status": invitation.status, "response_note": note},
        data=data,
    )
    send_on_commit(
        "role_invitation_answered",
        {"invitation": invitation, "role": role, "mission": role.mission, "accepted": accept},
        _answer_recipients(invitation),
    )
    return invitation
