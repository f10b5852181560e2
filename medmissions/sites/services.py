"""Site operations. Only coordinators and admins of the host organisation manage its sites."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django_countries import countries

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, ValidationFailed
from medmissions.organizations.access import Capability, require
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site, SiteKind

FIELDS = [
    "name",
    "kind",
    "country",
    "admin_level_1",
    "admin_level_2",
    "town",
    "latitude",
    "longitude",
    "culture_guidance",
    "customs_guidance",
    "security_guidance",
]
AUDITED_FIELDS = [*FIELDS, "languages"]


def _coordinate(value: Any, name: str, limit: int, errors: dict[str, str]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        errors[name] = _("Enter a number in decimal degrees, e.g. 0.3476.")
        return None
    if not number.is_finite() or not (-limit <= number <= limit):
        errors[name] = _("Must be between -%(limit)d and %(limit)d degrees.") % {"limit": limit}
        return None
    return number


def clean_site_data(data: dict[str, Any]) -> dict[str, Any]:
    """Validate site fields; raise ValidationFailed with a message per field."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {field: data.get(field) for field in FIELDS}
    for field in FIELDS:
        value = cleaned[field]
        if isinstance(value, str):
            cleaned[field] = value.strip()
        if field not in ("latitude", "longitude") and cleaned[field] is None:
            cleaned[field] = ""
    if not cleaned["name"]:
        errors["name"] = _("Enter the site's name.")
    if cleaned["kind"] not in SiteKind.values:
        errors["kind"] = _("Choose a kind of site.")
    if str(cleaned["country"] or "") not in dict(countries):
        errors["country"] = _("Choose a country.")
    cleaned["latitude"] = _coordinate(cleaned["latitude"], "latitude", 90, errors)
    cleaned["longitude"] = _coordinate(cleaned["longitude"], "longitude", 180, errors)
    if (
        "latitude" not in errors
        and "longitude" not in errors
        and (cleaned["latitude"] is None) != (cleaned["longitude"] is None)
    ):
        missing = "longitude" if cleaned["longitude"] is None else "latitude"
        errors[missing] = _("Give both latitude and longitude, or neither.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return cleaned


@transaction.atomic
def create_site(*, actor: User, host_organization: Organization, data: dict[str, Any]) -> Site:
    require(actor, host_organization, Capability.MANAGE_SITES)
    cleaned = clean_site_data(data)
    site = Site.objects.create(host_organization=host_organization, **cleaned)
    if data.get("languages") is not None:
        site.languages.set(data["languages"])
    log_action(
        "sites.site.created",
        actor=actor,
        organization=host_organization,
        obj=site,
        after=snapshot(site, AUDITED_FIELDS),
    )
    return site


@transaction.atomic
def update_site(site: Site, *, actor: User, data: dict[str, Any]) -> Site:
    require(actor, site.host_organization_id, Capability.MANAGE_SITES)
    merged = {field: data.get(field, getattr(site, field)) for field in FIELDS}
    cleaned = clean_site_data(merged)
    before = snapshot(site, AUDITED_FIELDS)
    for field, value in cleaned.items():
        setattr(site, field, value)
    site.save()
    if data.get("languages") is not None:
        site.languages.set(data["languages"])
    log_action(
        "sites.site.updated",
        actor=actor,
        organization=site.host_organization,
        obj=site,
        before=before,
        after=snapshot(site, AUDITED_FIELDS),
    )
    return site


@transaction.atomic
def delete_site(site: Site, *, actor: User) -> None:
    require(actor, site.host_organization_id, Capability.MANAGE_SITES)
    before = snapshot(site, AUDITED_FIELDS)
    log_action(
        "sites.site.deleted", actor=actor, organization=site.host_organization, obj=site, before=before
    )
    try:
        with transaction.atomic():
            site.delete()
    except ProtectedError as error:
        raise Conflict(
            _("This site is still used by other records and cannot be deleted."), code="site_in_use"
        ) from error
