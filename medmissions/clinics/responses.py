"""Responses and teams.

A **response** is created by coordinators of the organisation that will coordinate it (the host
health authority or the EMT coordination cell), which then sets the labels of the
context-specific items 19–22 (and, exceptionally, replaces another item's label) for every team
reporting to it.

A **team** is the unit that reports the MDS daily. A mission's coordinators open its team (once
per mission), optionally reporting to an active response in the mission's country; the
coordination cell registers teams that are not on medmissions and whose data arrive as eDATA
files. Teams work at one or more sites: the mission's own site, sites of the mission's
partnership, and sites hosted by the coordinating organisation.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.clinics import mds
from medmissions.clinics.access import TeamAccess, audit_organization
from medmissions.clinics.choices import ResponseStatus
from medmissions.clinics.models import ItemLabel, Response, Team
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.missions.choices import MissionStatus, TeamType
from medmissions.missions.models import Mission
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, require
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site

RESPONSE_FIELDS = ["name", "country", "description", "starts_on", "ends_on", "time_zone", "status"]
TEAM_FIELDS = [
    "name",
    "organization_name",
    "emt_type",
    "lead",
    "contact_name",
    "contact_phone",
    "contact_email",
    "departs_on",
    "working_hours",
    "response",
]
LABEL_LENGTH = 120
# Missions whose team may still be opened or changed.
TEAM_MISSION_STATUSES = frozenset(
    {MissionStatus.RECRUITING, MissionStatus.READY, MissionStatus.IN_FIELD, MissionStatus.CLOSING}
)


def _text(data: dict[str, Any], name: str, *, required: bool = False, length: int = 200) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise ValidationFailed(_("This field is required."), code="required", fields={name: _("Required.")})
    if len(value) > length:
        message = _("At most %(count)s characters.") % {"count": length}
        raise ValidationFailed(message, code="too_long", fields={name: message})
    return value


def _date(value: Any, name: str, *, required: bool = True) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(
                _("This field is required."), code="required", fields={name: _("Required.")}
            )
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as error:
        message = _("Enter a date as YYYY-MM-DD.")
        raise ValidationFailed(message, code="invalid_date", fields={name: message}) from error


# --- Responses ------------------------------------------------------------------------------------


def _clean_response(data: dict[str, Any], current: Response | None = None) -> dict[str, Any]:
    from django_countries import countries

    merged = {name: getattr(current, name) for name in RESPONSE_FIELDS} if current else {}
    merged.update({key: value for key, value in data.items() if key in RESPONSE_FIELDS})
    cleaned: dict[str, Any] = {
        "name": _text(merged, "name", required=True),
        "description": _text(merged, "description", length=5000),
        "starts_on": _date(merged.get("starts_on"), "starts_on"),
        "ends_on": _date(merged.get("ends_on"), "ends_on", required=False),
        "status": merged.get("status") or ResponseStatus.ACTIVE,
    }
    country = str(merged.get("country") or "").upper()
    if country not in dict(countries):
        raise ValidationFailed(
            _("Choose a country."), code="invalid_country", fields={"country": _("Choose a country.")}
        )
    cleaned["country"] = country
    import zoneinfo

    cleaned["time_zone"] = str(merged.get("time_zone") or "UTC")
    try:
        zoneinfo.ZoneInfo(cleaned["time_zone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        message = _("Choose a time zone from the list.")
        raise ValidationFailed(message, code="invalid_time_zone", fields={"time_zone": message}) from error
    if cleaned["status"] not in ResponseStatus.values:
        raise ValidationFailed(
            _("Choose a status."), code="invalid_status", fields={"status": _("Choose a status.")}
        )
    if cleaned["ends_on"] and cleaned["ends_on"] < cleaned["starts_on"]:
        message = _("The response cannot end before it starts.")
        raise ValidationFailed(message, code="invalid_dates", fields={"ends_on": message})
    return cleaned


@transaction.atomic
def create_response(*, actor: User, organization: Organization, data: dict[str, Any]) -> Response:
    """A new response coordinated by ``organization`` (the actor coordinates there)."""
    require(actor, organization, Capability.COORDINATE_RESPONSES)
    cleaned = _clean_response(data)
    response = Response.objects.create(coordinating_organization=organization, created_by=actor, **cleaned)
    log_action(
        "clinics.response.created",
        actor=actor,
        organization=organization,
        obj=response,
        after=snapshot(response, RESPONSE_FIELDS),
    )
    return response


@transaction.atomic
def update_response(response: Response, *, actor: User, data: dict[str, Any]) -> Response:
    require(actor, response.coordinating_organization_id, Capability.COORDINATE_RESPONSES)
    response = Response.objects.select_for_update().get(pk=response.pk)
    before = snapshot(response, RESPONSE_FIELDS)
    for name, value in _clean_response(data, response).items():
        setattr(response, name, value)
    response.save()
    log_action(
        "clinics.response.updated",
        actor=actor,
        organization=response.coordinating_organization,
        obj=response,
        before=before,
        after=snapshot(response, RESPONSE_FIELDS),
    )
    return response


def item_labels(response: Response | None) -> dict[int, str]:
    """The label of every item 1–65 as reported in ``response``: the response's own labels where it
    set them, "not used" for context slots it left empty, the WHO labels otherwise."""
    labels = {number: str(item.label) for number, item in mds.ITEMS.items()}
    for number in mds.CONTEXT_SLOTS:
        labels[number] = _("Not used (item %(number)s)") % {"number": number}
    if response is not None:
        for label in response.item_labels.all():
            if label.active:
                labels[label.item] = label.label
    return labels


@transaction.atomic
def set_item_labels(response: Response, *, actor: User, labels: dict[int, dict[str, Any]]) -> list[ItemLabel]:
    """Replace the response's item labels. ``labels`` maps an item number (4–50) to ``{"label",
    "icd_code", "active", "effective_from"}``; a blank label removes the item's label."""
    require(actor, response.coordinating_organization_id, Capability.COORDINATE_RESPONSES)
    fields: dict[str, str] = {}
    cleaned: dict[int, dict[str, Any]] = {}
    for raw_number, values in labels.items():
        try:
            number = int(raw_number)
        except (TypeError, ValueError):
            number = 0
        if number not in mds.TICK_ITEMS:
            fields[f"item_{raw_number}"] = _("Only items 4–50 can have a label of their own.")
            continue
        label = str(values.get("label") or "").strip()
        if not label:
            continue
        if len(label) > LABEL_LENGTH:
            fields[f"item_{number}"] = _("At most %(count)s characters.") % {"count": LABEL_LENGTH}
            continue
        icd_code = str(values.get("icd_code") or "").strip()
        if len(icd_code) > 20:
            fields[f"item_{number}_icd"] = _("At most %(count)s characters.") % {"count": 20}
            continue
        try:
            effective_from = _date(values.get("effective_from"), f"item_{number}_from", required=False)
        except ValidationFailed as error:
            fields.update(error.fields)
            continue
        cleaned[number] = {
            "label": label,
            "icd_code": icd_code,
            "active": bool(values.get("active", True)),
            "effective_from": effective_from,
        }
    if fields:
        raise ValidationFailed(_("Some labels could not be saved."), code="invalid_labels", fields=fields)
    before = {str(label.item): label.label for label in response.item_labels.all()}
    response.item_labels.exclude(item__in=cleaned).delete()
    saved: list[ItemLabel] = []
    for number, values in sorted(cleaned.items()):
        item_label, _created = ItemLabel.objects.update_or_create(
            response=response, item=number, defaults=values
        )
        saved.append(item_label)
    log_action(
        "clinics.response.labels_set",
        actor=actor,
        organization=response.coordinating_organization,
        obj=response,
        before=before,
        after={str(number): values["label"] for number, values in cleaned.items()},
    )
    return saved


