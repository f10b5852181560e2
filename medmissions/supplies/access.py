"""Who may see what in supplies. Every view and API endpoint loads supplies objects through the
helpers here, never by bare id; objects one may not see answer 404.

* The **catalogue** (items and kits) is open to everyone signed in.
* **Lots and their balances**: members of the owner, of the donor (who follows where its goods
  went) and of the organisation hosting a site where the lot is held (``Lot.visible_to``).
* **Requests**: members of the requesting organisation, of the destination's host and of the
  mission's parties; submitted requests opened to donors, everyone signed in.
* **Offers**: members of the donor and of the recipient.
* **Shipments**: members of the sender, of the hosts of its origin and destination, and donors
  of the lots it carries.
* **Allocation runs**: members of the organisation whose stock they allocate.

What each may *do* is checked by the services (``Capability.MANAGE_SUPPLIES`` and friends); the
``can_*`` predicates here only decide which buttons a page shows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from medmissions.organizations.access import Capability, access_for, can, get_visible_or_404
from medmissions.organizations.models import Organization
from medmissions.supplies.models import (
    Allocation,
    AllocationQuerySet,
    AllocationRun,
    DonationOffer,
    Item,
    Kit,
    Lot,
    RequestLine,
    Shipment,
    StockBalance,
    SupplyRequest,
)


def _signed_in(user: Any) -> None:
    if user is None or not user.is_authenticated:
        raise Http404


def items(user: Any) -> QuerySet[Item]:
    _signed_in(user)
    return Item.objects.filter(active=True)


def get_item_or_404(user: Any, code: str) -> Item:
    _signed_in(user)
    try:
        return Item.objects.get(code=code)
    except Item.DoesNotExist as error:
        raise Http404 from error


def get_kit_or_404(user: Any, code: str) -> Kit:
    _signed_in(user)
    try:
        return Kit.objects.get(code=code)
    except Kit.DoesNotExist as error:
        raise Http404 from error


def supply_organizations(user: Any, capability: Capability = Capability.VIEW) -> QuerySet[Organization]:
    """The user's organisations where they hold ``capability``, by name."""
    return Organization.objects.filter(pk__in=access_for(user).organization_ids(capability)).order_by("name")


def get_lot_or_404(user: Any, pk: int) -> Lot:
    return get_visible_or_404(Lot.objects.select_related("item", "owner", "donor", "origin"), user, pk=pk)


def balances(user: Any) -> QuerySet[StockBalance]:
    return StockBalance.objects.visible_to(user).select_related("lot__item", "lot__owner", "site")


def get_request_or_404(user: Any, pk: int) -> SupplyRequest:
    return get_visible_or_404(
        SupplyRequest.objects.select_related(
            "organization", "destination__host_organization", "mission", "need"
        ),
        user,
        pk=pk,
    )


def get_line_or_404(user: Any, request_pk: int, pk: int) -> RequestLine:
    request = get_request_or_404(user, request_pk)
    try:
        return request.lines.select_related("item", "request").get(pk=pk)
    except RequestLine.DoesNotExist as error:
        raise Http404 from error


def get_offer_or_404(user: Any, pk: int) -> DonationOffer:
    return get_visible_or_404(
        DonationOffer.objects.select_related("donor", "recipient", "request"), user, pk=pk
    )


def get_shipment_or_404(user: Any, pk: int) -> Shipment:
    return get_visible_or_404(
        Shipment.objects.select_related(
            "organization", "origin__host_organization", "destination__host_organization", "mission"
        ),
        user,
        pk=pk,
    )


def runs(user: Any) -> QuerySet[AllocationRun]:
    _signed_in(user)
    return AllocationRun.objects.filter(organization_id__in=access_for(user).organization_ids())


def get_run_or_404(user: Any, pk: int) -> AllocationRun:
    run = runs(user).select_related("organization").filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


def visible_allocations(user: Any) -> AllocationQuerySet:
    """Allocations whose lot the user may see, and allocations for requests of the user's
    organisations or delivered to their sites. Seeing a request open to donors is not enough:
    its allocations name the allocating organisation's lots."""
    _signed_in(user)
    own = access_for(user).organization_ids()
    return Allocation.objects.filter(
        Q(lot__in=Lot.objects.visible_to(user).values("pk"))
        | Q(line__request__organization_id__in=own)
        | Q(line__request__destination__host_organization_id__in=own)
    )


def get_allocation_or_404(user: Any, pk: int) -> Allocation:
    allocation = (
        visible_allocations(user)
        .select_related("lot__owner", "lot__item", "line__request", "site")
        .filter(pk=pk)
        .first()
    )
    if allocation is None:
        raise Http404
    return allocation


def can_manage_stock(user: Any, organization_id: int) -> bool:
    return can(user, organization_id, Capability.MANAGE_SUPPLIES)


def can_record_use(user: Any, lot: Lot, site_host_id: int) -> bool:
    return can(user, lot.owner_id, Capability.CONTRIBUTE) or can(user, site_host_id, Capability.CONTRIBUTE)
