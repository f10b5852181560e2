"""confirm_partnership and decline_partnership: only host admins, and every host must confirm."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.partnerships import services
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.models import PartnershipParty
from medmissions.partnerships.tests.support import audit_entries, counts


def host_party(partnership, organization) -> PartnershipParty:
    return partnership.parties.get(organization=organization)


def test_a_host_admin_confirms_and_the_partnership_becomes_active(users, host, proposed_partnership):
    started = timezone.now()
    partnership = services.confirm_partnership(proposed_partnership, actor=users["host_admin"])

    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ACTIVE
    party = host_party(partnership, host)
    assert party.confirmed_by == users["host_admin"]
    assert started <= party.confirmed_at <= timezone.now()


def test_activation_sets_the_start_date_to_today_when_none_was_given(users, proposed_partnership):
    assert proposed_partnership.start_date is None
    partnership = services.confirm_partnership(proposed_partnership, actor=users["host_admin"])
    partnership.refresh_from_db()
    assert partnership.start_date == timezone.localdate()


def test_activation_keeps_a_start_date_that_was_agreed(users, proposed_partnership):
    services.update_partnership(
        proposed_partnership, actor=users["coordinator"], data={"start_date": datetime.date(2030, 1, 1)}
    )
    partnership = services.confirm_partnership(proposed_partnership, actor=users["host_admin"])
    partnership.refresh_from_db()
    assert partnership.start_date == datetime.date(2030, 1, 1)


def test_activation_after_the_agreed_end_date_does_not_invent_a_start_after_the_end(
    users, proposed_partnership
):
    end = timezone.localdate() - datetime.timedelta(days=10)
    services.update_partnership(proposed_partnership, actor=users["coordinator"], data={"end_date": end})

    partnership = services.confirm_partnership(proposed_partnership, actor=users["host_admin"])

    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ACTIVE
    assert partnership.start_date is None
    assert partnership.end_date == end


def test_confirmation_and_activation_are_audited_with_who_and_when(users, host, proposed_partnership):
    services.confirm_partnership(proposed_partnership, actor=users["host_admin"])
    party = host_party(proposed_partnership, host)

    [confirmed] = audit_entries("partnerships.partnership.confirmed")
    assert confirmed.actor == users["host_admin"]
    assert confirmed.organization == host
    assert confirmed.object_id == str(proposed_partnership.pk)
    assert confirmed.data == {"party": host.pk, "confirmed_at": party.confirmed_at.isoformat()}

    [activated] = audit_entries("partnerships.partnership.activated")
    assert activated.actor == users["host_admin"]
    assert activated.organization == host
    assert activated.changes == {"status": ["proposed", "active"]}
    assert activated.pk > confirmed.pk


def test_every_party_coordinator_and_admin_is_emailed_on_activation_after_commit(
    users, proposed_partnership, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_partnership(proposed_partnership, actor=users["host_admin"])
    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == ["admin@example.org", "coordinator@example.org", "host_admin@example.org"]
    assert all("active" in message.subject for message in mailoutbox)


@pytest.mark.parametrize("persona", ["admin", "coordinator", "member", "viewer", "host_member", "outsider"])
def test_confirmation_by_a_non_host_admin_is_refused_and_changes_nothing(
    persona, users, host, proposed_partnership, mailoutbox, django_capture_on_commit_callbacks
):
    before = counts()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed) as caught:
        services.confirm_partnership(proposed_partnership, actor=users[persona])
    assert caught.value.code == "not_host_admin"
    assert "Only an admin of a host organisation" in caught.value.message
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.PROPOSED
    assert host_party(proposed_partnership, host).confirmed_at is None
    assert counts() == before
    assert mailoutbox == []


def test_confirming_twice_is_a_conflict(users, host, proposed_partnership):
    services.confirm_partnership(proposed_partnership, actor=users["host_admin"])
    confirmed_at = host_party(proposed_partnership, host).confirmed_at
    before = counts()

    with pytest.raises(Conflict) as caught:
        services.confirm_partnership(proposed_partnership, actor=users["host_admin"])

    assert caught.value.code == "already_confirmed"
    assert caught.value.status == 409
    assert host_party(proposed_partnership, host).confirmed_at == confirmed_at
    assert counts() == before


def test_with_two_hosts_the_first_confirmation_keeps_it_proposed(
    users, host, second_host, two_host_partnership
):
    partnership = services.confirm_partnership(two_host_partnership, actor=users["host_admin"])

    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.PROPOSED
    assert host_party(partnership, host).confirmed_at is not None
    assert host_party(partnership, second_host).confirmed_at is None
    assert len(audit_entries("partnerships.partnership.confirmed")) == 1
    assert audit_entries("partnerships.partnership.activated") == []


def test_with_two_hosts_the_second_confirmation_activates_it(users, host, second_host, two_host_partnership):
    services.confirm_partnership(two_host_partnership, actor=users["host_admin"])
    partnership = services.confirm_partnership(two_host_partnership, actor=second_host.admin)

    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ACTIVE
    assert host_party(partnership, second_host).confirmed_by == second_host.admin
    confirmations = audit_entries("partnerships.partnership.confirmed")
    assert [(entry.actor, entry.organization) for entry in confirmations] == [
        (users["host_admin"], host),
        (second_host.admin, second_host),
    ]
    [activated] = audit_entries("partnerships.partnership.activated")
    assert activated.actor == second_host.admin


def test_the_first_of_two_hosts_cannot_confirm_again(users, two_host_partnership):
    services.confirm_partnership(two_host_partnership, actor=users["host_admin"])
    with pytest.raises(Conflict, match="already confirmed"):
        services.confirm_partnership(two_host_partnership, actor=users["host_admin"])


def test_confirming_a_closed_partnership_is_refused(users, host, proposed_partnership):
    services.change_status(proposed_partnership, actor=users["coordinator"], transition="close", reason="No.")
    before = counts()

    with pytest.raises(Conflict) as caught:
        services.confirm_partnership(proposed_partnership, actor=users["host_admin"])

    assert caught.value.code == "not_proposed"
    assert caught.value.message == "Only a proposed partnership can be confirmed; this one is closed."
    assert host_party(proposed_partnership, host).confirmed_at is None
    assert counts() == before


def test_confirming_a_declined_partnership_is_refused(users, second_host, two_host_partnership):
    services.decline_partnership(two_host_partnership, actor=users["host_admin"], reason="No capacity.")
    with pytest.raises(Conflict, match="this one is closed"):
        services.confirm_partnership(two_host_partnership, actor=second_host.admin)


# Decline ------------------------------------------------------------------------------------------


def test_a_host_admin_declines_and_the_proposal_closes_with_the_reason(users, host, proposed_partnership):
    partnership = services.decline_partnership(
        proposed_partnership, actor=users["host_admin"], reason="  No theatre capacity this year.  "
    )

    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.CLOSED
    assert partnership.status_reason == "No theatre capacity this year."
    [entry] = audit_entries("partnerships.partnership.declined")
    assert entry.actor == users["host_admin"]
    assert entry.organization == host
    assert entry.changes == {
        "status": ["proposed", "closed"],
        "status_reason": [None, "No theatre capacity this year."],
    }


def test_the_parties_are_told_why_a_proposal_was_declined(
    users, proposed_partnership, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_partnership(proposed_partnership, actor=users["host_admin"], reason="No capacity.")
    assert {address for message in mailoutbox for address in message.to} == {
        "admin@example.org",
        "coordinator@example.org",
        "host_admin@example.org",
    }
    assert all("No capacity." in message.body for message in mailoutbox)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_declining_needs_a_reason(reason, users, proposed_partnership):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.decline_partnership(proposed_partnership, actor=users["host_admin"], reason=reason)
    assert caught.value.fields == {"reason": "Give a reason."}
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.PROPOSED
    assert counts() == before


@pytest.mark.parametrize("persona", ["admin", "coordinator", "host_member", "outsider"])
def test_only_a_host_admin_may_decline(persona, users, proposed_partnership):
    before = counts()
    with pytest.raises(NotAllowed, match="Only an admin of a host organisation can decline"):
        services.decline_partnership(proposed_partnership, actor=users[persona], reason="No.")
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.PROPOSED
    assert counts() == before


def test_an_active_partnership_cannot_be_declined(users, active_partnership):
    before = counts()
    with pytest.raises(Conflict, match="Only a proposed partnership can be declined"):
        services.decline_partnership(active_partnership, actor=users["host_admin"], reason="Changed my mind.")
    active_partnership.refresh_from_db()
    assert active_partnership.status == PartnershipStatus.ACTIVE
    assert counts() == before


# Awaiting confirmation ----------------------------------------------------------------------------


def test_awaiting_confirmation_lists_proposals_the_host_admin_still_has_to_confirm(
    users, sending, host, second_host, proposed_partnership, two_host_partnership
):
    assert list(services.awaiting_confirmation_by(users["host_admin"])) == [
        proposed_partnership,
        two_host_partnership,
    ]
    services.confirm_partnership(two_host_partnership, actor=users["host_admin"])
    assert list(services.awaiting_confirmation_by(users["host_admin"])) == [proposed_partnership]
    assert list(services.awaiting_confirmation_by(second_host.admin)) == [two_host_partnership]
    assert list(services.awaiting_confirmation_by(users["host_member"])) == []
    assert list(services.awaiting_confirmation_by(users["admin"])) == []
    assert sending.partnership_parties.filter(role=PartyRole.SENDING).count() == 2
