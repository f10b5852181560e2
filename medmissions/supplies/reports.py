"""Supplies reports: computations that read the ledger and write nothing.

* **Expiring stock** (:func:`expiring_report`): lots with units on hand that have expired or
  expire within 90 days, in OpenBoxes' buckets (expired, within 30, 60 and 90 days), per site.
  A lot can still be used on its expiry date (``stock.consume`` refuses it only the day after),
  so a lot expiring today is in the 30-day bucket, not expired; OpenBoxes counts day 0 as
  expired. Boundaries: 30 days left is "within 30", 31 is "within 60", 60 is "within 60",
  61 is "within 90", 90 is "within 90" and 91 is left out.
* **Low stock** (:func:`low_stock`): each :class:`StockLevel` with what is available now — the
  sum over the organisation's own lots of the item at the site of on hand minus reserved,
  expired lots left out — and the shortfall.
* **Donor traceability** (:func:`donor_trace`): where a donor's goods went, lot by lot and site
  by site, in at most eight queries whatever the number of lots.
* **Stock at a site** (:func:`site_stock`) and the leftovers handed to its host
  (:func:`handover_entries`), and :func:`handover_for_mission` for the mission handover plan.
* :func:`alert_counts`: what ``send-supply-alerts`` is about, counted for the report pages.

None of these functions checks who is asking: callers pass organisations the person belongs to,
or querysets already scoped to what the person may see (``supplies/access.py``, ``stock.py``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies.choices import MovementKind, ShipmentStatus
from medmissions.supplies.models import (
    Item,
    LedgerEntry,
    Lot,
    ShipmentItem,
    StockBalance,
    StockLevel,
)

# --- Expiry buckets ----------------------------------------------------------------------------

EXPIRED = "expired"
WITHIN_30 = "within_30"
WITHIN_60 = "within_60"
WITHIN_90 = "within_90"
# (bucket, last day counted in it), most urgent first, as OpenBoxes' getExpirationStatus().
BUCKET_LIMITS: tuple[tuple[str, int], ...] = ((WITHIN_30, 30), (WITHIN_60, 60), (WITHIN_90, 90))
BUCKETS = (EXPIRED, WITHIN_30, WITHIN_60, WITHIN_90)
HORIZON_DAYS = 90
BUCKET_LABELS: dict[str, Promise] = {
    EXPIRED: gettext_lazy("Expired"),
    WITHIN_30: gettext_lazy("Expiring within 30 days"),
    WITHIN_60: gettext_lazy("Expiring in 31 to 60 days"),
    WITHIN_90: gettext_lazy("Expiring in 61 to 90 days"),
}
# Badge classes of core/static/core/app.css.
BUCKET_BADGES = {EXPIRED: "bad", WITHIN_30: "bad", WITHIN_60: "warn", WITHIN_90: "open"}


def expiry_bucket(expiry: datetime.date | None, today: datetime.date) -> str | None:
    """The bucket of a lot expiring on ``expiry``, seen on ``today``; None beyond 90 days or
    without an expiry date."""
    if expiry is None:
        return None
    days_left = (expiry - today).days
    if days_left < 0:
        return EXPIRED
    for bucket, last_day in BUCKET_LIMITS:
        if days_left <= last_day:
            return bucket
    return None


@dataclass(frozen=True, slots=True)
class ExpiringRow:
    """One lot at one site, with units on hand, that has expired or expires within 90 days."""

    balance: StockBalance
    bucket: str
    days_left: int

    @property
    def lot(self) -> Lot:
        return self.balance.lot

    @property
    def site(self) -> Site:
        return self.balance.site

    @property
    def on_hand(self) -> int:
        return self.balance.on_hand

    @property
    def reserved(self) -> int:
        return self.balance.reserved

    @property
    def available(self) -> int:
        return self.balance.on_hand - self.balance.reserved

    @property
    def value(self) -> Decimal:
        return self.balance.on_hand * self.balance.lot.unit_value

    @property
    def currency(self) -> str:
        return self.balance.lot.currency


@dataclass
class SiteRows:
    site: Site
    rows: list[ExpiringRow] = field(default_factory=list)


@dataclass
class BucketGroup:
    """The rows of one bucket, per site, with the units and value (per currency) they hold."""

    key: str
    rows: list[ExpiringRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(BUCKET_LABELS[self.key])

    @property
    def badge(self) -> str:
        return BUCKET_BADGES[self.key]

    @property
    def sites(self) -> list[SiteRows]:
        groups: dict[int, SiteRows] = {}
        for row in sorted(self.rows, key=lambda row: (row.site.name, row.site.pk)):
            groups.setdefault(row.site.pk, SiteRows(row.site)).rows.append(row)
        return list(groups.values())

    @property
    def on_hand(self) -> int:
        return sum(row.on_hand for row in self.rows)

    @property
    def values(self) -> list[tuple[str, Decimal]]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for row in self.rows:
            totals[row.currency] += row.value
        return sorted(totals.items())


def expiring_balances(
    organization_ids: Iterable[int], today: datetime.date, *, site: Site | None = None
) -> QuerySet[StockBalance]:
    """Balances with units on hand of lots the organisations own that have expired or expire
    within :data:`HORIZON_DAYS` days, earliest expiry first."""
    balances = StockBalance.objects.filter(
        lot__owner_id__in=list(organization_ids),
        on_hand__gt=0,
        lot__expiry_date__isnull=False,
        lot__expiry_date__lte=today + datetime.timedelta(days=HORIZON_DAYS),
    )
    if site is not None:
        balances = balances.filter(site=site)
    return balances.select_related("lot__item", "lot__owner", "site__host_organization").order_by(
        "lot__expiry_date", "site__name", "lot__item__name", "lot__lot_number", "pk"
    )


def expiring_row(balance: StockBalance, today: datetime.date) -> ExpiringRow:
    expiry = balance.lot.expiry_date
    assert expiry is not None  # expiring_balances() leaves undated lots out
    bucket = expiry_bucket(expiry, today)
    assert bucket is not None
    return ExpiringRow(balance, bucket, (expiry - today).days)


def expiring_report(
    organization_ids: Iterable[int], today: datetime.date, *, site: Site | None = None
) -> list[BucketGroup]:
    """Every bucket, most urgent first (empty ones included), with its rows; one query."""
    groups = {key: BucketGroup(key) for key in BUCKETS}
    for balance in expiring_balances(organization_ids, today, site=site):
        row = expiring_row(balance, today)
        groups[row.bucket].rows.append(row)
    return list(groups.values())


EXPIRING_CSV_HEADER = [
    gettext_lazy("Status"),
    gettext_lazy("Days left"),
    gettext_lazy("Expiry date"),
    gettext_lazy("Owner"),
    gettext_lazy("Site"),
    gettext_lazy("Item code"),
    gettext_lazy("Item"),
    gettext_lazy("Lot"),
    gettext_lazy("On hand"),
    gettext_lazy("Reserved"),
    gettext_lazy("Available"),
    gettext_lazy("Unit"),
    gettext_lazy("Value per unit"),
    gettext_lazy("Value"),
    gettext_lazy("Currency"),
]


def expiring_csv_rows(groups: Sequence[BucketGroup]) -> Iterator[list[Any]]:
    for group in groups:
        for row in group.rows:
            lot = row.lot
            yield [
                group.label,
                row.days_left,
                lot.expiry_date,
                lot.owner.name,
                row.site.name,
                lot.item.code,
                lot.item.label,
                lot.lot_number,
                row.on_hand,
                row.reserved,
                row.available,
                lot.item.unit,
                lot.unit_value,
                row.value,
                row.currency,
            ]


# --- Low stock ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LowStockRow:
    """A minimum level with what is available against it now."""

    level: StockLevel
    available: int

    @property
    def minimum(self) -> int:
        return self.level.minimum

    @property
    def below(self) -> bool:
        return self.available < self.level.minimum

    @property
    def shortfall(self) -> int:
        return max(self.level.minimum - self.available, 0)


def available_for_levels(
    levels: Sequence[StockLevel], today: datetime.date
) -> dict[tuple[int, int, int], int]:
    """(organisation, site, item) → units available (on hand minus reserved) of the organisation's
    lots of the item at the site, expired lots left out; one query for all ``levels``."""
    if not levels:
        return {}
    rows = (
        StockBalance.objects.filter(
            lot__owner_id__in={level.organization_id for level in levels},
            site_id__in={level.site_id for level in levels},
            lot__item_id__in={level.item_id for level in levels},
        )
        .filter(Q(lot__expiry_date__isnull=True) | Q(lot__expiry_date__gte=today))
        .values("lot__owner_id", "site_id", "lot__item_id")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
        .order_by()
    )
    return {
        (row["lot__owner_id"], row["site_id"], row["lot__item_id"]): int(row["free"] or 0) for row in rows
    }


def low_stock(
    levels: QuerySet[StockLevel], today: datetime.date, *, include_all: bool = False
) -> list[LowStockRow]:
    """The levels below their minimum (every level with ``include_all``), by site and item, each
    with what is available now; two queries."""
    loaded = list(
        levels.select_related("organization", "site__host_organization", "item").order_by(
            "site__name", "site_id", "item__name", "item__strength", "organization__name", "pk"
        )
    )
    available = available_for_levels(loaded, today)
    rows = [
        LowStockRow(level, available.get((level.organization_id, level.site_id, level.item_id), 0))
        for level in loaded
    ]
    return rows if include_all else [row for row in rows if row.below]


LOW_STOCK_CSV_HEADER = [
    gettext_lazy("Organisation"),
    gettext_lazy("Site"),
    gettext_lazy("Item code"),
    gettext_lazy("Item"),
    gettext_lazy("Minimum"),
    gettext_lazy("Available"),
    gettext_lazy("Shortfall"),
    gettext_lazy("Unit"),
]


# --- Alert counts --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertCounts:
    """Lots × sites per expiry bucket, and minimum levels not met: what alerts are about."""

    expired: int = 0
    within_30: int = 0
    within_60: int = 0
    within_90: int = 0
    low_stock: int = 0

    @property
    def any(self) -> bool:
        return bool(self.expired or self.within_30 or self.within_60 or self.within_90 or self.low_stock)


def alert_counts(organization_ids: Iterable[int], today: datetime.date) -> AlertCounts:
    """Counts for the organisations' stock on ``today``; three queries."""
    ids = list(organization_ids)
    if not ids:
        return AlertCounts()
    balances = StockBalance.objects.filter(
        lot__owner_id__in=ids, on_hand__gt=0, lot__expiry_date__isnull=False
    )
    aggregates: dict[str, Any] = {EXPIRED: Count("pk", filter=Q(lot__expiry_date__lt=today))}
    first_day = 0
    for bucket, last_day in BUCKET_LIMITS:
        aggregates[bucket] = Count(
            "pk",
            filter=Q(
                lot__expiry_date__gte=today + datetime.timedelta(days=first_day),
                lot__expiry_date__lte=today + datetime.timedelta(days=last_day),
            ),
        )
        first_day = last_day + 1
    counts = balances.aggregate(**aggregates)
    below = low_stock(StockLevel.objects.filter(organization_id__in=ids), today)
    return AlertCounts(
        expired=counts[EXPIRED] or 0,
        within_30=counts[WITHIN_30] or 0,
        within_60=counts[WITHIN_60] or 0,
        within_90=counts[WITHIN_90] or 0,
        low_stock=len(below),
    )


