"""OpenBoxes CSV exports (supplies/exports.py): headers, rows and formula safety."""

from __future__ import annotations

import csv
import io

from medmissions.lib.csv import BYTE_ORDER_MARK, csv_response
from medmissions.supplies import exports
from medmissions.supplies.models import Item
from medmissions.supplies.tests.reports_support import days, receive


def _parse(export: exports.Export) -> list[list[str]]:
    response = csv_response(export.filename, export.header, export.rows)
    text = response.content.decode("utf-8")
    assert text.startswith(BYTE_ORDER_MARK)
    return list(csv.reader(io.StringIO(text.removeprefix(BYTE_ORDER_MARK))))


def test_products_use_openboxes_product_import_columns(amoxicillin, gloves):
    rows = _parse(exports.openboxes_export(exports.PRODUCTS))
    assert rows[0] == [
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
    by_code = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert len(by_code) == Item.objects.filter(active=True).count()
    product = by_code[amoxicillin.code]
    assert product["Id"] == ""
    assert product["ProductType"] == "Default"
    assert product["Name"] == "amoxicillin 500 mg capsule"
    assert product["Category"] == "Medicine"
    assert product["Description"] == "INN: amoxicillin; strength: 500 mg; form: capsule; WHO EML"
    assert product["UnitOfMeasure"] == "capsule"
    assert product["Tags"] == "essential-medicine"
    assert (product["LotAndExpiryControl"], product["ColdChain"], product["ControlledSubstance"]) == (
        "true",
        "false",
        "false",
    )
    glove = by_code[gloves.code]
    assert (glove["Tags"], glove["LotAndExpiryControl"], glove["Description"]) == (
        "",
        "false",
        "INN: examination gloves, medium",
    )


def test_inactive_items_are_not_exported(amoxicillin):
    amoxicillin.active = False
    amoxicillin.save(update_fields=["active"])
    rows = _parse(exports.openboxes_export(exports.PRODUCTS))
    assert amoxicillin.code not in {row[1] for row in rows[1:]}


def test_lots_list_the_organisations_lots_with_stock(users, sending, host, warehouse, donor, lot, gloves):
    receive(users["coordinator"], sending, warehouse, gloves, "GLV-7", None, 3)
    emptied = receive(users["coordinator"], sending, warehouse, gloves, "GLV-EMPTY", None, 3)
    from medmissions.supplies import stock

    stock.consume(emptied, warehouse, actor=users["coordinator"], quantity=3)
    export = exports.openboxes_export(exports.LOTS, organization=sending)
    assert export.filename == "openboxes-lots-bridge-health.csv"
    rows = _parse(export)
    assert rows[0] == ["Product code", "Product", "Lot number", "Expiration date", "Comment"]
    assert rows[1:] == [
        [
            lot.item.code,
            "amoxicillin 500 mg capsule",
            "AMX-2401",
            "2029-06-30",
            f"Donated by {donor.name}; manufacturer Generic Pharma Ltd",
        ],
        [gloves.code, "examination gloves, medium", "GLV-7", "", "Procured"],
    ]
    assert _parse(exports.openboxes_export(exports.LOTS, organization=host)) == [rows[0]]


def test_stock_uses_the_inventory_import_layout_for_one_site(
    users, sending, warehouse, site, active_partnership, lot, amoxicillin
):
    receive(users["coordinator"], sending, site, amoxicillin, "AMX-CLINIC", days(500), 40)
    export = exports.openboxes_export(exports.STOCK, organization=sending, site=warehouse)
    rows = _parse(export)
    assert rows[0] == [
        "Product code",
        "Product",
        "Lot number",
        "Expiration date",
        "Bin location",
        "OpenBoxes quantity on hand",
        "Quantity",
        "Comment",
    ]
    assert [row[2:7] for row in rows[1:]] == [["AMX-2401", "2029-06-30", "", "", "1000"]]
    at_clinic = _parse(exports.openboxes_export(exports.STOCK, organization=sending, site=site))
    assert [row[2] for row in at_clinic[1:]] == ["AMX-CLINIC"]


def test_cells_that_could_run_a_formula_are_neutralised(users, sending, warehouse, amoxicillin):
    receive(users["coordinator"], sending, warehouse, amoxicillin, "=HYPERLINK(1)", days(500), 5)
    receive(users["coordinator"], sending, warehouse, amoxicillin, "-42", days(600), 5)
    Item.objects.create(
        code="test-formula", name="@SUM(A1)", unit="+tablet", category="consumable", essential_medicine=False
    )
    lots = _parse(exports.openboxes_export(exports.LOTS, organization=sending))
    assert [row[2] for row in lots[1:]] == ["'=HYPERLINK(1)", "'-42"]
    stock_rows = _parse(exports.openboxes_export(exports.STOCK, organization=sending, site=warehouse))
    assert [row[2] for row in stock_rows[1:]] == ["'=HYPERLINK(1)", "'-42"]
    products = {row[1]: row for row in _parse(exports.openboxes_export(exports.PRODUCTS))[1:]}
    assert products["test-formula"][3] == "'@SUM(A1)"
    assert products["test-formula"][8] == "'+tablet"
