"""API: allocation runs (propose, read, re-run, accept, discard) and allocations (by hand, list,
release). ROUTES lists (prefix, router, tags) for medmissions/api.py.

Endpoints call supplies/allocation.py, as the pages do, and load runs, requests and allocations
through supplies/access.py: other organisations' objects answer 404, a role too low 403.
"""

import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import NotAllowed, NotFound, ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import allocation as services
from medmissions.supplies.access import (
    get_allocation_or_404,
    get_line_or_404,
    get_request_or_404,
    get_run_or_404,
    runs,
    visible_allocations,
)
from medmissions.supplies.models import Allocation, AllocationRun, Lot, SupplyRequest

runs_router = Router()
allocations_router = Router()


class RunIn(Schema):
    organization: str = Field(..., description="Slug of the organisation whose stock is allocated")
    requests: list[int] = Field(..., description="Submitted requests to allocate to")
    sites: list[int] | None = Field(
        None, description="Source sites; omit for every warehouse holding the stock"
    )
    arrivals: dict[int, datetime.date] = Field(
        default_factory=dict, description="Planned arrival per request id (default: its needed-by date)"
    )


class ExclusionIn(Schema):
    lot: int
    site: int
    line: int


class StockKeyIn(Schema):
    lot: int
    site: int


class RerunIn(Schema):
    exclusions: list[ExclusionIn] = Field(
        default_factory=list, description="Pairings of a lot and a line to leave out"
    )
    keep_out: list[StockKeyIn] = Field(
        default_factory=list, description="Lots at sites to keep out of every line"
    )


class PickOut(Schema):
    index: int
    lot: int
    site: int
    line: int
    quantity: int


class UnmetOut(Schema):
    line: int
    missing: int
    allocated: int
    code: str = Field(
        ...,
        description="no_stock, expires_too_soon, excluded, not_allocated, taken_by_other_requests or partly_met",
    )
    text: str


class RunOut(Schema):
    id: int
    organization: str
    status: str = Field(..., description="proposed, accepted or discarded")
    created_at: datetime.datetime
    created_by: str | None
    decided_at: datetime.datetime | None
    requests: list[int]
    fulfilment_percent: float = Field(..., description="Priority-weighted fulfilment, % of the most possible")
    site_pairs: int = Field(..., description="Pairs of request and source site used (consignments)")
    optimal: bool = Field(..., description="Whether the fewest consignments was proven too")
    picks: list[PickOut]
    unmet: list[UnmetOut]
    inputs: dict[str, Any]
    timings: dict[str, float]


class AcceptIn(Schema):
    quantities: dict[int, int] = Field(
        default_factory=dict, description="Lowered quantities by pick index (0 leaves the pick out)"
    )


class AllocationIn(Schema):
    request: int
    line: int
    lot: int
    site: int
    quantity: int = Field(..., ge=1)


class AllocationOut(Schema):
    id: int
    request: int
    line: int
    item: str
    lot: int
    lot_number: str
    expiry_date: datetime.date | None
    site: int
    quantity: int
    shipped: int
    outstanding: int
    run: int | None
    released_at: datetime.datetime | None


def _run_out(run: AllocationRun) -> dict[str, Any]:
    result = run.result
    return {
        "id": run.pk,
        "organization": run.organization.slug,
        "status": run.status,
        "created_at": run.created_at,
        "created_by": run.created_by.full_name if run.created_by else None,
        "decided_at": run.decided_at,
        "requests": list(run.inputs.get("requests", [])),
        "fulfilment_percent": float(run.fulfilment_percent),
        "site_pairs": result.get("site_pairs", 0),
        "optimal": bool(result.get("optimal")),
        "picks": [{"index": index, **pick} for index, pick in enumerate(result.get("picks", []))],
        "unmet": result.get("unmet", []),
        "inputs": run.inputs,
        "timings": run.timings,
    }


def _allocation_out(allocation: Allocation) -> dict[str, Any]:
    return {
        "id": allocation.pk,
        "request": allocation.line.request_id,
        "line": allocation.line_id,
        "item": allocation.lot.item.code,
        "lot": allocation.lot_id,
        "lot_number": allocation.lot.lot_number,
        "expiry_date": allocation.lot.expiry_date,
        "site": allocation.site_id,
        "quantity": allocation.quantity,
        "shipped": allocation.shipped,
        "outstanding": allocation.outstanding,
        "run": allocation.run_id,
        "released_at": allocation.released_at,
    }


