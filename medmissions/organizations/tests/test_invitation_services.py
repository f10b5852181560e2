"""Invitations: sending, accepting, refusing and withdrawing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from medmissions.accounts.tests.helpers import path_of_link
from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from medmissions.organizations import services
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Invitation, Membership
from medmissions.organizations.tests.helpers import counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def nadia(db):
    return make_user("nadia@example.org", "Nadia Okello")


def invite(organization, actor, email="Nadia@Example.org", role=Role.COORDINATOR):
    return services.invite_member(organization, actor=actor, email=email, role=role)


def token_of(link_or_path: str) -> str:
    return link_or_path.rstrip("/").rsplit("/", 1)[1]


# --- sending -------------------------------------------------------------------------------------


def test_an_admin_invites_someone_and_only_the_hash_is_stored(users, sending):
    invitation, raw = invite(sending, users["admin"])

    invitation.refresh_from_db()
    assert invitation.email == "nadia@example.org"
    assert invitation.role == Role.COORDINATOR
    assert invitation.invited_by == users["admin"]
    assert invitation.token_hash != raw
    assert raw not in invitation.token_hash
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=13)
    entry = AuditEntry.objects.get(action="organizations.invitation.created")
    assert entry.organization == sending
    assert entry.changes == {"email": [None, "nadia@example.org"], "role": [None, "coordinator"]}


def test_the_invitation_email_is_sent_on_commit_with_a_working_link(
    users, sending, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _invitation, raw = invite(sending, users["admin"])
    assert mailoutbox == []

    for callback in callbacks:
        callback()

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nadia@example.org"]
    assert "Bridge Health UK" in message.subject
    assert "Admin invited you to join Bridge Health UK as Coordinator." in message.body
    path = path_of_link(message.body, "/organisations/invitations/")
    assert token_of(path) == raw
    assert services.pending_invitation(token_of(path)).organization == sending


def test_the_invitation_email_is_in_the_language_of_an_existing_account(
    users, sending, nadia, django_capture_on_commit_callbacks, mailoutbox
):
    nadia.language = "fr"
    nadia.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        invite(sending, users["admin"])

    assert len(mailoutbox) == 1


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer", "outsider", "host_admin"])
def test_only_admins_of_the_organisation_invite(users, sending, persona_name, mailoutbox):
    before = counts()

    with pytest.raises(NotAllowed):
        invite(sending, users[persona_name])

    assert counts() == before


def test_inviting_an_existing_member_is_a_duplicate_membership_and_creates_nothing(
    users, sending, django_capture_on_commit_callbacks, mailoutbox
):
    before = counts()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict) as caught:
        invite(sending, users["admin"], email="VIEWER@example.org")

    assert caught.value.code == "duplicate_membership"
    assert caught.value.fields == {"email": "Already a member."}
    assert counts() == before
    assert mailoutbox == []


def test_a_second_pending_invitation_to_the_same_address_is_refused(users, sending, mailoutbox):
    invite(sending, users["admin"])
    before = counts()

    with pytest.raises(Conflict) as caught:
        invite(sending, users["admin"], email="nadia@EXAMPLE.org", role=Role.VIEWER)

    assert caught.value.code == "duplicate_invitation"
    assert counts() == before


def test_a_new_invitation_may_follow_a_withdrawn_or_expired_one(users, sending):
    first, _raw = invite(sending, users["admin"])
    services.revoke_invitation(first, actor=users["admin"])
    second, _raw = invite(sending, users["admin"])
    Invitation.objects.filter(pk=second.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    invite(sending, users["admin"])

    assert Invitation.objects.filter(organization=sending, email="nadia@example.org").count() == 3


def test_the_same_address_may_be_invited_by_two_organisations(users, sending, host):
    invite(sending, users["admin"])
    invite(host, users["host_admin"])

    assert Invitation.objects.filter(email="nadia@example.org").count() == 2


@pytest.mark.parametrize(
    ("email", "role", "field"), [("not-an-email", "member", "email"), ("a@b.org", "owner", "role")]
)
def test_a_bad_address_or_role_is_refused(users, sending, email, role, field):
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        invite(sending, users["admin"], email=email, role=role)

    assert field in caught.value.fields
    assert counts() == before


# --- accepting -----------------------------------------------------------------------------------


def test_the_invited_person_accepts_and_becomes_a_member_with_the_role(users, sending, nadia):
    invitation, raw = invite(sending, users["admin"])

    membership = services.accept_invitation(raw, actor=nadia)

    assert membership.organization == sending
    assert membership.user == nadia
    assert membership.role == Role.COORDINATOR
    invitation.refresh_from_db()
    assert invitation.accepted_by == nadia
    assert invitation.accepted_at is not None
    created = AuditEntry.objects.get(action="organizations.membership.created")
    assert created.actor == nadia
    assert created.organization == sending
    assert created.changes == {"user": [None, nadia.pk], "role": [None, "coordinator"]}
    accepted = AuditEntry.objects.get(action="organizations.invitation.accepted")
    assert accepted.object_id == str(invitation.pk)
    assert accepted.organization == sending


def test_the_email_match_ignores_case(users, sending, nadia):
    _invitation, raw = invite(sending, users["admin"], email="NADIA@EXAMPLE.ORG")

    assert services.accept_invitation(raw, actor=nadia).user == nadia


def test_someone_with_another_email_cannot_accept(users, sending):
    invitation, raw = invite(sending, users["admin"])
    before = counts()

    with pytest.raises(NotAllowed) as caught:
        services.accept_invitation(raw, actor=users["outsider"])

    assert caught.value.code == "invitation_other_email"
    assert "nadia@example.org" in caught.value.message
    assert counts() == before
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_expired_invitation_cannot_be_accepted(users, sending, nadia):
    start = timezone.now()
    with freeze_time(start):
        _invitation, raw = invite(sending, users["admin"])
    before = counts()

    with freeze_time(start + datetime.timedelta(days=15)), pytest.raises(Conflict) as caught:
        services.accept_invitation(raw, actor=nadia)

    assert caught.value.code == "invitation_expired"
    assert counts() == before


def test_a_withdrawn_invitation_cannot_be_accepted(users, sending, nadia):
    invitation, raw = invite(sending, users["admin"])
    services.revoke_invitation(invitation, actor=users["admin"])
    before = counts()

    with pytest.raises(Conflict) as caught:
        services.accept_invitation(raw, actor=nadia)

    assert caught.value.code == "invitation_withdrawn"
    assert counts() == before


def test_a_used_invitation_cannot_be_accepted_again(users, sending, nadia):
    _invitation, raw = invite(sending, users["admin"])
    services.accept_invitation(raw, actor=nadia)
    before = counts()

    with pytest.raises(Conflict) as caught:
        services.accept_invitation(raw, actor=nadia)

    assert caught.value.code == "invitation_used"
    assert counts() == before


@pytest.mark.parametrize("raw", ["", "nonsense", "x" * 43])
def test_an_unknown_link_is_not_found(users, raw):
    with pytest.raises(NotFound):
        services.pending_invitation(raw)


def test_accepting_after_joining_another_way_is_a_duplicate_membership(users, sending, nadia):
    invitation, raw = invite(sending, users["admin"])
    services.add_member(sending, actor=users["admin"], user=nadia, role=Role.VIEWER)
    before = counts()

    with pytest.raises(Conflict) as caught:
        services.accept_invitation(raw, actor=nadia)

    assert caught.value.code == "duplicate_membership"
    assert counts() == before
    assert Membership.objects.get(user=nadia).role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


# --- withdrawing ---------------------------------------------------------------------------------


def test_an_admin_withdraws_a_pending_invitation(users, sending):
    invitation, _raw = invite(sending, users["admin"])

    services.revoke_invitation(invitation, actor=users["admin"])

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert not Invitation.objects.pending().exists()
    entry = AuditEntry.objects.get(action="organizations.invitation.revoked")
    assert entry.actor == users["admin"]
    assert entry.organization == sending


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "outsider"])
def test_only_admins_withdraw_invitations(users, sending, persona_name):
    invitation, _raw = invite(sending, users["admin"])

    with pytest.raises(NotAllowed):
        services.revoke_invitation(invitation, actor=users[persona_name])

    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_a_used_or_withdrawn_invitation_cannot_be_withdrawn(users, sending, nadia):
    used, raw = invite(sending, users["admin"])
    services.accept_invitation(raw, actor=nadia)
    withdrawn, _raw = invite(sending, users["admin"], email="someone@example.org")
    services.revoke_invitation(withdrawn, actor=users["admin"])

    for invitation in (Invitation.objects.get(pk=used.pk), Invitation.objects.get(pk=withdrawn.pk)):
        with pytest.raises(Conflict):
            services.revoke_invitation(invitation, actor=users["admin"])

    assert AuditEntry.objects.filter(action="organizations.invitation.revoked").count() == 1


def test_a_stale_copy_cannot_withdraw_an_invitation_accepted_meanwhile(users, sending, nadia):
    stale, raw = invite(sending, users["admin"])
    services.accept_invitation(raw, actor=nadia)

    with pytest.raises(Conflict):
        services.revoke_invitation(stale, actor=users["admin"])

    stale.refresh_from_db()
    assert stale.revoked_at is None
