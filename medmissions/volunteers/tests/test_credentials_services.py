"""Credential services: add, change, delete, verify per organisation, open the document (audited)."""

import datetime
import pathlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from freezegun import freeze_time

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.volunteers import credentials as services
from medmissions.volunteers.choices import AffiliationKind, VerificationOutcome
from medmissions.volunteers.models import Affiliation, Credential, CredentialVerification, Person

from .conftest import PDF_BYTES, credential_type, pdf_upload, png_upload

pytestmark = pytest.mark.django_db


def licence_data(**extra):
    data = {
        "credential_type": credential_type("professional-licence"),
        "issuing_body": "  General Medical Council  ",
        "country": "gb",
        "state": "",
        "number": "GMC-1234567",
        "issued_on": datetime.date(2015, 8, 1),
        "expires_on": datetime.date(2030, 8, 1),
    }
    data.update(extra)
    return data


def counts():
    return {
        "credentials": Credential.objects.count(),
        "verifications": CredentialVerification.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def stored_files() -> list[pathlib.Path]:
    root = pathlib.Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def unclaimed(sending):
    person = Person.objects.create(full_name="Joseph Mutua", email="joseph.mutua@example.org")
    Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
    return person


@pytest.fixture
def licence(volunteer, volunteer_user):
    return services.add_credential(
        volunteer, actor=volunteer_user, data=licence_data(), document=pdf_upload()
    )


# Adding -----------------------------------------------------------------------------------------


def test_a_volunteer_adds_a_licence_with_its_pdf(volunteer, volunteer_user):
    credential = services.add_credential(
        volunteer, actor=volunteer_user, data=licence_data(), document=pdf_upload("my scan.PDF")
    )

    credential.refresh_from_db()
    assert credential.person == volunteer
    assert credential.issuing_body == "General Medical Council"
    assert credential.country.code == "GB"
    assert credential.document_content_type == "application/pdf"
    # Stored under a new random name with the detected extension, never the uploaded name.
    assert credential.document.name.startswith(f"credentials/{volunteer.pk}/")
    assert credential.document.name.endswith(".pdf")
    assert "scan" not in credential.document.name
    with credential.document.open("rb") as handle:
        assert handle.read() == PDF_BYTES
    [entry] = AuditEntry.objects.filter(action="volunteers.credential.created")
    assert entry.actor == volunteer_user
    assert entry.organization is None
    assert entry.object_id == str(credential.pk)
    assert entry.changes["issuing_body"] == [None, "General Medical Council"]
    assert entry.data == {"person": volunteer.pk}


def test_a_picture_of_the_document_is_accepted(volunteer, volunteer_user):
    credential = services.add_credential(
        volunteer, actor=volunteer_user, data=licence_data(), document=png_upload()
    )
    assert credential.document_content_type == "image/png"
    assert credential.document.name.endswith(".png")


def test_a_credential_may_be_added_before_its_document(volunteer, volunteer_user):
    credential = services.add_credential(volunteer, actor=volunteer_user, data=licence_data())
    assert not credential.document


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("licence.pdf", b"MZ\x90\x00 a program, not a PDF", "application/pdf"), "file_type_not_allowed"),
        (SimpleUploadedFile("notes.pdf", b"just some text\n", "application/pdf"), "file_type_not_allowed"),
        # A Word document is a document, but not one a credential accepts.
        (SimpleUploadedFile("licence.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"), "application/msword"), "file_type_not_allowed"),
        (SimpleUploadedFile("empty.pdf", b"", "application/pdf"), "empty_file"),
    ],
    ids=["program renamed .pdf", "text renamed .pdf", "word document", "empty file"],
)  # fmt: skip
def test_a_file_that_is_not_a_pdf_or_picture_is_refused_and_nothing_is_written(
    upload, code, volunteer, volunteer_user
):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.add_credential(volunteer, actor=volunteer_user, data=licence_data(), document=upload)
    assert caught.value.code == code
    assert set(caught.value.fields) == {"document"}
    assert counts() == before
    assert stored_files() == []


def test_a_document_over_10_mb_is_refused_by_size_and_nothing_is_written(volunteer, volunteer_user):
    limit = settings.MAX_DOCUMENT_UPLOAD_BYTES
    assert limit == 10 * 1024 * 1024
    oversized = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (limit - 8), "application/pdf")
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.add_credential(volunteer, actor=volunteer_user, data=licence_data(), document=oversized)
    assert caught.value.code == "file_too_large"
    assert counts() == before
    assert stored_files() == []


