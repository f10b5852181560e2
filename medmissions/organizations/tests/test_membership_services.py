"""Memberships: adding, changing roles, removing and leaving; the last admin is protected."""

from __future__ import annotations

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.organizations import services
from medmissions.organizations.access import Capability, can
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.organizations.tests.helpers import counts

pytestmark = pytest.mark.django_db


def membership_of(user, organization) -> Membership:
    return Membership.objects.get(user=user, organization=organization)


# --- adding --------------------------------------------------------------------------------------


def test_adding_an_existing_account_records_it(users, sending):
    nadia = make_user("nadia@example.org", "Nadia Okello")

    membership = services.add_member(sending, actor=users["admin"], user=nadia, role=Role.VIEWER)

    assert membership.role == Role.VIEWER
    entry = AuditEntry.objects.get(action="organizations.membership.created")
    assert entry.changes == {"user": [None, nadia.pk], "role": [None, "viewer"]}


def test_adding_someone_twice_is_a_duplicate_membership(users, sending):
    before = counts()

    with pytest.raises(Conflict) as caught:
        services.add_member(sending, actor=users["admin"], user=users["member"], role=Role.ADMIN)

    assert caught.value.code == "duplicate_membership"
    assert counts() == before
    assert membership_of(users["member"], sending).role == Role.MEMBER


def test_adding_with_an_unknown_role_is_refused(users, sending):
    nadia = make_user("nadia@example.org", "Nadia Okello")

    with pytest.raises(ValidationFailed):
        services.add_member(sending, actor=users["admin"], user=nadia, role="owner")

    assert not Membership.objects.filter(user=nadia).exists()


# --- changing roles ------------------------------------------------------------------------------


def test_an_admin_changes_a_role_and_it_is_recorded(users, sending):
    membership = membership_of(users["member"], sending)

    changed = services.change_role(membership, actor=users["admin"], role=Role.COORDINATOR)

    assert changed.role == Role.COORDINATOR
    assert membership_of(users["member"], sending).role == Role.COORDINATOR
    assert can(users["member"], sending, Capability.MANAGE_SITES)
    entry = AuditEntry.objects.get(action="organizations.membership.role_changed")
    assert entry.actor == users["admin"]
    assert entry.organization == sending
    assert entry.changes == {"role": ["member", "coordinator"]}


def test_choosing_the_same_role_records_nothing(users, sending):
    services.change_role(membership_of(users["member"], sending), actor=users["admin"], role=Role.MEMBER)

    assert not AuditEntry.objects.filter(action="organizations.membership.role_changed").exists()


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer", "outsider", "host_admin"])
def test_only_admins_of_the_organisation_change_roles(users, sending, persona_name):
    membership = membership_of(users["viewer"], sending)

    with pytest.raises(NotAllowed):
        services.change_role(membership, actor=users[persona_name], role=Role.ADMIN)

    assert membership_of(users["viewer"], sending).role == Role.VIEWER


def test_nobody_promotes_themselves(users, sending):
    with pytest.raises(NotAllowed):
        services.change_role(membership_of(users["member"], sending), actor=users["member"], role=Role.ADMIN)


def test_an_unknown_role_is_refused(users, sending):
    with pytest.raises(ValidationFailed) as caught:
        services.change_role(membership_of(users["member"], sending), actor=users["admin"], role="owner")

    assert "role" in caught.value.fields


def test_the_last_admin_cannot_step_down(users, sending):
    before = counts()

    with pytest.raises(Conflict) as caught:
        services.change_role(membership_of(users["admin"], sending), actor=users["admin"], role=Role.MEMBER)

    assert caught.value.code == "last_admin"
    assert counts() == before
    assert membership_of(users["admin"], sending).role == Role.ADMIN


def test_an_admin_may_step_down_once_there_is_another(users, sending):
    services.change_role(membership_of(users["coordinator"], sending), actor=users["admin"], role=Role.ADMIN)

    services.change_role(membership_of(users["admin"], sending), actor=users["admin"], role=Role.MEMBER)

    assert membership_of(users["admin"], sending).role == Role.MEMBER
    assert not can(users["admin"], sending, Capability.MANAGE_MEMBERS)


# --- removing and leaving ------------------------------------------------------------------------


def test_an_admin_removes_a_member_and_it_is_recorded(users, sending):
    membership = membership_of(users["viewer"], sending)

    services.remove_member(membership, actor=users["admin"])

    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not can(users["viewer"], sending, Capability.VIEW)
    entry = AuditEntry.objects.get(action="organizations.membership.deleted")
    assert entry.actor == users["admin"]
    assert entry.organization == sending
    assert entry.changes == {"user": [users["viewer"].pk, None], "role": ["viewer", None]}


@pytest.mark.parametrize("persona_name", ["viewer", "member", "coordinator"])
def test_a_member_may_leave(users, sending, persona_name):
    services.remove_member(membership_of(users[persona_name], sending), actor=users[persona_name])

    assert not Membership.objects.filter(user=users[persona_name], organization=sending).exists()


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer", "outsider", "host_admin"])
def test_only_admins_remove_others(users, sending, persona_name):
    target = users["viewer"] if persona_name != "viewer" else users["member"]
    before = counts()

    with pytest.raises(NotAllowed):
        services.remove_member(membership_of(target, sending), actor=users[persona_name])

    assert counts() == before


def test_the_last_admin_cannot_leave_or_be_removed(users, sending):
    before = counts()

    with pytest.raises(Conflict) as caught:
        services.remove_member(membership_of(users["admin"], sending), actor=users["admin"])

    assert caught.value.code == "last_admin"
    assert counts() == before


def test_an_admin_may_leave_once_there_is_another(users, sending):
    services.change_role(membership_of(users["coordinator"], sending), actor=users["admin"], role=Role.ADMIN)

    services.remove_member(membership_of(users["admin"], sending), actor=users["admin"])

    assert list(sending.memberships.filter(role=Role.ADMIN).values_list("user", flat=True)) == [
        users["coordinator"].pk
    ]


def test_one_admin_may_remove_another(users, sending):
    services.change_role(membership_of(users["coordinator"], sending), actor=users["admin"], role=Role.ADMIN)

    services.remove_member(membership_of(users["coordinator"], sending), actor=users["admin"])

    assert not Membership.objects.filter(user=users["coordinator"], organization=sending).exists()
