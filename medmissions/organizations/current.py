"""The organisation a person is currently acting for (they may belong to several and switch)."""

from __future__ import annotations

from typing import Any

from medmissions.organizations.models import Membership, Organization

SESSION_KEY = "current_organization_id"


def current_organization(request: Any) -> tuple[Organization | None, list[Membership]]:
    cached = getattr(request, "_current_organization", None)
    if cached is not None:
        return cached
    memberships = list(Membership.objects.filter(user=request.user).select_related("organization"))
    chosen = request.session.get(SESSION_KEY)
    organization = next((m.organization for m in memberships if m.organization_id == chosen), None)
    if organization is None and memberships:
        organization = memberships[0].organization
    request._current_organization = (organization, memberships)
    return organization, memberships


def switch_organization(request: Any, organization: Organization) -> None:
    request.session[SESSION_KEY] = organization.pk
    if hasattr(request, "_current_organization"):
        del request._current_organization
