"""The volunteers app's API routers, one module per area; medmissions/api.py mounts ROUTES."""

from medmissions.volunteers.api import compliance, credentials, imports, privacy, profile

ROUTES = [*profile.ROUTES, *credentials.ROUTES, *compliance.ROUTES, *imports.ROUTES, *privacy.ROUTES]