# --- Donor traceability ----------------------------------------------------------------------------


@dataclass
class SiteFlow:
    """What happened to one lot at one site, in units; outgoing movements are positive numbers."""

    site: Site
    received: int = 0  # receipts into stock (the donor's goods arriving)
    received_from_shipments: int = 0
    received_by_handover: int = 0  # a host's copy of a lot handed over to it
    shipped: int = 0
    consumed: int = 0
    handed_over: int = 0
    written_off: int = 0
    adjusted: int = 0  # net: found minus lost
    on_hand: int = 0
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class ShipmentTrace:
    """Units of a lot on one shipment."""

    shipment_id: int
    reference: str
    status: str
    origin: Site
    destination: Site
    quantity: int
    received: int

    @property
    def status_label(self) -> str:
        return str(ShipmentStatus(self.status).label)


@dataclass(frozen=True, slots=True)
class HandoverTrace:
    """Units of a lot handed over at one site to one host, for one mission (or none)."""

    site: Site
    recipient: Organization | None
    mission_id: int | None
    mission_title: str
    quantity: int
    last_on: datetime.date


FLOW_FIELDS = (
    "received",
    "received_from_shipments",
    "received_by_handover",
    "shipped",
    "consumed",
    "handed_over",
    "written_off",
    "adjusted",
    "on_hand",
    "reserved",
)


