"""API of the stock area: lots (list, receive, read, stock card, consume, adjust, write off, hand
over, import from a spreadsheet) and balances. ROUTES lists (prefix, router, tags) for
medmissions/api.py.

Endpoints call supplies/stock.py and supplies/imports.py, as the pages do, and load lots and
balances through supplies/access.py and the ``visible_*`` querysets: lots of other organisations
answer 404, a role too low 403 (from the services). Objects named in a request body (a site, an
item, a donor, a mission) that do not exist or that the caller may not use answer 400.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.core.models import Language
from medmissions.lib.pagination import MappedQuerySet
from medmissions.missions.models import Mission
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import imports, stock
from medmissions.supplies.access import get_lot_or_404
from medmissions.supplies.choices import LotSource
from medmissions.supplies.forms.stock import MAX_EXPIRY_DAYS
from medmissions.supplies.models import DonationOffer, Item, Lot, StockBalance, StockTransaction

lots_router = Router()
balances_router = Router()


# --- Schemas -----------------------------------------------------------------------------------


class BalanceOut(Schema):
    site: int
    site_name: str
    host: str = Field(..., description="Slug of the organisation hosting the site")
    on_hand: int
    reserved: int = Field(..., description="Promised to accepted allocations or shipments being picked")
    available: int


class LotOut(Schema):
    id: int
    item: str = Field(..., description="Item code")
    item_label: str
    lot_number: str
    expiry_date: datetime.date | None
    owner: str = Field(..., description="Slug of the owner")
    source: str = Field(..., description="donated or procured")
    donor: str | None = Field(None, description="Slug of the donor of a donated lot")
    manufacturer: str
    unit_value: Decimal
    currency: str
    label_language: str | None = Field(None, description="ISO 639 code of the label's language")
    offer: int | None = Field(None, description="The donation offer the goods came with")
    origin: int | None = Field(None, description="The lot this one was handed over from")
    on_hand: int = Field(..., description="Units on hand at the sites you can see")
    reserved: int
    balances: list[BalanceOut]
    created_at: datetime.datetime


class LotDetailOut(LotOut):
    handed_over_as: list[int] = Field(..., description="Lots of hosts this one was handed over to")


class EntryOut(Schema):
    lot: int
    site: int
    on_hand_change: int
    reserved_change: int


class TransactionOut(Schema):
    id: int
    kind: str
    kind_label: str
    occurred_on: datetime.date
    reason: str
    note: str
    organization: str = Field(..., description="Slug of the organisation it was recorded for")
    recipient: str | None = Field(None, description="Slug of the host a hand-over went to")
    mission: int | None
    recorded_by: str
    entries: list[EntryOut]


class ReceiptOut(Schema):
    lot: LotDetailOut
    transaction: TransactionOut


class HandOverOut(Schema):
    host_lot: int = Field(
        ..., description="The host's lot the units went into (the host's and the donor's to read from now on)"
    )
    transaction: TransactionOut


class StockCardEntryOut(Schema):
    transaction: int
    kind: str
    kind_label: str
    occurred_on: datetime.date
    site: int
    site_name: str
    on_hand_change: int
    reserved_change: int
    on_hand_after: int = Field(..., description="Running balance on hand at the site after this entry")
    reserved_after: int
    reason: str
    note: str
    recorded_by: str
    mission: int | None
    shipment: str | None = Field(None, description="Reference of the shipment")
    recipient: str | None


class ReceiveIn(Schema):
    organization: str = Field(..., description="Slug of the organisation whose stock receives the goods")
    site: int = Field(..., description="One of your sites or a partner's")
    item: str = Field(..., description="Item code")
    lot_number: str
    expiry_date: datetime.date | None = Field(None, description="Required for medicines and vaccines")
    quantity: int
    source: str = Field(..., description="donated or procured")
    donor: str | None = Field(None, description="Slug of the donor; required for donated goods")
    unit_value: Decimal = Field(..., description="Wholesale price of the generic equivalent (WHO article 11)")
    currency: str = Field("", description="Three-letter code; empty for the default currency")
    manufacturer: str = ""
    label_language: str | None = Field(None, description="ISO 639 code")
    offer: int | None = Field(None, description="An accepted donation offer made to the organisation")
    received_on: datetime.date | None = Field(None, description="Default: today")
    note: str = ""


class ConsumeIn(Schema):
    site: int
    quantity: int
    occurred_on: datetime.date | None = None
    mission: int | None = None
    note: str = ""


class AdjustIn(Schema):
    site: int
    change: int = Field(..., description="Positive to add units, negative to remove them")
    reason: str = Field(..., description="An adjustment reason code (recounted, damaged, missing…)")
    note: str = Field("", description="Required with the reason other")
    occurred_on: datetime.date | None = None


class WriteOffIn(Schema):
    site: int
    note: str = ""


class HandOverIn(Schema):
    site: int = Field(..., description="A site of another organisation, which receives the units")
    quantity: int
    mission: int | None = Field(None, description="A mission of a partnership with the site's host")
    note: str = ""
    occurred_on: datetime.date | None = None


class LotFilters(Schema):
    organization: str | None = Field(
        None, description="Slug: lots it owns or donated, and lots held at its sites"
    )
    site: int | None = Field(None, description="Lots held at this site")
    q: str = Field("", description="Words in the item's name or code, or in the lot number")
    item: str | None = Field(None, description="Item code")
    source: str | None = Field(None, description="donated or procured")
    expiring_within_days: int | None = Field(
        None, ge=0, le=MAX_EXPIRY_DAYS, description="Lots in date that expire within this many days"
    )
    expired: bool = Field(False, description="Only lots past their expiry")
    include_empty: bool = Field(False, description="Also lots with nothing left on hand")


class BalanceFilters(Schema):
    organization: str | None = Field(None, description="Slug of the lots' owner")
    site: int | None = None
    item: str | None = Field(None, description="Item code")
    expiring_within_days: int | None = Field(
        None, ge=0, le=MAX_EXPIRY_DAYS, description="Lots in date that expire within this many days"
    )
    include_empty: bool = Field(False, description="Also balances with nothing on hand")


class StockRowOut(Schema):
    lot: int
    lot_number: str
    item: str
    item_label: str
    expiry_date: datetime.date | None
    owner: str
    site: int
    site_name: str
    on_hand: int
    reserved: int
    available: int


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class PlanOut(Schema):
    row: int
    item: str
    item_label: str
    lot_number: str
    expiry_date: datetime.date | None
    quantity: int
    source: str
    donor: str | None
    unit_value: Decimal
    currency: str
    manufacturer: str
    site: int
    site_name: str
    received_on: datetime.date
    existing_lot: int | None = Field(None, description="The recorded lot the units join; null for a new lot")


class ValueOut(Schema):
    currency: str
    total: Decimal


class AnalysisOut(Schema):
    file_name: str
    file_format: str
    file_sha256: str
    rows: int
    new_lots: int
    existing_lots: int
    units: int
    value: list[ValueOut]
    errors: list[RowErrorOut]
    lots: list[PlanOut] = Field(..., description="What would be received, row by row (rows without errors)")
    previously_imported: list[datetime.datetime] = Field(
        ..., description="When a file with the same content was already imported for the organisation"
    )
    token: str | None = Field(None, description="Send it back with dry_run=false to commit this file")


class ImportOut(Schema):
    rows: int
    lots_created: int
    lots_topped_up: int
    units: int
    lots: list[int]


# --- Helpers -------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: message})


def _member_organization(user: Any, slug: str) -> Organization:
    """One of the caller's organisations; 404 for any other, as if it did not exist."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or access_for(user).role_in(organization) is None:
        raise Http404
    return organization