# --- Teams ------------------------------------------------------------------------------------------


def sites_for_team(
    team: Team | None, *, mission: Mission | None = None, response: Response | None = None
) -> QuerySet[Site]:
    """Sites a team may work at: its mission's site and the sites of the mission's partnership
    parties, and sites hosted by its response's coordinating organisation."""
    mission = mission or (team.mission if team else None)
    response = response or (team.response if team else None)
    condition = Q(pk__in=[])
    if mission is not None:
        party_ids = list(mission.partnership.parties.values_list("organization_id", flat=True))
        condition |= Q(pk=mission.site_id) | Q(host_organization_id__in=party_ids)
    if response is not None:
        condition |= Q(host_organization_id=response.coordinating_organization_id)
    return Site.objects.filter(condition).select_related("host_organization").distinct().order_by("name")


def _clean_team(data: dict[str, Any], *, mission: Mission | None, current: Team | None) -> dict[str, Any]:
    merged = {name: getattr(current, name) for name in TEAM_FIELDS} if current else {}
    merged.update({key: value for key, value in data.items() if key in TEAM_FIELDS})
    cleaned: dict[str, Any] = {
        "name": _text(merged, "name", required=True),
        "organization_name": _text(merged, "organization_name", required=mission is None),
        "contact_name": _text(merged, "contact_name"),
        "contact_phone": _text(merged, "contact_phone", length=60),
        "contact_email": _text(merged, "contact_email", length=254),
        "working_hours": _text(merged, "working_hours", length=60),
        "departs_on": _date(merged.get("departs_on"), "departs_on", required=False),
        "emt_type": merged.get("emt_type") or TeamType.TYPE_1_FIXED,
    }
    if cleaned["emt_type"] not in TeamType.values:
        raise ValidationFailed(
            _("Choose a team type."), code="invalid_type", fields={"emt_type": _("Choose a team type.")}
        )
    if cleaned["contact_email"]:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(cleaned["contact_email"])
        except ValidationError as error:
            message = _("Enter a valid email address.")
            raise ValidationFailed(
                message, code="invalid_email", fields={"contact_email": message}
            ) from error
    lead = merged.get("lead")
    if lead is not None and not isinstance(lead, User):
        lead = User.objects.filter(pk=lead).first()
    cleaned["lead"] = lead
    response = merged.get("response")
    if response is not None and not isinstance(response, Response):
        response = Response.objects.filter(pk=response).first()
    cleaned["response"] = response
    return cleaned


