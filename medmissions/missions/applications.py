"""Applications and assignments: apply, withdraw, review, accept (capacity, overlap, concurrency)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.missions import recipients
from medmissions.missions.choices import (
    ApplicationStatus,
    AssignmentStatus,
    InvitationStatus,
    MissionStatus,
)
from medmissions.missions.models import Application, Assignment, Invitation, Mission, Role
from medmissions.missions.services import _party_organization, withdraw_invitations
from medmissions.organizations.access import Capability
from medmissions.organizations.models import Organization
from medmissions.partnerships.choices import PartyRole
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, Person
from medmissions.volunteers.services import get_or_create_own_person

REVIEW_DECISIONS: dict[str, str] = {
    ApplicationStatus.SHORTLISTED: "shortlisted",
    ApplicationStatus.WAITLISTED: "waitlisted",
    ApplicationStatus.DECLINED: "declined",
}


def _coordinator_recipients(role: Role) -> list[recipients.Recipient]:
    return recipients.members_of(
        role.mission.partnership.parties.exclude(role=PartyRole.HOST).values_list(
            "organization_id", flat=True
        )
    )


@transaction.atomic
def apply(role: Role, *, actor: User, motivation: str) -> Application:
    """The signed-in person applies to a role of a recruiting mission.

    Applying shares the profile (and credential documents) with the partnership's non-host
    parties for vetting, as the person is told on the application form.
    """
    role = Role.objects.select_related("mission__partnership").get(pk=role.pk)
    if role.mission.status != MissionStatus.RECRUITING:
        raise Conflict(_("This mission is not recruiting."), code="not_recruiting")
    motivation = (motivation or "").strip()
    if not motivation:
        raise ValidationFailed(
            _("Tell the team why you want to serve in this role."),
            fields={"motivation": _("Write a few lines.")},
        )
    person = get_or_create_own_person(actor)
    if person.erased_at is not None or person.merged_into_id is not None:
        raise NotAllowed(_("This profile can no longer apply."), code="profile_closed")
    # An invitation already offers this place: answering it is the way in (an application would
    # ask the coordinators to decide again what they already decided).
    if Invitation.objects.filter(role=role, person=person, status=InvitationStatus.PENDING).exists():
        raise Conflict(
            _("You are invited to this role: accept the invitation instead of applying."),
            code="invited",
        )
    try:
        with transaction.atomic():
            application = Application.objects.create(role=role, person=person, motivation=motivation)
    except IntegrityError as error:
        raise Conflict(_("You have already applied to this role."), code="already_applied") from error
    for organization_id in role.mission.partnership.parties.exclude(role=PartyRole.HOST).values_list(
        "organization_id", flat=True
    ):
        Affiliation.objects.get_or_create(
            person=person, organization_id=organization_id, kind=AffiliationKind.VETTING
        )
    log_action(
        "missions.application.submitted",
        actor=actor,
        obj=application,
        data={"role": role.pk, "mission": role.mission_id},
    )
    send_on_commit(
        "application_submitted", {"application": application, "role": role}, _coordinator_recipients(role)
    )
    return application


@transaction.atomic
def withdraw(application: Application, *, actor: User) -> Application:
    """The applicant withdraws; an accepted place is freed and the coordinators are told."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("role__mission", "person")
        .get(pk=application.pk)
    )
    if application.person.user_id != actor.pk:
        raise NotAllowed(_("Only the applicant can withdraw an application."), code="not_applicant")
    if application.status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.DECLINED):
        raise Conflict(_("This application is already closed."), code="application_closed")
    freed = Assignment.objects.filter(application=application, status=AssignmentStatus.ACTIVE).update(
        status=AssignmentStatus.WITHDRAWN
    )
    if freed:
        # Trainees this person supervised need a new supervisor; the board shows the gap again.
        Assignment.objects.filter(
            mission=application.role.mission, status=AssignmentStatus.ACTIVE, supervisor=application.person
        ).update(supervisor=None)
    before = application.status
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    log_action(
        "missions.application.withdrawn",
        actor=actor,
        obj=application,
        before={"status": before},
        after={"status": ApplicationStatus.WITHDRAWN},
        data={"place_freed": bool(freed)},
    )
    send_on_commit(
        "application_withdrawn",
        {"application": application, "place_freed": bool(freed)},
        _coordinator_recipients(application.role),
    )
    return application


