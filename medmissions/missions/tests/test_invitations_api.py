"""API: a mission's invitations, inviting to a role, one's own invitations, withdrawing and
answering, with their 400/403/404/409 answers."""

import pytest

from medmissions.missions import invitations
from medmissions.missions.choices import AssignmentStatus, InvitationStatus
from medmissions.missions.models import Assignment, Invitation
from medmissions.testing import assert_api_error, post_json
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
    return invitations.invite(role, amina[1], actor=users["coordinator"], message="Please come.")


def mission_url(mission) -> str:
    return f"/api/v1/missions/{mission.pk}/invitations"


def invite_url(role) -> str:
    return f"/api/v1/missions/{role.mission_id}/roles/{role.pk}/invitations"


def one_url(invitation, action: str = "") -> str:
    return f"/api/v1/invitations/{invitation.pk}" + (f"/{action}" if action else "")


# A mission's invitations ------------------------------------------------------------------------------


def test_the_parties_list_a_missions_invitations(invitation, recruiting, users, sending, api_client_for):
    body = api_client_for(users["host_member"]).get(mission_url(recruiting)).json()
    (item,) = body["items"]
    assert (item["id"], item["person_name"], item["status"], item["organization"]) == (
        invitation.pk,
        "Amina Diallo",
        "pending",
        sending.slug,
    )
    assert_api_error(api_client_for(users["outsider"]).get(mission_url(recruiting)), 404, "not_found")


def test_a_coordinator_invites_to_a_role(recruiting, role, amina, users, api_client_for):
    response = post_json(
        api_client_for(users["coordinator"]),
        invite_url(role),
        {"person": amina[1].pk, "message": "Please come."},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["person"], body["role"], body["status"], body["message"]) == (
        amina[1].pk,
        role.pk,
        "pending",
        "Please come.",
    )


def test_inviting_someone_outside_the_pool_or_unknown_is_a_bad_request(
    recruiting, role, users, api_client_for
):
    client = api_client_for(users["coordinator"])
    stranger = Person.objects.create(full_name="Chen Wei")
    assert_api_error(post_json(client, invite_url(role), {"person": stranger.pk}), 400, "invalid", ["person"])
    assert_api_error(post_json(client, invite_url(role), {"person": 999999}), 400, "invalid", ["person"])
    assert_api_error(post_json(client, invite_url(role), {"message": "No person."}), 400, "invalid")
    assert not Invitation.objects.exists()


def test_inviting_is_for_managers_of_the_parties(recruiting, role, amina, users, api_client_for):
    payload = {"person": amina[1].pk}
    assert_api_error(
        post_json(api_client_for(users["member"]), invite_url(role), payload), 403, "not_party_manager"
    )
    assert_api_error(
        post_json(api_client_for(users["outsider"]), invite_url(role), payload), 404, "not_found"
    )
    assert_api_error(post_json(api_client_for(amina[0]), invite_url(role), payload), 404, "not_found")
    assert not Invitation.objects.exists()


def test_a_role_of_another_mission_is_not_found(recruiting, role, amina, users, api_client_for, mission):
    url = f"/api/v1/missions/{mission.pk}/roles/999999/invitations"
    assert_api_error(
        post_json(api_client_for(users["coordinator"]), url, {"person": amina[1].pk}), 404, "not_found"
    )


def test_a_full_role_is_a_conflict_naming_the_person(invitation, role, users, sending, api_client_for):
    invitations.invite(role, person_of(sending, "Bruno Costa")[1], actor=users["coordinator"])
    chen = person_of(sending, "Chen Wei")[1]
    error = assert_api_error(
        post_json(api_client_for(users["coordinator"]), invite_url(role), {"person": chen.pk}),
        409,
        "role_full",
    )
    assert "Chen Wei" in error["message"]


# One's own invitations, one invitation -----------------------------------------------------------------


def test_my_invitations_and_one_invitation(invitation, amina, users, api_client_for):
    client = api_client_for(amina[0])
    (item,) = client.get("/api/v1/invitations").json()["items"]
    assert item["id"] == invitation.pk
    assert client.get(one_url(invitation)).json()["message"] == "Please come."
    assert api_client_for(users["coordinator"]).get("/api/v1/invitations").json()["items"] == []
    assert api_client_for(users["coordinator"]).get(one_url(invitation)).status_code == 200
    assert_api_error(api_client_for(users["outsider"]).get(one_url(invitation)), 404, "not_found")


# Withdrawing ----------------------------------------------------------------------------------------------


def test_withdrawing_a_pending_invitation(invitation, amina, users, api_client_for):
    assert_api_error(post_json(api_client_for(amina[0]), one_url(invitation, "withdraw"), {}), 403)
    assert_api_error(post_json(api_client_for(users["outsider"]), one_url(invitation, "withdraw"), {}), 404)
    client = api_client_for(users["coordinator"])
    body = post_json(client, one_url(invitation, "withdraw"), {}).json()
    assert body["status"] == "withdrawn"
    assert_api_error(post_json(client, one_url(invitation, "withdraw"), {}), 409, "invitation_closed")


# Answering -----------------------------------------------------------------------------------------------


def test_accepting_returns_the_invitation_with_its_assignment(invitation, amina, api_client_for):
    response = post_json(
        api_client_for(amina[0]), one_url(invitation, "respond"), {"accept": True, "note": "Yes!"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assignment = Assignment.objects.get()
    assert (body["status"], body["assignment"], body["response_note"]) == ("accepted", assignment.pk, "Yes!")
    assert assignment.status == AssignmentStatus.ACTIVE


def test_declining(invitation, amina, api_client_for):
    body = post_json(api_client_for(amina[0]), one_url(invitation, "respond"), {"accept": False}).json()
    assert (body["status"], body["assignment"]) == ("declined", None)


def test_answering_is_for_the_invited_person_with_a_valid_payload(invitation, amina, users, api_client_for):
    coordinator, outsider, person = (
        api_client_for(users["coordinator"]),
        api_client_for(users["outsider"]),
        api_client_for(amina[0]),
    )
    before = counts()
    assert_api_error(
        post_json(coordinator, one_url(invitation, "respond"), {"accept": True}), 403, "not_invitee"
    )
    assert_api_error(post_json(outsider, one_url(invitation, "respond"), {"accept": True}), 404)
    assert_api_error(post_json(person, one_url(invitation, "respond"), {"note": "?"}), 400)
    assert counts() == before
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_answering_twice_is_a_conflict(invitation, amina, api_client_for):
    client = api_client_for(amina[0])
    post_json(client, one_url(invitation, "respond"), {"accept": False})
    assert_api_error(
        post_json(client, one_url(invitation, "respond"), {"accept": True}), 409, "invitation_closed"
    )