@dataclass
class LotTrace:
    """One donated lot: its flows per site, its shipments, its hand-overs and, for a lot of the
    donor's own first receipt, the copies handed over to hosts (and copies of those)."""

    lot: Lot
    sites: list[SiteFlow] = field(default_factory=list)
    shipments: list[ShipmentTrace] = field(default_factory=list)
    handovers: list[HandoverTrace] = field(default_factory=list)
    copies: list[LotTrace] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {name: sum(getattr(flow, name) for flow in self.sites) for name in FLOW_FIELDS}

    @property
    def left(self) -> list[SiteFlow]:
        """Sites where units of this lot are still on hand."""
        return [flow for flow in self.sites if flow.on_hand]


def donated_lots(donor: Organization) -> QuerySet[Lot]:
    """Every lot the donor gave, including the copies handed over to hosts (which keep the donor)."""
    return Lot.objects.filter(donor=donor)


def root_lots(donor: Organization) -> QuerySet[Lot]:
    """The donor's lots as first received (not copies), earliest expiry first: what the report
    pages through."""
    return (
        donated_lots(donor)
        .filter(Q(origin__isnull=True) | ~Q(origin__donor=donor))
        .select_related("item", "owner", "origin__owner")
        .order_by(F("expiry_date").asc(nulls_last=True), "item__name", "lot_number", "pk")
    )


