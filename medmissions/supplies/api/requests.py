"""API: supply requests (list, draft, read, change, lines, kits, submit, cancel, close, the host's
shelf-life exception) and donation offers (list, make, read, decide, withdraw). ROUTES lists
(prefix, router, tags) for medmissions/api.py.

Endpoints call supplies/services.py, as the pages do, and load requests, lines and offers
through supplies/access.py: what one may not see answers 404, a role too low 403. Codes in
payloads are resolved through what the caller may see: item and kit codes, organisation slugs,
site, mission, need and request ids; an unknown or invisible one is a 400 naming the field.
"""

import datetime
from typing import Any, Literal, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.missions.models import Mission, Need
from medmissions.organizations.access import access_for
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import services
from medmissions.supplies.access import get_line_or_404, get_offer_or_404, get_request_or_404
from medmissions.supplies.choices import RequestStatus
from medmissions.supplies.models import DonationOffer, Item, Kit, SupplyRequest

ModelT = TypeVar("ModelT", bound=Model)

requests_router = Router()
offers_router = Router()


# Schemas ----------------------------------------------------------------------------------------


class LineOut(Schema):
    id: int
    item: str = Field(..., description="Catalogue code of the item")
    item_label: str
    unit: str
    quantity: int
    kit: str | None = Field(..., description="Code of the kit the line came from, if any")
    allocated: int = Field(..., description="Units promised by open allocations (shipped ones included)")
    shipped: int


class RequestListOut(Schema):
    id: int
    title: str
    organization: str = Field(..., description="Slug of the requesting organisation")
    organization_name: str
    destination: int = Field(..., description="Id of the site to deliver to")
    destination_name: str
    destination_host: str = Field(..., description="Slug of the organisation hosting the destination")
    mission: int | None
    need: int | None
    needed_by: datetime.date
    priority: int = Field(..., description="1 low, 2 normal, 3 high, 4 critical")
    status: str = Field(..., description="draft, submitted, closed or cancelled")
    open_to_donors: bool
    asked: int = Field(..., description="Units asked, all lines together")
    allocated: int = Field(..., description="Units allocated (open allocations)")
    shipped: int
    submitted_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class RequestOut(RequestListOut):
    note: str
    shorter_shelf_life_days: int | None = Field(
        ..., description="WHO article 6 exception: the shortest shelf life the receiving facility accepts"
    )
    shelf_life_acknowledged_by: str
    lines: list[LineOut]


class RequestFields(Schema):
    title: str | None = Field(None, max_length=services.TITLE_LENGTH)
    destination: int | None = Field(None, description="Id of a site of yours or of an active partner")
    mission: int | None = Field(None, description="Id of a mission of your partnerships; null to clear")
    need: int | None = Field(None, description="Id of a host-confirmed need; null to clear")
    needed_by: datetime.date | None = None
    priority: int | None = Field(None, description="1 low, 2 normal, 3 high, 4 critical")
    note: str | None = None
    open_to_donors: bool | None = None


class RequestIn(Schema):
    organization: str = Field(..., description="Slug of your organisation making the request")
    title: str = Field(..., max_length=services.TITLE_LENGTH)
    destination: int | None = Field(
        None, description="Id of the site to deliver to (default: the mission's site)"
    )
    mission: int | None = None
    need: int | None = None
    needed_by: datetime.date
    priority: int = Field(2, description="1 low, 2 normal, 3 high, 4 critical")
    note: str = ""
    open_to_donors: bool = False


class RequestFilters(Schema):
    show: Literal["all", "mine", "sites", "donors"] = Field(
        "all",
        description="mine: your organisations' requests; sites: for your sites; donors: submitted and open to donors",
    )
    status: Literal["draft", "submitted", "closed", "cancelled"] | None = None
    priority: int | None = None
    needed_by_before: datetime.date | None = Field(None, description="Needed by this date or earlier")


class LineIn(Schema):
    item: str = Field(..., description="Catalogue code of the item")
    quantity: int = Field(..., description=f"1 to {services.MAX_QUANTITY:,}")


