"""OpenBoxes-compatible CSV files: the catalogue as products, an organisation's lots, and its
stock at one site as an inventory import. Partners who run OpenBoxes (interop.md §5) load them
instead of typing everything again.

The layouts follow OpenBoxes' own importers (checked against openboxes/openboxes):

* **Products** — the 27 columns of ``Constants.EXPORT_PRODUCT_COLUMNS``, the product CSV
  import: ``Id`` empty so that OpenBoxes creates the products, ``ProductType`` "Default" (the
  type its own tests import into), booleans as ``true``/``false``, ``Tags`` comma-separated,
  ``Created`` and ``Updated`` empty (OpenBoxes sets them).
* **Stock** — the inventory import (``InventoryExcelImporter``), which reads columns by
  **position**: product code, product, lot number, expiration date, bin location, the quantity
  OpenBoxes holds now (informational, left empty), the counted quantity, comment. The column of
  OpenBoxes' own quantity is why the file has eight columns, not seven: without it, our
  quantities would land in the wrong column. Rows for the same product, lot and bin are added
  up by OpenBoxes. Its importer reads the first sheet (``Sheet1``) of a workbook: open the CSV
  in a spreadsheet and save it as a workbook before importing.
* **Lots** — OpenBoxes has no import of lots alone (its inventory import creates a lot the first
  time it meets a lot number), so this file has the inventory import's first four columns plus a
  comment, for checking or preparing lots.

Dates are ISO (``yyyy-MM-dd``), the text format ``InventoryImportDataService`` parses.
Headers stay in English whatever the interface language: they are a machine format.

Every cell goes through ``medmissions.lib.csv`` (formula-safe): a lot number typed as
``-123`` arrives as ``'-123``, which is the price of never running a formula in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies.choices import ItemCategory
from medmissions.supplies.models import Item, Lot, StockBalance

PRODUCTS = "products"
LOTS = "lots"
STOCK = "stock"
KINDS = (PRODUCTS, LOTS, STOCK)

PRODUCT_COLUMNS = [
    "Id",
    "ProductCode",
    "ProductType",
    "Name",
    "ProductFamily",
    "Category",
    "GLAccount",
    "Description",
    "UnitOfMeasure",
    "Tags",
    "UnitCost",
    "LotAndExpiryControl",
    "ColdChain",
    "ControlledSubstance",
    "HazardousMaterial",
    "Reconditioned",
    "Manufacturer",
    "BrandName",
    "ManufacturerCode",
    "ManufacturerName",
    "Vendor",
    "VendorCode",
    "VendorName",
    "UPC",
    "NDC",
    "Created",
    "Updated",
]
LOT_COLUMNS = ["Product code", "Product", "Lot number", "Expiration date", "Comment"]
STOCK_COLUMNS = [
    "Product code",
    "Product",
    "Lot number",
    "Expiration date",
    "Bin location",
    "OpenBoxes quantity on hand",
    "Quantity",
    "Comment",
]
PRODUCT_TYPE = "Default"
ESSENTIAL_MEDICINE_TAG = "essential-medicine"
# Categories whose lots need a lot number and an expiry date (as receiving requires).
LOT_AND_EXPIRY_CATEGORIES = (ItemCategory.MEDICINE, ItemCategory.VACCINE)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def product_description(item: Item) -> str:
    """``INN: amoxicillin; strength: 500 mg; form: capsule; WHO EML``"""
    parts = [f"INN: {item.name}"]
    if item.strength:
        parts.append(f"strength: {item.strength}")
    if item.dosage_form:
        parts.append(f"form: {str(item.get_dosage_form_display()).lower()}")
    if item.essential_medicine:
        parts.append("WHO EML")
    return "; ".join(parts)


def product_row(item: Item) -> list[Any]:
    tags = [ESSENTIAL_MEDICINE_TAG] if item.essential_medicine else []
    values = {
        "Id": "",
        "ProductCode": item.code,
        "ProductType": PRODUCT_TYPE,
        "Name": item.label,
        "Category": str(item.get_category_display()),
        "Description": product_description(item),
        "UnitOfMeasure": item.unit,
        "Tags": ",".join(tags),
        "LotAndExpiryControl": _flag(item.category in LOT_AND_EXPIRY_CATEGORIES),
        "ColdChain": _flag(item.cold_chain),
        "ControlledSubstance": _flag(item.controlled_substance),
        "HazardousMaterial": _flag(False),
        "Reconditioned": _flag(False),
    }
    return [values.get(column, "") for column in PRODUCT_COLUMNS]


def products() -> QuerySet[Item]:
    """The active catalogue, by code."""
    return Item.objects.filter(active=True).order_by("code")


def product_rows(items: QuerySet[Item]) -> Iterator[list[Any]]:
    for item in items.iterator(chunk_size=2000):
        yield product_row(item)


def _lot_comment(lot: Lot) -> str:
    if lot.donor_id is not None and lot.donor is not None:
        text = _("Donated by %(donor)s") % {"donor": lot.donor.name}
    else:
        text = _("Procured")
    if lot.manufacturer:
        text += "; " + _("manufacturer %(manufacturer)s") % {"manufacturer": lot.manufacturer}
    return text


def organization_lots(organization: Organization) -> QuerySet[Lot]:
    """The organisation's lots with units on hand somewhere, by item and expiry."""
    return (
        Lot.objects.filter(owner=organization, balances__on_hand__gt=0)
        .distinct()
        .select_related("item", "donor")
        .order_by("item__code", F("expiry_date").asc(nulls_last=True), "lot_number", "pk")
    )


