"""The organisation's audit trail page: admins only, filterable by action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.organizations import services
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(users, sending, host):
    """A few recorded changes in ``sending`` and one in ``host``."""
    services.update_organization(sending, actor=users["admin"], data={"area": "London"})
    services.change_role(
        Membership.objects.get(user=users["member"], organization=sending),
        actor=users["admin"],
        role=Role.VIEWER,
    )
    services.invite_member(sending, actor=users["admin"], email="nadia@example.org", role=Role.MEMBER)
    services.update_organization(host, actor=users["host_admin"], data={"area": "Eastern Region"})


def audit_url(organization) -> str:
    return reverse("organizations:audit", args=[organization.slug])


def test_an_admin_reads_the_organisations_trail_newest_first(users, client_for, sending, history):
    response = client_for(users["admin"]).get(audit_url(sending))

    assert response.status_code == 200
    actions = [entry.action for entry in response.context["page_obj"].object_list]
    assert actions == [
        "organizations.invitation.created",
        "organizations.membership.role_changed",
        "organizations.organization.updated",
    ]
    content = response.content.decode()
    assert "area:  → London" in content
    assert "Eastern Region" not in content


def test_the_trail_can_be_filtered_by_action(users, client_for, sending, history):
    response = client_for(users["admin"]).get(audit_url(sending), {"action": "organizations.membership"})

    assert [entry.action for entry in response.context["page_obj"].object_list] == [
        "organizations.membership.role_changed"
    ]
    assert response.context["action"] == "organizations.membership"
    assert response.context["actions"] == [
        "organizations.invitation.created",
        "organizations.membership.role_changed",
        "organizations.organization.updated",
    ]


def test_an_unknown_action_filter_shows_an_empty_trail(users, client_for, sending, history):
    response = client_for(users["admin"]).get(audit_url(sending), {"action": "nothing.like.this"})

    assert response.status_code == 200
    assert list(response.context["page_obj"].object_list) == []
    assert "No activity recorded yet." in response.content.decode()


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer"])
def test_members_who_are_not_admins_get_403(users, client_for, sending, history, persona_name):
    response = client_for(users[persona_name]).get(audit_url(sending))

    assert response.status_code == 403
    assert "Only admins read the audit trail." in response.content.decode()


@pytest.mark.parametrize("persona_name", ["outsider", "host_admin"])
def test_non_members_get_404(users, client_for, sending, history, persona_name):
    assert client_for(users[persona_name]).get(audit_url(sending)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(users, client, sending):
    response = client.get(audit_url(sending))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
