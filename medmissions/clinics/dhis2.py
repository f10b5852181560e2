"""DHIS2 export of the MDS daily reports (interop.md §1.2, §1.3, §1.9).

A response's coordinating organisation maps the MDS onto its DHIS2 data set once
(:class:`~medmissions.clinics.models.Dhis2Mapping`), and every submitted daily report becomes a
``dataValueSet`` that ``POST /api/dataValueSets?idScheme=code`` accepts:

* **Data elements**: ``MDS-04`` … ``MDS-50`` and ``MDS-51`` … ``MDS-65``; items 1–3 are one
  element, ``MDS-CONSULTATIONS``, disaggregated by age band × sex or pregnancy. The context
  diseases 19–22 mean something else in every emergency, so each response gets elements of its
  own (``MDS-19-R<response id>``) and figures of two emergencies never add up in DHIS2.
* **Category option combos**: ``LT1_MALE`` … ``GE65_PREGNANT`` for the consultations (``FEMALE``
  is the MDS item 2, female and not pregnant; ``GE5_UNKNOWN_*`` holds legacy JPN1.00 files whose
  "5 to 64" band cannot be split, and needs a sixth age option in DHIS2 if such files are
  imported); ``LT5`` / ``GE5`` for items 4–35; DHIS2's ``default`` for 36–50 and 51–65.
* **Org units**: a site's id means nothing to DHIS2, so there is no default; a site without
  a code is an error listed before any export.
* **Attribute option combo**: the team (default: a code from its name, ``BRIDGE_HEALTH_EMT``).
* **Values** are strings. Zero counts are left out: DHIS2 does not store zeros unless a data
  element is marked "zero is significant" (off by default), so sending them only adds noise.
  Items 51–65 are BOOLEAN: ``"true"`` when flagged, with the comment in the value's ``comment``
  (an unflagged item with a comment is sent as ``"false"`` to carry the comment).
* Restricted items (``mds.RESTRICTED``) travel as the counts they are; no consultation-level
  detail ever enters an export.

Every payload also carries ``"idScheme": "code"`` (DHIS2 reads import parameters from the payload
as well as the query string; the payload wins), so a file pushed without the query parameter is
still read by code.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action
from medmissions.clinics import mds
from medmissions.clinics.aggregation import Figures
from medmissions.clinics.models import DailyReport, DailyReportVersion, Dhis2Mapping, Response, Team
from medmissions.clinics.responses import item_labels
from medmissions.core.errors import Conflict, ValidationFailed
from medmissions.organizations.access import Capability, require
from medmissions.sites.models import Site

CODE_LENGTH = 50
DEFAULT_DATA_SET = "EMT_MDS_DAILY"
CONSULTATIONS = "consultations"
# One export covers at most a year of reports: enough for any response period, bounded in size.
MAX_EXPORT_DAYS = 366
SECTIONS = ("data_elements", "category_option_combos", "org_units", "attribute_option_combos")

SEX_KEYS = {1: "male", 2: "female", 3: "pregnant"}
BAND_CODES = {
    "lt1": "LT1",
    "1_4": "1_4",
    "5_17": "5_17",
    "18_64": "18_64",
    "65p": "GE65",
    "5p_unknown": "GE5_UNKNOWN",
}
# The bucket of items 4–50 → its category option combo key (and default code).
DISAGGREGATION_CODES = {"u5": "LT5", "5p": "GE5", "total": "default"}


def cell_key(sex: int, bucket: str) -> str:
    """The category option combo key of a consultations cell, e.g. ``5_17_pregnant``."""
    return f"{bucket}_{SEX_KEYS[sex]}"


CONSULTATION_CELLS: tuple[tuple[int, str], ...] = tuple(
    (sex, bucket) for sex in mds.SEX_ITEMS for bucket in mds.buckets_for(sex)
)


# --- Defaults -----------------------------------------------------------------------------------------


def data_element_keys() -> list[str]:
    return [CONSULTATIONS, *(str(number) for number in range(4, 66))]


def category_option_combo_keys() -> list[str]:
    return [*(cell_key(sex, bucket) for sex, bucket in CONSULTATION_CELLS), *DISAGGREGATION_CODES]


def default_data_element(response: Response, key: str) -> str:
    if key == CONSULTATIONS:
        return "MDS-CONSULTATIONS"
    number = int(key)
    if number in mds.CONTEXT_SLOTS:
        return f"MDS-{number}-R{response.pk}"
    return f"MDS-{number:02d}"


def default_category_option_combo(key: str) -> str:
    if key in DISAGGREGATION_CODES:
        return DISAGGREGATION_CODES[key]
    bucket, sex = key.rsplit("_", 1)
    return f"{BAND_CODES[bucket]}_{sex.upper()}"


def default_attribute_option_combo(team: Team) -> str:
    """A code from the team's name (``Bridge Health EMT`` → ``BRIDGE_HEALTH_EMT``), or ``TEAM_<id>``
    when the name has no Latin letters or digits."""
    code = slugify(team.name).replace("-", "_").upper()[:CODE_LENGTH].strip("_")
    return code or f"TEAM_{team.pk}"


# --- Mapping layout (the page, the API) ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One mapped thing: an item, a cell, a site or a team, with its stored and default codes."""

    key: str
    label: str
    default: str  # "" for org units, which have none
    stored: str = ""

    @property
    def code(self) -> str:
        return self.stored or self.default


