"""Helpers for the tests of the stock and catalogue areas: receiving lots, putting stock at a
site, an expired lot, an accepted donation offer, a mission, and import files."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from medmissions.organizations.models import Organization
from medmissions.supplies import imports, ledger, stock
from medmissions.supplies.choices import MovementKind, OfferStatus
from medmissions.supplies.models import DonationOffer, Item, Lot, OfferLine, StockBalance

CSV_CONTENT_TYPE = "text/csv"


def receive(actor: Any, organization: Organization, site: Any, item: Item, **overrides: Any) -> Lot:
    """A lot received through the service (100 units, procured, expiring in 2029 unless told)."""
    arguments: dict[str, Any] = {
        "actor": actor,
        "organization": organization,
        "site": site,
        "item": item,
        "lot_number": "L-1",
        "expiry_date": datetime.date(2029, 1, 31),
        "quantity": 100,
        "source": "procured",
        "unit_value": Decimal("1.50"),
    }
    arguments.update(overrides)
    lot, _movement = stock.receive_lot(**arguments)
    return lot


def put_at(lot: Lot, site: Any, quantity: int, actor: Any) -> None:
    """Stock of ``lot`` arriving at ``site`` from a shipment (the shipments area's movement)."""
    ledger.post(
        MovementKind.RECEIPT_IN,
        organization=lot.owner,
        actor=actor,
        changes=[ledger.Change(lot.pk, site.pk, on_hand=quantity)],
    )


def reserve(lot: Lot, site: Any, quantity: int, actor: Any) -> None:
    ledger.post(
        MovementKind.RESERVATION,
        organization=lot.owner,
        actor=actor,
        changes=[ledger.Change(lot.pk, site.pk, reserved=quantity)],
    )


def expired_lot(actor: Any, organization: Organization, site: Any, item: Item, quantity: int = 40) -> Lot:
    """A lot received 60 days ago that expired yesterday."""
    today = timezone.localdate()
    return receive(
        actor,
        organization,
        site,
        item,
        lot_number="OLD-1",
        expiry_date=today - datetime.timedelta(days=1),
        occurred_on=today - datetime.timedelta(days=60),
        quantity=quantity,
    )


def on_hand(lot: Lot, site: Any) -> tuple[int, int]:
    balance = StockBalance.objects.filter(lot=lot, site=site).first()
    return (balance.on_hand, balance.reserved) if balance else (0, 0)


def offer(
    donor: Organization, recipient: Organization, item: Item, status: str = OfferStatus.ACCEPTED
) -> DonationOffer:
    """A donation offer of 500 units of ``item`` in the given state (made directly: the offers
    area's services are tested there)."""
    made = DonationOffer.objects.create(donor=donor, recipient=recipient, status=status)
    OfferLine.objects.create(offer=made, item=item, quantity=500, expiry_date=datetime.date(2029, 3, 31))
    return made


def mission(users: dict[str, Any], partnership: Any, site: Any) -> Any:
    """A draft mission of the active partnership at the host's site."""
    from medmissions.missions import services
    from medmissions.volunteers.models import Specialty

    need = services.create_need(
        actor=users["host_admin"],
        author=site.host_organization,
        site=site,
        data={
            "title": "Surgical backlog",
            "description": "Two surgeons to clear the hernia backlog.",
            "earliest_start": datetime.date(2027, 4, 1),
            "latest_end": datetime.date(2027, 6, 30),
        },
        lines=[(Specialty.objects.get(slug="general-surgery"), 2)],
    )
    return services.create_mission(
        actor=users["coordinator"],
        partnership=partnership,
        site=site,
        data={
            "title": "Mbale hernia camp",
            "starts_on": datetime.date(2027, 5, 3),
            "ends_on": datetime.date(2027, 5, 17),
            "capacity": 6,
            "time_zone": "Africa/Kampala",
        },
        needs=[need],
    )


def row(**values: Any) -> dict[str, Any]:
    """One import row: a valid procured lot of the seeded amoxicillin unless told otherwise."""
    base = {
        "item_code": "amoxicillin-500mg-capsule",
        "lot_number": "AMX-1",
        "expiry_date": "2029-06-30",
        "quantity": "1000",
        "source": "procured",
        "donor": "",
        "unit_value": "0.05",
        "currency": "USD",
        "manufacturer": "Generic Pharma Ltd",
        "site": "",
        "received_on": "",
    }
    base.update({key: str(value) for key, value in values.items()})
    return base


def csv_bytes(rows: list[dict[str, Any]], header: list[str] | None = None, delimiter: str = ",") -> bytes:
    import csv

    columns = header or imports.COLUMN_NAMES
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(column, "") for column in columns])
    return text.getvalue().encode("utf-8")


def csv_upload(rows: list[dict[str, Any]], header: list[str] | None = None, name: str = "lots.csv") -> Any:
    return SimpleUploadedFile(name, csv_bytes(rows, header), content_type=CSV_CONTENT_TYPE)


def xlsx_upload(rows: list[dict[str, Any]], name: str = "lots.xlsx") -> Any:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(imports.COLUMN_NAMES)
    for values in rows:
        sheet.append([values.get(column, "") for column in imports.COLUMN_NAMES])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
