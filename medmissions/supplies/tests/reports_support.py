"""Helpers for the reports tests: receiving lots, reserving units, a mission at the host's site,
and the donor's journey (receipt → shipment → receipt at the host's clinic → consumption →
hand-over → the host's copy of the lot → its consumption, plus an adjustment and a write-off at
the depot).

Services check dates against the real today, so fixtures use dates relative to it; the report
functions take ``today`` and tests move it forward to see lots expire.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from medmissions.missions import services as mission_services
from medmissions.supplies import ledger, shipments, stock
from medmissions.supplies.choices import MovementKind
from medmissions.supplies.models import Lot, Shipment
from medmissions.volunteers.models import Specialty


def today() -> datetime.date:
    return timezone.localdate()


def days(count: int) -> datetime.date:
    return today() + datetime.timedelta(days=count)


def receive(
    actor: Any,
    organization: Any,
    site: Any,
    item: Any,
    lot_number: str,
    expiry: datetime.date | None,
    quantity: int,
    *,
    donor: Any = None,
    unit_value: str = "0.05",
) -> Lot:
    lot, _movement = stock.receive_lot(
        actor=actor,
        organization=organization,
        site=site,
        item=item,
        lot_number=lot_number,
        expiry_date=expiry,
        quantity=quantity,
        source="donated" if donor is not None else "procured",
        donor=donor,
        unit_value=Decimal(unit_value),
    )
    return lot


def reserve(actor: Any, lot: Lot, site: Any, quantity: int) -> None:
    """Reserve units as an accepted allocation would (the ledger primitive, for brevity)."""
    ledger.post(
        MovementKind.RESERVATION,
        organization=lot.owner,
        actor=actor,
        changes=[ledger.Change(lot.pk, site.pk, reserved=quantity)],
    )


def make_mission(users: Any, partnership: Any, site: Any) -> Any:
    need = mission_services.create_need(
        actor=users["host_admin"],
        author=site.host_organization,
        site=site,
        data={
            "title": "Outpatient clinic support",
            "description": "Clinicians and medicines for the outpatient clinic.",
            "national_plan_reference": "Uganda Health Sector Development Plan",
            "earliest_start": days(30),
            "latest_end": days(120),
        },
        lines=[(Specialty.objects.get(slug="general-surgery"), 1)],
    )
    return mission_services.create_mission(
        actor=users["coordinator"],
        partnership=partnership,
        site=site,
        data={
            "title": "Mbale outpatient camp",
            "starts_on": days(40),
            "ends_on": days(50),
            "capacity": 4,
            "time_zone": "Africa/Kampala",
        },
        needs=[need],
    )


def ship(actor: Any, receiver: Any, lot: Lot, origin: Any, destination: Any, quantity: int) -> Shipment:
    """Pick, pack, send and receive ``quantity`` units of ``lot`` in one shipment."""
    shipment = shipments.create_shipment(
        actor=actor,
        organization=lot.owner,
        origin=origin,
        destination=destination,
        planned_arrival=days(7),
    )
    item = shipments.add_lot(shipment, lot, actor=actor, quantity=quantity)
    shipments.pack(shipment, actor=actor, parcels=[shipments.ParcelPlan(Decimal("12"), [item.pk])])
    shipments.send(shipment, actor=actor)
    return shipments.receive(shipment, actor=receiver, quantities={item.pk: quantity})


@dataclass
class Journey:
    lot: Lot
    copy: Lot
    shipment: Shipment
    mission: Any


def donor_journey(users: Any, lot: Lot, warehouse: Any, site: Any, partnership: Any) -> Journey:
    """The fixture ``lot`` (1,000 capsules donated, at the depot) travels:

    600 shipped to the host's clinic and received there; 100 consumed there; 400 handed over to
    the host for a mission (the host's copy of the lot), of which the host uses 50; at the depot
    10 are lost (damaged) and 5 written off. Left: 385 at the depot, 100 of the sender's lot and
    350 of the host's copy at the clinic.
    """
    coordinator = users["coordinator"]
    shipment = ship(coordinator, users["host_admin"], lot, warehouse, site, 600)
    stock.consume(lot, site, actor=coordinator, quantity=100)
    mission = make_mission(users, partnership, site)
    copy, _movement = stock.hand_over(lot, site, actor=coordinator, quantity=400, mission=mission)
    stock.consume(copy, site, actor=users["host_member"], quantity=50)
    stock.adjust(lot, warehouse, actor=coordinator, change=-10, reason="damaged")
    # The write-off service only takes lots already past expiry; the ledger records it the same way.
    ledger.post(
        MovementKind.EXPIRY_WRITE_OFF,
        organization=lot.owner,
        actor=coordinator,
        changes=[ledger.Change(lot.pk, warehouse.pk, on_hand=-5)],
    )
    return Journey(lot=lot, copy=copy, shipment=shipment, mission=mission)
