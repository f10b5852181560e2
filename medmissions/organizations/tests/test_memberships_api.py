"""API: memberships, invitations and the audit trail of an organisation."""

from __future__ import annotations

import pytest
from django.test import Client

from medmissions.accounts.tests.helpers import assert_api_error
from medmissions.audit.models import AuditEntry
from medmissions.organizations import services
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Invitation, Membership
from medmissions.organizations.tests.helpers import counts

pytestmark = pytest.mark.django_db

BASE = "/api/v1/organizations/bridge-health"


def membership_of(user, organization) -> Membership:
    return Membership.objects.get(user=user, organization=organization)


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def clients(users, api_client_for):
    """One API client per persona, created before any counting starts (each makes a token)."""
    return {name: api_client_for(user) for name, user in users.items()}


@pytest.fixture
def invitation(users, sending):
    invitation, _raw = services.invite_member(
        sending, actor=users["admin"], email="nadia@example.org", role=Role.COORDINATOR
    )
    return invitation


# --- memberships ---------------------------------------------------------------------------------


def test_a_member_lists_the_members_with_pagination(users, clients, sending):
    response = clients["viewer"].get(f"{BASE}/memberships")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [(item["email"], item["role"]) for item in body["items"]] == [
        ("admin@example.org", "admin"),
        ("coordinator@example.org", "coordinator"),
        ("member@example.org", "member"),
        ("viewer@example.org", "viewer"),
    ]
    first = body["items"][0]
    assert set(first) == {"id", "user_id", "email", "full_name", "role", "created_at"}
    assert first["id"] == membership_of(users["admin"], sending).pk
    assert first["user_id"] == users["admin"].pk
    paged = clients["viewer"].get(f"{BASE}/memberships", {"page_size": 3, "page": 2}).json()
    assert [item["email"] for item in paged["items"]] == ["viewer@example.org"]


@pytest.mark.parametrize("persona_name", ["outsider", "host_admin"])
def test_non_members_get_404_on_the_member_list(clients, persona_name):
    assert_api_error(clients[persona_name].get(f"{BASE}/memberships"), 404, "not_found")


def test_the_member_list_of_an_unknown_organisation_answers_404(clients):
    assert_api_error(clients["admin"].get("/api/v1/organizations/nope/memberships"), 404, "not_found")


def test_the_member_list_needs_authentication(sending):
    assert_api_error(Client().get(f"{BASE}/memberships"), 401, "unauthenticated")


def test_an_admin_changes_a_role(users, clients, sending):
    membership = membership_of(users["member"], sending)

    response = patch(clients["admin"], f"{BASE}/memberships/{membership.pk}", {"role": "coordinator"})

    assert response.status_code == 200
    assert response.json()["role"] == "coordinator"
    assert response.json()["email"] == "member@example.org"
    assert membership_of(users["member"], sending).role == Role.COORDINATOR
    assert AuditEntry.objects.filter(action="organizations.membership.role_changed").exists()


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer"])
def test_members_who_are_not_admins_get_403_on_role_change(users, clients, sending, persona_name):
    membership = membership_of(users["viewer"], sending)
    before = counts()

    response = patch(clients[persona_name], f"{BASE}/memberships/{membership.pk}", {"role": "admin"})

    assert_api_error(response, 403, "forbidden")
    assert counts() == before
    assert membership_of(users["viewer"], sending).role == Role.VIEWER


def test_an_outsider_gets_404_on_role_change(users, clients, sending):
    membership = membership_of(users["viewer"], sending)

    assert_api_error(
        patch(clients["outsider"], f"{BASE}/memberships/{membership.pk}", {"role": "admin"}), 404
    )
    assert membership_of(users["viewer"], sending).role == Role.VIEWER


def test_a_membership_of_another_organisation_answers_404(users, clients, host):
    foreign = membership_of(users["host_member"], host)

    assert_api_error(patch(clients["admin"], f"{BASE}/memberships/{foreign.pk}", {"role": "viewer"}), 404)
    assert membership_of(users["host_member"], host).role == Role.MEMBER


