"""add_party and remove_party: parties change only while the partnership is proposed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.partnerships import services
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.tests.support import audit_entries, counts


def test_a_coordinator_adds_a_party_to_a_proposal(users, sending, other, proposed_partnership):
    party = services.add_party(
        proposed_partnership, actor=users["coordinator"], organization=other, role=PartyRole.FUNDING
    )

    assert party.partnership == proposed_partnership
    assert (party.organization, party.role, party.confirmed_at) == (other, PartyRole.FUNDING, None)
    [entry] = audit_entries("partnerships.party.added")
    assert entry.actor == users["coordinator"]
    assert entry.organization == sending
    assert entry.data == {"party": other.pk, "role": "funding"}


def test_the_admins_of_an_added_host_are_asked_to_confirm_after_commit(
    users, second_host, proposed_partnership, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.add_party(
            proposed_partnership, actor=users["coordinator"], organization=second_host, role=PartyRole.HOST
        )
    assert [message.to for message in mailoutbox] == [["second_host_admin@example.org"]]
    assert "Partnership proposed" in mailoutbox[0].subject


def test_adding_a_non_host_party_emails_nobody(
    users, other, proposed_partnership, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.add_party(
            proposed_partnership, actor=users["coordinator"], organization=other, role=PartyRole.SUPPLY
        )
    assert mailoutbox == []


def test_an_added_host_must_confirm_before_the_partnership_is_active(
    users, second_host, proposed_partnership
):
    services.add_party(
        proposed_partnership, actor=users["coordinator"], organization=second_host, role=PartyRole.HOST
    )
    services.confirm_partnership(proposed_partnership, actor=users["host_admin"])
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.PROPOSED
    services.confirm_partnership(proposed_partnership, actor=second_host.admin)
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.ACTIVE


def test_an_organisation_cannot_be_added_twice(users, host, proposed_partnership):
    before = counts()
    with pytest.raises(Conflict, match="Mbale Regional Hospital is already a party") as caught:
        services.add_party(
            proposed_partnership, actor=users["coordinator"], organization=host, role=PartyRole.TRAINING
        )
    assert caught.value.code == "duplicate_party"
    assert counts() == before


def test_a_party_needs_a_known_role(users, other, proposed_partnership):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.add_party(proposed_partnership, actor=users["coordinator"], organization=other, role="boss")
    assert caught.value.fields == {"role": "Choose a role."}
    assert counts() == before


@pytest.mark.parametrize("fixture", ["active_partnership", "paused_partnership", "closed_partnership"])
def test_parties_cannot_be_added_once_the_partnership_left_the_proposal_stage(fixture, users, other, request):
    partnership = request.getfixturevalue(fixture)
    before = counts()
    with pytest.raises(Conflict, match="Parties can only change while the partnership is proposed"):
        services.add_party(
            partnership, actor=users["coordinator"], organization=other, role=PartyRole.FUNDING
        )
    assert counts() == before


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member", "outsider"])
def test_only_coordinators_and_admins_of_a_party_add_parties(persona, users, other, proposed_partnership):
    before = counts()
    with pytest.raises(NotAllowed):
        services.add_party(
            proposed_partnership, actor=users[persona], organization=other, role=PartyRole.FUNDING
        )
    assert counts() == before


# Removing parties ---------------------------------------------------------------------------------


def test_a_coordinator_removes_a_party_from_a_proposal(users, sending, other, proposed_partnership):
    party = services.add_party(
        proposed_partnership, actor=users["coordinator"], organization=other, role=PartyRole.FUNDING
    )

    services.remove_party(party, actor=users["coordinator"])

    assert not proposed_partnership.parties.filter(organization=other).exists()
    [entry] = audit_entries("partnerships.party.removed")
    assert entry.actor == users["coordinator"]
    assert entry.organization == sending
    assert entry.data == {"party": other.pk, "role": "funding"}
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.PROPOSED


def test_removing_the_last_unconfirmed_host_activates_a_partnership_whose_other_hosts_confirmed(
    users, sending, second_host, two_host_partnership, mailoutbox, django_capture_on_commit_callbacks
):
    services.confirm_partnership(two_host_partnership, actor=users["host_admin"])
    unconfirmed = two_host_partnership.parties.get(organization=second_host)

    with django_capture_on_commit_callbacks(execute=True):
        services.remove_party(unconfirmed, actor=users["coordinator"])

    two_host_partnership.refresh_from_db()
    assert two_host_partnership.status == PartnershipStatus.ACTIVE
    assert two_host_partnership.start_date == timezone.localdate()
    [activated] = audit_entries("partnerships.partnership.activated")
    assert activated.actor == users["coordinator"]
    assert activated.organization == sending
    assert activated.changes == {"status": ["proposed", "active"]}
    assert any("active" in message.subject for message in mailoutbox)


def test_removing_an_unconfirmed_host_keeps_it_proposed_while_another_host_has_not_confirmed(
    users, host, second_host, two_host_partnership
):
    services.remove_party(
        two_host_partnership.parties.get(organization=second_host), actor=users["coordinator"]
    )
    two_host_partnership.refresh_from_db()
    assert two_host_partnership.status == PartnershipStatus.PROPOSED
    assert audit_entries("partnerships.partnership.activated") == []


def test_a_partnership_keeps_at_least_two_parties(users, sending, proposed_partnership):
    before = counts()
    with pytest.raises(Conflict, match="at least two organisations") as caught:
        services.remove_party(
            proposed_partnership.parties.get(organization=sending), actor=users["coordinator"]
        )
    assert caught.value.code == "too_few_parties"
    assert counts() == before


def test_a_partnership_keeps_at_least_one_host(users, host, other, proposed_partnership):
    services.add_party(
        proposed_partnership, actor=users["coordinator"], organization=other, role=PartyRole.FUNDING
    )
    before = counts()
    with pytest.raises(Conflict, match="at least one host organisation") as caught:
        services.remove_party(proposed_partnership.parties.get(organization=host), actor=users["coordinator"])
    assert caught.value.code == "no_host"
    assert proposed_partnership.parties.filter(organization=host).exists()
    assert counts() == before


def test_parties_cannot_be_removed_from_an_active_partnership(users, host, second_host, two_host_partnership):
    services.confirm_partnership(two_host_partnership, actor=users["host_admin"])
    services.confirm_partnership(two_host_partnership, actor=second_host.admin)
    before = counts()
    with pytest.raises(Conflict, match="Parties can only change while the partnership is proposed"):
        services.remove_party(
            two_host_partnership.parties.get(organization=second_host), actor=users["admin"]
        )
    assert counts() == before


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member", "outsider"])
def test_only_coordinators_and_admins_of_a_party_remove_parties(
    persona, users, second_host, two_host_partnership
):
    party = two_host_partnership.parties.get(organization=second_host)
    before = counts()
    with pytest.raises(NotAllowed):
        services.remove_party(party, actor=users[persona])
    assert counts() == before
