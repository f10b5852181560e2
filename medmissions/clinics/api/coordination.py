"""API of the coordination area: emergency responses (list, create, read, change, item labels,
registering a team not on medmissions, the coordination summary and the periodic report) and
clinic teams (list, open a mission's team, read, change, the periodic report). ROUTES lists
(prefix, router, tags) for medmissions/api.py.

Endpoints call clinics/responses.py, as the pages do, and load responses and teams through
clinics/access.py: what one may not see answers 404, a role too low 403. Ids in payloads are
resolved within what the caller may choose (the mission's sites, the eligible leads, the active
responses of the country); an unknown one is a 400 naming the field.
"""

import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.clinics import access, aggregation, mds, responses
from medmissions.clinics.choices import ResponseStatus
from medmissions.clinics.forms.coordination import MAX_PERIOD_DAYS
from medmissions.clinics.models import Response, Team
from medmissions.clinics.views.coordination import (
    DEFAULT_DAYS,
    Coordination,
    SiteToday,
    build_coordination,
    expected_today,
    issue_rows,
    teams_with_sites,
)
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.missions.access import MissionAccess
from medmissions.missions.models import Mission
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site

responses_router = Router()
teams_router = Router()
TEAM_MANAGERS_ONLY = gettext_lazy("Only the team lead and the mission's coordinators change the team.")


# Schemas ----------------------------------------------------------------------------------------


class LabelIO(Schema):
    item: int = Field(..., description="Item number: 19–22 (context-specific diseases) or another of 4–50")
    label: str = Field(..., max_length=responses.LABEL_LENGTH)
    icd_code: str = Field("", max_length=20, description="ICD-10 or ICD-11 code")
    active: bool = True
    effective_from: datetime.date | None = None


class TeamBrief(Schema):
    id: int
    name: str
    organization_name: str
    mission: int | None


class ResponseOut(Schema):
    id: int
    name: str
    country: str = Field(..., description="ISO 3166 alpha-2 code")
    description: str
    coordinating_organization: str = Field(..., description="Slug of the coordinating organisation")
    coordinating_organization_name: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    time_zone: str
    status: str = Field(..., description="active or closed")
    labels: list[LabelIO] = Field(..., description="The response's own item labels")
    item_labels: dict[str, str] = Field(
        ..., description="The label each context-specific item (19–22) is reported under"
    )
    teams: list[TeamBrief] = Field(..., description="Its teams you may see")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ResponseListOut(Schema):
    id: int
    name: str
    country: str
    coordinating_organization: str
    coordinating_organization_name: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    status: str
    team_count: int


class ResponseIn(Schema):
    organization: str = Field(..., description="Slug of your organisation that will coordinate it")
    name: str = Field(..., max_length=200)
    country: str = Field(..., description="ISO 3166 alpha-2 code")
    description: str = ""
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    time_zone: str = Field("UTC", description="IANA time zone where the response is, e.g. Africa/Kampala")


class ResponseFields(Schema):
    name: str | None = Field(None, max_length=200)
    country: str | None = None
    description: str | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    time_zone: str | None = None
    status: str | None = Field(None, description="active or closed")


class LabelsIn(Schema):
    labels: list[LabelIO] = Field(..., description="Every label of the response; those left out are removed")


class SiteOut(Schema):
    id: int
    name: str
    admin_level_1: str
    admin_level_2: str


class TeamOut(Schema):
    id: int
    name: str
    organization_name: str
    emt_type: str
    response: int | None
    response_name: str | None
    mission: int | None
    lead: int | None = Field(..., description="User id of the team lead")
    lead_name: str | None
    contact_name: str
    contact_phone: str
    contact_email: str
    departs_on: datetime.date | None
    working_hours: str
    sites: list[SiteOut]
    created_at: datetime.datetime


class TeamFields(Schema):
    name: str | None = Field(None, max_length=200)
    organization_name: str | None = Field(None, max_length=200)
    emt_type: str | None = Field(None, description="emt_1_mobile, emt_1_fixed, emt_2, emt_3 or specialised")
    lead: int | None = Field(None, description="User id of the team lead")
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    departs_on: datetime.date | None = None
    working_hours: str | None = None
    sites: list[int] | None = Field(None, description="Ids of the sites the team works at")


class TeamChange(TeamFields):
    response: int | None = Field(None, description="Id of an active response in the mission's country")


