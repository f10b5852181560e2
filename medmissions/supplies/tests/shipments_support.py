"""Fixtures and helpers for the shipments tests.

The world: ``sending`` holds stock at its depot (``warehouse``): a lot of amoxicillin donated by
``donor`` (labelled in English) and a lot of gloves it bought. The host (``host``, in an active
partnership with sending) asked for both at its clinic (``clinic``, where English and Swahili
are spoken) in a submitted request open to donors, and sending allocated its stock to the
request. ``shipment`` is sending's shipment from the depot to the clinic, still picking.

Dates are relative to today, so the tests do not age. ``pdf_text`` reads the text of a PDF:
with pypdf when it is installed, otherwise by decoding the PDF's content streams through the
fonts' ToUnicode maps (WeasyPrint writes glyph numbers, not letters, so the bytes of a PDF never
contain its words, compressed or not).
"""

from __future__ import annotations

import datetime
import io
import re
import zlib
from decimal import Decimal

import pytest
from django.utils import timezone

from medmissions.core.models import Language
from medmissions.supplies import allocation, services, shipments, stock
from medmissions.supplies.models import StockBalance

# The fixtures, for test modules to take with ``from …shipments_support import *`` (named
# imports of fixtures read as unused to linters); helpers are imported by name.
__all__ = [
    "allocations",
    "clinic",
    "donated_lot",
    "english",
    "gloves_lot",
    "host_request",
    "packed",
    "picked",
    "sent",
    "shipment",
]

PLANNED_IN_DAYS = 45


def today() -> datetime.date:
    return timezone.localdate()


def days(count: int) -> datetime.date:
    return today() + datetime.timedelta(days=count)


def balance(lot, site) -> tuple[int, int]:
    """(on hand, reserved) of ``lot`` at ``site``; (0, 0) when it was never there."""
    row = StockBalance.objects.filter(lot=lot, site=site).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def receive_lot(actor, organization, site, item, lot_number, *, quantity, expiry=None, donor=None, **extra):
    """Record a lot arriving into ``organization``'s stock (donated when a donor is given)."""
    lot, _movement = stock.receive_lot(
        actor=actor,
        organization=organization,
        site=site,
        item=item,
        lot_number=lot_number,
        expiry_date=expiry,
        quantity=quantity,
        source="donated" if donor else "procured",
        donor=donor,
        unit_value=extra.pop("unit_value", Decimal("0.05")),
        manufacturer=extra.pop("manufacturer", ""),
        label_language=extra.pop("label_language", None),
        currency=extra.pop("currency", "USD"),
    )
    return lot


@pytest.fixture
def english(db) -> Language:
    return Language.objects.get(code="en")


@pytest.fixture
def clinic(site, active_partnership, english):
    """The host's clinic, where English and Swahili are spoken; sending sees it as a partner."""
    site.languages.set([english, Language.objects.get(code="sw")])
    return site


@pytest.fixture
def donated_lot(users, sending, warehouse, donor, amoxicillin, english):
    """1,000 capsules donated by the donor, three years of shelf life, labelled in English."""
    return receive_lot(
        users["coordinator"],
        sending,
        warehouse,
        amoxicillin,
        "AMX-2401",
        quantity=1000,
        expiry=days(3 * 365),
        donor=donor,
        unit_value=Decimal("0.0500"),
        manufacturer="Generic Pharma Ltd",
        label_language=english,
    )


@pytest.fixture
def gloves_lot(users, sending, warehouse, gloves):
    """200 boxes of gloves sending bought; gloves do not expire."""
    return receive_lot(
        users["coordinator"], sending, warehouse, gloves, "GLV-77", quantity=200, unit_value=Decimal("4.20")
    )


@pytest.fixture
def host_request(users, host, clinic, amoxicillin, gloves):
    """The host asks for 600 capsules and 20 boxes of gloves at its clinic, open to donors."""
    actor = users["host_admin"]
    request = services.create_request(
        actor=actor,
        organization=host,
        data={
            "title": "Clinic restock",
            "destination": clinic,
            "needed_by": days(60),
            "priority": 3,
            "open_to_donors": True,
        },
    )
    services.add_line(request, actor=actor, item=amoxicillin, quantity=600)
    services.add_line(request, actor=actor, item=gloves, quantity=20)
    return services.submit_request(request, actor=actor)


@pytest.fixture
def allocations(users, host_request, warehouse, donated_lot, gloves_lot):
    """Sending's stock allocated to the host's request: 600 capsules and 20 boxes, reserved."""
    lines = {line.item.code: line for line in host_request.lines.select_related("item")}
    actor = users["coordinator"]
    return {
        "amoxicillin": allocation.allocate(
            lines["test-amoxicillin-500mg-capsule"], donated_lot, warehouse, actor=actor, quantity=600
        ),
        "gloves": allocation.allocate(
            lines["test-examination-gloves-m"], gloves_lot, warehouse, actor=actor, quantity=20
        ),
    }


@pytest.fixture
def shipment(users, sending, warehouse, clinic, donated_lot, gloves_lot):
    return shipments.create_shipment(
        actor=users["coordinator"],
        organization=sending,
        origin=warehouse,
        destination=clinic,
        planned_arrival=days(PLANNED_IN_DAYS),
        carrier="Kampala Freight",
    )


