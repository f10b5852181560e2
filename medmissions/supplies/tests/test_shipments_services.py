"""Shipment services: start, pick (allocations and lots), remove, pack, send, in transit,
receive (partial, the rest, closing short) and cancel — with their effects on the ledger."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.sites.models import Site
from medmissions.supplies import allocation, ledger, shipments
from medmissions.supplies.choices import MovementKind, ShipmentStatus
from medmissions.supplies.models import (
    Allocation,
    LedgerEntry,
    Parcel,
    Shipment,
    ShipmentItem,
    StockTransaction,
)
from medmissions.supplies.tests.shipments_support import *  # noqa: F403
from medmissions.supplies.tests.shipments_support import balance, days, pack, receive_lot, today

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    """Rows that a refused request must leave as they were."""
    return (
        Shipment.objects.count(),
        ShipmentItem.objects.count(),
        Parcel.objects.count(),
        StockTransaction.objects.count(),
        LedgerEntry.objects.count(),
        AuditEntry.objects.count(),
    )


def actions(shipment) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(shipment.pk), action__startswith="supplies.shipment.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- Starting ---------------------------------------------------------------------------------------


def test_a_coordinator_starts_a_shipment_with_a_yearly_reference(
    users, sending, warehouse, clinic, donated_lot
):
    shipment = shipments.create_shipment(
        actor=users["coordinator"],
        organization=sending,
        origin=warehouse,
        destination=clinic,
        planned_arrival=days(30),
        carrier="  DHL  ",
        note=" Fragile ",
    )
    assert re.fullmatch(rf"SH-{today().year}-00001", shipment.reference)
    assert shipment.status == ShipmentStatus.PICKING
    assert (shipment.carrier, shipment.note, shipment.created_by) == ("DHL", "Fragile", users["coordinator"])
    second = shipments.create_shipment(
        actor=users["admin"],
        organization=sending,
        origin=warehouse,
        destination=clinic,
        planned_arrival=days(30),
    )
    assert second.reference.endswith("-00002")
    assert actions(shipment) == ["supplies.shipment.created"]


@pytest.mark.parametrize("persona", ["member", "viewer", "host_admin", "outsider"])
def test_only_the_senders_coordinators_start_its_shipments(
    users, sending, warehouse, clinic, donated_lot, persona
):
    before = counts()
    with pytest.raises(NotAllowed):
        shipments.create_shipment(
            actor=users[persona],
            organization=sending,
            origin=warehouse,
            destination=clinic,
            planned_arrival=days(30),
        )
    assert counts() == before


def test_a_shipment_leaves_from_where_the_stock_is_and_goes_somewhere_visible(
    users, sending, other, warehouse, clinic, donated_lot
):
    empty_depot = Site.objects.create(
        name="Empty depot", kind="warehouse", host_organization=sending, country="GB"
    )
    strangers = Site.objects.create(
        name="Nairobi clinic", kind="clinic", host_organization=other, country="KE"
    )
    cases = [
        ({"origin": empty_depot, "destination": clinic}, "origin"),
        ({"origin": warehouse, "destination": strangers}, "destination"),
        ({"origin": warehouse, "destination": warehouse}, "destination"),
        (
            {
                "origin": warehouse,
                "destination": clinic,
                "planned_arrival": today() - datetime.timedelta(days=1),
            },
            "planned_arrival",
        ),
    ]
    before = counts()
    for arguments, field in cases:
        with pytest.raises(ValidationFailed) as raised:
            shipments.create_shipment(
                actor=users["coordinator"], organization=sending, **{"planned_arrival": days(30), **arguments}
            )
        assert field in raised.value.fields, arguments
    assert counts() == before


# --- Picking ----------------------------------------------------------------------------------------


def test_an_allocation_goes_on_in_full_by_default_and_stays_reserved(
    users, shipment, allocations, donated_lot, warehouse
):
    before = balance(donated_lot, warehouse)
    item = shipments.add_allocation(shipment, allocations["amoxicillin"], actor=users["coordinator"])
    assert (item.lot, item.quantity, item.allocation) == (donated_lot, 600, allocations["amoxicillin"])
    # The allocation already reserved the units: picking it moves nothing in the ledger.
    assert balance(donated_lot, warehouse) == before == (1000, 600)
    assert actions(shipment)[-1] == "supplies.shipment.item_added"


def test_part_of_an_allocation_then_the_rest_on_the_same_line(users, shipment, allocations):
    coordinator = users["coordinator"]
    first = shipments.add_allocation(shipment, allocations["amoxicillin"], actor=coordinator, quantity=250)
    again = shipments.add_allocation(shipment, allocations["amoxicillin"], actor=coordinator)
    assert first.pk == again.pk and again.quantity == 600
    with pytest.raises(Conflict) as raised:
        shipments.add_allocation(shipment, allocations["amoxicillin"], actor=coordinator, quantity=1)
    assert raised.value.code == "allocation_shipped"


def test_units_on_another_unsent_shipment_are_not_free(
    users, sending, warehouse, clinic, shipment, allocations
):
    coordinator = users["coordinator"]
    shipments.add_allocation(shipment, allocations["amoxicillin"], actor=coordinator, quantity=400)
    other = shipments.create_shipment(
        actor=coordinator,
        organization=sending,
        origin=warehouse,
        destination=clinic,
        planned_arrival=days(50),
    )
    assert [
        row.free
        for row in shipments.open_allocations(other)
        if row.allocation.pk == allocations["amoxicillin"].pk
    ] == [200]
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        shipments.add_allocation(other, allocations["amoxicillin"], actor=coordinator, quantity=201)
    assert raised.value.fields == {"quantity": raised.value.message}
    assert "200" in raised.value.message
    assert counts() == before
    assert shipments.add_allocation(other, allocations["amoxicillin"], actor=coordinator).quantity == 200


def test_an_allocation_for_elsewhere_or_from_elsewhere_is_refused(
    users, sending, warehouse, clinic, allocations, host, active_partnership
):
    coordinator = users["coordinator"]
    ward = Site.objects.create(
        name="Mbale surgical ward", kind="hospital", host_organization=host, country="UG"
    )
    to_the_ward = shipments.create_shipment(
        actor=coordinator, organization=sending, origin=warehouse, destination=ward, planned_arrival=days(30)
    )
    with pytest.raises(ValidationFailed) as raised:
        shipments.add_allocation(to_the_ward, allocations["amoxicillin"], actor=coordinator)
    assert raised.value.code == "wrong_allocation"
    assert shipments.open_allocations(to_the_ward) == []


def test_a_released_allocation_cannot_be_shipped(users, shipment, allocations):
    allocation.release(allocations["gloves"], actor=users["coordinator"])
    with pytest.raises(Conflict) as raised:
        shipments.add_allocation(shipment, allocations["gloves"], actor=users["coordinator"])
    assert raised.value.code == "released"


def test_shelf_life_is_checked_at_the_planned_arrival(
    users, sending, warehouse, clinic, host_request, amoxicillin
):
    coordinator = users["coordinator"]
    # Enough shelf life for the request's date (60 days from now), not for a later arrival.
    short = receive_lot(
        coordinator, sending, warehouse, amoxicillin, "AMX-SHORT", quantity=100, expiry=days(60 + 370)
    )
    line = host_request.lines.get(item=amoxicillin)
    allocated = allocation.allocate(line, short, warehouse, actor=coordinator, quantity=100)
    late = shipments.create_shipment(
        actor=coordinator,
        organization=sending,
        origin=warehouse,
        destination=clinic,
        planned_arrival=days(90),
    )
    with pytest.raises(ValidationFailed) as raised:
        shipments.add_allocation(late, allocated, actor=coordinator)
    assert raised.value.code == "short_shelf_life"
    with pytest.raises(ValidationFailed):
        shipments.add_lot(late, short, actor=coordinator, quantity=1)
    # The host's professional accepts a shorter shelf life (WHO article 6 exception): now it may go.
    from medmissions.supplies import services

    services.set_shelf_life_exception(
        host_request, actor=users["host_admin"], days=300, acknowledged_by="Dr Namono, pharmacist"
    )
    assert shipments.add_allocation(late, allocated, actor=coordinator).quantity == 100


def test_a_lot_picked_without_allocation_is_reserved_at_once(users, shipment, gloves_lot, warehouse):
    item = shipments.add_lot(shipment, gloves_lot, actor=users["coordinator"], quantity=30)
    assert (item.quantity, item.allocation) == (30, None)
    assert balance(gloves_lot, warehouse) == (200, 30)
    again = shipments.add_lot(shipment, gloves_lot, actor=users["coordinator"], quantity=5)
    assert again.pk == item.pk and again.quantity == 35
    assert balance(gloves_lot, warehouse) == (200, 35)
    movements = StockTransaction.objects.filter(shipment=shipment).values_list("kind", flat=True)
    assert list(movements) == [MovementKind.RESERVATION, MovementKind.RESERVATION]
    assert ledger.mismatched_balances() == []


def test_picking_a_lot_refuses_what_is_not_available(users, shipment, gloves_lot, allocations, donor):
    coordinator = users["coordinator"]
    before = counts()
    # 200 on hand, 20 reserved for the gloves allocation: 180 available.
    with pytest.raises(ValidationFailed) as raised:
        shipments.add_lot(shipment, gloves_lot, actor=coordinator, quantity=181)
    assert raised.value.code == "insufficient_stock"
    for bad in (0, -3, True, "5"):
        with pytest.raises(ValidationFailed):
            shipments.add_lot(shipment, gloves_lot, actor=coordinator, quantity=bad)
    assert counts() == before


def test_only_the_senders_own_lots_are_picked(users, shipment, host, clinic, gloves):
    hosts_lot = receive_lot(users["host_admin"], host, clinic, gloves, "HOST-1", quantity=10)
    with pytest.raises(ValidationFailed) as raised:
        shipments.add_lot(shipment, hosts_lot, actor=users["coordinator"], quantity=1)
    assert raised.value.code == "not_owner"


@pytest.mark.parametrize("persona", ["member", "viewer", "host_admin"])
def test_only_the_senders_coordinators_pick(users, shipment, allocations, gloves_lot, persona):
    before = counts()
    with pytest.raises(NotAllowed):
        shipments.add_allocation(shipment, allocations["gloves"], actor=users[persona])
    with pytest.raises(NotAllowed):
        shipments.add_lot(shipment, gloves_lot, actor=users[persona], quantity=1)
    assert counts() == before


def test_removing_an_item_gives_back_what_picking_reserved(
    users, shipment, allocations, gloves_lot, warehouse
):
    coordinator = users["coordinator"]
    from_allocation = shipments.add_allocation(shipment, allocations["gloves"], actor=coordinator)
    picked_lot = shipments.add_lot(shipment, gloves_lot, actor=coordinator, quantity=15)
    assert balance(gloves_lot, warehouse) == (200, 35)
    shipments.remove_item(picked_lot, actor=coordinator)
    assert balance(gloves_lot, warehouse) == (200, 20)
    shipments.remove_item(from_allocation, actor=coordinator)
    # The allocation keeps its reservation for the request.
    assert balance(gloves_lot, warehouse) == (200, 20)
    assert not shipment.items.exists()
    assert actions(shipment).count("supplies.shipment.item_removed") == 2
    assert ledger.mismatched_balances() == []


def test_removing_from_a_packed_shipment_reopens_picking(users, packed, picked):
    shipment = shipments.remove_item(picked[1], actor=users["coordinator"])
    assert shipment.status == ShipmentStatus.PICKING
    # The gloves' parcel is gone; the capsules' parcel waits to be packed again.
    assert list(shipment.parcels.values_list("number", flat=True)) == [1]


# --- Packing ----------------------------------------------------------------------------------------


def test_packing_numbers_the_parcels_and_tells_the_host(
    users, shipment, picked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        packed = pack(shipment, picked, users["coordinator"])
    assert packed.status == ShipmentStatus.PACKED and packed.packed_at is not None
    parcels = list(packed.parcels.order_by("number"))
    assert [(p.number, p.weight_kg, p.description) for p in parcels] == [
        (1, Decimal("12.50"), "Amoxicillin, keep dry"),
        (2, Decimal("30.00"), "Gloves"),
    ]
    medicine, gloves = (ShipmentItem.objects.get(pk=item.pk) for item in picked)
    assert (medicine.parcel, gloves.parcel) == (parcels[0], parcels[1])
    # WHO article 10: the receiving organisation's coordinators hear what is coming.
    assert sorted(message.to[0] for message in mail.outbox) == ["host_admin@example.org"]
    notice = mail.outbox[0]
    assert packed.reference in notice.subject
    assert "AMX-2401" in notice.body and f"/supplies/shipments/{packed.pk}/" in notice.body
    # Packing again replaces the list and does not tell the host twice.
    with django_capture_on_commit_callbacks(execute=True):
        shipments.pack(
            packed,
            actor=users["coordinator"],
            parcels=[
                shipments.ParcelPlan(Decimal("12"), [medicine.pk]),
                shipments.ParcelPlan(Decimal("29"), [gloves.pk]),
            ],
        )
    assert list(packed.parcels.values_list("weight_kg", flat=True)) == [Decimal("12.00"), Decimal("29.00")]
    assert len(mail.outbox) == 1


def plan(weight, *items, description=""):
    return shipments.ParcelPlan(Decimal(weight), [item.pk for item in items], description)


@pytest.mark.parametrize(
    ("layout", "code"),
    [
        (lambda m, g: [plan("51", m), plan("10", g)], "parcel_too_heavy"),
        (lambda m, g: [plan("20", m, g)], "mixed_parcel"),
        (lambda m, g: [plan("10", m), plan("10", m, g)], "item_in_two_parcels"),
        (lambda m, g: [plan("10", m)], "unpacked_items"),
        (lambda m, g: [plan("10", m), plan("10", g), plan("3")], "empty_parcel"),
        (lambda m, g: [plan("0", m), plan("10", g)], "invalid_weight"),
        (lambda m, g: [], "no_parcels"),
    ],
)
def test_packing_follows_article_9(users, shipment, picked, layout, code, django_capture_on_commit_callbacks):
    before = counts()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as raised:
        shipments.pack(shipment, actor=users["coordinator"], parcels=layout(*picked))
    assert raised.value.code == code
    assert counts() == before
    assert mail.outbox == []


def test_heavy_parcels_of_other_supplies_are_fine(users, shipment, picked, settings):
    medicine, gloves = picked
    shipments.pack(shipment, actor=users["coordinator"], parcels=[plan("50", medicine), plan("80", gloves)])
    settings.SUPPLIES_MAX_PARCEL_KG = 10
    with pytest.raises(ValidationFailed) as raised:
        shipments.pack(
            shipment, actor=users["coordinator"], parcels=[plan("11", medicine), plan("80", gloves)]
        )
    assert raised.value.code == "parcel_too_heavy"


def test_an_item_of_another_shipment_cannot_be_packed(
    users, sending, warehouse, clinic, shipment, picked, gloves_lot
):
    other = shipments.create_shipment(
        actor=users["coordinator"],
        organization=sending,
        origin=warehouse,
        destination=clinic,
        planned_arrival=days(20),
    )
    foreign = shipments.add_lot(other, gloves_lot, actor=users["coordinator"], quantity=1)
    medicine, gloves = picked
    with pytest.raises(ValidationFailed) as raised:
        shipments.pack(
            shipment, actor=users["coordinator"], parcels=[plan("5", medicine), plan("5", gloves, foreign)]
        )
    assert raised.value.code == "unknown_item"


def test_nothing_to_pack(users, shipment):
    with pytest.raises(ValidationFailed) as raised:
        shipments.pack(shipment, actor=users["coordinator"], parcels=[])
    assert raised.value.code == "nothing_to_pack"


# --- Sending and transit ----------------------------------------------------------------------------


def test_sending_takes_the_stock_off_hand_at_the_origin(
    users, packed, donated_lot, gloves_lot, warehouse, allocations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipments.send(
            packed,
            actor=users["coordinator"],
            sent_on=today(),
            carrier="Kampala Freight",
            tracking_reference=" TRK-9 ",
        )
    assert (shipment.status, shipment.sent_on, shipment.tracking_reference) == (
        ShipmentStatus.SENT,
        today(),
        "TRK-9",
    )
    # Reserved at allocation, shipped out now: 1000 - 600 and 200 - 20, nothing reserved left.
    assert balance(donated_lot, warehouse) == (400, 0)
    assert balance(gloves_lot, warehouse) == (180, 0)
    assert [allocation.shipped for allocation in Allocation.objects.order_by("pk")] == [600, 20]
    assert all(allocation.outstanding == 0 for allocation in Allocation.objects.all())
    out = StockTransaction.objects.get(shipment=shipment, kind=MovementKind.SHIPMENT_OUT)
    assert sorted(out.entries.values_list("on_hand_change", "reserved_change")) == [(-600, -600), (-20, -20)]
    assert ledger.mismatched_balances() == []
    assert [message.to[0] for message in mail.outbox] == ["host_admin@example.org"]
    assert "TRK-9" in mail.outbox[0].body
    # Everything shipped: nothing of these allocations is open for another shipment.
    assert shipments.open_allocations(shipment) == []


def test_sending_a_lot_picked_without_allocation(users, shipment, gloves_lot, warehouse):
    item = shipments.add_lot(shipment, gloves_lot, actor=users["coordinator"], quantity=40)
    shipments.pack(shipment, actor=users["coordinator"], parcels=[plan("8", item)])
    shipments.send(shipment, actor=users["coordinator"])
    assert balance(gloves_lot, warehouse) == (160, 0)
    assert ledger.mismatched_balances() == []


def test_sending_is_refused_when_not_packed_in_the_future_or_by_others(users, shipment, picked, packed):
    before = counts()
    with pytest.raises(ValidationFailed):
        shipments.send(packed, actor=users["coordinator"], sent_on=today() + datetime.timedelta(days=1))
    with pytest.raises(NotAllowed):
        shipments.send(packed, actor=users["host_admin"])
    with pytest.raises(NotAllowed):
        shipments.send(packed, actor=users["member"])
    assert counts() == before
    shipments.remove_item(picked[1], actor=users["coordinator"])
    with pytest.raises(Conflict) as raised:
        shipments.send(packed, actor=users["coordinator"])
    assert raised.value.code == "wrong_status"


def test_in_transit_after_sending(users, sent):
    with pytest.raises(NotAllowed):
        shipments.mark_in_transit(sent, actor=users["host_admin"])
    shipment = shipments.mark_in_transit(sent, actor=users["coordinator"], tracking_reference="TRK-2")
    assert shipment.status == ShipmentStatus.IN_TRANSIT and shipment.in_transit_at is not None
    assert shipment.tracking_reference == "TRK-2"
    with pytest.raises(Conflict):
        shipments.mark_in_transit(shipment, actor=users["coordinator"])
    assert actions(shipment)[-2:] == ["supplies.shipment.sent", "supplies.shipment.in_transit"]


# --- Receiving --------------------------------------------------------------------------------------


def test_partial_receipt_then_the_rest(
    users, sent, picked, donated_lot, gloves_lot, clinic, warehouse, django_capture_on_commit_callbacks
):
    medicine, gloves = picked
    host_admin = users["host_admin"]
    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipments.receive(sent, actor=host_admin, quantities={medicine.pk: 400, gloves.pk: 20})
    assert shipment.status == ShipmentStatus.PARTLY_RECEIVED
    assert balance(donated_lot, clinic) == (400, 0)
    assert balance(gloves_lot, clinic) == (20, 0)
    assert mail.outbox == []  # the sender hears once the receipt is complete
    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipments.receive(
            shipment, actor=host_admin, quantities={medicine.pk: 200}, note="Second van."
        )
    assert shipment.status == ShipmentStatus.RECEIVED
    assert (shipment.received_by, shipment.received_on, shipment.receipt_note) == (
        host_admin,
        today(),
        "Second van.",
    )
    assert balance(donated_lot, clinic) == (600, 0)
    assert balance(donated_lot, warehouse) == (400, 0)
    assert list(ShipmentItem.objects.order_by("pk").values_list("received_quantity", flat=True)) == [600, 20]
    # The lot is still the sender's, now held at the clinic: the donor follows it end to end.
    assert donated_lot.balances.count() == 2
    kinds = list(
        StockTransaction.objects.filter(shipment=shipment).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds == [MovementKind.SHIPMENT_OUT, MovementKind.RECEIPT_IN, MovementKind.RECEIPT_IN]
    assert ledger.mismatched_balances() == []
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@example.org",
        "coordinator@example.org",
    ]
    assert f"/supplies/shipments/{shipment.pk}/" in mail.outbox[0].body
    with pytest.raises(Conflict):
        shipments.receive(shipment, actor=host_admin, quantities={medicine.pk: 0}, close=True)


def test_closing_short_needs_a_note(
    users, sent, picked, donated_lot, clinic, django_capture_on_commit_callbacks
):
    medicine, _gloves = picked
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        shipments.receive(sent, actor=users["host_admin"], quantities={medicine.pk: 590}, close=True)
    assert raised.value.fields == {"note": "Required."}
    assert "30 units" in raised.value.message
    assert counts() == before
    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipments.receive(
            sent,
            actor=users["host_admin"],
            quantities={medicine.pk: 590},
            close=True,
            note="Ten capsules crushed; gloves lost.",
        )
    assert shipment.status == ShipmentStatus.RECEIVED
    assert balance(donated_lot, clinic) == (590, 0)
    assert "30 units did not arrive" in mail.outbox[-1].body
    assert ledger.mismatched_balances() == []
    entry = AuditEntry.objects.filter(action="supplies.shipment.received").get()
    assert (entry.data["missing"], entry.data["closed"], entry.organization_id) == (
        30,
        True,
        shipment.destination.host_organization_id,
    )


def test_quantities_beyond_what_was_sent_are_refused(users, sent, picked):
    medicine, _gloves = picked
    host_admin = users["host_admin"]
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        shipments.receive(sent, actor=host_admin, quantities={medicine.pk: 601})
    assert raised.value.code == "too_many_received"
    assert raised.value.fields == {f"item_{medicine.pk}": raised.value.message}
    shipments.receive(sent, actor=host_admin, quantities={medicine.pk: 500})
    with pytest.raises(ValidationFailed) as raised:
        shipments.receive(sent, actor=host_admin, quantities={medicine.pk: 101})
    assert "Only 100 units" in raised.value.message
    for bad in ({medicine.pk: -1}, {999_999: 1}, {}):
        with pytest.raises(ValidationFailed):
            shipments.receive(sent, actor=host_admin, quantities=bad)
    assert counts()[:3] == before[:3]


def test_the_date_received_lies_between_sending_and_today(users, sent, picked):
    medicine, _gloves = picked
    for day in (today() + datetime.timedelta(days=1), today() - datetime.timedelta(days=1)):
        with pytest.raises(ValidationFailed) as raised:
            shipments.receive(sent, actor=users["host_admin"], quantities={medicine.pk: 1}, received_on=day)
        assert "received_on" in raised.value.fields


@pytest.mark.parametrize("persona", ["coordinator", "admin", "member", "host_member", "outsider"])
def test_only_the_destinations_host_confirms_receipt(users, sent, picked, persona):
    before = counts()
    with pytest.raises(NotAllowed):
        shipments.receive(sent, actor=users[persona], quantities={picked[0].pk: 1})
    assert counts() == before


def test_before_sending_nothing_can_be_received(users, packed, picked):
    with pytest.raises(Conflict):
        shipments.receive(packed, actor=users["host_admin"], quantities={picked[0].pk: 1})


def test_the_sender_receives_at_a_site_of_its_own(
    users, sending, warehouse, gloves_lot, django_capture_on_commit_callbacks
):
    coordinator = users["coordinator"]
    field_store = Site.objects.create(
        name="Field store", kind="warehouse", host_organization=sending, country="UG"
    )
    shipment = shipments.create_shipment(
        actor=coordinator,
        organization=sending,
        origin=warehouse,
        destination=field_store,
        planned_arrival=days(10),
    )
    item = shipments.add_lot(shipment, gloves_lot, actor=coordinator, quantity=50)
    with django_capture_on_commit_callbacks(execute=True):
        shipments.pack(shipment, actor=coordinator, parcels=[plan("9", item)])
        shipments.send(shipment, actor=coordinator)
        shipments.mark_in_transit(shipment, actor=coordinator)
        shipment = shipments.receive(shipment, actor=users["admin"], quantities={item.pk: 50})
    assert shipment.status == ShipmentStatus.RECEIVED
    assert balance(gloves_lot, field_store) == (50, 0) and balance(gloves_lot, warehouse) == (150, 0)
    assert mail.outbox == []
    assert ledger.mismatched_balances() == []


def test_allowed_actions_follow_the_status_and_the_role(users, shipment, picked):
    coordinator, host_admin = users["coordinator"], users["host_admin"]
    assert shipments.allowed_actions(coordinator, shipment) == {"add", "remove", "cancel", "pack"}
    assert shipments.allowed_actions(users["viewer"], shipment) == set()
    shipment = pack(shipment, picked, coordinator)
    assert shipments.allowed_actions(coordinator, shipment) == {"remove", "pack", "send", "cancel"}
    shipment = shipments.send(shipment, actor=coordinator)
    assert shipments.allowed_actions(coordinator, shipment) == {"in_transit"}
    assert shipments.allowed_actions(host_admin, shipment) == {"receive"}
    assert shipments.allowed_actions(users["host_member"], shipment) == set()


# --- Cancelling -------------------------------------------------------------------------------------


def test_cancelling_releases_picked_lots_and_keeps_allocations(
    users, shipment, allocations, gloves_lot, warehouse, django_capture_on_commit_callbacks
):
    coordinator = users["coordinator"]
    shipments.add_allocation(shipment, allocations["gloves"], actor=coordinator)
    shipments.add_lot(shipment, gloves_lot, actor=coordinator, quantity=30)
    assert balance(gloves_lot, warehouse) == (200, 50)
    with pytest.raises(ValidationFailed):
        shipments.cancel(shipment, actor=coordinator, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipments.cancel(shipment, actor=coordinator, reason="The road is closed.")
    assert (shipment.status, shipment.cancelled_reason) == (ShipmentStatus.CANCELLED, "The road is closed.")
    assert balance(gloves_lot, warehouse) == (200, 20)
    assert mail.outbox == []  # never packed: the host was never told
    assert ledger.mismatched_balances() == []
    # The allocation is free for another shipment.
    assert allocations["gloves"].pk in [row.allocation.pk for row in shipments.open_allocations(shipment)]
    with pytest.raises(Conflict):
        shipments.add_lot(shipment, gloves_lot, actor=coordinator, quantity=1)


def test_cancelling_a_packed_shipment_tells_the_host(users, packed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        shipments.cancel(packed, actor=users["admin"], reason="Customs papers missing.")
    assert [message.to[0] for message in mail.outbox] == ["host_admin@example.org"]
    assert "Customs papers missing." in mail.outbox[0].body


def test_a_sent_shipment_cannot_be_cancelled(users, sent):
    with pytest.raises(Conflict):
        shipments.cancel(sent, actor=users["coordinator"], reason="Too late.")
    with pytest.raises(NotAllowed):
        shipments.cancel(sent, actor=users["member"], reason="Not mine to cancel.")


def test_the_whole_journey_keeps_the_ledger_sound(
    users, shipment, allocations, gloves_lot, donated_lot, warehouse, clinic
):
    coordinator = users["coordinator"]
    medicine = shipments.add_allocation(shipment, allocations["amoxicillin"], actor=coordinator, quantity=300)
    extra = shipments.add_lot(shipment, gloves_lot, actor=coordinator, quantity=60)
    shipments.pack(shipment, actor=coordinator, parcels=[plan("6", medicine), plan("12", extra)])
    shipments.send(shipment, actor=coordinator)
    shipments.mark_in_transit(shipment, actor=coordinator)
    shipments.receive(shipment, actor=users["host_admin"], quantities={medicine.pk: 300, extra.pk: 60})
    assert balance(donated_lot, warehouse) == (700, 300)  # the rest of the allocation is still reserved
    assert balance(donated_lot, clinic) == (300, 0)
    assert balance(gloves_lot, warehouse) == (140, 20)
    assert balance(gloves_lot, clinic) == (60, 0)
    assert Allocation.objects.get(pk=allocations["amoxicillin"].pk).outstanding == 300
    assert ledger.mismatched_balances() == []


def test_a_senders_own_request_for_the_hosts_site(
    users, sending, warehouse, clinic, supply_request, stocked, django_capture_on_commit_callbacks
):
    """The usual mission case: sending asked for supplies at the host's clinic and ships them."""
    coordinator = users["coordinator"]
    line = supply_request.lines.get(item__category="medicine")
    allocated = allocation.allocate(line, stocked["late"], warehouse, actor=coordinator, quantity=600)
    shipment = shipments.create_shipment(
        actor=coordinator,
        organization=sending,
        origin=warehouse,
        destination=clinic,
        planned_arrival=days(40),
    )
    assert [row.free for row in shipments.open_allocations(shipment)] == [600]
    item = shipments.add_allocation(shipment, allocated, actor=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        shipments.pack(shipment, actor=coordinator, parcels=[plan("14", item)])
        shipments.send(shipment, actor=coordinator)
        shipment = shipments.receive(shipment, actor=users["host_admin"], quantities={item.pk: 600})
    assert shipment.status == ShipmentStatus.RECEIVED
    assert balance(stocked["late"], clinic) == (600, 0)
    assert balance(stocked["late"], warehouse) == (400, 0)
    told = sorted(
        (message.to[0], message.subject) for message in mail.outbox if shipment.reference in message.subject
    )
    reference = shipment.reference
    assert told == [
        ("admin@example.org", f"Shipment {reference} received"),
        ("coordinator@example.org", f"Shipment {reference} received"),
        ("host_admin@example.org", f"Shipment {reference} has been sent"),
        ("host_admin@example.org", f"Shipment {reference} is packed for Mbale outpatient clinic"),
    ]
    assert ledger.mismatched_balances() == []
