"""API: needs, missions (with their lifecycle) and roles, and the course reference list.
ROUTES lists (prefix, router, tags) for medmissions/api.py to mount.

The endpoints call the same services as the HTML pages (missions/services.py) and load needs,
missions and roles through missions/access.py, so what another organisation plans answers 404
and a role too low answers 403. Reference data travels as codes: specialties, credential types,
capabilities (services) and courses by slug, languages by ISO 639 code, organisations by slug.
"""

import datetime
from typing import Any

from django.db.models import Count, ProtectedError, Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import Conflict, ValidationFailed
from medmissions.core.models import Language
from medmissions.lib.pagination import MappedQuerySet
from medmissions.missions import services
from medmissions.missions.access import (
    MissionAccess,
    get_mission_or_404,
    get_need_or_404,
    get_role_or_404,
    visible_missions,
)
from medmissions.missions.choices import AssignmentStatus, MissionStatus, NeedStatus
from medmissions.missions.models import Course, Mission, Need, Role
from medmissions.organizations.access import access_for, get_visible_or_404
from medmissions.organizations.api import _resolve
from medmissions.organizations.models import Capability as CapabilityTerm
from medmissions.organizations.models import Organization
from medmissions.partnerships.models import Partnership
from medmissions.sites.models import Site
from medmissions.volunteers.models import CredentialType, Specialty

needs_router = Router()
missions_router = Router()
reference_router = Router()


def _codes(values: list[str] | None, model: Any, field: str, label: str) -> list[Any] | None:
    """Codes → objects in the order given; unknown codes are a 400 naming them."""
    return _resolve(model, field, values, label)


def _specialty(slug: str, label: str = "specialty") -> Specialty:
    found = Specialty.objects.filter(slug=slug).first()
    if found is None:
        message = _("Unknown specialty: %(code)s.") % {"code": slug}
        raise ValidationFailed(message, fields={label: message})
    return found


def _visible_site(request, site_id: int) -> Site:
    return get_visible_or_404(Site, request.user, pk=site_id)


# Needs ------------------------------------------------------------------------------------------


class NeedLineIO(Schema):
    specialty: str = Field(..., description="Code of a specialty (see /reference/specialties)")
    specialty_name: str | None = Field(None, description="Filled in answers")
    people: int = Field(..., ge=1)


class NeedOut(Schema):
    id: int
    title: str
    description: str
    national_plan_reference: str
    priority: int = Field(..., description="1 low, 2 normal, 3 high, 4 urgent")
    earliest_start: datetime.date
    latest_end: datetime.date
    host_organization: str = Field(..., description="Slug of the host")
    host_organization_name: str
    authored_by: str = Field(
        ..., description="Slug of the organisation that wrote it (the host or a partner)"
    )
    site: int
    site_name: str
    lines: list[NeedLineIO]
    languages: list[str]
    status: str = Field(
        ...,
        description="Derived: awaiting_host, open, partly_met, met or withdrawn (from the missions answering it)",
    )
    host_confirmed_at: datetime.datetime | None
    withdrawn_at: datetime.datetime | None
    withdrawn_reason: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class MissionBriefOut(Schema):
    id: int
    title: str
    status: str
    starts_on: datetime.date
    ends_on: datetime.date


class NeedDetailOut(NeedOut):
    missions: list[MissionBriefOut] = Field(..., description="Missions answering it that you may see")


class NeedFields(Schema):
    site: int | None = Field(None, description="Another site of the same host")
    title: str | None = Field(None, max_length=200)
    description: str | None = None
    national_plan_reference: str | None = Field(None, max_length=300)
    priority: int | None = None
    earliest_start: datetime.date | None = None
    latest_end: datetime.date | None = None
    lines: list[NeedLineIO] | None = Field(None, description="Replaces every line")
    languages: list[str] | None = Field(None, description="ISO 639 codes; replaces the list")


