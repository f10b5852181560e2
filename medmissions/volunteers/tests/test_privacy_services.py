"""Privacy services: downloading all one's data, and erasing one's account.

``volunteer_user`` (Nadia Okafor) is a surgeon whose home organisation is ``sending``; the
``rich_volunteer`` fixture fills in everything the export and erasure must cover, through the
services, so the audit trail is the real one.
"""

from __future__ import annotations

import base64
import datetime
import json

import pytest
from django.contrib.auth import authenticate
from django.core.files.storage import default_storage
from django.test import RequestFactory
from django.utils import timezone

from medmissions.accounts import services as account_services
from medmissions.accounts.models import ApiToken, LoginFailure, User
from medmissions.audit.models import AuditEntry
from medmissions.conftest import PASSWORD, make_user
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.models import Language
from medmissions.organizations import services as organization_services
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Invitation, Membership
from medmissions.volunteers import credentials as credential_services
from medmissions.volunteers import privacy
from medmissions.volunteers import services as volunteer_services
from medmissions.volunteers.choices import AvailabilityKind, LanguageLevel, Proficiency
from medmissions.volunteers.models import (
    Affiliation,
    AvailabilityWindow,
    Credential,
    CredentialVerification,
    Person,
    PersonLanguage,
    PersonSpecialty,
    ReminderLog,
)

from .conftest import PDF_BYTES, credential_type, pdf_upload, specialty

EXPORT_SECTIONS = {
    "format",
    "applications",
    "assignments",
    "course_completions",
    "saved_searches",
    "mission_messages",
    "calendar_feed",
    "invitations",
    "account",
    "memberships",
    "api_tokens",
    "person",
    "merged_profiles",
    "affiliations",
    "specialties",
    "languages",
    "availability",
    "credentials",
    "audit_entries",
}
PHONE = "+44 7700 900123"
LICENCE_NUMBER = "GMC-7654321"


@pytest.fixture
def rich_volunteer(volunteer, volunteer_user, users, sending, host):
    """Nadia with a full profile, a verified licence with its document, a membership of ``host``,
    an API token, a pending invitation and a reminder sent."""
    volunteer_services.update_profile(
        volunteer,
        actor=volunteer_user,
        data={
            "phone": PHONE,
            "date_of_birth": datetime.date(1984, 5, 17),
            "nationality": "NG",
            "home_employer": "Avonmouth General Hospital",
            "employer_leave_approved": True,
            "emergency_contact_name": "Chidi Okafor",
            "emergency_contact_relationship": "Brother",
            "emergency_contact_phone": "+44 7700 900456",
        },
    )
    volunteer_services.set_specialties(
        volunteer, actor=volunteer_user, entries=[(specialty("general-surgery"), Proficiency.EXPERT)]
    )
    volunteer_services.set_languages(
        volunteer,
        actor=volunteer_user,
        entries=[
            (
                Language.objects.get(code="en"),
                LanguageLevel.NATIVE,
                LanguageLevel.NATIVE,
                LanguageLevel.NATIVE,
            ),
            (
                Language.objects.get(code="yo"),
                LanguageLevel.FLUENT,
                LanguageLevel.WORKING,
                LanguageLevel.BASIC,
            ),
        ],
    )
    today = timezone.localdate()
    volunteer_services.add_availability(
        volunteer,
        actor=volunteer_user,
        kind=AvailabilityKind.AVAILABLE,
        starts_on=today + datetime.timedelta(days=60),
        ends_on=today + datetime.timedelta(days=90),
        note="Study leave agreed",
    )
    licence = credential_services.add_credential(
        volunteer,
        actor=volunteer_user,
        data={
            "credential_type": credential_type("professional-licence"),
            "issuing_body": "General Medical Council",
            "country": "GB",
            "number": LICENCE_NUMBER,
            "issued_on": datetime.date(2012, 8, 1),
            "expires_on": today + datetime.timedelta(days=400),
        },
        document=pdf_upload(),
    )
    credential_services.verify_credential(
        licence, actor=users["coordinator"], organization=sending, outcome="verified", notes="Checked online"
    )
    organization_services.add_member(host, actor=users["host_admin"], user=volunteer_user, role=Role.MEMBER)
    account_services.create_api_token(volunteer_user, actor=volunteer_user, name="Nadia's laptop")
    organization_services.invite_member(
        sending, actor=users["admin"], email=volunteer_user.email, role=Role.VIEWER
    )
    ReminderLog.objects.create(
        key=f"expiry:{licence.pk}:90", kind="expiry", person=volunteer, recipient=volunteer_user.email
    )
    LoginFailure.objects.create(email=volunteer_user.email)
    volunteer.refresh_from_db()
    return volunteer