def _balances_of(user: Any, lots: list[Lot]) -> dict[int, list[StockBalance]]:
    found: dict[int, list[StockBalance]] = {lot.pk: [] for lot in lots}
    rows = (
        stock.visible_balances(user)
        .filter(lot_id__in=list(found))
        .select_related("site__host_organization")
        .order_by("site__name", "pk")
    )
    for balance in rows:
        found[balance.lot_id].append(balance)
    return found


def _lot_out(lot: Lot, balances: list[StockBalance]) -> dict[str, Any]:
    return {
        "id": lot.pk,
        "item": lot.item.code,
        "item_label": lot.item.label,
        "lot_number": lot.lot_number,
        "expiry_date": lot.expiry_date,
        "owner": lot.owner.slug,
        "source": lot.source,
        "donor": lot.donor.slug if lot.donor else None,
        "manufacturer": lot.manufacturer,
        "unit_value": lot.unit_value,
        "currency": lot.currency,
        "label_language": lot.label_language.code if lot.label_language else None,
        "offer": lot.offer_id,
        "origin": lot.origin_id,
        "on_hand": sum(balance.on_hand for balance in balances),
        "reserved": sum(balance.reserved for balance in balances),
        "balances": [
            {
                "site": balance.site_id,
                "site_name": balance.site.name,
                "host": balance.site.host_organization.slug,
                "on_hand": balance.on_hand,
                "reserved": balance.reserved,
                "available": balance.available,
            }
            for balance in balances
        ],
        "created_at": lot.created_at,
    }


