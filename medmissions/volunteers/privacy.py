"""Privacy: a person downloads everything the platform holds about them, and erases their account.

**Export** (:func:`export_personal_data`) gathers, for the signed-in person only: their account,
memberships, API tokens (names and dates, never the hashes), their volunteer profile with
affiliations, specialties, languages, availability and credentials (each with its verifications
and the name of its document), and the audit trail about them. Documents are not embedded by
default: they can be up to 10 MB each and stay downloadable from their credential pages; asked
for, they are included base64-encoded (``include_documents``).

**Erasure** (:func:`erase_account`) removes what identifies the person and keeps anonymous
placeholders for what others' records point at:

* deleted: credentials and their documents (the files once the transaction commits),
  specialties, languages, availability, affiliations, memberships, reminder records,
  failed sign-in records;
* anonymised: the Person becomes "Erased person #<id>" (contact details, date of birth,
  nationality, employer and emergency contact cleared; profession and trainee flag kept for
  aggregate reports) and the User "Erased user #<id>" with an unusable password, unable to sign
  in; API tokens are revoked; invitations sent to the address are withdrawn and readdressed;
* the audit trail stays complete (entries are not deleted) but loses the personal data: the
  person's name as actor, and the values recorded in entries about their own records, are
  replaced.

Someone who is the last admin of an organisation must hand over first, as when leaving it.
Profiles an organisation registered under the same address but that were never linked to the
account are that organisation's records and are left alone. The placeholder has no affiliations
left, so it appears in no organisation's lists; it remains only for what points at it.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.accounts.models import ApiToken, LoginFailure, User
from medmissions.accounts.services import normalise_email
from medmissions.audit.models import AuditEntry
from medmissions.audit.services import log_action
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.missions import privacy as missions_privacy
from medmissions.organizations import services as organization_services
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Invitation, Membership, Organization
from medmissions.volunteers.models import (
    Affiliation,
    AvailabilityWindow,
    Credential,
    Person,
    PersonLanguage,
    PersonSpecialty,
    ReminderLog,
)
from medmissions.volunteers.status import credential_status

EXPORT_FORMAT = "medmissions-personal-data"
EXPORT_VERSION = 1
ERASED = "[erased]"
ERASED_EMAIL_DOMAIN = "invalid.example"
ERASED_TOKEN_NAME = "erased"
# Keys of audit ``changes`` and ``data`` that hold ids or states, never personal data; erasure
# keeps them so the trail still says which records and organisations an entry was about.
NON_PERSONAL_KEYS = {"person", "organization", "kind", "role", "outcome", "verifications_withdrawn"}


def erased_user_label(user_id: int) -> str:
    # Stored data, not interface text: it must read the same in every language and every report.
    return f"Erased user #{user_id}"


def erased_person_label(person_id: int) -> str:
    return f"Erased person #{person_id}"


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_EMAIL_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email == erased_email(user.pk)


def _require_self(user: User, actor: Any, message: str) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.pk != user.pk:
        raise NotAllowed(message, code="not_account_owner")


# --- Export ------------------------------------------------------------------------------------


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _organization_ref(organization: Organization) -> dict[str, str]:
    return {"slug": organization.slug, "name": organization.name}


def _profile(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "full_name": person.full_name,
        "email": person.email,
        "phone": person.phone,
        "date_of_birth": _iso(person.date_of_birth),
        "nationality": person.nationality.code or None,
        "profession": (
            {"slug": person.profession.slug, "name": str(person.profession)} if person.profession else None
        ),
        "years_of_experience": person.years_of_experience,
        "is_trainee": person.is_trainee,
        "home_employer": person.home_employer,
        "employer_leave_approved": person.employer_leave_approved,
        "emergency_contact": {
            "name": person.emergency_contact_name,
            "relationship": person.emergency_contact_relationship,
            "phone": person.emergency_contact_phone,
            "email": person.emergency_contact_email,
        },
        "visibility": person.visibility,
        "value_tags": sorted(person.value_tags.values_list("slug", flat=True)),
        "created_at": _iso(person.created_at),
        "updated_at": _iso(person.updated_at),
    }


def _document(credential: Credential, include_content: bool) -> dict[str, Any] | None:
    if not credential.document:
        return None
    document: dict[str, Any] = {
        "file_name": PurePosixPath(credential.document.name).name,
        "content_type": credential.document_content_type,
    }
    try:
        document["size"] = credential.document.size
    except OSError:  # the file went missing from storage; the record still says it was there
        document["size"] = None
    if include_content:
        try:
            with credential.document.open("rb") as handle:
                document["content_base64"] = base64.b64encode(handle.read()).decode("ascii")
        except OSError:
            document["content_base64"] = None
    return document


def _credential(credential: Credential, today: datetime.date, include_documents: bool) -> dict[str, Any]:
    verifications = list(credential.verifications.all())
    status = credential_status(credential, on=today, verifications=verifications)
    return {
        "id": credential.pk,
        "type": {"slug": credential.credential_type.slug, "name": str(credential.credential_type)},
        "issuing_body": credential.issuing_body,
        "country": credential.country.code or None,
        "state": credential.state,
        "number": credential.number,
        "issued_on": _iso(credential.issued_on),
        "expires_on": _iso(credential.expires_on),
        "status_today": status.status.value,
        "counts_until": _iso(status.counts_until),
        "document": _document(credential, include_documents),
        "verifications": [
            {
                "organization": _organization_ref(verification.organization),
                "outcome": verification.outcome,
                "checked_by": str(verification.verified_by) if verification.verified_by else None,
                "checked_at": _iso(verification.verified_at),
                "notes": verification.notes,
            }
            for verification in verifications
        ],
        "created_at": _iso(credential.created_at),
        "updated_at": _iso(credential.updated_at),
    }


def _content_type(model: type[models.Model]) -> ContentType:
    return ContentType.objects.get_for_model(model, for_concrete_model=False)


def _ids(values: Iterable[int]) -> list[str]:
    return [str(value) for value in values]


def _entries_about(
    user: User,
    people: list[Person],
    *,
    credential_ids: Iterable[int] = (),
    token_ids: Iterable[int] = (),
    membership_ids: Iterable[int] = (),
    invitation_ids: Iterable[int] = (),
) -> Q:
    """Audit entries whose object is one of the person's own records.

    Credential entries also carry the person's id in ``data``, which finds those of credentials
    deleted since.
    """
    condition = Q(content_type=_content_type(User), object_id=str(user.pk))
    condition |= Q(content_type=_content_type(ApiToken), object_id__in=_ids(token_ids))
    condition |= Q(content_type=_content_type(Membership), object_id__in=_ids(membership_ids))
    condition |= Q(content_type=_content_type(Invitation), object_id__in=_ids(invitation_ids))
    # Past memberships (left or removed) are found by the user id their entries recorded.
    condition |= Q(content_type=_content_type(Membership)) & (
        Q(changes__user__0=user.pk) | Q(changes__user__1=user.pk)
    )
    if people:
        person_ids = [person.pk for person in people]
        condition |= Q(content_type=_content_type(Person), object_id__in=_ids(person_ids))
        condition |= Q(content_type=_content_type(Credential), object_id__in=_ids(credential_ids))
        condition |= Q(action__startswith="volunteers.", data__person__in=person_ids)
    return condition


def _audit_entry(entry: AuditEntry, *, about_them: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "time": _iso(entry.created_at),
        "action": entry.action,
        "actor": entry.actor_label,
        "organization": _organization_ref(entry.organization) if entry.organization else None,
        "object_type": (
            f"{entry.content_type.app_label}.{entry.content_type.model}" if entry.content_type else None
        ),
        "object_id": entry.object_id or None,
    }
    if about_them:
        row.update({"object": entry.object_repr, "changes": entry.changes, "data": entry.data})
    return row


def _people_of(user: User) -> tuple[Person | None, list[Person]]:
    """The user's own person and the records merged into it (at any depth)."""
    person = Person.objects.filter(user=user).select_related("profession").first()
    if person is None:
        return None, []
    merged: list[Person] = []
    frontier = [person.pk]
    seen = {person.pk}
    while frontier:
        found = [
            row
            for row in Person.objects.filter(merged_into__in=frontier).select_related("profession")
            if row.pk not in seen
        ]
        merged.extend(found)
        seen.update(row.pk for row in found)
        frontier = [row.pk for row in found]
    return person, merged