class NeedIn(Schema):
    author: str = Field(
        ..., description="Slug of your organisation: the host itself, or an active partner proposing it"
    )
    site: int
    title: str = Field(..., max_length=200)
    description: str
    national_plan_reference: str = Field("", max_length=300)
    priority: int | None = None
    earliest_start: datetime.date
    latest_end: datetime.date
    lines: list[NeedLineIO] = Field(..., description="Which specialties, how many people each")
    languages: list[str] = Field(default_factory=list, description="ISO 639 codes")


class NeedFilters(Schema):
    status: str | None = Field(None, description="awaiting_host, open, partly_met, met or withdrawn")
    host: str | None = Field(None, description="Slug of the host organisation")
    site: int | None = None


class ReasonIn(Schema):
    reason: str = ""


def _needs():
    return Need.objects.select_related("site", "host_organization", "authored_by").prefetch_related(
        "lines__specialty", "languages"
    )


def _need_out(need: Need, status: NeedStatus) -> dict[str, Any]:
    return {
        "id": need.pk,
        "title": need.title,
        "description": need.description,
        "national_plan_reference": need.national_plan_reference,
        "priority": need.priority,
        "earliest_start": need.earliest_start,
        "latest_end": need.latest_end,
        "host_organization": need.host_organization.slug,
        "host_organization_name": need.host_organization.name,
        "authored_by": need.authored_by.slug,
        "site": need.site_id,
        "site_name": need.site.name,
        "lines": [
            {"specialty": line.specialty.slug, "specialty_name": str(line.specialty), "people": line.people}
            for line in sorted(need.lines.all(), key=lambda line: line.pk)
        ],
        "languages": [language.code for language in need.languages.all()],
        "status": str(status),
        "host_confirmed_at": need.host_confirmed_at,
        "withdrawn_at": need.withdrawn_at,
        "withdrawn_reason": need.withdrawn_reason,
        "created_at": need.created_at,
        "updated_at": need.updated_at,
    }


def _need_detail(request, need_id: int) -> dict[str, Any]:
    need = get_need_or_404(request.user, need_id)
    need = _needs().get(pk=need.pk)
    missions = visible_missions(request.user).filter(needs=need).order_by("starts_on", "pk")
    return {
        **_need_out(need, services.need_status(need)),
        "missions": [
            {
                "id": mission.pk,
                "title": mission.title,
                "status": mission.status,
                "starts_on": mission.starts_on,
                "ends_on": mission.ends_on,
            }
            for mission in missions
        ],
    }


class NeedPage(MappedQuerySet):
    """A page of needs whose derived statuses are computed together, not one need at a time."""

    def __init__(self, queryset: Any):
        super().__init__(queryset, lambda need: _need_out(need, services.need_status(need)))

    def __getitem__(self, index: slice | int) -> Any:
        if not isinstance(index, slice):
            return super().__getitem__(index)
        needs = list(self.queryset[index])
        statuses = services.need_statuses(needs)
        return [_need_out(need, statuses[need.pk]) for need in needs]


def _lines(items: list[NeedLineIO]) -> list[tuple[Specialty, int]]:
    return [(_specialty(item.specialty, "lines"), item.people) for item in items]


def _need_data(payload: Schema, *, partial: bool) -> dict[str, Any]:
    return payload.dict(exclude_unset=partial, exclude={"author", "site", "lines", "languages"})


@needs_router.get(
    "", response=list[NeedOut], summary="Needs you can see (your organisations' and their partners')"
)
@paginate(PageNumberPagination, page_size=50)
def list_needs(request, filters: Query[NeedFilters]):
    if filters.status and filters.status not in NeedStatus.values:
        message = _("Unknown status: %(status)s.") % {"status": filters.status}
        raise ValidationFailed(message, fields={"status": message})
    needs = _needs().filter(pk__in=Need.objects.visible_to(request.user).values("pk"))
    host = Organization.objects.filter(slug=filters.host).first() if filters.host else None
    if filters.host and host is None:
        return NeedPage(needs.none())
    site = Site.objects.filter(pk=filters.site).first() if filters.site is not None else None
    if filters.site is not None and site is None:
        return NeedPage(needs.none())
    needs = services.filter_needs(needs, status=filters.status or "", host=host, site=site)
    return NeedPage(needs.order_by("-priority", "earliest_start", "pk"))