@pytest.mark.parametrize(("data", "field"), [({"role": "owner"}, "role"), ({}, "role")])
def test_a_bad_role_answers_400(users, clients, sending, data, field):
    membership = membership_of(users["member"], sending)
    before = counts()

    error = assert_api_error(
        patch(clients["admin"], f"{BASE}/memberships/{membership.pk}", data), 400, "invalid"
    )

    assert field in error["fields"]
    assert counts() == before


def test_demoting_the_last_admin_answers_409(users, clients, sending):
    membership = membership_of(users["admin"], sending)
    before = counts()

    response = patch(clients["admin"], f"{BASE}/memberships/{membership.pk}", {"role": "member"})

    assert_api_error(response, 409, "last_admin")
    assert counts() == before


def test_an_admin_removes_a_member_with_204(users, clients, sending):
    membership = membership_of(users["viewer"], sending)

    response = clients["admin"].delete(f"{BASE}/memberships/{membership.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_member_leaves_with_204(users, clients, sending):
    membership = membership_of(users["viewer"], sending)

    assert clients["viewer"].delete(f"{BASE}/memberships/{membership.pk}").status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("persona_name", ["coordinator", "member"])
def test_members_who_are_not_admins_cannot_remove_others(users, clients, sending, persona_name):
    membership = membership_of(users["viewer"], sending)
    before = counts()

    assert_api_error(clients[persona_name].delete(f"{BASE}/memberships/{membership.pk}"), 403, "forbidden")
    assert counts() == before


def test_an_outsider_gets_404_on_removal(users, clients, sending):
    membership = membership_of(users["viewer"], sending)
    before = counts()

    assert_api_error(clients["outsider"].delete(f"{BASE}/memberships/{membership.pk}"), 404)
    assert counts() == before


def test_removing_the_last_admin_answers_409(users, clients, sending):
    membership = membership_of(users["admin"], sending)
    before = counts()

    assert_api_error(clients["admin"].delete(f"{BASE}/memberships/{membership.pk}"), 409, "last_admin")
    assert counts() == before


def test_removing_an_unknown_membership_answers_404(clients):
    assert_api_error(clients["admin"].delete(f"{BASE}/memberships/999999"), 404)


# --- invitations ---------------------------------------------------------------------------------


def test_an_admin_lists_pending_invitations(users, clients, sending, invitation):
    withdrawn, _raw = services.invite_member(
        sending, actor=users["admin"], email="x@example.org", role="viewer"
    )
    services.revoke_invitation(withdrawn, actor=users["admin"])

    response = clients["admin"].get(f"{BASE}/invitations")

    assert response.status_code == 200
    items = response.json()
    assert [(item["id"], item["email"], item["role"]) for item in items] == [
        (invitation.pk, "nadia@example.org", "coordinator")
    ]
    assert set(items[0]) == {"id", "email", "role", "created_at", "expires_at", "accepted_at", "revoked_at"}


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer"])
def test_members_who_are_not_admins_get_403_on_the_invitation_list(clients, invitation, persona_name):
    error = assert_api_error(clients[persona_name].get(f"{BASE}/invitations"), 403, "forbidden")

    assert error["message"] == "Only admins manage members and invitations."


def test_an_outsider_gets_404_on_the_invitation_list(clients, invitation):
    assert_api_error(clients["outsider"].get(f"{BASE}/invitations"), 404, "not_found")


def test_an_admin_invites_with_201_and_the_email_goes_out_on_commit(
    clients, sending, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            clients["admin"], f"{BASE}/invitations", {"email": "Nadia@Example.org", "role": "viewer"}
        )

    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["role"], body["accepted_at"], body["revoked_at"]) == (
        "nadia@example.org",
        "viewer",
        None,
        None,
    )
    assert Invitation.objects.get(pk=body["id"]).organization == sending
    assert len(mailoutbox) == 1
    assert "token" not in body


def test_inviting_without_a_role_invites_a_member(clients):
    response = post(clients["admin"], f"{BASE}/invitations", {"email": "nadia@example.org"})

    assert response.json()["role"] == "member"


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer"])
def test_members_who_are_not_admins_get_403_when_inviting(clients, persona_name, mailoutbox):
    before = counts()

    response = post(clients[persona_name], f"{BASE}/invitations", {"email": "nadia@example.org"})

    assert_api_error(response, 403, "forbidden")
    assert counts() == before