@transaction.atomic
def review(application: Application, *, actor: User, decision: str, message: str = "") -> Application:
    """Shortlist, waitlist or decline, with an optional message to the applicant."""
    if decision not in REVIEW_DECISIONS:
        raise ValidationFailed(
            _("Choose shortlist, waitlist or decline."), fields={"decision": _("Choose a decision.")}
        )
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("role__mission__partnership", "person__user")
        .get(pk=application.pk)
    )
    organization = _party_organization(application.role.mission, actor, Capability.MANAGE_MISSIONS)
    if application.status in (
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.DECLINED,
        ApplicationStatus.ACCEPTED,
    ):
        raise Conflict(
            _("This application is %(status)s and can no longer be reviewed.")
            % {"status": application.get_status_display()},
            code="application_closed",
        )
    before = application.status
    application.status, application.message = decision, (message or "").strip()
    application.decided_by, application.decided_at = actor, timezone.now()
    application.save(update_fields=["status", "message", "decided_by", "decided_at", "updated_at"])
    log_action(
        f"missions.application.{REVIEW_DECISIONS[decision]}",
        actor=actor,
        organization=organization,
        obj=application,
        before={"status": before},
        after={"status": decision, "message": application.message},
    )
    send_on_commit(
        "application_decided", {"application": application}, recipients.people([application.person])
    )
    return application


def overlapping_assignment(
    person: Person, start: datetime.date, end: datetime.date, *, exclude_mission_id: int | None = None
) -> Assignment | None:
    """An active assignment of ``person`` overlapping [start, end] by more than the hand-over tolerance."""
    tolerance = datetime.timedelta(days=settings.ASSIGNMENT_HANDOVER_TOLERANCE_DAYS)
    # A cancelled mission no longer holds anyone's dates.
    candidates = (
        Assignment.objects.filter(person=person, status=AssignmentStatus.ACTIVE)
        .exclude(mission__status=MissionStatus.CANCELLED)
        .select_related("mission")
    )
    if exclude_mission_id is not None:
        candidates = candidates.exclude(mission_id=exclude_mission_id)
    for other in candidates.filter(starts_on__lte=end, ends_on__gte=start):
        overlap = (min(end, other.ends_on) - max(start, other.starts_on)).days + 1
        if overlap > tolerance.days:
            return other
    return None


def lock_role(role_id: int) -> Role:
    """The role row, locked for the rest of the transaction.

    Every path that gives a place or holds one (accepting an application, sending or accepting an
    invitation, changing the role's places) takes this lock before counting, so two requests for
    the last place are serialised and the second sees the first one's place.
    """
    return Role.objects.select_for_update(of=("self",)).select_related("mission__partnership").get(pk=role_id)


