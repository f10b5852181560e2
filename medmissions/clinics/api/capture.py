"""API of the capture area: consultations recorded one at a time or in batches (offline devices
re-send safely: each consultation carries its client id and is recorded once), listed, read,
corrected and deleted. ROUTES lists (prefix, router, tags) for medmissions/api.py.

Endpoints call clinics/capture.py, as the pages do, and load consultations through
clinics/access.py: one the caller may not see answers 404, a role too low 403. Team, report and
site ids in payloads and filters are resolved through what the caller may see; an unknown or
invisible one is a 400 naming the field. Restricted items (mds.RESTRICTED) are left out of
``items`` for callers who may not see them (``restricted_visible`` is false); ``restricted_items``
always counts the restricted items ticked.
"""

import datetime
import json
import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.clinics import capture, mds
from medmissions.clinics.access import TeamAccess, get_consultation_or_404
from medmissions.clinics.choices import ConsultationSource
from medmissions.clinics.models import Consultation, DailyReport, Team
from medmissions.core.errors import ValidationFailed
from medmissions.lib.pagination import MappedQuerySet

router = Router()


# Schemas ----------------------------------------------------------------------------------------


class ConsultationFields(Schema):
    """One consultation as a device sends it (emt-mds.md §2, §3)."""

    client_id: uuid.UUID | None = Field(
        None,
        description="UUID made by the device; a consultation whose client id is already recorded is not recorded again",
    )
    site: int = Field(..., description="Id of one of the team's sites")
    date: datetime.date = Field(..., description="Date of activity, YYYY-MM-DD (not in the future)")
    age_group: int | None = Field(
        None, description="1 <1, 2 1–4, 3 5–17, 4 18–64, 5 ≥65; or give age and age_unit instead"
    )
    age: int | None = Field(None, description="Age, with age_unit; the age group follows from it")
    age_unit: str | None = Field(None, description="M (months) or Y (years)")
    sex: int | None = Field(None, description="1 male, 2 female not pregnant, 3 female pregnant")
    items: list[int] = Field([], description="MDS items 4–50 ticked")
    reference: str = Field("", description="The team's consultation number (eDATA ID); empty to number it")
    patient_reference: str = Field("", description="Optional pseudonym for follow-up; never a name")
    note: str = ""


class ConsultationIn(ConsultationFields):
    team: int = Field(..., description="Id of the clinic team")


class BatchIn(Schema):
    team: int = Field(..., description="Id of the clinic team")
    consultations: list[ConsultationFields] = Field(
        ..., description=f"At most {capture.MAX_BATCH}; all are recorded or none"
    )


class ConsultationChange(Schema):
    age_group: int | None = Field(None, description="1–5; setting it without an age clears the age")
    age: int | None = None
    age_unit: str | None = Field(None, description="M or Y")
    sex: int | None = None
    items: list[int] | None = Field(
        None,
        description="All items 4–50 ticked. Restricted items the caller may not see stay as they are.",
    )
    patient_reference: str | None = None
    note: str | None = None


class ConsultationOut(Schema):
    id: int
    client_id: str
    team: int
    report: int = Field(..., description="Id of the daily report of the site and day")
    report_status: str = Field(..., description="open, submitted or correcting")
    site: int
    date: datetime.date
    reference: str
    patient_reference: str
    age_group: int = Field(..., description="1–5 (0: legacy import, 5 and over with the band unknown)")
    age: int | None
    age_unit: str
    sex: int
    items: list[int] = Field(
        ..., description="Items 4–50 ticked, without restricted ones unless restricted_visible"
    )
    restricted_items: int = Field(..., description="How many restricted items are ticked")
    restricted_visible: bool = Field(..., description="Whether items lists the restricted items")
    note: str
    source: str = Field(..., description="capture, api or import")
    recorded_by: str | None
    recorded_at: datetime.datetime


class RecordedOut(ConsultationOut):
    warnings: list[str]


class BatchResultOut(Schema):
    client_id: str
    status: str = Field(..., description="created or already_recorded")
    id: int
    reference: str
    warnings: list[str]


class BatchOut(Schema):
    created: int
    already_recorded: int
    results: list[BatchResultOut]


class ConsultationFilters(Schema):
    report: int | None = Field(None, description="Id of a daily report")
    team: int | None = Field(None, description="Id of a clinic team")
    site: int | None = Field(None, description="Id of a site")
    date: datetime.date | None = Field(None, description="Date of activity")


# Helpers ----------------------------------------------------------------------------------------


def _invalid(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={name: message})


def _team(user: Any, pk: int, name: str = "team") -> Team:
    team = (
        Team.objects.visible_to(user)
        .filter(pk=pk)
        .select_related("response", "mission__partnership", "lead")
        .first()
    )
    if team is None:
        raise _invalid(name, _("Team %(id)s does not exist.") % {"id": pk})
    return team


def _out(consultation: Consultation, access: TeamAccess) -> dict[str, Any]:
    ticked = consultation.ticked()
    restricted = [number for number in ticked if number in mds.RESTRICTED]
    visible = access.can_see_restricted
    report = consultation.report
    return {
        "id": consultation.pk,
        "client_id": str(consultation.client_id),
        "team": consultation.team_id,
        "report": report.pk,
        "report_status": report.status,
        "site": report.site_id,
        "date": report.date,
        "reference": consultation.reference,
        "patient_reference": consultation.patient_reference,
        "age_group": consultation.age_group,
        "age": consultation.age_value,
        "age_unit": consultation.age_unit,
        "sex": consultation.sex,
        "items": ticked if visible else [number for number in ticked if number not in mds.RESTRICTED],
        "restricted_items": len(restricted),
        "restricted_visible": visible,
        "note": consultation.note,
        "source": consultation.source,
        "recorded_by": consultation.recorded_by.full_name if consultation.recorded_by else None,
        "recorded_at": consultation.recorded_at,
    }


