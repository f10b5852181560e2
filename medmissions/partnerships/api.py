"""API: partnerships, their lifecycle and parties, health checks and the action plan."""

import datetime
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.organizations.access import access_for, get_visible_or_404
from medmissions.organizations.api import _resolve
from medmissions.organizations.models import Capability as CapabilityTerm
from medmissions.organizations.models import Organization
from medmissions.partnerships import health, services
from medmissions.partnerships.models import ActionItem, HealthCheck, Partnership, PartnershipParty

router = Router()


class PartyOut(Schema):
    id: int
    organization: str
    organization_name: str
    role: str
    confirmed_at: datetime.datetime | None


class PartnershipOut(Schema):
    id: int
    title: str
    shared_goals: str
    focus_areas: list[str]
    start_date: datetime.date | None
    end_date: datetime.date | None
    next_review_date: datetime.date | None
    status: str
    status_reason: str
    is_public: bool
    has_mou: bool
    parties: list[PartyOut]
    created_at: datetime.datetime

    @staticmethod
    def from_partnership(partnership: Partnership) -> dict[str, Any]:
        return {
            "id": partnership.pk,
            "title": partnership.title,
            "shared_goals": partnership.shared_goals,
            "focus_areas": [area.slug for area in partnership.focus_areas.all()],
            "start_date": partnership.start_date,
            "end_date": partnership.end_date,
            "next_review_date": partnership.next_review_date,
            "status": partnership.status,
            "status_reason": partnership.status_reason,
            "is_public": partnership.is_public,
            "has_mou": bool(partnership.mou),
            "parties": [
                {
                    "id": party.pk,
                    "organization": party.organization.slug,
                    "organization_name": party.organization.name,
                    "role": party.role,
                    "confirmed_at": party.confirmed_at,
                }
                for party in partnership.parties.all()
            ],
            "created_at": partnership.created_at,
        }


class PartyIn(Schema):
    organization: str = Field(..., description="Organisation slug")
    role: str


class PartnershipFields(Schema):
    title: str | None = Field(None, max_length=200)
    shared_goals: str | None = None
    focus_areas: list[str] | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    next_review_date: datetime.date | None = None
    is_public: bool | None = None


class PartnershipIn(PartnershipFields):
    title: str = Field(..., max_length=200)
    shared_goals: str
    proposer: str = Field(..., description="Slug of your organisation, which proposes")
    parties: list[PartyIn] = Field(..., description="Every party including the proposer")


class PartnershipFilters(Schema):
    status: str | None = None
    organization: str | None = Field(
        None, description="Only partnerships this organisation (slug) is party to"
    )
    role: str | None = Field(None, description="With `organization`: only where it has this role")
    q: str | None = None


class ReasonIn(Schema):
    reason: str = ""


def _loaded(queryset):
    return queryset.prefetch_related("parties__organization", "focus_areas")


def _get(request, partnership_id: int) -> Partnership:
    return get_visible_or_404(_loaded(Partnership.objects.all()), request.user, pk=partnership_id)


def _get_as_party(request, partnership_id: int) -> Partnership:
    partnership = _get(request, partnership_id)
    roles = access_for(request.user).roles
    if not any(party.organization_id in roles for party in partnership.parties.all()):
        raise Http404
    return partnership


def _out(partnership: Partnership) -> dict[str, Any]:
    return PartnershipOut.from_partnership(_loaded(Partnership.objects.all()).get(pk=partnership.pk))


