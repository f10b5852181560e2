"""Credential pages: my list and a person's, add/edit/delete, the document, the verification queue."""

import datetime
import pathlib
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.volunteers.choices import AffiliationKind, VerificationOutcome
from medmissions.volunteers.models import Affiliation, Credential, CredentialVerification, Person

from .conftest import PDF_BYTES, pdf_upload, png_upload

pytestmark = pytest.mark.django_db

MY_LIST = reverse("volunteers:credentials")
ADD = reverse("volunteers:credential_add")
QUEUE = reverse("volunteers:verification_queue")


def form_data(**extra):
    data = {
        "credential_type": "professional-licence",
        "issuing_body": "General Medical Council",
        "country": "GB",
        "state": "",
        "number": "GMC-1234567",
        "issued_on": "2015-08-01",
        "expires_on": "2030-08-01",
    }
    data.update(extra)
    return data


def stored_files() -> list[pathlib.Path]:
    root = pathlib.Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def licence(volunteer, make_credential):
    return make_credential(
        volunteer, "professional-licence", country="GB", expires_on=datetime.date(2030, 8, 1)
    )


@pytest.fixture
def unclaimed(sending):
    person = Person.objects.create(full_name="Joseph Mutua")
    Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
    return person


# My credentials ---------------------------------------------------------------------------------


def test_my_list_shows_each_credential_with_its_status_and_who_verified_it(
    volunteer, volunteer_user, make_credential, client_for, sending, today
):
    make_credential(
        volunteer, "passport", expires_on=today + datetime.timedelta(days=900), verified_by=sending
    )
    make_credential(volunteer, "bls", expires_on=today + datetime.timedelta(days=30), verified_by=sending)
    make_credential(volunteer, "acls", expires_on=today - datetime.timedelta(days=1), verified_by=sending)
    rejected = make_credential(
        volunteer, "malpractice-insurance", expires_on=today + datetime.timedelta(days=400)
    )
    CredentialVerification.objects.create(
        credential=rejected,
        organization=sending,
        outcome=VerificationOutcome.REJECTED,
        notes="The policy number is cut off.",
        verified_at=timezone.now(),
    )
    make_credential(volunteer, "background-check", expires_on=today + datetime.timedelta(days=400))

    response = client_for(volunteer_user).get(MY_LIST)

    assert response.status_code == 200
    page = response.content.decode()
    for label in ("Valid", "Valid, renewal due", "Expired", "Rejected", "Not verified"):
        assert f">{label}</span>" in page
    assert "Verified by Bridge Health UK" in page
    assert "No longer counts towards requirements." in page
    # The person reads why their credential was rejected.
    assert "The policy number is cut off." in page
    assert reverse("volunteers:credential_document", args=[rejected.pk]) in page
    assert reverse("volunteers:credential_edit", args=[rejected.pk]) in page


def test_looking_at_an_empty_list_creates_no_profile(users, client_for):
    response = client_for(users["member"]).get(MY_LIST)
    assert response.status_code == 200
    assert "You have not added any credentials yet." in response.content.decode()
    assert not Person.objects.filter(user=users["member"]).exists()


def test_a_vetting_admin_sees_a_persons_credentials_and_document_links_a_viewer_does_not(
    licence, volunteer, users, client_for
):
    address = reverse("volunteers:person_credentials", args=[volunteer.pk])
    document = reverse("volunteers:credential_document", args=[licence.pk])
    as_admin = client_for(users["admin"]).get(address).content.decode()
    as_viewer = client_for(users["viewer"]).get(address).content.decode()
    assert document in as_admin
    assert document not in as_viewer
    verify = reverse("volunteers:credential_verify", args=[licence.pk])
    assert f"{verify}?next={address}" in as_admin
    assert verify not in as_viewer
    assert "Uploaded" in as_viewer
    # Nobody but the owner changes a claimed profile.
    assert reverse("volunteers:credential_edit", args=[licence.pk]) not in as_admin


def test_other_organisations_do_not_see_the_persons_credentials(volunteer, users, client_for):
    address = reverse("volunteers:person_credentials", args=[volunteer.pk])
    assert client_for(users["outsider"]).get(address).status_code == 404


# Adding -----------------------------------------------------------------------------------------


def test_a_volunteer_adds_a_licence_with_its_document(volunteer, volunteer_user, client_for):
    response = client_for(volunteer_user).post(ADD, form_data(document=pdf_upload()))

    assert response.status_code == 302
    assert response["Location"] == MY_LIST
    credential = Credential.objects.get()
    assert credential.person == volunteer
    assert credential.number == "GMC-1234567"
    assert credential.document_content_type == "application/pdf"


def test_the_first_credential_creates_the_persons_profile(users, client_for):
    response = client_for(users["member"]).post(ADD, form_data(document=png_upload()))
    assert response.status_code == 302
    person = Person.objects.get(user=users["member"])
    assert person.credentials.get().document_content_type == "image/png"