def test_a_document_of_exactly_10_mb_is_accepted(volunteer, volunteer_user):
    limit = settings.MAX_DOCUMENT_UPLOAD_BYTES
    exact = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (limit - 9), "application/pdf")
    credential = services.add_credential(volunteer, actor=volunteer_user, data=licence_data(), document=exact)
    assert credential.document.size == limit


def test_bad_fields_and_a_bad_document_are_reported_together(volunteer, volunteer_user):
    bad = SimpleUploadedFile("licence.pdf", b"not a pdf", "application/pdf")
    with pytest.raises(ValidationFailed) as caught:
        services.add_credential(
            volunteer, actor=volunteer_user, data=licence_data(issuing_body="", expires_on=None), document=bad
        )
    assert set(caught.value.fields) == {"issuing_body", "expires_on", "document"}
    assert Credential.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"credential_type": None}, "credential_type"),
        ({"issuing_body": "   "}, "issuing_body"),
        ({"country": "XX"}, "country"),
        ({"expires_on": None}, "expires_on"),
        ({"issued_on": datetime.date(2031, 1, 1), "expires_on": datetime.date(2030, 1, 1)}, "expires_on"),
        ({"credential_type": "host-temporary-licence", "country": ""}, "country"),
    ],
    ids=["no type", "no issuer", "unknown country", "no expiry", "expires before issue", "host licence without country"],
)  # fmt: skip
def test_invalid_fields_are_refused_field_by_field(changes, field, volunteer, volunteer_user):
    if isinstance(changes.get("credential_type"), str):
        changes = {**changes, "credential_type": credential_type(changes["credential_type"])}
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.add_credential(volunteer, actor=volunteer_user, data=licence_data(**changes))
    assert field in caught.value.fields
    assert counts() == before


def test_a_vaccination_needs_no_expiry_date(volunteer, volunteer_user):
    credential = services.add_credential(
        volunteer,
        actor=volunteer_user,
        data=licence_data(credential_type=credential_type("yellow-fever-vaccination"), expires_on=None),
    )
    assert credential.expires_on is None


def test_a_vetting_admin_of_the_home_organisation_adds_to_an_unclaimed_profile(users, unclaimed, sending):
    credential = services.add_credential(unclaimed, actor=users["coordinator"], data=licence_data())
    assert credential.person == unclaimed
    entry = AuditEntry.objects.get(action="volunteers.credential.created")
    assert (entry.actor, entry.organization) == (users["coordinator"], sending)


@pytest.mark.parametrize("persona", ["member", "viewer", "outsider", "host_admin"])
def test_others_cannot_add_to_an_unclaimed_profile(persona, users, unclaimed):
    with pytest.raises(NotAllowed):
        services.add_credential(unclaimed, actor=users[persona], data=licence_data())
    assert Credential.objects.count() == 0


def test_nobody_but_the_owner_adds_to_a_claimed_profile(users, volunteer):
    with pytest.raises(NotAllowed) as caught:
        services.add_credential(volunteer, actor=users["admin"], data=licence_data())
    assert caught.value.code == "not_profile_owner"


# Changing ---------------------------------------------------------------------------------------


def test_a_change_withdraws_every_organisations_verification(licence, volunteer_user, users, sending, host):
    for organization, actor in ((sending, users["coordinator"]), (host, None)):
        CredentialVerification.objects.create(
            credential=licence,
            organization=organization,
            outcome=VerificationOutcome.VERIFIED,
            verified_by=actor,
            verified_at=timezone.now(),
        )

    services.update_credential(licence, actor=volunteer_user, data={"number": "GMC-7654321"})

    licence.refresh_from_db()
    assert licence.number == "GMC-7654321"
    assert licence.verifications.count() == 0
    entry = AuditEntry.objects.get(action="volunteers.credential.updated")
    assert entry.actor == volunteer_user
    assert entry.changes == {"number": ["GMC-1234567", "GMC-7654321"]}
    assert entry.data["verifications_withdrawn"] == sorted([sending.pk, host.pk])


def test_saving_without_a_change_keeps_the_verifications(licence, volunteer_user, sending):
    CredentialVerification.objects.create(
        credential=licence,
        organization=sending,
        outcome=VerificationOutcome.VERIFIED,
        verified_at=timezone.now(),
    )
    services.update_credential(licence, actor=volunteer_user, data={"number": "GMC-1234567"})
    assert licence.verifications.count() == 1