@transaction.atomic
def export_personal_data(user: User, *, actor: Any, include_documents: bool = False) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as JSON-ready data. Only they may ask."""
    _require_self(user, actor, _("You can only download your own data."))
    log_action(
        "accounts.user.data_exported", actor=actor, obj=user, data={"documents_included": include_documents}
    )
    today = timezone.localdate()
    person, merged = _people_of(user)
    people = [person, *merged] if person is not None else []
    memberships = list(Membership.objects.filter(user=user).select_related("organization"))
    tokens = list(ApiToken.objects.filter(user=user).order_by("created_at"))
    invitations = list(Invitation.objects.filter(email__iexact=user.email).values_list("pk", flat=True))
    affiliations = list(
        Affiliation.objects.filter(person__in=people).select_related("organization").order_by("created_at")
    )
    specialties = list(
        PersonSpecialty.objects.filter(person__in=people)
        .select_related("specialty__parent")
        .order_by("specialty__name")
    )
    languages = list(
        PersonLanguage.objects.filter(person__in=people).select_related("language").order_by("language__name")
    )
    availability = list(AvailabilityWindow.objects.filter(person__in=people).order_by("starts_on"))
    credentials = list(
        Credential.objects.filter(person__in=people)
        .select_related("credential_type")
        .prefetch_related("verifications__organization", "verifications__verified_by")
        .order_by("credential_type__name", "-expires_on")
    )
    about_them = _entries_about(
        user,
        people,
        credential_ids=[credential.pk for credential in credentials],
        token_ids=[token.pk for token in tokens],
        membership_ids=[membership.pk for membership in memberships],
        invitation_ids=invitations,
    )
    own_entry_ids = set(AuditEntry.objects.filter(about_them).values_list("pk", flat=True))
    entries = (
        AuditEntry.objects.filter(Q(pk__in=own_entry_ids) | Q(actor=user))
        .select_related("organization", "content_type")
        .order_by("created_at", "pk")
    )
    return {
        "format": {
            "name": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": _iso(timezone.now()),
            "documents_included": include_documents,
        },
        "account": {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "language": user.language,
            "time_zone": user.time_zone,
            "date_joined": _iso(user.date_joined),
            "email_verified_at": _iso(user.email_verified_at),
            "last_login": _iso(user.last_login),
            "is_staff": user.is_staff,
        },
        "memberships": [
            {
                "organization": _organization_ref(membership.organization),
                "role": membership.role,
                "since": _iso(membership.created_at),
            }
            for membership in memberships
        ],
        "api_tokens": [
            {
                "name": token.name,
                "starts_with": token.prefix,
                "created_at": _iso(token.created_at),
                "last_used_at": _iso(token.last_used_at),
                "revoked_at": _iso(token.revoked_at),
            }
            for token in tokens
        ],
        "person": _profile(person) if person is not None else None,
        "merged_profiles": [_profile(row) for row in merged],
        "affiliations": [
            {
                "person": affiliation.person_id,
                "organization": _organization_ref(affiliation.organization),
                "kind": affiliation.kind,
                "since": _iso(affiliation.created_at),
            }
            for affiliation in affiliations
        ],
        "specialties": [
            {
                "person": row.person_id,
                "slug": row.specialty.slug,
                "name": str(row.specialty),
                "proficiency": row.proficiency,
                "proficiency_label": row.get_proficiency_display(),
            }
            for row in specialties
        ],
        "languages": [
            {
                "person": row.person_id,
                "code": row.language.code,
                "name": str(row.language),
                "speaking": row.speaking,
                "reading": row.reading,
                "writing": row.writing,
                "levels_label": {
                    "speaking": row.get_speaking_display(),
                    "reading": row.get_reading_display(),
                    "writing": row.get_writing_display(),
                },
            }
            for row in languages
        ],
        "availability": [
            {
                "person": window.person_id,
                "kind": window.kind,
                "starts_on": _iso(window.starts_on),
                "ends_on": _iso(window.ends_on),
                "note": window.note,
            }
            for window in availability
        ],
        "credentials": [_credential(credential, today, include_documents) for credential in credentials],
        **missions_privacy.export_for(user, people),
        # Entries about the person's own records in full; entries where they only acted on
        # someone else's records without the details, which are about those other people.
        "audit_entries": [_audit_entry(entry, about_them=entry.pk in own_entry_ids) for entry in entries],
    }


def export_file_name() -> str:
    return f"medmissions-my-data-{timezone.localdate().isoformat()}.json"


# --- Erasure -----------------------------------------------------------------------------------


@dataclass
class ErasureResult:
    user_id: int
    person_ids: list[int] = field(default_factory=list)
    credentials_deleted: int = 0
    documents_deleted: int = 0
    memberships_removed: int = 0
    tokens_revoked: int = 0


def organizations_blocking_erasure(user: User) -> list[Organization]:
    """Organisations of which ``user`` is the only admin: they must hand over before erasing."""
    admin_of = Membership.objects.filter(user=user, role=Role.ADMIN).values("organization_id")
    return list(
        Organization.objects.filter(pk__in=admin_of)
        .annotate(admin_count=Count("memberships", filter=Q(memberships__role=Role.ADMIN)))
        .filter(admin_count__lte=1)
        .order_by("name")
    )


def last_admin_message(organizations: list[Organization]) -> str:
    return _(
        "You are the last admin of %(organizations)s. Make another member admin there first (on the organisation's members page), then erase your account."
    ) % {"organizations": ", ".join(organization.name for organization in organizations)}


def _redact_values(values: dict[str, Any], *, pairs: bool) -> dict[str, Any]:
    def hide(value: Any) -> Any:
        return ERASED if value not in (None, "", [], {}) else value

    return {
        key: (
            value
            if key in NON_PERSONAL_KEYS
            else [hide(v) for v in value]
            if pairs and isinstance(value, list)
            else hide(value)
        )
        for key, value in values.items()
    }


def _replace_text(values: dict[str, Any], secrets: set[str], *, pairs: bool) -> dict[str, Any]:
    """Replace values equal to the person's old address or name (entries of memberships, invitations)."""

    def hide(value: Any) -> Any:
        return ERASED if isinstance(value, str) and value.strip().lower() in secrets else value

    return {
        key: [hide(v) for v in value] if pairs and isinstance(value, list) else hide(value)
        for key, value in values.items()
    }