def test_a_renamed_file_is_refused_by_its_content_and_nothing_is_written(
    volunteer, volunteer_user, client_for
):
    fake = SimpleUploadedFile("licence.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    audit_before = AuditEntry.objects.count()

    response = client_for(volunteer_user).post(ADD, form_data(document=fake))

    assert response.status_code == 400
    assert "not an accepted file type" in response.content.decode()
    assert response.context["form"].errors["document"]
    assert Credential.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
    assert stored_files() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"issuing_body": ""}, "issuing_body"), ({"expires_on": ""}, "expires_on"), ({"credential_type": "x"}, "credential_type")],
)  # fmt: skip
def test_invalid_fields_answer_400_with_their_errors(changes, field, volunteer, volunteer_user, client_for):
    response = client_for(volunteer_user).post(ADD, form_data(**changes))
    assert response.status_code == 400
    assert set(response.context["form"].errors) - {"__all__"} == {field}
    assert Credential.objects.count() == 0


def test_a_vetting_admin_adds_a_credential_to_an_unclaimed_profile(unclaimed, users, client_for, sending):
    address = reverse("volunteers:person_credential_add", args=[unclaimed.pk])
    response = client_for(users["coordinator"]).post(address, form_data(document=pdf_upload()))
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:person_credentials", args=[unclaimed.pk])
    assert unclaimed.credentials.count() == 1
    assert AuditEntry.objects.get(action="volunteers.credential.created").organization == sending


def test_a_member_cannot_add_to_an_unclaimed_profile(unclaimed, users, client_for):
    address = reverse("volunteers:person_credential_add", args=[unclaimed.pk])
    response = client_for(users["member"]).post(address, form_data())
    assert response.status_code == 403
    assert Credential.objects.count() == 0


# Editing and deleting ---------------------------------------------------------------------------


def test_the_edit_page_warns_that_saving_withdraws_the_verifications(
    volunteer, volunteer_user, make_credential, client_for, sending
):
    credential = make_credential(
        volunteer, "passport", expires_on=datetime.date(2031, 1, 1), verified_by=sending
    )
    page = client_for(volunteer_user).get(reverse("volunteers:credential_edit", args=[credential.pk]))
    assert page.status_code == 200
    assert "withdraws the verifications made by Bridge Health UK" in page.content.decode()

    response = client_for(volunteer_user).post(
        reverse("volunteers:credential_edit", args=[credential.pk]),
        form_data(credential_type="passport", issuing_body="HM Passport Office", number="P-1"),
    )

    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.issuing_body == "HM Passport Office"
    assert credential.verifications.count() == 0


def test_a_new_document_replaces_the_old_one(licence, volunteer_user, client_for):
    response = client_for(volunteer_user).post(
        reverse("volunteers:credential_edit", args=[licence.pk]), form_data(document=png_upload())
    )
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.document_content_type == "image/png"


