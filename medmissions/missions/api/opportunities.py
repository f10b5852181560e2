"""API: opportunities, applications and saved searches. ROUTES lists (prefix, router, tags) for
medmissions/api.py to mount.

The same services as the HTML pages (missions.discovery, missions.applications) and the same
access helpers (missions.access): a mission one may not see answers 404, an action one's role does
not allow answers 403.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.missions import applications, discovery
from medmissions.missions.access import MissionAccess, get_application_or_404, get_mission_or_404
from medmissions.missions.choices import ApplicationStatus, MissionStatus
from medmissions.missions.models import Application, Assignment, Mission, Role, SavedSearch
from medmissions.missions.regions import region_of
from medmissions.volunteers.readiness import RequirementCheck

opportunities_router = Router()
applications_router = Router()
saved_searches_router = Router()


# Schemas -----------------------------------------------------------------------------------------


class Filters(Schema):
    q: str | None = Field(None, description="Words in the title, description, site or organisation names")
    specialty: str | None = Field(
        None, description="Specialty code; roles for it, for a broader or for a narrower specialty match"
    )
    country: str | None = Field(None, description="ISO 3166 code of the country of the site")
    region: str | None = Field(None, description="WHO region: AFRO, AMRO, SEARO, EURO, EMRO or WPRO")
    available_from: datetime.date | None = Field(None, description="The mission starts on or after this day")
    available_until: datetime.date | None = Field(None, description="The mission ends on or before this day")
    min_days: int | None = Field(None, description="Shortest duration in days (both ends count)")
    max_days: int | None = Field(None, description="Longest duration in days")
    language: str | None = Field(None, description="ISO 639 code of a role's or the site's language")
    value_tags: list[str] = Field(
        default_factory=list, description="Value-tag codes; any party organisation holding any of them"
    )


class OrganizationRef(Schema):
    slug: str
    name: str


class SiteOut(Schema):
    name: str
    town: str
    country: str
    country_name: str
    region: str | None = Field(..., description="WHO region code")


class CheckOut(Schema):
    key: str
    label: str
    met: bool
    reason: str
    due_by: datetime.date | None


class RequirementsOut(Schema):
    role: int | None = Field(
        ..., description="The role judged (for a search result: the best-fitting open role)"
    )
    met: list[CheckOut]
    unmet: list[CheckOut]


class TagMatchOut(Schema):
    count: int = Field(..., description="How many of your value tags the mission's organisations share")
    of: int = Field(..., description="How many value tags your profile has")
    tags: list[str] = Field(..., description="The shared value-tag codes")


class RoleOut(Schema):
    id: int
    title: str
    specialty: str
    specialty_name: str
    minimum_proficiency: int
    people_needed: int
    places_left: int
    languages: list[str]
    extra_credentials: list[str]
    required_courses: list[str]
    scope_of_practice: str
    supervisor_required_for_trainees: bool


class RoleDetailOut(RoleOut):
    requirements: RequirementsOut | None = Field(
        ..., description="Null when you have no volunteer profile yet"
    )


class OpportunityOut(Schema):
    id: int
    title: str
    description: str
    status: str
    site: SiteOut
    starts_on: datetime.date
    ends_on: datetime.date
    duration_days: int
    time_zone: str
    host_organizations: list[OrganizationRef]
    partner_organizations: list[OrganizationRef] = Field(..., description="Every party but the host")
    roles: list[RoleOut]
    tag_matches: TagMatchOut
    requirements: RequirementsOut | None = Field(
        ..., description="Your checks for the best-fitting open role; null without a volunteer profile"
    )
    url: str = Field(..., description="The opportunity's page")


class GuidanceOut(Schema):
    culture: str
    customs: str
    security: str | None = Field(..., description="Only for the mission's organisations and its team")


class ApplicationBrief(Schema):
    id: int
    role: int
    status: str
    message: str


class OpportunityDetailOut(OpportunityOut):
    recruiting: bool
    roles: list[RoleDetailOut]  # type: ignore[assignment]
    guidance: GuidanceOut
    my_applications: list[ApplicationBrief]


class ApplicationIn(Schema):
    role: int = Field(..., description="Id of the role applied for")
    motivation: str = Field(..., max_length=5000)


class ApplicationOut(Schema):
    id: int
    role: int
    role_title: str
    mission: int
    mission_title: str
    person: int
    person_name: str
    motivation: str
    status: str
    status_label: str
    message: str = Field(..., description="The coordinators' message to the applicant")
    decided_at: datetime.datetime | None
    created_at: datetime.datetime
    assignment: int | None


class ApplicationFilters(Schema):
    mission: int | None = Field(
        None, description="The applications of this mission (members of its organisations); default: your own"
    )
    status: str | None = Field(
        None, description="submitted, shortlisted, waitlisted, accepted, declined or withdrawn"
    )


class ReviewIn(Schema):
    decision: str = Field(..., description="shortlisted, waitlisted or declined")
    message: str = Field("", max_length=5000)


class AcceptIn(Schema):
    message: str = Field("", max_length=5000)
    supervisor: int | None = Field(
        None, description="Person id of someone already assigned to the mission who is not a trainee"
    )


class AssignmentOut(Schema):
    id: int
    mission: int
    role: int
    person: int
    person_name: str
    application: int | None
    starts_on: datetime.date
    ends_on: datetime.date
    supervisor: int | None
    supervisor_name: str | None
    status: str


class SavedSearchIn(Schema):
    name: str = Field(..., max_length=120)
    filters: Filters | None = Field(None, description="Leave out for every opportunity")
    email_alerts: bool = True


class SavedSearchPatch(Schema):
    name: str | None = Field(None, max_length=120)
    filters: Filters | None = None
    email_alerts: bool | None = None


class SavedSearchOut(Schema):
    id: int
    name: str
    filters: dict[str, Any] = Field(..., description="The filters as codes, empty ones left out")
    email_alerts: bool
    created_at: datetime.datetime
    last_sent_at: datetime.datetime | None
    url: str = Field(..., description="The search page with these filters")


# Output builders ---------------------------------------------------------------------------------


def _check_out(check: RequirementCheck) -> dict[str, Any]:
    return {
        "key": check.key,
        "label": check.label,
        "met": check.met,
        "reason": check.reason,
        "due_by": check.due_by,
    }


def _requirements_out(fit: discovery.RoleFit | None, viewer: discovery.Viewer) -> dict[str, Any] | None:
    if viewer.person is None:
        return None
    return {
        "role": fit.role.pk if fit is not None else None,
        "met": [_check_out(check) for check in fit.met] if fit is not None else [],
        "unmet": [_check_out(check) for check in fit.unmet] if fit is not None else [],
    }


def _role_out(fit: discovery.RoleFit) -> dict[str, Any]:
    role = fit.role
    return {
        "id": role.pk,
        "title": role.title,
        "specialty": role.specialty.slug,
        "specialty_name": str(role.specialty),
        "minimum_proficiency": role.minimum_proficiency,
        "people_needed": role.people_needed,
        "places_left": fit.places_left,
        "languages": [language.code for language in role.languages.all()],
        "extra_credentials": [credential_type.slug for credential_type in role.extra_credentials.all()],
        "required_courses": [course.slug for course in role.required_courses.all()],
        "scope_of_practice": role.scope_of_practice,
        "supervisor_required_for_trainees": role.supervisor_required_for_trainees,
    }


def _organization_ref(organization) -> dict[str, str]:
    return {"slug": organization.slug, "name": organization.name}


def _opportunity_out(result: discovery.OpportunityResult, viewer: discovery.Viewer) -> dict[str, Any]:
    mission = result.mission
    site = mission.site
    return {
        "id": mission.pk,
        "title": mission.title,
        "description": mission.description,
        "status": mission.status,
        "site": {
            "name": site.name,
            "town": site.town,
            "country": site.country.code,
            "country_name": str(site.country.name),
            "region": region_of(site.country.code),
        },
        "starts_on": mission.starts_on,
        "ends_on": mission.ends_on,
        "duration_days": result.duration_days,
        "time_zone": mission.time_zone,
        "host_organizations": [_organization_ref(organization) for organization in result.hosts],
        "partner_organizations": [_organization_ref(organization) for organization in result.partners],
        "roles": [_role_out(fit) for fit in result.roles],
        "tag_matches": {
            "count": result.tag_match.count,
            "of": result.tag_match.of,
            "tags": [tag.slug for tag in result.tag_match.tags],
        },
        "requirements": _requirements_out(result.best, viewer),
        "url": reverse("missions:opportunity", args=[mission.pk]),
    }


class _ResultPages:
    """Like lib.pagination.MappedQuerySet, but builds a whole page at once so that the viewer's
    requirement checks are one batch per page, not one per result."""

    def __init__(self, queryset, viewer: discovery.Viewer):
        self.queryset = queryset
        self.viewer = viewer

    def all(self):
        return self.queryset.all()

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        missions: Sequence[Mission] = list(self.queryset[index])
        return [
            _opportunity_out(result, self.viewer) for result in discovery.build_results(missions, self.viewer)
        ]


def _application_out(application: Application) -> dict[str, Any]:
    assignment = getattr(application, "assignment", None)
    return {
        "id": application.pk,
        "role": application.role_id,
        "role_title": application.role.title,
        "mission": application.role.mission_id,
        "mission_title": application.role.mission.title,
        "person": application.person_id,
        "person_name": application.person.full_name,
        "motivation": application.motivation,
        "status": application.status,
        "status_label": str(application.get_status_display()),
        "message": application.message,
        "decided_at": application.decided_at,
        "created_at": application.created_at,
        "assignment": assignment.pk if assignment is not None else None,
    }


def _application_queryset():
    return Application.objects.select_related("role__mission", "person", "assignment")


def _reloaded(application: Application) -> dict[str, Any]:
    return _application_out(_application_queryset().get(pk=application.pk))


def _assignment_out(assignment: Assignment) -> dict[str, Any]:
    return {
        "id": assignment.pk,
        "mission": assignment.mission_id,
        "role": assignment.role_id,
        "person": assignment.person_id,
        "person_name": assignment.person.full_name,
        "application": assignment.application_id,
        "starts_on": assignment.starts_on,
        "ends_on": assignment.ends_on,
        "supervisor": assignment.supervisor_id,
        "supervisor_name": assignment.supervisor.full_name if assignment.supervisor is not None else None,
        "status": assignment.status,
    }


def _saved_search_out(saved: SavedSearch) -> dict[str, Any]:
    query = discovery.query_string(saved.filters or {})
    search_url = reverse("missions:opportunities")
    return {
        "id": saved.pk,
        "name": saved.name,
        "filters": saved.filters or {},
        "email_alerts": saved.email_alerts,
        "created_at": saved.created_at,
        "last_sent_at": saved.last_sent_at,
        "url": f"{search_url}?{query}" if query else search_url,
    }


# Opportunities -----------------------------------------------------------------------------------


@opportunities_router.get(
    "",
    response=list[OpportunityOut],
    summary="Recruiting missions with filters, your tag matches and the requirements you meet",
)
@paginate(PageNumberPagination, page_size=discovery.PAGE_SIZE)
def list_opportunities(request, filters: Query[Filters]):
    cleaned = discovery.clean_filters(filters.dict())
    viewer = discovery.viewer_for(request.user)
    return _ResultPages(discovery.with_details(discovery.search_opportunities(cleaned)), viewer)


@opportunities_router.get(
    "/{mission_id}",
    response=OpportunityDetailOut,
    summary="An opportunity: roles with your requirements per role, site guidance and your applications",
)
def get_opportunity(request, mission_id: int):
    mission = discovery.get_opportunity_or_404(request.user, mission_id)
    mission = discovery.with_details(Mission.objects.filter(pk=mission.pk)).get()
    mission_access = MissionAccess.of(request.user, mission)
    viewer = discovery.viewer_for(request.user)
    result = discovery.build_results([mission], viewer)[0]
    out = _opportunity_out(result, viewer)
    out["roles"] = [
        {**_role_out(fit), "requirements": _requirements_out(fit, viewer)} for fit in result.roles
    ]
    out["recruiting"] = mission.status == MissionStatus.RECRUITING and mission.host_confirmed_at is not None
    out["guidance"] = {
        "culture": mission.site.culture_guidance,
        "customs": mission.site.customs_guidance,
        "security": mission.site.security_guidance if mission_access.can_see_team else None,
    }
    out["my_applications"] = [
        {
            "id": application.pk,
            "role": application.role_id,
            "status": application.status,
            "message": application.message,
        }
        for application in mission_access.own_applications
    ]
    return out


# Applications ------------------------------------------------------------------------------------


def _role_to_apply_for(user, role_id: int) -> Role:
    """A role of a mission the user may see or discover; anything else is an unknown role."""
    mission_id = Role.objects.filter(pk=role_id).values_list("mission_id", flat=True).first()
    try:
        if mission_id is None:
            raise Http404
        mission = discovery.get_opportunity_or_404(user, mission_id)
    except Http404 as error:
        message = _("Unknown role.")
        raise ValidationFailed(message, fields={"role": message}) from error
    return Role.objects.select_related("mission").get(pk=role_id, mission=mission)


@applications_router.post("", response={201: ApplicationOut}, summary="Apply to a role with a motivation")
def apply(request, payload: ApplicationIn):
    role = _role_to_apply_for(request.user, payload.role)
    application = applications.apply(role, actor=request.user, motivation=payload.motivation)
    return Status(201, _reloaded(application))


@applications_router.get(
    "",
    response=list[ApplicationOut],
    summary="Your applications; with ?mission=, a mission's applications (its organisations' members)",
)
@paginate(PageNumberPagination, page_size=50)
def list_applications(request, filters: Query[ApplicationFilters]):
    if filters.mission is not None:
        mission = get_mission_or_404(request.user, filters.mission)
        if not MissionAccess.of(request.user, mission).is_party_member:
            raise Http404
        found = _application_queryset().filter(role__mission=mission)
    else:
        found = _application_queryset().filter(person__user=request.user)
    if filters.status:
        if filters.status not in ApplicationStatus.values:
            message = _("Choose a status.")
            raise ValidationFailed(message, fields={"status": message})
        found = found.filter(status=filters.status)
    return MappedQuerySet(found.order_by("created_at", "pk"), _application_out)


@applications_router.get(
    "/{application_id}",
    response=ApplicationOut,
    summary="An application (the applicant, and members of the mission's organisations)",
)
def get_application(request, application_id: int):
    return _reloaded(get_application_or_404(request.user, application_id))


@applications_router.post(
    "/{application_id}/withdraw",
    response=ApplicationOut,
    summary="Withdraw your application (an accepted place is freed)",
)
def withdraw(request, application_id: int):
    application = get_application_or_404(request.user, application_id)
    return _reloaded(applications.withdraw(application, actor=request.user))


def _managed_application(request, application_id: int) -> Application:
    """The application, for coordinators and admins of a party (who else sees it gets 403 before
    any check of the payload)."""
    application = get_application_or_404(request.user, application_id)
    if not MissionAccess.of(request.user, application.role.mission).can_manage:
        raise NotAllowed(
            _("Only coordinators and admins of a party to the partnership review applications."),
            code="not_party_manager",
        )
    return application


@applications_router.post(
    "/{application_id}/review",
    response=ApplicationOut,
    summary="Shortlist, waitlist or decline, with a message (coordinators and admins of a party)",
)
def review(request, application_id: int, payload: ReviewIn):
    application = _managed_application(request, application_id)
    reviewed = applications.review(
        application, actor=request.user, decision=payload.decision, message=payload.message
    )
    return _reloaded(reviewed)


@applications_router.post(
    "/{application_id}/accept",
    response={201: AssignmentOut},
    summary="Accept: creates the assignment (coordinators and admins of a party)",
)
def accept(request, application_id: int, payload: AcceptIn):
    application = _managed_application(request, application_id)
    mission = application.role.mission
    supervisor = None
    if payload.supervisor is not None:
        supervisor = (
            applications.supervisor_candidates(mission, exclude_person_id=application.person_id)
            .filter(pk=payload.supervisor)
            .first()
        )
        if supervisor is None:
            message = _("Choose someone already on the team who is not a trainee.")
            raise ValidationFailed(message, fields={"supervisor": message})
    assignment = applications.accept(
        application, actor=request.user, message=payload.message, supervisor=supervisor
    )
    assignment = Assignment.objects.select_related("person", "supervisor").get(pk=assignment.pk)
    return Status(201, _assignment_out(assignment))


# Saved searches ----------------------------------------------------------------------------------


@saved_searches_router.get("", response=list[SavedSearchOut], summary="Your saved searches")
def list_saved_searches(request):
    return [_saved_search_out(saved) for saved in discovery.saved_searches_of(request.user)]


@saved_searches_router.post(
    "",
    response={201: SavedSearchOut},
    summary="Save filters; new matching opportunities are emailed (those matching now are not)",
)
def create_saved_search(request, payload: SavedSearchIn):
    saved = discovery.create_saved_search(
        actor=request.user,
        name=payload.name,
        filters=payload.filters.dict() if payload.filters is not None else {},
        email_alerts=payload.email_alerts,
    )
    return Status(201, _saved_search_out(saved))


@saved_searches_router.patch(
    "/{saved_search_id}", response=SavedSearchOut, summary="Rename, change the filters or switch alerts"
)
def update_saved_search(request, saved_search_id: int, payload: SavedSearchPatch):
    saved = discovery.get_saved_search_or_404(request.user, saved_search_id)
    saved = discovery.update_saved_search(
        saved,
        actor=request.user,
        name=payload.name,
        email_alerts=payload.email_alerts,
        filters=payload.filters.dict() if payload.filters is not None else None,
    )
    return _saved_search_out(saved)


@saved_searches_router.delete("/{saved_search_id}", response={204: None}, summary="Delete a saved search")
def delete_saved_search(request, saved_search_id: int):
    saved = discovery.get_saved_search_or_404(request.user, saved_search_id)
    discovery.delete_saved_search(saved, actor=request.user)
    return Status(204, None)


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/opportunities", opportunities_router, ["Opportunities"]),
    ("/applications", applications_router, ["Applications"]),
    ("/saved-searches", saved_searches_router, ["Saved searches"]),
]