def _lot_detail(user: Any, lot_id: int) -> dict[str, Any]:
    lot = get_lot_or_404(user, lot_id)
    copies = Lot.objects.visible_to(user).filter(origin=lot).order_by("pk").values_list("pk", flat=True)
    return {**_lot_out(lot, _balances_of(user, [lot])[lot.pk]), "handed_over_as": list(copies)}


def _transaction_out(movement: StockTransaction) -> dict[str, Any]:
    return {
        "id": movement.pk,
        "kind": movement.kind,
        "kind_label": str(movement.get_kind_display()),
        "occurred_on": movement.occurred_on,
        "reason": movement.reason,
        "note": movement.note,
        "organization": movement.organization.slug,
        "recipient": movement.recipient.slug if movement.recipient else None,
        "mission": movement.mission_id,
        "recorded_by": movement.created_by.full_name if movement.created_by else "",
        "entries": [
            {
                "lot": entry.lot_id,
                "site": entry.site_id,
                "on_hand_change": entry.on_hand_change,
                "reserved_change": entry.reserved_change,
            }
            for entry in movement.entries.order_by("pk")
        ],
    }


def _lot_at_site(user: Any, lot_id: int, site_id: int) -> tuple[Lot, Site]:
    """The lot (404 unless visible) and a site holding it that the caller sees (else 400)."""
    lot = get_lot_or_404(user, lot_id)
    balance = (
        stock.visible_balances(user)
        .filter(lot=lot, site_id=site_id)
        .select_related("site__host_organization")
        .first()
    )
    if balance is None:
        raise _invalid(
            "site", _("Lot %(lot)s has no stock at site %(site)d.") % {"lot": lot.lot_number, "site": site_id}
        )
    return lot, balance.site


def _mission(user: Any, mission_id: int | None) -> Mission | None:
    if mission_id is None:
        return None
    mission = Mission.objects.visible_to(user).filter(pk=mission_id).first()
    if mission is None:
        raise _invalid("mission", _("Mission %(mission)d does not exist.") % {"mission": mission_id})
    return mission


def _stock_row_out(balance: StockBalance) -> dict[str, Any]:
    return {
        "lot": balance.lot_id,
        "lot_number": balance.lot.lot_number,
        "item": balance.lot.item.code,
        "item_label": balance.lot.item.label,
        "expiry_date": balance.lot.expiry_date,
        "owner": balance.lot.owner.slug,
        "site": balance.site_id,
        "site_name": balance.site.name,
        "on_hand": balance.on_hand,
        "reserved": balance.reserved,
        "available": balance.available,
    }


