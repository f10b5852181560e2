"""The shipment's papers as PDF: the packing list and the certificate of donation.

Both are Django templates (``supplies/documents/*.html``) rendered to PDF by WeasyPrint. Nothing
is fetched from the network: the stylesheet is inside the template, the fonts are the server's
own (fontconfig), ``base_url`` points at this app's folder and the URL fetcher accepts ``data:``
URLs only. WeasyPrint needs Pango from the operating system; where WeasyPrint or Pango cannot be
loaded, :class:`PdfUnavailable` says so (pages show it, the API answers 503).

* **Packing list** (WHO article 9): per numbered parcel its weight and, for each item, the
  generic (INN) name, strength, dosage form, lot, expiry, quantity and unit; totals; sender,
  origin, destination, planned arrival, reference and carrier.
* **Certificate of donation** (WHO article 11): the donors, the recipient (the organisation
  hosting the destination), each donated lot with its unit value and line value, the declared
  total per currency, the valuation basis, a statement and signature blocks. Only for shipments
  carrying donated lots.

Both exist from packing onwards (:func:`shipments.documents_available`).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.core.errors import Conflict, DomainError
from medmissions.supplies.choices import LotSource
from medmissions.supplies.models import Shipment, ShipmentItem
from medmissions.supplies.shipments import documents_available

BASE_DIR = Path(__file__).resolve().parent
CENT = Decimal("0.01")


class PdfUnavailable(DomainError):
    """WeasyPrint, or the Pango library it needs, cannot be loaded on this server."""

    status = 503
    code = "pdf_unavailable"


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango (or another system library) is missing.
        raise PdfUnavailable(
            _(
                "PDF documents are unavailable on this server: WeasyPrint or the Pango library it needs "
                "is not installed. The same information is on the shipment’s page."
            )
        ) from error
    return weasyprint


def _url_fetcher(weasyprint: Any) -> Any:
    """A fetcher that refuses every URL except ``data:``: a document never reaches the network."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before the URLFetcher class: a plain function.

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            if not url.startswith("data:"):
                raise ValueError(f"Not fetched: {url}")
            return weasyprint.default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols=["data"])


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render ``template`` with ``context`` to PDF bytes."""
    weasyprint = _weasyprint()
    html = render_to_string(template, context)
    document = weasyprint.HTML(string=html, base_url=str(BASE_DIR), url_fetcher=_url_fetcher(weasyprint))
    pdf: bytes = document.write_pdf()
    return pdf


def _require_documents(shipment: Shipment) -> None:
    if not documents_available(shipment):
        raise Conflict(
            _("The shipment’s papers exist once it is packed; shipment %(reference)s is %(status)s.")
            % {"reference": shipment.reference, "status": shipment.get_status_display().lower()},
            code="not_packed",
        )


def _items(shipment: Shipment) -> list[ShipmentItem]:
    return list(
        shipment.items.select_related("lot__item", "lot__donor", "lot__label_language", "parcel").order_by(
            "parcel__number", "lot__item__name", "lot__expiry_date", "pk"
        )
    )


def _row(item: ShipmentItem) -> dict[str, Any]:
    lot, catalogue_item = item.lot, item.lot.item
    return {
        "item": catalogue_item,
        "name": catalogue_item.name,
        "strength": catalogue_item.strength,
        "dosage_form": catalogue_item.get_dosage_form_display() if catalogue_item.dosage_form else "",
        "lot_number": lot.lot_number,
        "expiry_date": lot.expiry_date,
        "manufacturer": lot.manufacturer,
        "quantity": item.quantity,
        "unit": catalogue_item.unit_label,
        "cold_chain": catalogue_item.cold_chain,
    }


def _common(shipment: Shipment) -> dict[str, Any]:
    return {
        "shipment": shipment,
        "sender": shipment.organization,
        "origin": shipment.origin,
        "destination": shipment.destination,
        "recipient": shipment.destination.host_organization,
        "generated_at": timezone.now(),
    }


def packing_list_context(shipment: Shipment) -> dict[str, Any]:
    _require_documents(shipment)
    items = _items(shipment)
    parcels = list(shipment.parcels.order_by("number"))
    rows_by_parcel: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        rows_by_parcel[item.parcel_id or 0].append(_row(item))
    units: dict[str, int] = defaultdict(int)
    for item in items:
        units[item.lot.item.unit_label] += item.quantity
    return {
        **_common(shipment),
        "parcels": [
            {
                "parcel": parcel,
                "rows": rows_by_parcel.get(parcel.pk, []),
                "units": sum(row["quantity"] for row in rows_by_parcel.get(parcel.pk, [])),
            }
            for parcel in parcels
        ],
        "loose": rows_by_parcel.get(0, []),
        "parcel_count": len(parcels),
        "line_count": len(items),
        "total_weight": sum((parcel.weight_kg for parcel in parcels), Decimal(0)),
        "units": sorted(units.items()),
    }


def _unit_value(value: Decimal) -> Decimal:
    """0.0500 → 0.05 and 12.5000 → 12.50, but 0.0525 stays: no more digits than the value has."""
    cents = value.quantize(CENT)
    return cents if cents == value else value.normalize()


def certificate_context(shipment: Shipment) -> dict[str, Any]:
    _require_documents(shipment)
    items = _items(shipment)
    donated = [item for item in items if item.lot.source == LotSource.DONATED]
    if not donated:
        raise Conflict(
            _(
                "Shipment %(reference)s carries no donated lots, so there is no certificate of donation: "
                "its goods are the sender’s own."
            )
            % {"reference": shipment.reference},
            code="no_donations",
        )
    lines = []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for item in donated:
        value = (item.lot.unit_value * item.quantity).quantize(CENT)
        totals[item.lot.currency] += value
        lines.append(
            {
                **_row(item),
                "donor": item.lot.donor,
                "unit_value": _unit_value(item.lot.unit_value),
                "line_value": value,
                "currency": item.lot.currency,
            }
        )
    donors = sorted(
        {item.lot.donor for item in donated if item.lot.donor is not None}, key=lambda org: org.name
    )
    return {
        **_common(shipment),
        "donors": donors,
        "lines": lines,
        "totals": sorted(totals.items()),
        "other_lines": len(items) - len(donated),
    }


def packing_list_pdf(shipment: Shipment) -> bytes:
    return render_pdf("supplies/documents/packing_list.html", packing_list_context(shipment))


def certificate_pdf(shipment: Shipment) -> bytes:
    return render_pdf("supplies/documents/certificate.html", certificate_context(shipment))


def filename(shipment: Shipment, document: str) -> str:
    """``packing-list-SH-2026-00001.pdf`` and the like."""
    return f"{document}-{shipment.reference}.pdf"