def _descendants(roots: Sequence[Lot], donor: Organization) -> list[Lot]:
    """The copies handed over from ``roots`` (at any depth), in one query over the donor's lots."""
    by_origin: dict[int, list[Lot]] = defaultdict(list)
    for lot in (
        donated_lots(donor)
        .filter(origin__isnull=False)
        .select_related("item", "owner", "origin__owner")
        .order_by("pk")
    ):
        assert lot.origin_id is not None
        by_origin[lot.origin_id].append(lot)
    found: list[Lot] = []
    pending = [root.pk for root in roots]
    while pending:
        children = by_origin.get(pending.pop(), [])
        found.extend(children)
        pending.extend(child.pk for child in children)
    return found


def donor_trace(donor: Organization, roots: Sequence[Lot] | None = None) -> list[LotTrace]:
    """Where the donor's goods went: one :class:`LotTrace` per root lot (``roots``, a page of
    :func:`root_lots`, or all of them), each with its copies.

    At most eight queries whatever the number of lots: the root lots (unless given), the copies,
    the ledger grouped by lot, site and kind, the hand-overs grouped by lot, site, recipient and
    mission, the shipment items grouped by lot and shipment, and the sites, recipients and
    missions they name.
    """
    roots = list(root_lots(donor) if roots is None else roots)
    if not roots:
        return []
    copies = _descendants(roots, donor)
    lots = {lot.pk: lot for lot in [*roots, *copies]}
    lot_ids = list(lots)

    flows: dict[int, dict[int, SiteFlow]] = defaultdict(dict)
    site_ids: set[int] = set()
    rows = list(
        LedgerEntry.objects.filter(lot_id__in=lot_ids)
        .values("lot_id", "site_id", "transaction__kind")
        .annotate(
            gained=Sum("on_hand_change", filter=Q(on_hand_change__gt=0)),
            lost=Sum("on_hand_change", filter=Q(on_hand_change__lt=0)),
            reserved=Sum("reserved_change"),
        )
        .order_by()
    )
    handover_rows = list(
        LedgerEntry.objects.filter(
            lot_id__in=lot_ids, transaction__kind=MovementKind.HANDOVER, on_hand_change__lt=0
        )
        .values("lot_id", "site_id", "transaction__recipient_id", "transaction__mission_id")
        .annotate(quantity=Sum("on_hand_change"), last_on=Max("transaction__occurred_on"))
        .order_by()
    )
    shipment_rows = list(
        ShipmentItem.objects.filter(lot_id__in=lot_ids)
        .exclude(shipment__status=ShipmentStatus.CANCELLED)
        .values(
            "lot_id",
            "shipment_id",
            "shipment__reference",
            "shipment__status",
            "shipment__origin_id",
            "shipment__destination_id",
        )
        .annotate(quantity=Sum("quantity"), received=Sum("received_quantity"))
        .order_by("shipment__reference", "lot_id")
    )
    for row in rows:
        site_ids.add(row["site_id"])
    for row in handover_rows:
        site_ids.add(row["site_id"])
    for row in shipment_rows:
        site_ids.update((row["shipment__origin_id"], row["shipment__destination_id"]))
    sites = Site.objects.select_related("host_organization").in_bulk(list(site_ids))
    recipients = Organization.objects.in_bulk(
        [row["transaction__recipient_id"] for row in handover_rows if row["transaction__recipient_id"]]
    )
    from medmissions.missions.models import Mission

    mission_titles = dict(
        Mission.objects.filter(
            pk__in=[row["transaction__mission_id"] for row in handover_rows if row["transaction__mission_id"]]
        ).values_list("pk", "title")
    )

    for row in rows:
        flow = flows[row["lot_id"]].get(row["site_id"])
        if flow is None:
            flow = flows[row["lot_id"]][row["site_id"]] = SiteFlow(sites[row["site_id"]])
        gained, lost = int(row["gained"] or 0), -int(row["lost"] or 0)
        kind = row["transaction__kind"]
        if kind == MovementKind.RECEIPT:
            flow.received += gained
        elif kind == MovementKind.RECEIPT_IN:
            flow.received_from_shipments += gained
        elif kind == MovementKind.SHIPMENT_OUT:
            flow.shipped += lost
        elif kind == MovementKind.CONSUMPTION:
            flow.consumed += lost
        elif kind == MovementKind.HANDOVER:
            flow.received_by_handover += gained
            flow.handed_over += lost
        elif kind == MovementKind.EXPIRY_WRITE_OFF:
            flow.written_off += lost
        elif kind == MovementKind.ADJUSTMENT:
            flow.adjusted += gained - lost
        flow.on_hand += gained - lost
        flow.reserved += int(row["reserved"] or 0)

    traces = {
        pk: LotTrace(
            lot,
            sorted(flows[pk].values(), key=lambda flow: (flow.site.name, flow.site.pk)),
        )
        for pk, lot in lots.items()
    }
    for row in shipment_rows:
        traces[row["lot_id"]].shipments.append(
            ShipmentTrace(
                shipment_id=row["shipment_id"],
                reference=row["shipment__reference"],
                status=row["shipment__status"],
                origin=sites[row["shipment__origin_id"]],
                destination=sites[row["shipment__destination_id"]],
                quantity=int(row["quantity"] or 0),
                received=int(row["received"] or 0),
            )
        )
    for row in sorted(handover_rows, key=lambda row: (row["last_on"], row["site_id"])):
        mission_id = row["transaction__mission_id"]
        traces[row["lot_id"]].handovers.append(
            HandoverTrace(
                site=sites[row["site_id"]],
                recipient=recipients.get(row["transaction__recipient_id"]),
                mission_id=mission_id,
                mission_title=mission_titles.get(mission_id, "") if mission_id else "",
                quantity=-int(row["quantity"] or 0),
                last_on=row["last_on"],
            )
        )
    children: dict[int, list[Lot]] = defaultdict(list)
    for copy in copies:
        assert copy.origin_id is not None
        children[copy.origin_id].append(copy)
    result = [traces[root.pk] for root in roots]
    for trace in result:
        pending = [trace.lot.pk]
        while pending:
            for copy in children.get(pending.pop(0), []):
                trace.copies.append(traces[copy.pk])
                pending.append(copy.pk)
    return result


