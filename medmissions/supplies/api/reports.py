"""API of the reports area: expiring and low stock, minimum levels (set, remove), donor
traceability, stock at a site, and the OpenBoxes CSV exports. ROUTES lists (prefix, router, tags)
for medmissions/api.py.

The endpoints compute with supplies/reports.py and supplies/exports.py and change levels through
supplies/levels.py, as the pages do. An organisation named by slug must be one of the caller's
(404 otherwise); a site or level the caller may not see answers 404; a role too low 403.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import NotFound, ValidationFailed
from medmissions.lib.csv import csv_response
from medmissions.lib.pagination import MappedQuerySet
from medmissions.organizations.access import access_for, get_visible_or_404
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import exports, levels, reports, stock
from medmissions.supplies.models import Item, LedgerEntry, StockBalance, StockLevel

reports_router = Router()
levels_router = Router()
exports_router = Router()


# --- Schemas ---------------------------------------------------------------------------------------


class ExpiringOut(Schema):
    bucket: str = Field(..., description="expired, within_30, within_60 or within_90")
    days_left: int = Field(..., description="Negative once expired")
    lot: int
    lot_number: str
    expiry_date: datetime.date
    item: str = Field(..., description="Catalogue code")
    item_label: str
    unit: str
    owner: str = Field(..., description="Slug of the lot's owner")
    site: int
    site_name: str
    on_hand: int
    reserved: int
    available: int
    unit_value: Decimal
    value: Decimal
    currency: str


class AlertCountsOut(Schema):
    expired: int
    within_30: int
    within_60: int
    within_90: int
    low_stock: int


class LevelOut(Schema):
    id: int
    organization: str
    site: int
    site_name: str
    item: str
    item_label: str
    unit: str
    minimum: int
    available: int = Field(
        ..., description="On hand minus reserved of the organisation's unexpired lots there"
    )
    shortfall: int
    below: bool
    updated_at: datetime.datetime


class LevelIn(Schema):
    organization: str = Field(..., description="Slug of the organisation keeping the minimum")
    site: int
    item: str = Field(..., description="Catalogue code")
    minimum: int = Field(..., description="Units that should always be available")


class FlowOut(Schema):
    site: int
    site_name: str
    received: int
    received_from_shipments: int
    received_by_handover: int
    shipped: int
    consumed: int
    handed_over: int
    written_off: int
    adjusted: int
    on_hand: int
    reserved: int


class ShipmentTraceOut(Schema):
    shipment: int
    reference: str
    status: str
    origin: int
    destination: int
    destination_name: str
    quantity: int
    received: int


class HandoverTraceOut(Schema):
    site: int
    recipient: str | None = Field(..., description="Slug of the host it was handed to")
    mission: int | None
    mission_title: str
    quantity: int
    last_on: datetime.date


class LotTraceOut(Schema):
    lot: int
    origin: int | None = Field(..., description="The lot it was handed over from, for a host's copy")
    item: str
    item_label: str
    unit: str
    lot_number: str
    expiry_date: datetime.date | None
    owner: str
    sites: list[FlowOut]
    shipments: list[ShipmentTraceOut]
    handovers: list[HandoverTraceOut]


class DonatedLotOut(LotTraceOut):
    copies: list[LotTraceOut] = Field(..., description="Copies handed over to hosts (which keep the donor)")


class SiteBalanceOut(Schema):
    lot: int
    lot_number: str
    expiry_date: datetime.date | None
    item: str
    item_label: str
    unit: str
    owner: str
    donor: str | None
    on_hand: int
    reserved: int


class SiteHandoverOut(Schema):
    occurred_on: datetime.date
    organization: str = Field(..., description="Slug of the organisation that handed over")
    recipient: str | None
    mission: int | None
    mission_title: str | None
    lot: int
    lot_number: str
    expiry_date: datetime.date | None
    item: str
    item_label: str
    quantity: int


class SiteStockOut(Schema):
    site: int
    site_name: str
    host: str
    balances: list[SiteBalanceOut]
    handovers: list[SiteHandoverOut] = Field(
        ..., description="The latest hand-overs at the site (100 at most)"
    )


# --- Helpers -----------------------------------------------------------------------------------------

HANDOVERS_SHOWN = 100


def _member_organization(user: Any, slug: str | None) -> Organization | None:
    """The caller's organisation of this slug (404 for any other); None without a slug."""
    if not slug:
        return None
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or organization.pk not in access_for(user).organization_ids():
        raise NotFound(_("Not found."))
    return organization


def _organization_ids(user: Any, slug: str | None) -> list[int]:
    organization = _member_organization(user, slug)
    return [organization.pk] if organization else sorted(access_for(user).organization_ids())


