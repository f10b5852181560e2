"""The JSON API, version 1, mounted at /api/v1 (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

Endpoints live in each app's ``api.py`` as routers and call the same services and access
helpers as the HTML views. Every failure answers ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from medmissions.accounts.services import user_for_token
from medmissions.core.errors import DomainError


class BearerToken(HttpBearer):
    """``Authorization: Bearer mm_…`` with a personal API token."""

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session of a signed-in person (CSRF-checked for unsafe methods)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


api = NinjaAPI(
    title="medmissions API",
    version="1",
    description=(
        "Organisations, memberships, sites, partnerships and health checks; volunteer profiles, "
        "credentials and their verification, country requirements, readiness, compliance, bulk "
        "import and merge, and personal data export and erasure. Authenticate with a personal API "
        "token (`Authorization: Bearer mm_…`, created on your profile page) or a browser session. "
        'Errors answer `{"error": {"code", "message", "fields"}}`.'
    ),
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api-v1",
)


def error_response(request: HttpRequest, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, error: DomainError):
    return error_response(request, error.status, error.code, error.message, error.fields)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, error: NinjaValidationError):
    fields: dict[str, str] = {}
    for item in error.errors:
        location = [
            str(part)
            for part in item.get("loc", [])
            if part not in ("body", "query", "path", "payload", "form", "file")
        ]
        fields[".".join(location) or "request"] = str(item.get("msg", _("Invalid value.")))
    return error_response(request, 400, "invalid", _("The request is not valid; see the fields."), fields)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, error):
    return error_response(request, 401, "unauthenticated", _("Sign in or send a valid API token."))


@api.exception_handler(Http404)
def on_not_found(request, error):
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, error):
    return error_response(request, 403, "forbidden", str(error) or _("You may not do this."))


@api.exception_handler(HttpError)
def on_http_error(request, error: HttpError):
    return error_response(request, error.status_code, "error", str(error))


def _register_routers() -> None:
    from medmissions.accounts.api import router as accounts_router
    from medmissions.organizations.api import reference_router
    from medmissions.organizations.api import router as organizations_router
    from medmissions.partnerships.api import router as partnerships_router
    from medmissions.sites.api import router as sites_router

    api.add_router("/me", accounts_router, tags=["Accounts"])
    api.add_router("/organizations", organizations_router, tags=["Organisations"])
    api.add_router("/reference", reference_router, tags=["Reference lists"])
    api.add_router("/sites", sites_router, tags=["Sites"])
    api.add_router("/partnerships", partnerships_router, tags=["Partnerships"])

    from medmissions.volunteers.api import ROUTES as volunteer_routes

    for prefix, router, tags in volunteer_routes:
        api.add_router(prefix, router, tags=tags)

    from medmissions.missions.api import ROUTES as mission_routes

    for prefix, router, tags in mission_routes:
        api.add_router(prefix, router, tags=tags)

    from medmissions.matching.api import ROUTES as matching_routes

    for prefix, router, tags in matching_routes:
        api.add_router(prefix, router, tags=tags)

    from medmissions.supplies.api import ROUTES as supply_routes

    for prefix, router, tags in supply_routes:
        api.add_router(prefix, router, tags=tags)

    from medmissions.clinics.api import ROUTES as clinic_routes

    for prefix, router, tags in clinic_routes:
        api.add_router(prefix, router, tags=tags)


_register_routers()