DONATIONS_CSV_HEADER = [
    gettext_lazy("Item code"),
    gettext_lazy("Item"),
    gettext_lazy("Lot"),
    gettext_lazy("Expiry date"),
    gettext_lazy("Owner"),
    gettext_lazy("Handed over from"),
    gettext_lazy("Site"),
    gettext_lazy("Received"),
    gettext_lazy("Received from shipments"),
    gettext_lazy("Received by hand-over"),
    gettext_lazy("Shipped out"),
    gettext_lazy("Consumed"),
    gettext_lazy("Handed over"),
    gettext_lazy("Written off"),
    gettext_lazy("Adjusted"),
    gettext_lazy("On hand"),
    gettext_lazy("Reserved"),
    gettext_lazy("Shipments from this site"),
    gettext_lazy("Handed over to"),
    gettext_lazy("Unit"),
]


def _handover_text(handover: HandoverTrace) -> str:
    recipient = handover.recipient.name if handover.recipient else _("the host")
    if handover.mission_title:
        return _("%(quantity)s to %(recipient)s (mission “%(mission)s”)") % {
            "quantity": handover.quantity,
            "recipient": recipient,
            "mission": handover.mission_title,
        }
    return _("%(quantity)s to %(recipient)s") % {"quantity": handover.quantity, "recipient": recipient}