def export_of(user: User, **options) -> dict:
    return privacy.export_personal_data(user, actor=user, **options)


# Export -----------------------------------------------------------------------------------------


def test_the_export_has_every_section_filled_with_the_person_s_data(rich_volunteer, volunteer_user):
    data = export_of(volunteer_user)

    assert set(data) == EXPORT_SECTIONS
    assert data["format"]["name"] == "medmissions-personal-data"
    assert data["format"]["documents_included"] is False
    assert data["account"]["email"] == "volunteer@example.org"
    assert data["account"]["full_name"] == "Nadia Okafor"
    assert {"language", "time_zone", "date_joined", "email_verified_at"} <= set(data["account"])
    assert [m["organization"]["slug"] for m in data["memberships"]] == ["mbale-hospital"]
    assert [token["name"] for token in data["api_tokens"]] == ["Nadia's laptop"]
    assert data["person"]["phone"] == PHONE
    assert data["person"]["date_of_birth"] == "1984-05-17"
    assert data["person"]["emergency_contact"]["name"] == "Chidi Okafor"
    assert data["person"]["home_employer"] == "Avonmouth General Hospital"
    assert [a["organization"]["slug"] for a in data["affiliations"]] == ["bridge-health"]
    assert [(s["slug"], s["proficiency"]) for s in data["specialties"]] == [("general-surgery", 4)]
    assert {row["code"]: row["speaking"] for row in data["languages"]} == {"en": 4, "yo": 3}
    assert data["availability"][0]["note"] == "Study leave agreed"
    (licence,) = data["credentials"]
    assert licence["number"] == LICENCE_NUMBER
    assert licence["status_today"] == "valid"
    assert licence["document"]["file_name"].endswith(".pdf")
    assert licence["document"]["content_type"] == "application/pdf"
    assert "content_base64" not in licence["document"]
    (verification,) = licence["verifications"]
    assert verification["organization"]["slug"] == "bridge-health"
    assert verification["outcome"] == "verified"
    assert verification["checked_by"] == "Coordinator"
    assert verification["notes"] == "Checked online"
    assert verification["checked_at"]
    json.dumps(data)  # JSON-ready as it is


def test_the_export_lists_the_audit_trail_about_the_person_and_by_them(rich_volunteer, volunteer_user):
    entries = export_of(volunteer_user)["audit_entries"]
    actions = [entry["action"] for entry in entries]

    assert "volunteers.credential.created" in actions
    verified = next(entry for entry in entries if entry["action"] == "volunteers.credential.verified")
    assert verified["actor"] == "Coordinator"  # done by someone else, about her credential
    assert verified["changes"]["notes"] == [None, "Checked online"]
    assert "organizations.membership.created" in actions  # her membership, added by host's admin
    assert "accounts.api_token.created" in actions
    assert "organizations.invitation.created" in actions
    assert actions[-1] == "accounts.user.data_exported"  # this very download is recorded


def test_the_export_never_contains_token_hashes(rich_volunteer, volunteer_user):
    dumped = json.dumps(export_of(volunteer_user))
    for token in ApiToken.objects.filter(user=volunteer_user):
        assert token.token_hash not in dumped
    assert "token_hash" not in dumped
    assert volunteer_user.password not in dumped