class LineFields(Schema):
    quantity: int


class KitIn(Schema):
    kit: str = Field(..., description="Code of the kit")
    count: int = Field(1, description="How many kits")


class ReasonIn(Schema):
    reason: str = ""


class CloseIn(Schema):
    reason: str = Field("", description="Required unless every line is fully allocated")
    release_unshipped: bool = Field(False, description="Release stock allocated but not yet shipped")


class ShelfLifeIn(Schema):
    days: int | None = Field(
        ..., description="Shortest shelf life accepted, in days; null withdraws the exception"
    )
    acknowledged_by: str = Field("", description="The professional at the facility who accepts it")


class OfferLineIO(Schema):
    item: str = Field(..., description="Catalogue code of the item")
    item_label: str | None = Field(None, description="Filled in answers")
    quantity: int
    expiry_date: datetime.date | None = Field(None, description="Required for medicines and vaccines")


class OfferOut(Schema):
    id: int
    donor: str = Field(..., description="Slug of the donor")
    donor_name: str
    recipient: str = Field(..., description="Slug of the organisation the goods are offered to")
    recipient_name: str
    request: int | None
    request_title: str | None
    unrequested: bool = Field(..., description="True when the offer answers no request (WHO article 1)")
    unrequested_reason: str | None
    note: str
    status: str = Field(..., description="offered, accepted, declined or withdrawn")
    decided_at: datetime.datetime | None
    decided_by: str | None
    decision_note: str
    lines: list[OfferLineIO]
    created_at: datetime.datetime


class OfferIn(Schema):
    donor: str = Field(..., description="Slug of your organisation giving the goods")
    request: int | None = Field(None, description="Id of the submitted request the offer answers")
    recipient: str | None = Field(
        None, description="Slug of the organisation offered to, when answering no request"
    )
    note: str = ""
    lines: list[OfferLineIO]


class OfferFilters(Schema):
    show: Literal["all", "made", "received"] = Field(
        "all", description="made: by your organisations; received: offered to them"
    )
    status: Literal["offered", "accepted", "declined", "withdrawn"] | None = None
    unrequested: bool | None = None
    request: int | None = Field(None, description="Only offers answering this request")


class DecideIn(Schema):
    decision: Literal["accept", "decline"]
    note: str = Field("", description="Required when declining")


# Helpers ----------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: message})


def _visible(queryset: QuerySet[ModelT], pk: int | None, field: str, message: str) -> ModelT | None:
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise _invalid(field, message % {"id": pk})
    return found


def _own_organization(user: Any, slug: str, field: str) -> Organization:
    """One of the caller's organisations by slug; the service checks the role."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or access_for(user).role_in(organization) is None:
        raise _invalid(field, _("You are not a member of an organisation “%(slug)s”.") % {"slug": slug})
    return organization


def _item(code: str, field: str) -> Item:
    item = Item.objects.filter(code=code).first()
    if item is None:
        raise _invalid(field, _("Unknown item code: %(code)s.") % {"code": code})
    return item


def _references(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Site, mission and need ids → objects the caller may see (an invisible one is a 400)."""
    resolved = dict(data)
    if "destination" in data:
        resolved["destination"] = _visible(
            Site.objects.visible_to(user),
            data["destination"],
            "destination",
            _("Site %(id)s does not exist."),
        )
    if "mission" in data:
        resolved["mission"] = _visible(
            Mission.objects.visible_to(user), data["mission"], "mission", _("Mission %(id)s does not exist.")
        )
    if "need" in data:
        resolved["need"] = _visible(
            Need.objects.visible_to(user), data["need"], "need", _("Need %(id)s does not exist.")
        )
    return resolved


def _request_list_out(request: SupplyRequest, progress: services.Fulfilment) -> dict[str, Any]:
    return {
        "id": request.pk,
        "title": request.title,
        "organization": request.organization.slug,
        "organization_name": request.organization.name,
        "destination": request.destination_id,
        "destination_name": request.destination.name,
        "destination_host": request.destination.host_organization.slug,
        "mission": request.mission_id,
        "need": request.need_id,
        "needed_by": request.needed_by,
        "priority": request.priority,
        "status": request.status,
        "open_to_donors": request.open_to_donors,
        "asked": progress.asked,
        "allocated": progress.allocated,
        "shipped": progress.shipped,
        "submitted_at": request.submitted_at,
        "created_at": request.created_at,
        "updated_at": request.updated_at,
    }