def donations_csv_rows(traces: Sequence[LotTrace]) -> Iterator[list[Any]]:
    """One row per lot and site: the root lot's sites, then each copy's."""
    for root in traces:
        for trace in [root, *root.copies]:
            lot = trace.lot
            origin = (
                f"{lot.origin.lot_number} ({lot.origin.owner.name})" if lot.origin_id and lot.origin else ""
            )
            for flow in trace.sites:
                shipments = "; ".join(
                    _("%(reference)s to %(site)s: %(quantity)s (%(status)s)")
                    % {
                        "reference": shipment.reference,
                        "site": shipment.destination.name,
                        "quantity": shipment.quantity,
                        "status": shipment.status_label,
                    }
                    for shipment in trace.shipments
                    if shipment.origin.pk == flow.site.pk
                )
                handovers = "; ".join(
                    _handover_text(handover)
                    for handover in trace.handovers
                    if handover.site.pk == flow.site.pk
                )
                yield [
                    lot.item.code,
                    lot.item.label,
                    lot.lot_number,
                    lot.expiry_date,
                    lot.owner.name,
                    origin,
                    flow.site.name,
                    flow.received,
                    flow.received_from_shipments,
                    flow.received_by_handover,
                    flow.shipped,
                    flow.consumed,
                    flow.handed_over,
                    flow.written_off,
                    flow.adjusted,
                    flow.on_hand,
                    flow.reserved,
                    shipments,
                    handovers,
                    lot.item.unit,
                ]


# --- Stock at a site and hand-overs -----------------------------------------------------------------


@dataclass
class OwnerItemStock:
    """One owner's lots of one item at a site."""

    owner: Organization
    item: Item
    balances: list[StockBalance] = field(default_factory=list)

    @property
    def on_hand(self) -> int:
        return sum(balance.on_hand for balance in self.balances)

    @property
    def reserved(self) -> int:
        return sum(balance.reserved for balance in self.balances)


