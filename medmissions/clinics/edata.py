"""eDATA CSV files (emt-mds.md §7 and §10): the line list behind a team's daily reports, one row
per consultation, sent to the health authority; and the import of such files, from other tools
(WHO 1.0 layout) or from the legacy Japanese J-SPEED draft (JPN1.00).

Export
======

Columns in the order of §7: ``a``–``n`` (the Daily Report header, repeated on every row), ``ID``,
``MDSa``, ``Age``, ``M/Y``, ``MDS1-3``, ``MDS4`` … ``MDS65``, ``ToolVer``, ``Ver``.

* ``a`` organisation (``Team.organization_name``), ``b`` team name, ``c`` team type code
  (``Team.emt_type``, e.g. ``emt_1_fixed``), ``d`` contact person (the team's contact, else its
  lead), ``e`` phone, ``f`` email, ``g`` estimated departure, ``h`` date of activity, ``i`` working
  hours, ``j``/``k``/``l`` the site's admin level 1, admin level 2 and town, ``m`` the site's name,
  ``n`` its geotag ``"lat,long"``. **Column c is unconfirmed**: the implementations read leave it
  empty and the official eDATA protocol was not available (emt-mds.md §12, question 1); we write
  the team type until the protocol says otherwise.
* ``ID`` is the consultation reference; ``MDSa`` the WHO age group; ``Age`` and ``M/Y`` the age as
  typed at capture, when one was typed; ``MDS1-3`` the sex and pregnancy code.
* ``MDS4`` … ``MDS50`` are ``1`` (ticked) or ``0``. ``MDS51`` … ``MDS65`` are ``1`` on every row of a
  (team, site, date) group whose daily report flags the item. Their comments do not travel: the
  row format has no column for them (they stay in the daily report).
* ``ToolVer`` is ``medmissions <version>``; ``Ver`` is ``WHO1.0``.
* **The legacy band "5 years and over, band unknown"** (age group 0, which only JPN1.00 files
  bring: their band 3, "5 to 64", cannot be split into 5–17 and 18–64) has no WHO code. Such a row
  is written with ``MDSa`` and ``Age`` blank and ``M/Y`` = ``JPN3`` — the JPN1.00 band, named by its
  version. A WHO tool finds no usable age and reports the row as incomplete, which it is, instead
  of guessing a band (a numeric marker such as ``5-64`` in ``Age`` would be read as 5 years by
  lenient parsers); our importer reads ``JPN3`` back as age group 0, so nothing is lost. The exact
  age of such a row, if someone later typed one, is not written (the band would then be known).
* UTF-8 with a byte order mark (Excel), comma-separated, dates ``YYYY-MM-DD``. Text that could
  start a spreadsheet formula gets a leading quote (``lib/csv.py``); the geotag is built from the
  site's own coordinates, not typed text, and is written unchanged so a negative latitude stays a
  number.

The file is line level and carries the restricted items (28, 31, 42, 43, 47–50) consultation by
consultation, so only those who see restricted items in detail download it
(``TeamAccess.can_see_restricted``: the team lead and the health authority's coordinators); every
download is recorded in the audit trail. It shows the consultations as recorded now, a correction
in progress included. Days without consultations have no rows.

Import
======

Two steps, both for those who manage the team (``TeamAccess.can_manage``):

1. **Dry run** (:func:`dry_run`): every row is checked as a consultation would be at capture
   (``capture.clean_consultation``) plus the file's own rules; the answer lists every error (row as
   a spreadsheet numbers it, column, message) and a summary (rows, days, sites, warnings). Nothing
   is written. A file without errors is kept under ``MEDIA_ROOT/imports/`` (never served) and the
   answer carries a signed token naming it.
2. **Commit** (:func:`commit_import`): the stored file (or the same file sent again) is checked
   again inside one transaction and written through ``capture.record_batch`` in chunks of
   ``capture.MAX_BATCH``, with an :class:`~medmissions.clinics.models.ImportBatch` keeping the
   original text and the format detected. One failure and nothing is written.

Reading a file:

* UTF-8 with or without a byte order mark, separated by commas, or by semicolons as Excel writes
  them in many countries. Other file types (workbooks, PDFs, images) are refused by content.
* The first non-blank row names the columns, in any order, case and spaces ignored. Missing
  optional columns are accepted; columns the format does not know are ignored (and named in the
  summary). Required: ``ID``, ``h``, an age (``MDSa`` or ``Age`` with ``M/Y``) and the sex code
  (``MDS1-3``, or three tick columns ``MDS1``/``MDS2``/``MDS3``).
* ``h`` is the date (``YYYY-MM-DD``); ``m`` names one of the team's sites (case-insensitive; a
  single-site team may leave it blank); ``ID`` is required and must be new to the team and to the
  file (otherwise "duplicate"); ``MDSa`` or ``Age`` + ``M/Y`` (§2.1); ``MDS1-3`` the sex code; tick
  cells are ``1``, ``0`` or blank (= 0). A day whose report is submitted is refused row by row: start
  a correction first.
* A cell our export protected with a leading quote is read without it.
* ``MDS51`` … ``MDS65``: a (site, date) group with ``1`` on any row flags the item on the day's report
  with the comment "Flagged in imported file <name>" — **only when the report does not flag it
  already** (an existing flag and its comment stay untouched; an unflagged item's comment is kept).
  Flags are never removed by an import.

Legacy JPN1.00 files (§10) are recognised by ``Ver`` or ``ToolVer`` containing ``JPN1.00``, or, when
no row names a version, by item columns ``MDS4`` … ``MDS46`` with none above. Their item numbers are
renumbered to WHO 1.0 (:data:`LEGACY_ITEMS`), items 19–22 stay empty, and their four age bands map
to WHO codes (§2.3): 1 → 1, 2 → 2, 4 → 5, and 3 ("5 to 64") → 0, "5 and over, band unknown" — unless
the row's ``Age`` and ``M/Y`` place the patient in 5–17 or 18–64, which then is the band.

Not carried by the format, in either direction: the pseudonymous patient reference, the note, the
comments of items 51–65.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medmissions.accounts.models import User
from medmissions.audit.services import log_action
from medmissions.clinics import capture, mds, reports
from medmissions.clinics.access import TeamAccess, audit_organization
from medmissions.clinics.choices import ConsultationSource, ReportStatus
from medmissions.clinics.models import Consultation, DailyReport, ImportBatch, Team
from medmissions.core.errors import DomainError, NotAllowed, ValidationFailed
from medmissions.lib import pending_uploads
from medmissions.lib.csv import BYTE_ORDER_MARK, FORMULA_TRIGGERS, safe_cell
from medmissions.lib.uploads import detect_content_type
from medmissions.sites.models import Site

WHO_VERSION = "WHO1.0"
LEGACY_VERSION = "JPN1.00"
HEADER_COLUMNS = tuple("abcdefghijklmn")
SEX_COLUMN = "MDS1-3"
ITEM_COLUMNS = tuple(f"MDS{number}" for number in (*mds.TICK_ITEMS, *mds.ISSUE_ITEMS))
COLUMNS = (*HEADER_COLUMNS, "ID", "MDSa", "Age", "M/Y", SEX_COLUMN, *ITEM_COLUMNS, "ToolVer", "Ver")
# ``M/Y`` of a row in the legacy band "5 and over, band unknown" (see the module docstring).
UNKNOWN_BAND_MARKER = "JPN3"

# JPN1.00 item → WHO 1.0 item (emt-mds.md §10). Items 1–3 are the sex code in both.
LEGACY_ITEMS: dict[int, int] = {
    **{number: number for number in range(4, 19)},
    19: 23,
    20: 24,
    21: 25,
    22: 26,
    23: 27,
    24: 28,
    25: 29,
    26: 30,
    27: 32,  # minor surgical procedure and limb amputation swap places
    28: 31,
    29: 33,
    30: 34,
    31: 35,
    32: 36,
    33: 37,
    34: 40,  # admission, referral and discharge against advice are in reverse order
    35: 39,
    36: 38,
    37: 41,
    38: 42,
    39: 43,
    40: 44,
    41: 45,
    42: 46,
    43: 47,
    44: 48,
    45: 49,
    46: 50,
}
LEGACY_LAST_ITEM = 46
# JPN1.00 age band → WHO age group; 0 is "5 and over, band unknown" (emt-mds.md §2.3).
LEGACY_AGE_GROUPS = {1: 1, 2: 2, 3: 0, 4: 5}

MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30
TOKEN_SALT = "medmissions.clinics.edata"
STORED_PREFIX = "edata-"
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TICKED = {"1", "1.0"}
NOT_TICKED = {"", "0", "0.0"}
# References are looked up in the database this many at a time (well within SQLite's limits).
CHUNK = 500


max_import_bytes = pending_uploads.max_upload_bytes


def max_import_rows() -> int:
    """The most consultations in one file (setting ``MAX_EDATA_IMPORT_ROWS``): a busy team's month."""
    return int(getattr(settings, "MAX_EDATA_IMPORT_ROWS", 20000))


