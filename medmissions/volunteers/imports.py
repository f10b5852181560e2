"""Bulk import of people and their credentials from a CSV file or an XLSX workbook.

An import happens in two steps, both for the organisation the person is acting for and both
reserved to its vetting admins (``Capability.VET_VOLUNTEERS``):

1. **Dry run** (:func:`dry_run`): the file is read and every row is checked with the same rules
   as the forms (``services._clean_profile`` and ``credentials.clean_credential_data``). The
   answer lists every error (row, column, message), the people and credentials that would be
   created, and the duplicates of people who already exist. Nothing is written to the database.
   When the file has no errors it is kept under ``MEDIA_ROOT/imports/`` (never served) and the
   answer carries a signed token naming it.
2. **Commit** (:func:`commit_import`): the stored file (or the same file sent again) is read and
   checked again inside one transaction. If any row fails now, or if the outcome differs from the
   dry run because people were added in the meantime, nothing is written.

File convention (the import page and the downloadable templates say the same):

* The first row holds the column names of :data:`COLUMNS`; only ``full_name`` is required and the
  order is free. CSV files are UTF-8 (with or without a byte order mark) separated by commas or
  semicolons; a workbook is read from its first sheet.
* One row per credential. A person with several credentials takes several rows with the same
  email (or, without an email, the same full name and date of birth); on those further rows the
  person's columns may be left empty, and where they are filled they must agree.
* Cells are stored as the text they hold: a value such as ``=HYPERLINK(…)`` is a name like any
  other, never a formula. In a workbook, a formula cell counts with its last computed value.

Duplicates: a person whose email, or whose full name, date of birth and licence number (any
credential number), match someone the importing person can already see is not created. The dry
run lists the match; the commit may import such a row anyway when asked to (so that the two
records can be merged on the merge screen, see merge.py). Only people the importing person may
see are searched, so an import never reveals that someone else's profile exists.

Imported people have a home affiliation to the organisation and no account; they claim their
profile later by signing up with the same email address (``services.get_or_create_own_person``).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, cast

from django.conf import settings
from django.db import models, transaction
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from medmissions.accounts.models import User
from medmissions.audit.models import AuditEntry
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, DomainError, ValidationFailed
from medmissions.core.models import Language
from medmissions.lib import pending_uploads
from medmissions.lib.uploads import XLSX, detect_content_type
from medmissions.organizations.access import Capability, require
from medmissions.organizations.models import Organization
from medmissions.volunteers.choices import AffiliationKind, Proficiency
from medmissions.volunteers.credentials import clean_credential_data
from medmissions.volunteers.models import (
    Affiliation,
    Credential,
    CredentialType,
    Person,
    PersonLanguage,
    PersonSpecialty,
    Specialty,
)
from medmissions.volunteers.services import PROFILE_FIELDS, _clean_profile

# Limits, from settings MAX_IMPORT_UPLOAD_BYTES and MAX_IMPORT_ROWS (read when the module loads).
MAX_IMPORT_BYTES = getattr(settings, "MAX_IMPORT_UPLOAD_BYTES", 10 * 1024 * 1024)
MAX_IMPORT_ROWS = getattr(settings, "MAX_IMPORT_ROWS", 5000)
# A 10 MB workbook can unpack to far more (a "zip bomb"); real ones stay well below this.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# How long a dry run's token (and its stored file) stays usable.
TOKEN_SALT = "medmissions.volunteers.imports"

IMPORTED_ACTION = "volunteers.person.imported"
COMMITTED_ACTION = "volunteers.import.committed"

CSV = "csv"
XLSX_FORMAT = "xlsx"


@dataclass(frozen=True)
class Column:
    name: str
    description: Any  # lazily translated
    example: str


COLUMNS = [
    Column("full_name", gettext_lazy("Full name. Required."), "Amina Nakato"),
    Column(
        "email",
        gettext_lazy("Email address; the person claims the profile by signing up with it."),
        "amina.nakato@example.org",
    ),
    Column("date_of_birth", gettext_lazy("Date of birth, as YYYY-MM-DD."), "1986-04-12"),
    Column("phone", gettext_lazy("Phone number."), "0772 123456"),
    Column("nationality", gettext_lazy("Nationality as a two-letter ISO country code."), "UG"),
    Column(
        "profession",
        gettext_lazy("Profession: the code or name of a top-level entry of the specialty list."),
        "medicine",
    ),
    Column(
        "specialties",
        gettext_lazy(
            "Specialties with a proficiency (trainee, competent, experienced or expert), separated by semicolons."
        ),
        "general-surgery:experienced; anaesthesia:competent",
    ),
    Column(
        "languages",
        gettext_lazy(
            "Languages by ISO code with speaking/reading/writing levels from 0 (none) to 4 (native), separated by semicolons."
        ),
        "sw:3/2/2; en:4/4/4",
    ),
    Column("years_of_experience", gettext_lazy("Whole years of experience, 0 to 70."), "9"),
    Column("is_trainee", gettext_lazy("Trainee or student: yes or no."), "no"),
    Column("home_employer", gettext_lazy("Home employer."), "Mbale Regional Referral Hospital"),
    Column(
        "credential_type",
        gettext_lazy("Credential type: its code or name (see the list below). One credential per row."),
        "professional-licence",
    ),
    Column(
        "issuing_body",
        gettext_lazy("Body that issued the credential."),
        "Uganda Medical and Dental Practitioners Council",
    ),
    Column("credential_country", gettext_lazy("Country of issue, two-letter ISO code."), "UG"),
    Column("credential_state", gettext_lazy("State or province of issue, if any."), ""),
    Column("credential_number", gettext_lazy("Number of the licence or certificate."), "UMDPC-2011-0456"),
    Column("issued_on", gettext_lazy("Issue date, as YYYY-MM-DD."), "2011-09-01"),
    Column(
        "expires_on",
        gettext_lazy("Expiry date, as YYYY-MM-DD (required for credentials that expire)."),
        "2027-12-31",
    ),
]
COLUMN_NAMES = [column.name for column in COLUMNS]
PERSON_COLUMNS = COLUMN_NAMES[: COLUMN_NAMES.index("credential_type")]
# Import column → field of credentials.clean_credential_data.
CREDENTIAL_COLUMNS = {
    "credential_type": "credential_type",
    "issuing_body": "issuing_body",
    "credential_country": "country",
    "credential_state": "state",
    "credential_number": "number",
    "issued_on": "issued_on",
    "expires_on": "expires_on",
}
CREDENTIAL_FIELD_COLUMNS = {field_name: column for column, field_name in CREDENTIAL_COLUMNS.items()}


# Text columns checked against the model's maximum length (the database would refuse longer ones).
def _max_length(model: type[models.Model], name: str) -> int:
    return int(cast(models.Field, model._meta.get_field(name)).max_length or 0)


PERSON_LENGTHS = {
    name: _max_length(Person, name) for name in ("full_name", "email", "phone", "home_employer")
}
CREDENTIAL_LENGTHS = {
    column: _max_length(Credential, CREDENTIAL_COLUMNS[column])
    for column in ("issuing_body", "credential_state", "credential_number")
}
TRUE_WORDS = {"yes", "y", "true", "1", "oui", "x"}
FALSE_WORDS = {"no", "n", "false", "0", "non", ""}
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LANGUAGE_LEVELS = re.compile(r"^([0-4])(?:\s*/\s*([0-4])\s*/\s*([0-4]))?$")

MATCH_EMAIL = "email"
MATCH_NAME_BIRTH_LICENCE = "name_birth_licence"
MATCH_REASONS = {
    MATCH_EMAIL: gettext_lazy("same email"),
    MATCH_NAME_BIRTH_LICENCE: gettext_lazy("same name, date of birth and licence number"),
}


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class Match:
    person: Person
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(MATCH_REASONS[reason]) for reason in self.reasons]


@dataclass
class CredentialPlan:
    row: int
    data: dict[str, Any]  # cleaned by clean_credential_data


@dataclass
class PersonPlan:
    """One person of the file: the rows that describe them and what would be created."""

    rows: list[int]
    profile: dict[str, Any] = field(default_factory=dict)
    specialties: list[tuple[Specialty, int]] = field(default_factory=list)
    languages: list[tuple[Language, int, int, int]] = field(default_factory=list)
    credentials: list[CredentialPlan] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    has_errors: bool = False

    @property
    def first_row(self) -> int:
        return self.rows[0]

    @property
    def full_name(self) -> str:
        return str(self.profile.get("full_name") or "")

    @property
    def email(self) -> str:
        return str(self.profile.get("email") or "")

    @property
    def status(self) -> str:
        if self.has_errors:
            return "invalid"
        return "duplicate" if self.matches else "new"

    @property
    def specialty_labels(self) -> list[str]:
        return [f"{specialty} ({Proficiency(level).label})" for specialty, level in self.specialties]

    @property
    def language_labels(self) -> list[str]:
        return [f"{language.code} {s}/{r}/{w}" for language, s, r, w in self.languages]


@dataclass
class Analysis:
    file_name: str
    file_format: str
    file_sha256: str
    rows: int  # data rows read (empty rows not counted)
    people: list[PersonPlan]
    errors: list[RowError]
    token: str | None = None
    previous_imports: list[AuditEntry] = field(default_factory=list)

    @property
    def new_people(self) -> list[PersonPlan]:
        return [plan for plan in self.people if plan.status == "new"]

    @property
    def duplicate_people(self) -> list[PersonPlan]:
        return [plan for plan in self.people if plan.status == "duplicate"]

    @property
    def credentials_to_create(self) -> int:
        return sum(len(plan.credentials) for plan in self.new_people)

    @property
    def is_committable(self) -> bool:
        return not self.errors and bool(self.new_people or self.duplicate_people)

    def expected(self) -> dict[str, Any]:
        """What the commit must find again for the dry run to still hold."""
        return {
            "new": [plan.first_row for plan in self.new_people],
            "duplicates": {
                str(plan.first_row): sorted(match.person.pk for match in plan.matches)
                for plan in self.duplicate_people
            },
        }


@dataclass
class ImportResult:
    people_created: int
    credentials_created: int
    duplicates_skipped: int
    # (person just imported, existing person it duplicates), for the merge screen.
    merge_pairs: list[tuple[Person, Person]]
    entry: AuditEntry


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


class ImportChanged(Conflict):
    """The outcome differs from the dry run (people were added meanwhile). ``analysis`` is the new
    outcome, with a new token to commit it after review."""

    code = "import_changed"

    def __init__(self, analysis: Analysis):
        super().__init__(
            _(
                "Nothing was imported: the organisation's people changed since the dry run. Check the new result and import again."
            )
        )
        self.analysis = analysis


# --------------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------------


@dataclass
class Table:
    header: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]]  # (row number as the spreadsheet shows it, cells)
    file_format: str


_file_error = pending_uploads.file_error


def _read_upload(upload: IO[bytes]) -> bytes:
    return pending_uploads.read_upload(upload, max_bytes=MAX_IMPORT_BYTES)


def _cell(value: Any) -> Any:
    """A cell as text, or as a date when the workbook stored a date."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _not_text() -> ValidationFailed:
    return _file_error(
        _(
            "The file is neither UTF-8 text nor an XLSX workbook. In a spreadsheet, save it as “CSV UTF-8” or as XLSX."
        ),
        "file_type_not_allowed",
    )