@needs_router.post(
    "",
    response={201: NeedDetailOut},
    summary="Write a need for your site, or propose one for the site of a host you are actively partnered with",
)
def create_need(request, payload: NeedIn):
    author = get_visible_or_404(Organization, request.user, slug=payload.author)
    if access_for(request.user).role_in(author) is None:
        raise Http404
    need = services.create_need(
        actor=request.user,
        author=author,
        site=_visible_site(request, payload.site),
        data=_need_data(payload, partial=False),
        lines=_lines(payload.lines),
        languages=_codes(payload.languages, Language, "code", "languages"),
    )
    return Status(201, _need_detail(request, need.pk))


@needs_router.get("/{need_id}", response=NeedDetailOut, summary="One need, with the missions answering it")
def get_need(request, need_id: int):
    return _need_detail(request, need_id)


@needs_router.patch(
    "/{need_id}",
    response=NeedDetailOut,
    summary="Change a need (coordinators and admins of the host or of the author); a partner's change returns a confirmed need to the host",
)
def update_need(request, need_id: int, payload: NeedFields):
    need = get_need_or_404(request.user, need_id)
    services.update_need(
        need,
        actor=request.user,
        data=_need_data(payload, partial=True),
        site=_visible_site(request, payload.site) if payload.site is not None else None,
        lines=_lines(payload.lines) if payload.lines is not None else None,
        languages=_codes(payload.languages, Language, "code", "languages"),
    )
    return _need_detail(request, need.pk)


@needs_router.post(
    "/{need_id}/confirm", response=NeedDetailOut, summary="Confirm a partner's proposal (host admins)"
)
def confirm_need(request, need_id: int):
    need = get_need_or_404(request.user, need_id)
    services.confirm_need(need, actor=request.user)
    return _need_detail(request, need.pk)


@needs_router.post(
    "/{need_id}/withdraw",
    response=NeedDetailOut,
    summary="Withdraw a need with a reason (coordinators and admins of the host or of the author)",
)
def withdraw_need(request, need_id: int, payload: ReasonIn):
    need = get_need_or_404(request.user, need_id)
    services.withdraw_need(need, actor=request.user, reason=payload.reason)
    return _need_detail(request, need.pk)


# Missions ---------------------------------------------------------------------------------------


class RoleOut(Schema):
    id: int
    mission: int
    title: str
    specialty: str = Field(..., description="Code of the specialty; people with it or one below it qualify")
    specialty_name: str
    minimum_proficiency: int = Field(..., description="1 trainee, 2 competent, 3 experienced, 4 expert")
    people_needed: int
    filled: int = Field(..., description="Places held by active assignments")
    languages: list[str]
    extra_credentials: list[str] = Field(
        ..., description="Credential type codes required beyond the host country's requirements"
    )
    required_courses: list[str] = Field(..., description="Course codes")
    scope_of_practice: str
    supervisor_required_for_trainees: bool
    prefers_local_health_workers: bool


class NeedBriefOut(Schema):
    id: int
    title: str
    status: str


class MissionListOut(Schema):
    id: int
    title: str
    status: str
    partnership: int
    partnership_title: str
    site: int
    site_name: str
    host_organization: str
    starts_on: datetime.date
    ends_on: datetime.date
    team_type: str
    capacity: int


class MissionOut(MissionListOut):
    description: str
    time_zone: str
    services: list[str] = Field(..., description="Capability codes")
    spiritual_care_agreed: bool
    host_confirmed: bool
    host_confirmed_at: datetime.datetime | None
    cancelled_reason: str
    needs: list[NeedBriefOut]
    roles: list[RoleOut]
    allowed_transitions: list[str] = Field(
        ..., description="Transitions you may ask for now (their guards may still refuse, with a reason)"
    )
    created_at: datetime.datetime
    updated_at: datetime.datetime