def _card_entry_out(entry: Any) -> dict[str, Any]:
    movement = entry.transaction
    return {
        "transaction": movement.pk,
        "kind": movement.kind,
        "kind_label": str(movement.get_kind_display()),
        "occurred_on": movement.occurred_on,
        "site": entry.site_id,
        "site_name": entry.site.name,
        "on_hand_change": entry.on_hand_change,
        "reserved_change": entry.reserved_change,
        "on_hand_after": entry.on_hand_after,
        "reserved_after": entry.reserved_after,
        "reason": movement.reason,
        "note": movement.note,
        "recorded_by": movement.created_by.full_name if movement.created_by else "",
        "mission": movement.mission_id,
        "shipment": movement.shipment.reference if movement.shipment else None,
        "recipient": movement.recipient.slug if movement.recipient else None,
    }


def _analysis_out(analysis: imports.Analysis) -> dict[str, Any]:
    return {
        "file_name": analysis.file_name,
        "file_format": analysis.file_format,
        "file_sha256": analysis.file_sha256,
        "rows": analysis.rows,
        "new_lots": analysis.new_lots,
        "existing_lots": analysis.existing_lots,
        "units": analysis.units,
        "value": [{"currency": currency, "total": total} for currency, total in analysis.value_by_currency],
        "errors": [
            {"row": error.row, "column": error.column, "message": error.message} for error in analysis.errors
        ],
        "lots": [
            {
                "row": plan.row,
                "item": plan.item.code,
                "item_label": plan.item.label,
                "lot_number": plan.lot_number,
                "expiry_date": plan.expiry_date,
                "quantity": plan.quantity,
                "source": plan.source,
                "donor": plan.donor.slug if plan.donor else None,
                "unit_value": plan.unit_value,
                "currency": plan.currency,
                "manufacturer": plan.manufacturer,
                "site": plan.site.pk,
                "site_name": plan.site.name,
                "received_on": plan.received_on,
                "existing_lot": plan.existing_lot.pk if plan.existing_lot else None,
            }
            for plan in analysis.plans
        ],
        "previously_imported": [entry.created_at for entry in analysis.previous_imports],
        "token": analysis.token,
    }


class _LotPage(MappedQuerySet):
    """Lots mapped to their output one page at a time, the page's balances read in one query."""

    def __init__(self, queryset: Any, user: Any):
        super().__init__(queryset, lambda lot: _lot_out(lot, _balances_of(user, [lot])[lot.pk]))
        self.user = user

    def __getitem__(self, index: slice | int) -> Any:
        if not isinstance(index, slice):
            return super().__getitem__(index)
        page = list(self.queryset[index])
        balances = _balances_of(self.user, page)
        return [_lot_out(lot, balances[lot.pk]) for lot in page]


# --- Lots ----------------------------------------------------------------------------------------


@lots_router.get(
    "", response=list[LotOut], summary="Lots you can see (your organisations' and donated), filtered"
)
@paginate(PageNumberPagination, page_size=50)
def list_lots(request, filters: Query[LotFilters]):
    user = request.user
    organization = None
    if filters.organization:
        organization = Organization.objects.filter(slug=filters.organization).first()
        if organization is None:
            raise _invalid(
                "organization",
                _("No organisation has the short name “%(slug)s”.") % {"slug": filters.organization},
            )
    site = None
    if filters.site is not None:
        site = Site.objects.visible_to(user).filter(pk=filters.site).first()
        if site is None:
            raise _invalid("site", _("Site %(site)d does not exist.") % {"site": filters.site})
    item = None
    if filters.item:
        item = Item.objects.filter(code=filters.item).first()
        if item is None:
            raise _invalid("item", _("No catalogue item has the code “%(code)s”.") % {"code": filters.item})
    if filters.source and filters.source not in LotSource.values:
        raise _invalid("source", _("Write donated or procured."))
    lots = stock.filter_lots(
        stock.visible_lots(user).select_related("item", "owner", "donor", "label_language"),
        today=timezone.localdate(),
        organization=organization,
        site=site,
        q=filters.q,
        item=item,
        source=filters.source or "",
        expiring_within=filters.expiring_within_days,
        expired=filters.expired,
        include_empty=filters.include_empty,
    )
    return _LotPage(lots, user)