def _read_csv(content: bytes) -> Table:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_text() from error
    if "\x00" in text:  # UTF-16 text or a binary file
        raise _not_text()
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(([_cell(value) for value in row] for row in reader), CSV)
    except csv.Error as error:
        raise _file_error(_("The CSV file could not be read: %(reason)s.") % {"reason": error}) from error


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise _file_error(_("The workbook is too large once unpacked; split it into several files."))
    try:
        # openpyxl warns about spreadsheet features it ignores (styles, extensions); irrelevant here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise _file_error(_("The workbook has no sheet."))
                rows = workbook.worksheets[0].iter_rows(values_only=True)
                return _table(([_cell(value) for value in row] for row in rows), XLSX_FORMAT)
            finally:
                workbook.close()
    except DomainError:
        raise
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged workbook
        raise _file_error(_("The workbook could not be read; save it again as XLSX.")) from error


def _table(rows: Iterator[list[Any]], file_format: str) -> Table:
    header: list[str] | None = None
    header_row = 1
    data: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(rows, start=1):
        if header is None:
            if not any(cells):
                continue  # blank lines above the header
            header = [_column_name(value) for value in cells]
            header_row = number
            continue
        if not any(value not in ("", None) for value in cells):
            continue
        if len(data) >= MAX_IMPORT_ROWS:
            raise _file_error(
                _("The file has more than %(limit)d rows; split it into several files.")
                % {"limit": MAX_IMPORT_ROWS},
                "too_many_rows",
            )
        data.append((number, cells))
    if header is None:
        raise _file_error(_("The file is empty."), "empty_file")
    return Table(header=header, header_row=header_row, rows=data, file_format=file_format)


