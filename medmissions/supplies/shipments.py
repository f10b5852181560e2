"""Shipments: pick → pack → sent → in transit → received, lot by lot, with partial receipt.

* **Picking.** Items come from accepted allocations (already reserved) or straight from a lot
  at the origin (reserved when added). Every item is checked against the shelf-life rule at the
  planned arrival.
* **Packing.** Items go into numbered parcels with their weights; a parcel holding medicines
  weighs at most ``SUPPLIES_MAX_PARCEL_KG`` and holds nothing else (WHO article 9). Packing
  tells the receiving site's organisation what is coming (WHO article 10: the recipient is
  informed in advance).
* **Sent.** The stock leaves the origin: one ``shipment_out`` transaction takes each item's
  units off hand and out of reservation, and allocations count what was shipped.
* **Received.** The receiving organisation (or the sender, at a site of its own) counts what
  arrived, item by item, possibly in several goes; each count posts a ``receipt_in`` at the
  destination. The shipment is received when everything has arrived or when the receiver closes
  the receipt, saying what is missing.
* **Cancelled** before it is sent: reservations made at picking are released; allocations keep
  theirs.

The lots keep their owner all the way: the sender's lot, received at the destination, is still
the sender's (a hand-over to the host is a separate step, ``stock.hand_over``), so a donor
follows its goods from the depot to the clinic.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medmissions.audit.services import log_action
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.missions.discovery import absolute_url
from medmissions.missions.recipients import members_of
from medmissions.organizations.access import Capability, can, require
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import ledger
from medmissions.supplies.choices import ItemCategory, MovementKind, ShipmentStatus
from medmissions.supplies.models import (
    Allocation,
    Lot,
    Parcel,
    Shipment,
    ShipmentItem,
    StockBalance,
    latest_planning_date,
)

MEDICINE_CATEGORIES = (ItemCategory.MEDICINE, ItemCategory.VACCINE)
# Statuses in which a shipment has not left yet (its items still hold reservations).
UNSENT = (ShipmentStatus.PICKING, ShipmentStatus.PACKED)
# Statuses from which the packing list and the certificate of donation can be printed.
DOCUMENT_STATUSES = (
    ShipmentStatus.PACKED,
    ShipmentStatus.SENT,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.PARTLY_RECEIVED,
    ShipmentStatus.RECEIVED,
)
RECEIVABLE = (ShipmentStatus.SENT, ShipmentStatus.IN_TRANSIT, ShipmentStatus.PARTLY_RECEIVED)
MAX_WEIGHT_KG = Decimal("99999.99")  # what Parcel.weight_kg can store
MAX_QUANTITY = 10_000_000


def is_medicine(item: Any) -> bool:
    """True for catalogue items the WHO donation guidelines treat as medicines (vaccines too)."""
    return item.category in MEDICINE_CATEGORIES


def _lock(shipment: Shipment) -> Shipment:
    return (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("organization", "origin", "destination__host_organization", "mission")
        .get(pk=shipment.pk)
    )


def _require_sender(actor: Any, shipment: Shipment) -> None:
    require(actor, shipment.organization_id, Capability.MANAGE_SUPPLIES)


def _in_status(shipment: Shipment, *statuses: str) -> None:
    if shipment.status not in statuses:
        raise Conflict(
            _("Shipment %(reference)s is %(status)s; that cannot be done now.")
            % {"reference": shipment.reference, "status": shipment.get_status_display().lower()},
            code="wrong_status",
        )


def _whole(quantity: Any, *, minimum: int = 1, field_name: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not minimum <= quantity <= MAX_QUANTITY:
        message = (
            _("Enter a whole number of units, at least 1.")
            if minimum == 1
            else _("Enter the units as a whole number, 0 or more.")
        )
        raise ValidationFailed(message, code="invalid_quantity", fields={field_name: message})
    return quantity


def _next_reference() -> str:
    year = timezone.localdate().year
    prefix = f"SH-{year}-"
    latest = Shipment.objects.filter(reference__startswith=prefix).aggregate(latest=Max("reference"))[
        "latest"
    ]
    number = int(latest.rsplit("-", 1)[1]) + 1 if latest else 1
    return f"{prefix}{number:05d}"


def shelf_life_problem(lot: Lot, arrival: datetime.date, minimum_days: int | None = None) -> str | None:
    """Why ``lot`` may not travel to arrive on ``arrival``, or None (WHO article 6)."""
    days = lot.item.minimum_shelf_life_days if minimum_days is None else minimum_days
    if lot.meets_shelf_life(arrival, days):
        return None
    return _(
        "Lot %(lot)s expires on %(expiry)s: arriving on %(arrival)s it would have less than the %(days)s days "
        "of shelf life left that the WHO guidelines ask for."
    ) % {
        "lot": lot.lot_number,
        "expiry": lot.expiry_date.isoformat() if lot.expiry_date else "",
        "arrival": arrival.isoformat(),
        "days": days,
    }


def minimum_shelf_life(item: ShipmentItem) -> int:
    """Days of shelf life the item must have on arrival: the category's, or less when the
    request it answers records the WHO article 6 exception."""
    if item.allocation_id is not None and item.allocation is not None:
        return item.allocation.line.request.minimum_shelf_life_days(item.lot.item)
    return item.lot.item.minimum_shelf_life_days


# --- Reading helpers (pages and API) ----------------------------------------------------------------


def stock_sites(organization: Organization | int) -> QuerySet[Site]:
    """Sites where the organisation holds stock: the possible origins of its shipments."""
    return Site.objects.filter(
        pk__in=StockBalance.objects.filter(lot__owner=organization, on_hand__gt=0).values("site_id")
    ).order_by("name")


def may_manage(user: Any, shipment: Shipment) -> bool:
    return can(user, shipment.organization_id, Capability.MANAGE_SUPPLIES)


def may_receive(user: Any, shipment: Shipment) -> bool:
    """The receiving site's organisation confirms receipt; so does the sender at its own site
    (it is then the receiving site's organisation too)."""
    return can(user, shipment.destination.host_organization_id, Capability.MANAGE_SUPPLIES)


def documents_available(shipment: Shipment) -> bool:
    """The packing list and the certificate exist from packing onwards (not once cancelled)."""
    return shipment.status in DOCUMENT_STATUSES


def allowed_actions(user: Any, shipment: Shipment) -> set[str]:
    """Which steps ``user`` may take on the shipment now: names of the page's forms."""
    actions: set[str] = set()
    status = shipment.status
    if may_manage(user, shipment):
        if status in UNSENT:
            actions.add("cancel")
            if status == ShipmentStatus.PICKING:
                actions.add("add")
            else:
                actions.add("send")
            if shipment.items.exists():
                actions |= {"remove", "pack"}
        if status == ShipmentStatus.SENT:
            actions.add("in_transit")
    if status in RECEIVABLE and may_receive(user, shipment):
        actions.add("receive")
    return actions


@dataclass(frozen=True)
class OpenAllocation:
    """An allocation the shipment can carry, with the units still free to put on it."""

    allocation: Allocation
    free: int


def _on_unsent_shipments(allocation_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        ShipmentItem.objects.filter(allocation_id__in=list(allocation_ids), shipment__status__in=UNSENT)
        .values("allocation_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["allocation_id"]: row["total"] for row in rows}


def open_allocations(shipment: Shipment) -> list[OpenAllocation]:
    """Open allocations of the sender's stock at the origin for requests delivered to the
    destination, with the units not yet on this or another shipment."""
    allocations = list(
        Allocation.objects.open()
        .filter(
            lot__owner_id=shipment.organization_id,
            site_id=shipment.origin_id,
            line__request__destination_id=shipment.destination_id,
            shipped__lt=F("quantity"),
        )
        .select_related("lot__item", "line__item", "line__request")
        .order_by("line__request__needed_by", "line__request_id", "lot__expiry_date", "pk")
    )
    taken = _on_unsent_shipments(allocation.pk for allocation in allocations)
    rows = []
    for allocation in allocations:
        free = allocation.outstanding - taken.get(allocation.pk, 0)
        if free > 0:
            rows.append(OpenAllocation(allocation, free))
    return rows


def pickable_stock(shipment: Shipment) -> QuerySet[StockBalance]:
    """The sender's lots at the origin with units available, earliest expiry first (FEFO)."""
    return (
        StockBalance.objects.filter(
            lot__owner_id=shipment.organization_id, site_id=shipment.origin_id, on_hand__gt=F("reserved")
        )
        .filter(Q(lot__expiry_date__isnull=True) | Q(lot__expiry_date__gte=shipment.planned_arrival))
        .select_related("lot__item")
        .order_by(F("lot__expiry_date").asc(nulls_last=True), "lot__item__name", "lot__lot_number", "pk")
    )


def _notify_receiver(shipment: Shipment, template: str) -> None:
    host_id = shipment.destination.host_organization_id
    if host_id == shipment.organization_id:
        return
    send_on_commit(
        template,
        {"shipment": shipment, "shipment_url": absolute_url(shipment.get_absolute_url())},
        members_of([host_id]),
    )


# --- Creating and picking ---------------------------------------------------------------------------


@transaction.atomic
def create_shipment(
    *,
    actor: Any,
    organization: Organization,
    origin: Site,
    destination: Site,
    planned_arrival: datetime.date,
    mission: Any = None,
    carrier: str = "",
    note: str = "",
) -> Shipment:
    """Start a shipment of ``organization``'s stock from ``origin`` (where it holds stock) to a
    site it can see (its own or a partner's)."""
    from medmissions.missions.models import Mission

    require(actor, organization, Capability.MANAGE_SUPPLIES)
    visible_sites = Site.objects.visible_to(actor)
    errors: dict[str, str] = {}
    if (
        not visible_sites.filter(pk=origin.pk).exists()
        or not stock_sites(organization).filter(pk=origin.pk).exists()
    ):
        errors["origin"] = _("Choose a site where your organisation holds stock.")
    if not visible_sites.filter(pk=destination.pk).exists():
        errors["destination"] = _("Choose one of your sites or a partner's site.")
    elif origin.pk == destination.pk:
        errors["destination"] = _("A shipment goes from one site to another.")
    if not isinstance(planned_arrival, datetime.date):
        errors["planned_arrival"] = _("Enter the planned arrival date.")
    elif planned_arrival < timezone.localdate():
        errors["planned_arrival"] = _("The planned arrival cannot be in the past.")
    elif planned_arrival > latest_planning_date(timezone.localdate()):
        errors["planned_arrival"] = _("Plan at most ten years ahead.")
    if mission is not None and (
        not Mission.objects.visible_to(actor).filter(pk=mission.pk).exists()
        or not mission.partnership.parties.filter(organization=organization).exists()
    ):
        errors["mission"] = _("Choose a mission of a partnership your organisation is party to.")
    carrier = (carrier or "").strip()
    if len(carrier) > 120:
        errors["carrier"] = _("Keep the carrier to 120 characters.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    shipment = None
    for attempt in range(5):
        try:
            with transaction.atomic():
                shipment = Shipment.objects.create(
                    reference=_next_reference(),
                    organization=organization,
                    origin=origin,
                    destination=destination,
                    planned_arrival=planned_arrival,
                    mission=mission,
                    carrier=carrier,
                    note=(note or "").strip(),
                    created_by=actor,
                )
            break
        except IntegrityError:
            # Two shipments numbered at the same moment: take the next number.
            if attempt == 4:
                raise
    assert shipment is not None
    log_action(
        "supplies.shipment.created",
        actor=actor,
        organization=organization,
        obj=shipment,
        data={
            "origin": origin.pk,
            "destination": destination.pk,
            "planned_arrival": planned_arrival,
            "mission": getattr(mission, "pk", None),
        },
    )
    return shipment


@transaction.atomic
def add_allocation(
    shipment: Shipment, allocation: Allocation, *, actor: Any, quantity: int | None = None
) -> ShipmentItem:
    """Put (part of) an accepted allocation on the shipment; its units are already reserved.

    Without ``quantity``, every unit of the allocation not yet on a shipment goes.
    """
    shipment = _lock(shipment)
    _require_sender(actor, shipment)
    _in_status(shipment, ShipmentStatus.PICKING)
    allocation = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("lot__item", "line__request")
        .get(pk=allocation.pk)
    )
    if allocation.lot.owner_id != shipment.organization_id or allocation.site_id != shipment.origin_id:
        raise ValidationFailed(
            _("This allocation is not stock of the sender at the shipment's origin."),
            code="wrong_allocation",
            fields={"allocation": _("Not from this origin.")},
        )
    if allocation.line.request.destination_id != shipment.destination_id:
        raise ValidationFailed(
            _("This allocation is for a request delivered elsewhere."),
            code="wrong_allocation",
            fields={"allocation": _("Delivered elsewhere.")},
        )
    if allocation.released_at is not None:
        raise Conflict(_("This allocation was released; nothing of it is left to ship."), code="released")
    existing = ShipmentItem.objects.filter(shipment=shipment, allocation=allocation).first()
    free = allocation.outstanding - _on_unsent_shipments([allocation.pk]).get(allocation.pk, 0)
    if free <= 0:
        raise Conflict(
            _("Every unit of this allocation is already on a shipment."), code="allocation_shipped"
        )
    quantity = free if quantity is None else _whole(quantity)
    if quantity > free:
        message = _("Between 1 and %(free)s units of this allocation can still be shipped.") % {"free": free}
        raise ValidationFailed(message, code="invalid_quantity", fields={"quantity": message})
    problem = shelf_life_problem(
        allocation.lot,
        shipment.planned_arrival,
        allocation.line.request.minimum_shelf_life_days(allocation.lot.item),
    )
    if problem:
        raise ValidationFailed(problem, code="short_shelf_life")
    if existing:
        ShipmentItem.objects.filter(pk=existing.pk).update(quantity=F("quantity") + quantity)
        existing.refresh_from_db()
        item = existing
    else:
        item = ShipmentItem.objects.create(
            shipment=shipment, lot=allocation.lot, quantity=quantity, allocation=allocation
        )
    log_action(
        "supplies.shipment.item_added",
        actor=actor,
        organization=shipment.organization,
        obj=shipment,
        data={
            "item": item.pk,
            "lot": allocation.lot_id,
            "quantity": quantity,
            "allocation": allocation.pk,
            "request": allocation.line.request_id,
        },
    )
    return item


@transaction.atomic
def add_lot(shipment: Shipment, lot: Lot, *, actor: Any, quantity: int) -> ShipmentItem:
    """Pick units of a lot at the origin without an allocation; they are reserved now."""
    shipment = _lock(shipment)
    _require_sender(actor, shipment)
    _in_status(shipment, ShipmentStatus.PICKING)
    if lot.owner_id != shipment.organization_id:
        raise ValidationFailed(
            _("Only the sender's own lots can be shipped."), code="not_owner", fields={"lot": _("Not yours.")}
        )
    _whole(quantity)
    problem = shelf_life_problem(lot, shipment.planned_arrival)
    if problem:
        raise ValidationFailed(problem, code="short_shelf_life")
    ledger.post(
        MovementKind.RESERVATION,
        organization=shipment.organization,
        actor=actor,
        changes=[ledger.Change(lot.pk, shipment.origin_id, reserved=quantity)],
        note=_("Picked for shipment %(reference)s") % {"reference": shipment.reference},
        shipment=shipment,
    )
    existing = ShipmentItem.objects.filter(shipment=shipment, lot=lot, allocation__isnull=True).first()
    if existing:
        ShipmentItem.objects.filter(pk=existing.pk).update(quantity=F("quantity") + quantity)
        existing.refresh_from_db()
        item = existing
    else:
        item = ShipmentItem.objects.create(shipment=shipment, lot=lot, quantity=quantity)
    log_action(
        "supplies.shipment.item_added",
        actor=actor,
        organization=shipment.organization,
        obj=shipment,
        data={"item": item.pk, "lot": lot.pk, "quantity": quantity},
    )
    return item


def _release_picked(shipment: Shipment, items: list[ShipmentItem], actor: Any) -> None:
    """Give back the reservations made when lots were picked without an allocation."""
    changes = [
        ledger.Change(item.lot_id, shipment.origin_id, reserved=-item.quantity)
        for item in items
        if item.allocation_id is None
    ]
    if changes:
        ledger.post(
            MovementKind.RELEASE,
            organization=shipment.organization,
            actor=actor,
            changes=changes,
            note=_("Taken off shipment %(reference)s") % {"reference": shipment.reference},
            shipment=shipment,
        )


@transaction.atomic
def remove_item(item: ShipmentItem, *, actor: Any) -> Shipment:
    """Take an item off a shipment that has not left. A packed shipment goes back to picking:
    its packing list no longer matches the goods."""
    shipment = _lock(item.shipment)
    _require_sender(actor, shipment)
    _in_status(shipment, *UNSENT)
    item = ShipmentItem.objects.select_for_update(of=("self",)).get(pk=item.pk, shipment=shipment)
    _release_picked(shipment, [item], actor)
    lot_id, quantity, allocation_id = item.lot_id, item.quantity, item.allocation_id
    item.delete()
    if shipment.status == ShipmentStatus.PACKED:
        # ``packed_at`` stays: the receiver was told, and is told again when it is packed anew.
        shipment.status = ShipmentStatus.PICKING
        shipment.save(update_fields=["status", "updated_at"])
    # A parcel left empty is no parcel at all.
    shipment.parcels.filter(items__isnull=True).delete()
    log_action(
        "supplies.shipment.item_removed",
        actor=actor,
        organization=shipment.organization,
        obj=shipment,
        data={"lot": lot_id, "quantity": quantity, "allocation": allocation_id},
    )
    return shipment


# --- Packing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParcelPlan:
    """One numbered parcel of a packing plan: its weight and the shipment items inside."""

    weight_kg: Decimal
    item_ids: list[int] = field(default_factory=list)
    description: str = ""


def _weight(value: Any, number: int) -> Decimal:
    message = _("Give the weight of parcel %(number)s in kilograms.") % {"number": number}
    try:
        weight = Decimal(str(value)) if value is not None and not isinstance(value, bool) else None
    except InvalidOperation:
        weight = None
    if weight is None or not weight.is_finite() or weight <= 0 or weight > MAX_WEIGHT_KG:
        raise ValidationFailed(message, code="invalid_weight", fields={f"parcel_{number}_weight_kg": message})
    weight = weight.quantize(Decimal("0.01"))
    if weight <= 0:
        raise ValidationFailed(message, code="invalid_weight", fields={f"parcel_{number}_weight_kg": message})
    return weight


@transaction.atomic
def pack(shipment: Shipment, *, actor: Any, parcels: list[ParcelPlan]) -> Shipment:
    """Replace the shipment's parcels with ``parcels`` (numbered 1, 2, … in that order) and mark
    it packed.

    Every item goes in exactly one parcel; a parcel holding medicines must not weigh more than
    ``SUPPLIES_MAX_PARCEL_KG`` nor hold other supplies (WHO article 9). Packing again (before the
    shipment is sent) replaces the packing list.
    """
    shipment = _lock(shipment)
    _require_sender(actor, shipment)
    _in_status(shipment, *UNSENT)
    items = {item.pk: item for item in shipment.items.select_related("lot__item")}
    if not items:
        raise ValidationFailed(_("Pick at least one item before packing."), code="nothing_to_pack")
    if not parcels:
        raise ValidationFailed(_("Describe at least one parcel."), code="no_parcels")
    placed: dict[int, int] = {}
    limit = Decimal(settings.SUPPLIES_MAX_PARCEL_KG)
    weights: list[Decimal] = []
    for number, plan in enumerate(parcels, start=1):
        weight = _weight(plan.weight_kg, number)
        weights.append(weight)
        if len((plan.description or "").strip()) > 200:
            raise ValidationFailed(
                _("Keep the description of parcel %(number)s to 200 characters.") % {"number": number},
                fields={f"parcel_{number}_description": _("Too long.")},
            )
        if not plan.item_ids:
            raise ValidationFailed(
                _("Parcel %(number)s is empty; put at least one item in it.") % {"number": number},
                code="empty_parcel",
            )
        for item_id in plan.item_ids:
            if item_id not in items:
                raise ValidationFailed(
                    _("Parcel %(number)s lists an item that is not on this shipment.") % {"number": number},
                    code="unknown_item",
                )
            if item_id in placed:
                raise ValidationFailed(
                    _("%(item)s is in parcels %(first)s and %(second)s; an item goes in one parcel.")
                    % {"item": items[item_id].lot.item, "first": placed[item_id], "second": number},
                    code="item_in_two_parcels",
                )
            placed[item_id] = number
        contents = [items[item_id].lot.item for item_id in plan.item_ids]
        medicines = [item for item in contents if is_medicine(item)]
        if medicines and len(medicines) < len(contents):
            raise ValidationFailed(
                _(
                    "Parcel %(number)s mixes medicines with other supplies; the WHO guidelines ask for "
                    "medicines to be packed on their own."
                )
                % {"number": number},
                code="mixed_parcel",
            )
        if medicines and weight > limit:
            raise ValidationFailed(
                _(
                    "Parcel %(number)s holds medicines and weighs %(weight)s kg; the WHO guidelines ask for at most "
                    "%(limit)s kg per carton."
                )
                % {"number": number, "weight": weight, "limit": limit},
                code="parcel_too_heavy",
                fields={f"parcel_{number}_weight_kg": _("Too heavy.")},
            )
    missing = [items[item_id] for item_id in items if item_id not in placed]
    if missing:
        raise ValidationFailed(
            _("Every item needs a parcel; %(item)s (lot %(lot)s) has none.")
            % {"item": missing[0].lot.item, "lot": missing[0].lot.lot_number},
            code="unpacked_items",
        )
    ShipmentItem.objects.filter(shipment=shipment).update(parcel=None)
    shipment.parcels.all().delete()
    for number, (plan, weight) in enumerate(zip(parcels, weights, strict=True), start=1):
        parcel = Parcel.objects.create(
            shipment=shipment, number=number, weight_kg=weight, description=(plan.description or "").strip()
        )
        ShipmentItem.objects.filter(pk__in=plan.item_ids).update(parcel=parcel)
    first_packing = shipment.status == ShipmentStatus.PICKING
    shipment.status = ShipmentStatus.PACKED
    shipment.packed_at = timezone.now()
    shipment.save(update_fields=["status", "packed_at", "updated_at"])
    log_action(
        "supplies.shipment.packed",
        actor=actor,
        organization=shipment.organization,
        obj=shipment,
        data={"parcels": len(parcels), "weight_kg": sum(weights, Decimal(0))},
    )
    if first_packing:
        _notify_receiver(shipment, "supplies_shipment_notice")
    return shipment


# --- Sending ----------------------------------------------------------------------------------------


@transaction.atomic
def send(
    shipment: Shipment,
    *,
    actor: Any,
    sent_on: datetime.date | None = None,
    carrier: str | None = None,
    tracking_reference: str | None = None,
) -> Shipment:
    """The goods leave the origin: stock goes off hand there and allocations count it shipped."""
    shipment = _lock(shipment)
    _require_sender(actor, shipment)
    _in_status(shipment, ShipmentStatus.PACKED)
    today = timezone.localdate()
    sent_on = sent_on or today
    if sent_on > today:
        raise ValidationFailed(
            _("The date sent cannot be in the future."), fields={"sent_on": _("In the future.")}
        )
    if sent_on > shipment.planned_arrival:
        raise ValidationFailed(
            _("The date sent cannot be after the planned arrival (%(arrival)s).")
            % {"arrival": shipment.planned_arrival.isoformat()},
            fields={"sent_on": _("After the planned arrival.")},
        )
    for name, value in (("carrier", carrier), ("tracking_reference", tracking_reference)):
        if value is not None and len(value.strip()) > 120:
            raise ValidationFailed(_("Keep it to 120 characters."), fields={name: _("Too long.")})
    items = list(shipment.items.select_related("lot__item", "allocation__line__request"))
    for item in items:
        problem = shelf_life_problem(item.lot, shipment.planned_arrival, minimum_shelf_life(item))
        if problem:
            raise ValidationFailed(problem, code="short_shelf_life")
    ledger.post(
        MovementKind.SHIPMENT_OUT,
        organization=shipment.organization,
        actor=actor,
        changes=[
            ledger.Change(item.lot_id, shipment.origin_id, on_hand=-item.quantity, reserved=-item.quantity)
            for item in items
        ],
        occurred_on=sent_on,
        note=_("Shipment %(reference)s to %(site)s")
        % {"reference": shipment.reference, "site": shipment.destination.name},
        shipment=shipment,
        mission=shipment.mission,
    )
    for item in items:
        if item.allocation_id:
            Allocation.objects.filter(pk=item.allocation_id).update(shipped=F("shipped") + item.quantity)
    shipment.status = ShipmentStatus.SENT
    shipment.sent_on = sent_on
    if carrier is not None:
        shipment.carrier = carrier.strip()
    if tracking_reference is not None:
        shipment.tracking_reference = tracking_reference.strip()
    shipment.save(update_fields=["status", "sent_on", "carrier", "tracking_reference", "updated_at"])
    log_action(
        "supplies.shipment.sent",
        actor=actor,
        organization=shipment.organization,
        obj=shipment,
        data={"sent_on": sent_on, "items": len(items), "units": sum(item.quantity for item in items)},
    )
    _notify_receiver(shipment, "supplies_shipment_sent")
    return shipment


@transaction.atomic
def mark_in_transit(shipment: Shipment, *, actor: Any, tracking_reference: str | None = None) -> Shipment:
    """The carrier has the goods on the way (recorded by the sender)."""
    shipment = _lock(shipment)
    _require_sender(actor, shipment)
    _in_status(shipment, ShipmentStatus.SENT)
    if tracking_reference is not None and len(tracking_reference.strip()) > 120:
        raise ValidationFailed(_("Keep it to 120 characters."), fields={"tracking_reference": _("Too long.")})
    shipment.status = ShipmentStatus.IN_TRANSIT
    shipment.in_transit_at = timezone.now()
    if tracking_reference is not None and tracking_reference.strip():
        shipment.tracking_reference = tracking_reference.strip()
    shipment.save(update_fields=["status", "in_transit_at", "tracking_reference", "updated_at"])
    log_action(
        "supplies.shipment.in_transit",
        actor=actor,
        organization=shipment.organization,
        obj=shipment,
        data={"tracking_reference": shipment.tracking_reference},
    )
    return shipment


# --- Receiving --------------------------------------------------------------------------------------

RECEIVE_MESSAGE = gettext_lazy(
    "Only coordinators and admins of the receiving site's organisation confirm receipt."
)


@transaction.atomic
def receive(
    shipment: Shipment,
    *,
    actor: Any,
    quantities: Mapping[int, int],
    received_on: datetime.date | None = None,
    note: str = "",
    close: bool = False,
) -> Shipment:
    """Count what arrived: ``quantities`` maps shipment item ids to units received in this go
    (items left out count as none).

    The shipment is received once every unit has arrived. With ``close`` the receipt ends even if
    units are missing; ``note`` must then say what happened to them.
    """
    shipment = _lock(shipment)
    if not may_receive(actor, shipment):
        raise NotAllowed(RECEIVE_MESSAGE)
    _in_status(shipment, *RECEIVABLE)
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today or (shipment.sent_on and received_on < shipment.sent_on):
        raise ValidationFailed(
            _("The date received must lie between the date sent and today."),
            fields={"received_on": _("Not valid.")},
        )
    items = {
        item.pk: item
        for item in shipment.items.select_for_update(of=("self",)).select_related("lot").order_by("pk")
    }
    arriving: dict[int, int] = {}
    for item_id, quantity in quantities.items():
        item = items.get(item_id)
        if item is None:
            raise ValidationFailed(_("That item is not on this shipment."), code="unknown_item")
        _whole(quantity, minimum=0, field_name=f"item_{item_id}")
        left = item.quantity - item.received_quantity
        if quantity > left:
            message = _(
                "Only %(left)s units of lot %(lot)s are still expected; %(quantity)s were entered."
            ) % {
                "left": left,
                "lot": item.lot.lot_number,
                "quantity": quantity,
            }
            raise ValidationFailed(message, code="too_many_received", fields={f"item_{item_id}": message})
        if quantity:
            arriving[item_id] = quantity
    note = (note or "").strip()
    if not arriving and not close:
        raise ValidationFailed(_("Enter what arrived, or close the receipt."), code="nothing_received")
    missing = sum(item.quantity - item.received_quantity - arriving.get(pk, 0) for pk, item in items.items())
    if missing and close and not note:
        raise ValidationFailed(
            _("%(missing)s units did not arrive; say what happened to them before closing the receipt.")
            % {"missing": missing},
            code="note_required",
            fields={"note": _("Required.")},
        )
    if arriving:
        ledger.post(
            MovementKind.RECEIPT_IN,
            organization=shipment.organization,
            actor=actor,
            changes=[
                ledger.Change(items[pk].lot_id, shipment.destination_id, on_hand=quantity)
                for pk, quantity in arriving.items()
            ],
            occurred_on=received_on,
            shipment=shipment,
            mission=shipment.mission,
            note=note or _("Received from shipment %(reference)s") % {"reference": shipment.reference},
        )
        for pk, quantity in arriving.items():
            ShipmentItem.objects.filter(pk=pk).update(received_quantity=F("received_quantity") + quantity)
    shipment.status = ShipmentStatus.RECEIVED if (close or not missing) else ShipmentStatus.PARTLY_RECEIVED
    shipment.received_on = received_on
    shipment.received_by = actor
    if note:
        shipment.receipt_note = f"{shipment.receipt_note}\n{note}".strip()
    shipment.save(update_fields=["status", "received_on", "received_by", "receipt_note", "updated_at"])
    log_action(
        "supplies.shipment.received",
        actor=actor,
        organization=shipment.destination.host_organization,
        obj=shipment,
        data={
            "received_on": received_on,
            "units": sum(arriving.values()),
            "items": {str(pk): quantity for pk, quantity in arriving.items()},
            "missing": missing,
            "closed": shipment.status == ShipmentStatus.RECEIVED,
        },
    )
    if shipment.status == ShipmentStatus.RECEIVED and shipment.destination.host_organization_id != (
        shipment.organization_id
    ):
        send_on_commit(
            "supplies_shipment_received",
            {
                "shipment": shipment,
                "missing": missing,
                "shipment_url": absolute_url(shipment.get_absolute_url()),
            },
            members_of([shipment.organization_id]),
        )
    return shipment


# --- Cancelling -------------------------------------------------------------------------------------


@transaction.atomic
def cancel(shipment: Shipment, *, actor: Any, reason: str) -> Shipment:
    """Call off a shipment that has not left: picked lots are released, allocations keep their
    reservations (they can go on another shipment)."""
    shipment = _lock(shipment)
    _require_sender(actor, shipment)
    _in_status(shipment, *UNSENT)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the shipment is cancelled."), fields={"reason": _("Required.")})
    _release_picked(shipment, list(shipment.items.all()), actor)
    was_announced = shipment.packed_at is not None
    shipment.status = ShipmentStatus.CANCELLED
    shipment.cancelled_reason = reason
    shipment.save(update_fields=["status", "cancelled_reason", "updated_at"])
    log_action(
        "supplies.shipment.cancelled",
        actor=actor,
        organization=shipment.organization,
        obj=shipment,
        data={"reason": reason},
    )
    if was_announced:
        _notify_receiver(shipment, "supplies_shipment_cancelled")
    return shipment