def _reload(pk: int) -> Consultation:
    return Consultation.objects.select_related(
        "report", "recorded_by", "team__response", "team__mission__partnership"
    ).get(pk=pk)


class ConsultationPage(MappedQuerySet):
    """Consultations shown to one caller: whether restricted items are named is decided once per team."""

    def __init__(self, queryset: QuerySet[Consultation], user: Any):
        self.accesses: dict[int, TeamAccess] = {}
        self.user = user
        super().__init__(queryset, self._row)

    def _row(self, consultation: Consultation) -> dict[str, Any]:
        access = self.accesses.get(consultation.team_id)
        if access is None:
            access = self.accesses[consultation.team_id] = TeamAccess.of(self.user, consultation.team)
        return _out(consultation, access)


# Endpoints --------------------------------------------------------------------------------------


@router.get(
    "",
    response=list[ConsultationOut],
    summary="Consultations of the teams you work with, by daily report, or by team, site and date",
)
@paginate(PageNumberPagination, page_size=100)
def list_consultations(request, filters: Query[ConsultationFilters]):
    queryset = Consultation.objects.visible_to(request.user)
    if filters.report is not None:
        if not DailyReport.objects.visible_to(request.user).filter(pk=filters.report).exists():
            raise _invalid("report", _("Daily report %(id)s does not exist.") % {"id": filters.report})
        queryset = queryset.filter(report_id=filters.report)
    if filters.team is not None:
        queryset = queryset.filter(team=_team(request.user, filters.team))
    if filters.site is not None:
        queryset = queryset.filter(report__site_id=filters.site)
    if filters.date is not None:
        queryset = queryset.filter(report__date=filters.date)
    queryset = queryset.select_related(
        "report", "recorded_by", "team__response", "team__mission__partnership"
    ).order_by("report__date", "report__site_id", "recorded_at", "pk")
    return ConsultationPage(queryset, request.user)


@router.post(
    "",
    response={200: RecordedOut, 201: RecordedOut},
    summary="Record one consultation (201); one whose client id is already recorded answers 200 with it",
)
def record_consultation(request, payload: ConsultationIn):
    team = _team(request.user, payload.team)
    data = payload.dict(exclude={"team"})
    recorded = capture.record_consultation(team, actor=request.user, data=data, source=ConsultationSource.API)
    consultation = _reload(recorded.consultation.pk)
    body = {
        **_out(consultation, TeamAccess.of(request.user, consultation.team)),
        "warnings": recorded.warnings,
    }
    return Status(201 if recorded.created else 200, body)


@router.post(
    "/batch",
    response=BatchOut,
    summary=f"Record up to {capture.MAX_BATCH} consultations, all or none; those already recorded (by client id) are answered as such",
)
def record_batch(request, payload: BatchIn):
    team = _team(request.user, payload.team)
    result = capture.record_batch(
        team,
        actor=request.user,
        consultations=[consultation.dict() for consultation in payload.consultations],
        source=ConsultationSource.API,
    )
    return {
        "created": result.created,
        "already_recorded": len(result.results) - result.created,
        "results": [
            {
                "client_id": row["client_id"],
                "status": row["status"],
                "id": row["id"],
                "reference": row["reference"],
                "warnings": row["warnings"],
            }
            for row in result.results
        ],
    }


@router.get("/{consultation_id}", response=ConsultationOut, summary="One consultation")
def get_consultation(request, consultation_id: int):
    consultation = get_consultation_or_404(request.user, consultation_id)
    consultation = _reload(consultation.pk)
    return _out(consultation, TeamAccess.of(request.user, consultation.team))


@router.patch(
    "/{consultation_id}",
    response=RecordedOut,
    summary="Correct a consultation while its daily report is open or being corrected (its site and day stay)",
)
def update_consultation(request, consultation_id: int, payload: ConsultationChange):
    consultation = get_consultation_or_404(request.user, consultation_id)
    access = TeamAccess.of(request.user, consultation.team)
    data = payload.dict(exclude_unset=True)
    if data.get("items") is not None and not access.can_see_restricted:
        # Restricted items the caller cannot see are neither shown to them nor removed by them.
        kept = [number for number in consultation.ticked() if number in mds.RESTRICTED]
        data["items"] = sorted({*data["items"], *kept})
    elif "items" in data and data["items"] is None:
        del data["items"]
    recorded = capture.update_consultation(consultation, actor=request.user, data=data)
    consultation = _reload(recorded.consultation.pk)
    return {**_out(consultation, access), "warnings": recorded.warnings}


@router.delete(
    "/{consultation_id}",
    response={204: None},
    summary='Delete a consultation recorded by mistake from an open daily report; give the reason as {"reason": "…"} or ?reason=',
)
def delete_consultation(request, consultation_id: int, reason: str = ""):
    consultation = get_consultation_or_404(request.user, consultation_id)
    if not reason and request.body:
        try:
            body = json.loads(request.body)
        except ValueError as error:
            raise _invalid("reason", _("The body is not JSON.")) from error
        if isinstance(body, dict):
            reason = str(body.get("reason") or "")
    capture.delete_consultation(consultation, actor=request.user, reason=reason)
    return Status(204, None)


ROUTES = [("/clinics/consultations", router, ["Clinics: consultations"])]