@functools.cache
def tool_version() -> str:
    """``ToolVer``: this product and its installed version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"medmissions {version('medmissions')}"
    except PackageNotFoundError:
        return "medmissions"


# ================================================================================================
# Export
# ================================================================================================


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes
    rows: int


def _require_restricted(team: Team, user: Any) -> None:
    if not TeamAccess.of(user, team).can_see_restricted:
        raise NotAllowed(
            _(
                "The eDATA file lists every consultation with its restricted items (protection, "
                "severe malnutrition, amputations, deaths); only the team lead and the health "
                "authority's coordinators download it. Others see these items as counts in the daily report."
            )
        )


def _geotag(site: Site) -> str:
    if site.latitude is None or site.longitude is None:
        return ""
    return f"{site.latitude.normalize():f},{site.longitude.normalize():f}"


def _text_cell(value: Any) -> Any:
    return safe_cell(value if value is not None else "")


def _header_cells(team: Team, report: DailyReport) -> list[Any]:
    site = report.site
    contact = team.contact_name or (team.lead.full_name if team.lead else "")
    return [
        _text_cell(team.organization_name),
        _text_cell(team.name),
        _text_cell(team.emt_type),
        _text_cell(contact),
        _text_cell(team.contact_phone),
        _text_cell(team.contact_email),
        team.departs_on.isoformat() if team.departs_on else "",
        report.date.isoformat(),
        _text_cell(team.working_hours),
        _text_cell(site.admin_level_1),
        _text_cell(site.admin_level_2),
        _text_cell(site.town),
        _text_cell(site.name),
        _geotag(site),  # from our own coordinates: written unchanged (see the module docstring)
    ]


def flagged_items(report: DailyReport) -> frozenset[int]:
    """Items 51–65 the report flags."""
    return frozenset(
        number for number in mds.ISSUE_ITEMS if (report.issues or {}).get(str(number), {}).get("flagged")
    )


def consultation_row(team: Team, consultation: Consultation) -> list[Any]:
    """One consultation as an eDATA row, in the order of :data:`COLUMNS`."""
    report = consultation.report
    if consultation.age_group == 0:
        age_cells: list[Any] = ["", "", UNKNOWN_BAND_MARKER]
    else:
        age_cells = [
            consultation.age_group,
            consultation.age_value if consultation.age_value is not None else "",
            consultation.age_unit if consultation.age_value is not None else "",
        ]
    ticked = set(consultation.ticked())
    flags = flagged_items(report)
    return [
        *_header_cells(team, report),
        _text_cell(consultation.reference),
        *age_cells,
        consultation.sex,
        *[1 if number in ticked else 0 for number in mds.TICK_ITEMS],
        *[1 if number in flags else 0 for number in mds.ISSUE_ITEMS],
        _text_cell(tool_version()),
        WHO_VERSION,
    ]


def _render(team: Team, consultations: QuerySet[Consultation]) -> tuple[bytes, int]:
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    count = 0
    for consultation in consultations.iterator(chunk_size=1000):
        writer.writerow(consultation_row(team, consultation))
        count += 1
    return buffer.getvalue().encode("utf-8"), count


def _consultations(team: Team) -> QuerySet[Consultation]:
    return (
        Consultation.objects.filter(team=team)
        .select_related("report__site")
        .order_by("report__date", "report__site__name", "report_id", "recorded_at", "pk")
    )


def _log_export(team: Team, user: User, data: dict[str, Any]) -> None:
    log_action(
        "clinics.edata.exported",
        actor=user,
        organization=audit_organization(team),
        obj=team,
        data={"team": team.pk, **data},
    )


@transaction.atomic
def report_export(report: DailyReport, *, user: User) -> Export:
    """The eDATA file of one daily report (restricted: see the module docstring)."""
    team = report.team
    _require_restricted(team, user)
    content, count = _render(team, _consultations(team).filter(report=report))
    _log_export(team, user, {"report": report.pk, "rows": count})
    name = f"edata-{slugify(team.name) or team.pk}-{slugify(report.site.name) or report.site_id}-{report.date:%Y-%m-%d}.csv"
    return Export(filename=name, content=content, rows=count)


def clean_period(team: Team, start: Any = None, end: Any = None) -> tuple[datetime.date, datetime.date]:
    """The period of a team export: ``end`` defaults to today where the team works, ``start`` to
    30 days before; at most :data:`MAX_PERIOD_DAYS` days."""
    from medmissions.clinics.responses import today_for

    def parse(value: Any, name: str) -> datetime.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        try:
            if not DATE_PATTERN.match(text):
                raise ValueError(text)
            return datetime.date.fromisoformat(text)
        except ValueError as error:
            message = _("Enter the date as YYYY-MM-DD.")
            raise ValidationFailed(message, code="invalid_date", fields={name: message}) from error

    end_date = parse(end, "end") or today_for(team)
    start_date = parse(start, "start") or end_date - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if end_date < start_date:
        message = _("The period ends before it starts.")
        raise ValidationFailed(message, code="invalid_period", fields={"end": message})
    if (end_date - start_date).days + 1 > MAX_PERIOD_DAYS:
        message = _("Export at most %(days)d days at a time.") % {"days": MAX_PERIOD_DAYS}
        raise ValidationFailed(message, code="period_too_long", fields={"start": message})
    return start_date, end_date


@transaction.atomic
def team_export(team: Team, *, user: User, start: Any = None, end: Any = None) -> Export:
    """The eDATA file of a team's consultations from ``start`` to ``end`` (see :func:`clean_period`)."""
    _require_restricted(team, user)
    start_date, end_date = clean_period(team, start, end)
    content, count = _render(
        team, _consultations(team).filter(report__date__gte=start_date, report__date__lte=end_date)
    )
    _log_export(team, user, {"start": start_date, "end": end_date, "rows": count})
    name = f"edata-{slugify(team.name) or team.pk}-{start_date:%Y-%m-%d}-{end_date:%Y-%m-%d}.csv"
    return Export(filename=name, content=content, rows=count)