def test_the_export_holds_nothing_about_other_people(rich_volunteer, volunteer_user, users, sending):
    colleague = volunteer_services.register_person(
        sending,
        actor=users["coordinator"],
        data={"full_name": "Joseph Mutua", "email": "joseph.mutua@example.org", "phone": "+254 700 000999"},
    )
    credential_services.add_credential(
        colleague,
        actor=users["coordinator"],
        data={
            "credential_type": credential_type("professional-licence"),
            "issuing_body": "Kenya Medical Practitioners and Dentists Council",
            "country": "KE",
            "number": "KMPDC-OTHER-999",
            "expires_on": timezone.localdate() + datetime.timedelta(days=300),
        },
    )
    account_services.create_api_token(users["admin"], actor=users["admin"], name="admin's sync job")

    dumped = json.dumps(export_of(volunteer_user))

    for text in ("Joseph Mutua", "joseph.mutua@example.org", "KMPDC-OTHER-999", "+254 700 000999"):
        assert text not in dumped
    assert "admin's sync job" not in dumped


def test_records_the_person_acted_on_for_others_are_listed_without_their_details(
    rich_volunteer, users, volunteer_user
):
    """The coordinator verified Nadia's licence: their export says so, but not what was recorded."""
    entries = export_of(users["coordinator"])["audit_entries"]

    verified = next(entry for entry in entries if entry["action"] == "volunteers.credential.verified")
    assert verified["actor"] == "Coordinator"
    assert {"object", "changes", "data"}.isdisjoint(verified)
    dumped = json.dumps(entries)
    assert "Checked online" not in dumped
    assert "Nadia Okafor" not in dumped


def test_documents_are_included_base64_encoded_when_asked(rich_volunteer, volunteer_user):
    data = export_of(volunteer_user, include_documents=True)

    assert data["format"]["documents_included"] is True
    document = data["credentials"][0]["document"]
    assert base64.b64decode(document["content_base64"]) == PDF_BYTES
    assert document["size"] == len(PDF_BYTES)


def test_an_account_without_a_volunteer_profile_exports_empty_sections(users):
    data = export_of(users["viewer"])

    assert data["person"] is None
    assert data["credentials"] == data["affiliations"] == data["specialties"] == []
    assert [m["role"] for m in data["memberships"]] == ["viewer"]


def test_nobody_can_download_someone_else_s_data(rich_volunteer, volunteer_user, users):
    with pytest.raises(NotAllowed):
        privacy.export_personal_data(volunteer_user, actor=users["admin"])
    with pytest.raises(NotAllowed):
        privacy.export_personal_data(volunteer_user, actor=None)


def test_each_download_is_audited(volunteer, volunteer_user):
    export_of(volunteer_user, include_documents=True)

    entry = AuditEntry.objects.get(action="accounts.user.data_exported")
    assert entry.actor == volunteer_user
    assert entry.data == {"documents_included": True}


# Erasure ----------------------------------------------------------------------------------------


def erase(user: User, **options) -> privacy.ErasureResult:
    return privacy.erase_account(user, actor=user, **options)


def test_erasing_deletes_the_profile_details_and_keeps_an_anonymous_placeholder(
    rich_volunteer, volunteer_user, django_capture_on_commit_callbacks
):
    person_id, user_id = rich_volunteer.pk, volunteer_user.pk
    with django_capture_on_commit_callbacks(execute=True):
        result = erase(volunteer_user, confirm_email="  Volunteer@Example.org ")

    assert result.person_ids == [person_id]
    assert result.credentials_deleted == result.documents_deleted == 1
    for model in (Credential, PersonSpecialty, PersonLanguage, AvailabilityWindow, Affiliation, ReminderLog):
        assert not model.objects.filter(person_id=person_id).exists(), model
    assert not CredentialVerification.objects.exists()

    person = Person.objects.get(pk=person_id)
    assert person.full_name == f"Erased person #{person_id}"
    assert person.user is None
    assert person.erased_at is not None
    assert (person.email, person.phone, person.home_employer) == ("", "", "")
    assert person.date_of_birth is None and not person.nationality
    assert (person.emergency_contact_name, person.emergency_contact_phone) == ("", "")
    assert person.profession.slug == "medicine"  # kept for aggregate reports

    user = User.objects.get(pk=user_id)
    assert user.email == f"erased-{user_id}@invalid.example"
    assert user.full_name == f"Erased user #{user_id}"
    assert not user.is_active and not user.has_usable_password()
    assert not Membership.objects.filter(user_id=user_id).exists()
    assert not ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True).exists()
    assert not ApiToken.objects.filter(name="Nadia's laptop").exists()
    assert not Invitation.objects.filter(email__iexact="volunteer@example.org").exists()
    assert not Invitation.objects.pending().filter(email=user.email).exists()
    assert not LoginFailure.objects.filter(email="volunteer@example.org").exists()