def _scrub_audit_trail(
    user: User,
    people: list[Person],
    *,
    old_label: str,
    old_email: str,
    credential_ids: list[int],
    token_ids: list[int],
    membership_ids: list[int],
    invitation_ids: list[int],
) -> None:
    """Keep every entry, but without the person's name and the personal values it recorded."""
    new_label = erased_user_label(user.pk)
    AuditEntry.objects.filter(actor=user).update(actor_label=new_label)
    secrets = {old_email.lower(), old_label.strip().lower()} - {""}
    person_labels = {person.pk: erased_person_label(person.pk) for person in people}
    user_type, person_type, token_type = (
        _content_type(User),
        _content_type(Person),
        _content_type(ApiToken),
    )
    membership_type, invitation_type = _content_type(Membership), _content_type(Invitation)
    changed = []
    condition = _entries_about(
        user,
        people,
        credential_ids=credential_ids,
        token_ids=token_ids,
        membership_ids=membership_ids,
        invitation_ids=invitation_ids,
    )
    for entry in AuditEntry.objects.filter(condition):
        if entry.content_type_id in (membership_type.pk, invitation_type.pk):
            # The organisation's own record: keep the role and dates, drop the name and address.
            entry.changes = _replace_text(entry.changes, secrets, pairs=True)
            entry.data = _replace_text(entry.data, secrets, pairs=False)
            entry.object_repr = entry.object_repr.replace(old_email, erased_email(user.pk))
            if entry.object_repr.startswith(old_label):
                entry.object_repr = new_label + entry.object_repr[len(old_label) :]
        else:
            entry.changes = _redact_values(entry.changes, pairs=True)
            entry.data = _redact_values(entry.data, pairs=False)
            if entry.content_type_id == user_type.pk:
                entry.object_repr = new_label
            elif entry.content_type_id == person_type.pk:
                entry.object_repr = person_labels.get(int(entry.object_id), ERASED)
            elif entry.content_type_id == token_type.pk:
                entry.object_repr = ERASED_TOKEN_NAME
        changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["changes", "data", "object_repr"], batch_size=500)