def download(export: Export) -> HttpResponse:
    """An eDATA file as an attachment (the pages and the API answer the same)."""
    response = HttpResponse(export.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=export.filename) or "attachment"
    )
    return response


# ================================================================================================
# Import: results
# ================================================================================================


@dataclass(frozen=True)
class RowProblem:
    """An error or a warning: ``row`` as a spreadsheet numbers it (the header is row 1)."""

    row: int
    column: str
    message: str


@dataclass
class PlannedConsultation:
    """One valid row: what ``capture.record_batch`` will be asked to record."""

    row: int
    data: dict[str, Any]
    site: Site
    date: datetime.date
    reference: str
    flags: frozenset[int]


@dataclass(frozen=True)
class DaySummary:
    date: datetime.date
    site: Site
    consultations: int
    flags: tuple[int, ...]


@dataclass
class Analysis:
    file_name: str
    file_format: str  # WHO_VERSION or LEGACY_VERSION
    file_sha256: str
    delimiter: str
    rows: int  # data rows read (blank rows not counted)
    planned: list[PlannedConsultation]
    errors: list[RowProblem]
    warnings: list[RowProblem]
    notes: list[str] = field(default_factory=list)  # about the whole file
    ignored_columns: list[str] = field(default_factory=list)
    token: str | None = None

    @property
    def is_legacy(self) -> bool:
        return self.file_format == LEGACY_VERSION

    @property
    def is_committable(self) -> bool:
        return not self.errors and bool(self.planned)

    @property
    def days(self) -> list[DaySummary]:
        """Consultations and flags per site and day, in date order."""
        counts: dict[tuple[datetime.date, int], int] = defaultdict(int)
        flags: dict[tuple[datetime.date, int], set[int]] = defaultdict(set)
        sites: dict[int, Site] = {}
        for plan in self.planned:
            key = (plan.date, plan.site.pk)
            counts[key] += 1
            flags[key] |= plan.flags
            sites[plan.site.pk] = plan.site
        return [
            DaySummary(date, sites[site_id], counts[(date, site_id)], tuple(sorted(flags[(date, site_id)])))
            for date, site_id in sorted(counts, key=lambda key: (key[0], sites[key[1]].name))
        ]

    @property
    def day_count(self) -> int:
        return len({plan.date for plan in self.planned})

    @property
    def site_names(self) -> list[str]:
        return sorted({plan.site.name for plan in self.planned})

    @property
    def warning_count(self) -> int:
        return len(self.warnings) + len(self.notes)