def test_an_outsider_gets_404_when_inviting(clients):
    before = counts()

    assert_api_error(post(clients["outsider"], f"{BASE}/invitations", {"email": "nadia@example.org"}), 404)
    assert counts() == before


def test_inviting_a_member_answers_409_duplicate_membership_and_creates_nothing(
    clients, django_capture_on_commit_callbacks, mailoutbox
):
    before = counts()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(clients["admin"], f"{BASE}/invitations", {"email": "member@example.org"})

    error = assert_api_error(response, 409, "duplicate_membership")
    assert error["fields"] == {"email": "Already a member."}
    assert counts() == before
    assert mailoutbox == []


def test_inviting_twice_answers_409_duplicate_invitation(clients, invitation):
    before = counts()

    response = post(clients["admin"], f"{BASE}/invitations", {"email": "nadia@example.org"})

    assert_api_error(response, 409, "duplicate_invitation")
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "nadia@example.org", "role": "owner"}, "role"),
        ({"role": "member"}, "email"),
    ],
)
def test_inviting_with_bad_input_answers_400(clients, data, field):
    before = counts()

    error = assert_api_error(post(clients["admin"], f"{BASE}/invitations", data), 400, "invalid")

    assert field in error["fields"]
    assert counts() == before


def test_an_admin_withdraws_an_invitation_with_204(clients, invitation):
    response = clients["admin"].delete(f"{BASE}/invitations/{invitation.pk}")

    assert response.status_code == 204
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert_api_error(clients["admin"].delete(f"{BASE}/invitations/{invitation.pk}"), 409, "conflict")


def test_members_who_are_not_admins_get_403_and_outsiders_404_when_withdrawing(clients, invitation):
    assert_api_error(clients["coordinator"].delete(f"{BASE}/invitations/{invitation.pk}"), 403, "forbidden")
    assert_api_error(clients["outsider"].delete(f"{BASE}/invitations/{invitation.pk}"), 404)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_withdrawing_an_invitation_of_another_organisation_answers_404(users, clients, host):
    foreign, _raw = services.invite_member(
        host, actor=users["host_admin"], email="x@example.org", role="member"
    )

    assert_api_error(clients["admin"].delete(f"{BASE}/invitations/{foreign.pk}"), 404)
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


# --- audit ---------------------------------------------------------------------------------------


@pytest.fixture
def history(users, sending, host):
    services.update_organization(sending, actor=users["admin"], data={"area": "London"})
    services.change_role(membership_of(users["member"], sending), actor=users["admin"], role=Role.VIEWER)
    services.update_organization(host, actor=users["host_admin"], data={"area": "Eastern Region"})


def test_an_admin_reads_the_audit_trail(users, clients, sending, history):
    response = clients["admin"].get(f"{BASE}/audit")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    newest, oldest = body["items"]
    assert newest["action"] == "organizations.membership.role_changed"
    assert newest["actor"] == "Admin"
    assert newest["object_type"] == "organizations.membership"
    assert newest["changes"] == {"role": ["member", "viewer"]}
    assert oldest["action"] == "organizations.organization.updated"
    assert oldest["object"] == "Bridge Health UK"
    assert oldest["object_id"] == str(sending.pk)
    assert set(oldest) == {
        "id",
        "created_at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object",
        "changes",
        "data",
    }


def test_the_audit_trail_filters_by_action_prefix(clients, history):
    response = clients["admin"].get(f"{BASE}/audit", {"action": "organizations.organization"})

    assert [item["action"] for item in response.json()["items"]] == ["organizations.organization.updated"]


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer"])
def test_members_who_are_not_admins_get_403_on_the_audit_trail(clients, history, persona_name):
    error = assert_api_error(clients[persona_name].get(f"{BASE}/audit"), 403, "forbidden")

    assert error["message"] == "Only admins read the audit trail."


@pytest.mark.parametrize("persona_name", ["outsider", "host_admin"])
def test_non_members_get_404_on_the_audit_trail(clients, history, persona_name):
    assert_api_error(clients[persona_name].get(f"{BASE}/audit"), 404, "not_found")


def test_the_audit_trail_needs_authentication(sending):
    assert_api_error(Client().get(f"{BASE}/audit"), 401, "unauthenticated")