def _request_out(supply_request: SupplyRequest) -> dict[str, Any]:
    # Reloaded: the services may have changed it, and the output needs its related rows.
    supply_request = SupplyRequest.objects.select_related(
        "organization", "destination__host_organization"
    ).get(pk=supply_request.pk)
    lines = list(supply_request.lines.select_related("item", "kit").order_by("item__name", "pk"))
    progress = services.line_progress(line.pk for line in lines)
    return {
        **_request_list_out(supply_request, services.fulfilment([supply_request.pk])[supply_request.pk]),
        "note": supply_request.note,
        "shorter_shelf_life_days": supply_request.shorter_shelf_life_days,
        "shelf_life_acknowledged_by": supply_request.shelf_life_acknowledged_by,
        "lines": [
            {
                "id": line.pk,
                "item": line.item.code,
                "item_label": line.item.label,
                "unit": line.item.unit,
                "quantity": line.quantity,
                "kit": line.kit.code if line.kit else None,
                "allocated": progress.get(line.pk, (0, 0))[0],
                "shipped": progress.get(line.pk, (0, 0))[1],
            }
            for line in lines
        ],
    }


class RequestPage(MappedQuerySet):
    """A page of requests whose fulfilment is computed together, not one request at a time."""

    def __init__(self, queryset: Any):
        super().__init__(queryset, lambda row: _request_list_out(row, services.fulfilment([row.pk])[row.pk]))

    def __getitem__(self, index: slice | int) -> Any:
        if not isinstance(index, slice):
            return super().__getitem__(index)
        rows = list(self.queryset[index])
        progress = services.fulfilment(row.pk for row in rows)
        return [_request_list_out(row, progress[row.pk]) for row in rows]


def _offer_out(offer: DonationOffer) -> dict[str, Any]:
    offer = (
        DonationOffer.objects.select_related("donor", "recipient", "request", "decided_by")
        .prefetch_related("lines__item")
        .get(pk=offer.pk)
    )
    return _offer_row(offer)


def _offer_row(offer: DonationOffer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "donor": offer.donor.slug,
        "donor_name": offer.donor.name,
        "recipient": offer.recipient.slug,
        "recipient_name": offer.recipient.name,
        "request": offer.request_id,
        "request_title": offer.request.title if offer.request else None,
        "unrequested": offer.unrequested,
        "unrequested_reason": services.unrequested_reason() if offer.unrequested else None,
        "note": offer.note,
        "status": offer.status,
        "decided_at": offer.decided_at,
        "decided_by": offer.decided_by.full_name if offer.decided_by else None,
        "decision_note": offer.decision_note,
        "lines": [
            {
                "item": line.item.code,
                "item_label": line.item.label,
                "quantity": line.quantity,
                "expiry_date": line.expiry_date,
            }
            for line in sorted(offer.lines.all(), key=lambda line: (line.item.name, line.pk))
        ],
        "created_at": offer.created_at,
    }


# Requests ---------------------------------------------------------------------------------------


@requests_router.get(
    "",
    response=list[RequestListOut],
    summary="Supply requests you can see: your organisations', for your sites, and those open to donors",
)
@paginate(PageNumberPagination, page_size=50)
def list_requests(request, filters: Query[RequestFilters]):
    own = access_for(request.user).organization_ids()
    queryset = SupplyRequest.objects.visible_to(request.user)
    if filters.show == "mine":
        queryset = queryset.filter(organization_id__in=own)
    elif filters.show == "sites":
        queryset = queryset.filter(destination__host_organization_id__in=own)
    elif filters.show == "donors":
        queryset = queryset.filter(open_to_donors=True, status=RequestStatus.SUBMITTED)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.priority is not None:
        queryset = queryset.filter(priority=filters.priority)
    if filters.needed_by_before is not None:
        queryset = queryset.filter(needed_by__lte=filters.needed_by_before)
    return RequestPage(
        queryset.select_related("organization", "destination__host_organization").order_by(
            "needed_by", "-priority", "pk"
        )
    )