@dataclass
class ImportResult:
    batch: ImportBatch
    consultations: int
    days: int
    sites: int
    issues_flagged: int


class ImportRejected(ValidationFailed):
    """The file has errors: nothing was imported. ``analysis`` lists them."""

    code = "import_invalid"

    def __init__(self, analysis: Analysis):
        fields: dict[str, str] = {}
        for error in analysis.errors:
            key = f"rows.{error.row}.{error.column}"
            fields[key] = f"{fields[key]} {error.message}" if key in fields else error.message
        super().__init__(
            ngettext(
                "Nothing was imported: %(count)d error to correct in the file.",
                "Nothing was imported: %(count)d errors to correct in the file.",
                len(analysis.errors),
            )
            % {"count": len(analysis.errors)},
            fields=fields,
        )
        self.analysis = analysis


# ================================================================================================
# Import: reading the file
# ================================================================================================


_file_error = pending_uploads.file_error


def _read_upload(upload: IO[bytes]) -> bytes:
    """The upload's bytes, refusing an empty file or one over the size limit."""
    return pending_uploads.read_upload(upload, max_bytes=max_import_bytes())


def decode(content: bytes) -> str:
    """The text of a CSV file: UTF-8, with or without a byte order mark; anything else is refused."""
    not_csv = _(
        "Only CSV files can be imported. In a spreadsheet, save the sheet as “CSV UTF-8 (comma delimited)”."
    )
    if detect_content_type(io.BytesIO(content)) is not None:
        raise _file_error(not_csv, "file_type_not_allowed")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _file_error(
            _("The file is not UTF-8 text. In a spreadsheet, save it as “CSV UTF-8 (comma delimited)”."),
            "file_type_not_allowed",
        ) from error
    if "\x00" in text:  # UTF-16 text or a binary file
        raise _file_error(not_csv, "file_type_not_allowed")
    return text


def _key(name: str) -> str:
    """A column name as matched: without spaces, lower case (``M / Y`` → ``m/y``)."""
    key = "".join(str(name).replace(BYTE_ORDER_MARK, "").split()).lower()
    return {"mds1_3": "mds1-3", "mds1–3": "mds1-3"}.get(key, key)


