"""Recording consultations: one at a time from the capture page, in batches from the API (offline
devices re-send safely: each consultation carries a client-generated id, and one already recorded
is answered as such, never recorded twice), and in files (``edata.py``).

Validation follows emt-mds.md §8. Errors refuse the consultation: no or several sex codes, no age
group (given or derived from an age with its unit), pregnancy or an obstetric procedure under 5,
a consultation reference the team already used. Warnings are returned with the consultation and
counted on the daily report: no relation-to-event item or more than one, more than one outcome.

A consultation belongs to its team's daily report for its site and day, opened on first use.
Consultations are recorded and changed only while that report is open or being corrected; a
submitted report is locked. Who may record: see ``access.TeamAccess.can_capture``.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action
from medmissions.clinics import mds
from medmissions.clinics.access import TeamAccess, audit_organization
from medmissions.clinics.choices import ConsultationSource, ReportStatus
from medmissions.clinics.models import Consultation, DailyReport, ImportBatch, Team
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.sites.models import Site

MAX_BATCH = 500
NOTE_LENGTH = 1000
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
# How far back a consultation may be dated: late paper forms, never last year's mission.
MAX_AGE_DAYS = 366
CAPTURE_STATUSES = frozenset({ReportStatus.OPEN, ReportStatus.CORRECTING})


@dataclass
class CleanConsultation:
    """A validated consultation, ready to be written, and the warnings it carries."""

    site: Site
    date: datetime.date
    age_group: int
    age_value: int | None
    age_unit: str
    sex: int
    ticks: frozenset[int]
    reference: str
    patient_reference: str
    note: str
    client_id: uuid.UUID | None
    warnings: list[str] = field(default_factory=list)


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def consultation_warnings(ticks: Iterable[int]) -> list[str]:
    ticked = set(ticks)
    warnings = []
    relation = ticked & set(mds.RELATION_ITEMS)
    if len(relation) != 1:
        warnings.append(
            _("Tick exactly one relation to the event (items 44–46).")
            if not relation
            else _("More than one relation to the event is ticked (items 44–46).")
        )
    if len(ticked & set(mds.OUTCOME_ITEMS)) > 1:
        warnings.append(_("More than one outcome is ticked (items 36–43)."))
    return warnings


def clean_ticks(value: Any) -> tuple[frozenset[int], dict[str, str]]:
    """Item numbers from a list of numbers (or of ``mds_N`` names); only items 4–50 are ticks."""
    ticks = set()
    errors: dict[str, str] = {}
    for raw in value or []:
        text = str(raw).strip().removeprefix("mds_").removeprefix("MDS")
        number = _int(text)
        if number is None or number not in mds.TICK_ITEMS:
            errors["items"] = _("%(value)s is not an MDS item that can be ticked (4–50).") % {"value": raw}
            continue
        ticks.add(number)
    return frozenset(ticks), errors


def clean_day(
    team: Team,
    data: dict[str, Any],
    *,
    sites: dict[int, Site] | None = None,
    today: datetime.date | None = None,
) -> tuple[Site | None, datetime.date | None, dict[str, str]]:
    """The site (one of the team's) and date of activity (not in the future, not over a year ago)
    of ``data``, with the error of each field that is wrong."""
    from medmissions.clinics.responses import today_for

    errors: dict[str, str] = {}
    sites = sites if sites is not None else {site.pk: site for site in team.sites.all()}
    raw_site = data.get("site")
    site_id = raw_site.pk if isinstance(raw_site, Site) else _int(raw_site)
    site = sites.get(site_id) if site_id is not None else None
    if site is None:
        errors["site"] = _("Choose one of the team's sites.")
    date = data.get("date")
    if not isinstance(date, datetime.date):
        try:
            date = datetime.date.fromisoformat(str(date or ""))
        except ValueError:
            date = None
            errors["date"] = _("Enter the date of activity as YYYY-MM-DD.")
    if isinstance(date, datetime.date):
        today = today or today_for(team)
        if date > today:
            errors["date"] = _("The date of activity cannot be in the future.")
        elif (today - date).days > MAX_AGE_DAYS:
            errors["date"] = _("The date of activity is more than a year ago.")
    return site, date, errors


def clean_consultation(
    team: Team,
    data: dict[str, Any],
    *,
    sites: dict[int, Site] | None = None,
    today: datetime.date | None = None,
    allow_unknown_band: bool = False,
) -> CleanConsultation:
    """Validate one consultation for ``team`` (raises ValidationFailed with every field's error).

    ``data``: ``site`` (Site or id), ``date``, ``age_group`` or ``age`` + ``age_unit``, ``sex``
    (1–3), ``items`` (ticked numbers 4–50), optional ``reference``, ``patient_reference``, ``note``
    and ``client_id``.
    """
    site, date, errors = clean_day(team, data, sites=sites, today=today)
    age_value = _int(data.get("age"))
    age_unit = str(data.get("age_unit") or "").strip().upper()
    age_group = _int(data.get("age_group"))
    valid_groups = (0, 1, 2, 3, 4, 5) if allow_unknown_band else (1, 2, 3, 4, 5)
    if age_group is not None and age_group not in valid_groups:
        errors["age_group"] = _("The age group is 1 (<1), 2 (1–4), 3 (5–17), 4 (18–64) or 5 (≥65).")
    elif age_value is not None or age_unit:
        derived = mds.age_group_for(age_value, age_unit)
        if derived is None:
            errors["age"] = _("Enter the age as a number of months (M) or years (Y).")
        elif age_group is None:
            age_group = derived
        elif derived != age_group and age_group != 0:
            errors["age"] = _("The age given is not in the age group chosen.")
    if age_group is None and "age_group" not in errors and "age" not in errors:
        errors["age_group"] = _("Choose one age group, or give the age with its unit.")
    sex = _int(data.get("sex"))
    if sex not in mds.SEX_ITEMS:
        errors["sex"] = _("Choose exactly one of male, female, or female and pregnant (items 1–3).")
    ticks, tick_errors = clean_ticks(data.get("items"))
    errors.update(tick_errors)
    under_five = age_group in mds.UNDER_FIVE_GROUPS
    if under_five and sex == 3:
        errors["sex"] = _(
            "Pregnancy cannot be recorded for a child under 5: the daily report has no cell for it."
        )
    if under_five and ticks & set(mds.OBSTETRIC_PROCEDURES):
        errors["items"] = _(
            "Deliveries and obstetric procedures (items 33–35) are recorded for patients of 5 and over only."
        )
    reference = str(data.get("reference") or "").strip()
    if reference and not REFERENCE_PATTERN.match(reference):
        errors["reference"] = _(
            "A consultation reference has up to 40 letters, digits and . _ / - characters."
        )
    patient_reference = str(data.get("patient_reference") or "").strip()
    if patient_reference and not REFERENCE_PATTERN.match(patient_reference):
        errors["patient_reference"] = _(
            "A patient reference is a pseudonym of up to 40 letters, digits and . _ / - characters, never a name."
        )
    note = str(data.get("note") or "").strip()
    if len(note) > NOTE_LENGTH:
        errors["note"] = _("At most %(count)s characters.") % {"count": NOTE_LENGTH}
    client_id = data.get("client_id")
    if client_id not in (None, "") and not isinstance(client_id, uuid.UUID):
        try:
            client_id = uuid.UUID(str(client_id))
        except ValueError:
            errors["client_id"] = _("The client id is a UUID generated by the device.")
    if errors:
        raise ValidationFailed(
            _("The consultation was not recorded: %(problem)s") % {"problem": next(iter(errors.values()))},
            code="invalid_consultation",
            fields=errors,
        )
    assert site is not None and isinstance(date, datetime.date) and age_group is not None and sex is not None
    return CleanConsultation(
        site=site,
        date=date,
        age_group=age_group,
        age_value=age_value,
        age_unit=age_unit if age_value is not None else "",
        sex=sex,
        ticks=ticks,
        reference=reference,
        patient_reference=patient_reference,
        note=note,
        client_id=client_id or None,
        warnings=consultation_warnings(ticks),
    )


def _require_capture(team: Team, actor: User) -> None:
    if not TeamAccess.of(actor, team).can_capture:
        raise NotAllowed(_("Only the team and its organisations' members record consultations."))


def open_report(team: Team, site: Site, date: datetime.date) -> DailyReport:
    """The team's daily report for ``site`` and ``date``, opened if needed, locked for the caller's
    transaction (capture numbers consultations under this lock)."""
    report, _created = DailyReport.objects.get_or_create(team=team, site=site, date=date)
    return DailyReport.objects.select_for_update().get(pk=report.pk)


def _require_open(report: DailyReport) -> None:
    if report.status not in CAPTURE_STATUSES:
        raise Conflict(
            _(
                "The daily report of %(site)s for %(date)s is submitted and locked. "
                "Its team lead or coordinator can start a correction to change it."
            )
            % {"site": report.site.name, "date": report.date.isoformat()},
            code="report_locked",
        )


def _reference_prefix(report: DailyReport) -> str:
    return f"S{report.site_id}-{report.date:%y%m%d}-"


def existing_references(report: DailyReport) -> set[str]:
    """The team's consultation references already numbered for this report's site and day."""
    return set(
        # No ordering: the model's default one would join the reports for nothing.
        Consultation.objects.filter(team_id=report.team_id, reference__startswith=_reference_prefix(report))
        .order_by()
        .values_list("reference", flat=True)
    )


def next_reference(report: DailyReport, taken: set[str] | None = None) -> str:
    """The next free consultation number of a report: ``S<site>-<yymmdd>-<n>``. The caller holds
    the report's lock, so two clerks never draw the same number; a batch passes the references it
    has drawn so far in ``taken`` (loaded once with :func:`existing_references`)."""
    prefix = _reference_prefix(report)
    taken = existing_references(report) if taken is None else taken
    number = len(taken) + 1
    while f"{prefix}{number:03d}" in taken:
        number += 1
    return f"{prefix}{number:03d}"


def _build(
    team: Team,
    report: DailyReport,
    clean: CleanConsultation,
    *,
    actor: User,
    source: str,
    batch: ImportBatch | None,
    reference: str,
) -> Consultation:
    consultation = Consultation(
        team=team,
        report=report,
        reference=reference,
        patient_reference=clean.patient_reference,
        age_group=clean.age_group,
        age_value=clean.age_value,
        age_unit=clean.age_unit,
        sex=clean.sex,
        note=clean.note,
        source=source,
        import_batch=batch,
        recorded_by=actor,
    )
    if clean.client_id is not None:
        consultation.client_id = clean.client_id
    for number in clean.ticks:
        setattr(consultation, f"mds_{number}", True)
    return consultation


def _duplicate_reference(reference: str) -> ValidationFailed:
    message = _("The consultation reference %(reference)s is already used by this team (a duplicate).") % {
        "reference": reference
    }
    return ValidationFailed(message, code="duplicate_reference", fields={"reference": message})


@dataclass
class Recorded:
    consultation: Consultation
    created: bool
    warnings: list[str]


@transaction.atomic
def record_consultation(
    team: Team, *, actor: User, data: dict[str, Any], source: str = ConsultationSource.CAPTURE
) -> Recorded:
    """Record one consultation (or answer the one already recorded with the same client id)."""
    _require_capture(team, actor)
    clean = clean_consultation(team, data)
    if clean.client_id is not None:
        existing = Consultation.objects.filter(client_id=clean.client_id).first()
        if existing is not None:
            if existing.team_id != team.pk:
                raise ValidationFailed(
                    _("This client id belongs to another team's consultation."),
                    code="client_id_taken",
                    fields={"client_id": _("Already used.")},
                )
            return Recorded(existing, False, consultation_warnings(existing.ticked()))
    report = open_report(team, clean.site, clean.date)
    _require_open(report)
    reference = clean.reference or next_reference(report)
    if Consultation.objects.filter(team=team, reference=reference).exists():
        raise _duplicate_reference(reference)
    consultation = _build(team, report, clean, actor=actor, source=source, batch=None, reference=reference)
    try:
        with transaction.atomic():
            consultation.save()
    except IntegrityError as error:
        raise _duplicate_reference(reference) from error
    log_action(
        "clinics.consultation.recorded",
        actor=actor,
        organization=audit_organization(team),
        obj=consultation,
        data={"team": team.pk, "report": report.pk, "reference": reference, "source": source},
    )
    return Recorded(consultation, True, clean.warnings)


@dataclass
class BatchResult:
    """Per consultation of a batch, in order: ``created`` or ``already_recorded``, with its id,
    reference and warnings."""

    results: list[dict[str, Any]]

    @property
    def created(self) -> int:
        return sum(1 for result in self.results if result["status"] == "created")


@transaction.atomic
def record_batch(
    team: Team,
    *,
    actor: User,
    consultations: list[dict[str, Any]],
    source: str = ConsultationSource.API,
    batch: ImportBatch | None = None,
    allow_unknown_band: bool = False,
) -> BatchResult:
    """Record many consultations at once, all or none: every one is validated first, and one error
    refuses the whole batch (``fields`` names each by its position, ``0.sex``). Consultations whose
    client id is already recorded for this team are answered as such and not recorded again."""
    _require_capture(team, actor)
    if not consultations:
        raise ValidationFailed(_("The batch is empty."), code="empty_batch")
    if len(consultations) > MAX_BATCH:
        raise ValidationFailed(
            _("Send at most %(count)s consultations per batch.") % {"count": MAX_BATCH},
            code="batch_too_large",
        )
    from medmissions.clinics.responses import today_for

    sites = {site.pk: site for site in team.sites.all()}
    today = today_for(team)
    cleaned: list[CleanConsultation] = []
    errors: dict[str, str] = {}
    for position, data in enumerate(consultations):
        try:
            cleaned.append(
                clean_consultation(
                    team, data, sites=sites, today=today, allow_unknown_band=allow_unknown_band
                )
            )
        except ValidationFailed as error:
            for name, message in error.fields.items():
                errors[f"{position}.{name}"] = message
    client_ids = [clean.client_id for clean in cleaned if clean.client_id is not None]
    if len(client_ids) != len(set(client_ids)):
        errors["client_id"] = _("Two consultations of the batch have the same client id.")
    given = [clean.reference for clean in cleaned if clean.reference]
    repeated = {reference for reference in given if given.count(reference) > 1}
    if repeated:
        errors["reference"] = _(
            "The batch uses the consultation reference %(reference)s twice (a duplicate)."
        ) % {"reference": sorted(repeated)[0]}
    if errors:
        first = next(iter(errors.items()))
        raise ValidationFailed(
            _("Nothing was recorded: consultation %(position)s — %(problem)s")
            % {"position": first[0].split(".")[0], "problem": first[1]},
            code="invalid_batch",
            fields=errors,
        )
    known = {
        row["client_id"]: row
        for row in Consultation.objects.filter(client_id__in=client_ids).values(
            "client_id", "team_id", "pk", "reference"
        )
    }
    foreign = [str(client_id) for client_id, row in known.items() if row["team_id"] != team.pk]
    if foreign:
        raise ValidationFailed(
            _("Nothing was recorded: the client id %(id)s belongs to another team's consultation.")
            % {"id": foreign[0]},
            code="client_id_taken",
        )
    taken_references = set(
        Consultation.objects.filter(team=team, reference__in=given)
        .exclude(client_id__in=list(known))
        .values_list("reference", flat=True)
    )
    if taken_references:
        raise _duplicate_reference(sorted(taken_references)[0])
    reports: dict[tuple[int, datetime.date], DailyReport] = {}
    for key in sorted({(clean.site.pk, clean.date) for clean in cleaned if clean.client_id not in known}):
        report = open_report(team, sites[key[0]], key[1])
        _require_open(report)
        reports[key] = report
    new: list[Consultation] = []
    results: list[dict[str, Any]] = []
    drawn: dict[int, set[str]] = {}
    for clean in cleaned:
        if clean.client_id in known:
            row = known[clean.client_id]
            results.append(
                {
                    "status": "already_recorded",
                    "id": row["pk"],
                    "reference": row["reference"],
                    "client_id": str(clean.client_id),
                    "warnings": [],
                }
            )
            continue
        report = reports[(clean.site.pk, clean.date)]
        reference = clean.reference
        if not reference:
            if report.pk not in drawn:
                prefix = _reference_prefix(report)
                drawn[report.pk] = existing_references(report) | {
                    given_reference for given_reference in given if given_reference.startswith(prefix)
                }
            reference = next_reference(report, drawn[report.pk])
            drawn[report.pk].add(reference)
        consultation = _build(
            team, report, clean, actor=actor, source=source, batch=batch, reference=reference
        )
        new.append(consultation)
        results.append(
            {
                "status": "created",
                "consultation": consultation,
                "reference": reference,
                "client_id": str(consultation.client_id),
                "warnings": clean.warnings,
            }
        )
    try:
        with transaction.atomic():
            Consultation.objects.bulk_create(new, batch_size=500)
    except IntegrityError as error:
        raise ValidationFailed(
            _("Nothing was recorded: a consultation reference of the batch is already used by this team."),
            code="duplicate_reference",
        ) from error
    saved = {consultation.client_id: consultation.pk for consultation in new}
    if any(pk is None for pk in saved.values()):  # SQLite before 3.35 returns no ids from bulk inserts
        saved = dict(Consultation.objects.filter(client_id__in=list(saved)).values_list("client_id", "pk"))
    for result in results:
        consultation = result.pop("consultation", None)
        if consultation is not None:
            result["id"] = saved[consultation.client_id]
    if new:
        log_action(
            "clinics.consultations.recorded",
            actor=actor,
            organization=audit_organization(team),
            obj=team,
            data={
                "team": team.pk,
                "count": len(new),
                "source": source,
                "import": batch.pk if batch else None,
            },
        )
    return BatchResult(results)


CHANGE_FIELDS = ("age_group", "age_value", "age_unit", "sex", "patient_reference", "note")


@transaction.atomic
def update_consultation(consultation: Consultation, *, actor: User, data: dict[str, Any]) -> Recorded:
    """Correct a consultation of an open (or being corrected) report; its site and day stay."""
    team = consultation.team
    _require_capture(team, actor)
    report = (
        DailyReport.objects.select_for_update(of=("self",))
        .select_related("site")
        .get(pk=consultation.report_id)
    )
    _require_open(report)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    merged = {
        "site": report.site,
        "date": report.date,
        "age_group": consultation.age_group,
        "age": consultation.age_value,
        "age_unit": consultation.age_unit,
        "sex": consultation.sex,
        "items": consultation.ticked(),
        "reference": consultation.reference,
        "patient_reference": consultation.patient_reference,
        "note": consultation.note,
    }
    if "age_group" in data and "age" not in data:
        merged["age"], merged["age_unit"] = None, ""
    merged.update(
        {
            key: value
            for key, value in data.items()
            if key in {"age_group", "age", "age_unit", "sex", "items", "patient_reference", "note"}
        }
    )
    clean = clean_consultation(
        team,
        merged,
        sites={report.site_id: report.site},
        today=max(report.date, timezone.localdate()),
        allow_unknown_band=consultation.age_group == 0,
    )
    before = {"age_group": consultation.age_group, "sex": consultation.sex, "items": consultation.ticked()}
    consultation.age_group = clean.age_group
    consultation.age_value = clean.age_value
    consultation.age_unit = clean.age_unit
    consultation.sex = clean.sex
    consultation.patient_reference = clean.patient_reference
    consultation.note = clean.note
    for number in mds.TICK_ITEMS:
        setattr(consultation, f"mds_{number}", number in clean.ticks)
    consultation.save()
    log_action(
        "clinics.consultation.corrected",
        actor=actor,
        organization=audit_organization(team),
        obj=consultation,
        before=before,
        after={"age_group": consultation.age_group, "sex": consultation.sex, "items": consultation.ticked()},
        data={"team": team.pk, "report": report.pk, "reference": consultation.reference},
    )
    return Recorded(consultation, False, clean.warnings)


@transaction.atomic
def delete_consultation(consultation: Consultation, *, actor: User, reason: str = "") -> None:
    """Remove a consultation recorded by mistake from an open report (never once referred)."""
    team = consultation.team
    _require_capture(team, actor)
    report = (
        DailyReport.objects.select_for_update(of=("self",))
        .select_related("site")
        .get(pk=consultation.report_id)
    )
    _require_open(report)
    if consultation.referrals.exists():
        raise Conflict(
            _("This consultation has a referral; cancel the referral instead of deleting the consultation."),
            code="has_referral",
        )
    reference = consultation.reference
    pk = consultation.pk
    consultation.delete()
    log_action(
        "clinics.consultation.deleted",
        actor=actor,
        organization=audit_organization(team),
        obj=team,
        data={
            "team": team.pk,
            "report": report.pk,
            "reference": reference,
            "consultation": pk,
            "reason": reason[:500],
        },
    )