@lots_router.post(
    "",
    response={201: ReceiptOut},
    summary="Receive a lot into an organisation's stock (coordinators and admins)",
)
def receive_lot(request, payload: ReceiveIn):
    user = request.user
    organization = _member_organization(user, payload.organization)
    if not access_for(user).can(organization, Capability.MANAGE_SUPPLIES):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    site = Site.objects.visible_to(user).filter(pk=payload.site).first()
    if site is None:
        raise _invalid("site", _("Choose one of your sites or a partner’s site."))
    item = Item.objects.filter(code__iexact=payload.item.strip()).first()
    if item is None:
        raise _invalid("item", _("No catalogue item has the code “%(code)s”.") % {"code": payload.item})
    donor = None
    if payload.donor:
        donor = Organization.objects.filter(slug=payload.donor).first()
        if donor is None:
            raise _invalid(
                "donor", _("No organisation has the short name “%(slug)s”.") % {"slug": payload.donor}
            )
    language = None
    if payload.label_language:
        language = Language.objects.filter(code=payload.label_language).first()
        if language is None:
            raise _invalid(
                "label_language", _("Unknown language code: %(code)s.") % {"code": payload.label_language}
            )
    offer = None
    if payload.offer is not None:
        offer = (
            DonationOffer.objects.visible_to(user).select_related("donor").filter(pk=payload.offer).first()
        )
        if offer is None:
            raise _invalid("offer", _("Offer %(offer)d does not exist.") % {"offer": payload.offer})
    lot, movement = stock.receive_lot(
        actor=user,
        organization=organization,
        site=site,
        item=item,
        lot_number=payload.lot_number,
        expiry_date=payload.expiry_date,
        quantity=payload.quantity,
        source=payload.source,
        donor=donor,
        unit_value=payload.unit_value,
        currency=payload.currency,
        manufacturer=payload.manufacturer,
        label_language=language,
        offer=offer,
        occurred_on=payload.received_on,
        note=payload.note,
    )
    return Status(201, {"lot": _lot_detail(user, lot.pk), "transaction": _transaction_out(movement)})


@lots_router.post(
    "/import",
    response={200: AnalysisOut, 201: ImportOut},
    summary="Import lots from a CSV or XLSX file: a dry run (200) or the commit, all or nothing (201) (coordinators and admins)",
)
def import_lots(
    request,
    file: File[UploadedFile | None] = None,
    organization: Form[str] = "",
    dry_run: Form[bool] = True,
    token: Form[str | None] = None,
):
    if not organization:
        raise _invalid("organization", _("Give the organisation’s short name (slug)."))
    target = _member_organization(request.user, organization)
    if not access_for(request.user).can(target, Capability.MANAGE_SUPPLIES):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    if dry_run:
        if file is None:
            raise _invalid("file", _("Send the file to check."))
        return _analysis_out(imports.dry_run(target, actor=request.user, upload=file))
    if file is None and not token:
        raise _invalid("file", _("Send the file, or the token of its dry run."))
    result = imports.commit_import(
        target, actor=request.user, upload=None if token else file, token=token or None
    )
    return Status(
        201,
        {
            "rows": result.rows,
            "lots_created": result.lots_created,
            "lots_topped_up": result.lots_topped_up,
            "units": result.units,
            "lots": result.lot_ids,
        },
    )


@lots_router.get("/{lot_id}", response=LotDetailOut, summary="A lot with its balances per site")
def get_lot(request, lot_id: int):
    return _lot_detail(request.user, lot_id)


@lots_router.get(
    "/{lot_id}/ledger",
    response=list[StockCardEntryOut],
    summary="The lot's stock card: its ledger entries in the order recorded, with running balances",
)
@paginate(PageNumberPagination, page_size=100)
def lot_ledger(request, lot_id: int):
    user = request.user
    lot = get_lot_or_404(user, lot_id)
    card = stock.stock_card(lot)
    own = access_for(user).organization_ids()
    if lot.owner_id not in own and lot.donor_id not in own:
        card = card.filter(site__host_organization_id__in=own)
    return MappedQuerySet(card, _card_entry_out)