def _unescape(value: str) -> str:
    """A cell as written, without the quote an export adds before a formula character."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:].strip()
    return value


@dataclass
class _Table:
    header: list[str]  # matched keys, "" for unnamed columns
    names: list[str]  # as written
    rows: list[tuple[int, list[str]]]
    delimiter: str


def _read_table(text: str) -> _Table:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    names: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    limit = max_import_rows()
    try:
        for number, cells in enumerate(reader, start=1):
            if header is None:
                if not any(cell.strip() for cell in cells):
                    continue
                names = [cell.replace(BYTE_ORDER_MARK, "").strip() for cell in cells]
                header = [_key(name) for name in names]
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= limit:
                raise _file_error(
                    _("The file has more than %(limit)d rows; split it into several files.")
                    % {"limit": limit},
                    "too_many_rows",
                )
            rows.append((number, [_unescape(cell) for cell in cells]))
    except csv.Error as error:
        raise _file_error(_("The CSV file could not be read: %(reason)s.") % {"reason": error}) from error
    if header is None:
        raise _file_error(_("The file is empty."), "empty_file")
    return _Table(header=header, names=names, rows=rows, delimiter=delimiter)


def _item_number(key: str) -> int | None:
    match = re.fullmatch(r"mds(\d{1,2})", key)
    return int(match.group(1)) if match else None


KNOWN_KEYS = frozenset(
    {*HEADER_COLUMNS, "id", "mdsa", "age", "m/y", "mds1-3", "toolver", "ver"}
    | {f"mds{number}" for number in range(1, 66)}
)


def _detect_format(table: _Table, columns: dict[str, int]) -> str:
    """WHO 1.0 or JPN1.00, from the rows' ``Ver``/``ToolVer`` or else from the item columns."""
    versions: set[bool] = set()
    for _number, cells in table.rows:
        texts = [
            cells[columns[key]] for key in ("ver", "toolver") if key in columns and columns[key] < len(cells)
        ]
        written = " ".join(texts).strip()
        if written:
            versions.add(LEGACY_VERSION.lower() in written.lower())
    if len(versions) > 1:
        raise _file_error(
            _("The file mixes JPN1.00 rows with rows of another version; import them as separate files."),
            "mixed_versions",
        )
    numbers = {number for key in columns if (number := _item_number(key)) is not None and number >= 4}
    if versions:
        legacy = versions.pop()
    else:
        legacy = set(range(4, LEGACY_LAST_ITEM + 1)) <= numbers and max(numbers) == LEGACY_LAST_ITEM
    if legacy and numbers and max(numbers) > LEGACY_LAST_ITEM:
        raise _file_error(
            _("A JPN1.00 file has items 1–46 only, but this one has a column MDS%(number)d.")
            % {"number": max(numbers)},
            "invalid_legacy_file",
        )
    return LEGACY_VERSION if legacy else WHO_VERSION


# ================================================================================================
# Import: checking the rows
# ================================================================================================


def _casefold(name: str) -> str:
    return " ".join(name.split()).casefold()


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