def lot_rows(lots: QuerySet[Lot]) -> Iterator[list[Any]]:
    for lot in lots.iterator(chunk_size=2000):
        yield [lot.item.code, lot.item.label, lot.lot_number, lot.expiry_date, _lot_comment(lot)]


def site_stock(organization: Organization, site: Site) -> QuerySet[StockBalance]:
    """The organisation's balances with units on hand at ``site``."""
    return (
        StockBalance.objects.filter(lot__owner=organization, site=site, on_hand__gt=0)
        .select_related("lot__item", "lot__donor")
        .order_by("lot__item__code", F("lot__expiry_date").asc(nulls_last=True), "lot__lot_number", "pk")
    )


def stock_rows(balances: QuerySet[StockBalance]) -> Iterator[list[Any]]:
    for balance in balances.iterator(chunk_size=2000):
        lot = balance.lot
        yield [
            lot.item.code,
            lot.item.label,
            lot.lot_number,
            lot.expiry_date,
            "",  # the default bin
            "",  # what OpenBoxes holds: it computes the adjustment itself
            balance.on_hand,
            _lot_comment(lot),
        ]


@dataclass(frozen=True)
class Export:
    """A CSV ready for ``lib.csv.csv_response``."""

    filename: str
    header: Sequence[str]
    rows: Iterator[list[Any]]


def openboxes_export(
    kind: str, *, organization: Organization | None = None, site: Site | None = None
) -> Export:
    """The file of ``kind`` (products, lots or stock). Lots need the organisation, stock the
    organisation and the site; the caller has checked that the person is a member of it and
    may see the site."""
    if kind == PRODUCTS:
        return Export("openboxes-products.csv", PRODUCT_COLUMNS, product_rows(products()))
    assert organization is not None
    if kind == LOTS:
        return Export(
            f"openboxes-lots-{organization.slug}.csv", LOT_COLUMNS, lot_rows(organization_lots(organization))
        )
    assert kind == STOCK and site is not None
    return Export(
        f"openboxes-stock-{organization.slug}-site-{site.pk}.csv",
        STOCK_COLUMNS,
        stock_rows(site_stock(organization, site)),
    )
