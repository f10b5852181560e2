"""The stock ledger: the one way quantities change.

:func:`post` writes one :class:`StockTransaction` with its :class:`LedgerEntry` lines and moves
the matching :class:`StockBalance` rows by the same amounts, in the caller's database
transaction. It is the primitive under the services (which check who may do what); nothing
else writes balances.

Sign rules per kind (``on_hand`` / ``reserved`` change of each line):

============================  ===================  =====================================
kind                          on hand              reserved
============================  ===================  =====================================
receipt, receipt_in           > 0                  0
reservation                   0                    > 0
release                       0                    < 0
shipment_out, consumption,    < 0                  ≤ 0 and ≥ the on-hand change (only
expiry_write_off                                   what leaves can stop being reserved)
adjustment                    ≠ 0                  ≤ 0 and ≥ the on-hand change
handover                      ≠ 0 (out of the      ≤ 0 on the lines going out, 0 on the
                              owner's lot, into    lines coming in
                              the host's lot)
============================  ===================  =====================================

After the change every balance must keep ``0 ≤ reserved ≤ on_hand``: a movement that would
take more than is available fails with a message naming the lot, the site and the quantities,
and nothing is written. Concurrency: the balance rows are locked (``SELECT … FOR UPDATE``, in
primary-key order so that two movements never wait on each other crosswise) before they are
read, and the database's check constraints are the last line of defence.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.core.errors import ValidationFailed
from medmissions.supplies.choices import MovementKind
from medmissions.supplies.models import LedgerEntry, Lot, StockBalance, StockTransaction

# Largest number of ids in one IN (…) list, well within SQLite's and PostgreSQL's limits.
_CHUNK = 900


@dataclass(frozen=True, slots=True)
class Change:
    """A change of one lot's quantities at one site."""

    lot_id: int
    site_id: int
    on_hand: int = 0
    reserved: int = 0


_ARRIVING = {MovementKind.RECEIPT, MovementKind.RECEIPT_IN}
_LEAVING = {MovementKind.SHIPMENT_OUT, MovementKind.CONSUMPTION, MovementKind.EXPIRY_WRITE_OFF}


def _check_signs(kind: str, change: Change) -> None:
    on_hand, reserved = change.on_hand, change.reserved
    if kind in _ARRIVING:
        valid = on_hand > 0 and reserved == 0
    elif kind == MovementKind.RESERVATION:
        valid = on_hand == 0 and reserved > 0
    elif kind == MovementKind.RELEASE:
        valid = on_hand == 0 and reserved < 0
    elif kind in _LEAVING:
        valid = on_hand < 0 and on_hand <= reserved <= 0
    elif kind == MovementKind.ADJUSTMENT:
        valid = on_hand != 0 and min(on_hand, 0) <= reserved <= 0
    elif kind == MovementKind.HANDOVER:
        valid = on_hand != 0 and (reserved == 0 if on_hand > 0 else on_hand <= reserved <= 0)
    else:
        valid = False
    if not valid:
        raise ValidationFailed(
            _("A %(kind)s cannot change stock by %(on_hand)+d on hand and %(reserved)+d reserved.")
            % {"kind": MovementKind(kind).label, "on_hand": on_hand, "reserved": reserved},
            code="invalid_movement",
        )


def _merge(changes: Iterable[Change]) -> dict[tuple[int, int], list[int]]:
    merged: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for change in changes:
        total = merged[(change.lot_id, change.site_id)]
        total[0] += change.on_hand
        total[1] += change.reserved
    return merged


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _lock_balances(
    keys: Sequence[tuple[int, int]], create: set[tuple[int, int]]
) -> dict[tuple[int, int], Any]:
    """Lock (and where needed create) the balance rows of ``keys``; missing rows count as zero."""
    if create:
        StockBalance.objects.bulk_create(
            [StockBalance(lot_id=lot_id, site_id=site_id) for lot_id, site_id in sorted(create)],
            ignore_conflicts=True,
        )
    wanted = set(keys)
    lot_ids = sorted({lot_id for lot_id, _site in keys})
    site_ids = sorted({site_id for _lot, site_id in keys})
    found: dict[tuple[int, int], Any] = {}
    for lot_chunk in _chunks(lot_ids):
        rows = (
            StockBalance.objects.select_for_update()
            .filter(lot_id__in=lot_chunk, site_id__in=site_ids)
            .order_by("pk")
        )
        for balance in rows:
            key = (balance.lot_id, balance.site_id)
            if key in wanted:
                found[key] = balance
    return found