class _Checker:
    """Checks the rows of one file for one team; collects errors and warnings."""

    def __init__(self, team: Team, table: _Table, columns: dict[str, int], file_format: str):
        from medmissions.clinics.responses import today_for

        self.team = team
        self.table = table
        self.columns = columns
        self.legacy = file_format == LEGACY_VERSION
        self.sites = {site.pk: site for site in team.sites.all()}
        self.sites_by_name: dict[str, Site | None] = {}
        for site in self.sites.values():
            key = _casefold(site.name)
            # Two sites of one name cannot be told apart in a file: the name is refused.
            self.sites_by_name[key] = None if key in self.sites_by_name else site
        self.today = today_for(team)
        self.errors: dict[tuple[int, str], str] = {}
        self.error_rows: set[int] = set()
        self.references: list[tuple[int, str]] = []
        self.warnings: list[RowProblem] = []
        # Item columns of the file: WHO item number → the column's name in the file.
        self.item_columns: dict[int, str] = {}
        for key in columns:
            number = _item_number(key)
            if number is None or number < 4:
                continue
            who = LEGACY_ITEMS.get(number) if self.legacy else number
            if who is not None:
                self.item_columns[who] = f"MDS{number}"

    def error(self, row: int, column: str, message: Any) -> None:
        self.errors.setdefault((row, column), str(message))
        self.error_rows.add(row)

    def cell(self, cells: list[str], key: str) -> str:
        index = self.columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ""

    def _tick(self, row: int, cells: list[str], key: str, column: str) -> bool:
        value = self.cell(cells, key)
        if value in TICKED:
            return True
        if value not in NOT_TICKED:
            self.error(row, column, _("Write 1 for ticked, 0 or nothing for not ticked."))
        return False

    def _site(self, row: int, cells: list[str]) -> Site | None:
        name = self.cell(cells, "m")
        if not name:
            if len(self.sites) == 1:
                return next(iter(self.sites.values()))
            self.error(
                row, "m", _("Name the facility: the team works at %(sites)s.") % {"sites": self._allowed()}
            )
            return None
        key = _casefold(name)
        if key in self.sites_by_name and self.sites_by_name[key] is None:
            self.error(
                row, "m", _("Two of the team's sites are called %(name)s; rename one first.") % {"name": name}
            )
            return None
        site = self.sites_by_name.get(key)
        if site is None:
            self.error(
                row,
                "m",
                _("%(name)s is not one of the team's sites. The team works at: %(sites)s.")
                % {"name": name, "sites": self._allowed()},
            )
        return site

    def _allowed(self) -> str:
        return ", ".join(sorted(site.name for site in self.sites.values())) or _("no site yet")

    def _date(self, row: int, cells: list[str]) -> datetime.date | None:
        value = self.cell(cells, "h")
        try:
            if not DATE_PATTERN.match(value):
                raise ValueError(value)
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.error(
                row,
                "h",
                _("Enter the date of activity as YYYY-MM-DD (found “%(value)s”).") % {"value": value}
                if value
                else _("The date of activity is required."),
            )
            return None

    def _sex(self, row: int, cells: list[str]) -> Any:
        if "mds1-3" in self.columns or not {"mds1", "mds2", "mds3"} & set(self.columns):
            return self.cell(cells, "mds1-3")
        ticked = [
            number for number in mds.SEX_ITEMS if self._tick(row, cells, f"mds{number}", f"MDS{number}")
        ]
        if len(ticked) != 1:
            self.error(row, "MDS1", _("Tick exactly one of MDS1, MDS2 and MDS3 (male, female, pregnant)."))
            return None
        return ticked[0]

    def _age(self, row: int, cells: list[str], data: dict[str, Any]) -> None:
        band = self.cell(cells, "mdsa")
        age = self.cell(cells, "age")
        unit = self.cell(cells, "m/y")
        if self.legacy and band:
            jpn = _int(band)
            if jpn not in LEGACY_AGE_GROUPS:
                self.error(
                    row,
                    "MDSa",
                    _("A JPN1.00 age band is 1 (<1), 2 (1–4), 3 (5–64) or 4 (≥65); found “%(value)s”.")
                    % {"value": band},
                )
                return
            group = LEGACY_AGE_GROUPS[jpn]
            if group == 0 and (age or unit):
                derived = mds.age_group_for(_int(age), unit.upper())
                if derived not in (3, 4):
                    self.error(row, "Age", _("The age given is not in the JPN1.00 band 3 (5 to 64 years)."))
                    data["age_group"] = 0  # the band is readable: only the age is wrong
                    return
                group = derived  # the age tells the band the legacy code could not
            data.update(age_group=group, age=age or None, age_unit=unit)
            return
        if not band and not age and unit.upper() == UNKNOWN_BAND_MARKER:
            data["age_group"] = 0
            return
        if band and _int(band) not in (1, 2, 3, 4, 5):
            self.error(
                row,
                "MDSa",
                _("The age group is 1 (<1), 2 (1–4), 3 (5–17), 4 (18–64) or 5 (≥65); found “%(value)s”.")
                % {"value": band},
            )
            return
        data.update(age_group=band or None, age=age or None, age_unit=unit)

    def _ticks(self, row: int, cells: list[str]) -> tuple[list[int], frozenset[int]]:
        ticks: list[int] = []
        flags: set[int] = set()
        for who, column in sorted(self.item_columns.items()):
            if self._tick(row, cells, column.lower(), column):
                if who in mds.ISSUE_ITEMS:
                    flags.add(who)
                else:
                    ticks.append(who)
        return ticks, frozenset(flags)

    # Field names of capture.clean_consultation → the column to blame.
    def _column_of(self, name: str, ticks: list[int]) -> str:
        if name == "items":
            obstetric = [number for number in ticks if number in mds.OBSTETRIC_PROCEDURES]
            return self.item_columns.get(obstetric[0], "MDSa") if obstetric else "MDSa"
        return {
            "site": "m",
            "date": "h",
            "age_group": "MDSa",
            "age": "Age",
            "sex": SEX_COLUMN if "mds1-3" in self.columns else "MDS1",
            "reference": "ID",
        }.get(name, name)

    def check(self, row: int, cells: list[str]) -> PlannedConsultation | None:
        if len(cells) > len(self.table.header) and any(cells[len(self.table.header) :]):
            self.error(
                row,
                self.table.names[-1] if self.table.names else "ID",
                _(
                    "The row has %(cells)d cells but the first row names %(columns)d columns: a value "
                    "probably holds the separator without quotes."
                )
                % {"cells": len(cells), "columns": len(self.table.header)},
            )
            return None
        reference = self.cell(cells, "id")
        if reference:
            self.references.append((row, reference))
        else:
            self.error(row, "ID", _("Every consultation needs its ID."))
        site = self._site(row, cells)
        date = self._date(row, cells)
        data: dict[str, Any] = {"reference": reference, "sex": self._sex(row, cells)}
        self._age(row, cells, data)
        ticks, flags = self._ticks(row, cells)
        data.update(site=site.pk if site else None, date=date, items=ticks)
        # The capture rules, so that a row is refused here exactly when capture would refuse it;
        # run even after an error above, so that the row's other errors are listed too (the first
        # message per column is kept).
        try:
            clean = capture.clean_consultation(
                self.team, data, sites=self.sites, today=self.today, allow_unknown_band=True
            )
        except ValidationFailed as error:
            for name, message in error.fields.items():
                self.error(row, self._column_of(name, ticks), message)
            return None
        if row in self.error_rows or site is None or date is None:
            return None
        self._warn(row, ticks, clean.warnings)
        return PlannedConsultation(row=row, data=data, site=site, date=date, reference=reference, flags=flags)

    def _warn(self, row: int, ticks: list[int], warnings: list[str]) -> None:
        """The capture warnings (relation to the event, outcomes), named by their columns."""
        relation = [number for number in ticks if number in mds.RELATION_ITEMS]
        columns = []
        if len(relation) != 1:
            columns.append(self._span(mds.RELATION_ITEMS))
        columns.append(self._span(mds.OUTCOME_ITEMS))
        for column, message in zip(columns, warnings, strict=False):
            self.warnings.append(RowProblem(row, column, message))

    def _span(self, numbers: tuple[int, ...]) -> str:
        first = self.item_columns.get(numbers[0], f"MDS{numbers[0]}")
        last = self.item_columns.get(numbers[-1], f"MDS{numbers[-1]}")
        return f"{first}–{last.removeprefix('MDS')}"

    def check_references(self) -> None:
        """IDs used twice in the file, or already used by the team: both are duplicates (every
        row with an ID is checked, whatever its other errors)."""
        first_row: dict[str, int] = {}
        for row, reference in self.references:
            if reference in first_row:
                self.error(
                    row,
                    "ID",
                    _("The ID %(id)s is also on row %(row)d of the file: a duplicate.")
                    % {"id": reference, "row": first_row[reference]},
                )
            else:
                first_row[reference] = row
        references = sorted(first_row)
        taken: set[str] = set()
        for start in range(0, len(references), CHUNK):
            taken |= set(
                Consultation.objects.filter(
                    team=self.team, reference__in=references[start : start + CHUNK]
                ).values_list("reference", flat=True)
            )
        for row, reference in self.references:
            if reference in taken:
                self.error(
                    row,
                    "ID",
                    _("The ID %(id)s is already used by this team: a duplicate.") % {"id": reference},
                )

    def check_reports(self, planned: list[PlannedConsultation]) -> None:
        """Days whose report is submitted are locked: the rows for them are refused."""
        dates = {plan.date for plan in planned}
        if not dates:
            return
        locked = {
            (report.site_id, report.date): report
            for report in DailyReport.objects.filter(
                team=self.team, date__in=dates, status=ReportStatus.SUBMITTED
            ).select_related("site")
        }
        for plan in planned:
            report = locked.get((plan.site.pk, plan.date))
            if report is not None:
                self.error(
                    plan.row,
                    "h",
                    _(
                        "The daily report of %(site)s for %(date)s is submitted and locked. "
                        "Start a correction of that report first, then import the file."
                    )
                    % {"site": report.site.name, "date": report.date.isoformat()},
                )

    def sorted_errors(self) -> list[RowProblem]:
        order = {name.lower(): index for index, name in enumerate(COLUMNS)}
        return [
            RowProblem(row, column, message)
            for (row, column), message in sorted(
                self.errors.items(), key=lambda item: (item[0][0], order.get(item[0][1].lower(), len(order)))
            )
        ]