def eligible_leads(mission: Mission | None, response: Response | None) -> QuerySet[User]:
    """Who may lead a team: people assigned to its mission and members of the mission's parties;
    for a team without a mission, members of the coordinating organisation."""
    from medmissions.missions.choices import AssignmentStatus

    condition = Q(pk__in=[])
    if mission is not None:
        condition |= Q(
            person__assignments__mission=mission, person__assignments__status=AssignmentStatus.ACTIVE
        )
        condition |= Q(memberships__organization__partnership_parties__partnership=mission.partnership_id)
    elif response is not None:
        condition |= Q(memberships__organization_id=response.coordinating_organization_id)
    return User.objects.filter(condition, is_active=True).distinct().order_by("full_name", "email")


def _check_team(cleaned: dict[str, Any], *, mission: Mission | None) -> None:
    response = cleaned["response"]
    if mission is None and response is None:
        raise ValidationFailed(
            _("A team without a mission must report to a response."),
            code="no_response",
            fields={"response": _("Required.")},
        )
    if response is not None:
        if response.status != ResponseStatus.ACTIVE:
            message = _("The response %(name)s is closed.") % {"name": response.name}
            raise ValidationFailed(message, code="response_closed", fields={"response": message})
        if mission is not None and str(mission.site.country) != str(response.country):
            message = _("The response is in %(response)s; the mission's site is in %(site)s.") % {
                "response": response.country.name,
                "site": mission.site.country.name,
            }
            raise ValidationFailed(message, code="wrong_country", fields={"response": message})
    lead = cleaned["lead"]
    if lead is not None and not eligible_leads(mission, response).filter(pk=lead.pk).exists():
        message = _("The team lead must be on the mission's team or a member of one of its organisations.")
        raise ValidationFailed(message, code="invalid_lead", fields={"lead": message})


def _set_sites(team: Team, sites: list[Site] | None) -> None:
    allowed = sites_for_team(team)
    if sites is None:
        if team.mission is not None and not team.sites.exists():
            team.sites.set([team.mission.site])
        return
    wrong = [site for site in sites if not allowed.filter(pk=site.pk).exists()]
    if wrong:
        message = _(
            "%(site)s is not a site of the mission's partnership or of the coordinating organisation."
        ) % {"site": wrong[0].name}
        raise ValidationFailed(message, code="invalid_site", fields={"sites": message})
    if not sites:
        message = _("Choose at least one site.")
        raise ValidationFailed(message, code="no_site", fields={"sites": message})
    team.sites.set(sites)