def _visible_site(user: Any, site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    return get_visible_or_404(Site.objects.select_related("host_organization"), user, pk=site_id)


def _expiring_out(row: reports.ExpiringRow) -> dict[str, Any]:
    lot = row.lot
    return {
        "bucket": row.bucket,
        "days_left": row.days_left,
        "lot": lot.pk,
        "lot_number": lot.lot_number,
        "expiry_date": lot.expiry_date,
        "item": lot.item.code,
        "item_label": lot.item.label,
        "unit": lot.item.unit,
        "owner": lot.owner.slug,
        "site": row.site.pk,
        "site_name": row.site.name,
        "on_hand": row.on_hand,
        "reserved": row.reserved,
        "available": row.available,
        "unit_value": lot.unit_value,
        "value": row.value,
        "currency": row.currency,
    }


def _level_out(row: reports.LowStockRow) -> dict[str, Any]:
    level = row.level
    return {
        "id": level.pk,
        "organization": level.organization.slug,
        "site": level.site_id,
        "site_name": level.site.name,
        "item": level.item.code,
        "item_label": level.item.label,
        "unit": level.item.unit,
        "minimum": level.minimum,
        "available": row.available,
        "shortfall": row.shortfall,
        "below": row.below,
        "updated_at": level.updated_at,
    }


def _trace_out(trace: reports.LotTrace) -> dict[str, Any]:
    lot = trace.lot
    return {
        "lot": lot.pk,
        "origin": lot.origin_id,
        "item": lot.item.code,
        "item_label": lot.item.label,
        "unit": lot.item.unit,
        "lot_number": lot.lot_number,
        "expiry_date": lot.expiry_date,
        "owner": lot.owner.slug,
        "sites": [
            {"site": flow.site.pk, "site_name": flow.site.name}
            | {name: getattr(flow, name) for name in reports.FLOW_FIELDS}
            for flow in trace.sites
        ],
        "shipments": [
            {
                "shipment": shipment.shipment_id,
                "reference": shipment.reference,
                "status": shipment.status,
                "origin": shipment.origin.pk,
                "destination": shipment.destination.pk,
                "destination_name": shipment.destination.name,
                "quantity": shipment.quantity,
                "received": shipment.received,
            }
            for shipment in trace.shipments
        ],
        "handovers": [
            {
                "site": handover.site.pk,
                "recipient": handover.recipient.slug if handover.recipient else None,
                "mission": handover.mission_id,
                "mission_title": handover.mission_title,
                "quantity": handover.quantity,
                "last_on": handover.last_on,
            }
            for handover in trace.handovers
        ],
    }


class _DonatedLots:
    """The donor's root lots for ninja's paginator: counted in the database, traced only for the
    page served (a fixed number of queries per page)."""

    def __init__(self, donor: Organization):
        self.donor = donor
        self.roots = reports.root_lots(donor)

    def __len__(self) -> int:
        return self.roots.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        traces = reports.donor_trace(self.donor, list(self.roots[index]))
        return [
            _trace_out(trace) | {"copies": [_trace_out(copy) for copy in trace.copies]} for trace in traces
        ]


def _balance_out(balance: StockBalance) -> dict[str, Any]:
    lot = balance.lot
    return {
        "lot": lot.pk,
        "lot_number": lot.lot_number,
        "expiry_date": lot.expiry_date,
        "item": lot.item.code,
        "item_label": lot.item.label,
        "unit": lot.item.unit,
        "owner": lot.owner.slug,
        "donor": lot.donor.slug if lot.donor_id and lot.donor else None,
        "on_hand": balance.on_hand,
        "reserved": balance.reserved,
    }


def _handover_out(entry: LedgerEntry) -> dict[str, Any]:
    movement = entry.transaction
    return {
        "occurred_on": movement.occurred_on,
        "organization": movement.organization.slug,
        "recipient": movement.recipient.slug if movement.recipient else None,
        "mission": movement.mission_id,
        "mission_title": movement.mission.title if movement.mission else None,
        "lot": entry.lot_id,
        "lot_number": entry.lot.lot_number,
        "expiry_date": entry.lot.expiry_date,
        "item": entry.lot.item.code,
        "item_label": entry.lot.item.label,
        "quantity": -entry.on_hand_change,
    }


# --- Reports ---------------------------------------------------------------------------------------


@reports_router.get(
    "/expiring",
    response=list[ExpiringOut],
    summary="Lots of your organisations expired or expiring within 90 days, by bucket (members)",
)
@paginate(PageNumberPagination, page_size=100)
def expiring(request, organization: str | None = None, site: int | None = None):
    ids = _organization_ids(request.user, organization)
    today = timezone.localdate()
    balances = reports.expiring_balances(ids, today, site=_visible_site(request.user, site))
    return MappedQuerySet(balances, lambda balance: _expiring_out(reports.expiring_row(balance, today)))


@reports_router.get(
    "/alerts",
    response=AlertCountsOut,
    summary="Counts of what supply alerts are about, for your organisations (members)",
)
def alert_counts(request, organization: str | None = None):
    counts = reports.alert_counts(_organization_ids(request.user, organization), timezone.localdate())
    return {
        "expired": counts.expired,
        "within_30": counts.within_30,
        "within_60": counts.within_60,
        "within_90": counts.within_90,
        "low_stock": counts.low_stock,
    }


@reports_router.get(
    "/low-stock",
    response=list[LevelOut],
    summary="Minimum levels of your organisations below their minimum, or all with all=true (members)",
)
@paginate(PageNumberPagination, page_size=100)
def low_stock(request, organization: str | None = None, site: int | None = None, all: bool = False):
    found: QuerySet[StockLevel] = StockLevel.objects.filter(
        organization_id__in=_organization_ids(request.user, organization)
    )
    chosen = _visible_site(request.user, site)
    if chosen is not None:
        found = found.filter(site=chosen)
    return [_level_out(row) for row in reports.low_stock(found, timezone.localdate(), include_all=all)]


@reports_router.get(
    "/donations",
    response=list[DonatedLotOut],
    summary="Where a donor's goods went, lot by lot (members of the donor)",
)
@paginate(PageNumberPagination, page_size=20)
def donations(request, organization: str):
    donor = _member_organization(request.user, organization)
    assert donor is not None
    return _DonatedLots(donor)


@reports_router.get(
    "/sites/{site_id}",
    response=SiteStockOut,
    summary="Stock you may see at a site and the leftovers handed to its host (who sees the site)",
)
def site_stock(request, site_id: int):
    site = _visible_site(request.user, site_id)
    assert site is not None
    user = request.user
    balances = reports.site_balances(stock.visible_balances(user), site)
    handovers = reports.handover_entries(site=site, lots=stock.visible_lots(user))[:HANDOVERS_SHOWN]
    return {
        "site": site.pk,
        "site_name": site.name,
        "host": site.host_organization.slug,
        "balances": [_balance_out(balance) for balance in balances],
        "handovers": [_handover_out(entry) for entry in handovers],
    }


# --- Minimum levels ----------------------------------------------------------------------------------


@levels_router.put(
    "",
    response={200: LevelOut, 201: LevelOut},
    summary="Set the minimum of an item at a site: 201 when new, 200 when changed (coordinators)",
)
def set_level(request, payload: LevelIn):
    user = request.user
    organization = _member_organization(user, payload.organization)
    assert organization is not None
    site = Site.objects.visible_to(user).filter(pk=payload.site).first()
    if site is None:
        message = _("Site %(site)d does not exist.") % {"site": payload.site}
        raise ValidationFailed(message, fields={"site": message})
    item = Item.objects.filter(code=payload.item).first()
    if item is None:
        message = _("There is no item %(code)s in the catalogue.") % {"code": payload.item}
        raise ValidationFailed(message, fields={"item": message})
    level, created = levels.set_stock_level(
        actor=user, organization=organization, site=site, item=item, minimum=payload.minimum
    )
    row = reports.low_stock(StockLevel.objects.filter(pk=level.pk), timezone.localdate(), include_all=True)[0]
    return Status(201 if created else 200, _level_out(row))


@levels_router.delete("/{level_id}", response={204: None}, summary="Remove a minimum level (coordinators)")
def delete_level(request, level_id: int):
    level = get_visible_or_404(StockLevel.objects.select_related("organization"), request.user, pk=level_id)
    levels.remove_stock_level(level, actor=request.user)
    return Status(204, None)


# --- Exports -----------------------------------------------------------------------------------------


@exports_router.get(
    "/openboxes/{kind}.csv",
    response={200: None},
    summary=(
        "An OpenBoxes CSV: products (everyone), lots (organization=<slug>) or stock "
        "(organization=<slug>&site=<id>) of your organisation"
    ),
    openapi_extra={"responses": {200: {"description": "CSV", "content": {"text/csv": {}}}}},
)
def openboxes_csv(
    request, kind: str, organization: str | None = None, site: int | None = None
) -> HttpResponse:
    if kind not in exports.KINDS:
        raise Http404
    if kind == exports.PRODUCTS:
        export = exports.openboxes_export(kind)
    else:
        if not organization:
            message = _("Name the organisation whose %(kind)s to export.") % {"kind": kind}
            raise ValidationFailed(message, fields={"organization": _("Required.")})
        chosen = _member_organization(request.user, organization)
        if kind == exports.STOCK and site is None:
            raise ValidationFailed(
                _("Choose the site whose stock to export."), fields={"site": _("Required.")}
            )
        export = exports.openboxes_export(kind, organization=chosen, site=_visible_site(request.user, site))
    return csv_response(export.filename, export.header, export.rows)


ROUTES = [
    ("/supplies/reports", reports_router, ["Supplies: reports"]),
    ("/supplies/stock-levels", levels_router, ["Supplies: reports"]),
    ("/supplies/exports", exports_router, ["Supplies: reports"]),
]
