"""Bulk receipt of lots from a CSV file or an XLSX workbook: a dry run, then an all-or-nothing commit.

An import happens in two steps, both for one organisation (the stock's owner) and both reserved
to its coordinators and admins (``Capability.MANAGE_SUPPLIES``):

1. **Dry run** (:func:`dry_run`): the file is read and every row is checked with the rules of
   ``stock.receive_lot`` (catalogue item, lot number, expiry, quantity, source and donor, value,
   currency, site among those the person may use, date of receipt) plus the file's own
   consistency (one lot number of one item and donor has one expiry, in the file and in the
   stock already recorded). The answer lists every error (row, column, message) and what would
   be received: the lots created and those that take more units. Nothing is written to the
   database. When the file has no errors it is kept under ``MEDIA_ROOT/imports/`` (never served)
   and the answer carries a signed token naming it.
2. **Commit** (:func:`commit_import`): the stored file (or the same file sent again) is read and
   checked again inside one transaction, and every row is received through
   ``stock.receive_lot``. If any row fails, nothing is received.

Reading the file (content detection, CSV in UTF-8 with comma or semicolon, the first sheet of an
XLSX workbook, blank rows skipped) is shared with the people import: ``read_table`` and ``Table``
come from ``volunteers/imports.py``. Its upload-size check and file-error helper are private
there, so their few lines are repeated here.

File convention (the import page and the template say the same): the first row names the
columns of :data:`COLUMNS` in any order; one row per lot and site. Cells are stored as the text
they hold, never evaluated as formulas.

Importing the same file twice receives the goods twice: the dry run warns when a file with the
same content was already imported for the organisation.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from medmissions.audit.models import AuditEntry
from medmissions.audit.services import log_action
from medmissions.core.errors import Conflict, DomainError, ValidationFailed
from medmissions.lib import pending_uploads
from medmissions.organizations.access import Capability, require
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import stock
from medmissions.supplies.choices import LotSource
from medmissions.supplies.models import Item, Lot
from medmissions.volunteers.imports import XLSX_FORMAT, Table, read_table

TOKEN_SALT = "medmissions.supplies.imports"
COMMITTED_ACTION = "supplies.import.committed"
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WHOLE_NUMBER = re.compile(r"^\d+$")
DECIMAL_NUMBER = re.compile(r"^\d+(\.\d+)?$")
# Rows are looked up in the database this many keys at a time (well within SQLite's limits).
CHUNK = 500


max_import_bytes = pending_uploads.max_upload_bytes


def max_import_rows() -> int:
    """The most data rows accepted in one file (setting ``MAX_IMPORT_ROWS``)."""
    return int(getattr(settings, "MAX_IMPORT_ROWS", 5000))


@dataclass(frozen=True)
class Column:
    name: str
    description: Any  # lazily translated
    example: str
    required: bool = False


COLUMNS = [
    Column(
        "item_code",
        gettext_lazy("Catalogue code of the item (see the catalogue). Required."),
        "amoxicillin-500mg-capsule",
        required=True,
    ),
    Column(
        "lot_number",
        gettext_lazy("Lot (batch) number as printed on the label. Required."),
        "AMX-2401",
        required=True,
    ),
    Column(
        "expiry_date",
        gettext_lazy("Expiry date as YYYY-MM-DD; required for medicines and vaccines."),
        "2029-06-30",
    ),
    Column("quantity", gettext_lazy("Units received, a whole number. Required."), "1000", required=True),
    Column("source", gettext_lazy("donated or procured. Required."), "donated", required=True),
    Column(
        "donor",
        gettext_lazy(
            "Short name (slug) of the donor organisation; required for donated lots, empty otherwise."
        ),
        "map-international",
    ),
    Column(
        "unit_value",
        gettext_lazy(
            "Value of one unit (wholesale price of the generic equivalent), with a point for decimals. Required."
        ),
        "0.05",
        required=True,
    ),
    Column(
        "currency",
        gettext_lazy("Three-letter currency code; empty for the default currency."),
        "USD",
    ),
    Column("manufacturer", gettext_lazy("Manufacturer’s name."), "Generic Pharma Ltd"),
    Column(
        "site",
        gettext_lazy("Where the goods are: the site’s number, or its exact name. Required."),
        "Central warehouse",
        required=True,
    ),
    Column(
        "received_on",
        gettext_lazy("Date of receipt as YYYY-MM-DD; empty for today."),
        "2027-01-15",
    ),
]
COLUMN_NAMES = [column.name for column in COLUMNS]
REQUIRED_COLUMNS = [column.name for column in COLUMNS if column.required]
DATE_FORMAT_MESSAGE = gettext_lazy("Enter the date as YYYY-MM-DD, e.g. 2029-06-30.")


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class LotPlan:
    """One valid row: what ``stock.receive_lot`` will be asked to record."""

    row: int
    item: Item
    lot_number: str
    expiry_date: datetime.date | None
    quantity: int
    source: str
    donor: Organization | None
    unit_value: Decimal
    currency: str
    manufacturer: str
    site: Site
    received_on: datetime.date
    existing_lot: Lot | None = None  # the recorded lot the units join; None creates a lot

    @property
    def key(self) -> tuple[int, str, int | None]:
        """Rows with the same key are the same lot (receive_lot's own matching rule)."""
        return (self.item.pk, self.lot_number.lower(), self.donor.pk if self.donor else None)

    @property
    def value(self) -> Decimal:
        return self.unit_value * self.quantity

    @property
    def source_label(self) -> str:
        return str(LotSource(self.source).label)


@dataclass
class Analysis:
    file_name: str
    file_format: str
    file_sha256: str
    rows: int  # data rows read (blank rows not counted)
    plans: list[LotPlan]
    errors: list[RowError]
    token: str | None = None
    previous_imports: list[AuditEntry] = field(default_factory=list)

    @property
    def new_lots(self) -> int:
        """Lots the import creates (rows of one new lot count once)."""
        return len({plan.key for plan in self.plans if plan.existing_lot is None})

    @property
    def existing_lots(self) -> int:
        """Lots already recorded that take more units."""
        return len({plan.existing_lot.pk for plan in self.plans if plan.existing_lot is not None})

    @property
    def units(self) -> int:
        return sum(plan.quantity for plan in self.plans)

    @property
    def value_by_currency(self) -> list[tuple[str, Decimal]]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for plan in self.plans:
            totals[plan.currency] += plan.value
        return sorted(totals.items())

    @property
    def is_committable(self) -> bool:
        return not self.errors and bool(self.plans)


@dataclass
class ImportResult:
    rows: int
    lots_created: int
    lots_topped_up: int
    units: int
    lot_ids: list[int]
    entry: AuditEntry


class ImportRejected(ValidationFailed):
    """The file has errors: nothing was received. ``analysis`` lists them."""

    code = "import_invalid"

    def __init__(self, analysis: Analysis):
        fields: dict[str, str] = {}
        for error in analysis.errors:
            key = f"rows.{error.row}.{error.column}"
            fields[key] = f"{fields[key]} {error.message}" if key in fields else error.message
        super().__init__(
            ngettext(
                "Nothing was received: %(count)d error to correct in the file.",
                "Nothing was received: %(count)d errors to correct in the file.",
                len(analysis.errors),
            )
            % {"count": len(analysis.errors)},
            fields=fields,
        )
        self.analysis = analysis


# --------------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------------


_file_error = pending_uploads.file_error


def _read_upload(upload: IO[bytes]) -> bytes:
    """The upload's bytes, refusing an empty file or one over ``MAX_IMPORT_UPLOAD_BYTES``."""
    return pending_uploads.read_upload(upload, max_bytes=max_import_bytes())


def _read(content: bytes) -> Table:
    table = read_table(content)
    limit = max_import_rows()
    if len(table.rows) > limit:
        raise _file_error(
            _("The file has more than %(limit)d rows; split it into several files.") % {"limit": limit},
            "too_many_rows",
        )
    return table


# --------------------------------------------------------------------------------------------
# Checking the rows
# --------------------------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.errors: dict[tuple[int, str], str] = {}

    def add(self, row: int, column: str, message: Any) -> None:
        self.errors.setdefault((row, column), str(message))

    def rows(self) -> set[int]:
        return {row for row, _column in self.errors}

    def sorted(self) -> list[RowError]:
        order = {name: index for index, name in enumerate(COLUMN_NAMES)}
        return [
            RowError(row, column, message)
            for (row, column), message in sorted(
                self.errors.items(),
                key=lambda item: (item[0][0], order.get(item[0][1], len(order)), item[0][1]),
            )
        ]


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    if not DATE_PATTERN.match(str(value)):
        raise ValueError(value)
    return datetime.date.fromisoformat(str(value))


def _text(values: dict[str, Any], column: str) -> str:
    value = values.get(column, "")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return " ".join(str(value).split())


class _Reference:
    """Catalogue items, donors and sites the rows name, loaded in a few queries per file."""

    def __init__(self, table_rows: list[dict[str, Any]], actor: Any):
        codes = {_text(values, "item_code").lower() for values in table_rows} - {""}
        self.items: dict[str, Item] = {}
        for chunk in _chunks(sorted(codes)):
            for item in Item.objects.annotate(code_key=Lower("code")).filter(code_key__in=chunk):
                self.items[item.code.lower()] = item
        slugs = {_text(values, "donor").lower() for values in table_rows} - {""}
        self.donors: dict[str, Organization] = {}
        for chunk in _chunks(sorted(slugs)):
            for organization in Organization.objects.annotate(slug_key=Lower("slug")).filter(
                slug_key__in=chunk
            ):
                self.donors[organization.slug.lower()] = organization
        sites = list(Site.objects.visible_to(actor).select_related("host_organization").order_by("pk"))
        self.sites_by_id = {site.pk: site for site in sites}
        self.sites_by_name: dict[str, list[Site]] = defaultdict(list)
        for site in sites:
            self.sites_by_name[" ".join(site.name.split()).casefold()].append(site)
        self.sources: dict[str, str] = {}
        for value, label in LotSource.choices:
            self.sources[value] = value
            self.sources[str(label).casefold()] = value

    def site(self, text: str) -> Site | str:
        """The site a cell names, or the message saying why none."""
        if text.isdigit():
            site = self.sites_by_id.get(int(text))
            if site is not None:
                return site
        matches = self.sites_by_name.get(text.casefold(), [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            return _(
                "Several of your sites are named “%(name)s”; write the site’s number instead: %(ids)s."
            ) % {
                "name": text,
                "ids": ", ".join(str(site.pk) for site in matches),
            }
        return _(
            "No site you may use has the number or name “%(site)s”. Use one of your sites or a partner’s."
        ) % {"site": text}


def _check_row(
    number: int, values: dict[str, Any], ref: _Reference, errors: _Collector, today: datetime.date
) -> LotPlan | None:
    """Check one row like receive_lot would; the plan when it has no error."""
    before = len(errors.errors)

    code = _text(values, "item_code")
    item = ref.items.get(code.lower()) if code else None
    if not code:
        errors.add(number, "item_code", _("Required."))
    elif item is None:
        errors.add(number, "item_code", _("No catalogue item has the code “%(code)s”.") % {"code": code})
    elif not item.active:
        errors.add(number, "item_code", _("This item is no longer in the catalogue."))

    lot_number = _text(values, "lot_number")
    if not lot_number:
        errors.add(number, "lot_number", _("Every lot needs the lot (batch) number printed on its label."))
    elif len(lot_number) > stock.LOT_NUMBER_MAX_LENGTH:
        errors.add(
            number,
            "lot_number",
            _("A lot number has at most %(limit)d characters.") % {"limit": stock.LOT_NUMBER_MAX_LENGTH},
        )

    received_on = today
    if _text(values, "received_on"):
        try:
            received_on = _parse_date(values["received_on"])
        except ValueError:
            errors.add(number, "received_on", DATE_FORMAT_MESSAGE)
        else:
            if received_on > today:
                errors.add(number, "received_on", _("The date cannot be in the future."))
                received_on = today

    expiry_date: datetime.date | None = None
    if _text(values, "expiry_date"):
        try:
            expiry_date = _parse_date(values["expiry_date"])
        except ValueError:
            errors.add(number, "expiry_date", DATE_FORMAT_MESSAGE)
        else:
            if expiry_date < received_on:
                errors.add(
                    number,
                    "expiry_date",
                    _("This lot expired on %(date)s; expired goods cannot be received.")
                    % {"date": expiry_date.isoformat()},
                )
    elif item is not None and item.category in ("medicine", "vaccine"):
        errors.add(number, "expiry_date", _("Medicines and vaccines need an expiry date."))

    quantity = 0
    quantity_text = _text(values, "quantity").replace(" ", "")
    if not quantity_text:
        errors.add(number, "quantity", _("Required."))
    elif not WHOLE_NUMBER.match(quantity_text) or int(quantity_text) < 1:
        errors.add(
            number,
            "quantity",
            _("Enter a whole number of units, at least 1, without separators such as commas."),
        )
    elif int(quantity_text) > stock.MAX_QUANTITY:
        errors.add(
            number,
            "quantity",
            _("Enter at most %(limit)s units in one movement.") % {"limit": f"{stock.MAX_QUANTITY:,}"},
        )
    else:
        quantity = int(quantity_text)

    source_text = _text(values, "source")
    source = ref.sources.get(source_text.casefold(), "") if source_text else ""
    donor_text = _text(values, "donor")
    donor = ref.donors.get(donor_text.lower()) if donor_text else None
    if not source_text:
        errors.add(number, "source", _("Required: donated or procured."))
    elif not source:
        errors.add(
            number,
            "source",
            _(
                "Write donated or procured. Returned medicines and free samples are not accepted (WHO article 5)."
            ),
        )
    if donor_text and donor is None:
        errors.add(
            number, "donor", _("No organisation has the short name “%(slug)s”.") % {"slug": donor_text}
        )
    elif source == LotSource.DONATED and donor is None:
        errors.add(
            number, "donor", _("A donated lot needs its donor, so the donor can follow where it went.")
        )
    elif source == LotSource.PROCURED and donor is not None:
        errors.add(number, "donor", _("Only donated lots have a donor; leave this cell empty."))

    unit_value = Decimal(0)
    value_text = _text(values, "unit_value").replace(" ", "")
    if not value_text:
        errors.add(number, "unit_value", _("Required: the value of one unit, 0 or more."))
    elif "," in value_text and "." not in value_text:
        errors.add(number, "unit_value", _("Use a point, not a comma, for decimals: 0.05."))
    elif not DECIMAL_NUMBER.match(value_text):
        errors.add(number, "unit_value", _("Enter the value per unit as a number, 0 or more, such as 0.05."))
    else:
        try:
            unit_value = Decimal(value_text)
        except InvalidOperation:  # pragma: no cover - the pattern already excludes it
            errors.add(number, "unit_value", _("Enter the value per unit (0 or more)."))
        else:
            problem = stock.unit_value_problem(unit_value)
            if problem:
                errors.add(number, "unit_value", problem)

    currency = (_text(values, "currency") or settings.SUPPLIES_DEFAULT_CURRENCY).upper()
    if len(currency) != 3 or not (currency.isascii() and currency.isalpha()):
        errors.add(number, "currency", _("Use a three-letter currency code such as USD or EUR."))

    manufacturer = _text(values, "manufacturer")
    if len(manufacturer) > stock.MANUFACTURER_MAX_LENGTH:
        errors.add(
            number,
            "manufacturer",
            _("The manufacturer’s name has at most %(limit)d characters.")
            % {"limit": stock.MANUFACTURER_MAX_LENGTH},
        )

    site_text = _text(values, "site")
    site: Site | None = None
    if not site_text:
        errors.add(number, "site", _("Required: the site’s number or exact name."))
    else:
        found = ref.site(site_text)
        if isinstance(found, Site):
            site = found
        else:
            errors.add(number, "site", found)

    if len(errors.errors) != before or item is None or site is None:
        return None
    return LotPlan(
        row=number,
        item=item,
        lot_number=lot_number,
        expiry_date=expiry_date,
        quantity=quantity,
        source=source,
        donor=donor,
        unit_value=unit_value,
        currency=currency,
        manufacturer=manufacturer,
        site=site,
        received_on=received_on,
    )


def _check_lots(organization: Organization, plans: list[LotPlan], errors: _Collector) -> None:
    """One lot number of one item and donor has one expiry: within the file, and with the lots
    the organisation already holds (which the rows then top up)."""
    first_seen: dict[tuple[int, str, int | None], LotPlan] = {}
    for plan in plans:
        earlier = first_seen.setdefault(plan.key, plan)
        if earlier is not plan and earlier.expiry_date != plan.expiry_date:
            errors.add(
                plan.row,
                "expiry_date",
                _("Row %(row)d gives lot %(lot)s of this item the expiry %(expiry)s; one lot has one expiry.")
                % {
                    "row": earlier.row,
                    "lot": earlier.lot_number,
                    "expiry": earlier.expiry_date.isoformat() if earlier.expiry_date else _("none"),
                },
            )
    numbers = sorted({plan.lot_number.lower() for plan in plans})
    recorded: dict[tuple[int, str, int | None], Lot] = {}
    for chunk in _chunks(numbers):
        lots = Lot.objects.annotate(number_key=Lower("lot_number")).filter(
            owner=organization, origin__isnull=True, number_key__in=chunk
        )
        for lot in lots:
            recorded.setdefault((lot.item_id, lot.lot_number.lower(), lot.donor_id), lot)
    for plan in plans:
        found = recorded.get(plan.key)
        if found is None:
            continue
        if found.expiry_date != plan.expiry_date:
            errors.add(
                plan.row,
                "expiry_date",
                _("Lot %(lot)s of this item is already recorded with expiry %(expiry)s; check the label.")
                % {
                    "lot": found.lot_number,
                    "expiry": found.expiry_date.isoformat() if found.expiry_date else _("none"),
                },
            )
        plan.existing_lot = found


def analyse(
    organization: Organization, *, actor: Any, table: Table, file_name: str, file_sha256: str
) -> Analysis:
    """Check every row of ``table``; writes nothing."""
    errors = _Collector()
    columns: dict[int, str] = {}
    unnamed: set[int] = set()
    for index, name in enumerate(table.header):
        if not name:
            unnamed.add(index)
        elif name not in COLUMN_NAMES:
            errors.add(
                table.header_row,
                name,
                _("Unknown column. The columns are: %(names)s.") % {"names": ", ".join(COLUMN_NAMES)},
            )
        elif name in columns.values():
            errors.add(table.header_row, name, _("This column appears twice."))
        else:
            columns[index] = name
    missing = [name for name in REQUIRED_COLUMNS if name not in columns.values()]
    if missing:
        raise _file_error(
            _("The first row must name the columns; missing: %(names)s. Download the template to see them.")
            % {"names": ", ".join(missing)},
            "missing_columns",
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, cells in table.rows:
        values: dict[str, Any] = {}
        for index, value in enumerate(cells):
            if value in ("", None):
                continue
            if index in columns:
                values[columns[index]] = value
            elif index in unnamed:
                errors.add(
                    number,
                    _("column %(number)d") % {"number": index + 1},
                    _("This column has no name in the first row but holds data."),
                )
        rows.append((number, values))
    reference = _Reference([values for _number, values in rows], actor)
    today = timezone.localdate()
    plans = [
        plan
        for number, values in rows
        if (plan := _check_row(number, values, reference, errors, today)) is not None
    ]
    _check_lots(organization, plans, errors)
    error_rows = errors.rows()
    previous = list(
        AuditEntry.objects.filter(
            action=COMMITTED_ACTION, organization=organization, data__file_sha256=file_sha256
        ).order_by("-created_at")[:3]
    )
    return Analysis(
        file_name=file_name,
        file_format=table.file_format,
        file_sha256=file_sha256,
        rows=len(table.rows),
        plans=[plan for plan in plans if plan.row not in error_rows],
        errors=errors.sorted(),
        previous_imports=previous,
    )


# --------------------------------------------------------------------------------------------
# Dry run and commit
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingImport:
    """What a dry run's token names: the organisation and the stored file."""

    organization_id: int
    path: str
    file_sha256: str
    file_name: str


def read_token(token: str) -> PendingImport:
    """The import a dry run's token names; ValidationFailed when it is forged or too old."""
    pending = pending_uploads.read_token(token, salt=TOKEN_SALT, required=("organization",))
    return PendingImport(
        organization_id=int(pending.data["organization"]),
        path=pending.path,
        file_sha256=pending.file_sha256,
        file_name=pending.file_name,
    )


def _name_of(upload: Any) -> str:
    return pending_uploads.upload_name(upload)


def dry_run(organization: Organization, *, actor: Any, upload: IO[bytes]) -> Analysis:
    """Check a file without receiving anything. When it has no errors, keep it for the commit and
    sign a token naming it (``analysis.token``)."""
    require(actor, organization, Capability.MANAGE_SUPPLIES)
    content = _read_upload(upload)
    table = _read(content)
    analysis = analyse(
        organization,
        actor=actor,
        table=table,
        file_name=_name_of(upload),
        file_sha256=pending_uploads.fingerprint(content),
    )
    if analysis.is_committable:
        extension = "xlsx" if table.file_format == XLSX_FORMAT else "csv"
        analysis.token = pending_uploads.keep(
            content,
            salt=TOKEN_SALT,
            prefix="lots-",
            extension=extension,
            name=analysis.file_name,
            data={"organization": organization.pk},
        )
    return analysis


def _stored_content(pending: PendingImport) -> bytes:
    return pending_uploads.stored_content(pending.path, pending.file_sha256)


def _reject_at(analysis: Analysis, plan: LotPlan, error: DomainError) -> ImportRejected:
    """A refusal by receive_lot during the commit, as the row's errors (nothing is kept)."""
    found = [
        RowError(plan.row, name if name in COLUMN_NAMES else "item_code", text)
        for name, text in error.fields.items()
    ]
    analysis.errors = found or [RowError(plan.row, "item_code", error.message)]
    analysis.plans = []
    return ImportRejected(analysis)


@transaction.atomic
def commit_import(
    organization: Organization, *, actor: Any, upload: IO[bytes] | None = None, token: str | None = None
) -> ImportResult:
    """Receive every row of the file of a dry run (``token``) or of a file sent again (``upload``):
    all or nothing, each row through ``stock.receive_lot``."""
    require(actor, organization, Capability.MANAGE_SUPPLIES)
    if (upload is None) == (token is None):
        raise ValidationFailed(
            _("Send either the file or the token of its dry run."), fields={"file": _("Send the file.")}
        )
    # One import at a time per organisation: the second waits, then sees the first one's lots. A
    # no-key lock, so that movements (whose ledger rows point at the organisation) never wait on it.
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
    pending = None
    if token is not None:
        pending = read_token(token)
        if pending.organization_id != organization.pk:
            raise ValidationFailed(
                _("This import was prepared for another organisation."), code="import_token_invalid"
            )
        if AuditEntry.objects.filter(
            action=COMMITTED_ACTION, organization=organization, data__stored_file=pending.path
        ).exists():
            raise Conflict(_("This import has already been committed."), code="import_already_committed")
        content = _stored_content(pending)
        file_name = pending.file_name
    else:
        assert upload is not None
        content = _read_upload(upload)
        file_name = _name_of(upload)
    file_sha256 = pending_uploads.fingerprint(content)
    analysis = analyse(
        organization, actor=actor, table=_read(content), file_name=file_name, file_sha256=file_sha256
    )
    if analysis.errors:
        raise ImportRejected(analysis)
    if not analysis.plans:
        raise ValidationFailed(_("The file has no lots to receive."), code="nothing_to_import")
    created: set[int] = set()
    topped_up: set[int] = set()
    for plan in analysis.plans:
        try:
            lot, _movement = stock.receive_lot(
                actor=actor,
                organization=organization,
                site=plan.site,
                item=plan.item,
                lot_number=plan.lot_number,
                expiry_date=plan.expiry_date,
                quantity=plan.quantity,
                source=plan.source,
                donor=plan.donor,
                unit_value=plan.unit_value,
                currency=plan.currency,
                manufacturer=plan.manufacturer,
                occurred_on=plan.received_on,
                note=_("Imported from %(file)s, row %(row)d.") % {"file": file_name, "row": plan.row},
            )
        except DomainError as error:
            raise _reject_at(analysis, plan, error) from error
        (created if plan.existing_lot is None else topped_up).add(lot.pk)
    entry = log_action(
        COMMITTED_ACTION,
        actor=actor,
        organization=organization,
        data={
            "file_name": file_name,
            "file_sha256": file_sha256,
            "stored_file": pending.path if pending else "",
            "rows": len(analysis.plans),
            "lots_created": len(created),
            "lots_topped_up": len(topped_up),
            "units": analysis.units,
        },
    )
    if pending is not None:
        pending_uploads.discard_on_commit(pending.path)
    return ImportResult(
        rows=len(analysis.plans),
        lots_created=len(created),
        lots_topped_up=len(topped_up),
        units=analysis.units,
        lot_ids=sorted(created | topped_up),
        entry=entry,
    )