def analyse(team: Team, *, text: str, file_name: str, file_sha256: str) -> Analysis:
    """Check every row of an eDATA file for ``team``; writes nothing."""
    table = _read_table(text)
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, (key, name) in enumerate(zip(table.header, table.names, strict=True)):
        if not key:
            continue
        if key not in KNOWN_KEYS:
            ignored.append(name)
        elif key in columns:
            raise _file_error(_("The column %(name)s appears twice.") % {"name": name}, "duplicate_column")
        else:
            columns[key] = index
    missing = []
    if "id" not in columns:
        missing.append("ID")
    if "h" not in columns:
        missing.append("h")
    if "mdsa" not in columns and "age" not in columns:
        missing.append("MDSa")
    if "mds1-3" not in columns and not {"mds1", "mds2", "mds3"} <= set(columns):
        missing.append(SEX_COLUMN)
    if missing:
        raise _file_error(
            _("The first row must name the eDATA columns; missing: %(names)s.")
            % {"names": ", ".join(missing)},
            "missing_columns",
        )
    file_format = _detect_format(table, columns)
    checker = _Checker(team, table, columns, file_format)
    checked = [(number, checker.check(number, cells)) for number, cells in table.rows]
    planned = [plan for _number, plan in checked if plan is not None]
    checker.check_references()
    checker.check_reports(planned)
    notes = []
    if file_format == LEGACY_VERSION:
        notes.append(
            _(
                "A JPN1.00 file: its item numbers are renumbered to WHO 1.0, items 19–22 stay empty, "
                "and patients of its band 3 (5 to 64 years) without an age are counted as "
                "“5 years and over, band unknown”."
            )
        )
    if ignored:
        notes.append(
            _("Columns not read (not part of the eDATA format): %(names)s.") % {"names": ", ".join(ignored)}
        )
    if "m" not in columns and len(checker.sites) == 1:
        notes.append(_("No facility column: every row is for %(site)s.") % {"site": checker._allowed()})
    return Analysis(
        file_name=file_name,
        file_format=file_format,
        file_sha256=file_sha256,
        delimiter=table.delimiter,
        rows=len(table.rows),
        planned=[plan for plan in planned if plan.row not in checker.error_rows],
        errors=checker.sorted_errors(),
        warnings=checker.warnings,
        notes=notes,
        ignored_columns=ignored,
    )


# ================================================================================================
# Import: dry run and commit
# ================================================================================================


@dataclass(frozen=True)
class PendingImport:
    """What a dry run's token names: the team and the stored file."""

    team_id: int
    path: str
    file_sha256: str
    file_name: str


def _require_manage(team: Team, actor: Any) -> None:
    if not TeamAccess.of(actor, team).can_manage:
        raise NotAllowed(_("Only the team lead and the team's coordinators import eDATA files."))


def _name_of(upload: Any) -> str:
    return pending_uploads.upload_name(upload, "upload.csv")


def read_token(token: str) -> PendingImport:
    """The import a dry run's token names; ValidationFailed when it is forged or too old."""
    pending = pending_uploads.read_token(token, salt=TOKEN_SALT, required=("team",))
    return PendingImport(
        team_id=int(pending.data["team"]),
        path=pending.path,
        file_sha256=pending.file_sha256,
        file_name=pending.file_name,
    )


