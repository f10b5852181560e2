"""Invitations (services): who invites whom and when, places held by pending invitations, the
answer (accepting goes through the same place-giving path as accepting an application), and the
person's data (export, erasure, merge)."""

import datetime

import pytest
from django.db import transaction

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed
from medmissions.missions import applications, invitations, services
from medmissions.missions.choices import (
    ApplicationStatus,
    AssignmentStatus,
    InvitationStatus,
    MissionStatus,
)
from medmissions.missions.models import Application, Assignment, Invitation, Mission, Role
from medmissions.volunteers import privacy
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.merge import merge_people
from medmissions.volunteers.models import Affiliation, Person

from .conftest import END, START, specialty
from .test_invitations_support import counts, make_recruiting, person_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiting(mission, role, users):
    return make_recruiting(mission, users)


@pytest.fixture
def amina(recruiting, sending):
    return person_of(sending, "Amina Diallo")


@pytest.fixture
def bruno(recruiting, sending):
    return person_of(sending, "Bruno Costa")


def invite(role, person, users, **extra):
    return invitations.invite(role, person, actor=users["coordinator"], **extra)


def refused(code: str, call, *args, **kwargs) -> Conflict:
    """``call`` raises Conflict with ``code`` and writes nothing."""
    before = counts()
    with pytest.raises(Conflict) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    assert counts() == before
    return caught.value


def second_role(mission: Mission, users, title: str = "Anaesthetist", people: int = 1) -> Role:
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.DRAFT)
    role = services.add_role(
        mission,
        actor=users["coordinator"],
        data={
            "title": title,
            "specialty": specialty("anaesthesia"),
            "people_needed": people,
            "scope_of_practice": "Spinal anaesthesia with the Mbale team.",
        },
    )
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.RECRUITING)
    return role


# Inviting ------------------------------------------------------------------------------------------


def test_a_coordinator_invites_someone_of_the_partnership_who_is_emailed_on_commit(
    role, amina, users, sending, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(
            role, amina[1], users, message="Your Tororo lists impressed us.", optimisation_run_id=7
        )
    assert (invitation.status, invitation.organization, invitation.invited_by) == (
        InvitationStatus.PENDING,
        sending,
        users["coordinator"],
    )
    assert invitation.optimisation_run_id == 7
    (email,) = mailoutbox
    assert email.to == ["amina.diallo@example.org"]
    assert "Your Tororo lists impressed us." in email.body
    assert f"/missions/invitations/{invitation.pk}/" in email.body
    entry = AuditEntry.objects.get(action="missions.invitation.sent")
    assert (entry.organization, entry.data["optimisation_run"], entry.data["reopened"]) == (sending, 7, False)


def test_only_coordinators_and_admins_of_a_party_invite(role, amina, users, host):
    for name in ("member", "viewer", "outsider"):
        before = counts()
        with pytest.raises(NotAllowed):
            invitations.invite(role, amina[1], actor=users[name])
        assert counts() == before
    # A host admin manages missions too; the answer is recorded in the host's trail.
    invitation = invitations.invite(role, amina[1], actor=users["host_admin"])
    assert invitation.organization == host


def test_inviting_needs_a_recruiting_or_ready_mission(mission, role, users, sending):
    person = person_of(sending, "Amina Diallo")[1]
    error = refused("not_recruiting", invite, role, person, users)
    assert "Amina Diallo" in error.message and "General surgeon" in error.message
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.READY)
    assert invite(role, person, users).status == InvitationStatus.PENDING