def pick(shipment, allocations, actor):
    """Both allocations on the shipment, in full: (amoxicillin item, gloves item)."""
    return (
        shipments.add_allocation(shipment, allocations["amoxicillin"], actor=actor),
        shipments.add_allocation(shipment, allocations["gloves"], actor=actor),
    )


def pack(shipment, items, actor):
    """The capsules in parcel 1 (12.5 kg), the gloves in parcel 2 (30 kg)."""
    medicine, gloves = items
    return shipments.pack(
        shipment,
        actor=actor,
        parcels=[
            shipments.ParcelPlan(Decimal("12.5"), [medicine.pk], "Amoxicillin, keep dry"),
            shipments.ParcelPlan(Decimal("30"), [gloves.pk], "Gloves"),
        ],
    )


@pytest.fixture
def picked(shipment, allocations, users):
    return pick(shipment, allocations, users["coordinator"])


@pytest.fixture
def packed(shipment, picked, users):
    return pack(shipment, picked, users["coordinator"])


@pytest.fixture
def sent(packed, users):
    return shipments.send(packed, actor=users["coordinator"], tracking_reference="TRK-1")


# --- PDF text -----------------------------------------------------------------------------------------


def require_pdf_rendering() -> None:
    """Skip the test when WeasyPrint cannot load Pango on this machine."""
    try:
        import weasyprint  # noqa: F401
    except OSError as error:
        pytest.skip(f"WeasyPrint needs Pango, which is not installed here ({error}).")


def pdf_text(data: bytes) -> str:
    """The text of a PDF with every run of whitespace (line breaks too: table cells wrap) folded
    to one space, and words broken after a hyphen joined again."""
    assert data.startswith(b"%PDF-"), data[:20]
    try:
        import pypdf
    except ImportError:
        text = _decode_pdf(data)
    else:
        reader = pypdf.PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    # A line may break after a hyphen inside a word ("AMX-" / "2401"): join it back.
    return re.sub(r"(?<=\S)-\s+", "-", re.sub(r"\s+", " ", text))


_OBJECT = re.compile(rb"(\d+)\s+0\s+obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_HEX_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_HEX_RANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_TEXT = re.compile(
    rb"/([^\s/<>\[\]()]+)\s+[\d.]+\s+Tf|(\[[^\]]*\])\s*TJ|<([0-9a-fA-F]*)>\s*Tj|\b(T\*|Td|TD|Tm|ET)\b", re.S
)


def _stream(body: bytes) -> bytes | None:
    match = _STREAM.search(body)
    if match is None:
        return None
    raw = match[1]
    length = re.search(rb"/Length\s+(\d+)(?!\s+\d+\s+R)", body[: match.start()])
    if length is not None:  # exact: binary data may itself end in a carriage return
        start = match.start(1)
        raw = body[start : start + int(length[1])]
    return zlib.decompress(raw) if b"/FlateDecode" in body[: match.start()] else raw


def _objects(data: bytes) -> dict[int, bytes]:
    """Every object of the PDF, including those packed in object streams (PDF 1.5)."""
    objects = {int(match[1]): match[2] for match in _OBJECT.finditer(data)}
    for body in list(objects.values()):
        if b"/ObjStm" not in body.split(b"stream", 1)[0]:
            continue
        content = _stream(body) or b""
        first = int(re.search(rb"/First\s+(\d+)", body)[1])  # type: ignore[index]
        numbers = [int(number) for number in content[:first].split()]
        pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
        for index, (number, offset) in enumerate(pairs):
            end = pairs[index + 1][1] if index + 1 < len(pairs) else len(content) - first
            objects.setdefault(number, content[first + offset : first + end])
    return objects


def _to_unicode(cmap: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, target in _HEX_PAIR.findall(block):
            mapping[int(code, 16)] = bytes.fromhex(target.decode()).decode("utf-16-be", "replace")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, target in _HEX_RANGE.findall(block):
            start = int(target, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


def _decode_pdf(data: bytes) -> str:
    objects = _objects(data)
    fonts = {}
    for number, body in objects.items():
        match = re.search(rb"/ToUnicode\s+(\d+)\s+0\s+R", body)
        if match and b"/Font" in body:
            fonts[number] = _to_unicode(_stream(objects[int(match[1])]) or b"")
    by_name: dict[bytes, dict[int, str]] = {}
    for body in objects.values():
        for name, number in re.findall(rb"/([^\s/<>\[\]()]+)\s+(\d+)\s+0\s+R", body):
            if int(number) in fonts:
                by_name[name] = fonts[int(number)]
    pieces: list[str] = []
    for body in objects.values():
        content = _stream(body) if b"stream" in body else None
        if not content or b"Tf" not in content:
            continue
        font: dict[int, str] = {}
        for match in _TEXT.finditer(content):
            if match[1] is not None:
                font = by_name.get(match[1], {})
            elif match[2] is not None or match[3] is not None:
                strings = re.findall(rb"<([0-9a-fA-F]*)>", match[2]) if match[2] is not None else [match[3]]
                for hexadecimal in strings:
                    for start in range(0, len(hexadecimal), 4):
                        pieces.append(font.get(int(hexadecimal[start : start + 4], 16), ""))
            else:
                pieces.append("\n")
    return "".join(pieces)