def dry_run(team: Team, *, actor: User, upload: IO[bytes]) -> Analysis:
    """Check a file without importing anything. When it has no errors, keep it for the commit and
    sign a token naming it (``analysis.token``)."""
    _require_manage(team, actor)
    content = _read_upload(upload)
    analysis = analyse(
        team,
        text=decode(content),
        file_name=_name_of(upload),
        file_sha256=pending_uploads.fingerprint(content),
    )
    if analysis.is_committable:
        analysis.token = pending_uploads.keep(
            content,
            salt=TOKEN_SALT,
            prefix=STORED_PREFIX,
            extension="csv",
            name=analysis.file_name,
            data={"team": team.pk},
        )
    return analysis


def _stored_content(pending: PendingImport) -> bytes:
    return pending_uploads.stored_content(pending.path, pending.file_sha256)


def _rejected_at(analysis: Analysis, chunk: list[PlannedConsultation], error: DomainError) -> ImportRejected:
    """A refusal by ``record_batch`` during the commit, as row errors (nothing is kept)."""
    found = []
    for name, message in error.fields.items():
        position, _dot, field_name = name.partition(".")
        if position.isdigit() and int(position) < len(chunk):
            found.append(RowProblem(chunk[int(position)].row, field_name, message))
    analysis.errors = found or [RowProblem(chunk[0].row, "ID", error.message)]
    analysis.planned = []
    return ImportRejected(analysis)


def _flag_issues(team: Team, actor: User, analysis: Analysis, file_name: str) -> int:
    """Flag the day's items 51–65 the file flags, unless the report flags them already."""
    comment = _("Flagged in imported file %(name)s") % {"name": file_name}
    flagged = 0
    for day in analysis.days:
        if not day.flags:
            continue
        report = DailyReport.objects.get(team=team, site=day.site, date=day.date)
        issues = {key: dict(value) for key, value in (report.issues or {}).items()}
        changed = False
        for number in day.flags:
            current = issues.get(str(number), {})
            if current.get("flagged"):
                continue
            issues[str(number)] = {"flagged": True, "comment": current.get("comment") or comment}
            changed = True
            flagged += 1
        if changed:
            reports.set_issues(report, actor=actor, issues=issues)
    return flagged


@transaction.atomic
def commit_import(
    team: Team, *, actor: User, upload: IO[bytes] | None = None, token: str | None = None
) -> ImportResult:
    """Import every row of the file of a dry run (``token``) or of a file sent again (``upload``):
    all or nothing, through ``capture.record_batch``."""
    _require_manage(team, actor)
    if (upload is None) == (token is None):
        raise ValidationFailed(
            _("Send either the file or the token of its dry run."), fields={"file": _("Send the file.")}
        )
    # One import at a time per team: the second waits, then finds the first one's IDs taken.
    team = (
        Team.objects.select_for_update(of=("self",))
        .select_related("response", "mission", "lead")
        .get(pk=team.pk)
    )
    pending = None
    if token is not None:
        pending = read_token(token)
        if pending.team_id != team.pk:
            raise ValidationFailed(
                _("This import was prepared for another team."), code="import_token_invalid"
            )
        content = _stored_content(pending)
        file_name = pending.file_name
    else:
        assert upload is not None
        content = _read_upload(upload)
        file_name = _name_of(upload)
    text = decode(content)
    file_sha256 = pending_uploads.fingerprint(content)
    analysis = analyse(team, text=text, file_name=file_name, file_sha256=file_sha256)
    if analysis.errors:
        raise ImportRejected(analysis)
    if not analysis.planned:
        raise ValidationFailed(_("The file has no consultations to import."), code="nothing_to_import")
    batch = ImportBatch.objects.create(
        team=team,
        file_name=file_name[:255],
        format_version=analysis.file_format,
        rows=len(analysis.planned),
        original=text,
        imported_by=actor,
    )
    for start in range(0, len(analysis.planned), capture.MAX_BATCH):
        chunk = analysis.planned[start : start + capture.MAX_BATCH]
        try:
            capture.record_batch(
                team,
                actor=actor,
                consultations=[plan.data for plan in chunk],
                source=ConsultationSource.IMPORT,
                batch=batch,
                allow_unknown_band=True,
            )
        except NotAllowed:
            raise
        except DomainError as error:
            raise _rejected_at(analysis, chunk, error) from error
    issues_flagged = _flag_issues(team, actor, analysis, file_name)
    log_action(
        "clinics.edata.imported",
        actor=actor,
        organization=audit_organization(team),
        obj=batch,
        data={
            "team": team.pk,
            "file_name": file_name,
            "file_sha256": file_sha256,
            "format": analysis.file_format,
            "consultations": len(analysis.planned),
            "days": analysis.day_count,
            "issues_flagged": issues_flagged,
        },
    )
    if pending is not None:
        pending_uploads.discard_on_commit(pending.path)
    return ImportResult(
        batch=batch,
        consultations=len(analysis.planned),
        days=analysis.day_count,
        sites=len(analysis.site_names),
        issues_flagged=issues_flagged,
    )