def _organization(slug: str, field: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise ValidationFailed(_("Unknown organisation: %(slug)s.") % {"slug": slug}, fields={field: slug})
    return organization


@router.get("", response=list[PartnershipOut], summary="Partnerships you can see (yours and public ones)")
@paginate(PageNumberPagination, page_size=50)
def list_partnerships(request, filters: Query[PartnershipFilters]):
    partnerships = _loaded(Partnership.objects.visible_to(request.user))
    if filters.status:
        partnerships = partnerships.filter(status=filters.status)
    if filters.organization:
        parties = PartnershipParty.objects.filter(organization__slug=filters.organization)
        if filters.role:
            parties = parties.filter(role=filters.role)
        partnerships = partnerships.filter(pk__in=parties.values("partnership_id"))
    if filters.q:
        partnerships = partnerships.filter(title__icontains=filters.q)
    return MappedQuerySet(partnerships.order_by("-created_at"), PartnershipOut.from_partnership)


@router.post("", response={201: PartnershipOut}, summary="Propose a partnership")
def propose(request, payload: PartnershipIn):
    proposer = get_visible_or_404(Organization, request.user, slug=payload.proposer)
    parties = [(_organization(party.organization, "parties"), party.role) for party in payload.parties]
    data = payload.dict(exclude={"proposer", "parties", "focus_areas"})
    partnership = services.propose_partnership(
        actor=request.user,
        proposer=proposer,
        data=data,
        parties=parties,
        focus_areas=_resolve(CapabilityTerm, "slug", payload.focus_areas or [], "focus_areas"),
    )
    return Status(201, _out(partnership))


@router.get("/{partnership_id}", response=PartnershipOut)
def get_partnership(request, partnership_id: int):
    return PartnershipOut.from_partnership(_get(request, partnership_id))


@router.patch(
    "/{partnership_id}", response=PartnershipOut, summary="Edit (coordinators and admins of a party)"
)
def update(request, partnership_id: int, payload: PartnershipFields):
    partnership = _get_as_party(request, partnership_id)
    data = payload.dict(exclude_unset=True)
    focus_areas = data.pop("focus_areas", None)
    if focus_areas is not None:
        focus_areas = _resolve(CapabilityTerm, "slug", focus_areas, "focus_areas")
    services.update_partnership(partnership, actor=request.user, data=data, focus_areas=focus_areas)
    return _out(partnership)


@router.post(
    "/{partnership_id}/mou",
    response=PartnershipOut,
    summary="Upload the memorandum (PDF or office document, at most 10 MB)",
)
def upload_mou(request, partnership_id: int, mou: File[UploadedFile]):
    partnership = _get_as_party(request, partnership_id)
    services.update_partnership(partnership, actor=request.user, data={}, mou=mou)
    return _out(partnership)


@router.post("/{partnership_id}/confirm", response=PartnershipOut, summary="Confirm as host (host admins)")
def confirm(request, partnership_id: int):
    partnership = _get(request, partnership_id)
    services.confirm_partnership(partnership, actor=request.user)
    return _out(partnership)


@router.post("/{partnership_id}/decline", response=PartnershipOut, summary="Decline a proposal (host admins)")
def decline(request, partnership_id: int, payload: ReasonIn):
    partnership = _get(request, partnership_id)
    services.decline_partnership(partnership, actor=request.user, reason=payload.reason)
    return _out(partnership)


@router.post("/{partnership_id}/pause", response=PartnershipOut)
def pause(request, partnership_id: int, payload: ReasonIn):
    partnership = _get_as_party(request, partnership_id)
    services.change_status(partnership, actor=request.user, transition="pause", reason=payload.reason)
    return _out(partnership)


@router.post("/{partnership_id}/resume", response=PartnershipOut)
def resume(request, partnership_id: int, payload: ReasonIn):
    partnership = _get_as_party(request, partnership_id)
    services.change_status(partnership, actor=request.user, transition="resume", reason=payload.reason)
    return _out(partnership)


@router.post("/{partnership_id}/close", response=PartnershipOut)
def close(request, partnership_id: int, payload: ReasonIn):
    partnership = _get_as_party(request, partnership_id)
    services.change_status(partnership, actor=request.user, transition="close", reason=payload.reason)
    return _out(partnership)


@router.post(
    "/{partnership_id}/parties", response={201: PartnershipOut}, summary="Add a party (while proposed)"
)
def add_party(request, partnership_id: int, payload: PartyIn):
    partnership = _get_as_party(request, partnership_id)
    services.add_party(
        partnership,
        actor=request.user,
        organization=_organization(payload.organization, "organization"),
        role=payload.role,
    )
    return Status(201, _out(partnership))


@router.delete(
    "/{partnership_id}/parties/{party_id}", response={204: None}, summary="Remove a party (while proposed)"
)
def remove_party(request, partnership_id: int, party_id: int):
    partnership = _get_as_party(request, partnership_id)
    party = get_object_or_404(PartnershipParty, pk=party_id, partnership=partnership)
    services.remove_party(party, actor=request.user)
    return Status(204, None)


class ScoreOut(Schema):
    organization: str
    principle: int
    score: int
    evidence: str


class PrincipleResultOut(Schema):
    principle: int
    label: str
    is_gap: bool
    spread: int | None
    average: float | None
    scores: dict[str, int | None]


class HealthCheckOut(Schema):
    id: int
    round_number: int
    status: str
    opened_at: datetime.datetime
    completed_at: datetime.datetime | None
    summary: str


class HealthCheckDetailOut(HealthCheckOut):
    results: list[PrincipleResultOut]
    scores: list[ScoreOut]
    missing: dict[str, list[int]]


def _check_detail(check: HealthCheck) -> dict[str, Any]:
    outcome = health.results(check)
    slugs = {org.pk: org.slug for org in outcome.organizations}
    return {
        "id": check.pk,
        "round_number": check.round_number,
        "status": check.status,
        "opened_at": check.opened_at,
        "completed_at": check.completed_at,
        "summary": check.summary,
        "results": [
            {
                "principle": row.principle,
                "label": row.label,
                "is_gap": row.is_gap,
                "spread": row.spread,
                "average": row.average,
                "scores": {
                    slugs[org.pk]: (cell.score if cell else None)
                    for org, cell in zip(outcome.organizations, row.cells, strict=True)
                },
            }
            for row in outcome.rows
        ],
        "scores": [
            {
                "organization": slugs[s.organization_id],
                "principle": s.principle,
                "score": s.score,
                "evidence": s.evidence,
            }
            for s in check.scores.all()
        ],
        "missing": {slugs[org_id]: principles for org_id, principles in outcome.missing.items()},
    }


def _get_check(request, partnership_id: int, check_id: int) -> tuple[Partnership, HealthCheck]:
    partnership = _get_as_party(request, partnership_id)
    check = get_visible_or_404(HealthCheck, request.user, pk=check_id, partnership=partnership)
    return partnership, check


@router.get(
    "/{partnership_id}/health-checks",
    response=list[HealthCheckOut],
    summary="Health check rounds (parties only)",
)
def list_health_checks(request, partnership_id: int):
    return list(_get_as_party(request, partnership_id).health_checks.all())


@router.post(
    "/{partnership_id}/health-checks", response={201: HealthCheckDetailOut}, summary="Open a new round"
)
def open_health_check(request, partnership_id: int):
    partnership = _get_as_party(request, partnership_id)
    check = health.open_health_check(partnership, actor=request.user)
    return Status(201, _check_detail(check))


@router.get(
    "/{partnership_id}/health-checks/{check_id}",
    response=HealthCheckDetailOut,
    summary="Scores side by side with gaps",
)
def get_health_check(request, partnership_id: int, check_id: int):
    _partnership, check = _get_check(request, partnership_id, check_id)
    return _check_detail(check)


class ScoreIn(Schema):
    principle: int = Field(..., ge=1, le=10)
    score: int
    evidence: str


class ScoreSheetIn(Schema):
    organization: str = Field(..., description="Slug of the party you score for")
    scores: list[ScoreIn] = Field(..., min_length=1)


@router.put(
    "/{partnership_id}/health-checks/{check_id}/scores",
    response=HealthCheckDetailOut,
    summary="Record a party's scores",
)
def put_scores(request, partnership_id: int, check_id: int, payload: ScoreSheetIn):
    from django.db import transaction

    partnership, check = _get_check(request, partnership_id, check_id)
    organization = next(
        (p.organization for p in partnership.parties.all() if p.organization.slug == payload.organization),
        None,
    )
    if organization is None:
        raise ValidationFailed(
            _("%(slug)s is not a party to this partnership.") % {"slug": payload.organization},
            fields={"organization": payload.organization},
        )
    # All or nothing: one bad score leaves the sheet as it was.
    with transaction.atomic():
        for item in payload.scores:
            health.score_principle(
                check,
                actor=request.user,
                organization=organization,
                principle=item.principle,
                score=item.score,
                evidence=item.evidence,
            )
    return _check_detail(check)


class CompleteIn(Schema):
    summary: str = ""


@router.post("/{partnership_id}/health-checks/{check_id}/complete", response=HealthCheckDetailOut)
def complete_health_check(request, partnership_id: int, check_id: int, payload: CompleteIn):
    _partnership, check = _get_check(request, partnership_id, check_id)
    check = health.complete_health_check(check, actor=request.user, summary=payload.summary)
    return _check_detail(check)


class ActionItemOut(Schema):
    id: int
    title: str
    description: str
    owner_organization: str
    due_date: datetime.date
    principle: int | None
    status: str
    health_check_id: int | None

    @staticmethod
    def from_item(item: ActionItem) -> dict[str, Any]:
        return {
            "id": item.pk,
            "title": item.title,
            "description": item.description,
            "owner_organization": item.owner_organization.slug,
            "due_date": item.due_date,
            "principle": item.principle,
            "status": item.status,
            "health_check_id": item.health_check_id,
        }


class ActionItemFields(Schema):
    title: str | None = Field(None, max_length=200)
    description: str | None = None
    owner_organization: str | None = None
    due_date: datetime.date | None = None
    principle: int | None = None
    status: str | None = None


class ActionItemIn(ActionItemFields):
    title: str = Field(..., max_length=200)
    owner_organization: str
    due_date: datetime.date
    health_check_id: int | None = None


class ActionFilters(Schema):
    status: str | None = None
    owner_organization: str | None = None


def _action_data(payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    data.pop("health_check_id", None)
    if data.get("owner_organization"):
        data["owner_organization"] = _organization(data["owner_organization"], "owner_organization")
    return data


@router.get(
    "/{partnership_id}/action-items", response=list[ActionItemOut], summary="The action plan (parties only)"
)
def list_action_items(request, partnership_id: int, filters: Query[ActionFilters]):
    items = _get_as_party(request, partnership_id).action_items.select_related("owner_organization")
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.owner_organization:
        items = items.filter(owner_organization__slug=filters.owner_organization)
    return [ActionItemOut.from_item(item) for item in items]


@router.post("/{partnership_id}/action-items", response={201: ActionItemOut})
def create_action_item(request, partnership_id: int, payload: ActionItemIn):
    partnership = _get_as_party(request, partnership_id)
    check = None
    if payload.health_check_id:
        check = get_visible_or_404(
            HealthCheck, request.user, pk=payload.health_check_id, partnership=partnership
        )
    item = health.create_action_item(
        partnership, actor=request.user, data=_action_data(payload, partial=False), health_check=check
    )
    return Status(201, ActionItemOut.from_item(item))


@router.patch("/{partnership_id}/action-items/{item_id}", response=ActionItemOut)
def update_action_item(request, partnership_id: int, item_id: int, payload: ActionItemFields):
    partnership = _get_as_party(request, partnership_id)
    item = get_visible_or_404(ActionItem, request.user, pk=item_id, partnership=partnership)
    item = health.update_action_item(item, actor=request.user, data=_action_data(payload, partial=True))
    return ActionItemOut.from_item(item)