def test_a_partial_change_keeps_the_other_fields(licence, volunteer_user):
    services.update_credential(licence, actor=volunteer_user, data={"state": "Scotland"})
    licence.refresh_from_db()
    assert (licence.state, licence.issuing_body, licence.expires_on) == (
        "Scotland",
        "General Medical Council",
        datetime.date(2030, 8, 1),
    )


def test_a_new_document_replaces_the_old_one_after_commit_and_withdraws_verifications(
    licence, volunteer_user, sending, django_capture_on_commit_callbacks
):
    CredentialVerification.objects.create(
        credential=licence,
        organization=sending,
        outcome=VerificationOutcome.VERIFIED,
        verified_at=timezone.now(),
    )
    old_path = pathlib.Path(licence.document.path)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.update_credential(licence, actor=volunteer_user, data={}, document=png_upload())
    # Until the change commits, the file the old row names is still there.
    assert old_path.exists()
    for callback in callbacks:
        callback()
    licence.refresh_from_db()
    assert not old_path.exists()
    assert licence.document.name.endswith(".png")
    assert pathlib.Path(licence.document.path).exists()
    assert licence.document_content_type == "image/png"
    assert licence.verifications.count() == 0


def test_a_bad_replacement_changes_nothing(licence, volunteer_user):
    before = (counts(), stored_files(), licence.document.name)
    with pytest.raises(ValidationFailed):
        services.update_credential(
            licence,
            actor=volunteer_user,
            data={"number": "NEW"},
            document=SimpleUploadedFile("x.pdf", b"<script>", "application/pdf"),
        )
    licence.refresh_from_db()
    assert (counts(), stored_files(), licence.document.name) == before
    assert licence.number == "GMC-1234567"


def test_only_the_owner_changes_a_claimed_profiles_credential(licence, users):
    for persona in ("admin", "coordinator", "member"):
        with pytest.raises(NotAllowed):
            services.update_credential(licence, actor=users[persona], data={"number": "X"})
    licence.refresh_from_db()
    assert licence.number == "GMC-1234567"


# Deleting ---------------------------------------------------------------------------------------