def _delete_file_on_commit(storage: Storage, name: str) -> None:
    # Files are not transactional: delete them only once the erasure is committed.
    transaction.on_commit(lambda: storage.delete(name))


def _erase_person(person: Person, *, actor: User, result: ErasureResult) -> None:
    credentials = list(Credential.objects.filter(person=person))
    documents = [(credential.document.storage, credential.document.name) for credential in credentials]
    documents = [(storage, name) for storage, name in documents if name]
    for storage, name in documents:
        _delete_file_on_commit(storage, name)
    result.credentials_deleted += len(credentials)
    result.documents_deleted += len(documents)
    Credential.objects.filter(person=person).delete()  # verifications go with them
    PersonSpecialty.objects.filter(person=person).delete()
    PersonLanguage.objects.filter(person=person).delete()
    AvailabilityWindow.objects.filter(person=person).delete()
    ReminderLog.objects.filter(person=person).delete()
    affiliations = list(Affiliation.objects.filter(person=person).select_related("organization"))
    Affiliation.objects.filter(person=person).delete()

    person.full_name = erased_person_label(person.pk)
    for name in (
        "email",
        "phone",
        "nationality",
        "home_employer",
        "emergency_contact_name",
        "emergency_contact_relationship",
        "emergency_contact_phone",
        "emergency_contact_email",
    ):
        setattr(person, name, "")
    person.date_of_birth = None
    person.years_of_experience = None
    person.employer_leave_approved = False
    person.value_tags.clear()
    person.user = None
    person.erased_at = timezone.now()
    person.save()

    # Each organisation's trail shows that the person is no longer with it (without who).
    for affiliation in affiliations:
        log_action(
            "volunteers.affiliation.deleted",
            actor=actor,
            organization=affiliation.organization,
            obj=person,
            data={"organization": affiliation.organization_id, "kind": affiliation.kind},
        )
    log_action(
        "volunteers.person.erased",
        actor=actor,
        obj=person,
        data={
            "credentials_deleted": len(credentials),
            "documents_deleted": len(documents),
            "affiliations_deleted": len(affiliations),
        },
    )
    result.person_ids.append(person.pk)


