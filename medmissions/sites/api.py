"""API: sites of your organisations and of your partners."""

from decimal import Decimal
from typing import Any

from django.db.models import Q
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.models import Language
from medmissions.lib.pagination import MappedQuerySet
from medmissions.organizations.access import get_visible_or_404
from medmissions.organizations.api import _resolve
from medmissions.organizations.models import Organization
from medmissions.sites import services
from medmissions.sites.models import Site

router = Router()


class SiteOut(Schema):
    id: int
    name: str
    kind: str
    host_organization: str
    country: str
    admin_level_1: str
    admin_level_2: str
    town: str
    latitude: Decimal | None
    longitude: Decimal | None
    languages: list[str]
    culture_guidance: str
    customs_guidance: str
    security_guidance: str

    @staticmethod
    def from_site(site: Site) -> dict[str, Any]:
        return {
            "id": site.pk,
            "name": site.name,
            "kind": site.kind,
            "host_organization": site.host_organization.slug,
            "country": site.country.code,
            "admin_level_1": site.admin_level_1,
            "admin_level_2": site.admin_level_2,
            "town": site.town,
            "latitude": site.latitude,
            "longitude": site.longitude,
            "languages": [language.code for language in site.languages.all()],
            "culture_guidance": site.culture_guidance,
            "customs_guidance": site.customs_guidance,
            "security_guidance": site.security_guidance,
        }


class SiteFields(Schema):
    name: str | None = Field(None, max_length=200)
    kind: str | None = None
    country: str | None = Field(None, max_length=2)
    admin_level_1: str | None = Field(None, max_length=120)
    admin_level_2: str | None = Field(None, max_length=120)
    town: str | None = Field(None, max_length=120)
    latitude: float | str | None = None
    longitude: float | str | None = None
    languages: list[str] | None = None
    culture_guidance: str | None = None
    customs_guidance: str | None = None
    security_guidance: str | None = None


class SiteIn(SiteFields):
    host_organization: str = Field(..., description="Slug of the host organisation (you must coordinate it)")
    name: str = Field(..., max_length=200)
    kind: str
    country: str = Field(..., max_length=2)


class SiteFilters(Schema):
    q: str | None = None
    kind: str | None = None
    country: str | None = None
    host_organization: str | None = None


def _loaded(queryset):
    return queryset.select_related("host_organization").prefetch_related("languages")


def _data(payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    data.pop("host_organization", None)
    if "languages" in data:
        data["languages"] = _resolve(Language, "code", data["languages"], "languages")
    return data


@router.get("", response=list[SiteOut])
@paginate(PageNumberPagination, page_size=50)
def list_sites(request, filters: Query[SiteFilters]):
    sites = _loaded(Site.objects.visible_to(request.user))
    if filters.kind:
        sites = sites.filter(kind=filters.kind)
    if filters.country:
        sites = sites.filter(country=filters.country)
    if filters.host_organization:
        sites = sites.filter(host_organization__slug=filters.host_organization)
    if filters.q:
        sites = sites.filter(Q(name__icontains=filters.q) | Q(town__icontains=filters.q))
    return MappedQuerySet(sites.order_by("name"), SiteOut.from_site)


@router.post("", response={201: SiteOut}, summary="Add a site (coordinators and admins of the host)")
def create_site(request, payload: SiteIn):
    host = get_visible_or_404(Organization, request.user, slug=payload.host_organization)
    site = services.create_site(
        actor=request.user, host_organization=host, data=_data(payload, partial=False)
    )
    return Status(201, SiteOut.from_site(_loaded(Site.objects.all()).get(pk=site.pk)))


@router.get("/{site_id}", response=SiteOut)
def get_site(request, site_id: int):
    return SiteOut.from_site(get_visible_or_404(_loaded(Site.objects.all()), request.user, pk=site_id))


@router.patch("/{site_id}", response=SiteOut)
def update_site(request, site_id: int, payload: SiteFields):
    site = get_visible_or_404(Site, request.user, pk=site_id)
    services.update_site(site, actor=request.user, data=_data(payload, partial=True))
    return SiteOut.from_site(_loaded(Site.objects.all()).get(pk=site.pk))


@router.delete("/{site_id}", response={204: None})
def delete_site(request, site_id: int):
    site = get_visible_or_404(Site, request.user, pk=site_id)
    services.delete_site(site, actor=request.user)
    return Status(204, None)
