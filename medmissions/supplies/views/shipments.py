"""Pages: shipments (list, start one, the shipment's page with its timeline, items, packing,
sending, receipt and WHO checklist), the POST routes of each step, the cancel confirmation and
the two PDFs. Every change goes through supplies/shipments.py; shipments, allocations and
requests load through supplies/access.py (404 for what one may not see).

Steps a person's role does not allow answer 403 up front, before the form is read; a refusal
by the rules (a quantity too large, a parcel too heavy) re-renders the shipment's page with the
form and the reason (400, or 409 for a step out of order).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medmissions.core.errors import DomainError, NotAllowed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions.models import Mission
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for
from medmissions.organizations.current import current_organization
from medmissions.sites.models import Site
from medmissions.supplies import documents
from medmissions.supplies import shipments as services
from medmissions.supplies.access import (
    get_allocation_or_404,
    get_request_or_404,
    get_shipment_or_404,
    supply_organizations,
)
from medmissions.supplies.checklist import checklist_for, worst
from medmissions.supplies.choices import ShipmentStatus
from medmissions.supplies.forms.shipments import (
    AddAllocationForm,
    AddLotForm,
    CancelForm,
    InTransitForm,
    PackForm,
    ReceiveForm,
    SendForm,
    ShipmentFilterForm,
    ShipmentForm,
)
from medmissions.supplies.models import Shipment, ShipmentItem, StockBalance

PAGE_SIZE = 25
STATUS_BADGES: dict[str, str] = {
    ShipmentStatus.PICKING: "draft",
    ShipmentStatus.PACKED: "open",
    ShipmentStatus.SENT: "open",
    ShipmentStatus.IN_TRANSIT: "in_progress",
    ShipmentStatus.PARTLY_RECEIVED: "warn",
    ShipmentStatus.RECEIVED: "ok",
    ShipmentStatus.CANCELLED: "cancelled",
}


def _require_manage(request: AuthenticatedHttpRequest, shipment: Shipment) -> None:
    if not services.may_manage(request.user, shipment):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])


def _require_receive(request: AuthenticatedHttpRequest, shipment: Shipment) -> None:
    if not services.may_receive(request.user, shipment):
        raise NotAllowed(services.RECEIVE_MESSAGE)


# --- List and creation ------------------------------------------------------------------------------


@login_required
@require_GET
def shipment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Outgoing shipments of my organisations, incoming ones to my sites and those carrying
    goods my organisations donated."""
    own = access_for(request.user).organization_ids()
    queryset = Shipment.objects.visible_to(request.user).select_related(
        "organization", "origin", "destination__host_organization"
    )
    form = ShipmentFilterForm(request.GET or None)
    filtered = False
    if form.is_valid():
        status = form.cleaned_data["status"]
        direction = form.cleaned_data["direction"]
        if status:
            queryset = queryset.filter(status=status)
        if direction == "outgoing":
            queryset = queryset.filter(organization_id__in=own)
        elif direction == "incoming":
            queryset = queryset.filter(destination__host_organization_id__in=own)
        elif direction == "donations":
            queryset = queryset.filter(items__lot__donor_id__in=own)
        filtered = bool(status or direction)
    page = Paginator(queryset.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(shipment, STATUS_BADGES[shipment.status]) for shipment in page.object_list]
    return render(
        request,
        "supplies/shipments/list.html",
        {
            "form": form,
            "page_obj": page,
            "rows": rows,
            "filtered": filtered,
            "own": own,
            "can_create": supply_organizations(request.user, Capability.MANAGE_SUPPLIES).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shipment_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organizations = supply_organizations(request.user, Capability.MANAGE_SUPPLIES)
    if not organizations.exists():
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    visible_sites = Site.objects.visible_to(request.user)
    origins = (
        visible_sites.filter(
            pk__in=StockBalance.objects.filter(lot__owner__in=organizations, on_hand__gt=0).values("site_id")
        )
        .select_related("host_organization")
        .order_by("name")
    )
    destinations = visible_sites.select_related("host_organization").order_by("name")
    missions = (
        Mission.objects.visible_to(request.user)
        .filter(partnership__parties__organization__in=organizations)
        .distinct()
        .order_by("-starts_on")
    )
    initial: dict[str, Any] = {}
    current, _memberships = current_organization(request)
    if current is not None and organizations.filter(pk=current.pk).exists():
        initial["organization"] = current
    supply_request = None
    requested = request.GET.get("request", "")
    if requested.isdigit():
        supply_request = get_request_or_404(request.user, int(requested))
        initial.update(
            destination=supply_request.destination,
            mission=supply_request.mission,
            planned_arrival=max(supply_request.needed_by, timezone.localdate()),
        )
    form = ShipmentForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organizations=organizations,
        origins=origins,
        destinations=destinations,
        missions=missions,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                shipment = services.create_shipment(
                    actor=request.user,
                    organization=data["organization"],
                    origin=data["origin"],
                    destination=data["destination"],
                    planned_arrival=data["planned_arrival"],
                    mission=data["mission"],
                    carrier=data["carrier"],
                    note=data["note"],
                )
            except DomainError as error:
                apply_to_form(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Shipment %(reference)s started: pick what goes in it.")
                    % {"reference": shipment.reference},
                )
                return redirect(shipment.get_absolute_url())
    return render(
        request,
        "supplies/shipments/form.html",
        {"form": form, "supply_request": supply_request, "has_origins": origins.exists()},
        status=status,
    )


# --- The shipment's page ----------------------------------------------------------------------------


def _timeline(shipment: Shipment) -> list[dict[str, Any]]:
    """The steps of the shipment with when each happened; the current one is marked."""
    status = shipment.status
    order = [
        ShipmentStatus.PICKING,
        ShipmentStatus.PACKED,
        ShipmentStatus.SENT,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.RECEIVED,
    ]
    reached = {
        ShipmentStatus.PICKING: shipment.created_at,
        ShipmentStatus.PACKED: shipment.packed_at if status != ShipmentStatus.PICKING else None,
        ShipmentStatus.SENT: shipment.sent_on,
        ShipmentStatus.IN_TRANSIT: shipment.in_transit_at,
        ShipmentStatus.RECEIVED: shipment.received_on,
    }
    current = ShipmentStatus.RECEIVED if status == ShipmentStatus.PARTLY_RECEIVED else status
    labels = dict(ShipmentStatus.choices)
    steps = []
    for step in order:
        label = labels[step]
        if step == ShipmentStatus.RECEIVED and status == ShipmentStatus.PARTLY_RECEIVED:
            label = labels[ShipmentStatus.PARTLY_RECEIVED]
        steps.append(
            {
                "status": step,
                "label": label,
                "when": reached[step],
                "current": step == current,
                "done": reached[step] is not None,
            }
        )
    if status == ShipmentStatus.CANCELLED:
        steps = [step for step in steps if step["done"]]
        steps.append(
            {
                "status": ShipmentStatus.CANCELLED,
                "label": labels[ShipmentStatus.CANCELLED],
                "when": shipment.updated_at,
                "current": True,
                "done": True,
            }
        )
    return steps


def _pack_rows(request: AuthenticatedHttpRequest, items: list[ShipmentItem], parcels: list[Any]) -> int:
    """How many parcel rows the packing form shows: asked for (``?parcels=``), else enough for
    the parcels already packed and to keep medicines apart from other supplies."""
    limit = max(len(items), 1)
    asked = request.POST.get("rows") or request.GET.get("parcels") or ""
    if asked.isdigit():
        return min(max(int(asked), 1), limit)
    kinds = {services.is_medicine(item.lot.item) for item in items}
    return min(max(len(parcels), len(kinds), 1), limit)


def _detail_context(request: AuthenticatedHttpRequest, shipment: Shipment, **forms: Any) -> dict[str, Any]:
    user = request.user
    items = list(
        shipment.items.select_related(
            "lot__item", "lot__donor", "lot__label_language", "allocation__line__request", "parcel"
        ).order_by("parcel__number", "lot__item__name", "lot__expiry_date", "pk")
    )
    parcels = list(shipment.parcels.order_by("number"))
    actions = services.allowed_actions(user, shipment)
    context: dict[str, Any] = {
        "shipment": shipment,
        "badge": STATUS_BADGES[shipment.status],
        "timeline": _timeline(shipment),
        "items": items,
        "parcels": parcels,
        "actions": actions,
        "own": access_for(user).organization_ids(),
        "total_units": sum(item.quantity for item in items),
        "total_received": sum(item.received_quantity for item in items),
        "total_weight": sum((parcel.weight_kg for parcel in parcels), start=0),
        "documents": services.documents_available(shipment),
        "max_parcel_kg": settings.SUPPLIES_MAX_PARCEL_KG,
        "carries_donations": any(item.lot.donor_id for item in items),
    }
    checks = checklist_for(shipment)
    context["checks"] = checks
    context["checklist_status"] = worst(checks)
    if "add" in actions:
        open_rows = services.open_allocations(shipment)
        context["open_allocations"] = open_rows
        context["stock"] = list(services.pickable_stock(shipment))
        context["allocation_form"] = forms.get("allocation_form") or AddAllocationForm(rows=open_rows)
        context["lot_form"] = forms.get("lot_form") or AddLotForm(balances=services.pickable_stock(shipment))
    if "pack" in actions:
        rows = _pack_rows(request, items, parcels)
        context["pack_form"] = forms.get("pack_form") or PackForm(items=items, rows=rows, parcels=parcels)
        context["pack_rows"] = rows
    if "send" in actions:
        context["send_form"] = forms.get("send_form") or SendForm(
            initial={"carrier": shipment.carrier, "tracking_reference": shipment.tracking_reference}
        )
    if "in_transit" in actions:
        context["in_transit_form"] = forms.get("in_transit_form") or InTransitForm()
    if "receive" in actions:
        context["receive_form"] = forms.get("receive_form") or ReceiveForm(items=items)
    context["failed"] = forms.get("failed")
    return context


def _page(
    request: AuthenticatedHttpRequest, shipment: Shipment, status: int = 200, **forms: Any
) -> HttpResponse:
    return render(
        request, "supplies/shipments/detail.html", _detail_context(request, shipment, **forms), status=status
    )


@login_required
@require_GET
def shipment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _page(request, get_shipment_or_404(request.user, pk))


@login_required
@require_POST
def shipment_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add an accepted allocation (``allocation``, optional ``quantity``) or units of a lot at the
    origin (``balance``, ``quantity``)."""
    shipment = get_shipment_or_404(request.user, pk)
    _require_manage(request, shipment)
    if "allocation" in request.POST:
        allocation_form = AddAllocationForm(request.POST, rows=services.open_allocations(shipment))
        if not allocation_form.is_valid():
            return _page(request, shipment, 400, allocation_form=allocation_form)
        allocation = get_allocation_or_404(request.user, allocation_form.cleaned_data["allocation"])
        try:
            services.add_allocation(
                shipment, allocation, actor=request.user, quantity=allocation_form.cleaned_data["quantity"]
            )
        except DomainError as error:
            apply_to_form(allocation_form, error)
            return _page(request, shipment, error.status, allocation_form=allocation_form)
    else:
        lot_form = AddLotForm(request.POST, balances=services.pickable_stock(shipment))
        if not lot_form.is_valid():
            return _page(request, shipment, 400, lot_form=lot_form)
        balance = lot_form.cleaned_data["balance"]
        try:
            services.add_lot(
                shipment, balance.lot, actor=request.user, quantity=lot_form.cleaned_data["quantity"]
            )
        except DomainError as error:
            apply_to_form(lot_form, error)
            return _page(request, shipment, error.status, lot_form=lot_form)
    messages.success(request, _("Added to the shipment."))
    return redirect(shipment.get_absolute_url())


@login_required
@require_POST
def shipment_remove_item(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    shipment = get_shipment_or_404(request.user, pk)
    item = shipment.items.filter(pk=item_pk).first()
    if item is None:
        raise Http404
    _require_manage(request, shipment)
    was_packed = shipment.status == ShipmentStatus.PACKED
    try:
        services.remove_item(item, actor=request.user)
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Taken off the shipment; pack it again.") if was_packed else _("Taken off the shipment."),
        )
    return redirect(shipment.get_absolute_url())


@login_required
@require_POST
def shipment_pack(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_or_404(request.user, pk)
    _require_manage(request, shipment)
    items = list(shipment.items.select_related("lot__item").order_by("lot__item__name", "pk"))
    parcels = list(shipment.parcels.order_by("number"))
    form = PackForm(request.POST, items=items, rows=_pack_rows(request, items, parcels), parcels=parcels)
    if not form.is_valid():
        return _page(request, shipment, 400, pack_form=form)
    try:
        services.pack(shipment, actor=request.user, parcels=form.plans)
    except NotAllowed:
        raise
    except DomainError as error:
        apply_to_form(form, error)
        return _page(request, shipment, error.status, pack_form=form)
    messages.success(request, _("Packed. The packing list is ready, and the receiving site has been told."))
    return redirect(shipment.get_absolute_url())


@login_required
@require_POST
def shipment_send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_or_404(request.user, pk)
    _require_manage(request, shipment)
    form = SendForm(request.POST)
    if not form.is_valid():
        return _page(request, shipment, 400, send_form=form)
    data = form.cleaned_data
    try:
        services.send(
            shipment,
            actor=request.user,
            sent_on=data["sent_on"],
            carrier=data["carrier"],
            tracking_reference=data["tracking_reference"],
        )
    except NotAllowed:
        raise
    except DomainError as error:
        apply_to_form(form, error)
        return _page(request, shipment, error.status, send_form=form)
    messages.success(request, _("Sent: the stock has left the origin."))
    return redirect(shipment.get_absolute_url())


@login_required
@require_POST
def shipment_in_transit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_or_404(request.user, pk)
    _require_manage(request, shipment)
    form = InTransitForm(request.POST)
    if not form.is_valid():
        return _page(request, shipment, 400, in_transit_form=form)
    try:
        services.mark_in_transit(
            shipment, actor=request.user, tracking_reference=form.cleaned_data["tracking_reference"]
        )
    except NotAllowed:
        raise
    except DomainError as error:
        apply_to_form(form, error)
        return _page(request, shipment, error.status, in_transit_form=form)
    messages.success(request, _("Marked as in transit."))
    return redirect(shipment.get_absolute_url())


@login_required
@require_POST
def shipment_receive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_or_404(request.user, pk)
    _require_receive(request, shipment)
    items = list(
        shipment.items.select_related("lot__item").order_by("parcel__number", "lot__item__name", "pk")
    )
    form = ReceiveForm(request.POST, items=items)
    if not form.is_valid():
        return _page(request, shipment, 400, receive_form=form)
    data = form.cleaned_data
    try:
        shipment = services.receive(
            shipment,
            actor=request.user,
            quantities=form.quantities(),
            received_on=data["received_on"],
            note=data["note"],
            close=data["close"],
        )
    except NotAllowed:
        raise
    except DomainError as error:
        apply_to_form(form, error)
        return _page(request, shipment, error.status, receive_form=form)
    if shipment.status == ShipmentStatus.RECEIVED:
        messages.success(request, _("Receipt confirmed: the shipment is received."))
    else:
        messages.success(request, _("Recorded what arrived; the rest is still expected."))
    return redirect(shipment.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def shipment_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shipment = get_shipment_or_404(request.user, pk)
    _require_manage(request, shipment)
    form = CancelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.cancel(shipment, actor=request.user, reason=form.cleaned_data["reason"])
            except NotAllowed:
                raise
            except DomainError as error:
                apply_to_form(form, error)
                status = error.status
            else:
                messages.success(request, _("The shipment is cancelled; what was picked is available again."))
                return redirect(shipment.get_absolute_url())
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Cancel shipment %(reference)s") % {"reference": shipment.reference},
            "question": _("Cancel shipment %(reference)s to %(site)s?")
            % {"reference": shipment.reference, "site": shipment.destination.name},
            "consequence": _(
                "Lots picked for it become available again; allocations keep their stock reserved for their "
                "requests. If the receiving site was told the shipment was coming, it is told it is cancelled."
            ),
            "form": form,
            "confirm_label": _("Cancel the shipment"),
            "cancel_url": shipment.get_absolute_url(),
            "danger": True,
        },
        status=status,
    )


# --- Documents --------------------------------------------------------------------------------------


def _document(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    shipment = get_shipment_or_404(request.user, pk)
    try:
        if kind == "packing-list":
            pdf = documents.packing_list_pdf(shipment)
        else:
            pdf = documents.certificate_pdf(shipment)
    except DomainError as error:
        return render(
            request,
            "supplies/shipments/document_unavailable.html",
            {"shipment": shipment, "error": error},
            status=error.status,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{documents.filename(shipment, kind)}"'
    return response


@login_required
@require_GET
def packing_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _document(request, pk, "packing-list")


@login_required
@require_GET
def certificate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _document(request, pk, "certificate-of-donation")
