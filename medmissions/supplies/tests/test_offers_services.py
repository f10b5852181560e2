"""Donation offers: answering a request (only what it asks, with the shelf life WHO article 6
asks for on the date needed), unrequested offers flagged (article 1), accepting and declining,
withdrawing, and the emails each step sends on commit."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection, connections

from medmissions.core.errors import Conflict, DomainError, NotAllowed, ValidationFailed
from medmissions.organizations.access import forget_access
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.supplies import services
from medmissions.supplies.choices import OfferStatus
from medmissions.supplies.models import DonationOffer, Item, SupplyRequest
from medmissions.supplies.tests.requests_support import *  # noqa: F403
from medmissions.supplies.tests.requests_support import (
    MEDICINE_DAYS,
    audit,
    in_days,
    needed_by,
    shortest_medicine_expiry,
    state,
    today,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _offer(actor, donor, request, lines, **extra):
    return services.make_offer(actor=actor, donor=donor, request=request, lines=lines, **extra)


# Making an offer --------------------------------------------------------------------------------


def test_an_offer_answering_a_request_goes_to_its_organisation(
    donor, donor_admin, sending, submitted, amoxicillin, gloves, users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        offer = _offer(
            donor_admin,
            donor,
            submitted,
            [(amoxicillin, 500, shortest_medicine_expiry()), (gloves, 10, None)],
            note="Labelled in English; O’Brien Pharma.",
        )
    assert offer.recipient == sending
    assert offer.request == submitted
    assert offer.status == OfferStatus.OFFERED
    assert not offer.unrequested
    assert offer.created_by == donor_admin
    assert sorted(offer.lines.values_list("item__code", "quantity")) == [
        (amoxicillin.code, 500),
        (gloves.code, 10),
    ]
    [entry] = audit("supplies.offer.made")
    assert entry.organization == donor
    assert entry.data["unrequested"] is False
    assert entry.data["request"] == submitted.pk
    # The requester's coordinators and admins, not its members and viewers.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@example.org",
        "coordinator@example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == "Blessed Supplies International offers a donation"
    assert "for your request “Clinic medicines for the surgical camp”" in message.body
    assert "- 500 × amoxicillin 500 mg capsule (expires " in message.body
    assert "O’Brien Pharma" in message.body  # plain text, not HTML-escaped
    assert f"/supplies/offers/{offer.pk}/" in message.body


def test_an_unrequested_offer_is_flagged_and_the_recipient_warned(
    users, donor, donor_admin, sending, gloves, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.make_offer(
            actor=donor_admin, donor=donor, recipient=sending, lines=[(gloves, 20, None)]
        )
    assert offer.unrequested
    assert offer.request is None
    assert offer.recipient == sending
    assert audit("supplies.offer.made")[0].data["unrequested"] is True
    assert len(mail.outbox) == 2
    assert "answer none of your requests" in mail.outbox[0].body
    assert "WHO guidelines for medicine donations" in mail.outbox[0].body
    assert "article 1" in services.unrequested_reason()


@pytest.mark.parametrize("persona", ["donor_member", "sending_member"])
def test_only_the_donors_coordinators_make_offers(
    donor, donor_member, users, submitted, amoxicillin, persona, django_capture_on_commit_callbacks
):
    actor = donor_member if persona == "donor_member" else users["member"]
    before = state()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
        _offer(actor, donor, submitted, [(amoxicillin, 5, shortest_medicine_expiry())])
    assert state() == before
    assert mail.outbox == []


def test_an_organisation_does_not_offer_to_itself(users, sending, submitted, gloves):
    with pytest.raises(ValidationFailed) as raised:
        _offer(users["coordinator"], sending, submitted, [(gloves, 1, None)])
    assert set(raised.value.fields) == {"recipient"}
    with pytest.raises(ValidationFailed):
        services.make_offer(
            actor=users["coordinator"], donor=sending, recipient=sending, lines=[(gloves, 1, None)]
        )


def test_an_unrequested_offer_names_its_recipient(donor, donor_admin, gloves):
    with pytest.raises(ValidationFailed) as raised:
        services.make_offer(actor=donor_admin, donor=donor, lines=[(gloves, 1, None)])
    assert set(raised.value.fields) == {"recipient"}


def test_an_offer_answering_a_request_goes_to_the_requester_only(donor, donor_admin, host, submitted, gloves):
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        _offer(donor_admin, donor, submitted, [(gloves, 1, None)], recipient=host)
    assert set(raised.value.fields) == {"recipient"}
    assert state() == before


def test_a_draft_takes_no_offers_and_donors_do_not_see_it(donor, donor_admin, draft, amoxicillin, users):
    services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=5)
    services.update_request(draft, actor=users["coordinator"], data={"open_to_donors": True})
    with pytest.raises(ValidationFailed) as raised:
        _offer(donor_admin, donor, draft, [(amoxicillin, 5, shortest_medicine_expiry())])
    assert set(raised.value.fields) == {"request"}


def test_a_request_not_open_to_donors_is_not_offered_to(donor, donor_admin, users, submitted, gloves):
    SupplyRequest.objects.filter(pk=submitted.pk).update(open_to_donors=False)
    submitted.refresh_from_db()
    # The donor's admin cannot even see it...
    with pytest.raises(ValidationFailed) as raised:
        _offer(donor_admin, donor, submitted, [(gloves, 1, None)])
    assert set(raised.value.fields) == {"request"}
    # ...and someone who sees it through another organisation may not offer in the donor's name.
    Membership.objects.create(user=donor_admin, organization=submitted.organization, role=Role.VIEWER)
    forget_access(donor_admin)
    with pytest.raises(Conflict) as raised:
        _offer(donor_admin, donor, submitted, [(gloves, 1, None)])
    assert raised.value.code == "not_open_to_donors"


def test_the_destination_host_may_offer_to_a_request_not_open_to_donors(users, host, submitted, gloves):
    SupplyRequest.objects.filter(pk=submitted.pk).update(open_to_donors=False)
    submitted.refresh_from_db()
    offer = _offer(users["host_admin"], host, submitted, [(gloves, 4, None)])
    assert offer.recipient == submitted.organization


def test_a_closed_request_takes_no_offers(donor, donor_admin, users, submitted, gloves):
    services.close_request(submitted, actor=users["coordinator"], reason="Met elsewhere.")
    before = state()
    with pytest.raises(Conflict) as raised:
        _offer(donor_admin, donor, submitted, [(gloves, 1, None)])
    assert raised.value.code == "request_not_open"
    assert state() == before


def test_a_cancelled_request_is_no_longer_shown_to_donors(donor, donor_admin, users, submitted, gloves):
    services.cancel_request(submitted, actor=users["coordinator"], reason="Postponed.")
    with pytest.raises(ValidationFailed) as raised:
        _offer(donor_admin, donor, submitted, [(gloves, 1, None)])
    assert set(raised.value.fields) == {"request"}
    # The destination's host still sees it, and is told it takes no offers.
    with pytest.raises(Conflict) as raised:
        _offer(users["host_admin"], submitted.destination.host_organization, submitted, [(gloves, 1, None)])
    assert raised.value.code == "request_not_open"


# Offer lines ------------------------------------------------------------------------------------


def test_an_offer_needs_lines(donor, donor_admin, submitted):
    with pytest.raises(ValidationFailed) as raised:
        _offer(donor_admin, donor, submitted, [])
    assert raised.value.code == "no_lines"


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        (lambda a, g: [(g, 1, None), (g, 2, None)], "lines.1.item"),
        (lambda a, g: [(a, 0, shortest_medicine_expiry())], "lines.0.quantity"),
        (lambda a, g: [(a, True, shortest_medicine_expiry())], "lines.0.quantity"),
        (lambda a, g: [(a, 601, shortest_medicine_expiry())], "lines.0.quantity"),
        (lambda a, g: [(g, 1, None), (a, 5, None)], "lines.1.expiry_date"),
    ],
)
def test_lines_are_checked_one_by_one(donor, donor_admin, submitted, amoxicillin, gloves, lines, field):
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        _offer(donor_admin, donor, submitted, lines(amoxicillin, gloves))
    assert set(raised.value.fields) == {field}
    assert state() == before


def test_every_problem_is_reported_at_once(donor, donor_admin, submitted, amoxicillin, gloves):
    with pytest.raises(ValidationFailed) as raised:
        _offer(donor_admin, donor, submitted, [(amoxicillin, 5, None), (gloves, 11, None)])
    assert set(raised.value.fields) == {"lines.0.expiry_date", "lines.1.quantity"}
    assert raised.value.message == "Please correct the highlighted lines."


def test_an_item_the_request_does_not_ask_for_is_offered_separately(donor, donor_admin, submitted, sending):
    paracetamol = Item.objects.create(
        code="test-paracetamol", name="paracetamol", strength="500 mg", unit="tablet", category="medicine"
    )
    with pytest.raises(ValidationFailed) as raised:
        _offer(donor_admin, donor, submitted, [(paracetamol, 100, in_days(900))])
    assert raised.value.code == "not_requested"
    assert set(raised.value.fields) == {"lines.0.item"}
    unrequested = services.make_offer(
        actor=donor_admin, donor=donor, recipient=sending, lines=[(paracetamol, 100, in_days(900))]
    )
    assert unrequested.unrequested


def test_an_item_no_longer_in_the_catalogue_is_not_offered(donor, donor_admin, sending, gloves):
    Item.objects.filter(pk=gloves.pk).update(active=False)
    gloves.refresh_from_db()
    with pytest.raises(ValidationFailed) as raised:
        services.make_offer(actor=donor_admin, donor=donor, recipient=sending, lines=[(gloves, 1, None)])
    assert set(raised.value.fields) == {"lines.0.item"}


# Shelf life (WHO article 6) ---------------------------------------------------------------------


def test_exactly_the_minimum_shelf_life_after_the_date_needed_passes(
    donor, donor_admin, submitted, amoxicillin
):
    expiry = needed_by() + datetime.timedelta(days=MEDICINE_DAYS)
    offer = _offer(donor_admin, donor, submitted, [(amoxicillin, 5, expiry)])
    assert offer.lines.get().expiry_date == expiry


def test_a_day_less_is_refused_with_the_reason(donor, donor_admin, submitted, amoxicillin):
    expiry = shortest_medicine_expiry() - DAY
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        _offer(donor_admin, donor, submitted, [(amoxicillin, 5, expiry)])
    assert raised.value.code == "short_shelf_life"
    assert set(raised.value.fields) == {"lines.0.expiry_date"}
    assert "365 days" in raised.value.message
    assert shortest_medicine_expiry().isoformat() in raised.value.message
    assert "article 6" in raised.value.message
    assert state() == before


def test_consumables_keep_their_own_minimum(donor, donor_admin, submitted, gloves):
    boundary = needed_by() + datetime.timedelta(days=180)
    _offer(donor_admin, donor, submitted, [(gloves, 1, boundary)])
    with pytest.raises(ValidationFailed):
        _offer(donor_admin, donor, submitted, [(gloves, 1, boundary - DAY)])


def test_a_date_needed_already_past_counts_from_today(donor, donor_admin, submitted, amoxicillin):
    SupplyRequest.objects.filter(pk=submitted.pk).update(needed_by=in_days(-10))
    submitted.refresh_from_db()
    boundary = today() + datetime.timedelta(days=MEDICINE_DAYS)
    with pytest.raises(ValidationFailed):
        _offer(donor_admin, donor, submitted, [(amoxicillin, 5, boundary - DAY)])
    _offer(donor_admin, donor, submitted, [(amoxicillin, 5, boundary)])


def test_an_unrequested_offer_counts_from_today(donor, donor_admin, sending, amoxicillin):
    boundary = today() + datetime.timedelta(days=MEDICINE_DAYS)
    with pytest.raises(ValidationFailed) as raised:
        services.make_offer(
            actor=donor_admin, donor=donor, recipient=sending, lines=[(amoxicillin, 5, boundary - DAY)]
        )
    assert raised.value.code == "short_shelf_life"
    services.make_offer(actor=donor_admin, donor=donor, recipient=sending, lines=[(amoxicillin, 5, boundary)])


def test_the_hosts_exception_lowers_the_minimum(donor, donor_admin, users, submitted, amoxicillin):
    services.set_shelf_life_exception(
        submitted, actor=users["host_admin"], days=200, acknowledged_by="Dr Okello"
    )
    submitted.refresh_from_db()
    boundary = needed_by() + datetime.timedelta(days=200)
    with pytest.raises(ValidationFailed):
        _offer(donor_admin, donor, submitted, [(amoxicillin, 5, boundary - DAY)])
    _offer(donor_admin, donor, submitted, [(amoxicillin, 5, boundary)])


# Deciding ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "admin"])
def test_the_recipients_coordinators_accept_and_the_donor_is_told(
    users, donor, offer, donor_coordinator, donor_member, persona, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_offer(offer, actor=users[persona], accept=True)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert offer.decided_by == users[persona]
    assert offer.decided_at is not None
    [entry] = audit("supplies.offer.accepted")
    assert entry.organization == offer.recipient
    assert sorted(message.to[0] for message in mail.outbox) == [
        "donor_admin@example.org",
        "donor_coordinator@example.org",
    ]
    assert mail.outbox[0].subject == "Bridge Health UK: donation offer accepted"
    assert "has accepted your donation offer for the request" in mail.outbox[0].body
    assert f"/supplies/offers/{offer.pk}/" in mail.outbox[0].body


def test_declining_needs_a_note_for_the_donor(users, offer, django_capture_on_commit_callbacks):
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        services.decide_offer(offer, actor=users["coordinator"], accept=False, note=" ")
    assert set(raised.value.fields) == {"note"}
    assert state() == before
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_offer(
            offer, actor=users["coordinator"], accept=False, note="Our pharmacy is full until June."
        )
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert offer.decision_note == "Our pharmacy is full until June."
    assert audit("supplies.offer.declined")[0].data == {"note": "Our pharmacy is full until June."}
    assert "Our pharmacy is full until June." in mail.outbox[0].body
    assert mail.outbox[0].subject == "Bridge Health UK: donation offer declined"


@pytest.mark.parametrize("persona", ["member", "viewer", "host_admin", "outsider", "donor_admin"])
def test_only_the_recipients_coordinators_decide(
    users, offer, donor_admin, persona, django_capture_on_commit_callbacks
):
    actor = donor_admin if persona == "donor_admin" else users[persona]
    before = state()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
        services.decide_offer(offer, actor=actor, accept=True)
    assert state() == before
    assert mail.outbox == []


def test_an_offer_is_decided_once(users, offer, donor_admin):
    services.decide_offer(offer, actor=users["coordinator"], accept=True)
    before = state()
    with pytest.raises(Conflict) as raised:
        services.decide_offer(offer, actor=users["admin"], accept=False, note="Changed our mind.")
    assert raised.value.code == "offer_decided"
    with pytest.raises(Conflict):
        services.withdraw_offer(offer, actor=donor_admin)
    assert state() == before


def test_an_offer_of_an_ended_request_was_declined_for_the_donor(users, offer):
    services.cancel_request(offer.request, actor=users["coordinator"], reason="Postponed.")
    with pytest.raises(Conflict) as raised:
        services.decide_offer(offer, actor=users["coordinator"], accept=True)
    assert raised.value.code == "offer_decided"


def test_accepting_checks_the_shelf_life_again_when_the_date_moved(users, offer):
    services.update_request(offer.request, actor=users["coordinator"], data={"needed_by": needed_by() + DAY})
    before = state()
    with pytest.raises(Conflict) as raised:
        services.decide_offer(offer, actor=users["coordinator"], accept=True)
    assert raised.value.code == "short_shelf_life"
    assert state() == before
    # It can still be declined.
    services.decide_offer(
        offer, actor=users["coordinator"], accept=False, note="The camp moved; too short now."
    )


def test_accepting_an_unrequested_offer(users, unrequested_offer):
    services.decide_offer(
        unrequested_offer, actor=users["coordinator"], accept=True, note="We do need gloves."
    )
    unrequested_offer.refresh_from_db()
    assert unrequested_offer.status == OfferStatus.ACCEPTED
    assert unrequested_offer.decision_note == "We do need gloves."


# Withdrawing ------------------------------------------------------------------------------------


def test_the_donor_withdraws_an_offer_nobody_decided(
    users, offer, donor_coordinator, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_offer(offer, actor=donor_coordinator)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    # The recipient's coordinators and admins are told.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@example.org",
        "coordinator@example.org",
    ]
    assert "withdrew its donation offer" in mail.outbox[0].subject
    [entry] = audit("supplies.offer.withdrawn")
    assert entry.organization == offer.donor
    with pytest.raises(Conflict) as raised:
        services.withdraw_offer(offer, actor=donor_coordinator)
    assert raised.value.code == "offer_decided"
    with pytest.raises(Conflict):
        services.decide_offer(offer, actor=users["coordinator"], accept=True)


@pytest.mark.parametrize("persona", ["coordinator", "admin", "donor_member"])
def test_only_the_donors_coordinators_withdraw(users, offer, donor_member, persona):
    actor = donor_member if persona == "donor_member" else users[persona]
    before = state()
    with pytest.raises(NotAllowed):
        services.withdraw_offer(offer, actor=actor)
    assert state() == before


# Races (PostgreSQL) -----------------------------------------------------------------------------


def _race(workers):
    barrier = threading.Barrier(len(workers))
    outcomes: list[str] = []

    def run(work):
        try:
            barrier.wait()
            work()
            outcomes.append("done")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks and concurrent transactions (PostgreSQL)"
)


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_offer_is_decided_once_when_two_coordinators_answer_at_once(users, offer):
    outcomes = _race(
        [
            lambda: services.decide_offer(offer, actor=users["coordinator"], accept=True),
            lambda: services.decide_offer(offer, actor=users["admin"], accept=False, note="No storage left."),
        ]
    )
    assert outcomes == ["done", "offer_decided"]
    offer.refresh_from_db()
    assert offer.status in (OfferStatus.ACCEPTED, OfferStatus.DECLINED)
    assert len(audit("supplies.offer.accepted")) + len(audit("supplies.offer.declined")) == 1


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_offer_slips_in_while_the_request_closes(users, donor, donor_admin, submitted, amoxicillin):
    outcomes = _race(
        [
            lambda: _offer(donor_admin, donor, submitted, [(amoxicillin, 5, shortest_medicine_expiry())]),
            lambda: services.close_request(
                submitted, actor=users["coordinator"], reason="Met by the district."
            ),
        ]
    )
    assert outcomes in (["done", "done"], ["done", "request_not_open"])
    # Whichever came first, no offer is left waiting on a closed request.
    assert not DonationOffer.objects.filter(request=submitted, status=OfferStatus.OFFERED).exists()