@transaction.atomic
def open_mission_team(
    mission: Mission, *, actor: User, data: dict[str, Any], sites: list[Site] | None = None
) -> Team:
    """The clinic team of a mission (one per mission), by a coordinator of one of its parties."""
    from medmissions.missions.access import MissionAccess

    mission_access = MissionAccess.of(actor, mission)
    if not mission_access.can_manage:
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])
    mission = (
        Mission.objects.select_for_update(of=("self",))
        .select_related("site", "partnership")
        .get(pk=mission.pk)
    )
    if mission.status not in TEAM_MISSION_STATUSES:
        raise Conflict(
            _(
                "A clinic team is opened for a mission that is recruiting, ready, in the field or closing; this one is %(status)s."
            )
            % {"status": mission.get_status_display()},
            code="mission_status",
        )
    if Team.objects.filter(mission=mission).exists():
        raise Conflict(_("This mission already has its clinic team."), code="team_exists")
    defaults = {
        "name": mission.title,
        "organization_name": ", ".join(
            mission.partnership.parties.exclude(role="host").values_list("organization__name", flat=True)
        ),
        "emt_type": mission.team_type
        if mission.team_type != TeamType.NOT_EMERGENCY
        else TeamType.TYPE_1_FIXED,
        "departs_on": mission.ends_on,
    }
    cleaned = _clean_team(
        {**defaults, **{key: value for key, value in data.items() if value not in (None, "")}},
        mission=mission,
        current=None,
    )
    _check_team(cleaned, mission=mission)
    try:
        with transaction.atomic():
            team = Team.objects.create(mission=mission, created_by=actor, **cleaned)
    except IntegrityError as error:
        message = _("The response already has a team of that name.")
        raise ValidationFailed(message, code="duplicate_name", fields={"name": message}) from error
    _set_sites(team, sites)
    organization_id = mission_access.manager_organization_ids[0]
    log_action(
        "clinics.team.opened",
        actor=actor,
        organization=Organization.objects.get(pk=organization_id),
        obj=team,
        after={**snapshot(team, TEAM_FIELDS), "sites": sorted(team.sites.values_list("pk", flat=True))},
    )
    return team


@transaction.atomic
def register_team(response: Response, *, actor: User, data: dict[str, Any], sites: list[Site]) -> Team:
    """A team not on medmissions, registered by the coordination cell (its data come as files)."""
    require(actor, response.coordinating_organization_id, Capability.COORDINATE_RESPONSES)
    cleaned = _clean_team({**data, "response": response}, mission=None, current=None)
    _check_team(cleaned, mission=None)
    try:
        with transaction.atomic():
            team = Team.objects.create(created_by=actor, **cleaned)
    except IntegrityError as error:
        message = _("The response already has a team of that name.")
        raise ValidationFailed(message, code="duplicate_name", fields={"name": message}) from error
    _set_sites(team, sites)
    log_action(
        "clinics.team.registered",
        actor=actor,
        organization=response.coordinating_organization,
        obj=team,
        after={**snapshot(team, TEAM_FIELDS), "sites": sorted(team.sites.values_list("pk", flat=True))},
    )
    return team


@transaction.atomic
def update_team(team: Team, *, actor: User, data: dict[str, Any], sites: list[Site] | None = None) -> Team:
    if not TeamAccess.of(actor, team).can_manage:
        raise NotAllowed(_("Only the team lead and the mission's coordinators change the team."))
    team = (
        Team.objects.select_for_update(of=("self",))
        .select_related("mission__site", "mission__partnership", "response")
        .get(pk=team.pk)
    )
    before = {**snapshot(team, TEAM_FIELDS), "sites": sorted(team.sites.values_list("pk", flat=True))}
    cleaned = _clean_team(data, mission=team.mission, current=team)
    if team.response_id is not None and cleaned["response"] != team.response and team.daily_reports.exists():
        message = _("The team has reported to its response already; it cannot move to another.")
        raise ValidationFailed(message, code="response_fixed", fields={"response": message})
    _check_team(cleaned, mission=team.mission)
    for name, value in cleaned.items():
        setattr(team, name, value)
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError as error:
        message = _("The response already has a team of that name.")
        raise ValidationFailed(message, code="duplicate_name", fields={"name": message}) from error
    if sites is not None:
        used = set(team.daily_reports.values_list("site_id", flat=True))
        dropped = used - {site.pk for site in sites}
        if dropped:
            message = _("A site the team has reported from stays on its list.")
            raise ValidationFailed(message, code="site_in_use", fields={"sites": message})
        _set_sites(team, sites)
    log_action(
        "clinics.team.updated",
        actor=actor,
        organization=audit_organization(team),
        obj=team,
        before=before,
        after={**snapshot(team, TEAM_FIELDS), "sites": sorted(team.sites.values_list("pk", flat=True))},
    )
    return team


def team_for_mission(mission: Mission) -> Team | None:
    return Team.objects.filter(mission=mission).first()


def today_in(zone_name: str) -> datetime.date:
    """Today in the IANA time zone ``zone_name`` (UTC for an unknown one)."""
    import zoneinfo

    try:
        zone: datetime.tzinfo = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = datetime.UTC
    return timezone.now().astimezone(zone).date()


def today_for(team: Team) -> datetime.date:
    """Today where the team works (the mission's time zone, or the response's for a team without a
    mission), which capture pages and the coordination view's "today" use."""
    if team.mission is not None:
        return today_in(team.mission.time_zone)
    return today_in(team.response.time_zone if team.response is not None else "UTC")


def response_today(response: Response) -> datetime.date:
    """Today where the response is (its time zone)."""
    return today_in(response.time_zone)
