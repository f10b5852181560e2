"""API: bulk import of people (dry run, commit) and merging two records of the same person.

ROUTES lists (prefix, router, tags) for medmissions/api.py to mount.
"""

import datetime
from typing import Any, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, get_visible_or_404
from medmissions.organizations.models import Organization
from medmissions.volunteers import imports, merge
from medmissions.volunteers.models import Person

router = Router()


def _vetting_organization(request, slug: str) -> Organization:
    """404 to non-members (as if it did not exist), 403 to members who do not vet volunteers."""
    organization = get_visible_or_404(Organization, request.user, slug=slug)
    access = access_for(request.user)
    if access.role_in(organization) is None:
        raise Http404
    if not access.can(organization, Capability.VET_VOLUNTEERS):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.VET_VOLUNTEERS])
    return organization


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class MatchOut(Schema):
    id: int
    full_name: str
    email: str
    has_account: bool
    reasons: list[str]


class CredentialPlanOut(Schema):
    row: int
    credential_type: str
    number: str
    country: str
    expires_on: datetime.date | None


class PersonPlanOut(Schema):
    rows: list[int]
    status: Literal["new", "duplicate", "invalid"]
    full_name: str
    email: str
    profession: str | None
    specialties: list[str]
    languages: list[str]
    credentials: list[CredentialPlanOut]
    duplicates: list[MatchOut]


class AnalysisOut(Schema):
    file_name: str
    file_format: str
    file_sha256: str
    rows: int
    people_to_create: int
    credentials_to_create: int
    duplicates: int
    errors: list[RowErrorOut]
    people: list[PersonPlanOut]
    token: str | None = None

    @staticmethod
    def from_analysis(analysis: imports.Analysis) -> dict[str, Any]:
        return {
            "file_name": analysis.file_name,
            "file_format": analysis.file_format,
            "file_sha256": analysis.file_sha256,
            "rows": analysis.rows,
            "people_to_create": len(analysis.new_people),
            "credentials_to_create": analysis.credentials_to_create,
            "duplicates": len(analysis.duplicate_people),
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in analysis.errors],
            "people": [
                {
                    "rows": plan.rows,
                    "status": plan.status,
                    "full_name": plan.full_name,
                    "email": plan.email,
                    "profession": plan.profile["profession"].slug if plan.profile.get("profession") else None,
                    "specialties": [f"{specialty.slug}:{level}" for specialty, level in plan.specialties],
                    "languages": [f"{language.code}:{s}/{r}/{w}" for language, s, r, w in plan.languages],
                    "credentials": [
                        {
                            "row": credential.row,
                            "credential_type": credential.data["credential_type"].slug,
                            "number": credential.data["number"],
                            "country": credential.data["country"],
                            "expires_on": credential.data["expires_on"],
                        }
                        for credential in plan.credentials
                    ],
                    "duplicates": [
                        {
                            "id": match.person.pk,
                            "full_name": match.person.full_name,
                            "email": match.person.email,
                            "has_account": match.person.user_id is not None,
                            "reasons": match.reasons,
                        }
                        for match in plan.matches
                    ],
                }
                for plan in analysis.people
            ],
            "token": analysis.token,
        }


class MergePairOut(Schema):
    imported: int
    existing: int


class CommitOut(Schema):
    people_created: int
    credentials_created: int
    duplicates_skipped: int
    imported_for_merge: list[MergePairOut]


@router.post(
    "/people/dry-run",
    response=AnalysisOut,
    summary="Check a CSV or XLSX file of people without importing it (coordinators and admins)",
)
def dry_run(request, file: File[UploadedFile], organization: Form[str]):
    target = _vetting_organization(request, organization)
    return AnalysisOut.from_analysis(imports.dry_run(target, actor=request.user, upload=file))


@router.post(
    "/people/commit",
    response={201: CommitOut},
    summary="Import the people of a dry run's token, or of the file sent again: all or nothing (coordinators and admins)",
)
def commit(
    request,
    file: File[UploadedFile | None] = None,
    organization: Form[str | None] = None,
    token: Form[str | None] = None,
    import_duplicates: Form[list[int] | None] = None,
):
    if token:
        pending = imports.read_token(token)
        if organization is None:
            target = Organization.objects.filter(pk=pending.organization_id).first()
            if target is None:
                raise Http404
            organization = target.slug
    if not organization:
        message = _("Give the organisation's slug.")
        raise ValidationFailed(message, fields={"organization": message})
    target = _vetting_organization(request, organization)
    result = imports.commit_import(
        target,
        actor=request.user,
        upload=None if token else file,
        token=token or None,
        import_duplicates=import_duplicates or [],
    )
    return Status(
        201,
        {
            "people_created": result.people_created,
            "credentials_created": result.credentials_created,
            "duplicates_skipped": result.duplicates_skipped,
            "imported_for_merge": [
                {"imported": new.pk, "existing": existing.pk} for new, existing in result.merge_pairs
            ],
        },
    )


class MergeIn(Schema):
    organization: str
    keep: int
    merge: int
    fields: dict[str, Literal["keep", "merge"]] = {}


class MergedPersonOut(Schema):
    id: int
    full_name: str
    email: str
    has_account: bool
    merged_from: list[int]
    credentials: int
    specialties: list[str]
    languages: list[str]
    organizations: list[str]


@router.post(
    "/merge",
    response=MergedPersonOut,
    summary="Merge a duplicate record into the record kept (coordinators and admins)",
)
def merge_people(request, payload: MergeIn):
    organization = _vetting_organization(request, payload.organization)
    unknown = sorted(set(payload.fields) - set(merge.MERGE_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)},
            fields={"fields": ", ".join(unknown)},
        )
    keep = get_visible_or_404(Person, request.user, pk=payload.keep)
    merged = get_visible_or_404(Person, request.user, pk=payload.merge)
    kept = merge.merge_people(
        actor=request.user,
        organization=organization,
        keep=keep,
        merge=merged,
        take=[name for name, choice in payload.fields.items() if choice == "merge"],
    )
    return {
        "id": kept.pk,
        "full_name": kept.full_name,
        "email": kept.email,
        "has_account": kept.user_id is not None,
        "merged_from": sorted(kept.merged_from.values_list("pk", flat=True)),
        "credentials": kept.credentials.count(),
        "specialties": sorted(
            f"{row.specialty.slug}:{row.proficiency}" for row in kept.specialties.select_related("specialty")
        ),
        "languages": sorted(
            f"{row.language.code}:{row.speaking}/{row.reading}/{row.writing}"
            for row in kept.languages.select_related("language")
        ),
        "organizations": sorted(
            {row.organization.slug for row in kept.affiliations.select_related("organization")}
        ),
    }


ROUTES: list[tuple[str, Any, list[str]]] = [("/imports", router, ["Imports"])]