def _column_name(value: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())


def read_table(content: bytes) -> Table:
    """The header and non-empty rows of a CSV or XLSX file, recognised by its content."""
    head = content[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        if detect_content_type(io.BytesIO(content)) != XLSX:
            raise _file_error(
                _(
                    "Only CSV files and XLSX workbooks can be imported. Workbooks with macros (.xlsm) and old .xls files are refused: save the sheet as XLSX."
                ),
                "file_type_not_allowed",
            )
        return _read_xlsx(content)
    if detect_content_type(io.BytesIO(content)) is not None:
        raise _file_error(_("Only CSV files and XLSX workbooks can be imported."), "file_type_not_allowed")
    return _read_csv(content)


# --------------------------------------------------------------------------------------------
# Checking the rows
# --------------------------------------------------------------------------------------------


def _casefold_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _licence_key(number: str) -> str:
    return "".join(character for character in number.casefold() if character.isalnum())


def _lookup(objects: Iterable[Any], *attributes: str) -> dict[str, Any]:
    """Objects by each of their code and names (as stored and as translated), case-insensitively."""
    found: dict[str, Any] = {}
    for obj in objects:
        for attribute in attributes:
            found.setdefault(str(getattr(obj, attribute)).casefold(), obj)
        found.setdefault(str(obj).casefold(), obj)
    return found


class _Vocabulary:
    """The reference lists, loaded once per file."""

    def __init__(self) -> None:
        self.specialties = _lookup(Specialty.objects.all(), "slug", "name")
        self.credential_types = _lookup(CredentialType.objects.all(), "slug", "name")
        self.languages = _lookup(Language.objects.all(), "code", "name")
        self.proficiencies: dict[str, int] = {}
        for value, label in Proficiency.choices:
            self.proficiencies[str(value)] = value
            self.proficiencies[str(label).casefold()] = value
            self.proficiencies[Proficiency(value).name.casefold()] = value


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


@dataclass
class _Group:
    rows: list[int]
    values: dict[str, tuple[Any, int]] = field(default_factory=dict)  # column → (value, row)
    credential_rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    if not DATE_PATTERN.match(str(value)):
        raise ValueError(value)
    return datetime.date.fromisoformat(str(value))


DATE_FORMAT_MESSAGE = gettext_lazy("Enter the date as YYYY-MM-DD, e.g. 1986-04-12.")


def _group_rows(table: Table, columns: dict[int, str], unnamed: set[int], errors: _Collector) -> list[_Group]:
    """Gather the rows of each person: same email, or (without an email) the same full name and a
    date of birth that does not disagree."""
    groups: list[_Group] = []
    by_email: dict[str, _Group] = {}
    by_name: dict[str, list[_Group]] = {}
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
        email = str(values.get("email", "")).casefold()
        name = _casefold_name(str(values.get("full_name", "")))
        birth = str(values.get("date_of_birth", ""))
        group: _Group | None = None
        if email:
            group = by_email.get(email)
        elif name:
            same_name = [
                candidate
                for candidate in by_name.get(name, [])
                if not birth or str(candidate.values.get("date_of_birth", ("", 0))[0]) in ("", birth)
            ]
            if len(same_name) > 1:
                errors.add(
                    number,
                    "email",
                    _(
                        "Several people above are called %(name)s: give the email of the one this row is about."
                    )
                    % {"name": values["full_name"]},
                )
                continue
            group = same_name[0] if same_name else None
        else:
            errors.add(number, "full_name", _("Enter the person's full name."))
            continue
        if group is None:
            group = _Group(rows=[])
            groups.append(group)
            if email:
                by_email[email] = group
            if name:
                by_name.setdefault(name, []).append(group)
        group.rows.append(number)
        for column in PERSON_COLUMNS:
            if column not in values:
                continue
            if column not in group.values:
                group.values[column] = (values[column], number)
                continue
            earlier, earlier_row = group.values[column]
            if _casefold_name(str(earlier)) != _casefold_name(str(values[column])):
                errors.add(
                    number,
                    column,
                    _("Differs from row %(row)d, which describes the same person (“%(value)s”).")
                    % {"row": earlier_row, "value": earlier},
                )
        if any(column in values for column in CREDENTIAL_COLUMNS):
            credential = {column: values.get(column, "") for column in CREDENTIAL_COLUMNS}
            group.credential_rows.append((number, credential))
    return groups


def _plan_person(group: _Group, vocabulary: _Vocabulary, errors: _Collector) -> PersonPlan:
    plan = PersonPlan(rows=group.rows)
    first = group.rows[0]

    def value(column: str) -> Any:
        return group.values.get(column, ("", first))[0]

    def row_of(column: str) -> int:
        return group.values.get(column, ("", first))[1]

    data: dict[str, Any] = {
        "full_name": str(value("full_name")),
        "email": str(value("email")),
        "phone": str(value("phone")),
        "home_employer": str(value("home_employer")),
        "nationality": str(value("nationality")).upper(),
    }
    for column, limit in PERSON_LENGTHS.items():
        if limit and len(data[column].strip()) > limit:
            errors.add(row_of(column), column, _("At most %(limit)d characters.") % {"limit": limit})
            data.pop(column)
    if value("date_of_birth") != "":
        try:
            data["date_of_birth"] = _parse_date(value("date_of_birth"))
        except ValueError:
            errors.add(row_of("date_of_birth"), "date_of_birth", DATE_FORMAT_MESSAGE)
    if value("profession") != "":
        profession = vocabulary.specialties.get(str(value("profession")).casefold())
        if profession is None:
            errors.add(
                row_of("profession"),
                "profession",
                _("Unknown profession “%(value)s”.") % {"value": value("profession")},
            )
        else:
            # A specialty that is not a profession is refused by _clean_profile, with its message.
            data["profession"] = profession
    if value("years_of_experience") != "":
        raw = str(value("years_of_experience"))
        data["years_of_experience"] = int(raw) if raw.isdigit() else raw
    trainee = str(value("is_trainee")).casefold()
    if trainee in TRUE_WORDS or trainee in FALSE_WORDS:
        data["is_trainee"] = trainee in TRUE_WORDS
    else:
        errors.add(row_of("is_trainee"), "is_trainee", _("Write yes or no."))
    try:
        plan.profile = _clean_profile(data)
    except ValidationFailed as error:
        plan.profile = {name: data[name] for name in data if name not in error.fields}
        for name, message in error.fields.items():
            errors.add(row_of(name), name, message)
    if value("specialties") != "":
        plan.specialties = _parse_specialties(
            str(value("specialties")), row_of("specialties"), vocabulary, errors
        )
    if value("languages") != "":
        plan.languages = _parse_languages(str(value("languages")), row_of("languages"), vocabulary, errors)
    seen: dict[tuple[int, str], int] = {}
    for number, cells in group.credential_rows:
        credential = _plan_credential(number, cells, vocabulary, errors)
        if credential is None:
            continue
        same = (credential.data["credential_type"].pk, _licence_key(credential.data["number"]))
        if same in seen:
            errors.add(
                number,
                "credential_type",
                _("The same credential is already on row %(row)d.") % {"row": seen[same]},
            )
            continue
        seen[same] = number
        plan.credentials.append(credential)
    return plan


def _parse_specialties(
    text: str, row: int, vocabulary: _Vocabulary, errors: _Collector
) -> list[tuple[Specialty, int]]:
    entries: list[tuple[Specialty, int]] = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        name, separator, level_text = item.rpartition(":")
        if not separator:
            errors.add(
                row,
                "specialties",
                _("Write each specialty with its proficiency, e.g. general-surgery:experienced (“%(item)s”).")
                % {"item": item},
            )
            continue
        specialty = vocabulary.specialties.get(name.strip().casefold())
        level = vocabulary.proficiencies.get(level_text.strip().casefold())
        if specialty is None:
            errors.add(row, "specialties", _("Unknown specialty “%(value)s”.") % {"value": name.strip()})
        elif level is None:
            errors.add(
                row,
                "specialties",
                _("Choose a proficiency level for %(specialty)s.") % {"specialty": specialty},
            )
        elif any(existing.pk == specialty.pk for existing, _level in entries):
            errors.add(row, "specialties", _("%(specialty)s is listed twice.") % {"specialty": specialty})
        else:
            entries.append((specialty, level))
    return entries


def _parse_languages(
    text: str, row: int, vocabulary: _Vocabulary, errors: _Collector
) -> list[tuple[Language, int, int, int]]:
    entries: list[tuple[Language, int, int, int]] = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        code, separator, levels_text = item.partition(":")
        language = vocabulary.languages.get(code.strip().casefold())
        levels = LANGUAGE_LEVELS.match(levels_text.strip()) if separator else None
        if language is None:
            errors.add(row, "languages", _("Unknown language “%(value)s”.") % {"value": code.strip()})
        elif levels is None:
            errors.add(
                row,
                "languages",
                _("Choose levels for %(language)s.") % {"language": language}
                + " "
                + _("Write speaking/reading/writing from 0 to 4, e.g. sw:3/2/2."),
            )
        elif any(existing.pk == language.pk for existing, *_levels in entries):
            errors.add(row, "languages", _("%(language)s is listed twice.") % {"language": language})
        else:
            speaking = int(levels.group(1))
            reading = int(levels.group(2) or speaking)
            writing = int(levels.group(3) or speaking)
            entries.append((language, speaking, reading, writing))
    return entries


def _plan_credential(
    row: int, raw: dict[str, Any], vocabulary: _Vocabulary, errors: _Collector
) -> CredentialPlan | None:
    failed = False
    data: dict[str, Any] = {
        "issuing_body": str(raw["issuing_body"]),
        "country": str(raw["credential_country"]),
        "state": str(raw["credential_state"]),
        "number": str(raw["credential_number"]),
        "issued_on": None,
        "expires_on": None,
    }
    for column, limit in CREDENTIAL_LENGTHS.items():
        if limit and len(str(raw[column]).strip()) > limit:
            errors.add(row, column, _("At most %(limit)d characters.") % {"limit": limit})
            failed = True
    credential_type = vocabulary.credential_types.get(str(raw["credential_type"]).casefold())
    if raw["credential_type"] != "" and credential_type is None:
        errors.add(
            row,
            "credential_type",
            _("Unknown credential type “%(value)s”.") % {"value": raw["credential_type"]},
        )
        failed = True
    data["credential_type"] = credential_type
    for column in ("issued_on", "expires_on"):
        if raw[column] != "":
            try:
                data[column] = _parse_date(raw[column])
            except ValueError:
                errors.add(row, column, DATE_FORMAT_MESSAGE)
                failed = True
    try:
        cleaned = clean_credential_data(data)
    except ValidationFailed as error:
        for name, message in error.fields.items():
            errors.add(row, CREDENTIAL_FIELD_COLUMNS.get(name, name), message)
        return None
    return None if failed else CredentialPlan(row=row, data=cleaned)


def _find_matches(plans: list[PersonPlan], *, actor: User, errors: _Collector) -> None:
    """Attach to each plan the existing people it duplicates; flag duplicates within the file."""
    candidates = Person.objects.visible_to(actor).active()
    emails = {plan.email.casefold() for plan in plans if plan.email}
    by_email: dict[str, list[Person]] = {}
    if emails:
        for person in candidates.annotate(email_key=Lower("email")).filter(email_key__in=emails):
            by_email.setdefault(person.email.casefold(), []).append(person)

    def identity(plan: PersonPlan) -> list[tuple[str, datetime.date, str]]:
        birth = plan.profile.get("date_of_birth")
        if not plan.full_name or not isinstance(birth, datetime.date):
            return []
        name = _casefold_name(plan.full_name)
        return [
            (name, birth, key)
            for credential in plan.credentials
            if (key := _licence_key(credential.data["number"]))
        ]

    identities = {plan.first_row: identity(plan) for plan in plans}
    births = {birth for keys in identities.values() for _name, birth, _number in keys}
    by_identity: dict[tuple[str, datetime.date, str], list[Person]] = {}
    if births:
        people = candidates.filter(date_of_birth__in=births).prefetch_related(
            Prefetch("credentials", queryset=Credential.objects.only("pk", "person_id", "number"))
        )
        for person in people:
            for credential in person.credentials.all():
                number = _licence_key(credential.number)
                if number and person.date_of_birth is not None:
                    identity_key = (_casefold_name(person.full_name), person.date_of_birth, number)
                    by_identity.setdefault(identity_key, []).append(person)

    first_in_file: dict[tuple[str, datetime.date, str], int] = {}
    for plan in plans:
        matches: dict[int, Match] = {}
        for person in by_email.get(plan.email.casefold(), []) if plan.email else []:
            matches.setdefault(person.pk, Match(person)).reasons.append(MATCH_EMAIL)
        for key in identities[plan.first_row]:
            for person in by_identity.get(key, []):
                match = matches.setdefault(person.pk, Match(person))
                if MATCH_NAME_BIRTH_LICENCE not in match.reasons:
                    match.reasons.append(MATCH_NAME_BIRTH_LICENCE)
            earlier = first_in_file.setdefault(key, plan.first_row)
            if earlier != plan.first_row:
                errors.add(
                    plan.first_row,
                    "email",
                    _(
                        "Same full name, date of birth and licence number as row %(row)d, but another email: give the same person one email."
                    )
                    % {"row": earlier},
                )
        plan.matches = sorted(matches.values(), key=lambda match: match.person.pk)


def analyse(
    organization: Organization, *, actor: User, table: Table, file_name: str, file_sha256: str
) -> Analysis:
    """Check every row of ``table`` and find duplicates; writes nothing."""
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
    if "full_name" not in columns.values():
        raise _file_error(
            _("The first row must name the columns, including full_name. Download the template to see them."),
            "missing_columns",
        )
    vocabulary = _Vocabulary()
    groups = _group_rows(table, columns, unnamed, errors)
    plans = [_plan_person(group, vocabulary, errors) for group in groups]
    _find_matches(plans, actor=actor, errors=errors)
    error_rows = errors.rows()
    for plan in plans:
        plan.has_errors = any(row in error_rows for row in plan.rows)
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
        people=plans,
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
    expected: dict[str, Any]


def _sign(organization: Organization, path: str, analysis: Analysis) -> str:
    return pending_uploads.sign(
        salt=TOKEN_SALT,
        path=path,
        file_sha256=analysis.file_sha256,
        name=analysis.file_name,
        data={"organization": organization.pk, "expected": analysis.expected()},
    )


def read_token(token: str) -> PendingImport:
    """The import a dry run's token names; ValidationFailed when it is forged or too old."""
    pending = pending_uploads.read_token(token, salt=TOKEN_SALT, required=("organization", "expected"))
    return PendingImport(
        organization_id=int(pending.data["organization"]),
        path=pending.path,
        file_sha256=pending.file_sha256,
        file_name=pending.file_name,
        expected=dict(pending.data["expected"]),
    )


def _name_of(upload: Any) -> str:
    return pending_uploads.upload_name(upload)


def dry_run(organization: Organization, *, actor: User, upload: IO[bytes]) -> Analysis:
    """Check a file without importing it. When it has no errors, keep it for the commit and sign a
    token naming it (``analysis.token``)."""
    require(actor, organization, Capability.VET_VOLUNTEERS)
    content = _read_upload(upload)
    table = read_table(content)
    analysis = analyse(
        organization,
        actor=actor,
        table=table,
        file_name=_name_of(upload),
        file_sha256=pending_uploads.fingerprint(content),
    )
    if analysis.is_committable:
        extension = "xlsx" if table.file_format == XLSX_FORMAT else "csv"
        path = pending_uploads.store(content, prefix="", extension=extension)
        analysis.token = _sign(organization, path, analysis)
    return analysis


def _stored_content(pending: PendingImport) -> bytes:
    return pending_uploads.stored_content(pending.path, pending.file_sha256)


@transaction.atomic
def commit_import(
    organization: Organization,
    *,
    actor: User,
    upload: IO[bytes] | None = None,
    token: str | None = None,
    import_duplicates: Sequence[int] = (),
) -> ImportResult:
    """Import the file of a dry run (``token``) or a file sent again (``upload``): all or nothing.

    ``import_duplicates`` names duplicates to import anyway (by the first row of the person), so
    that they can be merged with the person they duplicate.
    """
    require(actor, organization, Capability.VET_VOLUNTEERS)
    if (upload is None) == (token is None):
        raise ValidationFailed(
            _("Send either the file or the token of its dry run."), fields={"file": _("Send the file.")}
        )
    # One import at a time per organisation: the second waits, then sees the first one's people.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
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
        organization, actor=actor, table=read_table(content), file_name=file_name, file_sha256=file_sha256
    )
    if analysis.errors:
        raise ImportRejected(analysis)
    if pending is not None and analysis.expected() != pending.expected:
        analysis.token = _sign(organization, pending.path, analysis)
        raise ImportChanged(analysis)
    duplicates = {plan.first_row: plan for plan in analysis.duplicate_people}
    unknown = sorted(set(import_duplicates) - set(duplicates))
    if unknown:
        raise ValidationFailed(
            _("Rows %(rows)s do not start a duplicate of an existing person.")
            % {"rows": ", ".join(str(row) for row in unknown)},
            fields={"import_duplicates": ", ".join(str(row) for row in unknown)},
        )
    chosen = [*analysis.new_people, *(duplicates[row] for row in sorted(set(import_duplicates)))]
    if not chosen:
        raise ValidationFailed(_("There is nobody new to import."), code="nothing_to_import")
    people, credentials_created = _create(organization, actor=actor, plans=chosen, file_sha256=file_sha256)
    merge_pairs = [
        (person, plan.matches[0].person) for person, plan in zip(people, chosen, strict=True) if plan.matches
    ]
    entry = log_action(
        COMMITTED_ACTION,
        actor=actor,
        organization=organization,
        data={
            "file_name": file_name,
            "file_sha256": file_sha256,
            "stored_file": pending.path if pending else "",
            "rows": analysis.rows,
            "people_created": len(people),
            "credentials_created": credentials_created,
            "duplicates_skipped": len(duplicates) - len(set(import_duplicates)),
            "imported_for_merge": [[new.pk, existing.pk] for new, existing in merge_pairs],
        },
    )
    if pending is not None:
        pending_uploads.discard_on_commit(pending.path)
    return ImportResult(
        people_created=len(people),
        credentials_created=credentials_created,
        duplicates_skipped=len(duplicates) - len(set(import_duplicates)),
        merge_pairs=merge_pairs,
        entry=entry,
    )