def test_an_invalid_edit_changes_nothing(licence, volunteer_user, client_for):
    response = client_for(volunteer_user).post(
        reverse("volunteers:credential_edit", args=[licence.pk]),
        form_data(issued_on="2031-01-01", expires_on="2030-01-01"),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["expires_on"]
    licence.refresh_from_db()
    assert licence.expires_on == datetime.date(2030, 8, 1)


def test_deleting_asks_first_then_deletes(licence, volunteer_user, client_for):
    client = client_for(volunteer_user)
    address = reverse("volunteers:credential_delete", args=[licence.pk])
    confirm = client.get(address)
    assert confirm.status_code == 200
    assert "This cannot be undone." in confirm.content.decode()
    assert Credential.objects.filter(pk=licence.pk).exists()

    response = client.post(address)

    assert response.status_code == 302
    assert response["Location"] == MY_LIST
    assert not Credential.objects.filter(pk=licence.pk).exists()


# The document -----------------------------------------------------------------------------------


def test_the_owner_opens_the_document_inline_without_an_audit_entry(licence, volunteer_user, client_for):
    response = client_for(volunteer_user).get(reverse("volunteers:credential_document", args=[licence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="credential-{licence.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert not AuditEntry.objects.filter(action="volunteers.credential.document_read").exists()


def test_a_vetting_admin_opens_it_and_the_read_is_audited(licence, users, client_for, sending):
    response = client_for(users["coordinator"]).get(
        reverse("volunteers:credential_document", args=[licence.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES  # consuming it closes the file
    entry = AuditEntry.objects.get(action="volunteers.credential.document_read")
    assert (entry.actor, entry.organization, entry.object_id) == (
        users["coordinator"],
        sending,
        str(licence.pk),
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [("member", 403), ("viewer", 403), ("outsider", 404), ("host_admin", 404), ("host_member", 404)],
)
def test_everyone_else_is_refused_the_document(persona, status, licence, users, client_for):
    response = client_for(users[persona]).get(reverse("volunteers:credential_document", args=[licence.pk]))
    assert response.status_code == status
    assert not AuditEntry.objects.filter(action="volunteers.credential.document_read").exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(licence, client_for):
    response = client_for(None).get(reverse("volunteers:credential_document", args=[licence.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_credential_without_a_document_has_none_to_open(
    volunteer, volunteer_user, make_credential, client_for
):
    credential = make_credential(volunteer, "bls", expires_on=datetime.date(2028, 1, 1), document=False)
    response = client_for(volunteer_user).get(reverse("volunteers:credential_document", args=[credential.pk]))
    assert response.status_code == 404


def test_documents_are_never_under_a_public_media_url(licence):
    assert not settings.MEDIA_URL.startswith("/volunteers/")
    assert settings.MEDIA_URL == "/media-not-served/"


# Verification queue -----------------------------------------------------------------------------


def test_the_queue_lists_the_organisations_unchecked_documents_with_a_form(licence, users, client_for):
    response = client_for(users["coordinator"]).get(QUEUE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nadia Okafor" in page
    assert reverse("volunteers:credential_document", args=[licence.pk]) in page
    assert reverse("volunteers:credential_verify", args=[licence.pk]) in page
    assert "1 credential awaits a check." in page


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_members_without_the_role_get_403_on_the_queue(persona, users, client_for):
    assert client_for(users[persona]).get(QUEUE).status_code == 403


def test_someone_without_an_organisation_has_no_queue(volunteer_user, volunteer, client_for):
    assert client_for(volunteer_user).get(QUEUE).status_code == 403


def test_verifying_from_the_queue_records_it_emails_the_person_and_empties_the_queue(
    licence, users, client_for, sending, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("volunteers:credential_verify", args=[licence.pk]),
            {
                "organization": sending.slug,
                "outcome": "verified",
                "notes": "Checked on the GMC register.",
                "seen": licence.updated_at.isoformat(),
                "next": QUEUE,
            },
        )
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    verification = licence.verifications.get()
    assert (verification.organization, verification.outcome) == (sending, "verified")
    assert [message.to for message in mailoutbox] == [["volunteer@example.org"]]
    assert "Nothing awaits verification." in client.get(QUEUE).content.decode()


def test_a_rejection_without_a_reason_shows_the_review_page_again(licence, users, client_for, sending):
    response = client_for(users["admin"]).post(
        reverse("volunteers:credential_verify", args=[licence.pk]),
        {"organization": sending.slug, "outcome": "rejected", "notes": ""},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["notes"]
    assert CredentialVerification.objects.count() == 0


def test_a_check_of_a_credential_changed_meanwhile_is_refused(licence, users, client_for, sending):
    seen = licence.updated_at - datetime.timedelta(minutes=3)
    response = client_for(users["admin"]).post(
        reverse("volunteers:credential_verify", args=[licence.pk]),
        {"organization": sending.slug, "outcome": "verified", "seen": seen.isoformat()},
    )
    assert response.status_code == 400
    assert "changed after you opened it" in response.content.decode()
    assert CredentialVerification.objects.count() == 0


def test_the_review_page_shows_the_credential_and_its_document_link(licence, users, client_for):
    response = client_for(users["admin"]).get(reverse("volunteers:credential_verify", args=[licence.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Issuing council" in page
    assert reverse("volunteers:credential_document", args=[licence.pk]) in page


def test_a_redirect_elsewhere_after_verifying_is_ignored(licence, users, client_for, sending):
    response = client_for(users["admin"]).post(
        reverse("volunteers:credential_verify", args=[licence.pk]),
        {"organization": sending.slug, "outcome": "verified", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == QUEUE


def test_an_admin_cannot_verify_their_own_credential(licence, volunteer_user, client_for, sending):
    Membership.objects.create(user=volunteer_user, organization=sending, role=Role.ADMIN)
    response = client_for(volunteer_user).post(
        reverse("volunteers:credential_verify", args=[licence.pk]),
        {"organization": sending.slug, "outcome": "verified"},
    )
    assert response.status_code == 403
    assert CredentialVerification.objects.count() == 0


def test_a_checker_cannot_verify_for_an_organisation_they_do_not_vet_for(licence, users, client_for, other):
    # The person is in sending's queue; naming another organisation in the form gets nowhere.
    response = client_for(users["admin"]).post(
        reverse("volunteers:credential_verify", args=[licence.pk]),
        {"organization": other.slug, "outcome": "verified"},
    )
    assert response.status_code == 400
    assert CredentialVerification.objects.count() == 0


def test_platform_staff_see_no_documents(licence, client_for):
    staff = make_user("staff@example.org", "Platform Staff", is_staff=True)
    response = client_for(staff).get(reverse("volunteers:credential_document", args=[licence.pk]))
    assert response.status_code == 404


def test_the_queue_forms_record_when_the_credential_was_seen_exactly(licence, users, client_for, sending):
    client = client_for(users["coordinator"])
    page = client.get(QUEUE).content.decode()
    [seen] = re.findall(r'name="seen" value="([^"]+)"', page)
    response = client.post(
        reverse("volunteers:credential_verify", args=[licence.pk]),
        {"organization": sending.slug, "outcome": "verified", "seen": seen, "next": QUEUE},
    )
    assert response.status_code == 302
    assert licence.verifications.get().outcome == "verified"
