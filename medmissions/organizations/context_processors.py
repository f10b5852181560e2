from __future__ import annotations

from medmissions.organizations.current import current_organization as _current


def current_organization(request):
    """Make the organisation the person is acting for, and their others, available to templates."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    organization, memberships = _current(request)
    return {"current_organization": organization, "my_memberships": memberships}