@requests_router.post(
    "", response={201: RequestOut}, summary="Draft a supply request (coordinators and admins)"
)
def create_request(request, payload: RequestIn):
    organization = _own_organization(request.user, payload.organization, "organization")
    data = _references(request.user, payload.dict(exclude={"organization"}))
    supply_request = services.create_request(actor=request.user, organization=organization, data=data)
    return Status(201, _request_out(supply_request))


@requests_router.get(
    "/{request_id}", response=RequestOut, summary="One request, with its lines and fulfilment"
)
def get_request(request, request_id: int):
    return _request_out(get_request_or_404(request.user, request_id))


@requests_router.patch(
    "/{request_id}",
    response=RequestOut,
    summary="Change a draft or submitted request (coordinators and admins of the requester)",
)
def update_request(request, request_id: int, payload: RequestFields):
    supply_request = get_request_or_404(request.user, request_id)
    data = _references(request.user, payload.dict(exclude_unset=True))
    services.update_request(supply_request, actor=request.user, data=data)
    return _request_out(supply_request)


@requests_router.post(
    "/{request_id}/lines",
    response={201: RequestOut},
    summary="Ask for an item; asking again for the same item adds to its line (coordinators and admins)",
)
def add_line(request, request_id: int, payload: LineIn):
    supply_request = get_request_or_404(request.user, request_id)
    services.add_line(
        supply_request, actor=request.user, item=_item(payload.item, "item"), quantity=payload.quantity
    )
    return Status(201, _request_out(supply_request))


@requests_router.patch(
    "/{request_id}/lines/{line_id}",
    response=RequestOut,
    summary="Change the quantity of a line, never below what is allocated (coordinators and admins)",
)
def change_line(request, request_id: int, line_id: int, payload: LineFields):
    line = get_line_or_404(request.user, request_id, line_id)
    services.change_line(line, actor=request.user, quantity=payload.quantity)
    return _request_out(line.request)


@requests_router.delete(
    "/{request_id}/lines/{line_id}",
    response={204: None},
    summary="Take a line off the request if no stock was ever allocated to it (coordinators and admins)",
)
def remove_line(request, request_id: int, line_id: int):
    line = get_line_or_404(request.user, request_id, line_id)
    services.remove_line(line, actor=request.user)
    return Status(204, None)


@requests_router.post(
    "/{request_id}/kits",
    response={201: RequestOut},
    summary="Ask for kits: each item of the kit joins the request (coordinators and admins)",
)
def add_kit(request, request_id: int, payload: KitIn):
    supply_request = get_request_or_404(request.user, request_id)
    kit = Kit.objects.filter(code=payload.kit).first()
    if kit is None:
        raise _invalid("kit", _("Unknown kit code: %(code)s.") % {"code": payload.kit})
    services.add_kit(supply_request, actor=request.user, kit=kit, count=payload.count)
    return Status(201, _request_out(supply_request))


@requests_router.post(
    "/{request_id}/submit",
    response=RequestOut,
    summary="Submit a draft; the destination's host is emailed (coordinators and admins)",
)
def submit_request(request, request_id: int):
    supply_request = services.submit_request(get_request_or_404(request.user, request_id), actor=request.user)
    return _request_out(supply_request)


@requests_router.post(
    "/{request_id}/cancel",
    response=RequestOut,
    summary="Cancel with a reason: allocations are released, waiting offers declined (coordinators and admins)",
)
def cancel_request(request, request_id: int, payload: ReasonIn):
    supply_request = services.cancel_request(
        get_request_or_404(request.user, request_id), actor=request.user, reason=payload.reason
    )
    return _request_out(supply_request)


