"""Credentials: add, change, delete, verify per organisation, and read the document (audited)."""

from __future__ import annotations

import datetime
import secrets
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.lib.uploads import IMAGE_TYPES, PDF, check_upload
from medmissions.volunteers.access import can_read_documents, is_owner, require_edit, require_vetting
from medmissions.volunteers.choices import VerificationOutcome
from medmissions.volunteers.models import Credential, CredentialType, CredentialVerification

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


def _store_document(credential: Credential, document: IO[bytes]) -> None:
    detected = check_upload(
        document, allowed=DOCUMENT_TYPES, max_bytes=settings.MAX_DOCUMENT_UPLOAD_BYTES, label=_("document")
    )
    if credential.document:
        credential.document.delete(save=False)
    credential.document.save(f"{secrets.token_hex(12)}.{detected.extension}", document, save=False)
    credential.document_content_type = detected.content_type


@transaction.atomic
def add_credential(
    person, *, actor: User, data: dict[str, Any], document: IO[bytes] | None = None
) -> Credential:
    require_edit(actor, person)
    cleaned = clean_credential_data(data)
    credential = Credential(person=person, **cleaned)
    if document is not None:
        credential.save()
        _store_document(credential, document)
    credential.save()
    log_action(
        "volunteers.credential.created",
        actor=actor,
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
    merged = {name: data.get(name, getattr(credential, name)) for name in FIELDS}
    cleaned = clean_credential_data(merged)
    before = snapshot(credential, AUDITED_FIELDS)
    for name, value in cleaned.items():
        setattr(credential, name, value)
    if document is not None:
        _store_document(credential, document)
    credential.save()
    after = snapshot(credential, AUDITED_FIELDS)
    withdrawn = []
    if before != after:
        withdrawn = list(credential.verifications.values_list("organization_id", flat=True))
        credential.verifications.all().delete()
    log_action(
        "volunteers.credential.updated",
        actor=actor,
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
        obj=credential,
        before=snapshot(credential, AUDITED_FIELDS),
        data={"person": credential.person_id},
    )
    document = credential.document
    credential.delete()
    if document:
        transaction.on_commit(lambda: document.storage.delete(document.name))


@transaction.atomic
def verify_credential(
    credential: Credential, *, actor: User, organization, outcome: str, notes: str = ""
) -> CredentialVerification:
    """Record an organisation's check of a credential (verified or rejected, with notes)."""
    require_vetting(actor, credential.person, organization.pk)
    if outcome not in VerificationOutcome.values:
        raise ValidationFailed(
            _("Choose verified or rejected."), fields={"outcome": _("Choose verified or rejected.")}
        )
    notes = (notes or "").strip()
    if outcome == VerificationOutcome.REJECTED and not notes:
        raise ValidationFailed(
            _("Say why it is rejected, so the person can fix it."), fields={"notes": _("Give a reason.")}
        )
    if outcome == VerificationOutcome.VERIFIED and not credential.document:
        raise ValidationFailed(_("There is no document to verify against."), code="no_document")
    existing = (
        CredentialVerification.objects.select_for_update()
        .filter(credential=credential, organization=organization)
        .first()
    )
    before = {"outcome": existing.outcome, "notes": existing.notes} if existing else {}
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
        after={"outcome": outcome, "notes": notes},
        data={"person": credential.person_id},
    )
    return verification


def open_document(credential: Credential, *, actor: User, organization=None) -> IO[bytes]:
    """Open the document for reading. Reads by anyone but the owner are audited."""
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
            organization=organization,
            obj=credential,
            data={"person": credential.person_id},
        )
    return credential.document.open("rb")
