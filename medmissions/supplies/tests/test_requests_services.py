"""Supply requests: drafting (organisation, mission, need, destination, date, priority), lines and
kits, submitting (the host is emailed), cancelling, closing, the host's shelf-life exception and
fulfilment. Every refusal changes nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.partnerships import services as partnership_services
from medmissions.partnerships.choices import PartyRole
from medmissions.supplies import allocation, services
from medmissions.supplies.choices import OfferStatus, RequestStatus
from medmissions.supplies.models import Allocation, Item, Kit, RequestLine, StockBalance, SupplyRequest
from medmissions.supplies.tests.allocation_support import receive
from medmissions.supplies.tests.requests_support import *  # noqa: F403
from medmissions.supplies.tests.requests_support import (
    audit,
    in_days,
    make_need,
    needed_by,
    request_data,
    state,
    today,
)

pytestmark = pytest.mark.django_db


def _allocate(users, sending, warehouse, line, quantity):
    """Receive stock at the depot and allocate ``quantity`` of it to ``line``."""
    lot = receive(users, sending, warehouse, line.item, f"LOT-{line.pk}", in_days(1000), 5000)
    return allocation.allocate(line, lot, warehouse, actor=users["coordinator"], quantity=quantity)


# Creating ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "admin"])
def test_coordinators_and_admins_draft_a_request(users, sending, site, active_partnership, persona):
    request = services.create_request(actor=users[persona], organization=sending, data=request_data(site))
    assert request.status == RequestStatus.DRAFT
    assert request.organization == sending
    assert request.destination == site
    assert request.priority == 3
    assert request.created_by == users[persona]
    [entry] = audit("supplies.request.created")
    assert entry.organization == sending
    assert entry.changes["title"] == [None, "Clinic medicines for the surgical camp"]
    assert entry.changes["destination"] == [None, site.pk]


@pytest.mark.parametrize("persona", ["member", "viewer", "host_admin", "host_member", "outsider"])
def test_only_the_organisations_coordinators_draft_its_requests(
    users, sending, site, active_partnership, persona
):
    before = state()
    with pytest.raises(NotAllowed):
        services.create_request(actor=users[persona], organization=sending, data=request_data(site))
    assert state() == before


def test_a_mission_gives_its_site_as_destination(users, sending, site, mission):
    request = services.create_request(
        actor=users["coordinator"],
        organization=sending,
        data=request_data(None, destination=None, mission=mission),
    )
    assert request.destination == site
    assert request.mission == mission


def test_a_need_of_the_mission_is_linked(users, sending, site, mission, host_need):
    request = services.create_request(
        actor=users["coordinator"],
        organization=sending,
        data=request_data(site, mission=mission, need=host_need),
    )
    assert request.need == host_need


def test_a_need_the_mission_does_not_answer_is_refused(users, sending, host, site, mission):
    elsewhere = make_need(users["host_admin"], host, site, title="Maternity ward supplies")
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        services.create_request(
            actor=users["coordinator"],
            organization=sending,
            data=request_data(site, mission=mission, need=elsewhere),
        )
    assert set(raised.value.fields) == {"need"}
    assert state() == before


def test_a_mission_of_another_partnership_is_refused(users, sending, host, other, site, mission):
    partnership = partnership_services.propose_partnership(
        actor=users["outsider"],
        proposer=other,
        data={"title": "Kisumu outreach", "shared_goals": "Outreach clinics.", "is_public": False},
        parties=[(other, PartyRole.SENDING), (host, PartyRole.HOST)],
    )
    partnership = partnership_services.confirm_partnership(partnership, actor=users["host_admin"])
    from medmissions.missions import services as mission_services

    foreign = mission_services.create_mission(
        actor=users["outsider"],
        partnership=partnership,
        site=site,
        data={
            "title": "Kisumu team at Mbale",
            "starts_on": in_days(40),
            "ends_on": in_days(50),
            "capacity": 4,
            "time_zone": "Africa/Kampala",
        },
        needs=list(mission.needs.all()),
    )
    with pytest.raises(ValidationFailed) as raised:
        services.create_request(
            actor=users["coordinator"], organization=sending, data=request_data(site, mission=foreign)
        )
    assert "mission" in raised.value.fields


def test_a_cancelled_mission_is_refused(users, sending, site, mission):
    from medmissions.missions import services as mission_services

    mission_services.cancel(mission, actor=users["coordinator"], reason="The host postponed the camp.")
    with pytest.raises(ValidationFailed) as raised:
        services.create_request(
            actor=users["coordinator"], organization=sending, data=request_data(site, mission=mission)
        )
    assert "mission" in raised.value.fields


def test_a_need_the_organisation_cannot_see_is_refused(
    users, sending, other, site, other_site, active_partnership
):
    hidden = make_need(users["outsider"], other, other_site, title="Kisumu cold chain")
    with pytest.raises(ValidationFailed) as raised:
        services.create_request(
            actor=users["coordinator"], organization=sending, data=request_data(site, need=hidden)
        )
    assert set(raised.value.fields) == {"need"}


def test_a_destination_outside_the_organisation_and_its_active_partners_is_refused(
    users, sending, other_site, active_partnership
):
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        services.create_request(
            actor=users["coordinator"], organization=sending, data=request_data(other_site)
        )
    assert set(raised.value.fields) == {"destination"}
    assert state() == before


def test_a_site_of_a_merely_proposed_partnership_is_refused(users, sending, site, proposed_partnership):
    with pytest.raises(ValidationFailed) as raised:
        services.create_request(actor=users["coordinator"], organization=sending, data=request_data(site))
    assert "destination" in raised.value.fields


def test_an_own_site_needs_no_partnership(users, sending, warehouse):
    request = services.create_request(
        actor=users["coordinator"], organization=sending, data=request_data(warehouse)
    )
    assert request.destination == warehouse


def test_no_destination_and_no_mission_is_refused(users, sending, active_partnership):
    with pytest.raises(ValidationFailed) as raised:
        services.create_request(
            actor=users["coordinator"], organization=sending, data=request_data(None, destination=None)
        )
    assert set(raised.value.fields) == {"destination"}


def test_needed_by_in_the_past_is_refused_but_today_is_fine(users, sending, site, active_partnership):
    with pytest.raises(ValidationFailed) as raised:
        services.create_request(
            actor=users["coordinator"], organization=sending, data=request_data(site, needed_by=in_days(-1))
        )
    assert set(raised.value.fields) == {"needed_by"}
    request = services.create_request(
        actor=users["coordinator"], organization=sending, data=request_data(site, needed_by=today())
    )
    assert request.needed_by == today()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"priority": 7}, "priority"),
        ({"priority": "urgent"}, "priority"),
        ({"priority": True}, "priority"),
        ({"needed_by": "2027-05-01"}, "needed_by"),
    ],
)
def test_malformed_fields_are_refused(users, sending, site, active_partnership, changes, field):
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        services.create_request(
            actor=users["coordinator"], organization=sending, data=request_data(site, **changes)
        )
    assert set(raised.value.fields) == {field}
    assert state() == before


def test_priority_may_come_as_text_and_defaults_to_normal(users, sending, site, active_partnership):
    as_text = services.create_request(
        actor=users["coordinator"], organization=sending, data=request_data(site, priority="4")
    )
    assert as_text.priority == 4
    default = services.create_request(
        actor=users["coordinator"], organization=sending, data=request_data(site, priority=None)
    )
    assert default.priority == 2


# Updating ---------------------------------------------------------------------------------------


def test_update_changes_only_what_is_given_and_audits_it(users, draft):
    services.update_request(draft, actor=users["admin"], data={"note": "Also for the ward.", "priority": 4})
    draft.refresh_from_db()
    assert draft.note == "Also for the ward."
    assert draft.priority == 4
    assert draft.title == "Clinic medicines for the surgical camp"
    [entry] = audit("supplies.request.updated")
    assert entry.changes == {
        "note": ["Outpatients of the May camp.", "Also for the ward."],
        "priority": [3, 4],
    }


def test_an_update_that_changes_nothing_writes_no_entry(users, draft):
    services.update_request(draft, actor=users["coordinator"], data={"title": draft.title})
    assert audit("supplies.request.updated") == []


def test_a_request_whose_date_passed_can_still_change_its_note(users, draft):
    SupplyRequest.objects.filter(pk=draft.pk).update(needed_by=in_days(-3))
    draft.refresh_from_db()
    services.update_request(draft, actor=users["coordinator"], data={"note": "Late, but still needed."})
    with pytest.raises(ValidationFailed) as raised:
        services.update_request(draft, actor=users["coordinator"], data={"needed_by": in_days(-2)})
    assert set(raised.value.fields) == {"needed_by"}


@pytest.mark.parametrize("persona", ["member", "viewer", "host_admin", "outsider"])
def test_only_coordinators_update(users, draft, persona):
    before = state()
    with pytest.raises(NotAllowed):
        services.update_request(draft, actor=users[persona], data={"title": "Changed"})
    assert state() == before


def test_the_destination_stays_while_stock_is_allocated(users, sending, warehouse, submitted):
    line = submitted.lines.get(item__category="medicine")
    _allocate(users, sending, warehouse, line, 100)
    before = state()
    with pytest.raises(Conflict) as raised:
        services.update_request(submitted, actor=users["coordinator"], data={"destination": warehouse})
    assert raised.value.code == "request_allocated"
    assert state() == before


# Lines and kits ---------------------------------------------------------------------------------


def test_asking_again_for_an_item_adds_to_its_line(users, draft, amoxicillin):
    first = services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=200)
    again = services.add_line(draft, actor=users["admin"], item=amoxicillin, quantity=50)
    assert again.pk == first.pk
    assert again.quantity == 250
    assert draft.lines.count() == 1
    entries = audit("supplies.request.line_added")
    assert [entry.data["line_quantity"] for entry in entries] == [200, 250]


@pytest.mark.parametrize("quantity", [0, -5, True, "5", 2.5, services.MAX_QUANTITY + 1])
def test_quantities_must_be_whole_numbers_within_bounds(users, draft, amoxicillin, quantity):
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=quantity)
    assert set(raised.value.fields) == {"quantity"}
    assert state() == before


def test_the_maximum_quantity_is_allowed_but_not_one_more_on_the_same_line(users, draft, amoxicillin):
    line = services.add_line(
        draft, actor=users["coordinator"], item=amoxicillin, quantity=services.MAX_QUANTITY
    )
    assert line.quantity == services.MAX_QUANTITY
    before = state()
    with pytest.raises(ValidationFailed):
        services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=1)
    assert state() == before


def test_an_item_no_longer_in_the_catalogue_is_refused(users, draft, amoxicillin):
    Item.objects.filter(pk=amoxicillin.pk).update(active=False)
    amoxicillin.refresh_from_db()
    with pytest.raises(ValidationFailed) as raised:
        services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=1)
    assert set(raised.value.fields) == {"item"}
    assert not draft.lines.exists()


@pytest.mark.parametrize("persona", ["member", "viewer", "host_admin", "outsider"])
def test_only_coordinators_add_lines(users, draft, amoxicillin, persona):
    with pytest.raises(NotAllowed):
        services.add_line(draft, actor=users[persona], item=amoxicillin, quantity=1)
    assert not draft.lines.exists()


def test_a_kit_expands_into_one_line_per_item_remembering_the_kit(
    users, draft, clinic_kit, amoxicillin, gloves
):
    lines = services.add_kit(draft, actor=users["coordinator"], kit=clinic_kit, count=3)
    assert {(line.item_id, line.quantity, line.kit_id) for line in lines} == {
        (amoxicillin.pk, 300, clinic_kit.pk),
        (gloves.pk, 6, clinic_kit.pk),
    }
    [entry] = audit("supplies.request.kit_added")
    assert entry.data == {"kit": "test-clinic-kit", "count": 3, "items": 2}


def test_a_kit_merges_with_a_line_already_asking_for_its_item(users, draft, clinic_kit, amoxicillin, gloves):
    services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=40)
    services.add_kit(draft, actor=users["coordinator"], kit=clinic_kit, count=2)
    merged = draft.lines.get(item=amoxicillin)
    assert merged.quantity == 240
    assert merged.kit_id is None  # it keeps where it first came from
    assert draft.lines.get(item=gloves).kit == clinic_kit
    assert draft.lines.count() == 2


def test_a_kit_count_beyond_the_maximum_writes_nothing(users, draft, clinic_kit):
    before = state()
    # 100 capsules per kit: this many kits would ask for more than any request may.
    with pytest.raises(ValidationFailed) as raised:
        services.add_kit(draft, actor=users["coordinator"], kit=clinic_kit, count=services.MAX_QUANTITY // 50)
    assert set(raised.value.fields) == {"count"}
    assert state() == before


@pytest.mark.parametrize("count", [0, -1, True, "2"])
def test_a_kit_count_must_be_a_positive_whole_number(users, draft, clinic_kit, count):
    with pytest.raises(ValidationFailed) as raised:
        services.add_kit(draft, actor=users["coordinator"], kit=clinic_kit, count=count)
    assert set(raised.value.fields) == {"count"}


def test_an_empty_kit_or_one_with_a_retired_item_is_refused(users, draft, clinic_kit, gloves):
    empty = Kit.objects.create(code="empty-kit", name="Empty")
    with pytest.raises(ValidationFailed):
        services.add_kit(draft, actor=users["coordinator"], kit=empty, count=1)
    Item.objects.filter(pk=gloves.pk).update(active=False)
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        services.add_kit(draft, actor=users["coordinator"], kit=clinic_kit, count=1)
    assert set(raised.value.fields) == {"kit"}
    assert state() == before


def test_change_line_sets_the_quantity_and_audits_before_and_after(users, draft, amoxicillin):
    line = services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=100)
    services.change_line(line, actor=users["coordinator"], quantity=80)
    line.refresh_from_db()
    assert line.quantity == 80
    [entry] = audit("supplies.request.line_changed")
    assert entry.changes == {"quantity": [100, 80]}
    services.change_line(line, actor=users["coordinator"], quantity=80)
    assert len(audit("supplies.request.line_changed")) == 1


def test_a_line_cannot_ask_for_fewer_than_is_allocated(users, sending, warehouse, submitted):
    line = submitted.lines.get(item__category="medicine")
    _allocate(users, sending, warehouse, line, 400)
    before = state()
    with pytest.raises(Conflict) as raised:
        services.change_line(line, actor=users["coordinator"], quantity=399)
    assert raised.value.code == "line_allocated"
    assert state() == before
    services.change_line(line, actor=users["coordinator"], quantity=400)


@pytest.mark.parametrize("persona", ["member", "viewer", "host_admin"])
def test_only_coordinators_change_and_remove_lines(users, draft, amoxicillin, persona):
    line = services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=100)
    before = state()
    with pytest.raises(NotAllowed):
        services.change_line(line, actor=users[persona], quantity=5)
    with pytest.raises(NotAllowed):
        services.remove_line(line, actor=users[persona])
    assert state() == before


def test_remove_line(users, draft, amoxicillin, gloves):
    line = services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=100)
    services.add_line(draft, actor=users["coordinator"], item=gloves, quantity=1)
    services.remove_line(line, actor=users["coordinator"])
    assert not RequestLine.objects.filter(pk=line.pk).exists()
    [entry] = audit("supplies.request.line_removed")
    assert entry.data == {"item": amoxicillin.code, "quantity": 100}


def test_a_line_with_allocated_stock_or_a_history_of_it_stays(users, sending, warehouse, submitted):
    line = submitted.lines.get(item__category="medicine")
    allocated = _allocate(users, sending, warehouse, line, 100)
    with pytest.raises(Conflict) as raised:
        services.remove_line(line, actor=users["coordinator"])
    assert raised.value.code == "line_allocated"
    allocation.release(allocated, actor=users["coordinator"])
    with pytest.raises(Conflict) as raised:
        services.remove_line(line, actor=users["coordinator"])
    assert raised.value.code == "line_has_history"
    assert RequestLine.objects.filter(pk=line.pk).exists()


def test_the_last_line_of_a_submitted_request_stays(users, submitted, gloves):
    services.remove_line(submitted.lines.get(item=gloves), actor=users["coordinator"])
    with pytest.raises(Conflict) as raised:
        services.remove_line(submitted.lines.get(), actor=users["coordinator"])
    assert raised.value.code == "last_line"


# Submitting -------------------------------------------------------------------------------------


def test_submit_without_lines_is_refused(users, draft):
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        services.submit_request(draft, actor=users["coordinator"])
    assert raised.value.code == "no_lines"
    assert state() == before


def test_submit_tells_the_hosts_coordinators_and_admins_on_commit(
    users, host, draft, amoxicillin, django_capture_on_commit_callbacks
):
    Membership.objects.create(user=users["viewer"], organization=host, role=Role.COORDINATOR)
    services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=600)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.submit_request(draft, actor=users["coordinator"])
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    draft.refresh_from_db()
    assert draft.status == RequestStatus.SUBMITTED
    assert draft.submitted_at is not None
    assert sorted(message.to[0] for message in mail.outbox) == [
        "host_admin@example.org",
        "viewer@example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == "Bridge Health UK requests supplies for Mbale outpatient clinic"
    assert "“Clinic medicines for the surgical camp”" in message.body
    assert "- 600 × amoxicillin 500 mg capsule" in message.body
    assert f"/supplies/requests/{draft.pk}/" in message.body
    [entry] = audit("supplies.request.submitted")
    assert entry.organization.slug == "bridge-health"
    assert entry.data == {"lines": 1}


def test_a_request_for_an_own_site_emails_nobody(
    users, sending, warehouse, amoxicillin, django_capture_on_commit_callbacks
):
    request = services.create_request(
        actor=users["coordinator"], organization=sending, data=request_data(warehouse)
    )
    services.add_line(request, actor=users["coordinator"], item=amoxicillin, quantity=5)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_request(request, actor=users["coordinator"])
    assert mail.outbox == []


def test_submit_twice_or_after_the_date_passed_is_refused(users, draft, amoxicillin):
    services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=5)
    SupplyRequest.objects.filter(pk=draft.pk).update(needed_by=in_days(-1))
    with pytest.raises(ValidationFailed) as raised:
        services.submit_request(draft, actor=users["coordinator"])
    assert set(raised.value.fields) == {"needed_by"}
    SupplyRequest.objects.filter(pk=draft.pk).update(needed_by=needed_by())
    services.submit_request(draft, actor=users["coordinator"])
    with pytest.raises(Conflict) as raised:
        services.submit_request(draft, actor=users["coordinator"])
    assert raised.value.code == "already_submitted"


@pytest.mark.parametrize("persona", ["member", "viewer", "host_admin"])
def test_only_coordinators_submit(users, draft, amoxicillin, persona, django_capture_on_commit_callbacks):
    services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=5)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
        services.submit_request(draft, actor=users[persona])
    draft.refresh_from_db()
    assert draft.status == RequestStatus.DRAFT
    assert mail.outbox == []


# Cancelling and closing -------------------------------------------------------------------------


def test_cancel_needs_a_reason(users, draft):
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        services.cancel_request(draft, actor=users["coordinator"], reason="  ")
    assert set(raised.value.fields) == {"reason"}
    assert state() == before


def test_cancel_releases_allocations_and_declines_waiting_offers(
    users, sending, warehouse, submitted, offer, django_capture_on_commit_callbacks, donor_coordinator
):
    line = submitted.lines.get(item__category="medicine")
    allocated = _allocate(users, sending, warehouse, line, 300)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_request(submitted, actor=users["admin"], reason="The camp is postponed to next year.")
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.CANCELLED
    allocated.refresh_from_db()
    assert allocated.released_at is not None
    assert StockBalance.objects.get(lot=allocated.lot, site=warehouse).reserved == 0
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert offer.decision_note == "The request was cancelled: The camp is postponed to next year."
    # The donors hear their offer is declined; the host, told of the request, that it is off.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "donor_admin@example.org",
        "donor_coordinator@example.org",
        "host_admin@example.org",
    ]
    [to_host] = [message for message in mail.outbox if message.to == ["host_admin@example.org"]]
    assert to_host.subject == f"Supply request “{submitted.title}” is cancelled"
    assert "The camp is postponed to next year." in to_host.body
    [entry] = audit("supplies.request.cancelled")
    assert entry.data == {
        "reason": "The camp is postponed to next year.",
        "released": 300,
        "offers_declined": 1,
    }


@pytest.mark.parametrize("persona", ["member", "viewer", "host_admin"])
def test_only_coordinators_cancel_and_close(users, submitted, persona):
    before = state()
    with pytest.raises(NotAllowed):
        services.cancel_request(submitted, actor=users[persona], reason="No longer needed.")
    with pytest.raises(NotAllowed):
        services.close_request(submitted, actor=users[persona], reason="No longer needed.")
    assert state() == before


def test_a_draft_is_cancelled_not_closed(users, draft):
    with pytest.raises(Conflict) as raised:
        services.close_request(draft, actor=users["coordinator"], reason="Done.")
    assert raised.value.code == "request_not_submitted"


def test_closing_a_request_not_fully_met_needs_a_reason(users, submitted):
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        services.close_request(submitted, actor=users["coordinator"])
    assert raised.value.code == "request_not_met"
    assert set(raised.value.fields) == {"reason"}
    assert state() == before
    services.close_request(
        submitted, actor=users["coordinator"], reason="The rest came from the district store."
    )
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.CLOSED
    [entry] = audit("supplies.request.closed")
    assert entry.data["fully_met"] is False
    assert entry.data["reason"] == "The rest came from the district store."


def test_a_fully_met_request_closes_without_a_reason_and_keeps_its_allocations(
    users, sending, warehouse, submitted
):
    for line in submitted.lines.all():
        _allocate(users, sending, warehouse, line, line.quantity)
    services.close_request(submitted, actor=users["coordinator"])
    assert Allocation.objects.open().filter(line__request=submitted).count() == 2
    [entry] = audit("supplies.request.closed")
    assert entry.data["fully_met"] is True
    assert entry.data["released"] == 0


def test_closing_may_release_what_is_not_shipped(users, sending, warehouse, submitted):
    line = submitted.lines.get(item__category="medicine")
    allocated = _allocate(users, sending, warehouse, line, 100)
    services.close_request(
        submitted, actor=users["coordinator"], reason="Enough for now.", release_unshipped=True
    )
    allocated.refresh_from_db()
    assert allocated.released_at is not None
    assert audit("supplies.request.closed")[0].data["released"] == 100


def test_closing_declines_waiting_offers(users, submitted, offer):
    services.close_request(submitted, actor=users["coordinator"], reason="Met by the ministry.")
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert offer.decided_by == users["coordinator"]
    assert offer.decision_note == "The request was closed: Met by the ministry."


@pytest.mark.parametrize("ending", ["cancel", "close"])
def test_nothing_changes_a_request_after_it_ends(users, submitted, amoxicillin, clinic_kit, ending):
    if ending == "cancel":
        services.cancel_request(submitted, actor=users["coordinator"], reason="Not needed.")
    else:
        services.close_request(submitted, actor=users["coordinator"], reason="Not needed.")
    line = submitted.lines.first()
    before = state()
    attempts = [
        lambda: services.update_request(submitted, actor=users["coordinator"], data={"title": "Again"}),
        lambda: services.add_line(submitted, actor=users["coordinator"], item=amoxicillin, quantity=1),
        lambda: services.add_kit(submitted, actor=users["coordinator"], kit=clinic_kit, count=1),
        lambda: services.change_line(line, actor=users["coordinator"], quantity=1),
        lambda: services.remove_line(line, actor=users["coordinator"]),
        lambda: services.submit_request(submitted, actor=users["coordinator"]),
        lambda: services.cancel_request(submitted, actor=users["coordinator"], reason="Again."),
        lambda: services.close_request(submitted, actor=users["coordinator"], reason="Again."),
        lambda: services.set_shelf_life_exception(
            submitted, actor=users["host_admin"], days=90, acknowledged_by="Dr A. Namusoke"
        ),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as raised:
            attempt()
        assert raised.value.code in ("request_closed", "request_not_submitted")
    assert state() == before


# Shelf-life exception ---------------------------------------------------------------------------


def test_the_destination_host_records_and_clears_a_shelf_life_exception(users, host, submitted, amoxicillin):
    services.set_shelf_life_exception(
        submitted, actor=users["host_admin"], days=120, acknowledged_by="Dr A. Namusoke, pharmacist"
    )
    submitted.refresh_from_db()
    assert submitted.shorter_shelf_life_days == 120
    assert submitted.shelf_life_acknowledged_by == "Dr A. Namusoke, pharmacist"
    assert submitted.minimum_shelf_life_days(amoxicillin) == 120
    [entry] = audit("supplies.request.shelf_life_exception_recorded")
    assert entry.organization == host
    services.set_shelf_life_exception(
        submitted, actor=users["host_admin"], days=None, acknowledged_by="ignored"
    )
    submitted.refresh_from_db()
    assert submitted.shorter_shelf_life_days is None
    assert submitted.shelf_life_acknowledged_by == ""
    assert len(audit("supplies.request.shelf_life_exception_cleared")) == 1


@pytest.mark.parametrize("persona", ["coordinator", "admin", "host_member", "outsider"])
def test_only_the_destination_hosts_coordinators_record_the_exception(users, submitted, persona):
    before = state()
    with pytest.raises(NotAllowed):
        services.set_shelf_life_exception(
            submitted, actor=users[persona], days=90, acknowledged_by="Dr Okello"
        )
    assert state() == before


def test_the_requester_records_the_exception_for_its_own_site(users, sending, warehouse, amoxicillin):
    request = services.create_request(
        actor=users["coordinator"], organization=sending, data=request_data(warehouse)
    )
    services.set_shelf_life_exception(
        request, actor=users["coordinator"], days=30, acknowledged_by="Pharmacist"
    )
    request.refresh_from_db()
    assert request.shorter_shelf_life_days == 30


@pytest.mark.parametrize(
    ("days", "name", "fields"),
    [
        (-1, "Dr Okello", {"days"}),
        (365, "Dr Okello", {"days"}),
        (True, "Dr Okello", {"days"}),
        (90, "  ", {"acknowledged_by"}),
        (90, "x" * 201, {"acknowledged_by"}),
    ],
)
def test_the_exception_needs_a_sensible_number_of_days_and_a_name(users, submitted, days, name, fields):
    before = state()
    with pytest.raises(ValidationFailed) as raised:
        services.set_shelf_life_exception(
            submitted, actor=users["host_admin"], days=days, acknowledged_by=name
        )
    assert set(raised.value.fields) == fields
    assert state() == before


# Fulfilment -------------------------------------------------------------------------------------


def test_fulfilment_counts_open_allocations_only(users, sending, warehouse, submitted, draft):
    line = submitted.lines.get(item__category="medicine")
    kept = _allocate(users, sending, warehouse, line, 300)
    released = _allocate(users, sending, warehouse, line, 100)
    allocation.release(released, actor=users["coordinator"])
    progress = services.fulfilment([submitted.pk])[submitted.pk]
    assert (progress.asked, progress.allocated, progress.shipped, progress.lines) == (610, 300, 0, 2)
    assert progress.percent == 49
    assert not progress.met
    assert services.line_progress([line.pk]) == {line.pk: (300, 0)}
    assert kept.quantity == 300


def test_fulfilment_of_a_request_without_lines_is_zero(draft):
    progress = services.fulfilment([draft.pk])[draft.pk]
    assert (progress.asked, progress.percent, progress.met) == (0, 0, False)


def test_destinations_missions_and_needs_offered_to_an_organisation(
    sending, host, site, warehouse, other_site, mission, host_need
):
    assert set(services.destinations_for([sending.pk])) == {site, warehouse}
    assert list(services.missions_for([sending.pk])) == [mission]
    assert list(services.needs_for([sending.pk])) == [host_need]
    assert set(services.destinations_for([host.pk])) == {site, warehouse}