def test_documents_are_deleted_only_once_the_erasure_commits(
    rich_volunteer, volunteer_user, django_capture_on_commit_callbacks
):
    name = Credential.objects.get(person=rich_volunteer).document.name
    with django_capture_on_commit_callbacks() as callbacks:
        erase(volunteer_user)
    assert default_storage.exists(name)  # not yet: a rollback would have lost the file

    for callback in callbacks:
        callback()
    assert not default_storage.exists(name)


def test_the_audit_trail_keeps_every_entry_but_no_personal_data(rich_volunteer, volunteer_user):
    user_id, person_id = volunteer_user.pk, rich_volunteer.pk
    entry_ids = set(AuditEntry.objects.values_list("pk", flat=True))
    erase(volunteer_user)

    assert entry_ids <= set(AuditEntry.objects.values_list("pk", flat=True))
    everything = json.dumps(
        list(AuditEntry.objects.values_list("actor_label", "object_repr", "changes", "data"))
    )
    for personal in (
        "Nadia Okafor",
        "volunteer@example.org",
        PHONE,
        "1984-05-17",
        "Chidi Okafor",
        "Avonmouth General Hospital",
        LICENCE_NUMBER,
        "Nadia's laptop",
        "Study leave agreed",
        "Checked online",
    ):
        assert personal not in everything, personal
    assert set(AuditEntry.objects.filter(actor_id=user_id).values_list("actor_label", flat=True)) == {
        f"Erased user #{user_id}"
    }
    updated = AuditEntry.objects.get(action="volunteers.person.updated")
    assert updated.changes["phone"] == ["", "[erased]"]  # the field name stays: it did change
    assert updated.object_repr == f"Erased person #{person_id}"
    # What happened to the host's membership is still on the host's trail, without the name.
    membership_entry = AuditEntry.objects.get(action="organizations.membership.created")
    assert membership_entry.object_repr.startswith(f"Erased user #{user_id} — ")


def test_erasure_is_recorded_without_personal_data(rich_volunteer, volunteer_user, host, sending):
    user_id, person_id = volunteer_user.pk, rich_volunteer.pk
    erase(volunteer_user)

    person_entry = AuditEntry.objects.get(action="volunteers.person.erased")
    assert person_entry.object_id == str(person_id)
    assert person_entry.actor_label == f"Erased user #{user_id}"
    assert person_entry.data == {"credentials_deleted": 1, "documents_deleted": 1, "affiliations_deleted": 1}
    user_entry = AuditEntry.objects.get(action="accounts.user.erased")
    assert user_entry.object_repr == f"Erased user #{user_id}"
    assert user_entry.data["person"] == person_id
    assert AuditEntry.objects.filter(action="organizations.membership.deleted", organization=host).exists()
    assert AuditEntry.objects.filter(action="volunteers.affiliation.deleted", organization=sending).exists()


def test_an_erased_account_cannot_sign_in_or_use_its_tokens(volunteer, volunteer_user):
    _token, raw = account_services.create_api_token(volunteer_user, actor=volunteer_user, name="sync")
    erase(volunteer_user)

    request = RequestFactory().post("/accounts/login/")
    with pytest.raises(ValidationFailed):
        account_services.sign_in(request, email="volunteer@example.org", password=PASSWORD)
    user = User.objects.get(pk=volunteer_user.pk)
    assert authenticate(request, username=user.email, password=PASSWORD) is None
    assert account_services.user_for_token(raw) is None