class MissionFields(Schema):
    title: str | None = Field(None, max_length=200)
    description: str | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    time_zone: str | None = Field(None, description="IANA time zone of the site, e.g. Africa/Kampala")
    team_type: str | None = None
    capacity: int | None = None
    spiritual_care_agreed: bool | None = None
    needs: list[int] | None = Field(None, description="Ids of the needs answered; replaces the list")
    services: list[str] | None = Field(None, description="Capability codes; replaces the list")


class MissionIn(MissionFields):
    partnership: int = Field(..., description="An active partnership of one of your organisations")
    site: int = Field(..., description="A site of the partnership's host")
    title: str = Field(..., max_length=200)
    starts_on: datetime.date
    ends_on: datetime.date
    capacity: int
    needs: list[int] = Field(..., description="Ids of host-confirmed needs of the host")
    services: list[str] = Field(default_factory=list, description="Capability codes")


class MissionFilters(Schema):
    status: str | None = None


class TransitionIn(Schema):
    transition: str = Field(
        ..., description="submit, confirm, return, ready, field, closing, complete, evaluated or cancel"
    )
    reason: str = Field("", description="Required to return a mission to the sending team and to cancel it")


class RoleFields(Schema):
    title: str | None = Field(None, max_length=200)
    specialty: str | None = Field(None, description="Code of a specialty")
    minimum_proficiency: int | None = None
    people_needed: int | None = None
    scope_of_practice: str | None = None
    supervisor_required_for_trainees: bool | None = None
    prefers_local_health_workers: bool | None = None
    languages: list[str] | None = Field(None, description="ISO 639 codes; replaces the list")
    extra_credentials: list[str] | None = Field(None, description="Credential type codes; replaces the list")
    required_courses: list[str] | None = Field(None, description="Course codes; replaces the list")


class RoleIn(RoleFields):
    title: str = Field(..., max_length=200)
    specialty: str
    people_needed: int
    scope_of_practice: str


def _roles(mission_id: int):
    return (
        Role.objects.filter(mission_id=mission_id)
        .select_related("specialty")
        .prefetch_related("languages", "extra_credentials", "required_courses")
        .annotate(filled=Count("assignments", filter=Q(assignments__status=AssignmentStatus.ACTIVE)))
        .order_by("title", "pk")
    )


def _role_out(role: Role) -> dict[str, Any]:
    return {
        "id": role.pk,
        "mission": role.mission_id,
        "title": role.title,
        "specialty": role.specialty.slug,
        "specialty_name": str(role.specialty),
        "minimum_proficiency": role.minimum_proficiency,
        "people_needed": role.people_needed,
        "filled": role.filled,  # type: ignore[attr-defined]
        "languages": [language.code for language in role.languages.all()],
        "extra_credentials": [kind.slug for kind in role.extra_credentials.all()],
        "required_courses": [course.slug for course in role.required_courses.all()],
        "scope_of_practice": role.scope_of_practice,
        "supervisor_required_for_trainees": role.supervisor_required_for_trainees,
        "prefers_local_health_workers": role.prefers_local_health_workers,
    }


def _mission_brief(mission: Mission) -> dict[str, Any]:
    return {
        "id": mission.pk,
        "title": mission.title,
        "status": mission.status,
        "partnership": mission.partnership_id,
        "partnership_title": mission.partnership.title,
        "site": mission.site_id,
        "site_name": mission.site.name,
        "host_organization": mission.site.host_organization.slug,
        "starts_on": mission.starts_on,
        "ends_on": mission.ends_on,
        "team_type": mission.team_type,
        "capacity": mission.capacity,
    }