def site_balances(balances: QuerySet[StockBalance], site: Site) -> QuerySet[StockBalance]:
    """``balances`` (already scoped to the viewer) at ``site`` with units on hand, by owner, item
    and expiry."""
    return (
        balances.filter(site=site, on_hand__gt=0)
        .select_related("lot__item", "lot__owner", "lot__donor")
        .order_by(
            "lot__owner__name",
            "lot__owner_id",
            "lot__item__name",
            "lot__item__strength",
            "lot__item_id",
            F("lot__expiry_date").asc(nulls_last=True),
            "lot__lot_number",
            "pk",
        )
    )


def site_stock(balances: Iterable[StockBalance]) -> list[OwnerItemStock]:
    """Group balances (ordered as :func:`site_balances` orders them) per owner and item."""
    groups: list[OwnerItemStock] = []
    for balance in balances:
        lot = balance.lot
        if not groups or groups[-1].owner.pk != lot.owner_id or groups[-1].item.pk != lot.item_id:
            groups.append(OwnerItemStock(lot.owner, lot.item))
        groups[-1].balances.append(balance)
    return groups


def handover_entries(
    *, site: Site | None = None, mission: Any = None, lots: QuerySet[Lot] | None = None
) -> QuerySet[LedgerEntry]:
    """The outgoing lines of hand-overs (the giver's lot), newest first, each annotated with the
    ``quantity`` handed over, at ``site``, for ``mission``, and among ``lots`` (the viewer's
    visible lots) when given."""
    entries = LedgerEntry.objects.filter(transaction__kind=MovementKind.HANDOVER, on_hand_change__lt=0)
    if site is not None:
        entries = entries.filter(site=site)
    if mission is not None:
        entries = entries.filter(transaction__mission=mission)
    if lots is not None:
        entries = entries.filter(lot_id__in=lots.values("pk"))
    return (
        entries.select_related(
            "lot__item",
            "lot__donor",
            "site",
            "transaction__organization",
            "transaction__recipient",
            "transaction__mission",
        )
        .annotate(quantity=F("on_hand_change") * -1)
        .order_by("-transaction__occurred_on", "-transaction_id", "pk")
    )


@dataclass(frozen=True, slots=True)
class HandoverLine:
    """Units of one lot handed over for a mission."""

    lot: Lot
    quantity: int

    @property
    def item(self) -> Item:
        return self.lot.item

    @property
    def text(self) -> str:
        """``amoxicillin 500 mg capsule, lot AMX-1 (expires 2029-06-30): 400 capsule``"""
        values = {
            "item": self.lot.item.label,
            "lot": self.lot.lot_number,
            "quantity": self.quantity,
            "unit": _(self.lot.item.unit),
        }
        if self.lot.expiry_date is None:
            return _("%(item)s, lot %(lot)s: %(quantity)s %(unit)s") % values
        return _("%(item)s, lot %(lot)s (expires %(expiry)s): %(quantity)s %(unit)s") % {
            **values,
            "expiry": self.lot.expiry_date.isoformat(),
        }


@dataclass(frozen=True)
class MissionHandover:
    lines: list[HandoverLine]

    @property
    def summary(self) -> str:
        """One line per lot, for the handover plan's “medicines left with the host” field."""
        return "\n".join(line.text for line in self.lines)


def handover_for_mission(mission: Any) -> MissionHandover:
    """What was handed over to the host for ``mission``, per lot (several hand-overs of one lot
    are added up), by item and expiry; two queries. Checks nobody's permissions: the caller
    shows it only to those who may see the mission's handover plan."""
    totals = {
        row["lot_id"]: -int(row["quantity"] or 0)
        for row in LedgerEntry.objects.filter(
            transaction__kind=MovementKind.HANDOVER, transaction__mission=mission, on_hand_change__lt=0
        )
        .values("lot_id")
        .annotate(quantity=Sum("on_hand_change"))
        .order_by()
    }
    lots = Lot.objects.select_related("item").in_bulk(list(totals))
    ordered = sorted(
        lots.values(),
        key=lambda lot: (
            lot.item.name,
            lot.item.strength,
            lot.expiry_date or datetime.date.max,
            lot.lot_number,
        ),
    )
    return MissionHandover([HandoverLine(lot, totals[lot.pk]) for lot in ordered])
