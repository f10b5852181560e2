"""API: DHIS2 data value sets of a daily report and of a response over a period, a response's
DHIS2 codes (read, replace), and a referral's FHIR R4 bundle. ROUTES lists (prefix, router, tags)
for medmissions/api.py.

Endpoints call clinics/dhis2.py and clinics/fhir.py, as the pages do, and load objects through
clinics/access.py: what one may not see answers 404. A report's data value set is for whoever
sees the report; a response's, and its codes, for members of the coordinating organisation, whose
coordinators and admins alone change the codes (others 403). The data value sets are exactly what
``POST /api/dataValueSets?idScheme=code`` on a DHIS2 server takes (values are strings; fields
that do not apply are left out, never null).
"""

import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from medmissions.clinics import dhis2, fhir
from medmissions.clinics.access import (
    get_coordinated_response_or_404,
    get_referral_or_404,
    get_report_or_404,
)
from medmissions.core.errors import ValidationFailed

router = Router()


class DataValueOut(Schema):
    dataElement: str = Field(..., description="Data element code")
    period: str | None = Field(None, description="yyyyMMdd (bulk layout only)")
    orgUnit: str | None = Field(None, description="Org unit code (bulk layout only)")
    categoryOptionCombo: str = Field(..., description="Category option combo code")
    attributeOptionCombo: str | None = Field(None, description="The team's code (bulk layout only)")
    value: str = Field(..., description="A count, or true/false for the issues 51–65")
    comment: str | None = Field(None, description="The comment of an issue 51–65")


class DataValueSetOut(Schema):
    idScheme: str = Field(..., description="Always code: every identifier is a DHIS2 code")
    dataSet: str | None = Field(None, description="Data set code (one report only)")
    completeDate: str | None = Field(
        None, description="yyyy-MM-dd the report was submitted (one report only)"
    )
    period: str | None = Field(None, description="yyyyMMdd (one report only)")
    orgUnit: str | None = Field(None, description="Org unit code of the report's site (one report only)")
    attributeOptionCombo: str | None = Field(None, description="The team's code (one report only)")
    dataValues: list[DataValueOut]


class EntryOut(Schema):
    key: str = Field(..., description="Item number, cell, site id or team id")
    label: str
    code: str = Field(..., description="The code exports use: the one saved, else the default")
    default: str = Field(..., description="Empty for sites, which have no default")
    saved: bool = Field(..., description="True when a code other than the default is saved")


class SiteRef(Schema):
    id: int
    name: str


class MappingOut(Schema):
    response: int
    data_set: str
    data_elements: list[EntryOut]
    category_option_combos: list[EntryOut]
    org_units: list[EntryOut]
    attribute_option_combos: list[EntryOut]
    unmapped_sites: list[SiteRef] = Field(..., description="Sites whose figures cannot be exported yet")
    updated_at: datetime.datetime | None
    updated_by: str | None
    push_command: str = Field(..., description="How to check an export against a DHIS2 server (dryRun)")


class MappingIn(Schema):
    data_set: str = Field("", max_length=dhis2.CODE_LENGTH, description="Blank: EMT_MDS_DAILY")
    data_elements: dict[str, str] = Field(
        default_factory=dict, description='Item → code, e.g. {"consultations": "…", "9": "…"}'
    )
    category_option_combos: dict[str, str] = Field(
        default_factory=dict, description='Cell → code, e.g. {"lt1_male": "…", "u5": "…", "total": "…"}'
    )
    org_units: dict[str, str] = Field(default_factory=dict, description="Site id → org unit code")
    attribute_option_combos: dict[str, str] = Field(default_factory=dict, description="Team id → code")


def _entries(entries: list[dhis2.Entry]) -> list[dict[str, Any]]:
    return [
        {
            "key": entry.key,
            "label": entry.label,
            "code": entry.code,
            "default": entry.default,
            "saved": bool(entry.stored),
        }
        for entry in entries
    ]


def _mapping_out(layout: dhis2.Layout) -> dict[str, Any]:
    mapping = layout.mapping
    return {
        "response": layout.response.pk,
        "data_set": layout.data_set,
        **{section: _entries(getattr(layout, section)) for section in dhis2.SECTIONS},
        "unmapped_sites": [{"id": site.pk, "name": site.name} for site in layout.unmapped_sites],
        "updated_at": mapping.updated_at if mapping else None,
        "updated_by": mapping.updated_by.full_name if mapping and mapping.updated_by else None,
        "push_command": dhis2.push_command(),
    }


@router.get(
    "/reports/{report_id}/dhis2",
    response=DataValueSetOut,
    exclude_none=True,
    summary="A submitted daily report as a DHIS2 data value set (its official version, or ?version=n)",
)
def report_dhis2(request, report_id: int, version: int | None = None):
    report = get_report_or_404(request.user, report_id)
    if version is not None and version < 1:
        message = _("The version is a number, 1 or more.")
        raise ValidationFailed(message, code="invalid_version", fields={"version": message})
    return dhis2.report_data_value_set(report, version=version)


@router.get(
    "/responses/{response_id}/dhis2",
    response=DataValueSetOut,
    exclude_none=True,
    summary="A response's submitted daily reports from start to end, DHIS2 bulk layout (coordinating organisation)",
    description="Without `end` the period ends today (or on the response's last day); without `start` it "
    "starts on the first of the end's month (or on the response's first day). At most 366 days.",
)
def response_dhis2(
    request, response_id: int, start: datetime.date | None = None, end: datetime.date | None = None
):
    response = get_coordinated_response_or_404(request.user, response_id)
    start, end = dhis2.clean_range(response, start, end)
    return dhis2.response_data_value_set(response, start, end)


@router.get(
    "/responses/{response_id}/dhis2-mapping",
    response=MappingOut,
    summary="A response's DHIS2 codes, saved or default (members of the coordinating organisation)",
)
def get_mapping(request, response_id: int):
    response = get_coordinated_response_or_404(request.user, response_id)
    return _mapping_out(dhis2.layout(response))


@router.put(
    "/responses/{response_id}/dhis2-mapping",
    response=MappingOut,
    summary="Replace a response's DHIS2 codes; a code left out or blank takes its default (coordinators and admins)",
)
def put_mapping(request, response_id: int, payload: MappingIn):
    response = get_coordinated_response_or_404(request.user, response_id)
    mapping = dhis2.save_dhis2_mapping(response, request.user, payload.dict())
    return _mapping_out(dhis2.layout(response, mapping))


@router.get(
    "/referrals/{referral_id}/fhir",
    response=dict[str, Any],
    summary="A referral as a FHIR R4 Bundle (collection): Patient without name, Encounter, Conditions, Procedures, Observations",
)
def referral_fhir(request, referral_id: int):
    referral = get_referral_or_404(request.user, referral_id)
    return fhir.referral_bundle(referral, request.user)


ROUTES = [("/clinics/interop", router, ["Clinics: DHIS2 and FHIR"])]