def _shortfall_message(lot: Lot, site_name: str, balance: Any, on_hand: int, reserved: int) -> str:
    """Why (lot, site) cannot take this change, in the terms a storekeeper uses."""
    held = balance.on_hand if balance is not None else 0
    promised = balance.reserved if balance is not None else 0
    names = {"lot": lot, "site": site_name}
    if held == 0 and on_hand < 0:
        return _("There is no stock of lot %(lot)s at %(site)s.") % names
    if held + on_hand < 0:
        return _("Only %(on_hand)s of lot %(lot)s are at %(site)s; this movement takes %(taken)s.") % {
            **names,
            "on_hand": held,
            "taken": -on_hand,
        }
    if promised + reserved < 0:
        return _(
            "Only %(reserved)s of lot %(lot)s are reserved at %(site)s; this movement releases %(released)s."
        ) % {**names, "reserved": promised, "released": -reserved}
    # What the movement takes from the unreserved part: reserving, or leaving without a reservation.
    return _(
        "Only %(available)s of lot %(lot)s are available at %(site)s (%(reserved)s more are reserved); "
        "this movement needs %(needed)s."
    ) % {**names, "available": held - promised, "reserved": promised, "needed": reserved - on_hand}


@transaction.atomic
def post(
    kind: str,
    *,
    organization: Any,
    actor: Any,
    changes: Sequence[Change],
    occurred_on: datetime.date | None = None,
    reason: str = "",
    note: str = "",
    request: Any = None,
    mission: Any = None,
    recipient: Any = None,
    shipment: Any = None,
) -> StockTransaction:
    """Record one movement and move the balances; raises ValidationFailed and writes nothing
    when a sign rule is broken or a balance would go negative or below its reservations."""
    if not changes:
        raise ValidationFailed(_("A stock movement needs at least one line."), code="empty_movement")
    for change in changes:
        _check_signs(kind, change)
    if kind == MovementKind.ADJUSTMENT and not reason:
        raise ValidationFailed(
            _("An adjustment needs a reason."), code="reason_required", fields={"reason": _("Required.")}
        )
    merged = _merge(changes)
    keys = sorted(merged)
    creating = {key for key, (on_hand, _reserved) in merged.items() if on_hand > 0}
    balances = _lock_balances(keys, creating)

    problems: list[tuple[tuple[int, int], Any, int, int]] = []
    for key in keys:
        on_hand, reserved = merged[key]
        balance = balances.get(key)
        new_on_hand = (balance.on_hand if balance else 0) + on_hand
        new_reserved = (balance.reserved if balance else 0) + reserved
        if new_on_hand < 0 or new_reserved < 0 or new_reserved > new_on_hand:
            problems.append((key, balance, on_hand, reserved))
        elif balance is not None:
            balance.on_hand = new_on_hand
            balance.reserved = new_reserved
    if problems:
        lots = Lot.objects.select_related("item").in_bulk([key[0] for key, *_rest in problems])
        from medmissions.sites.models import Site

        sites = Site.objects.in_bulk([key[1] for key, *_rest in problems])
        messages = [
            _shortfall_message(lots[key[0]], str(sites[key[1]]), balance, on_hand, reserved)
            for key, balance, on_hand, reserved in problems
        ]
        raise ValidationFailed(" ".join(messages), code="insufficient_stock")

    stock_transaction = StockTransaction.objects.create(
        kind=kind,
        organization=organization,
        occurred_on=occurred_on or timezone.localdate(),
        reason=reason,
        note=note,
        request=request,
        mission=mission,
        recipient=recipient,
        shipment=shipment,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    now = timezone.now()
    for balance in balances.values():
        balance.updated_at = now
    StockBalance.objects.bulk_update(
        list(balances.values()), ["on_hand", "reserved", "updated_at"], batch_size=500
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                transaction=stock_transaction,
                lot_id=change.lot_id,
                site_id=change.site_id,
                on_hand_change=change.on_hand,
                reserved_change=change.reserved,
            )
            for change in changes
        ],
        batch_size=500,
    )
    return stock_transaction


def ledger_totals(lot_ids: Iterable[int] | None = None) -> dict[tuple[int, int], tuple[int, int]]:
    """(lot, site) → (on hand, reserved) summed from the ledger alone: what the balances must equal."""
    entries = LedgerEntry.objects.all()
    if lot_ids is not None:
        entries = entries.filter(lot_id__in=list(lot_ids))
    rows = entries.values("lot_id", "site_id").annotate(
        on_hand=Sum("on_hand_change"), reserved=Sum("reserved_change")
    )
    return {(row["lot_id"], row["site_id"]): (row["on_hand"], row["reserved"]) for row in rows}


def mismatched_balances() -> list[tuple[tuple[int, int], tuple[int, int], tuple[int, int]]]:
    """Balances that differ from the sum of the ledger: (key, balance, ledger). Empty when sound."""
    totals = ledger_totals()
    balances = {
        (row["lot_id"], row["site_id"]): (row["on_hand"], row["reserved"])
        for row in StockBalance.objects.values("lot_id", "site_id", "on_hand", "reserved")
    }
    mismatches = []
    for key in sorted(set(totals) | set(balances)):
        ledger = totals.get(key, (0, 0))
        balance = balances.get(key, (0, 0))
        if ledger != balance:
            mismatches.append((key, balance, ledger))
    return mismatches