def test_closed_profiles_and_people_outside_the_mission_are_refused(role, recruiting, users, sending, amina):
    stranger = Person.objects.create(full_name="Chen Wei")
    refused("not_in_pool", invite, role, stranger, users)
    erased = person_of(sending, "Erased Person")[1]
    Person.objects.filter(pk=erased.pk).update(erased_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    refused("profile_closed", invite, role, erased, users)
    merged = Person.objects.create(full_name="A. Diallo", merged_into=amina[1])
    Affiliation.objects.create(person=merged, organization=sending, kind=AffiliationKind.HOME)
    refused("profile_closed", invite, role, merged, users)


def test_an_applicant_to_the_mission_is_in_the_pool_even_without_an_affiliation(recruiting, role, users):
    from medmissions.conftest import make_user

    user = make_user("chen@example.org", "Chen Wei")
    other_role = second_role(recruiting, users)
    application = applications.apply(other_role, actor=user, motivation="Anaesthesia.")
    Affiliation.objects.filter(person=application.person).delete()
    assert invite(role, application.person, users).status == InvitationStatus.PENDING


def test_someone_on_the_mission_or_already_invited_to_it_is_refused(recruiting, role, users, amina, bruno):
    other_role = second_role(recruiting, users)
    invite(role, amina[1], users)
    error = refused("already_invited", invite, other_role, amina[1], users)
    assert "General surgeon" in error.message
    applications.accept(
        applications.apply(role, actor=bruno[0], motivation="Surgery."), actor=users["coordinator"]
    )
    refused("already_assigned", invite, other_role, bruno[1], users)


def test_an_open_application_is_accepted_instead_a_declined_one_does_not_block(
    recruiting, role, users, amina
):
    application = applications.apply(role, actor=amina[0], motivation="Surgery.")
    error = refused("has_application", invite, role, amina[1], users)
    assert "accept the application" in error.message
    applications.review(application, actor=users["coordinator"], decision=ApplicationStatus.DECLINED)
    assert invite(role, amina[1], users).status == InvitationStatus.PENDING


def test_overlapping_dates_are_refused_at_invitation_time(
    recruiting, role, users, amina, active_partnership, site
):
    other = Mission.objects.create(
        partnership=active_partnership,
        site=site,
        title="Tororo camp",
        starts_on=START + datetime.timedelta(days=2),
        ends_on=END,
        capacity=2,
        status=MissionStatus.RECRUITING,
    )
    other_role = Role.objects.create(
        mission=other,
        title="Surgeon",
        specialty=role.specialty,
        people_needed=1,
        scope_of_practice="Surgery.",
    )
    Assignment.objects.create(
        mission=other, role=other_role, person=amina[1], starts_on=other.starts_on, ends_on=END
    )
    error = refused("assignment_overlap", invite, role, amina[1], users)
    assert "Tororo camp" in error.message


# Places ---------------------------------------------------------------------------------------------


def test_pending_invitations_hold_places_against_invitations_and_applications(
    recruiting, role, users, sending
):
    people = [person_of(sending, name) for name in ("Amina Diallo", "Bruno Costa", "Chen Wei", "Dana Ilic")]
    first = invite(role, people[0][1], users)
    invite(role, people[1][1], users)
    assert (role.places_taken() + role.places_held()) == role.people_needed == 2
    refused("role_full", invite, role, people[2][1], users)
    application = applications.apply(role, actor=people[3][0], motivation="Surgery.")
    error = refused("role_full", applications.accept, application, actor=users["coordinator"])
    assert "held by pending invitations" in error.message
    invitations.withdraw(first, actor=users["coordinator"])
    assignment = applications.accept(application, actor=users["coordinator"])
    assert assignment.status == AssignmentStatus.ACTIVE


def test_invite_in_an_outer_transaction_refuses_one_person_without_undoing_the_others(
    recruiting, role, users, sending
):
    people = [person_of(sending, name)[1] for name in ("Amina Diallo", "Bruno Costa", "Chen Wei")]
    sent, refusals = [], []
    with transaction.atomic():
        for person in people:
            try:
                sent.append(invite(role, person, users))
            except Conflict as error:
                refusals.append(error)
    assert len(sent) == 2
    (refusal,) = refusals
    assert (
        refusal.code == "role_full" and "Chen Wei" in refusal.message and "General surgeon" in refusal.message
    )
    assert Invitation.objects.count() == 2
    assert AuditEntry.objects.filter(action="missions.invitation.sent").count() == 2


def test_inviting_again_after_a_decline_reopens_the_same_row(recruiting, role, users, amina):
    invitation = invite(role, amina[1], users, message="First time.")
    invitations.respond(invitation, actor=amina[0], accept=False, note="Exams that month.")
    again = invite(role, amina[1], users, message="The dates moved; would you come now?")
    assert again.pk == invitation.pk
    again.refresh_from_db()
    assert (again.status, again.response_note, again.responded_at, again.message) == (
        InvitationStatus.PENDING,
        "",
        None,
        "The dates moved; would you come now?",
    )
    latest = AuditEntry.objects.filter(action="missions.invitation.sent").order_by("pk").last()
    assert latest is not None and latest.data["reopened"] is True


# Withdrawing ----------------------------------------------------------------------------------------


def test_coordinators_withdraw_pending_invitations_and_the_person_is_told(
    recruiting, role, users, amina, django_capture_on_commit_callbacks, mailoutbox
):
    invitation = invite(role, amina[1], users)
    for actor in (amina[0], users["member"]):
        with pytest.raises(NotAllowed):
            invitations.withdraw(invitation, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.withdraw(invitation, actor=users["admin"])
    assert Invitation.objects.get().status == InvitationStatus.WITHDRAWN
    assert mailoutbox[-1].to == ["amina.diallo@example.org"] and "withdrawn" in mailoutbox[-1].subject
    assert (role.places_taken() + role.places_held()) == 0
    refused("invitation_closed", invitations.withdraw, invitation, actor=users["admin"])
    refused("invitation_closed", invitations.respond, invitation, actor=amina[0], accept=True)


# Answering ------------------------------------------------------------------------------------------


def test_only_the_invited_person_answers(recruiting, role, users, amina, bruno):
    invitation = invite(role, amina[1], users)
    for actor in (users["coordinator"], bruno[0]):
        before = counts()
        with pytest.raises(NotAllowed):
            invitations.respond(invitation, actor=actor, accept=True)
        assert counts() == before


def test_accepting_gives_the_place_as_an_accepted_application(
    recruiting, role, users, amina, sending, django_capture_on_commit_callbacks, mailoutbox
):
    invitation = invite(role, amina[1], users, message="Welcome, we hope.")
    Affiliation.objects.filter(person=amina[1], kind=AffiliationKind.VETTING).delete()
    with django_capture_on_commit_callbacks(execute=True):
        answered = invitations.respond(invitation, actor=amina[0], accept=True, note="Delighted to join.")
    assignment = Assignment.objects.get()
    application = Application.objects.get()
    assert (answered.status, answered.assignment, answered.response_note) == (
        InvitationStatus.ACCEPTED,
        assignment,
        "Delighted to join.",
    )
    assert (assignment.person, assignment.role, assignment.application, assignment.status) == (
        amina[1],
        role,
        application,
        AssignmentStatus.ACTIVE,
    )
    assert (application.status, application.motivation, application.decided_by, application.message) == (
        ApplicationStatus.ACCEPTED,
        "Delighted to join.",
        users["coordinator"],
        "Welcome, we hope.",
    )
    # The place moved from the invitation to the assignment: still one place held.
    assert (role.places_taken() + role.places_held()) == 1
    # Accepting shares the profile with the vetting parties, as applying does.
    assert Affiliation.objects.filter(
        person=amina[1], organization=sending, kind=AffiliationKind.VETTING
    ).exists()
    entry = AuditEntry.objects.get(action="missions.invitation.accepted")
    assert (entry.organization, entry.data["assignment"], entry.changes["response_note"]) == (
        sending,
        assignment.pk,
        [None, "Delighted to join."],
    )
    assert "coordinator@example.org" in {address for email in mailoutbox for address in email.to}
    assert "Delighted to join." in mailoutbox[-1].body
    # Withdrawing the accepted application frees the place, as for any applicant.
    applications.withdraw(application, actor=amina[0])
    assert Assignment.objects.get().status == AssignmentStatus.WITHDRAWN


def test_accepting_without_a_note_says_so_and_reuses_an_earlier_application_to_the_role(
    recruiting, role, users, amina
):
    earlier = applications.apply(role, actor=amina[0], motivation="Surgery.")
    applications.withdraw(earlier, actor=amina[0])
    invitation = invite(role, amina[1], users)
    invitations.respond(invitation, actor=amina[0], accept=True)
    application = Application.objects.get()
    assert application.pk == earlier.pk
    assert (application.status, application.motivation) == (
        ApplicationStatus.ACCEPTED,
        "Accepted an invitation.",
    )
    assert Assignment.objects.get().application == application


def test_declining_records_the_note_frees_the_place_and_tells_the_coordinators(
    recruiting, role, users, amina, django_capture_on_commit_callbacks, mailoutbox
):
    invitation = invite(role, amina[1], users)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.respond(invitation, actor=amina[0], accept=False, note="Exams that month.")
    invitation.refresh_from_db()
    assert (invitation.status, invitation.response_note) == (InvitationStatus.DECLINED, "Exams that month.")
    assert invitation.responded_at is not None
    assert (role.places_taken() + role.places_held()) == 0
    assert not Application.objects.exists()
    assert "declined" in mailoutbox[-1].subject and "Exams that month." in mailoutbox[-1].body
    refused("invitation_closed", invitations.respond, invitation, actor=amina[0], accept=True)


def test_accepting_is_refused_once_the_mission_no_longer_recruits(recruiting, role, users, amina):
    invitation = invite(role, amina[1], users)
    Mission.objects.filter(pk=recruiting.pk).update(status=MissionStatus.IN_FIELD)
    error = refused("not_recruiting", invitations.respond, invitation, actor=amina[0], accept=True)
    assert "while the mission recruits" in error.message


def test_accepting_is_refused_when_the_role_filled_up_meanwhile(recruiting, role, users, amina, bruno):
    invitation = invite(role, amina[1], users)
    applications.accept(
        applications.apply(role, actor=bruno[0], motivation="Surgery."), actor=users["coordinator"]
    )
    # The coordinators offered one place fewer since (a direct change: the page refuses it).
    Role.objects.filter(pk=role.pk).update(people_needed=1)
    error = refused("role_full", invitations.respond, invitation, actor=amina[0], accept=True)
    assert "General surgeon" in error.message


def test_accepting_is_refused_when_the_dates_now_overlap_another_assignment(
    recruiting, role, users, amina, active_partnership, site
):
    invitation = invite(role, amina[1], users)
    other = Mission.objects.create(
        partnership=active_partnership,
        site=site,
        title="Tororo camp",
        starts_on=START,
        ends_on=END,
        capacity=2,
        status=MissionStatus.RECRUITING,
    )
    other_role = Role.objects.create(
        mission=other,
        title="Surgeon",
        specialty=role.specialty,
        people_needed=1,
        scope_of_practice="Surgery.",
    )
    Assignment.objects.create(mission=other, role=other_role, person=amina[1], starts_on=START, ends_on=END)
    error = refused("assignment_overlap", invitations.respond, invitation, actor=amina[0], accept=True)
    assert "Tororo camp" in error.message
    assert Invitation.objects.get().status == InvitationStatus.PENDING


# Applications and invitations together ----------------------------------------------------------------


def test_applying_to_a_role_one_is_invited_to_points_to_the_invitation(recruiting, role, users, amina):
    invite(role, amina[1], users)
    before = counts()
    with pytest.raises(Conflict) as caught:
        applications.apply(role, actor=amina[0], motivation="Surgery.")
    assert caught.value.code == "invited" and "accept the invitation" in caught.value.message
    assert counts() == before


def test_accepting_an_application_withdraws_the_persons_invitation_to_another_role_of_the_mission(
    recruiting, role, users, amina
):
    other_role = second_role(recruiting, users, people=2)
    invitation = invite(other_role, amina[1], users)
    application = applications.apply(role, actor=amina[0], motivation="I would rather operate.")
    applications.accept(application, actor=users["coordinator"])
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    assert AuditEntry.objects.get(action="missions.invitation.withdrawn").data["reason"] == "assigned"


# The person's data ----------------------------------------------------------------------------------


def test_the_export_holds_invitations_and_erasure_removes_the_answer_everywhere(
    recruiting, role, users, amina
):
    answered = invite(role, amina[1], users, message="Please come.")
    invitations.respond(answered, actor=amina[0], accept=False, note="My mother is unwell.")
    other_role = second_role(recruiting, users)
    pending = invite(other_role, amina[1], users)

    data = privacy.export_personal_data(amina[0], actor=amina[0])
    assert [(row["role"], row["status"], row["response_note"]) for row in data["invitations"]] == [
        ("General surgeon", "declined", "My mother is unwell."),
        ("Anaesthetist", "pending", ""),
    ]

    privacy.erase_account(amina[0], actor=amina[0])
    answered.refresh_from_db()
    pending.refresh_from_db()
    assert answered.response_note == ""
    # Nobody can answer it now, and it must not hold a place.
    assert pending.status == InvitationStatus.WITHDRAWN
    entries = AuditEntry.objects.filter(
        object_id__in=[str(answered.pk), str(pending.pk)], action__startswith="missions.invitation"
    )
    assert entries.exists()
    for entry in entries:
        assert "My mother is unwell." not in str(entry.changes)
        assert "Amina Diallo" not in entry.object_repr


def two_records(sending) -> tuple[Person, Person]:
    kept = Person.objects.create(full_name="Achieng Odhiambo", email="achieng@example.org")
    duplicate = Person.objects.create(full_name="A. Odhiambo", email="achieng@example.org")
    for person in (kept, duplicate):
        Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
    return kept, duplicate


def test_merging_moves_the_invitations_to_the_kept_record(recruiting, role, users, sending):
    kept, duplicate = two_records(sending)
    invitation = invite(role, duplicate, users)
    merge_people(actor=users["coordinator"], organization=sending, keep=kept, merge=duplicate)
    invitation.refresh_from_db()
    assert (invitation.person, invitation.status) == (kept, InvitationStatus.PENDING)


def test_merging_keeps_one_invitation_per_role_and_withdraws_the_other(recruiting, role, users, sending):
    kept, duplicate = two_records(sending)
    # Both records were invited to the role: the kept record's invitation (withdrawn) stays.
    invitations.withdraw(invite(role, kept, users), actor=users["coordinator"])
    same_role = invite(role, duplicate, users)
    merge_people(actor=users["coordinator"], organization=sending, keep=kept, merge=duplicate)
    same_role.refresh_from_db()
    # Left with the merged-away record, where nobody can answer it or let it hold a place.
    assert (same_role.person, same_role.status) == (duplicate, InvitationStatus.WITHDRAWN)
    assert Invitation.objects.get(person=kept, role=role).status == InvitationStatus.WITHDRAWN
    assert (role.places_taken() + role.places_held()) == 0


def test_merging_withdraws_a_moved_invitation_that_would_be_a_second_pending_one_on_the_mission(
    recruiting, role, users, sending
):
    kept, duplicate = two_records(sending)
    other_role = second_role(recruiting, users, people=2)
    # The duplicate was invited first; the kept record's own invitation wins all the same.
    moved = invite(other_role, duplicate, users)
    own = invite(role, kept, users)
    merge_people(actor=users["coordinator"], organization=sending, keep=kept, merge=duplicate)
    moved.refresh_from_db()
    own.refresh_from_db()
    assert (moved.person, moved.status) == (kept, InvitationStatus.WITHDRAWN)
    assert own.status == InvitationStatus.PENDING
