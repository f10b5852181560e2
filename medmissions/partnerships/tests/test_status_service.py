"""change_status: pause, resume and close, with reasons, refusals and their messages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.partnerships import services
from medmissions.partnerships.choices import PartnershipStatus
from medmissions.partnerships.tests.support import audit_entries, counts


def change(partnership, actor, transition, reason=""):
    return services.change_status(partnership, actor=actor, transition=transition, reason=reason)


def test_an_active_partnership_is_paused_with_a_reason(users, sending, active_partnership):
    partnership = change(active_partnership, users["coordinator"], "pause", "  Rainy season.  ")

    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.PAUSED
    assert partnership.status_reason == "Rainy season."
    [entry] = audit_entries("partnerships.partnership.paused")
    assert entry.actor == users["coordinator"]
    assert entry.organization == sending
    assert entry.changes == {"status": ["active", "paused"], "status_reason": ["", "Rainy season."]}


def test_a_paused_partnership_is_resumed_without_a_reason(users, paused_partnership):
    partnership = change(paused_partnership, users["coordinator"], "resume")

    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ACTIVE
    assert partnership.status_reason == ""
    [entry] = audit_entries("partnerships.partnership.resumed")
    assert entry.changes["status"] == ["paused", "active"]


def test_a_host_coordinator_or_admin_may_change_the_status_too(users, host, active_partnership):
    change(active_partnership, users["host_admin"], "pause", "Strike at the hospital.")
    [entry] = audit_entries("partnerships.partnership.paused")
    assert entry.organization == host


@pytest.mark.parametrize("fixture", ["proposed_partnership", "active_partnership", "paused_partnership"])
def test_a_partnership_is_closed_from_proposed_active_or_paused(fixture, users, request):
    partnership = request.getfixturevalue(fixture)
    previous = partnership.status

    change(partnership, users["admin"], "close", "Programme finished.")

    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.CLOSED
    assert partnership.status_reason == "Programme finished."
    [entry] = audit_entries("partnerships.partnership.closed")
    assert entry.changes["status"] == [previous, "closed"]


def test_closing_sets_the_end_date_to_today_if_none_was_agreed(users, active_partnership):
    change(active_partnership, users["coordinator"], "close", "Done.")
    active_partnership.refresh_from_db()
    assert active_partnership.end_date == timezone.localdate()


def test_closing_before_a_future_start_date_ends_on_the_start_date(users, proposed_partnership):
    start = timezone.localdate() + datetime.timedelta(days=30)
    services.update_partnership(proposed_partnership, actor=users["coordinator"], data={"start_date": start})
    change(proposed_partnership, users["coordinator"], "close", "Cancelled.")
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.end_date == start


def test_closing_keeps_an_agreed_end_date(users, proposed_partnership):
    end = datetime.date(2031, 12, 31)
    services.update_partnership(proposed_partnership, actor=users["coordinator"], data={"end_date": end})
    change(proposed_partnership, users["coordinator"], "close", "Cancelled.")
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.end_date == end


def test_the_parties_coordinators_and_admins_are_emailed_after_commit(
    users, active_partnership, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        change(active_partnership, users["coordinator"], "pause", "Rainy season.")
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        change(active_partnership, users["coordinator"], "resume")
    assert sorted(address for message in mailoutbox for address in message.to) == [
        "admin@example.org",
        "coordinator@example.org",
        "host_admin@example.org",
    ]
    assert "Active" in mailoutbox[0].body


REFUSED = [
    ("proposed_partnership", "pause", "Only an active partnership can be paused."),
    ("paused_partnership", "pause", "Only an active partnership can be paused."),
    ("closed_partnership", "pause", "Only an active partnership can be paused."),
    ("proposed_partnership", "resume", "Only a paused partnership can be resumed."),
    ("active_partnership", "resume", "Only a paused partnership can be resumed."),
    ("closed_partnership", "resume", "Only a paused partnership can be resumed."),
    ("closed_partnership", "close", "This partnership is already closed."),
]


@pytest.mark.parametrize(("fixture", "transition", "message"), REFUSED)
def test_every_refused_transition_says_why_and_changes_nothing(
    fixture, transition, message, users, request, mailoutbox, django_capture_on_commit_callbacks
):
    partnership = request.getfixturevalue(fixture)
    partnership.refresh_from_db()
    status, reason = partnership.status, partnership.status_reason
    before = counts()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict) as caught:
        change(partnership, users["coordinator"], transition, "A reason.")

    assert caught.value.message == message
    assert caught.value.code == "invalid_transition"
    partnership.refresh_from_db()
    assert (partnership.status, partnership.status_reason) == (status, reason)
    assert counts() == before
    assert mailoutbox == []


@pytest.mark.parametrize("transition", ["pause", "close"])
@pytest.mark.parametrize("reason", ["", "  \n "])
def test_pausing_and_closing_need_a_reason(transition, reason, users, active_partnership):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        change(active_partnership, users["coordinator"], transition, reason)
    assert caught.value.message == "Give a reason; the other parties will see it."
    assert caught.value.fields == {"reason": "Give a reason."}
    active_partnership.refresh_from_db()
    assert active_partnership.status == PartnershipStatus.ACTIVE
    assert counts() == before


def test_an_unknown_transition_is_refused(users, active_partnership):
    with pytest.raises(ValidationFailed, match="Unknown status change"):
        change(active_partnership, users["coordinator"], "reopen", "Because.")


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member", "outsider"])
def test_only_coordinators_and_admins_of_a_party_change_the_status(persona, users, active_partnership):
    before = counts()
    with pytest.raises(NotAllowed, match="Only coordinators and admins manage partnerships"):
        change(active_partnership, users[persona], "pause", "A reason.")
    active_partnership.refresh_from_db()
    assert active_partnership.status == PartnershipStatus.ACTIVE
    assert counts() == before
