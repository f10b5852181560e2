"""API: privacy. Download everything about yourself; erase your own account."""

from typing import Any

from django.contrib.auth import logout
from ninja import Field, Router, Schema, Status

from medmissions.volunteers import privacy

router = Router()


class ExportOut(Schema):
    """The same sections as the JSON file of /volunteers/me/data/ (see volunteers/privacy.py)."""

    format: dict[str, Any]
    account: dict[str, Any]
    memberships: list[dict[str, Any]]
    api_tokens: list[dict[str, Any]]
    person: dict[str, Any] | None
    merged_profiles: list[dict[str, Any]]
    affiliations: list[dict[str, Any]]
    specialties: list[dict[str, Any]]
    languages: list[dict[str, Any]]
    availability: list[dict[str, Any]]
    credentials: list[dict[str, Any]]
    audit_entries: list[dict[str, Any]]


class EraseIn(Schema):
    confirm_email: str = Field(..., max_length=254, description="The account's email address, typed again.")


@router.get(
    "/export",
    response=ExportOut,
    summary="Everything the platform holds about you (the signed-in person only)",
    description="With `documents=true`, credential documents are included base64-encoded.",
)
def export(request, documents: bool = False):
    return privacy.export_personal_data(request.user, actor=request.user, include_documents=documents)


@router.post(
    "/erase",
    response={204: None},
    summary="Erase your own account and volunteer profile (refused while you are an organisation's last admin)",
)
def erase(request, payload: EraseIn):
    privacy.erase_account(request.user, actor=request.user, confirm_email=payload.confirm_email)
    if hasattr(request, "session"):
        logout(request)  # a browser session ends with the account
    return Status(204, None)


ROUTES: list[tuple[str, Any, list[str]]] = [("/privacy", router, ["Privacy"])]
