"""Helpers for the allocation tests (the fixtures ``supply_request`` and ``stocked`` are in
conftest.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from medmissions.supplies import stock

NEEDED_BY = datetime.date(2027, 3, 1)


def receive(users, sending, warehouse, item, lot_number, expiry, quantity):
    lot, _movement = stock.receive_lot(
        actor=users["coordinator"],
        organization=sending,
        site=warehouse,
        item=item,
        lot_number=lot_number,
        expiry_date=expiry,
        quantity=quantity,
        source="procured",
        unit_value=Decimal("0.05"),
    )
    return lot