@dataclass
class Layout:
    """Every code of a response's mapping, stored or default, in page order."""

    response: Response
    mapping: Dhis2Mapping | None
    data_set: str
    data_elements: list[Entry]
    category_option_combos: list[Entry]
    org_units: list[Entry]
    attribute_option_combos: list[Entry]
    sites: list[Site] = field(default_factory=list)  # those the response's data come from

    def codes(self, section: str) -> dict[str, str]:
        """Key → effective code; org units only where a code is mapped."""
        return {entry.key: entry.code for entry in getattr(self, section) if entry.code}

    @property
    def unmapped_sites(self) -> list[Site]:
        mapped = self.codes("org_units")
        return [site for site in self.sites if str(site.pk) not in mapped]


def mapping_of(response: Response) -> Dhis2Mapping | None:
    return Dhis2Mapping.objects.filter(response=response).first()


def response_sites(response: Response) -> QuerySet[Site]:
    """The sites a response's data come from: its teams' sites and those of its reports."""
    return (
        Site.objects.filter(
            Q(clinic_teams__response=response)
            | Q(pk__in=DailyReport.objects.filter(team__response=response).values("site_id"))
        )
        .distinct()
        .order_by("name", "pk")
    )


def mappable_sites(response: Response) -> QuerySet[Site]:
    """The sites that may get an org unit code: those the response's data come from, and the
    coordinating organisation's own, where teams may be sent later."""
    return (
        Site.objects.filter(
            Q(pk__in=response_sites(response).values("pk"))
            | Q(host_organization_id=response.coordinating_organization_id)
        )
        .distinct()
        .order_by("name", "pk")
    )


def _item_label(number: int, labels: dict[int, str]) -> str:
    return f"{number}. {labels[number]}"


def layout(response: Response, mapping: Dhis2Mapping | None = None) -> Layout:
    """The mapping of ``response`` with every default filled in (the mapping need not exist)."""
    mapping = mapping if mapping is not None else mapping_of(response)
    stored: dict[str, dict[str, str]] = {
        section: {str(key): str(value) for key, value in (getattr(mapping, section) or {}).items()}
        if mapping
        else {}
        for section in SECTIONS
    }
    labels = item_labels(response)
    elements = [
        Entry(
            CONSULTATIONS,
            _("Consultations (items 1–3, by age band and sex or pregnancy)"),
            default_data_element(response, CONSULTATIONS),
            stored["data_elements"].get(CONSULTATIONS, ""),
        )
    ]
    for number in range(4, 66):
        elements.append(
            Entry(
                str(number),
                _item_label(number, labels),
                default_data_element(response, str(number)),
                stored["data_elements"].get(str(number), ""),
            )
        )
    combos = []
    for sex, bucket in CONSULTATION_CELLS:
        key = cell_key(sex, bucket)
        combos.append(
            Entry(
                key,
                f"{mds.BUCKET_LABELS[bucket]} · {mds.ITEMS[sex].label}",
                default_category_option_combo(key),
                stored["category_option_combos"].get(key, ""),
            )
        )
    bucket_labels = {
        "u5": _("Under 5 (items 4–32)"),
        "5p": _("5 and over (items 4–35)"),
        "total": _("Total (items 36–50) and the issues 51–65: DHIS2's default combination"),
    }
    for key, label in bucket_labels.items():
        combos.append(
            Entry(
                key, label, default_category_option_combo(key), stored["category_option_combos"].get(key, "")
            )
        )
    sites = list(mappable_sites(response))
    used = set(response_sites(response).values_list("pk", flat=True))
    org_units = [
        Entry(str(site.pk), site.name, "", stored["org_units"].get(str(site.pk), "")) for site in sites
    ]
    teams = list(Team.objects.filter(response=response).order_by("name", "pk"))
    attribute_combos = [
        Entry(
            str(team.pk),
            team.name,
            default_attribute_option_combo(team),
            stored["attribute_option_combos"].get(str(team.pk), ""),
        )
        for team in teams
    ]
    return Layout(
        response=response,
        mapping=mapping,
        data_set=(mapping.data_set if mapping and mapping.data_set else DEFAULT_DATA_SET),
        data_elements=elements,
        category_option_combos=combos,
        org_units=org_units,
        attribute_option_combos=attribute_combos,
        sites=[site for site in sites if site.pk in used],
    )