@transaction.atomic
def erase_account(user: User, *, actor: Any, confirm_email: str | None = None) -> ErasureResult:
    """Erase the account and volunteer profile of ``user``, who must be the one asking.

    ``confirm_email`` (the views and the API pass what the person typed) must match the account's
    address. Refused, changing nothing, while the person is the last admin of an organisation.
    """
    _require_self(user, actor, _("Only the account holder can erase their account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if is_erased(user):
        raise Conflict(_("This account is already erased."), code="already_erased")
    if confirm_email is not None and normalise_email(confirm_email) != user.email.lower():
        message = _("Type the email address you sign in with, exactly, to confirm.")
        raise ValidationFailed(message, code="confirmation_mismatch", fields={"confirm_email": message})
    blocking = organizations_blocking_erasure(user)
    if blocking:
        raise Conflict(last_admin_message(blocking), code="last_admin")

    old_label, old_email = str(user), user.email
    person, merged = _people_of(user)
    people = [person, *merged] if person is not None else []
    memberships = list(Membership.objects.filter(user=user).select_related("organization"))
    tokens = list(ApiToken.objects.filter(user=user))
    invitations = list(Invitation.objects.filter(email__iexact=old_email))
    credential_ids = list(Credential.objects.filter(person__in=people).values_list("pk", flat=True))
    result = ErasureResult(user_id=user.pk)

    # The account first, so every entry written from here on names the placeholder.
    user.email = erased_email(user.pk)
    user.full_name = erased_user_label(user.pk)
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.email_verified_at = None
    user.save()
    _scrub_audit_trail(
        user,
        people,
        old_label=old_label,
        old_email=old_email,
        credential_ids=credential_ids,
        token_ids=[token.pk for token in tokens],
        membership_ids=[membership.pk for membership in memberships],
        invitation_ids=[invitation.pk for invitation in invitations],
    )

    # The missions side first, while the people are still linked to the account.
    missions_privacy.erase_for(user, people)
    for each in people:
        _erase_person(each, actor=user, result=result)
    for membership in memberships:
        # The organisations' own rule (and lock) for leaving: a concurrent hand-over is seen.
        organization_services.remove_member(membership, actor=user)
        result.memberships_removed += 1
    now = timezone.now()
    result.tokens_revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    ApiToken.objects.filter(user=user).update(name=ERASED_TOKEN_NAME)
    Invitation.objects.filter(pk__in=[invitation.pk for invitation in invitations]).update(email=user.email)
    Invitation.objects.pending().filter(pk__in=[invitation.pk for invitation in invitations]).update(
        revoked_at=now
    )
    LoginFailure.objects.filter(email__iexact=old_email).delete()
    ReminderLog.objects.filter(recipient__iexact=old_email).delete()
    log_action(
        "accounts.user.erased",
        actor=user,
        obj=user,
        data={
            "person": person.pk if person is not None else None,
            "memberships_removed": result.memberships_removed,
            "tokens_revoked": result.tokens_revoked,
        },
    )
    return result
