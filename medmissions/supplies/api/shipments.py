"""API: shipments — list and start them, read one (items, parcels, WHO checklist), pick items,
take them off, pack, send, mark in transit, confirm receipt, cancel, and the two PDFs.
ROUTES lists (prefix, router, tags) for medmissions/api.py.

Endpoints call supplies/shipments.py, as the pages do, and load shipments, allocations and lots
through supplies/access.py: what one may not see answers 404, a role too low 403.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.missions.models import Mission
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import documents
from medmissions.supplies import shipments as services
from medmissions.supplies.access import get_allocation_or_404, get_lot_or_404, get_shipment_or_404
from medmissions.supplies.checklist import checklist_for
from medmissions.supplies.choices import ShipmentStatus
from medmissions.supplies.models import Shipment, ShipmentItem

router = Router()


class ShipmentIn(Schema):
    organization: str = Field(
        ..., description="Slug of the sending organisation (its coordinators and admins)"
    )
    origin: int = Field(..., description="Site the goods leave from: one where the organisation holds stock")
    destination: int = Field(..., description="Site the goods go to: the organisation's own or a partner's")
    planned_arrival: datetime.date
    mission: int | None = None
    carrier: str = ""
    note: str = ""


class ItemIn(Schema):
    allocation: int | None = Field(
        None, description="An accepted allocation to ship (its units are reserved)"
    )
    lot: int | None = Field(None, description="Or a lot at the origin to pick without an allocation")
    quantity: int | None = Field(
        None, description="Units; for an allocation, omit to ship all that is outstanding"
    )


class ParcelIn(Schema):
    weight_kg: Decimal = Field(..., gt=0)
    description: str = ""
    items: list[int] = Field(..., description="Ids of the shipment's items in this parcel")


class PackIn(Schema):
    parcels: list[ParcelIn] = Field(..., description="Numbered 1, 2, 3… in this order; every item in one")


class SendIn(Schema):
    sent_on: datetime.date | None = Field(None, description="Default: today")
    carrier: str | None = None
    tracking_reference: str | None = None


class InTransitIn(Schema):
    tracking_reference: str | None = None


class ReceiveIn(Schema):
    quantities: dict[int, int] = Field(
        default_factory=dict, description="Units received now, by shipment item id (items left out: none)"
    )
    received_on: datetime.date | None = Field(None, description="Default: today")
    note: str = ""
    close: bool = Field(False, description="Close the receipt even though units are missing (note required)")


class CancelIn(Schema):
    reason: str


class ShipmentOut(Schema):
    id: int
    reference: str
    status: str = Field(
        ..., description="picking, packed, sent, in_transit, partly_received, received or cancelled"
    )
    organization: str
    origin: int
    origin_name: str
    destination: int
    destination_name: str
    receiving_organization: str
    mission: int | None
    planned_arrival: datetime.date
    carrier: str
    tracking_reference: str
    note: str
    packed_at: datetime.datetime | None
    sent_on: datetime.date | None
    in_transit_at: datetime.datetime | None
    received_on: datetime.date | None
    receipt_note: str
    cancelled_reason: str
    created_at: datetime.datetime


class ItemOut(Schema):
    id: int
    item: str = Field(..., description="Catalogue code")
    name: str = Field(..., description="Generic (INN) name")
    strength: str
    dosage_form: str
    unit: str
    lot: int
    lot_number: str
    expiry_date: datetime.date | None
    donor: str | None = Field(..., description="Slug of the donor of a donated lot")
    quantity: int
    received_quantity: int
    parcel: int | None = Field(..., description="Number of the parcel it is packed in")
    allocation: int | None
    request: int | None


class ParcelOut(Schema):
    number: int
    weight_kg: Decimal
    description: str
    items: list[int]


class CheckOut(Schema):
    key: str = Field(
        ...,
        description="expressed_need, essential_list, shelf_life, label_language, packing_list, parcel_weight, "
        "not_mixed",
    )
    label: str
    article: int = Field(..., description="Article of the WHO guidelines for medicine donations")
    status: str = Field(..., description="pass, warn or fail")
    details: list[str]


class ShipmentDetailOut(ShipmentOut):
    items: list[ItemOut]
    parcels: list[ParcelOut]
    checklist: list[CheckOut]
    actions: list[str] = Field(..., description="Steps the caller may take now")
    documents: bool = Field(..., description="Whether the packing list (and certificate) can be printed")


def _shipment_out(shipment: Shipment) -> dict[str, Any]:
    return {
        "id": shipment.pk,
        "reference": shipment.reference,
        "status": shipment.status,
        "organization": shipment.organization.slug,
        "origin": shipment.origin_id,
        "origin_name": shipment.origin.name,
        "destination": shipment.destination_id,
        "destination_name": shipment.destination.name,
        "receiving_organization": shipment.destination.host_organization.slug,
        "mission": shipment.mission_id,
        "planned_arrival": shipment.planned_arrival,
        "carrier": shipment.carrier,
        "tracking_reference": shipment.tracking_reference,
        "note": shipment.note,
        "packed_at": shipment.packed_at,
        "sent_on": shipment.sent_on,
        "in_transit_at": shipment.in_transit_at,
        "received_on": shipment.received_on,
        "receipt_note": shipment.receipt_note,
        "cancelled_reason": shipment.cancelled_reason,
        "created_at": shipment.created_at,
    }


def _item_out(item: ShipmentItem) -> dict[str, Any]:
    lot, catalogue_item = item.lot, item.lot.item
    return {
        "id": item.pk,
        "item": catalogue_item.code,
        "name": catalogue_item.name,
        "strength": catalogue_item.strength,
        "dosage_form": catalogue_item.dosage_form,
        "unit": catalogue_item.unit,
        "lot": lot.pk,
        "lot_number": lot.lot_number,
        "expiry_date": lot.expiry_date,
        "donor": lot.donor.slug if lot.donor else None,
        "quantity": item.quantity,
        "received_quantity": item.received_quantity,
        "parcel": item.parcel.number if item.parcel else None,
        "allocation": item.allocation_id,
        "request": item.allocation.line.request_id if item.allocation else None,
    }


def _detail(request, shipment: Shipment) -> dict[str, Any]:
    shipment = get_shipment_or_404(request.user, shipment.pk)
    items = list(
        shipment.items.select_related("lot__item", "lot__donor", "allocation__line", "parcel").order_by(
            "parcel__number", "lot__item__name", "pk"
        )
    )
    parcels = list(shipment.parcels.order_by("number"))
    return {
        **_shipment_out(shipment),
        "items": [_item_out(item) for item in items],
        "parcels": [
            {
                "number": parcel.number,
                "weight_kg": parcel.weight_kg,
                "description": parcel.description,
                "items": [item.pk for item in items if item.parcel_id == parcel.pk],
            }
            for parcel in parcels
        ],
        "checklist": [
            {
                "key": check.key,
                "label": str(check.label),
                "article": check.article,
                "status": check.status,
                "details": check.details,
            }
            for check in checklist_for(shipment)
        ],
        "actions": sorted(services.allowed_actions(request.user, shipment)),
        "documents": services.documents_available(shipment),
    }


def _organization(user: Any, slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or organization.pk not in access_for(user).organization_ids():
        message = _("You are not a member of an organisation “%(slug)s”.") % {"slug": slug}
        raise ValidationFailed(message, fields={"organization": message})
    if not access_for(user).can(organization, Capability.MANAGE_SUPPLIES):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    return organization


def _site(user: Any, pk: int, field: str) -> Site:
    site = Site.objects.visible_to(user).filter(pk=pk).first()
    if site is None:
        message = _("Site %(site)d does not exist.") % {"site": pk}
        raise ValidationFailed(message, fields={field: message})
    return site


def _require_manage(user: Any, shipment: Shipment) -> None:
    if not services.may_manage(user, shipment):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])


@router.get("", response=list[ShipmentOut], summary="Shipments you can see, newest first")
@paginate(PageNumberPagination, page_size=50)
def list_shipments(request, status: str | None = None, direction: str | None = None):
    """``direction``: ``outgoing`` (sent by your organisations), ``incoming`` (to your sites) or
    ``donations`` (carrying goods your organisations donated)."""
    own = access_for(request.user).organization_ids()
    queryset = Shipment.objects.visible_to(request.user).select_related(
        "organization", "origin", "destination__host_organization"
    )
    if status:
        if status not in ShipmentStatus.values:
            message = _("Unknown status “%(status)s”.") % {"status": status}
            raise ValidationFailed(message, fields={"status": message})
        queryset = queryset.filter(status=status)
    if direction == "outgoing":
        queryset = queryset.filter(organization_id__in=own)
    elif direction == "incoming":
        queryset = queryset.filter(destination__host_organization_id__in=own)
    elif direction == "donations":
        queryset = queryset.filter(items__lot__donor_id__in=own)
    elif direction:
        message = _("Choose outgoing, incoming or donations.")
        raise ValidationFailed(message, fields={"direction": message})
    return MappedQuerySet(queryset.order_by("-created_at", "-pk"), _shipment_out)


@router.post("", response={201: ShipmentDetailOut}, summary="Start a shipment (coordinators)")
def create_shipment(request, payload: ShipmentIn):
    organization = _organization(request.user, payload.organization)
    mission = None
    if payload.mission is not None:
        mission = Mission.objects.visible_to(request.user).filter(pk=payload.mission).first()
        if mission is None:
            message = _("Mission %(mission)d does not exist.") % {"mission": payload.mission}
            raise ValidationFailed(message, fields={"mission": message})
    shipment = services.create_shipment(
        actor=request.user,
        organization=organization,
        origin=_site(request.user, payload.origin, "origin"),
        destination=_site(request.user, payload.destination, "destination"),
        planned_arrival=payload.planned_arrival,
        mission=mission,
        carrier=payload.carrier,
        note=payload.note,
    )
    return Status(201, _detail(request, shipment))


@router.get("/{shipment_id}", response=ShipmentDetailOut, summary="A shipment: items, parcels, WHO checklist")
def get_shipment(request, shipment_id: int):
    return _detail(request, get_shipment_or_404(request.user, shipment_id))


@router.post(
    "/{shipment_id}/items",
    response={201: ItemOut},
    summary="Pick an allocation or units of a lot at the origin (coordinators of the sender)",
)
def add_item(request, shipment_id: int, payload: ItemIn):
    shipment = get_shipment_or_404(request.user, shipment_id)
    _require_manage(request.user, shipment)
    if (payload.allocation is None) == (payload.lot is None):
        message = _("Give either an allocation or a lot.")
        raise ValidationFailed(message, fields={"allocation": message, "lot": message})
    if payload.allocation is not None:
        allocation = get_allocation_or_404(request.user, payload.allocation)
        item = services.add_allocation(shipment, allocation, actor=request.user, quantity=payload.quantity)
    elif payload.lot is not None:
        if payload.quantity is None:
            message = _("Say how many units of the lot to pick.")
            raise ValidationFailed(message, fields={"quantity": message})
        lot = get_lot_or_404(request.user, payload.lot)
        item = services.add_lot(shipment, lot, actor=request.user, quantity=payload.quantity)
    item = ShipmentItem.objects.select_related("lot__item", "lot__donor", "allocation__line", "parcel").get(
        pk=item.pk
    )
    return Status(201, _item_out(item))


@router.delete(
    "/{shipment_id}/items/{item_id}",
    response={204: None},
    summary="Take an item off a shipment that has not left (coordinators of the sender)",
)
def remove_item(request, shipment_id: int, item_id: int):
    shipment = get_shipment_or_404(request.user, shipment_id)
    item = shipment.items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    services.remove_item(item, actor=request.user)
    return Status(204, None)


@router.post("/{shipment_id}/pack", response=ShipmentDetailOut, summary="Pack into numbered parcels")
def pack(request, shipment_id: int, payload: PackIn):
    shipment = get_shipment_or_404(request.user, shipment_id)
    plans = [
        services.ParcelPlan(
            weight_kg=parcel.weight_kg, item_ids=list(parcel.items), description=parcel.description
        )
        for parcel in payload.parcels
    ]
    return _detail(request, services.pack(shipment, actor=request.user, parcels=plans))


@router.post("/{shipment_id}/send", response=ShipmentDetailOut, summary="Record the goods as sent")
def send(request, shipment_id: int, payload: SendIn):
    shipment = get_shipment_or_404(request.user, shipment_id)
    shipment = services.send(
        shipment,
        actor=request.user,
        sent_on=payload.sent_on,
        carrier=payload.carrier,
        tracking_reference=payload.tracking_reference,
    )
    return _detail(request, shipment)


@router.post("/{shipment_id}/in-transit", response=ShipmentDetailOut, summary="Mark as in transit")
def in_transit(request, shipment_id: int, payload: InTransitIn):
    shipment = get_shipment_or_404(request.user, shipment_id)
    shipment = services.mark_in_transit(
        shipment, actor=request.user, tracking_reference=payload.tracking_reference
    )
    return _detail(request, shipment)


@router.post(
    "/{shipment_id}/receive",
    response=ShipmentDetailOut,
    summary="Confirm what arrived (coordinators of the receiving site's organisation)",
)
def receive(request, shipment_id: int, payload: ReceiveIn):
    shipment = get_shipment_or_404(request.user, shipment_id)
    shipment = services.receive(
        shipment,
        actor=request.user,
        quantities=payload.quantities,
        received_on=payload.received_on,
        note=payload.note,
        close=payload.close,
    )
    return _detail(request, shipment)


@router.post("/{shipment_id}/cancel", response=ShipmentDetailOut, summary="Cancel before it is sent")
def cancel(request, shipment_id: int, payload: CancelIn):
    shipment = get_shipment_or_404(request.user, shipment_id)
    return _detail(request, services.cancel(shipment, actor=request.user, reason=payload.reason))


def _pdf(pdf: bytes, name: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@router.get(
    "/{shipment_id}/packing-list.pdf",
    summary="The packing list (PDF), from packing onwards",
    response={200: None},
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}, "description": "PDF"}}},
)
def packing_list(request, shipment_id: int):
    shipment = get_shipment_or_404(request.user, shipment_id)
    return _pdf(documents.packing_list_pdf(shipment), documents.filename(shipment, "packing-list"))


@router.get(
    "/{shipment_id}/certificate-of-donation.pdf",
    summary="The certificate of donation (PDF) of a shipment carrying donated lots, from packing onwards",
    response={200: None},
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}, "description": "PDF"}}},
)
def certificate(request, shipment_id: int):
    shipment = get_shipment_or_404(request.user, shipment_id)
    return _pdf(documents.certificate_pdf(shipment), documents.filename(shipment, "certificate-of-donation"))


ROUTES = [("/supplies/shipments", router, ["Supplies: shipments"])]
