"""Stock services: receiving lots, consuming, adjusting, writing off and handing over.

Each function is one service in the house sense: atomic, checks the actor's role, validates,
posts one ledger transaction (``ledger.post``) and writes the audit entry. Reservations and
shipments have their own modules (allocation and shipments), on the same ledger.

Who may do what:

* the **owner**'s coordinators and admins (``Capability.MANAGE_SUPPLIES``) receive lots, adjust
  them, write them off and hand them over;
* the owner's members (``Capability.CONTRIBUTE``) record consumption, as field teams do, and so
  do members of the organisation hosting the site, who dispense from stock held there.

The reading helpers at the end (:func:`stock_card`, :func:`expiry_counts`) serve the pages and
the API alike, each in one query.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, Window
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.organizations.access import Capability, can, require
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import ledger
from medmissions.supplies.choices import AdjustmentReason, LotSource, MovementKind, OfferStatus
from medmissions.supplies.models import Item, LedgerEntry, Lot, StockBalance, StockTransaction

# Largest quantity one movement may record: far above any real consignment, far below the
# database's limits, and it catches a lot number typed into the quantity column.
MAX_QUANTITY = 10_000_000
# Lot.unit_value holds 12 digits with 4 decimal places.
MAX_UNIT_VALUE = Decimal("99999999.9999")
LOT_NUMBER_MAX_LENGTH = 80
MANUFACTURER_MAX_LENGTH = 200


def _positive(quantity: Any, field: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValidationFailed(
            _("Enter a whole number of units, at least 1."),
            code="invalid_quantity",
            fields={field: _("At least 1.")},
        )
    if quantity > MAX_QUANTITY:
        message = _("Enter at most %(limit)s units in one movement.") % {"limit": f"{MAX_QUANTITY:,}"}
        raise ValidationFailed(message, code="invalid_quantity", fields={field: message})
    return quantity


def unit_value_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a lot's value per unit, or None when it can."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return _("Enter the value per unit (0 or more).")
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        return _("Enter the value per unit (0 or more).")
    if value > MAX_UNIT_VALUE or value != value.quantize(Decimal("0.0001")):
        return _("Enter the value per unit with at most 4 decimal places, below 100,000,000.")
    return None


def _mission_for(actor: Any, mission: Any, party: Organization | None = None) -> Any:
    """``mission`` if the actor may see it (and, with ``party``, it is a mission of a partnership
    ``party`` belongs to); None stays None."""
    if mission is None:
        return None
    from medmissions.missions.models import Mission

    missions = Mission.objects.visible_to(actor)
    if party is not None:
        missions = missions.filter(partnership__parties__organization=party)
    if not missions.filter(pk=mission.pk).exists():
        message = (
            _("Choose a mission of a partnership with %(host)s.") % {"host": party.name}
            if party is not None
            else _("Choose a mission you can see.")
        )
        raise ValidationFailed(message, fields={"mission": message})
    return mission


def _site_for(actor: Any, site: Site) -> Site:
    """The site, if the organisation may hold stock there: its own sites and its partners'."""
    if not Site.objects.visible_to(actor).filter(pk=site.pk).exists():
        raise ValidationFailed(
            _("Choose one of your sites or a partner's site."), fields={"site": _("Not available.")}
        )
    return site


def _not_in_future(day: datetime.date, field: str = "occurred_on") -> datetime.date:
    if day > timezone.localdate():
        raise ValidationFailed(_("The date cannot be in the future."), fields={field: _("In the future.")})
    return day


LOT_FIELDS = [
    "item",
    "lot_number",
    "expiry_date",
    "source",
    "donor",
    "unit_value",
    "currency",
    "manufacturer",
]