def test_deleting_removes_the_row_and_after_commit_the_file(
    licence, volunteer_user, django_capture_on_commit_callbacks
):
    path = pathlib.Path(licence.document.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_credential(licence, actor=volunteer_user)
    assert not Credential.objects.filter(pk=licence.pk).exists()
    assert not path.exists()
    entry = AuditEntry.objects.get(action="volunteers.credential.deleted")
    assert entry.actor == volunteer_user
    assert entry.changes["issuing_body"] == ["General Medical Council", None]


def test_others_cannot_delete(licence, users):
    with pytest.raises(NotAllowed):
        services.delete_credential(licence, actor=users["admin"])
    assert Credential.objects.filter(pk=licence.pk).exists()


# Verifying --------------------------------------------------------------------------------------


def test_a_coordinator_verifies_and_the_person_is_emailed_on_commit(
    licence, users, sending, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        verification = services.verify_credential(
            licence,
            actor=users["coordinator"],
            organization=sending,
            outcome="verified",
            notes=" Checked online. ",
        )

    assert (verification.outcome, verification.notes) == ("verified", "Checked online.")
    assert verification.verified_by == users["coordinator"]
    entry = AuditEntry.objects.get(action="volunteers.credential.verified")
    assert (entry.actor, entry.organization) == (users["coordinator"], sending)
    assert entry.changes == {"notes": [None, "Checked online."], "outcome": [None, "verified"]}
    [message] = mailoutbox
    assert message.to == ["volunteer@example.org"]
    assert message.subject == "Bridge Health UK verified your Professional registration or licence"
    assert "Checked online." in message.body
    assert "/volunteers/me/credentials/" in message.body


def test_no_email_leaves_before_the_transaction_commits(licence, users, sending, mailoutbox):
    services.verify_credential(licence, actor=users["admin"], organization=sending, outcome="verified")
    assert mailoutbox == []


def test_a_rejection_needs_a_reason_and_writes_nothing_without_one(licence, users, sending, mailoutbox):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.verify_credential(
            licence, actor=users["admin"], organization=sending, outcome="rejected", notes=" "
        )
    assert set(caught.value.fields) == {"notes"}
    assert counts() == before


def test_a_rejection_tells_the_person_why(
    licence, users, sending, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.verify_credential(
            licence,
            actor=users["admin"],
            organization=sending,
            outcome="rejected",
            notes="The scan is unreadable.",
        )
    [message] = mailoutbox
    assert message.subject == "Bridge Health UK could not verify your Professional registration or licence"
    assert "The scan is unreadable." in message.body
    assert (
        AuditEntry.objects.filter(action="volunteers.credential.rejected", organization=sending).count() == 1
    )


def test_a_second_identical_check_sends_no_second_email_but_a_changed_outcome_does(
    licence, users, sending, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.verify_credential(licence, actor=users["admin"], organization=sending, outcome="verified")
        services.verify_credential(
            licence, actor=users["coordinator"], organization=sending, outcome="verified"
        )
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.verify_credential(
            licence, actor=users["admin"], organization=sending, outcome="rejected", notes="Wrong person."
        )
    assert len(mailoutbox) == 2
    # One row per organisation, updated in place.
    assert CredentialVerification.objects.get().outcome == "rejected"


def test_the_email_is_rendered_in_the_persons_language(
    licence, users, sending, volunteer_user, monkeypatch, django_capture_on_commit_callbacks
):
    from medmissions.core import mail

    languages = []
    render = mail.render_email

    def recording(template, context, language=None):
        languages.append((template, language))
        return render(template, context, language)

    monkeypatch.setattr(mail, "render_email", recording)
    volunteer_user.language = "fr"
    volunteer_user.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.verify_credential(licence, actor=users["admin"], organization=sending, outcome="verified")
    assert languages == [("credential_checked", "fr")]


def test_an_unclaimed_person_gets_no_email(
    users, unclaimed, sending, mailoutbox, django_capture_on_commit_callbacks
):
    credential = services.add_credential(
        unclaimed, actor=users["admin"], data=licence_data(), document=pdf_upload()
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.verify_credential(
            credential, actor=users["coordinator"], organization=sending, outcome="verified"
        )
    assert mailoutbox == []


def test_nothing_can_be_verified_without_a_document(volunteer, volunteer_user, users, sending):
    credential = services.add_credential(volunteer, actor=volunteer_user, data=licence_data())
    with pytest.raises(ValidationFailed) as caught:
        services.verify_credential(credential, actor=users["admin"], organization=sending, outcome="verified")
    assert caught.value.code == "no_document"
    # It can still be rejected, with a reason.
    services.verify_credential(
        credential,
        actor=users["admin"],
        organization=sending,
        outcome="rejected",
        notes="Upload the licence.",
    )


def test_an_unknown_outcome_is_refused(licence, users, sending):
    with pytest.raises(ValidationFailed) as caught:
        services.verify_credential(licence, actor=users["admin"], organization=sending, outcome="approved")
    assert set(caught.value.fields) == {"outcome"}


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_members_without_the_role_cannot_verify(persona, licence, users, sending):
    with pytest.raises(NotAllowed):
        services.verify_credential(licence, actor=users[persona], organization=sending, outcome="verified")
    assert CredentialVerification.objects.count() == 0


def test_an_organisation_the_person_is_not_affiliated_with_cannot_verify(licence, users, other):
    with pytest.raises(NotAllowed) as caught:
        services.verify_credential(licence, actor=users["outsider"], organization=other, outcome="verified")
    assert caught.value.code == "not_vetting_admin"


def test_an_organisation_the_person_shared_their_profile_with_verifies_too(licence, volunteer, users, host):
    Affiliation.objects.create(person=volunteer, organization=host, kind=AffiliationKind.VETTING)
    services.verify_credential(licence, actor=users["host_admin"], organization=host, outcome="verified")
    assert licence.verifications.get().organization == host


def test_nobody_verifies_their_own_credential(licence, volunteer_user, sending):
    Membership.objects.create(user=volunteer_user, organization=sending, role=Role.ADMIN)
    with pytest.raises(NotAllowed) as caught:
        services.verify_credential(licence, actor=volunteer_user, organization=sending, outcome="verified")
    assert caught.value.code == "own_credential"


def test_a_check_of_a_credential_changed_since_it_was_opened_is_refused(
    licence, volunteer_user, users, sending
):
    seen = licence.updated_at
    with freeze_time(timezone.now() + datetime.timedelta(minutes=5)):
        services.update_credential(licence, actor=volunteer_user, data={"number": "GMC-7654321"})
    with pytest.raises(Conflict) as caught:
        services.verify_credential(
            licence, actor=users["admin"], organization=sending, outcome="verified", seen_updated_at=seen
        )
    assert caught.value.code == "credential_changed"
    assert CredentialVerification.objects.count() == 0
    licence.refresh_from_db()
    services.verify_credential(
        licence,
        actor=users["admin"],
        organization=sending,
        outcome="verified",
        seen_updated_at=licence.updated_at,
    )


# Reading the document ---------------------------------------------------------------------------


def test_the_owner_reads_the_document_without_an_audit_entry(licence, volunteer_user):
    with services.open_document(licence, actor=volunteer_user) as handle:
        assert handle.read() == PDF_BYTES
    assert not AuditEntry.objects.filter(action="volunteers.credential.document_read").exists()


def test_a_vetting_admins_read_is_audited_in_their_organisations_trail(licence, users, sending):
    with services.open_document(licence, actor=users["coordinator"]) as handle:
        assert handle.read() == PDF_BYTES
    entry = AuditEntry.objects.get(action="volunteers.credential.document_read")
    assert (entry.actor, entry.organization, entry.object_id) == (
        users["coordinator"],
        sending,
        str(licence.pk),
    )
    assert entry.data == {"person": licence.person_id}


def test_the_read_is_recorded_for_the_organisation_the_reader_acts_for(
    licence, volunteer, users, sending, host
):
    Affiliation.objects.create(person=volunteer, organization=host, kind=AffiliationKind.VETTING)
    Membership.objects.create(user=users["host_admin"], organization=sending, role=Role.COORDINATOR)
    services.open_document(licence, actor=users["host_admin"], organization=host).close()
    services.open_document(licence, actor=users["host_admin"], organization=sending).close()
    # An organisation the reader does not vet for is not credited with the read.
    services.open_document(licence, actor=users["coordinator"], organization=host).close()
    entries = AuditEntry.objects.filter(action="volunteers.credential.document_read").order_by("pk")
    assert [(entry.actor, entry.organization) for entry in entries] == [
        (users["host_admin"], host),
        (users["host_admin"], sending),
        (users["coordinator"], sending),
    ]


@pytest.mark.parametrize("persona", ["member", "viewer", "outsider", "host_admin"])
def test_nobody_else_opens_the_document(persona, licence, users):
    with pytest.raises(NotAllowed) as caught:
        services.open_document(licence, actor=users[persona])
    assert caught.value.code == "document_forbidden"
    assert not AuditEntry.objects.filter(action="volunteers.credential.document_read").exists()


def test_platform_staff_do_not_open_documents_either(licence):
    staff = make_user("staff@example.org", "Platform Staff", is_staff=True)
    with pytest.raises(NotAllowed):
        services.open_document(licence, actor=staff)


# The verification queue -------------------------------------------------------------------------


def test_the_queue_holds_unchecked_documents_of_the_organisations_people_oldest_first(
    volunteer, volunteer_user, make_credential, users, sending, host, other
):
    with freeze_time("2026-03-01 09:00"):
        oldest = make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1))
    with freeze_time("2026-03-02 09:00"):
        newer = make_credential(volunteer, "bls", expires_on=datetime.date(2028, 1, 1))
        make_credential(volunteer, "acls", expires_on=datetime.date(2028, 1, 1), verified_by=sending)
        make_credential(
            volunteer, "malpractice-insurance", expires_on=datetime.date(2028, 1, 1), document=False
        )
        make_credential(volunteer, "background-check", expires_on=datetime.date(2026, 1, 1))  # expired
        checked_elsewhere = make_credential(
            volunteer, "specialist-certificate", expires_on=datetime.date(2029, 1, 1), verified_by=host
        )
        rejected = make_credential(volunteer, "hepatitis-b-vaccination")
        CredentialVerification.objects.create(
            credential=rejected,
            organization=sending,
            outcome=VerificationOutcome.REJECTED,
            notes="Blurred.",
            verified_at=timezone.now(),
        )
        stranger = Person.objects.create(full_name="Someone Else")
        make_credential(stranger, "passport", expires_on=datetime.date(2031, 1, 1))

    with freeze_time("2026-03-03 09:00"):
        queue = list(services.awaiting_verification(sending))
        assert queue == [oldest, newer, checked_elsewhere]
        assert list(services.awaiting_verification(other)) == []


def test_a_credential_changed_after_its_check_comes_back_to_the_queue(
    licence, volunteer_user, users, sending
):
    services.verify_credential(licence, actor=users["admin"], organization=sending, outcome="verified")
    assert list(services.awaiting_verification(sending)) == []
    services.update_credential(licence, actor=volunteer_user, data={"number": "GMC-7654321"})
    assert list(services.awaiting_verification(sending)) == [licence]