def _organization(user: Any, slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or organization.pk not in access_for(user).organization_ids():
        # As for other organisations' objects: not a member, no confirmation that it exists.
        raise NotFound(_("Not found."))
    if not access_for(user).can(organization, Capability.MANAGE_SUPPLIES):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    return organization


@runs_router.get("", response=list[RunOut], summary="Allocation runs of your organisations, newest first")
@paginate(PageNumberPagination, page_size=50)
def list_runs(request):
    queryset = runs(request.user).select_related("organization", "created_by").order_by("-created_at", "-pk")
    return MappedQuerySet(queryset, _run_out)


@runs_router.post(
    "", response={201: RunOut}, summary="Run the allocation optimiser over submitted requests (coordinators)"
)
def create_run(request, payload: RunIn):
    organization = _organization(request.user, payload.organization)
    found = {
        item.pk: item
        for item in SupplyRequest.objects.visible_to(request.user).filter(pk__in=payload.requests)
    }
    missing = [pk for pk in payload.requests if pk not in found]
    if missing or not payload.requests:
        message = (
            _("Request %(request)d does not exist.") % {"request": missing[0]}
            if missing
            else _("Choose at least one submitted request.")
        )
        raise ValidationFailed(message, fields={"requests": message})
    sites = None
    if payload.sites is not None:
        sites = list(Site.objects.visible_to(request.user).filter(pk__in=payload.sites))
        unknown = sorted(set(payload.sites) - {site.pk for site in sites})
        if unknown:
            message = _("Site %(site)d does not exist.") % {"site": unknown[0]}
            raise ValidationFailed(message, fields={"sites": message})
    run = services.propose(
        actor=request.user,
        organization=organization,
        requests=list(found.values()),
        sites=sites,
        arrivals={pk: day for pk, day in payload.arrivals.items() if pk in found},
    )
    return Status(201, _run_out(run))


@runs_router.get("/{run_id}", response=RunOut, summary="A run: the proposal, the unmet lines and why")
def get_run(request, run_id: int):
    return _run_out(get_run_or_404(request.user, run_id))


@runs_router.post(
    "/{run_id}/rerun",
    response={201: RunOut},
    summary="Run again leaving out pairings or stock (coordinators)",
)
def rerun(request, run_id: int, payload: RerunIn):
    run = services.rerun(
        get_run_or_404(request.user, run_id),
        actor=request.user,
        exclusions=[(item.lot, item.site, item.line) for item in payload.exclusions],
        excluded_stock=[(item.lot, item.site) for item in payload.keep_out],
    )
    return Status(201, _run_out(run))


@runs_router.post(
    "/{run_id}/accept",
    response=list[AllocationOut],
    summary="Accept the proposal, optionally lowering picks, and reserve the stock (coordinators)",
)
def accept(request, run_id: int, payload: AcceptIn):
    run = get_run_or_404(request.user, run_id)
    allocations = services.accept_run(run, actor=request.user, quantities=payload.quantities or None)
    loaded = Allocation.objects.filter(pk__in=[allocation.pk for allocation in allocations]).select_related(
        "lot__item", "line"
    )
    return [_allocation_out(allocation) for allocation in loaded]


@runs_router.post("/{run_id}/discard", response=RunOut, summary="Set a proposal aside (coordinators)")
def discard(request, run_id: int):
    run = services.discard_run(get_run_or_404(request.user, run_id), actor=request.user)
    return _run_out(run)


@allocations_router.get(
    "", response=list[AllocationOut], summary="Allocations of a request you can see (open ones unless asked)"
)
@paginate(PageNumberPagination, page_size=100)
def list_allocations(request, request_id: int, include_released: bool = False):
    supply_request = get_request_or_404(request.user, request_id)
    queryset = (
        visible_allocations(request.user)
        .filter(line__request=supply_request)
        .select_related("lot__item", "line")
    )
    if not include_released:
        queryset = queryset.open()
    return MappedQuerySet(queryset.order_by("pk"), _allocation_out)


@allocations_router.post(
    "",
    response={201: AllocationOut},
    summary="Allocate by hand: reserve a lot at a site for a line (coordinators)",
)
def create_allocation(request, payload: AllocationIn):
    line = get_line_or_404(request.user, payload.request, payload.line)
    lot = Lot.objects.visible_to(request.user).filter(pk=payload.lot).first()
    if lot is None:
        message = _("Lot %(lot)d does not exist.") % {"lot": payload.lot}
        raise ValidationFailed(message, fields={"lot": message})
    site = Site.objects.filter(pk=payload.site, stock_balances__lot=lot).first()
    if site is None:
        message = _("Lot %(lot)d is not held at site %(site)d.") % {"lot": payload.lot, "site": payload.site}
        raise ValidationFailed(message, fields={"site": message})
    allocation = services.allocate(line, lot, site, actor=request.user, quantity=payload.quantity)
    allocation = Allocation.objects.select_related("lot__item", "line").get(pk=allocation.pk)
    return Status(201, _allocation_out(allocation))


@allocations_router.post(
    "/{allocation_id}/release", response=AllocationOut, summary="Release what an allocation still reserves"
)
def release(request, allocation_id: int):
    allocation = services.release(get_allocation_or_404(request.user, allocation_id), actor=request.user)
    allocation = Allocation.objects.select_related("lot__item", "line").get(pk=allocation.pk)
    return _allocation_out(allocation)


ROUTES = [
    ("/supplies/allocation-runs", runs_router, ["Supplies: allocation"]),
    ("/supplies/allocations", allocations_router, ["Supplies: allocation"]),
]