@transaction.atomic
def receive_lot(
    *,
    actor: Any,
    organization: Organization,
    site: Site,
    item: Item,
    lot_number: str,
    expiry_date: datetime.date | None,
    quantity: int,
    source: str,
    unit_value: Decimal,
    donor: Organization | None = None,
    currency: str = "",
    manufacturer: str = "",
    label_language: Any = None,
    offer: Any = None,
    occurred_on: datetime.date | None = None,
    note: str = "",
) -> tuple[Lot, StockTransaction]:
    """Record goods arriving into the organisation's stock at a site.

    A lot already recorded for this owner (same item, lot number and donor) takes the new
    quantity, provided its expiry agrees; otherwise a new lot is created. Goods of a donation
    ``offer`` are received only once it is accepted, by the organisation it was made to, from
    its donor.
    """
    require(actor, organization, Capability.MANAGE_SUPPLIES)
    _positive(quantity)
    _site_for(actor, site)
    today = timezone.localdate()
    occurred_on = _not_in_future(occurred_on or today)
    lot_number = (lot_number or "").strip()
    errors: dict[str, str] = {}
    if not lot_number:
        errors["lot_number"] = _("Every lot needs the lot (batch) number printed on its label.")
    elif len(lot_number) > LOT_NUMBER_MAX_LENGTH:
        errors["lot_number"] = _("A lot number has at most %(limit)d characters.") % {
            "limit": LOT_NUMBER_MAX_LENGTH
        }
    if not item.active:
        errors["item"] = _("This item is no longer in the catalogue.")
    if expiry_date is None and item.category in ("medicine", "vaccine"):
        errors["expiry_date"] = _("Medicines and vaccines need an expiry date.")
    elif expiry_date is not None and expiry_date < occurred_on:
        errors["expiry_date"] = _("This lot expired on %(date)s; expired goods cannot be received.") % {
            "date": expiry_date.isoformat()
        }
    if source not in LotSource.values:
        errors["source"] = _("Choose donated or procured.")
    elif source == LotSource.DONATED and donor is None:
        errors["donor"] = _("A donated lot needs its donor, so the donor can follow where it went.")
    elif source == LotSource.PROCURED and donor is not None:
        errors["donor"] = _("Only donated lots have a donor.")
    value_problem = unit_value_problem(unit_value)
    if value_problem:
        errors["unit_value"] = value_problem
    manufacturer = (manufacturer or "").strip()
    if len(manufacturer) > MANUFACTURER_MAX_LENGTH:
        errors["manufacturer"] = _("The manufacturer’s name has at most %(limit)d characters.") % {
            "limit": MANUFACTURER_MAX_LENGTH
        }
    if offer is not None:
        if offer.status != OfferStatus.ACCEPTED:
            errors["offer"] = _("Only goods of an accepted offer are received; this offer is %(status)s.") % {
                "status": offer.get_status_display().lower()
            }
        elif offer.recipient_id != organization.pk:
            errors["offer"] = _("This offer was made to another organisation.")
        elif donor is None or donor.pk != offer.donor_id:
            errors["donor"] = _("Goods of this offer are donated by %(donor)s.") % {"donor": offer.donor.name}
    currency = (currency or settings.SUPPLIES_DEFAULT_CURRENCY).strip().upper()
    if len(currency) != 3 or not (currency.isascii() and currency.isalpha()):
        errors["currency"] = _("Use a three-letter currency code such as USD or EUR.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)

    existing = (
        Lot.objects.select_for_update(no_key=True)
        .filter(
            owner=organization, item=item, lot_number__iexact=lot_number, donor=donor, origin__isnull=True
        )
        .first()
    )
    if existing is not None and existing.expiry_date != expiry_date:
        raise ValidationFailed(
            _("Lot %(lot)s of this item is already recorded with expiry %(expiry)s; check the label.")
            % {"lot": existing.lot_number, "expiry": existing.expiry_date or _("none")},
            code="lot_expiry_mismatch",
            fields={"expiry_date": _("Differs from the recorded lot.")},
        )
    lot = existing or Lot.objects.create(
        item=item,
        lot_number=lot_number,
        expiry_date=expiry_date,
        owner=organization,
        source=source,
        donor=donor,
        manufacturer=manufacturer,
        unit_value=unit_value,
        currency=currency,
        label_language=label_language,
        offer=offer,
        created_by=actor,
    )
    movement = ledger.post(
        MovementKind.RECEIPT,
        organization=organization,
        actor=actor,
        changes=[ledger.Change(lot.pk, site.pk, on_hand=quantity)],
        occurred_on=occurred_on,
        note=note,
    )
    log_action(
        "supplies.lot.received",
        actor=actor,
        organization=organization,
        obj=lot,
        after=snapshot(lot, LOT_FIELDS),
        data={
            "site": site.pk,
            "quantity": quantity,
            "transaction": movement.pk,
            "new_lot": existing is None,
            "offer": getattr(offer, "pk", None),
        },
    )
    return lot, movement


@transaction.atomic
def consume(
    lot: Lot,
    site: Site,
    *,
    actor: Any,
    quantity: int,
    occurred_on: datetime.date | None = None,
    mission: Any = None,
    note: str = "",
) -> StockTransaction:
    """Record units used (dispensed, administered) at a site."""
    if not (
        can(actor, lot.owner_id, Capability.CONTRIBUTE)
        or can(actor, site.host_organization_id, Capability.CONTRIBUTE)
    ):
        raise NotAllowed(_("Only members of the lot's owner or of the site's host record consumption."))
    _positive(quantity)
    mission = _mission_for(actor, mission)
    occurred_on = _not_in_future(occurred_on or timezone.localdate())
    if lot.expiry_date is not None and lot.expiry_date < occurred_on:
        raise ValidationFailed(
            _("Lot %(lot)s expired on %(date)s; write it off instead of using it.")
            % {"lot": lot.lot_number, "date": lot.expiry_date.isoformat()},
            code="lot_expired",
        )
    movement = ledger.post(
        MovementKind.CONSUMPTION,
        organization=lot.owner,
        actor=actor,
        changes=[ledger.Change(lot.pk, site.pk, on_hand=-quantity)],
        occurred_on=occurred_on,
        mission=mission,
        note=note,
    )
    log_action(
        "supplies.stock.consumed",
        actor=actor,
        organization=lot.owner,
        obj=lot,
        data={
            "site": site.pk,
            "quantity": quantity,
            "transaction": movement.pk,
            "mission": getattr(mission, "pk", None),
        },
    )
    return movement


@transaction.atomic
def adjust(
    lot: Lot,
    site: Site,
    *,
    actor: Any,
    change: int,
    reason: str,
    note: str = "",
    occurred_on: datetime.date | None = None,
) -> StockTransaction:
    """Correct the quantity on hand (a recount, damage, loss…) with a reason code.

    Units found add to what is available; units lost come out of what is available, never out
    of what is reserved for an accepted allocation (release that first).
    """
    require(actor, lot.owner, Capability.MANAGE_SUPPLIES)
    if not isinstance(change, int) or isinstance(change, bool) or change == 0:
        raise ValidationFailed(
            _("Enter how many units to add (positive) or remove (negative)."),
            fields={"change": _("Not zero.")},
        )
    if abs(change) > MAX_QUANTITY:
        message = _("Enter at most %(limit)s units in one movement.") % {"limit": f"{MAX_QUANTITY:,}"}
        raise ValidationFailed(message, fields={"change": message})
    if reason not in AdjustmentReason.values:
        raise ValidationFailed(_("Choose the reason for the adjustment."), fields={"reason": _("Required.")})
    note = note.strip()
    if reason == AdjustmentReason.OTHER and not note:
        raise ValidationFailed(
            _("Explain an adjustment of reason “Other” in the note."), fields={"note": _("Required.")}
        )
    occurred_on = _not_in_future(occurred_on or timezone.localdate())
    movement = ledger.post(
        MovementKind.ADJUSTMENT,
        organization=lot.owner,
        actor=actor,
        changes=[ledger.Change(lot.pk, site.pk, on_hand=change)],
        occurred_on=occurred_on,
        reason=reason,
        note=note,
    )
    log_action(
        "supplies.stock.adjusted",
        actor=actor,
        organization=lot.owner,
        obj=lot,
        data={"site": site.pk, "change": change, "reason": reason, "transaction": movement.pk},
    )
    return movement


@transaction.atomic
def write_off_expired(lot: Lot, site: Site, *, actor: Any, note: str = "") -> StockTransaction:
    """Take every unit of an expired lot at a site out of stock."""
    require(actor, lot.owner, Capability.MANAGE_SUPPLIES)
    today = timezone.localdate()
    if lot.expiry_date is None or lot.expiry_date >= today:
        raise ValidationFailed(
            _("Only expired lots are written off; this one is still in date."), code="lot_not_expired"
        )
    from medmissions.supplies.choices import ShipmentStatus
    from medmissions.supplies.models import Allocation, ShipmentItem

    balance = StockBalance.objects.select_for_update().filter(lot=lot, site=site).first()
    if balance is None or balance.on_hand == 0:
        raise ValidationFailed(
            _("There is nothing of this lot left at this site."), code="nothing_to_write_off"
        )
    if ShipmentItem.objects.filter(
        lot=lot, shipment__origin=site, shipment__status__in=[ShipmentStatus.PICKING, ShipmentStatus.PACKED]
    ).exists():
        raise Conflict(
            _(
                "Part of this lot is on a shipment being prepared; take it off the shipment before writing it off."
            ),
            code="on_shipment",
        )
    # Allocations of the expired units can no longer be honoured: they are released with the
    # write-off, so that what they hold and what the balance reserves stay the same.
    allocations = list(Allocation.objects.open().select_for_update(of=("self",)).filter(lot=lot, site=site))
    now = timezone.now()
    for allocation in allocations:
        allocation.released_at = now
        allocation.released_by = actor
    Allocation.objects.bulk_update(allocations, ["released_at", "released_by"])
    movement = ledger.post(
        MovementKind.EXPIRY_WRITE_OFF,
        organization=lot.owner,
        actor=actor,
        # Reservations on an expired lot can no longer be honoured: they go with the stock.
        changes=[ledger.Change(lot.pk, site.pk, on_hand=-balance.on_hand, reserved=-balance.reserved)],
        occurred_on=today,
        note=note.strip(),
    )
    log_action(
        "supplies.stock.written_off",
        actor=actor,
        organization=lot.owner,
        obj=lot,
        data={
            "site": site.pk,
            "quantity": balance.on_hand,
            "transaction": movement.pk,
            "allocations_released": [allocation.pk for allocation in allocations],
        },
    )
    return movement


@transaction.atomic
def hand_over(
    lot: Lot,
    site: Site,
    *,
    actor: Any,
    quantity: int,
    mission: Any = None,
    note: str = "",
    occurred_on: datetime.date | None = None,
) -> tuple[Lot, StockTransaction]:
    """Give units at a site to the organisation hosting it: leftovers at the end of a mission.

    The units leave the owner's lot and enter a lot owned by the host (same item, number,
    expiry, donor and value, ``origin`` pointing back), so the donor can still follow them.
    """
    require(actor, lot.owner, Capability.MANAGE_SUPPLIES)
    _positive(quantity)
    recipient = site.host_organization
    if recipient.pk == lot.owner_id:
        raise ValidationFailed(_("This site belongs to the lot's owner; there is no one to hand over to."))
    mission = _mission_for(actor, mission, recipient)
    occurred_on = _not_in_future(occurred_on or timezone.localdate())
    # Two hand-overs of one lot at once must not both create the host's copy of it.
    Lot.objects.select_for_update(no_key=True).filter(pk=lot.pk).first()
    host_lot, _created = Lot.objects.get_or_create(
        origin=lot,
        owner=recipient,
        defaults={
            "item": lot.item,
            "lot_number": lot.lot_number,
            "expiry_date": lot.expiry_date,
            "source": lot.source,
            "donor": lot.donor,
            "manufacturer": lot.manufacturer,
            "unit_value": lot.unit_value,
            "currency": lot.currency,
            "label_language": lot.label_language,
            "created_by": actor,
        },
    )
    movement = ledger.post(
        MovementKind.HANDOVER,
        organization=lot.owner,
        actor=actor,
        changes=[
            ledger.Change(lot.pk, site.pk, on_hand=-quantity),
            ledger.Change(host_lot.pk, site.pk, on_hand=quantity),
        ],
        occurred_on=occurred_on,
        mission=mission,
        recipient=recipient,
        note=note.strip(),
    )
    log_action(
        "supplies.stock.handed_over",
        actor=actor,
        organization=lot.owner,
        obj=lot,
        data={
            "site": site.pk,
            "quantity": quantity,
            "recipient": recipient.pk,
            "host_lot": host_lot.pk,
            "transaction": movement.pk,
            "mission": getattr(mission, "pk", None),
        },
    )
    return host_lot, movement


# --- Reading ---------------------------------------------------------------------------------
# Not services: they change nothing and check no role. Callers pass querysets already scoped to
# what the person may see (supplies/access.py).

EXPIRY_WINDOWS = (30, 60, 90)


def stock_card(lot: Lot) -> QuerySet[LedgerEntry]:
    """The lot's ledger entries in the order they were recorded, each annotated with the running
    balance at its site after it (``on_hand_after``, ``reserved_after``), in one query.

    The running sums are window functions over the ledger itself, so a page of the card shows
    the true balances without reading the entries before it.
    """
    order = [F("transaction_id").asc(), F("pk").asc()]
    return (
        LedgerEntry.objects.filter(lot=lot)
        .select_related(
            "site",
            "transaction__created_by",
            "transaction__mission",
            "transaction__shipment",
            "transaction__recipient",
        )
        .annotate(
            on_hand_after=Window(Sum("on_hand_change"), partition_by=[F("site_id")], order_by=order),
            reserved_after=Window(Sum("reserved_change"), partition_by=[F("site_id")], order_by=order),
        )
        .order_by("transaction_id", "pk")
    )


def expiry_counts(balances: QuerySet[StockBalance], today: datetime.date) -> dict[str, int]:
    """How many lots (with units on hand among ``balances``) have expired, and how many expire
    within each of :data:`EXPIRY_WINDOWS` days (counting from today, expired ones left out).

    Keys: ``expired`` and ``within_30``, ``within_60``, ``within_90``; one query.
    """
    held = balances.filter(on_hand__gt=0, lot__expiry_date__isnull=False)
    aggregates: dict[str, Any] = {
        "expired": Count("lot", distinct=True, filter=Q(lot__expiry_date__lt=today)),
    }
    for days in EXPIRY_WINDOWS:
        aggregates[f"within_{days}"] = Count(
            "lot",
            distinct=True,
            filter=Q(
                lot__expiry_date__gte=today,
                lot__expiry_date__lte=today + datetime.timedelta(days=days),
            ),
        )
    # visible_to() querysets are distinct(): aggregate over their ids to keep counts exact.
    rows = StockBalance.objects.filter(pk__in=held.values("pk")).aggregate(**aggregates)
    return {key: int(value or 0) for key, value in rows.items()}


def visible_lots(user: Any) -> QuerySet[Lot]:
    """The lots ``user`` may see (``Lot.visible_to``) as a plain queryset: ids in a subquery
    rather than a DISTINCT over joins, so that it can be filtered, ordered and annotated freely."""
    return Lot.objects.filter(pk__in=Lot.objects.visible_to(user).values("pk"))


def visible_balances(user: Any) -> QuerySet[StockBalance]:
    """The balances ``user`` may see, likewise as a plain queryset. A host that sees a lot because
    it is held at one of its sites sees the balances at its own sites only."""
    return StockBalance.objects.filter(pk__in=StockBalance.objects.visible_to(user).values("pk"))


def filter_lots(
    lots: QuerySet[Lot],
    *,
    today: datetime.date,
    organization: Organization | None = None,
    site: Site | None = None,
    q: str = "",
    item: Item | None = None,
    source: str = "",
    expiring_within: int | None = None,
    expired: bool = False,
    include_empty: bool = False,
) -> QuerySet[Lot]:
    """The lot search shared by the lots page and the API.

    * ``organization``: lots it owns or donated, and lots held at its sites;
    * ``site``: lots held there (with units on hand unless ``include_empty``);
    * ``q``: every word in the item's name or code, or in the lot number;
    * ``expiring_within``: lots still in date that expire within that many days;
      ``expired``: lots past their expiry;
    * without ``include_empty``, only lots with units on hand somewhere.
    """
    if organization is not None:
        lots = lots.filter(
            Q(owner=organization)
            | Q(donor=organization)
            | Q(pk__in=StockBalance.objects.filter(site__host_organization=organization).values("lot_id"))
        )
    held = StockBalance.objects.filter(lot=OuterRef("pk"))
    if site is not None:
        held = held.filter(site=site)
    if not include_empty:
        held = held.filter(on_hand__gt=0)
    if site is not None or not include_empty:
        lots = lots.filter(Exists(held))
    for word in (q or "").split():
        lots = lots.filter(
            Q(item__name__icontains=word) | Q(item__code__icontains=word) | Q(lot_number__icontains=word)
        )
    if item is not None:
        lots = lots.filter(item=item)
    if source:
        lots = lots.filter(source=source)
    if expiring_within is not None:
        lots = lots.filter(
            expiry_date__gte=today, expiry_date__lte=today + datetime.timedelta(days=expiring_within)
        )
    if expired:
        lots = lots.filter(expiry_date__lt=today)
    return lots.order_by(F("expiry_date").asc(nulls_last=True), "item__name", "lot_number", "pk")