class MissionTeamIn(TeamChange):
    mission: int = Field(..., description="Id of the mission whose team is opened")


class ExternalTeamIn(TeamFields):
    name: str = Field(..., max_length=200)
    organization_name: str = Field(..., max_length=200)
    sites: list[int] = Field(..., description="Ids of sites hosted by the coordinating organisation")


class TeamFilters(Schema):
    response: int | None = Field(None, description="Only teams reporting to this response")
    mission: int | None = Field(None, description="Only the team of this mission")


class ResponseFilters(Schema):
    status: str | None = Field(None, description="active or closed")


class PeriodQuery(Schema):
    start: datetime.date | None = Field(
        None, description=f"First day (default: {DEFAULT_DAYS} days before end)"
    )
    end: datetime.date | None = Field(None, description="Last day (default: today)")


class TeamPeriodQuery(PeriodQuery):
    submitted_only: bool = Field(False, description="Only submitted daily reports")


# Helpers ----------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: message})


def _range(query: PeriodQuery, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    end = query.end or today
    start = query.start or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise _invalid("end", _("The end of the period cannot be before its start."))
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise _invalid("start", _("A period covers at most %(days)s days.") % {"days": MAX_PERIOD_DAYS})
    return start, end


def _own_organization(user: Any, slug: str) -> Organization:
    """One of the caller's organisations by slug; the service checks the role."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or access_for(user).role_in(organization) is None:
        raise _invalid(
            "organization", _("You are not a member of an organisation “%(slug)s”.") % {"slug": slug}
        )
    return organization


def _sites(ids: list[int] | None, allowed: Any) -> list[Site] | None:
    """Sites by id, each of them one the team may work at (else a 400 naming the id)."""
    if ids is None:
        return None
    found = {site.pk: site for site in allowed.filter(pk__in=ids)}
    for site_id in ids:
        if site_id not in found:
            raise _invalid("sites", _("Site %(id)s is not one this team may work at.") % {"id": site_id})
    return [found[site_id] for site_id in dict.fromkeys(ids)]


def _lead(data: dict[str, Any], leads: Any) -> None:
    """Resolve ``lead`` (a user id) among those who may lead the team."""
    if data.get("lead") is None:
        return
    lead = leads.filter(pk=data["lead"]).first()
    if lead is None:
        raise _invalid("lead", _("User %(id)s may not lead this team.") % {"id": data["lead"]})
    data["lead"] = lead


def _joinable(country: Any, pk: int) -> Response:
    response = Response.objects.filter(pk=pk, status=ResponseStatus.ACTIVE, country=country).first()
    if response is None:
        raise _invalid(
            "response", _("Response %(id)s is not an active response in the mission's country.") % {"id": pk}
        )
    return response


def _label_out(label: Any) -> dict[str, Any]:
    return {
        "item": label.item,
        "label": label.label,
        "icd_code": label.icd_code,
        "active": label.active,
        "effective_from": label.effective_from,
    }


def _response_list_out(response: Response) -> dict[str, Any]:
    return {
        "id": response.pk,
        "name": response.name,
        "country": response.country.code,
        "coordinating_organization": response.coordinating_organization.slug,
        "coordinating_organization_name": response.coordinating_organization.name,
        "starts_on": response.starts_on,
        "ends_on": response.ends_on,
        "status": response.status,
        "team_count": getattr(response, "team_count", 0),
    }


def _response_out(user: Any, response: Response) -> dict[str, Any]:
    response = Response.objects.select_related("coordinating_organization").get(pk=response.pk)
    teams = (
        response.teams.all()
        if access.is_coordinating_member(user, response)
        else access.teams(user).filter(response=response)
    )
    in_use = responses.item_labels(response)
    return {
        **_response_list_out(response),
        "description": response.description,
        "time_zone": response.time_zone,
        "labels": [_label_out(label) for label in response.item_labels.all()],
        "item_labels": {str(number): in_use[number] for number in mds.CONTEXT_SLOTS},
        "teams": [
            {
                "id": team.pk,
                "name": team.name,
                "organization_name": team.organization_name,
                "mission": team.mission_id,
            }
            for team in teams.order_by("name", "pk")
        ],
        "created_at": response.created_at,
        "updated_at": response.updated_at,
    }


def _team_row(team: Team) -> dict[str, Any]:
    return {
        "id": team.pk,
        "name": team.name,
        "organization_name": team.organization_name,
        "emt_type": team.emt_type,
        "response": team.response_id,
        "response_name": team.response.name if team.response else None,
        "mission": team.mission_id,
        "lead": team.lead_id,
        "lead_name": team.lead.full_name if team.lead else None,
        "contact_name": team.contact_name,
        "contact_phone": team.contact_phone,
        "contact_email": team.contact_email,
        "departs_on": team.departs_on,
        "working_hours": team.working_hours,
        "sites": [
            {
                "id": site.pk,
                "name": site.name,
                "admin_level_1": site.admin_level_1,
                "admin_level_2": site.admin_level_2,
            }
            for site in team.sites.all()
        ],
        "created_at": team.created_at,
    }


def _team_out(team: Team) -> dict[str, Any]:
    return _team_row(teams_with_sites(Team.objects.filter(pk=team.pk))[0])


def _peak(period: aggregation.Period) -> dict[str, Any] | None:
    peak = period.peak_day
    return None if peak is None else {"date": peak[0], "consultations": peak[1]}


def _indicators(indicators: aggregation.Indicators) -> dict[str, Any]:
    return {
        "consultations": indicators.consultations,
        "admissions": indicators.admissions,
        "admission_rate": indicators.admission_rate,
        "referrals": indicators.referrals,
        "referral_rate": indicators.referral_rate,
        "deaths": indicators.deaths,
        "procedures": indicators.procedures,
        "protection_cases": indicators.protection_cases,
        "under_five_share": indicators.under_five_share,
        "trauma": indicators.trauma,
        "infectious": indicators.infectious,
        "event_related_share": indicators.event_related_share,
    }


def _period_out(period: aggregation.Period, labels: dict[int, str]) -> dict[str, Any]:
    """A periodic report (emt-mds.md §8.1): totals per item and cell, the days, items 51–65."""
    figures = period.totals.as_json()
    return {
        "start": period.start,
        "end": period.end,
        "calendar_days": period.calendar_days,
        "active_reporting_days": period.active_reporting_days,
        "completeness": period.completeness,
        "peak_day": _peak(period),
        "missing_days": period.missing_days,
        "consultations": figures["consultations"],
        "cells": figures["cells"],
        "checks": figures["checks"],
        "issues": {
            str(row.number): {
                "label": row.label,
                "days_flagged": row.days_flagged,
                "dates": row.dates,
                "latest_comment": row.latest_comment,
            }
            for _group, rows in issue_rows(period)
            for row in rows
        },
        "indicators": _indicators(period.indicators()),
        "item_labels": {str(number): labels[number] for number in range(1, 51)},
    }


def _site_today(row: SiteToday) -> dict[str, Any]:
    return {
        "team": row.team.pk,
        "team_name": row.team.name,
        "site": row.site.pk,
        "site_name": row.site.name,
        "date": row.date,
        "status": row.state,
    }


def _coordination_out(summary: Coordination) -> dict[str, Any]:
    return {
        "response": summary.response.pk,
        "start": summary.start,
        "end": summary.end,
        "calendar_days": summary.period.calendar_days,
        "active_reporting_days": summary.period.active_reporting_days,
        "by_day": [
            {
                "date": date,
                "consultations": figures.consultations,
                "referrals": figures.total(39),
                "admissions": figures.total(40),
                "deaths": figures.total(41) + figures.total(42),
            }
            for date, figures in summary.days
        ],
        "by_area": [
            {
                "admin_level_1": area.admin_level_1,
                "admin_level_2": area.admin_level_2,
                "consultations": area.figures.consultations,
                "referrals": area.figures.total(39),
                "deaths": area.figures.total(41) + area.figures.total(42),
                "teams": len(area.team_ids),
                "sites": sorted(area.site_names),
            }
            for area in summary.areas
        ],
        "by_team": [
            {
                "team": row.team.pk,
                "name": row.team.name,
                "organization_name": row.team.organization_name,
                "consultations": row.figures.consultations,
                "referrals": row.figures.total(39),
                "deaths": row.figures.total(41) + row.figures.total(42),
                "active_reporting_days": row.period.active_reporting_days,
                "peak_day": _peak(row.period),
                "missing_days": row.missing_days,
                "expected_today": expected_today(row.team, summary.response, row.today),
            }
            for row in summary.teams
        ],
        "top_conditions": [
            {"item": row.number, "label": row.label, "count": row.count} for row in summary.top_conditions
        ],
        "missing_today": [_site_today(row) for row in summary.missing_today],
        "correcting": [
            {
                "report": report.pk,
                "team": report.team_id,
                "team_name": report.team.name,
                "site": report.site_id,
                "site_name": report.site.name,
                "date": report.date,
            }
            for report in summary.correcting
        ],
        "indicators": _indicators(summary.indicators),
    }


# Responses --------------------------------------------------------------------------------------


@responses_router.get(
    "", response=list[ResponseListOut], summary="Responses you coordinate or one of your teams reports to"
)
@paginate(PageNumberPagination, page_size=50)
def list_responses(request, filters: Query[ResponseFilters]):
    queryset = access.responses(request.user).annotate(team_count=Count("teams", distinct=True))
    if filters.status:
        if filters.status not in ResponseStatus.values:
            raise _invalid("status", _("The status is active or closed."))
        queryset = queryset.filter(status=filters.status)
    return MappedQuerySet(queryset.order_by("-starts_on", "name", "pk"), _response_list_out)


@responses_router.post(
    "",
    response={201: ResponseOut},
    summary="Create a response coordinated by your organisation (coordinators and admins)",
)
def create_response(request, payload: ResponseIn):
    organization = _own_organization(request.user, payload.organization)
    response = responses.create_response(
        actor=request.user, organization=organization, data=payload.dict(exclude={"organization"})
    )
    return Status(201, _response_out(request.user, response))


@responses_router.get(
    "/{response_id}", response=ResponseOut, summary="One response, with its labels and teams"
)
def get_response(request, response_id: int):
    return _response_out(request.user, access.get_response_or_404(request.user, response_id))


@responses_router.patch(
    "/{response_id}",
    response=ResponseOut,
    summary="Change a response (coordinators and admins of the coordinating organisation)",
)
def update_response(request, response_id: int, payload: ResponseFields):
    response = access.get_response_or_404(request.user, response_id)
    responses.update_response(response, actor=request.user, data=payload.dict(exclude_unset=True))
    return _response_out(request.user, response)


@responses_router.put(
    "/{response_id}/labels",
    response=ResponseOut,
    summary="Replace the response's item labels: items 19–22 and replacement labels of other items (coordinators and admins)",
)
def set_labels(request, response_id: int, payload: LabelsIn):
    response = access.get_response_or_404(request.user, response_id)
    labels: dict[int, dict[str, Any]] = {}
    for index, label in enumerate(payload.labels):
        if label.item in labels:
            raise _invalid(
                f"labels.{index}.item", _("Item %(item)s is labelled twice.") % {"item": label.item}
            )
        labels[label.item] = label.dict(exclude={"item"})
    responses.set_item_labels(response, actor=request.user, labels=labels)
    return _response_out(request.user, response)


@responses_router.post(
    "/{response_id}/teams",
    response={201: TeamOut},
    summary="Register a team not on medmissions, whose data come as eDATA files (coordinators and admins)",
)
def register_team(request, response_id: int, payload: ExternalTeamIn):
    response = access.get_response_or_404(request.user, response_id)
    # The role comes first: a member must hear "not allowed", not that a site id is wrong.
    if not access.is_coordinating_member(request.user, response, Capability.COORDINATE_RESPONSES):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.COORDINATE_RESPONSES])
    data = payload.dict(exclude={"sites"})
    _lead(data, responses.eligible_leads(None, response))
    sites = _sites(payload.sites, responses.sites_for_team(None, response=response)) or []
    team = responses.register_team(response, actor=request.user, data=data, sites=sites)
    return Status(201, _team_out(team))


@responses_router.get(
    "/{response_id}/coordination",
    summary="The coordination summary: submitted reports by day, area and team, who has not reported today, indicators (members of the coordinating organisation)",
)
def get_coordination(request, response_id: int, query: Query[PeriodQuery]):
    response = access.get_coordinated_response_or_404(request.user, response_id)
    start, end = _range(query, timezone.localdate())
    return _coordination_out(build_coordination(response, start, end))


@responses_router.get(
    "/{response_id}/period",
    summary="The response's periodic report over its teams' submitted reports (members of the coordinating organisation)",
)
def get_response_period(request, response_id: int, query: Query[PeriodQuery]):
    response = access.get_coordinated_response_or_404(request.user, response_id)
    start, end = _range(query, timezone.localdate())
    summary = build_coordination(response, start, end)
    return {
        **_period_out(summary.period, summary.labels),
        "teams": [
            {
                "team": row.team.pk,
                "name": row.team.name,
                "consultations": row.figures.consultations,
                "active_reporting_days": row.period.active_reporting_days,
                "peak_day": _peak(row.period),
                "missing_days": row.missing_days,
            }
            for row in summary.teams
        ],
    }


# Teams ------------------------------------------------------------------------------------------


@teams_router.get(
    "", response=list[TeamOut], summary="Clinic teams you work with or whose response you coordinate"
)
@paginate(PageNumberPagination, page_size=50)
def list_teams(request, filters: Query[TeamFilters]):
    queryset = access.teams(request.user)
    if filters.response is not None:
        queryset = queryset.filter(response_id=filters.response)
    if filters.mission is not None:
        queryset = queryset.filter(mission_id=filters.mission)
    queryset = Team.objects.filter(pk__in=queryset.values("pk")).select_related("response", "lead")
    return MappedQuerySet(queryset.prefetch_related("sites").order_by("name", "pk"), _team_row)


@teams_router.post(
    "",
    response={201: TeamOut},
    summary="Open the clinic team of a mission (coordinators and admins of a party)",
)
def open_team(request, payload: MissionTeamIn):
    mission = (
        Mission.objects.visible_to(request.user)
        .filter(pk=payload.mission)
        .select_related("site", "partnership")
        .first()
    )
    if mission is None:
        raise _invalid("mission", _("Mission %(id)s does not exist.") % {"id": payload.mission})
    data = payload.dict(exclude={"mission", "sites"}, exclude_unset=True)
    if not MissionAccess.of(request.user, mission).can_manage:
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])
    response = _joinable(mission.site.country, data["response"]) if data.get("response") else None
    data["response"] = response
    _lead(data, responses.eligible_leads(mission, response))
    sites = _sites(payload.sites, responses.sites_for_team(None, mission=mission, response=response))
    team = responses.open_mission_team(mission, actor=request.user, data=data, sites=sites)
    return Status(201, _team_out(team))


@teams_router.get("/{team_id}", response=TeamOut, summary="One clinic team, with its sites")
def get_team(request, team_id: int):
    return _team_out(access.get_team_or_404(request.user, team_id))


@teams_router.patch(
    "/{team_id}",
    response=TeamOut,
    summary="Change a team (its lead, and coordinators of the mission's parties or of the response for a registered team)",
)
def update_team(request, team_id: int, payload: TeamChange):
    team = access.get_team_or_404(request.user, team_id)
    if not access.TeamAccess.of(request.user, team).can_manage:
        raise NotAllowed(TEAM_MANAGERS_ONLY)
    data = payload.dict(exclude={"sites"}, exclude_unset=True)
    response = team.response
    mission = team.mission
    if "response" in data:
        if mission is None:
            if data["response"] != team.response_id:
                raise _invalid("response", _("A registered team stays with the response that registered it."))
        else:
            response = _joinable(mission.site.country, data["response"]) if data["response"] else None
        data["response"] = response
    if "lead" in data:
        _lead(data, responses.eligible_leads(mission, response))
    allowed = Site.objects.filter(
        Q(pk__in=responses.sites_for_team(None, mission=mission, response=response).values("pk"))
        | Q(pk__in=team.sites.values("pk"))
    )
    sites = _sites(payload.sites, allowed)
    responses.update_team(team, actor=request.user, data=data, sites=sites)
    return _team_out(team)


@teams_router.get(
    "/{team_id}/period",
    summary="A team's periodic report: totals per item and cell, active reporting days, peak day, missing days, items 51–65, indicators",
)
def get_team_period(request, team_id: int, query: Query[TeamPeriodQuery]):
    team = access.get_team_or_404(request.user, team_id)
    start, end = _range(query, responses.today_for(team))
    period = aggregation.team_period(team, start, end, submitted_only=query.submitted_only)
    return {
        "team": team.pk,
        "submitted_only": query.submitted_only,
        **_period_out(period, responses.item_labels(team.response)),
    }


ROUTES = [
    ("/clinics/responses", responses_router, ["Clinics: responses"]),
    ("/clinics/teams", teams_router, ["Clinics: teams"]),
]
