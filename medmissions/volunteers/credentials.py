"""Credentials: add, change, delete, verify per organisation, and read the document (audited)."""

from __future__ import annotations

import datetime
import secrets
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.lib.uploads import IMAGE_TYPES, PDF, DetectedFile, check_upload
from medmissions.organizations.models import Organization
from medmissions.volunteers.access import (
    can_read_documents,
    home_organization_ids,
    is_owner,
    require_edit,
    require_vetting,
    vetting_organization_ids,
)
from medmissions.volunteers.choices import VerificationOutcome
from medmissions.volunteers.models import (
    Credential,
    CredentialType,
    CredentialVerification,
    Person,
)

FIELDS = ["credential_type", "issuing_body", "country", "state", "number", "issued_on", "expires_on"]
AUDITED_FIELDS = [*FIELDS, "document"]
DOCUMENT_TYPES = {PDF, *IMAGE_TYPES}


def clean_credential_data(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned = {name: data.get(name) for name in FIELDS}
    for name in ("issuing_body", "state", "number"):
        cleaned[name] = (cleaned[name] or "").strip()
    cleaned["country"] = str(cleaned["country"] or "").upper()
    credential_type = cleaned["credential_type"]
    if not isinstance(credential_type, CredentialType):
        errors["credential_type"] = _("Choose the type of credential.")
    if not cleaned["issuing_body"]:
        errors["issuing_body"] = _("Name the body that issued it.")
    if cleaned["country"] and cleaned["country"] not in dict(countries):
        errors["country"] = _("Choose a country.")
    if (
        isinstance(credential_type, CredentialType)
        and credential_type.issued_by_host_country
        and not cleaned["country"]
    ):
        errors["country"] = _("Give the country that issued it: it only counts there.")
    for name in ("issued_on", "expires_on"):
        if cleaned[name] is not None and not isinstance(cleaned[name], datetime.date):
            errors[name] = _("Enter a valid date.")
    issued, expires = cleaned["issued_on"], cleaned["expires_on"]
    if isinstance(credential_type, CredentialType) and credential_type.has_expiry and expires is None:
        errors["expires_on"] = _("Give the expiry date.")
    if isinstance(issued, datetime.date) and isinstance(expires, datetime.date) and expires < issued:
        errors["expires_on"] = _("The expiry date is before the issue date.")
    if isinstance(issued, datetime.date) and issued > timezone.localdate():
        errors["issued_on"] = _("The issue date is in the future.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return cleaned


def check_document(document: IO[bytes]) -> DetectedFile:
    """A credential document must be a PDF or an image of at most 10 MB, recognised by its content."""
    try:
        return check_upload(
            document,
            allowed=DOCUMENT_TYPES,
            max_bytes=settings.MAX_DOCUMENT_UPLOAD_BYTES,
            label=_("document"),
        )
    except ValidationFailed as error:
        raise ValidationFailed(error.message, code=error.code, fields={"document": error.message}) from error


def _validate(data: dict[str, Any], document: IO[bytes] | None) -> tuple[dict[str, Any], DetectedFile | None]:
    """Check the fields and the document together, so that one answer names every problem."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] | None = None
    detected: DetectedFile | None = None
    document_error: ValidationFailed | None = None
    try:
        cleaned = clean_credential_data(data)
    except ValidationFailed as error:
        errors.update(error.fields)
    if document is not None:
        try:
            detected = check_document(document)
        except ValidationFailed as error:
            document_error = error
            errors.update(error.fields)
    if document_error is not None and cleaned is not None:
        raise document_error  # keeps its specific code (file_too_large, file_type_not_allowed…)
    if errors or cleaned is None:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return cleaned, detected


def _attach_document(credential: Credential, document: IO[bytes], detected: DetectedFile) -> None:
    """Store the checked file under a new random name; the previous file goes only after commit, so
    a rolled-back change still finds the file its row names."""
    previous = credential.document.name if credential.document else ""
    storage = credential.document.storage
    credential.document.save(f"{secrets.token_hex(12)}.{detected.extension}", document, save=False)
    credential.document_content_type = detected.content_type
    if previous:
        transaction.on_commit(lambda: storage.delete(previous))


def _organization_acting_for(actor: User, person: Person) -> Organization | None:
    """Whose audit trail a change by someone other than the person belongs to (their home organisation)."""
    if is_owner(actor, person):
        return None
    ids = home_organization_ids(actor, person)
    return Organization.objects.filter(pk__in=ids).order_by("pk").first() if ids else None


@transaction.atomic
def add_credential(
    person: Person, *, actor: User, data: dict[str, Any], document: IO[bytes] | None = None
) -> Credential:
    """Add a credential to a profile the actor may edit (their own, or an unclaimed one of their home
    organisation). The document is optional here, but only a credential with one can be verified."""
    require_edit(actor, person)
    cleaned, detected = _validate(data, document)
    credential = Credential(person=person, **cleaned)
    if document is not None and detected is not None:
        _attach_document(credential, document, detected)
    credential.save()
    log_action(
        "volunteers.credential.created",
        actor=actor,
        organization=_organization_acting_for(actor, person),
        obj=credential,
        after=snapshot(credential, AUDITED_FIELDS),
        data={"person": person.pk},
    )
    return credential


@transaction.atomic
def update_credential(
    credential: Credential, *, actor: User, data: dict[str, Any], document: IO[bytes] | None = None
) -> Credential:
    """Change a credential. Any change withdraws existing verifications: they vouched for what was there."""
    require_edit(actor, credential.person)
    # Lock the row so that a verification cannot slip in between reading and withdrawing.
    credential.refresh_from_db(from_queryset=Credential.objects.select_for_update())
    merged = {name: data.get(name, getattr(credential, name)) for name in FIELDS}
    cleaned, detected = _validate(merged, document)
    before = snapshot(credential, AUDITED_FIELDS)
    for name, value in cleaned.items():
        setattr(credential, name, value)
    if document is not None and detected is not None:
        _attach_document(credential, document, detected)
    credential.save()
    after = snapshot(credential, AUDITED_FIELDS)
    withdrawn: list[int] = []
    if before != after:
        withdrawn = sorted(credential.verifications.values_list("organization_id", flat=True))
        credential.verifications.all().delete()
    log_action(
        "volunteers.credential.updated",
        actor=actor,
        organization=_organization_acting_for(actor, credential.person),
        obj=credential,
        before=before,
        after=after,
        data={"person": credential.person_id, "verifications_withdrawn": withdrawn},
    )
    return credential


@transaction.atomic
def delete_credential(credential: Credential, *, actor: User) -> None:
    require_edit(actor, credential.person)
    log_action(
        "volunteers.credential.deleted",
        actor=actor,
        organization=_organization_acting_for(actor, credential.person),
        obj=credential,
        before=snapshot(credential, AUDITED_FIELDS),
        data={"person": credential.person_id},
    )
    name = credential.document.name if credential.document else ""
    storage = credential.document.storage
    credential.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def verify_credential(
    credential: Credential,
    *,
    actor: User,
    organization: Organization,
    outcome: str,
    notes: str = "",
    seen_updated_at: datetime.datetime | None = None,
) -> CredentialVerification:
    """Record an organisation's check of a credential (verified or rejected, with notes).

    ``seen_updated_at`` is the credential's ``updated_at`` when the checker opened it: if the person
    changed it since, the checker has not seen what they would vouch for, and the check is refused.
    The person is told by email once the check is committed.
    """
    require_vetting(actor, credential.person, organization.pk)
    if is_owner(actor, credential.person):
        raise NotAllowed(_("You cannot verify your own credentials."), code="own_credential")
    if outcome not in VerificationOutcome.values:
        raise ValidationFailed(
            _("Choose verified or rejected."), fields={"outcome": _("Choose verified or rejected.")}
        )
    notes = (notes or "").strip()
    if outcome == VerificationOutcome.REJECTED and not notes:
        raise ValidationFailed(
            _("Say why it is rejected, so the person can fix it."), fields={"notes": _("Give a reason.")}
        )
    locked = Credential.objects.select_for_update().get(pk=credential.pk)
    if seen_updated_at is not None and locked.updated_at != seen_updated_at:
        raise Conflict(
            _("The credential changed after you opened it. Look at it again before checking it."),
            code="credential_changed",
        )
    if outcome == VerificationOutcome.VERIFIED and not locked.document:
        raise ValidationFailed(_("There is no document to verify against."), code="no_document")
    existing = (
        CredentialVerification.objects.select_for_update()
        .filter(credential=credential, organization=organization)
        .first()
    )
    before = {"outcome": existing.outcome, "notes": existing.notes} if existing else {}
    after = {"outcome": outcome, "notes": notes}
    verification, _created = CredentialVerification.objects.update_or_create(
        credential=credential,
        organization=organization,
        defaults={"outcome": outcome, "notes": notes, "verified_by": actor, "verified_at": timezone.now()},
    )
    log_action(
        f"volunteers.credential.{outcome}",
        actor=actor,
        organization=organization,
        obj=credential,
        before=before,
        after=after,
        data={"person": credential.person_id},
    )
    owner = credential.person.user
    # Only a real change is news; people without an account have nowhere to act on it.
    if before != after and owner is not None and owner.email:
        send_on_commit(
            "credential_checked",
            {
                "person": credential.person,
                "credential": credential,
                "organization": organization,
                "verified": outcome == VerificationOutcome.VERIFIED,
                "notes": notes,
            },
            [(owner.email, owner.language)],
        )
    return verification


def reading_organization(
    actor: User, person: Person, preferred: Organization | None = None
) -> Organization | None:
    """The organisation on whose behalf ``actor`` reads the person's documents: ``preferred`` (the one
    they act for) when it is one of the person's organisations they vet for, else the first such."""
    ids = vetting_organization_ids(actor, person)
    if preferred is not None and preferred.pk in ids:
        return preferred
    return Organization.objects.filter(pk__in=ids).order_by("pk").first() if ids else None


def open_document(credential: Credential, *, actor: User, organization=None) -> IO[bytes]:
    """Open the document for reading. Reads by anyone but the owner are audited in the trail of the
    organisation the reader vets for (``organization`` when it is one of them)."""
    if not credential.document:
        raise ValidationFailed(_("No document was uploaded."), code="no_document")
    if not can_read_documents(actor, credential.person):
        raise NotAllowed(
            _(
                "Only the owner and vetting admins of organisations the person is affiliated with can open documents."
            ),
            code="document_forbidden",
        )
    if not is_owner(actor, credential.person):
        log_action(
            "volunteers.credential.document_read",
            actor=actor,
            organization=reading_organization(actor, credential.person, organization),
            obj=credential,
            data={"person": credential.person_id},
        )
    return credential.document.open("rb")


def awaiting_verification(
    organization: Organization, *, today: datetime.date | None = None
) -> QuerySet[Credential]:
    """The verification queue: documents of people affiliated with ``organization`` that it has
    neither verified nor rejected, oldest change first, leaving out credentials already past their
    expiry and grace. A change to a credential withdraws its verifications, so changed credentials
    come back by themselves.

    The compliance report and the daily digest count the same rows (one definition, in
    compliance.awaiting_queryset), so the numbers an admin is emailed match the queue they open.
    """
    from medmissions.volunteers.compliance import awaiting_queryset

    return awaiting_queryset(organization, today=today or timezone.localdate())
