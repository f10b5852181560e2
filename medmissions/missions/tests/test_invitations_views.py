"""Invitation pages: My invitations, an invitation answered on its page or on the opportunity page,
the coordinators' invite and withdraw, the Applications tab and the dashboard panel."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from medmissions.missions import applications, invitations
from medmissions.missions.choices import AssignmentStatus, InvitationStatus, MissionStatus
from medmissions.missions.models import Assignment, Invitation, Mission, Role
from medmissions.volunteers.models import Person

from .test_invitations_support import counts, make_recruiting, person_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiting(mission, role, users):
    return make_recruiting(mission, users)


@pytest.fixture
def amina(recruiting, sending):
    return person_of(sending, "Amina Diallo")


@pytest.fixture
def invitation(recruiting, role, users, amina):
    return invitations.invite(
        role, amina[1], actor=users["coordinator"], message="Your Tororo lists impressed us."
    )


def text(response) -> str:
    return response.content.decode()


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# The person's side -----------------------------------------------------------------------------------


def test_my_invitations_lists_pending_then_earlier_ones(invitation, amina, users, client_for, role):
    client = client_for(amina[0])
    page = text(client.get(reverse("missions:invitations")))
    assert "Waiting for your answer" in page and reverse("missions:invitation", args=[invitation.pk]) in page
    invitations.withdraw(invitation, actor=users["coordinator"])
    page = text(client.get(reverse("missions:invitations")))
    assert "No invitation waits for your answer." in page and "Earlier invitations" in page


def test_my_invitations_tells_someone_without_a_profile_how_to_claim_one(client_for):
    from medmissions.conftest import make_user

    page = text(client_for(make_user("new@example.org", "New Person")).get(reverse("missions:invitations")))
    assert "open your volunteer profile" in page


def test_the_invitation_page_shows_the_answer_forms_to_the_person_only(invitation, amina, users, client_for):
    url = reverse("missions:invitation", args=[invitation.pk])
    page = text(client_for(amina[0]).get(url))
    assert "Your Tororo lists impressed us." in page
    assert reverse("missions:invitation_respond", args=[invitation.pk]) in page
    assert "Accept the place as General surgeon" in page
    coordinator_page = text(client_for(users["coordinator"]).get(url))
    assert reverse("missions:invitation_respond", args=[invitation.pk]) not in coordinator_page
    assert reverse("missions:invitation_withdraw", args=[invitation.pk]) in coordinator_page
    member_page = text(client_for(users["host_member"]).get(url))
    assert reverse("missions:invitation_withdraw", args=[invitation.pk]) not in member_page
    assert client_for(users["outsider"]).get(url).status_code == 404


def test_accepting_on_the_page_takes_the_place_and_opens_the_team_tab(
    invitation, amina, client_for, recruiting
):
    response = client_for(amina[0]).post(
        reverse("missions:invitation_respond", args=[invitation.pk]),
        {"decision": "accept", "note": "Delighted."},
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "missions:team", args=[recruiting.pk]
    )
    assert Assignment.objects.get(person=amina[1]).status == AssignmentStatus.ACTIVE
    assert Invitation.objects.get().response_note == "Delighted."


def test_declining_returns_to_the_page_it_came_from(invitation, amina, client_for, recruiting):
    back = reverse("missions:opportunity", args=[recruiting.pk])
    response = client_for(amina[0]).post(
        reverse("missions:invitation_respond", args=[invitation.pk]),
        {"decision": "decline", "note": "Exams.", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    assert Invitation.objects.get().status == InvitationStatus.DECLINED


def test_a_refused_answer_shows_why_and_changes_nothing(invitation, amina, client_for, role):
    Role.objects.filter(pk=role.pk).update(people_needed=1)
    Assignment.objects.create(
        mission=role.mission,
        role=role,
        person=Person.objects.create(full_name="Bruno Costa"),
        starts_on=role.mission.starts_on,
        ends_on=role.mission.ends_on,
    )
    before = counts()
    response = client_for(amina[0]).post(
        reverse("missions:invitation_respond", args=[invitation.pk]), {"decision": "accept"}
    )
    assert response.status_code == 409
    assert "every place has been taken" in text(response)
    assert counts() == before


def test_an_invalid_answer_is_a_bad_request(invitation, amina, client_for):
    response = client_for(amina[0]).post(
        reverse("missions:invitation_respond", args=[invitation.pk]), {"decision": "maybe"}
    )
    assert response.status_code == 400
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_only_the_invited_person_answers_on_the_page(invitation, users, client_for):
    url = reverse("missions:invitation_respond", args=[invitation.pk])
    assert client_for(users["coordinator"]).post(url, {"decision": "accept"}).status_code == 403
    assert client_for(users["outsider"]).post(url, {"decision": "accept"}).status_code == 404
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_the_opportunity_page_shows_the_invitation_instead_of_the_apply_form(
    invitation, amina, client_for, role
):
    page = text(client_for(amina[0]).get(reverse("missions:opportunity", args=[role.mission_id])))
    assert "You are invited to this role" in page
    assert reverse("missions:invitation_respond", args=[invitation.pk]) in page
    assert reverse("missions:apply", args=[role.pk]) not in page


def test_applying_through_the_page_while_invited_is_refused_with_the_reason(
    invitation, amina, client_for, role
):
    response = client_for(amina[0]).post(
        reverse("missions:apply", args=[role.pk]), {"motivation": "Surgery."}
    )
    assert response.status_code == 409
    assert "accept the invitation" in text(response)


def test_the_dashboard_lists_invitations_waiting_for_an_answer(invitation, amina, client_for):
    page = text(client_for(amina[0]).get(reverse("core:dashboard")))
    assert "Invitations waiting for your answer" in page
    assert reverse("missions:invitation", args=[invitation.pk]) in page


# The coordinators' side -----------------------------------------------------------------------------


def test_a_coordinator_invites_from_a_posted_person_and_returns_to_the_next_page(
    recruiting, role, amina, users, client_for
):
    back = f"/missions/{recruiting.pk}/suggestions/"
    response = client_for(users["coordinator"]).post(
        reverse("missions:invite", args=[role.pk]),
        {"person": amina[1].pk, "message": "Please come.", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    assert "is invited as General surgeon" in flashed(response)[0]
    invitation = Invitation.objects.get()
    assert (invitation.person, invitation.message) == (amina[1], "Please come.")


def test_inviting_someone_outside_the_pool_or_a_refused_invitation_is_a_message(
    recruiting, role, amina, users, client_for
):
    client = client_for(users["coordinator"])
    stranger = Person.objects.create(full_name="Chen Wei")
    response = client.post(reverse("missions:invite", args=[role.pk]), {"person": stranger.pk})
    assert response["Location"] == reverse("missions:applications", args=[recruiting.pk]) + "#invitations"
    assert "Choose someone of the mission's organisations" in flashed(response)[0]
    client.post(reverse("missions:invite", args=[role.pk]), {"person": amina[1].pk})
    response = client.post(reverse("missions:invite", args=[role.pk]), {"person": amina[1].pk})
    assert "already invited" in flashed(response)[-1]
    response = client.post(reverse("missions:invite", args=[role.pk]), {"person": "nobody"})
    assert flashed(response)
    assert Invitation.objects.count() == 1


def test_members_may_not_invite_and_other_organisations_see_nothing(
    recruiting, role, amina, users, client_for
):
    url = reverse("missions:invite", args=[role.pk])
    assert client_for(users["member"]).post(url, {"person": amina[1].pk}).status_code == 403
    assert client_for(users["outsider"]).post(url, {"person": amina[1].pk}).status_code == 404
    assert not Invitation.objects.exists()


def test_withdrawing_asks_first_then_frees_the_place(invitation, users, client_for, recruiting):
    client = client_for(users["coordinator"])
    url = reverse("missions:invitation_withdraw", args=[invitation.pk])
    assert "Withdraw the invitation of Amina Diallo" in text(client.get(url))
    response = client.post(url)
    assert response["Location"] == reverse("missions:applications", args=[recruiting.pk]) + "#invitations"
    assert Invitation.objects.get().status == InvitationStatus.WITHDRAWN
    assert "can no longer be withdrawn" in flashed(client.post(url))[-1]
    assert client_for(users["member"]).post(url).status_code == 403


def test_the_applications_tab_lists_invitations_with_the_places_they_hold(
    invitation, users, client_for, recruiting, role
):
    page = text(client_for(users["coordinator"]).get(reverse("missions:applications", args=[recruiting.pk])))
    assert "Amina Diallo" in page and "1 held by an invitation" in page
    assert "1 of 2 place left" in page
    assert reverse("missions:invitation_withdraw", args=[invitation.pk]) in page
    member_page = text(
        client_for(users["member"]).get(reverse("missions:applications", args=[recruiting.pk]))
    )
    assert "Amina Diallo" in member_page
    assert reverse("missions:invitation_withdraw", args=[invitation.pk]) not in member_page


def test_an_invitation_to_a_mission_that_stopped_recruiting_cannot_be_answered(
    invitation, amina, client_for, recruiting
):
    Mission.objects.filter(pk=recruiting.pk).update(status=MissionStatus.IN_FIELD)
    page = text(client_for(amina[0]).get(reverse("missions:invitation", args=[invitation.pk])))
    assert "can no longer be answered" in page
    assert "Accept the place" not in page
    assert "the mission no longer takes people" in text(
        client_for(amina[0]).get(reverse("missions:invitations"))
    )


def test_an_accepted_invitation_shows_as_an_accepted_application_on_my_missions(
    invitation, amina, client_for
):
    invitations.respond(invitation, actor=amina[0], accept=True)
    page = text(client_for(amina[0]).get(reverse("missions:mine")))
    assert "Accepted" in page and "Mbale surgical camp, May 2027" in page
    application = applications.Application.objects.get()
    assert application.assignment.invitation == Invitation.objects.get()