def _give_place(
    role: Role,
    person: Person,
    application: Application | Callable[[], Application],
    *,
    supervisor: Person | None = None,
    by_invitation: bool = False,
) -> Assignment:
    """Give ``person`` a place in ``role``: the one path for accepted applications and invitations.

    ``role`` comes from :func:`lock_role` in the caller's transaction. Refused (nothing written)
    when the mission no longer recruits, the role is full, the person's dates overlap another
    assignment beyond the hand-over tolerance, the supervisor does not qualify, or the person
    already holds a place on the mission. Pending invitations hold places, so they count against
    an application; an invitation being accepted held its own place, so only assignments count.
    ``application`` may be a function that creates the Application once every check has passed.
    """
    mission = role.mission
    if mission.status not in (MissionStatus.RECRUITING, MissionStatus.READY):
        raise Conflict(
            _("Invitations can be accepted only while the mission recruits.")
            if by_invitation
            else _("Applications are accepted while the mission recruits."),
            code="not_recruiting",
        )
    taken = role.places_taken()
    held = 0 if by_invitation else role.places_held(except_person_id=person.pk)
    if taken + held >= role.people_needed:
        if by_invitation:
            message = _("“%(role)s” is full: every place has been taken since you were invited.") % {
                "role": role.title
            }
        elif held:
            message = _(
                "The role is full (%(taken)d of %(count)d places taken, %(held)d held by pending "
                "invitations). Waitlist the application instead."
            ) % {"taken": taken, "count": role.people_needed, "held": held}
        else:
            message = _(
                "The role is full (%(count)d of %(count)d places taken). Waitlist the application instead."
            ) % {"count": role.people_needed}
        raise Conflict(message, code="role_full")
    clash = overlapping_assignment(person, mission.starts_on, mission.ends_on, exclude_mission_id=mission.pk)
    if clash is not None:
        raise Conflict(
            _("%(person)s is already assigned to “%(mission)s” from %(start)s to %(end)s.")
            % {"person": person, "mission": clash.mission, "start": clash.starts_on, "end": clash.ends_on},
            code="assignment_overlap",
        )
    if supervisor is not None and (supervisor.pk == person.pk or supervisor.is_trainee):
        raise ValidationFailed(
            _("The supervisor must be another, fully qualified person."),
            fields={"supervisor": _("Choose a supervisor.")},
        )
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                mission=mission,
                role=role,
                person=person,
                application=application if isinstance(application, Application) else application(),
                starts_on=mission.starts_on,
                ends_on=mission.ends_on,
                supervisor=supervisor,
            )
    except IntegrityError as error:
        raise Conflict(
            _("%(person)s already holds a place on this mission.") % {"person": person},
            code="already_assigned",
        ) from error
    return assignment


@transaction.atomic
def accept(
    application: Application, *, actor: User, message: str = "", supervisor: Person | None = None
) -> Assignment:
    """Accept an application: creates the assignment, within the role's capacity and without overlap.

    The role row is locked first, so two coordinators accepting for the last place at the same
    time are serialised: the second sees the place taken and gets a clear error. The person's
    other pending invitations to this mission are withdrawn: they hold places nobody needs now.
    """
    role = lock_role(application.role_id)
    organization = _party_organization(role.mission, actor, Capability.MANAGE_MISSIONS)
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("person__user")
        .get(pk=application.pk)
    )
    if application.status not in (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.SHORTLISTED,
        ApplicationStatus.WAITLISTED,
    ):
        raise Conflict(
            _("This application is %(status)s and cannot be accepted.")
            % {"status": application.get_status_display()},
            code="application_closed",
        )
    assignment = _give_place(role, application.person, application, supervisor=supervisor)
    before = application.status
    application.status, application.message = ApplicationStatus.ACCEPTED, (message or "").strip()
    application.decided_by, application.decided_at = actor, timezone.now()
    application.save(update_fields=["status", "message", "decided_by", "decided_at", "updated_at"])
    log_action(
        "missions.application.accepted",
        actor=actor,
        organization=organization,
        obj=application,
        before={"status": before},
        after={"status": ApplicationStatus.ACCEPTED, "assignment": assignment.pk},
    )
    _close_other_invitations(assignment, actor=actor, organization=organization)
    send_on_commit(
        "application_decided", {"application": application}, recipients.people([application.person])
    )
    return assignment


def _close_other_invitations(assignment: Assignment, *, actor: User, organization: Organization) -> None:
    """Withdraw the person's pending invitations to the mission they now have a place on."""
    withdraw_invitations(
        Invitation.objects.select_for_update(of=("self",)).filter(
            person_id=assignment.person_id,
            role__mission_id=assignment.mission_id,
            status=InvitationStatus.PENDING,
        ),
        actor=actor,
        organization=organization,
        data={"reason": "assigned", "assignment": assignment.pk},
    )


def supervisor_candidates(mission: Mission, *, exclude_person_id: int | None = None) -> QuerySet[Person]:
    """Who may supervise someone accepted on ``mission``: people already actively assigned to it
    who are not trainees themselves (the reviewer picks one when accepting, e.g. for a trainee)."""
    people = Person.objects.filter(
        pk__in=Assignment.objects.filter(mission=mission, status=AssignmentStatus.ACTIVE).values("person_id"),
        is_trainee=False,
    )
    if exclude_person_id is not None:
        people = people.exclude(pk=exclude_person_id)
    return people.order_by("full_name", "pk")