def _mission_out(request, mission_id: int) -> dict[str, Any]:
    mission = get_mission_or_404(request.user, mission_id)
    access = MissionAccess.of(request.user, mission)
    needs = list(mission.needs.order_by("pk"))
    statuses = services.need_statuses(needs)
    return {
        **_mission_brief(mission),
        "description": mission.description,
        "time_zone": mission.time_zone,
        "services": [service.slug for service in mission.services.all()],
        "spiritual_care_agreed": mission.spiritual_care_agreed,
        "host_confirmed": mission.host_confirmed_at is not None,
        "host_confirmed_at": mission.host_confirmed_at,
        "cancelled_reason": mission.cancelled_reason,
        "needs": [{"id": need.pk, "title": need.title, "status": str(statuses[need.pk])} for need in needs],
        "roles": [_role_out(role) for role in _roles(mission.pk)],
        "allowed_transitions": services.allowed_transitions(
            mission, can_manage=access.can_manage, is_host_admin=access.is_host_admin
        ),
        "created_at": mission.created_at,
        "updated_at": mission.updated_at,
    }


def _mission_needs(request, ids: list[int] | None) -> list[Need] | None:
    """Needs by id among those the caller sees; any other id is a 400 naming it."""
    if ids is None:
        return None
    found = {need.pk: need for need in Need.objects.visible_to(request.user).filter(pk__in=ids)}
    unknown = [str(pk) for pk in ids if pk not in found]
    if unknown:
        message = _("Unknown need: %(ids)s.") % {"ids": ", ".join(unknown)}
        raise ValidationFailed(message, fields={"needs": message})
    return [found[pk] for pk in dict.fromkeys(ids)]


def _mission_data(payload: Schema, *, partial: bool) -> dict[str, Any]:
    return payload.dict(exclude_unset=partial, exclude={"partnership", "site", "needs", "services"})


@missions_router.get(
    "",
    response=list[MissionListOut],
    summary="Missions you can see: your organisations' partnerships', and those you applied to or serve on",
)
@paginate(PageNumberPagination, page_size=50)
def list_missions(request, filters: Query[MissionFilters]):
    missions = Mission.objects.filter(pk__in=visible_missions(request.user).values("pk")).select_related(
        "partnership", "site__host_organization"
    )
    if filters.status:
        if filters.status not in MissionStatus.values:
            message = _("Unknown status: %(status)s.") % {"status": filters.status}
            raise ValidationFailed(message, fields={"status": message})
        missions = missions.filter(status=filters.status)
    return MappedQuerySet(missions.order_by("-starts_on", "pk"), _mission_brief)


@missions_router.post(
    "",
    response={201: MissionOut},
    summary="Draft a mission of an active partnership at a host's site (coordinators and admins of a party)",
)
def create_mission(request, payload: MissionIn):
    partnership = get_visible_or_404(Partnership, request.user, pk=payload.partnership)
    mission = services.create_mission(
        actor=request.user,
        partnership=partnership,
        site=_visible_site(request, payload.site),
        data=_mission_data(payload, partial=False),
        needs=_mission_needs(request, payload.needs) or [],
        services=_codes(payload.services, CapabilityTerm, "slug", "services"),
    )
    return Status(201, _mission_out(request, mission.pk))


@missions_router.get(
    "/{mission_id}",
    response=MissionOut,
    summary="One mission with its needs, roles and the transitions you may ask for",
)
def get_mission(request, mission_id: int):
    return _mission_out(request, mission_id)


@missions_router.patch(
    "/{mission_id}",
    response=MissionOut,
    summary="Change a mission while planned or recruiting; dates are frozen once anyone holds a place",
)
def update_mission(request, mission_id: int, payload: MissionFields):
    mission = get_mission_or_404(request.user, mission_id)
    services.update_mission(
        mission,
        actor=request.user,
        data=_mission_data(payload, partial=True),
        needs=_mission_needs(request, payload.needs),
        services=_codes(payload.services, CapabilityTerm, "slug", "services"),
    )
    return _mission_out(request, mission.pk)