def _create(
    organization: Organization, *, actor: User, plans: list[PersonPlan], file_sha256: str
) -> tuple[list[Person], int]:
    people = Person.objects.bulk_create(
        [Person(created_by=actor, **plan.profile) for plan in plans], batch_size=500
    )
    Affiliation.objects.bulk_create(
        [
            Affiliation(person=person, organization=organization, kind=AffiliationKind.HOME)
            for person in people
        ],
        batch_size=500,
    )
    PersonSpecialty.objects.bulk_create(
        [
            PersonSpecialty(person=person, specialty=specialty, proficiency=level)
            for person, plan in zip(people, plans, strict=True)
            for specialty, level in plan.specialties
        ],
        batch_size=500,
    )
    PersonLanguage.objects.bulk_create(
        [
            PersonLanguage(
                person=person, language=language, speaking=speaking, reading=reading, writing=writing
            )
            for person, plan in zip(people, plans, strict=True)
            for language, speaking, reading, writing in plan.languages
        ],
        batch_size=500,
    )
    credentials = Credential.objects.bulk_create(
        [
            Credential(person=person, **credential.data)
            for person, plan in zip(people, plans, strict=True)
            for credential in plan.credentials
        ],
        batch_size=500,
    )
    for person, plan in zip(people, plans, strict=True):
        log_action(
            IMPORTED_ACTION,
            actor=actor,
            organization=organization,
            obj=person,
            after=snapshot(person, PROFILE_FIELDS),
            data={
                "rows": plan.rows,
                "file_sha256": file_sha256,
                "specialties": sorted(f"{specialty.slug}:{level}" for specialty, level in plan.specialties),
                "languages": sorted(f"{language.code}:{s}{r}{w}" for language, s, r, w in plan.languages),
                "credentials": [
                    f"{credential.data['credential_type'].slug}:{credential.data['number']}"
                    for credential in plan.credentials
                ],
                "duplicate_of": [match.person.pk for match in plan.matches],
            },
        )
    return people, len(credentials)