def test_the_erased_placeholder_drops_out_of_lists_and_is_not_claimed_again(volunteer, volunteer_user, users):
    person_id = volunteer.pk
    erase(volunteer_user)

    assert not Person.objects.active().filter(pk=person_id).exists()
    assert not Person.objects.visible_to(users["admin"]).filter(pk=person_id).exists()
    # Someone signing up again with the same address starts afresh.
    newcomer = make_user("volunteer@example.org", "Nadia Okafor")
    assert volunteer_services.get_or_create_own_person(newcomer).pk != person_id


def test_the_last_admin_of_an_organisation_must_hand_over_first_and_nothing_changes(users, sending):
    admin = users["admin"]
    person = volunteer_services.get_or_create_own_person(admin)
    before = {
        "audit": AuditEntry.objects.count(),
        "memberships": Membership.objects.count(),
        "people": Person.objects.active().count(),
    }

    with pytest.raises(Conflict) as refused:
        erase(admin, confirm_email=admin.email)

    assert refused.value.code == "last_admin"
    assert "Bridge Health UK" in refused.value.message
    assert before == {
        "audit": AuditEntry.objects.count(),
        "memberships": Membership.objects.count(),
        "people": Person.objects.active().count(),
    }
    admin.refresh_from_db()
    person.refresh_from_db()
    assert admin.is_active and admin.email == "admin@example.org"
    assert person.erased_at is None and person.user == admin


def test_an_admin_who_has_handed_over_may_erase(users, sending):
    organization_services.change_role(
        users["coordinator"].memberships.get(organization=sending), actor=users["admin"], role=Role.ADMIN
    )
    erase(users["admin"])

    assert not User.objects.filter(email="admin@example.org").exists()
    assert list(sending.memberships.filter(role=Role.ADMIN).values_list("user__email", flat=True)) == [
        "coordinator@example.org"
    ]


def test_a_mistyped_confirmation_changes_nothing(volunteer, volunteer_user):
    audit_count = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        erase(volunteer_user, confirm_email="volunteer@example.com")

    assert set(refused.value.fields) == {"confirm_email"}
    assert AuditEntry.objects.count() == audit_count
    volunteer.refresh_from_db()
    assert volunteer.erased_at is None


def test_only_the_account_holder_can_erase_it(volunteer, volunteer_user, users):
    with pytest.raises(NotAllowed):
        privacy.erase_account(volunteer_user, actor=users["admin"])
    with pytest.raises(NotAllowed):
        privacy.erase_account(volunteer_user, actor=None)
    volunteer_user.refresh_from_db()
    assert volunteer_user.is_active


def test_an_erased_account_cannot_be_erased_twice(volunteer_user):
    erase(volunteer_user)
    user = User.objects.get(pk=volunteer_user.pk)

    with pytest.raises(Conflict) as refused:
        erase(user)
    assert refused.value.code == "already_erased"


def test_records_merged_into_the_person_are_erased_too(volunteer, volunteer_user, sending):
    duplicate = Person.objects.create(
        full_name="N. Okafor", email="nadia.okafor@example.net", date_of_birth=datetime.date(1984, 5, 17)
    )
    Person.objects.filter(pk=duplicate.pk).update(merged_into=volunteer)
    erase(volunteer_user)

    duplicate.refresh_from_db()
    assert duplicate.full_name == f"Erased person #{duplicate.pk}"
    assert duplicate.email == "" and duplicate.date_of_birth is None
    assert duplicate.erased_at is not None


def test_an_account_without_a_volunteer_profile_can_be_erased(users):
    member = users["member"]
    result = erase(member, confirm_email="member@example.org")

    assert result.person_ids == []
    assert result.memberships_removed == 1
    assert not User.objects.get(pk=member.pk).is_active
