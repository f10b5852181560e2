"""The packing list and the certificate of donation: what they say, when they exist, and what
happens when WeasyPrint cannot run. The PDFs are really rendered (WeasyPrint, Pango) and read
back with ``pdf_text``."""

from __future__ import annotations

import sys
from decimal import Decimal

import pytest

from medmissions.core.errors import Conflict
from medmissions.supplies import documents, shipments
from medmissions.supplies.tests.shipments_support import *  # noqa: F403
from medmissions.supplies.tests.shipments_support import days, pdf_text, receive_lot, require_pdf_rendering

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pango():
    require_pdf_rendering()


def test_the_packing_list_lists_every_parcel_and_lot(packed):
    text = pdf_text(documents.packing_list_pdf(packed))
    for expected in (
        "Packing list",
        packed.reference,
        "Bridge Health UK",  # sender
        "Bridge Health depot",  # origin
        "Mbale outpatient clinic",  # destination
        "Mbale Regional Hospital",
        "Kampala Freight",
        "Parcel 1 — 12.50 kg",
        "Amoxicillin, keep dry",
        "Parcel 2 — 30.00 kg",
        "amoxicillin",
        "500 mg",
        "Capsule",
        "AMX-2401",
        "GLV-77",
        "examination gloves, medium",
        "box of 100",
        "Generic Pharma Ltd",
        "42.50 kg",  # total weight
    ):
        assert expected in text, expected
    lot = packed.items.get(lot__lot_number="AMX-2401").lot
    assert lot.expiry_date.isoformat() in text
    # The quantities, and the totals per unit of issue.
    assert "600" in text and "Units: capsule" in text and "Units: box of 100" in text
    assert text.index("AMX-2401") < text.index("Parcel 2") < text.index("GLV-77")


def test_the_certificate_values_the_donated_lots(packed):
    context = documents.certificate_context(packed)
    assert [line["lot_number"] for line in context["lines"]] == ["AMX-2401"]
    assert context["lines"][0]["line_value"] == Decimal("30.00")  # 600 × 0.05
    assert context["totals"] == [("USD", Decimal("30.00"))]
    assert context["other_lines"] == 1  # the gloves were bought, not donated
    assert [donor.name for donor in context["donors"]] == ["Blessed Supplies International"]
    assert context["recipient"].name == "Mbale Regional Hospital"
    text = pdf_text(documents.certificate_pdf(packed))
    for expected in (
        "Certificate of donation",
        packed.reference,
        "Blessed Supplies International",
        "Mbale Regional Hospital",
        "amoxicillin 500 mg capsule",
        "AMX-2401",
        "0.05 USD",
        "30.00 USD",
        "Total declared value (USD)",
        "article 11",
        "not for resale",
        "Signature",
        "1 other line of this shipment is not a donation",
    ):
        assert expected in text, expected
    assert "GLV-77" not in text


def test_totals_are_per_currency_and_donors_are_all_named(
    users, sending, warehouse, shipment, picked, other, amoxicillin
):
    euro_lot = receive_lot(
        users["coordinator"],
        sending,
        warehouse,
        amoxicillin,
        "AMX-EU",
        quantity=100,
        expiry=days(800),
        donor=other,
        unit_value=Decimal("0.1250"),
        currency="EUR",
    )
    extra = shipments.add_lot(shipment, euro_lot, actor=users["coordinator"], quantity=40)
    medicine, gloves = picked
    shipment = shipments.pack(
        shipment,
        actor=users["coordinator"],
        parcels=[
            shipments.ParcelPlan(Decimal("15"), [medicine.pk, extra.pk]),
            shipments.ParcelPlan(Decimal("30"), [gloves.pk]),
        ],
    )
    context = documents.certificate_context(shipment)
    assert context["totals"] == [("EUR", Decimal("5.00")), ("USD", Decimal("30.00"))]
    assert [donor.name for donor in context["donors"]] == [
        "Blessed Supplies International",
        "Unrelated Clinic",
    ]
    # Earliest expiry first within the parcel; unit values keep the digits they have.
    assert [(line["lot_number"], line["unit_value"]) for line in context["lines"]] == [
        ("AMX-EU", Decimal("0.125")),
        ("AMX-2401", Decimal("0.05")),
    ]
    text = pdf_text(documents.certificate_pdf(shipment))
    assert "Total declared value (EUR)" in text and "5.00 EUR" in text and "0.125 EUR" in text


def test_no_certificate_without_donated_lots(users, shipment, gloves_lot):
    item = shipments.add_lot(shipment, gloves_lot, actor=users["coordinator"], quantity=10)
    shipment = shipments.pack(
        shipment, actor=users["coordinator"], parcels=[shipments.ParcelPlan(Decimal("3"), [item.pk])]
    )
    with pytest.raises(Conflict) as raised:
        documents.certificate_pdf(shipment)
    assert raised.value.code == "no_donations"
    assert "GLV-77" in pdf_text(documents.packing_list_pdf(shipment))


def test_no_papers_before_packing_or_once_cancelled(users, shipment, picked):
    for render in (documents.packing_list_pdf, documents.certificate_pdf):
        with pytest.raises(Conflict) as raised:
            render(shipment)
        assert raised.value.code == "not_packed"
    shipment = shipments.cancel(shipment, actor=users["coordinator"], reason="Called off.")
    with pytest.raises(Conflict):
        documents.packing_list_pdf(shipment)


def test_the_papers_stay_available_after_sending(sent):
    assert "AMX-2401" in pdf_text(documents.packing_list_pdf(sent))
    assert "TRK-1" in pdf_text(documents.certificate_pdf(sent))


def test_nothing_is_fetched_from_the_network(monkeypatch):
    """The fetcher refuses every URL but ``data:``: an <img src="https://…"> is never requested."""
    import weasyprint

    fetcher = documents._url_fetcher(weasyprint)
    with pytest.raises(ValueError, match=r"disallowed protocol|Not fetched"):
        fetcher("https://example.org/logo.png")
    with pytest.raises(ValueError, match=r"disallowed protocol|Not fetched"):
        fetcher("file:///etc/passwd")


def test_without_weasyprint_a_clear_error(monkeypatch, packed):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint → ImportError
    with pytest.raises(documents.PdfUnavailable) as raised:
        documents.packing_list_pdf(packed)
    assert raised.value.status == 503
    assert "PDF documents are unavailable on this server" in raised.value.message


def test_filename():
    class Fake:
        reference = "SH-2030-00042"

    assert documents.filename(Fake(), "packing-list") == "packing-list-SH-2030-00042.pdf"  # type: ignore[arg-type]
