"""API of the catalogue area: the shared catalogue of items (searchable, paginated) and the kits.
ROUTES lists (prefix, router, tags) for medmissions/api.py.

The catalogue is open to everyone signed in; an item's stock figures cover only the caller's own
organisations. Items and kits are named by their code.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Min, Prefetch, Sum, prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.organizations.access import access_for
from medmissions.supplies.access import get_item_or_404, get_kit_or_404, items
from medmissions.supplies.choices import ItemCategory
from medmissions.supplies.forms.catalogue import filter_items
from medmissions.supplies.models import Item, Kit, KitLine, StockBalance

items_router = Router()
kits_router = Router()

# Kit lines in a stable order (several items share a name, such as the IV cannula sizes).
KIT_LINES = Prefetch(
    "lines", queryset=KitLine.objects.select_related("item").order_by("item__name", "item__strength", "pk")
)


class ItemOut(Schema):
    code: str
    label: str = Field(..., description="Name, strength and dosage form, as the pages show it")
    name: str = Field(..., description="Generic (INN) name for medicines")
    strength: str
    dosage_form: str
    dosage_form_label: str
    unit: str = Field(..., description="The unit of issue: what one counted unit is")
    category: str = Field(..., description="medicine, vaccine, consumable or equipment")
    category_label: str
    cold_chain: bool
    controlled_substance: bool
    essential_medicine: bool = Field(..., description="On the WHO Model List of Essential Medicines")
    unit_weight_grams: Decimal | None
    minimum_shelf_life_days: int = Field(
        ..., description="Days a lot must still have before expiry on arrival (WHO article 6)"
    )
    active: bool


class KitRefOut(Schema):
    code: str
    name: str
    quantity: int = Field(..., description="Units of the item in one kit")


class StockAtSiteOut(Schema):
    organization: str = Field(..., description="Slug of the owner (one of your organisations)")
    site: int
    site_name: str
    lots: int
    on_hand: int
    reserved: int
    available: int
    earliest_expiry: datetime.date | None


class ItemDetailOut(ItemOut):
    kits: list[KitRefOut]
    stock: list[StockAtSiteOut] = Field(..., description="Your organisations' stock of it, by site")


class KitLineOut(Schema):
    item: str = Field(..., description="Item code")
    item_label: str
    quantity: int


class KitOut(Schema):
    code: str
    name: str
    description: str
    lines: list[KitLineOut]


class ItemFilters(Schema):
    q: str = Field("", description="Words that must all appear in the name, strength or code")
    category: str | None = Field(None, description="medicine, vaccine, consumable or equipment")
    essential: bool = Field(False, description="Only items on the WHO Essential Medicines List")
    cold_chain: bool = False
    controlled: bool = Field(False, description="Only controlled substances")


def _item_out(item: Item) -> dict[str, Any]:
    return {
        "code": item.code,
        "label": item.label,
        "name": item.name,
        "strength": item.strength,
        "dosage_form": item.dosage_form,
        "dosage_form_label": str(item.get_dosage_form_display()) if item.dosage_form else "",
        "unit": _(item.unit),
        "category": item.category,
        "category_label": str(item.get_category_display()),
        "cold_chain": item.cold_chain,
        "controlled_substance": item.controlled_substance,
        "essential_medicine": item.essential_medicine,
        "unit_weight_grams": item.unit_weight_grams,
        "minimum_shelf_life_days": item.minimum_shelf_life_days,
        "active": item.active,
    }


def _kit_out(kit: Kit) -> dict[str, Any]:
    return {
        "code": kit.code,
        "name": str(kit),
        "description": _(kit.description) if kit.description else "",
        "lines": [
            {"item": line.item.code, "item_label": line.item.label, "quantity": line.quantity}
            for line in kit.lines.all()
        ],
    }


@items_router.get(
    "", response=list[ItemOut], summary="Items of the catalogue, searched and filtered (everyone signed in)"
)
@paginate(PageNumberPagination, page_size=50)
def list_items(request, filters: Query[ItemFilters]):
    if filters.category and filters.category not in ItemCategory.values:
        message = _("Unknown category: %(category)s. Use one of %(choices)s.") % {
            "category": filters.category,
            "choices": ", ".join(ItemCategory.values),
        }
        raise ValidationFailed(message, fields={"category": message})
    found = filter_items(
        items(request.user),
        q=filters.q,
        category=filters.category or "",
        essential=filters.essential,
        cold_chain=filters.cold_chain,
        controlled=filters.controlled,
    )
    return MappedQuerySet(found.order_by("name", "strength", "dosage_form", "pk"), _item_out)


@items_router.get(
    "/{code}",
    response=ItemDetailOut,
    summary="An item, the kits holding it and your organisations' stock of it (everyone signed in)",
)
def get_item(request, code: str):
    item = get_item_or_404(request.user, code)
    stock = (
        StockBalance.objects.filter(
            lot__item=item, lot__owner_id__in=access_for(request.user).organization_ids(), on_hand__gt=0
        )
        .values("site_id", "site__name", "lot__owner__slug")
        .annotate(
            on_hand_total=Sum("on_hand"),
            reserved_total=Sum("reserved"),
            lot_count=Count("lot", distinct=True),
            earliest=Min("lot__expiry_date"),
        )
        .order_by("lot__owner__slug", "site__name", "site_id")
    )
    kit_lines = KitLine.objects.filter(item=item).select_related("kit").order_by("kit__name")
    return {
        **_item_out(item),
        "kits": [
            {"code": line.kit.code, "name": str(line.kit), "quantity": line.quantity} for line in kit_lines
        ],
        "stock": [
            {
                "organization": row["lot__owner__slug"],
                "site": row["site_id"],
                "site_name": row["site__name"],
                "lots": row["lot_count"],
                "on_hand": row["on_hand_total"],
                "reserved": row["reserved_total"],
                "available": row["on_hand_total"] - row["reserved_total"],
                "earliest_expiry": row["earliest"],
            }
            for row in stock
        ],
    }


@kits_router.get("", response=list[KitOut], summary="The kits and their contents (everyone signed in)")
@paginate(PageNumberPagination, page_size=50)
def list_kits(request):
    items(request.user)  # signed in
    kits = Kit.objects.prefetch_related(KIT_LINES).order_by("name", "pk")
    return MappedQuerySet(kits, _kit_out)


@kits_router.get("/{code}", response=KitOut, summary="A kit and its contents (everyone signed in)")
def get_kit(request, code: str):
    kit = get_kit_or_404(request.user, code)
    prefetch_related_objects([kit], KIT_LINES)
    return _kit_out(kit)


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/supplies/items", items_router, ["Supplies: catalogue"]),
    ("/supplies/kits", kits_router, ["Supplies: catalogue"]),
]
