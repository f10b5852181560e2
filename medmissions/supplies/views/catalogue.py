"""Pages of the shared catalogue: the searchable list of items with the kits, one item (with the
stock the person's organisations hold of it), and one kit. The catalogue is open to everyone
signed in; stock figures only ever cover the person's own organisations."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Min, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.organizations.access import Capability, access_for
from medmissions.supplies.access import get_item_or_404, get_kit_or_404, items
from medmissions.supplies.forms.catalogue import CatalogueFilterForm
from medmissions.supplies.models import Kit, KitLine, StockBalance

PAGE_SIZE = 50


@login_required
@require_GET
def catalogue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Items of the catalogue, searchable by name or code and filtered, with the kits below."""
    form = CatalogueFilterForm(request.GET or None)
    found = form.filter(items(request.user)).order_by("name", "strength", "dosage_form", "pk")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    kits = Kit.objects.annotate(line_count=Count("lines")).order_by("name")
    return render(
        request,
        "supplies/catalogue/list.html",
        {"form": form, "page_obj": page, "filtered": form.filtered, "kits": kits},
    )


@login_required
@require_GET
def item(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """One item: its fields, the shelf life it needs, the kits holding it, and the stock of it
    (available units by organisation and site) that the person's organisations own."""
    found = get_item_or_404(request.user, code)
    access = access_for(request.user)
    stock = (
        StockBalance.objects.filter(
            lot__item=found, lot__owner_id__in=access.organization_ids(), on_hand__gt=0
        )
        .values("site_id", "site__name", "lot__owner__name")
        .annotate(
            on_hand_total=Sum("on_hand"),
            reserved_total=Sum("reserved"),
            available_total=Sum(F("on_hand") - F("reserved")),
            lot_count=Count("lot", distinct=True),
            earliest_expiry=Min("lot__expiry_date"),
        )
        .order_by("lot__owner__name", "site__name")
    )
    kit_lines = KitLine.objects.filter(item=found).select_related("kit").order_by("kit__name")
    return render(
        request,
        "supplies/catalogue/item.html",
        {
            "item": found,
            "stock": list(stock),
            "kit_lines": kit_lines,
            "can_receive": bool(access.organization_ids(Capability.MANAGE_SUPPLIES)),
            "is_member": bool(access.organization_ids()),
        },
    )


@login_required
@require_GET
def kit(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """One kit: the items it expands into, with quantities and an estimated weight."""
    found = get_kit_or_404(request.user, code)
    lines = list(found.lines.select_related("item").order_by("item__name", "item__strength", "pk"))
    weight_grams = sum(
        (line.item.unit_weight_grams * line.quantity for line in lines if line.item.unit_weight_grams),
        start=0,
    )
    return render(
        request,
        "supplies/catalogue/kit.html",
        {
            "kit": found,
            "lines": lines,
            "weight_kg": weight_grams / 1000 if weight_grams else None,
            "unweighed": [line for line in lines if not line.item.unit_weight_grams],
        },
    )