@requests_router.post(
    "/{request_id}/close",
    response=RequestOut,
    summary="Close a submitted request, fully met or no longer needed (coordinators and admins)",
)
def close_request(request, request_id: int, payload: CloseIn):
    supply_request = services.close_request(
        get_request_or_404(request.user, request_id),
        actor=request.user,
        reason=payload.reason,
        release_unshipped=payload.release_unshipped,
    )
    return _request_out(supply_request)


@requests_router.put(
    "/{request_id}/shelf-life-exception",
    response=RequestOut,
    summary="Record or withdraw a shorter shelf life the receiving facility accepts (the destination host's coordinators and admins)",
)
def set_shelf_life_exception(request, request_id: int, payload: ShelfLifeIn):
    supply_request = services.set_shelf_life_exception(
        get_request_or_404(request.user, request_id),
        actor=request.user,
        days=payload.days,
        acknowledged_by=payload.acknowledged_by,
    )
    return _request_out(supply_request)


# Offers -----------------------------------------------------------------------------------------


@offers_router.get(
    "",
    response=list[OfferOut],
    summary="Donation offers made by your organisations, offered to them, or answering their requests",
)
@paginate(PageNumberPagination, page_size=50)
def list_offers(request, filters: Query[OfferFilters]):
    own = access_for(request.user).organization_ids()
    queryset = DonationOffer.objects.visible_to(request.user)
    if filters.show == "made":
        queryset = queryset.filter(donor_id__in=own)
    elif filters.show == "received":
        queryset = queryset.filter(recipient_id__in=own)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.unrequested is not None:
        queryset = queryset.filter(request__isnull=filters.unrequested)
    if filters.request is not None:
        queryset = queryset.filter(request_id=filters.request)
    queryset = queryset.select_related("donor", "recipient", "request", "decided_by").prefetch_related(
        "lines__item"
    )
    return MappedQuerySet(queryset.order_by("-created_at", "-pk"), _offer_row)


@offers_router.post(
    "",
    response={201: OfferOut},
    summary="Offer goods answering a submitted request, or unrequested to an organisation (coordinators and admins of the donor)",
)
def make_offer(request, payload: OfferIn):
    donor = _own_organization(request.user, payload.donor, "donor")
    supply_request = _visible(
        SupplyRequest.objects.visible_to(request.user),
        payload.request,
        "request",
        _("Request %(id)s does not exist."),
    )
    recipient = None
    if payload.recipient is not None:
        recipient = Organization.objects.filter(slug=payload.recipient).first()
        if recipient is None:
            raise _invalid("recipient", _("Unknown organisation: %(slug)s.") % {"slug": payload.recipient})
    lines = [
        (_item(line.item, f"lines.{index}.item"), line.quantity, line.expiry_date)
        for index, line in enumerate(payload.lines)
    ]
    offer = services.make_offer(
        actor=request.user,
        donor=donor,
        lines=lines,
        request=supply_request,
        recipient=recipient,
        note=payload.note,
    )
    return Status(201, _offer_out(offer))


@offers_router.get(
    "/{offer_id}", response=OfferOut, summary="One donation offer, with its lines and decision"
)
def get_offer(request, offer_id: int):
    return _offer_out(get_offer_or_404(request.user, offer_id))


@offers_router.post(
    "/{offer_id}/decide",
    response=OfferOut,
    summary="Accept, or decline with a note (coordinators and admins of the organisation offered to)",
)
def decide_offer(request, offer_id: int, payload: DecideIn):
    offer = services.decide_offer(
        get_offer_or_404(request.user, offer_id),
        actor=request.user,
        accept=payload.decision == "accept",
        note=payload.note,
    )
    return _offer_out(offer)


@offers_router.post(
    "/{offer_id}/withdraw",
    response=OfferOut,
    summary="Withdraw an offer nobody has decided on (coordinators and admins of the donor)",
)
def withdraw_offer(request, offer_id: int):
    offer = services.withdraw_offer(get_offer_or_404(request.user, offer_id), actor=request.user)
    return _offer_out(offer)


ROUTES = [
    ("/supplies/requests", requests_router, ["Supplies: requests"]),
    ("/supplies/offers", offers_router, ["Supplies: offers"]),
]