# --- Saving the mapping ---------------------------------------------------------------------------------


def _clean_code(value: Any, path: str, errors: dict[str, str]) -> str:
    code = "" if value is None else str(value).strip()
    if len(code) > CODE_LENGTH:
        errors[path] = _("A code has at most %(count)s characters.") % {"count": CODE_LENGTH}
        return ""
    return code


def _clean_section(section: str, raw: Any, entries: list[Entry], errors: dict[str, str]) -> dict[str, str]:
    """The codes to store for one section: those that differ from the default (a blank code or
    the default itself means "use the default", so defaults keep following team names)."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        errors[section] = _("Give the codes as a mapping of key to code.")
        return {}
    known = {entry.key: entry for entry in entries}
    cleaned: dict[str, str] = {}
    for raw_key, value in raw.items():
        key = str(raw_key)
        path = f"{section}.{key}"
        entry = known.get(key)
        if entry is None:
            errors[path] = {
                "data_elements": _("%(key)s is not an MDS data element of this mapping."),
                "category_option_combos": _("%(key)s is not a cell of the MDS daily report."),
                "org_units": _("Site %(key)s is not a site of this response."),
                "attribute_option_combos": _("Team %(key)s does not report to this response."),
            }[section] % {"key": key}
            continue
        code = _clean_code(value, path, errors)
        if code and code != entry.default:
            cleaned[key] = code
    order = {entry.key: position for position, entry in enumerate(entries)}
    return dict(sorted(cleaned.items(), key=lambda pair: order[pair[0]]))


def _duplicates(
    section: str,
    keys: list[str],
    effective: dict[str, str],
    stored: dict[str, str],
    entries: list[Entry],
    errors: dict[str, str],
) -> None:
    """Two keys of ``keys`` with the same code would merge their figures in DHIS2; the error goes
    on the code that was typed in rather than on the default it clashes with."""
    labels = {entry.key: entry.label for entry in entries}
    seen: dict[str, str] = {}
    for key in keys:
        code = effective.get(key)
        if not code:
            continue
        if code not in seen:
            seen[code] = key
            continue
        target, other = (seen[code], key) if seen[code] in stored and key not in stored else (key, seen[code])
        errors[f"{section}.{target}"] = _("%(code)s is already the code of %(other)s.") % {
            "code": code,
            "other": labels.get(other, other),
        }


def clean_mapping(response: Response, data: dict[str, Any]) -> tuple[str, dict[str, dict[str, str]]]:
    """The data set code and the codes to store, from ``data`` (the four sections as key → code;
    a section left out is reset to its defaults). Raises ValidationFailed naming every bad code as
    ``<section>.<key>``."""
    current = layout(response)
    errors: dict[str, str] = {}
    data_set = _clean_code(data.get("data_set"), "data_set", errors) or DEFAULT_DATA_SET
    stored = {
        section: _clean_section(section, data.get(section), getattr(current, section), errors)
        for section in SECTIONS
    }
    effective = {
        section: {
            entry.key: stored[section].get(entry.key) or entry.default for entry in getattr(current, section)
        }
        for section in SECTIONS
    }
    cells = [cell_key(sex, bucket) for sex, bucket in CONSULTATION_CELLS]
    for section, keys in (
        ("data_elements", data_element_keys()),
        ("category_option_combos", cells),
        ("category_option_combos", ["u5", "5p"]),
        ("attribute_option_combos", [entry.key for entry in current.attribute_option_combos]),
    ):
        _duplicates(section, keys, effective[section], stored[section], getattr(current, section), errors)
    if errors:
        raise ValidationFailed(
            _("The DHIS2 codes were not saved: %(problem)s") % {"problem": next(iter(errors.values()))},
            code="invalid_mapping",
            fields=errors,
        )
    return data_set, stored


@transaction.atomic
def save_dhis2_mapping(response: Response, actor: User, data: dict[str, Any]) -> Dhis2Mapping:
    """Save the response's DHIS2 codes (coordinators and admins of the coordinating organisation).

    ``data``: ``data_set`` and the sections ``data_elements``, ``category_option_combos``,
    ``org_units`` and ``attribute_option_combos``, each key → code. Codes have 1–50 characters;
    a blank one falls back to the default, and codes equal to the default are not stored.
    """
    require(actor, response.coordinating_organization_id, Capability.COORDINATE_RESPONSES)
    # Lock the response so two first saves cannot both create its (one-to-one) mapping.
    response = (
        Response.objects.select_for_update().select_related("coordinating_organization").get(pk=response.pk)
    )
    data_set, stored = clean_mapping(response, data)
    mapping = mapping_of(response) or Dhis2Mapping(response=response)
    before = {"data_set": mapping.data_set, **{section: getattr(mapping, section) for section in SECTIONS}}
    created = mapping.pk is None
    mapping.data_set = data_set
    for section in SECTIONS:
        setattr(mapping, section, stored[section])
    mapping.updated_by = actor
    if created:
        mapping.save()
    else:
        mapping.save(update_fields=["data_set", *SECTIONS, "updated_by", "updated_at"])
    after = {"data_set": data_set, **stored}
    log_action(
        "clinics.dhis2_mapping.saved",
        actor=actor,
        organization=response.coordinating_organization,
        obj=mapping,
        before=None if created else before,
        after=after,
    )
    return mapping


# --- Export --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Codes:
    """The effective codes an export uses."""

    data_set: str
    data_elements: dict[str, str]
    category_option_combos: dict[str, str]
    org_units: dict[str, str]
    attribute_option_combos: dict[str, str]

    @classmethod
    def of(cls, current: Layout) -> Codes:
        return cls(current.data_set, *(current.codes(section) for section in SECTIONS))


def _unmapped(codes: Codes, sites: list[Site]) -> None:
    """Refuse to export figures of sites without an org unit code, naming every one of them."""
    missing = {site.pk: site for site in sites if str(site.pk) not in codes.org_units}
    if not missing:
        return
    fields = {
        f"org_units.{site.pk}": _("Map %(site)s to an org unit code.") % {"site": site.name}
        for site in missing.values()
    }
    raise ValidationFailed(
        _("Map these sites to DHIS2 org unit codes before exporting: %(sites)s.")
        % {"sites": ", ".join(site.name for site in missing.values())},
        code="unmapped_sites",
        fields=fields,
    )


def _value(data_element: str, combo: str, value: str, comment: str = "") -> dict[str, str]:
    row = {"dataElement": data_element, "categoryOptionCombo": combo, "value": value}
    if comment:
        row["comment"] = comment
    return row


def data_values(figures: Figures, issues: dict[str, Any], codes: Codes) -> list[dict[str, str]]:
    """The values of one daily report: non-zero counts as strings, and the issues 51–65 flagged or
    commented. Only aggregate counts: nothing here can name a consultation."""
    elements, combos = codes.data_elements, codes.category_option_combos
    rows = []
    for sex, bucket in CONSULTATION_CELLS:
        count = figures.cell(sex, bucket)
        if count:
            rows.append(_value(elements[CONSULTATIONS], combos[cell_key(sex, bucket)], str(count)))
    for number in mds.TICK_ITEMS:
        for bucket in mds.buckets_for(number):
            count = figures.cell(number, bucket)
            if count:
                rows.append(_value(elements[str(number)], combos[bucket], str(count)))
    for number in mds.ISSUE_ITEMS:
        issue = (issues or {}).get(str(number)) or {}
        flagged = bool(issue.get("flagged"))
        comment = str(issue.get("comment") or "")
        if flagged or comment:
            rows.append(
                _value(elements[str(number)], combos["total"], "true" if flagged else "false", comment)
            )
    return rows


def period(date: datetime.date) -> str:
    """A DHIS2 daily period, ``yyyyMMdd``."""
    return date.strftime("%Y%m%d")


def _version(report: DailyReport, number: int | None) -> DailyReportVersion:
    if number is None:
        if report.current_version is None:
            raise Conflict(
                _("This daily report is not submitted yet: only submitted reports go to DHIS2."),
                code="not_submitted",
            )
        return report.current_version
    version = report.versions.filter(number=number).first()
    if version is None:
        message = _("This daily report has no version %(number)s.") % {"number": number}
        raise ValidationFailed(message, code="no_such_version", fields={"version": message})
    return version


def report_data_value_set(report: DailyReport, *, version: int | None = None) -> dict[str, Any]:
    """One submitted daily report (its official version, or version ``version``) as a DHIS2
    data value set in the one-form shape: data set, completion date, period, org unit and
    attribute option combo once, then the values."""
    chosen = _version(report, version)
    team = report.team
    if team.response is None:
        raise ValidationFailed(
            _("This team reports to no response: DHIS2 codes are mapped per response."),
            code="no_response",
        )
    codes = Codes.of(layout(team.response))
    _unmapped(codes, [report.site])
    figures = Figures.from_cells(chosen.consultations, chosen.cells)
    return {
        "idScheme": "code",
        "dataSet": codes.data_set,
        "completeDate": timezone.localtime(chosen.submitted_at).date().isoformat(),
        "period": period(report.date),
        "orgUnit": codes.org_units[str(report.site_id)],
        "attributeOptionCombo": codes.attribute_option_combos[str(team.pk)],
        "dataValues": data_values(figures, chosen.issues, codes),
    }


def default_period(
    response: Response, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """This month up to today (where the response is), within the response's dates: what a
    monthly DHIS2 sync sends."""
    from medmissions.clinics.responses import response_today

    today = today or response_today(response)
    end = min(today, response.ends_on) if response.ends_on else today
    start = max(response.starts_on, end.replace(day=1)) if response.starts_on <= end else end
    return start, end


def clean_range(
    response: Response, start: Any = None, end: Any = None, *, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """The dates of a response export (``YYYY-MM-DD``, at most a year apart). Without ``end`` it
    ends today (or on the response's last day); without ``start`` it starts on the first of the
    end's month (or on the response's first day)."""
    errors: dict[str, str] = {}
    dates: dict[str, datetime.date] = {}
    for name, value in (("start", start), ("end", end)):
        if value in (None, ""):
            continue
        if isinstance(value, datetime.date):
            dates[name] = value
            continue
        try:
            dates[name] = datetime.date.fromisoformat(str(value))
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), code="invalid_period", fields=errors)
    default_end = default_period(response, today)[1]
    if "end" not in dates:
        dates["end"] = default_end
    if "start" not in dates:
        dates["start"] = max(response.starts_on, dates["end"].replace(day=1))
        dates["start"] = min(dates["start"], dates["end"])
    if dates["end"] < dates["start"]:
        errors["end"] = _("The end comes before the start.")
    elif (dates["end"] - dates["start"]).days >= MAX_EXPORT_DAYS:
        errors["end"] = _("Export at most %(count)s days at a time.") % {"count": MAX_EXPORT_DAYS}
    if errors:
        raise ValidationFailed(next(iter(errors.values())), code="invalid_period", fields=errors)
    return dates["start"], dates["end"]


def response_data_value_set(response: Response, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """Every submitted daily report of the response from ``start`` to ``end`` in the bulk shape
    (period, org unit and attribute option combo on every value), from the official versions'
    stored figures: one query for all of them."""
    codes = Codes.of(layout(response))
    reports = list(
        DailyReport.objects.filter(team__response=response, date__gte=start, date__lte=end)
        .exclude(current_version=None)
        .select_related("current_version", "site", "team")
        .order_by("date", "site__name", "team__name", "pk")
    )
    _unmapped(codes, list({report.site_id: report.site for report in reports}.values()))
    rows = []
    for report in reports:
        version = report.current_version
        assert version is not None  # excluded above
        common = {
            "period": period(report.date),
            "orgUnit": codes.org_units[str(report.site_id)],
            "attributeOptionCombo": codes.attribute_option_combos[str(report.team_id)],
        }
        figures = Figures.from_cells(version.consultations, version.cells)
        for value in data_values(figures, version.issues, codes):
            rows.append({"dataElement": value.pop("dataElement"), **common, **value})
    return {"idScheme": "code", "dataValues": rows}


def push_command(base_url: str = "https://dhis2.example.org", file_name: str = "mds.dhis2.json") -> str:
    """The curl command that validates an export against a DHIS2 server without saving it
    (``dryRun=true``; drop it to import)."""
    return (
        'curl -H "Authorization: ApiToken $DHIS2_TOKEN" -H "Content-Type: application/json" '
        f"--data-binary @{file_name} "
        f'"{base_url}/api/dataValueSets?idScheme=code&dryRun=true"'
    )