@lots_router.post(
    "/{lot_id}/consume",
    response={201: TransactionOut},
    summary="Record units used at a site (members of the owner or of the site's host)",
)
def consume(request, lot_id: int, payload: ConsumeIn):
    lot, site = _lot_at_site(request.user, lot_id, payload.site)
    movement = stock.consume(
        lot,
        site,
        actor=request.user,
        quantity=payload.quantity,
        occurred_on=payload.occurred_on,
        mission=_mission(request.user, payload.mission),
        note=payload.note,
    )
    return Status(201, _transaction_out(movement))


@lots_router.post(
    "/{lot_id}/adjust",
    response={201: TransactionOut},
    summary="Correct the quantity on hand at a site with a reason (coordinators and admins of the owner)",
)
def adjust(request, lot_id: int, payload: AdjustIn):
    lot, site = _lot_at_site(request.user, lot_id, payload.site)
    movement = stock.adjust(
        lot,
        site,
        actor=request.user,
        change=payload.change,
        reason=payload.reason,
        note=payload.note,
        occurred_on=payload.occurred_on,
    )
    return Status(201, _transaction_out(movement))


@lots_router.post(
    "/{lot_id}/write-off",
    response={201: TransactionOut},
    summary="Write off everything of an expired lot at a site (coordinators and admins of the owner)",
)
def write_off(request, lot_id: int, payload: WriteOffIn):
    lot, site = _lot_at_site(request.user, lot_id, payload.site)
    movement = stock.write_off_expired(lot, site, actor=request.user, note=payload.note)
    return Status(201, _transaction_out(movement))


@lots_router.post(
    "/{lot_id}/hand-over",
    response={201: HandOverOut},
    summary="Hand units at a site over to the organisation hosting it (coordinators and admins of the owner)",
)
def hand_over(request, lot_id: int, payload: HandOverIn):
    lot, site = _lot_at_site(request.user, lot_id, payload.site)
    host_lot, movement = stock.hand_over(
        lot,
        site,
        actor=request.user,
        quantity=payload.quantity,
        mission=_mission(request.user, payload.mission),
        note=payload.note,
        occurred_on=payload.occurred_on,
    )
    return Status(201, {"host_lot": host_lot.pk, "transaction": _transaction_out(movement)})


# --- Balances --------------------------------------------------------------------------------------


@balances_router.get(
    "",
    response=list[StockRowOut],
    summary="Stock balances you can see, per lot and site, soonest expiry first",
)
@paginate(PageNumberPagination, page_size=100)
def list_balances(request, filters: Query[BalanceFilters]):
    user = request.user
    balances = stock.visible_balances(user).select_related("lot__item", "lot__owner", "site")
    if filters.organization:
        organization = Organization.objects.filter(slug=filters.organization).first()
        if organization is None:
            raise _invalid(
                "organization",
                _("No organisation has the short name “%(slug)s”.") % {"slug": filters.organization},
            )
        balances = balances.filter(lot__owner=organization)
    if filters.site is not None:
        balances = balances.filter(site_id=filters.site)
    if filters.item:
        balances = balances.filter(lot__item__code=filters.item)
    if filters.expiring_within_days is not None:
        today = timezone.localdate()
        balances = balances.filter(
            lot__expiry_date__gte=today,
            lot__expiry_date__lte=today + datetime.timedelta(days=filters.expiring_within_days),
        )
    if not filters.include_empty:
        balances = balances.filter(on_hand__gt=0)
    ordered = balances.order_by(
        F("lot__expiry_date").asc(nulls_last=True), "lot__item__name", "site__name", "pk"
    )
    return MappedQuerySet(ordered, _stock_row_out)


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/supplies/lots", lots_router, ["Supplies: stock"]),
    ("/supplies/balances", balances_router, ["Supplies: stock"]),
]
