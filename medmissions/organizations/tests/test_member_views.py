"""Member pages: the list, inviting, changing roles, removing, withdrawing and accepting invitations."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from medmissions.accounts.tests.helpers import path_of_link
from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.organizations import services
from medmissions.organizations.choices import Role
from medmissions.organizations.current import SESSION_KEY
from medmissions.organizations.models import Invitation, Membership
from medmissions.organizations.tests.helpers import counts

pytestmark = pytest.mark.django_db


def membership_of(user, organization) -> Membership:
    return Membership.objects.get(user=user, organization=organization)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def nadia(db):
    return make_user("nadia@example.org", "Nadia Okello")


@pytest.fixture
def invitation(users, sending):
    """A pending invitation of nadia@example.org as coordinator, with its raw token."""
    return services.invite_member(
        sending, actor=users["admin"], email="nadia@example.org", role=Role.COORDINATOR
    )


# --- members page --------------------------------------------------------------------------------


def test_an_admin_sees_members_pending_invitations_and_the_invite_form(
    users, client_for, sending, invitation
):
    response = client_for(users["admin"]).get(reverse("organizations:members", args=[sending.slug]))

    assert response.status_code == 200
    assert [m.user.email for m in response.context["memberships"]] == [
        "admin@example.org",
        "coordinator@example.org",
        "member@example.org",
        "viewer@example.org",
    ]
    assert [i.email for i in response.context["invitations"]] == ["nadia@example.org"]
    assert response.context["can_manage"] is True
    assert reverse("organizations:invite", args=[sending.slug]) in response.content.decode()


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer"])
def test_other_members_see_the_list_without_invitations_or_management(
    users, client_for, sending, invitation, persona_name
):
    response = client_for(users[persona_name]).get(reverse("organizations:members", args=[sending.slug]))

    assert response.status_code == 200
    assert response.context["can_manage"] is False
    assert list(response.context["invitations"]) == []
    content = response.content.decode()
    assert "nadia@example.org" not in content
    assert reverse("organizations:invite", args=[sending.slug]) not in content


@pytest.mark.parametrize("persona_name", ["outsider", "host_admin"])
def test_non_members_get_404_on_the_members_page(users, client_for, sending, persona_name):
    response = client_for(users[persona_name]).get(reverse("organizations:members", args=[sending.slug]))

    assert response.status_code == 404


# --- invite --------------------------------------------------------------------------------------


def test_an_admin_invites_and_the_email_goes_out_on_commit(
    users, client_for, sending, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(users["admin"]).post(
            reverse("organizations:invite", args=[sending.slug]),
            {"email": "nadia@example.org", "role": "viewer"},
        )

    assert response.status_code == 302
    assert response.url == reverse("organizations:members", args=[sending.slug])
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("nadia@example.org", "viewer")
    assert len(mailoutbox) == 1
    assert "/organisations/invitations/" in mailoutbox[0].body


def test_inviting_an_existing_member_answers_400_and_creates_nothing(
    users, client_for, sending, django_capture_on_commit_callbacks, mailoutbox
):
    before = counts()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(users["admin"]).post(
            reverse("organizations:invite", args=[sending.slug]),
            {"email": "viewer@example.org", "role": "member"},
        )

    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"] == ["Already a member."]
    assert "viewer@example.org is already a member of Bridge Health UK." in response.content.decode()
    assert counts() == before
    assert mailoutbox == []


@pytest.mark.parametrize(
    "data", [{"email": "not-an-email", "role": "member"}, {"email": "a@b.org", "role": "owner"}]
)
def test_inviting_with_bad_input_answers_400_and_creates_nothing(users, client_for, sending, data):
    before = counts()

    response = client_for(users["admin"]).post(reverse("organizations:invite", args=[sending.slug]), data)

    assert response.status_code == 400
    assert counts() == before


def test_a_coordinator_cannot_invite(users, client_for, sending):
    response = client_for(users["coordinator"]).post(
        reverse("organizations:invite", args=[sending.slug]), {"email": "nadia@example.org", "role": "member"}
    )

    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_an_outsider_gets_404_on_invite(users, client_for, sending):
    response = client_for(users["outsider"]).post(
        reverse("organizations:invite", args=[sending.slug]), {"email": "nadia@example.org", "role": "member"}
    )

    assert response.status_code == 404
    assert not Invitation.objects.exists()


# --- change role ---------------------------------------------------------------------------------


def test_an_admin_changes_a_role_and_the_message_names_the_new_role(users, client_for, sending):
    membership = membership_of(users["member"], sending)

    response = client_for(users["admin"]).post(
        reverse("organizations:change_role", args=[sending.slug, membership.pk]),
        {"role": "coordinator"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("organizations:members", args=[sending.slug])
    assert membership_of(users["member"], sending).role == Role.COORDINATOR
    assert messages_of(response) == ["Member is now Coordinator."]


def test_an_unknown_role_changes_nothing(users, client_for, sending):
    membership = membership_of(users["member"], sending)

    response = client_for(users["admin"]).post(
        reverse("organizations:change_role", args=[sending.slug, membership.pk]),
        {"role": "owner"},
        follow=True,
    )

    assert messages_of(response) == ["Choose a role."]
    assert membership_of(users["member"], sending).role == Role.MEMBER


def test_demoting_the_last_admin_is_refused_with_a_message(users, client_for, sending):
    membership = membership_of(users["admin"], sending)

    response = client_for(users["admin"]).post(
        reverse("organizations:change_role", args=[sending.slug, membership.pk]),
        {"role": "member"},
        follow=True,
    )

    assert messages_of(response) == [
        "An organisation needs at least one admin. Make someone else admin first."
    ]
    assert membership_of(users["admin"], sending).role == Role.ADMIN


def test_a_coordinator_gets_403_on_change_role(users, client_for, sending):
    membership = membership_of(users["member"], sending)

    response = client_for(users["coordinator"]).post(
        reverse("organizations:change_role", args=[sending.slug, membership.pk]), {"role": "admin"}
    )

    assert response.status_code == 403
    assert membership_of(users["member"], sending).role == Role.MEMBER


def test_an_outsider_gets_404_on_change_role(users, client_for, sending):
    membership = membership_of(users["member"], sending)

    response = client_for(users["outsider"]).post(
        reverse("organizations:change_role", args=[sending.slug, membership.pk]), {"role": "admin"}
    )

    assert response.status_code == 404


def test_a_membership_of_another_organisation_answers_404(users, client_for, sending, host):
    foreign = membership_of(users["host_member"], host)

    response = client_for(users["admin"]).post(
        reverse("organizations:change_role", args=[sending.slug, foreign.pk]), {"role": "viewer"}
    )

    assert response.status_code == 404
    assert membership_of(users["host_member"], host).role == Role.MEMBER


def test_change_role_needs_a_post(users, client_for, sending):
    membership = membership_of(users["member"], sending)

    url = reverse("organizations:change_role", args=[sending.slug, membership.pk])
    assert client_for(users["admin"]).get(url).status_code == 405


# --- remove / leave ------------------------------------------------------------------------------


def test_removing_asks_for_confirmation_first(users, client_for, sending):
    membership = membership_of(users["viewer"], sending)

    response = client_for(users["admin"]).get(
        reverse("organizations:remove_member", args=[sending.slug, membership.pk])
    )

    assert response.status_code == 200
    assert "core/confirm.html" in [t.name for t in response.templates]
    assert "Remove Viewer from Bridge Health UK?" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_confirming_removes_the_member(users, client_for, sending):
    membership = membership_of(users["viewer"], sending)

    response = client_for(users["admin"]).post(
        reverse("organizations:remove_member", args=[sending.slug, membership.pk]), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("organizations:members", args=[sending.slug])
    assert messages_of(response) == ["Viewer was removed."]
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(action="organizations.membership.deleted").exists()


def test_a_member_is_asked_to_confirm_leaving_and_then_leaves(users, client_for, sending):
    membership = membership_of(users["viewer"], sending)
    client = client_for(users["viewer"])
    url = reverse("organizations:remove_member", args=[sending.slug, membership.pk])

    confirm = client.get(url)
    assert "Leave Bridge Health UK?" in confirm.content.decode()
    response = client.post(url)

    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert client.get(reverse("organizations:members", args=[sending.slug])).status_code == 404


@pytest.mark.parametrize("persona_name", ["coordinator", "member"])
def test_members_who_are_not_admins_get_403_when_removing_others(users, client_for, sending, persona_name):
    membership = membership_of(users["viewer"], sending)
    url = reverse("organizations:remove_member", args=[sending.slug, membership.pk])
    client = client_for(users[persona_name])

    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_an_outsider_gets_404_when_removing(users, client_for, sending):
    membership = membership_of(users["viewer"], sending)

    response = client_for(users["outsider"]).post(
        reverse("organizations:remove_member", args=[sending.slug, membership.pk])
    )

    assert response.status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_admin_cannot_leave(users, client_for, sending):
    membership = membership_of(users["admin"], sending)

    response = client_for(users["admin"]).post(
        reverse("organizations:remove_member", args=[sending.slug, membership.pk]), follow=True
    )

    assert messages_of(response) == [
        "An organisation needs at least one admin. Make someone else admin first."
    ]
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- withdraw invitation -------------------------------------------------------------------------


def test_withdrawing_asks_for_confirmation_then_withdraws(users, client_for, sending, invitation):
    pending, _raw = invitation
    url = reverse("organizations:revoke_invitation", args=[sending.slug, pending.pk])
    client = client_for(users["admin"])

    confirm = client.get(url)
    assert "Withdraw the invitation to nadia@example.org?" in confirm.content.decode()
    pending.refresh_from_db()
    assert pending.revoked_at is None
    response = client.post(url, follow=True)

    assert messages_of(response) == ["The invitation to nadia@example.org is withdrawn."]
    pending.refresh_from_db()
    assert pending.revoked_at is not None


def test_withdrawing_twice_says_it_is_no_longer_pending(users, client_for, sending, invitation):
    pending, _raw = invitation
    services.revoke_invitation(pending, actor=users["admin"])

    response = client_for(users["admin"]).post(
        reverse("organizations:revoke_invitation", args=[sending.slug, pending.pk]), follow=True
    )

    assert messages_of(response) == ["This invitation is no longer pending."]


def test_a_coordinator_gets_403_and_an_outsider_404_when_withdrawing(users, client_for, sending, invitation):
    pending, _raw = invitation
    url = reverse("organizations:revoke_invitation", args=[sending.slug, pending.pk])

    assert client_for(users["coordinator"]).post(url).status_code == 403
    assert client_for(users["outsider"]).post(url).status_code == 404
    pending.refresh_from_db()
    assert pending.revoked_at is None


def test_an_invitation_of_another_organisation_answers_404(users, client_for, sending, host):
    foreign, _raw = services.invite_member(
        host, actor=users["host_admin"], email="x@example.org", role="member"
    )

    response = client_for(users["admin"]).post(
        reverse("organizations:revoke_invitation", args=[sending.slug, foreign.pk])
    )

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


# --- accept invitation ---------------------------------------------------------------------------


def accept_url(raw: str) -> str:
    return reverse("organizations:accept_invitation", args=[raw])


def test_an_anonymous_visitor_is_asked_to_sign_in_and_comes_back_afterwards(client, invitation, nadia):
    _pending, raw = invitation

    response = client.get(accept_url(raw))

    assert response.status_code == 200
    assert response.context["needs_login"] is True
    content = response.content.decode()
    assert "Sign in with that email address to accept" in content
    login_link = f"{reverse('accounts:login')}?next={accept_url(raw)}"
    assert login_link in content
    back = client.post(
        login_link,
        {"email": "nadia@example.org", "password": "correct horse battery staple", "next": accept_url(raw)},
    )
    assert back.url == accept_url(raw)


def test_an_anonymous_post_accepts_nothing(client, invitation):
    _pending, raw = invitation
    before = counts()

    response = client.post(accept_url(raw))

    assert response.status_code == 200
    assert response.context["needs_login"] is True
    assert counts() == before


def test_the_emailed_link_shows_the_invitation_and_accepting_joins(
    users, client_for, sending, nadia, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_member(
            sending, actor=users["admin"], email="nadia@example.org", role=Role.COORDINATOR
        )
    path = path_of_link(mailoutbox[0].body, "/organisations/invitations/")
    client = client_for(nadia)

    shown = client.get(path)
    assert shown.status_code == 200
    assert "You are invited to join <strong>Bridge Health UK</strong> as <strong>Coordinator</strong>" in (
        shown.content.decode()
    )
    response = client.post(path)

    assert response.status_code == 302
    assert response.url == sending.get_absolute_url()
    assert membership_of(nadia, sending).role == Role.COORDINATOR
    assert client.session[SESSION_KEY] == sending.pk
    assert AuditEntry.objects.filter(action="organizations.invitation.accepted").exists()


def test_someone_with_another_email_is_refused_with_the_reason(users, client_for, invitation):
    _pending, raw = invitation
    before = counts()

    response = client_for(users["outsider"]).post(accept_url(raw))

    assert response.status_code == 403
    assert "This invitation was sent to nadia@example.org" in response.content.decode()
    assert counts() == before


def test_an_expired_invitation_page_explains_it(client_for, invitation, nadia):
    pending, raw = invitation
    Invitation.objects.filter(pk=pending.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    response = client_for(nadia).get(accept_url(raw))

    assert response.status_code == 409
    assert "This invitation has expired. Ask for a new one." in response.content.decode()


def test_a_withdrawn_invitation_cannot_be_accepted_through_the_page(users, client_for, invitation, nadia):
    pending, raw = invitation
    services.revoke_invitation(pending, actor=users["admin"])
    before = counts()

    response = client_for(nadia).post(accept_url(raw))

    assert response.status_code == 409
    assert "This invitation was withdrawn." in response.content.decode()
    assert counts() == before


def test_a_used_invitation_page_says_so(client_for, invitation, nadia):
    _pending, raw = invitation
    client = client_for(nadia)
    client.post(accept_url(raw))

    response = client.get(accept_url(raw))

    assert response.status_code == 409
    assert "This invitation has already been used." in response.content.decode()


def test_an_unknown_invitation_link_answers_404(client):
    response = client.get(accept_url("not-a-token"))

    assert response.status_code == 404
    assert "This invitation link is not valid." in response.content.decode()
