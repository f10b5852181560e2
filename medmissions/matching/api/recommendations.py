"""API: partner recommendations. ROUTES lists (prefix, router, tags) for medmissions/api.py to mount.

* ``GET /matching/needs/{need_id}/partners`` — sending organisations ranked for a need, for
  whoever may read the need (``GET /needs/{need_id}``): its host's, its author's and the host's
  partners' members. Other needs answer 404.
* ``GET /matching/organizations/{slug}/needs`` — the open needs an organisation could answer,
  for its members; other organisations answer 404. Only needs the organisation may see appear.

Both are reads through matching/recommendations.py; every score comes with its components, their
weights and a sentence explaining each.
"""

import datetime
from typing import Any

from ninja import Field, Query, Router, Schema

from medmissions.matching import recommendations
from medmissions.matching.access import get_member_organization_or_404
from medmissions.matching.candidates import Score
from medmissions.missions.access import get_need_or_404

needs_router = Router()
organizations_router = Router()


class ComponentOut(Schema):
    key: str = Field(..., description="capability, language, country, site or values")
    label: str
    weight: int
    value: float = Field(..., description="0..1")
    points: int = Field(..., description="weight × value, rounded half up")
    detail: str = Field(..., description="Why, in a sentence")


class ScoreOut(Schema):
    total: int
    components: list[ComponentOut]


class PartnerOut(Schema):
    organization: str = Field(..., description="Slug of the organisation")
    organization_name: str
    kind: str
    country: str
    score: ScoreOut
    works_with_host: bool = Field(..., description="In an active or paused partnership with the need's host")
    answering_need: bool = Field(..., description="Party to a mission (not cancelled) answering this need")


class PartnersOut(Schema):
    need: int
    status: str = Field(..., description="The need's derived status; a withdrawn need has no recommendations")
    count: int = Field(..., description="Organisations that could answer it, before the limit")
    recommendations: list[PartnerOut]


class PartnerFilters(Schema):
    limit: int = Field(recommendations.DEFAULT_LIMIT, ge=1, le=recommendations.MAX_LIMIT)
    new_partners_only: bool = Field(
        False, description="Leave out organisations already working with the host or answering the need"
    )


class NeedLineOut(Schema):
    specialty: str = Field(..., description="Code of a specialty")
    specialty_name: str
    people: int


class RecommendedNeedOut(Schema):
    need: int
    title: str
    host_organization: str = Field(..., description="Slug of the host")
    host_organization_name: str
    site: int
    site_name: str
    country: str
    earliest_start: datetime.date
    latest_end: datetime.date
    priority: int = Field(..., description="1 low, 2 normal, 3 high, 4 urgent")
    status: str = Field(..., description="open or partly_met")
    lines: list[NeedLineOut]
    score: ScoreOut
    works_with_host: bool
    answering_need: bool = Field(..., description="The organisation already answers it with a mission")
    proposed_by_organization: bool


class RecommendedNeedsOut(Schema):
    organization: str
    is_sending: bool = Field(
        ..., description="Sends teams, by its kind or as the sending party of a partnership"
    )
    count: int = Field(..., description="Needs it could answer, before the limit")
    recommendations: list[RecommendedNeedOut]


class NeedFilters(Schema):
    limit: int = Field(recommendations.DEFAULT_LIMIT, ge=1, le=recommendations.MAX_LIMIT)


def _score(score: Score) -> dict[str, Any]:
    return {
        "total": score.total,
        "components": [
            {
                "key": component.key,
                "label": str(component.label),
                "weight": component.weight,
                "value": component.value,
                "points": component.points,
                "detail": component.detail,
            }
            for component in score.components
        ],
    }


@needs_router.get(
    "/{need_id}/partners",
    response=PartnersOut,
    summary="Sending organisations ranked for a need, with the reasons",
)
def need_partners(request, need_id: int, filters: Query[PartnerFilters]):
    need = get_need_or_404(request.user, need_id)
    result = recommendations.recommend_partners(
        need, limit=filters.limit, new_partners_only=filters.new_partners_only
    )
    return {
        "need": need.pk,
        "status": str(result.status),
        "count": result.count,
        "recommendations": [
            {
                "organization": item.organization.slug,
                "organization_name": item.organization.name,
                "kind": item.organization.kind,
                "country": item.organization.country.code,
                "score": _score(item.score),
                "works_with_host": item.works_with_host,
                "answering_need": item.answering_need,
            }
            for item in result.ranked
        ],
    }


@organizations_router.get(
    "/{slug}/needs",
    response=RecommendedNeedsOut,
    summary="Open needs your organisation could answer, ranked, with the reasons",
)
def organization_needs(request, slug: str, filters: Query[NeedFilters]):
    organization = get_member_organization_or_404(request.user, slug)
    result = recommendations.recommend_needs(organization, viewer=request.user, limit=filters.limit)
    return {
        "organization": organization.slug,
        "is_sending": result.is_sending,
        "count": result.count,
        "recommendations": [
            {
                "need": item.need.pk,
                "title": item.need.title,
                "host_organization": item.need.host_organization.slug,
                "host_organization_name": item.need.host_organization.name,
                "site": item.need.site_id,
                "site_name": item.need.site.name,
                "country": item.need.site.country.code,
                "earliest_start": item.need.earliest_start,
                "latest_end": item.need.latest_end,
                "priority": item.need.priority,
                "status": str(item.status),
                "lines": [
                    {
                        "specialty": line.specialty.slug,
                        "specialty_name": str(line.specialty),
                        "people": line.people,
                    }
                    for line in item.lines
                ],
                "score": _score(item.score),
                "works_with_host": item.works_with_host,
                "answering_need": item.answering_need,
                "proposed_by_organization": item.proposed_by_organization,
            }
            for item in result.ranked
        ],
    }


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/matching/needs", needs_router, ["Matching"]),
    ("/matching/organizations", organizations_router, ["Matching"]),
]