@missions_router.post(
    "/{mission_id}/transitions",
    response=MissionOut,
    summary="Move the mission through its lifecycle; a refusal says why (409 out of order, 400 unmet guard)",
)
def transition_mission(request, mission_id: int, payload: TransitionIn):
    mission = get_mission_or_404(request.user, mission_id)
    services.run_transition(mission, payload.transition, actor=request.user, reason=payload.reason)
    return _mission_out(request, mission.pk)


# Roles ------------------------------------------------------------------------------------------


def _role_relations(payload: RoleFields) -> dict[str, Any]:
    return {
        "languages": _codes(payload.languages, Language, "code", "languages"),
        "extra_credentials": _codes(payload.extra_credentials, CredentialType, "slug", "extra_credentials"),
        "courses": _codes(payload.required_courses, Course, "slug", "required_courses"),
    }


def _role_data(payload: RoleFields, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial, exclude={"languages", "extra_credentials", "required_courses"})
    if data.get("specialty") is not None:
        data["specialty"] = _specialty(data["specialty"])
    return data


def _get_role(request, mission_id: int, role_id: int) -> Role:
    role = get_role_or_404(request.user, role_id)
    if role.mission_id != mission_id:
        raise Http404
    return role


@missions_router.get("/{mission_id}/roles", response=list[RoleOut], summary="The mission's roles (slots)")
def list_roles(request, mission_id: int):
    mission = get_mission_or_404(request.user, mission_id)
    return [_role_out(role) for role in _roles(mission.pk)]


@missions_router.post(
    "/{mission_id}/roles",
    response={201: RoleOut},
    summary="Add a role while the mission is planned or recruiting, within its capacity",
)
def create_role(request, mission_id: int, payload: RoleIn):
    mission = get_mission_or_404(request.user, mission_id)
    relations = _role_relations(payload)
    role = services.add_role(
        mission,
        actor=request.user,
        data=_role_data(payload, partial=False),
        extra_credentials=relations["extra_credentials"],
        courses=relations["courses"],
        languages=relations["languages"],
    )
    return Status(201, _role_out(_roles(mission.pk).get(pk=role.pk)))


@missions_router.patch(
    "/{mission_id}/roles/{role_id}",
    response=RoleOut,
    summary="Change a role; never fewer places than people hold, nor another specialty under them",
)
def update_role(request, mission_id: int, role_id: int, payload: RoleFields):
    role = _get_role(request, mission_id, role_id)
    services.update_role(
        role, actor=request.user, data=_role_data(payload, partial=True), **_role_relations(payload)
    )
    return _role_out(_roles(mission_id).get(pk=role.pk))


@missions_router.delete(
    "/{mission_id}/roles/{role_id}",
    response={204: None},
    summary="Delete a role nobody holds (409 while people are assigned)",
)
def delete_role(request, mission_id: int, role_id: int):
    role = _get_role(request, mission_id, role_id)
    try:
        services.delete_role(role, actor=request.user)
    except ProtectedError as error:
        # Assignments people left or were removed from still point at the role.
        raise Conflict(
            _("People have held this role before; it stays for the record."), code="role_has_assignments"
        ) from error
    return Status(204, None)


# Reference list ---------------------------------------------------------------------------------


class CourseOut(Schema):
    code: str
    title: str
    description: str
    organization: str | None = Field(None, description="Slug of the organisation that runs it")
    valid_for_days: int | None = Field(None, description="How long a completion counts; null for ever")


@reference_router.get("/courses", response=list[CourseOut], summary="Courses roles may require")
def courses_reference(request):
    return [
        {
            "code": course.slug,
            "title": course.title,
            "description": course.description,
            "organization": course.organization.slug if course.organization else None,
            "valid_for_days": course.valid_for_days,
        }
        for course in Course.objects.select_related("organization")
    ]


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/needs", needs_router, ["Needs"]),
    ("/missions", missions_router, ["Missions"]),
    ("/reference", reference_router, ["Reference lists"]),
]
