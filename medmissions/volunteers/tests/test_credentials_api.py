"""API /api/v1/credentials: list, add (multipart), read, change, delete, the document, verification,
the verification queue; and the /reference lists of specialties and credential types."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from medmissions.audit.models import AuditEntry
from medmissions.testing import assert_api_error, patch_json, post_json
from medmissions.volunteers.choices import AffiliationKind, VerificationOutcome
from medmissions.volunteers.models import Affiliation, Credential, CredentialVerification, Person

from .conftest import PDF_BYTES, pdf_upload, png_upload

pytestmark = pytest.mark.django_db

BASE = "/api/v1/credentials"


def new_credential(**extra):
    data = {
        "credential_type": "bls",
        "issuing_body": "Resuscitation Council UK",
        "country": "GB",
        "issued_on": "2025-01-10",
        "expires_on": "2027-01-10",
    }
    data.update(extra)
    return data


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


# Listing ----------------------------------------------------------------------------------------


def test_a_volunteer_lists_their_credentials_with_status_and_checks(
    licence, volunteer_user, api_client_for, sending
):
    CredentialVerification.objects.create(
        credential=licence,
        organization=sending,
        outcome=VerificationOutcome.VERIFIED,
        notes="On the register.",
        verified_at=timezone.now(),
    )
    body = api_client_for(volunteer_user).get(BASE).json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["id"] == licence.pk
    assert item["credential_type"] == "professional-licence"
    assert item["country"] == "GB"
    assert item["expires_on"] == "2030-08-01"
    assert item["status"] == "valid"
    assert item["counts"] is True
    assert item["document_url"] == f"{BASE}/{licence.pk}/document"
    [check] = item["verifications"]
    assert check["organization"] == "bridge-health"
    assert (check["outcome"], check["notes"]) == ("verified", "On the register.")


def test_members_of_the_home_organisation_see_metadata_but_no_document_link(licence, users, api_client_for):
    [item] = api_client_for(users["viewer"]).get(BASE).json()["items"]
    assert item["has_document"] is True
    assert item["document_url"] is None
    [admin_item] = api_client_for(users["admin"]).get(BASE).json()["items"]
    assert admin_item["document_url"] == f"{BASE}/{licence.pk}/document"


def test_other_organisations_list_nothing(licence, users, api_client_for):
    assert api_client_for(users["outsider"]).get(BASE).json() == {"items": [], "count": 0}


def test_the_list_filters_by_person_and_type(
    licence, volunteer, unclaimed, make_credential, users, api_client_for
):
    make_credential(unclaimed, "bls", expires_on=datetime.date(2028, 1, 1))
    client = api_client_for(users["admin"])
    assert client.get(BASE).json()["count"] == 2
    assert [item["person"] for item in client.get(BASE, {"person": volunteer.pk}).json()["items"]] == [
        volunteer.pk
    ]
    assert [
        item["credential_type"] for item in client.get(BASE, {"credential_type": "bls"}).json()["items"]
    ] == ["bls"]


def test_a_person_one_cannot_see_answers_404(licence, volunteer, users, api_client_for):
    assert_api_error(api_client_for(users["outsider"]).get(BASE, {"person": volunteer.pk}), 404, "not_found")


def test_statuses_for_one_organisation(licence, users, api_client_for, host):
    CredentialVerification.objects.create(
        credential=licence,
        organization=host,
        outcome=VerificationOutcome.VERIFIED,
        verified_at=timezone.now(),
    )
    client = api_client_for(users["admin"])
    assert client.get(BASE).json()["items"][0]["status"] == "valid"
    # Bridge Health has not checked it yet, whatever the host thinks.
    assert client.get(BASE, {"organization": "bridge-health"}).json()["items"][0]["status"] == "unverified"
    assert_api_error(client.get(BASE, {"organization": "mbale-hospital"}), 404, "not_found")


def test_the_list_is_paginated(volunteer, make_credential, volunteer_user, api_client_for):
    for slug in ("passport", "bls", "acls"):
        make_credential(volunteer, slug, expires_on=datetime.date(2029, 1, 1))
    body = api_client_for(volunteer_user).get(BASE, {"page": 2, "page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["items"]) == 1


def test_the_list_needs_authentication(db, client_for):
    assert_api_error(client_for(None).get(BASE), 401, "unauthenticated")


# Adding -----------------------------------------------------------------------------------------


def test_a_volunteer_adds_a_credential_with_its_document(volunteer, volunteer_user, api_client_for):
    response = api_client_for(volunteer_user).post(BASE, {**new_credential(), "document": pdf_upload()})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person"] == volunteer.pk
    assert body["credential_type"] == "bls"
    assert body["has_document"] is True
    assert body["status"] == "unverified"
    assert Credential.objects.get(pk=body["id"]).document_content_type == "application/pdf"


def test_a_credential_may_come_without_a_document(volunteer, volunteer_user, api_client_for):
    response = api_client_for(volunteer_user).post(BASE, new_credential())
    assert response.status_code == 201
    assert response.json()["has_document"] is False


def test_adding_creates_the_profile_of_someone_who_had_none(users, api_client_for):
    response = api_client_for(users["member"]).post(BASE, new_credential())
    assert response.status_code == 201
    assert Person.objects.get(user=users["member"]).pk == response.json()["person"]


def test_a_file_that_is_not_a_pdf_or_picture_answers_400_and_nothing_is_written(
    volunteer, volunteer_user, api_client_for
):
    fake = SimpleUploadedFile("licence.pdf", b"#!/bin/sh\necho hi\n", content_type="application/pdf")
    response = api_client_for(volunteer_user).post(BASE, {**new_credential(), "document": fake})
    assert_api_error(response, 400, "file_type_not_allowed", ["document"], exact=True)
    assert Credential.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"credential_type": "driving-licence"}, "credential_type"),
        ({"expires_on": "2024-01-01", "issued_on": "2025-01-01"}, "expires_on"),
        ({"issued_on": "not a date"}, "issued_on"),
        ({"country": "XX"}, "country"),
    ],
)
def test_bad_fields_answer_400_naming_them(changes, field, volunteer, volunteer_user, api_client_for):
    response = api_client_for(volunteer_user).post(BASE, new_credential(**changes))
    assert_api_error(response, 400, fields=[field])
    assert Credential.objects.count() == 0


def test_a_vetting_admin_adds_to_an_unclaimed_profile_a_member_may_not(unclaimed, users, api_client_for):
    created = api_client_for(users["coordinator"]).post(BASE, {**new_credential(), "person": unclaimed.pk})
    assert created.status_code == 201
    assert created.json()["person"] == unclaimed.pk
    refused = api_client_for(users["member"]).post(BASE, {**new_credential(), "person": unclaimed.pk})
    assert_api_error(refused, 403, "not_profile_owner")
    assert_api_error(
        api_client_for(users["outsider"]).post(BASE, {**new_credential(), "person": unclaimed.pk}), 404
    )
    assert unclaimed.credentials.count() == 1


# One credential ---------------------------------------------------------------------------------


def test_reading_one_credential(licence, users, api_client_for):
    assert api_client_for(users["member"]).get(f"{BASE}/{licence.pk}").json()["id"] == licence.pk
    assert_api_error(api_client_for(users["outsider"]).get(f"{BASE}/{licence.pk}"), 404, "not_found")


def test_changing_a_credential_withdraws_its_verifications(licence, volunteer_user, api_client_for, sending):
    CredentialVerification.objects.create(
        credential=licence,
        organization=sending,
        outcome=VerificationOutcome.VERIFIED,
        verified_at=timezone.now(),
    )
    response = patch_json(api_client_for(volunteer_user), f"{BASE}/{licence.pk}", {"number": "GMC-7654321"})
    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["status"], body["verifications"]) == ("GMC-7654321", "unverified", [])


def test_a_bad_change_answers_400_and_changes_nothing(licence, volunteer_user, api_client_for):
    response = patch_json(api_client_for(volunteer_user), f"{BASE}/{licence.pk}", {"issuing_body": " "})
    assert_api_error(response, 400, "invalid", ["issuing_body"])
    licence.refresh_from_db()
    assert licence.issuing_body == "Issuing council"


def test_only_the_owner_changes_a_claimed_profiles_credential(licence, users, api_client_for):
    response = patch_json(api_client_for(users["admin"]), f"{BASE}/{licence.pk}", {"number": "X"})
    assert_api_error(response, 403, "not_profile_owner")


def test_deleting_a_credential(licence, volunteer_user, users, api_client_for):
    assert_api_error(api_client_for(users["admin"]).delete(f"{BASE}/{licence.pk}"), 403)
    response = api_client_for(volunteer_user).delete(f"{BASE}/{licence.pk}")
    assert response.status_code == 204
    assert not Credential.objects.filter(pk=licence.pk).exists()


# The document -----------------------------------------------------------------------------------


def test_replacing_the_document(licence, volunteer_user, api_client_for):
    response = api_client_for(volunteer_user).post(
        f"{BASE}/{licence.pk}/document", {"document": png_upload()}
    )
    assert response.status_code == 200
    licence.refresh_from_db()
    assert licence.document_content_type == "image/png"


def test_an_oversized_replacement_is_refused(licence, volunteer_user, api_client_for, settings):
    settings.MAX_DOCUMENT_UPLOAD_BYTES = 64
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * 100, content_type="application/pdf")
    response = api_client_for(volunteer_user).post(f"{BASE}/{licence.pk}/document", {"document": big})
    assert_api_error(response, 400, "file_too_large", ["document"])
    licence.refresh_from_db()
    assert licence.document_content_type == "application/pdf"


def test_the_owner_downloads_the_document(licence, volunteer_user, api_client_for):
    response = api_client_for(volunteer_user).get(f"{BASE}/{licence.pk}/document")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")


def test_a_vetting_admins_download_is_audited(licence, users, api_client_for, sending):
    response = api_client_for(users["admin"]).get(f"{BASE}/{licence.pk}/document")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES  # consuming it closes the file
    entry = AuditEntry.objects.get(action="volunteers.credential.document_read")
    assert (entry.actor, entry.organization) == (users["admin"], sending)


@pytest.mark.parametrize(("persona", "status"), [("viewer", 403), ("member", 403), ("outsider", 404)])
def test_others_cannot_download_the_document(persona, status, licence, users, api_client_for):
    assert_api_error(api_client_for(users[persona]).get(f"{BASE}/{licence.pk}/document"), status)


def test_anonymous_downloads_answer_401(licence, client_for):
    assert_api_error(client_for(None).get(f"{BASE}/{licence.pk}/document"), 401, "unauthenticated")


# Verification -----------------------------------------------------------------------------------


def test_a_coordinator_verifies_for_their_organisation(
    licence, users, api_client_for, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            api_client_for(users["coordinator"]),
            f"{BASE}/{licence.pk}/verification",
            {"organization": "bridge-health", "outcome": "verified", "notes": "On the register."},
        )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid"
    assert [(check["organization"], check["outcome"]) for check in body["verifications"]] == [
        ("bridge-health", "verified")
    ]
    assert len(mailoutbox) == 1


def test_a_rejection_without_notes_answers_400(licence, users, api_client_for):
    response = post_json(
        api_client_for(users["admin"]),
        f"{BASE}/{licence.pk}/verification",
        {"organization": "bridge-health", "outcome": "rejected"},
    )
    assert_api_error(response, 400, "invalid", ["notes"], exact=True)
    assert CredentialVerification.objects.count() == 0


def test_a_stale_check_answers_409(licence, users, api_client_for):
    response = post_json(
        api_client_for(users["admin"]),
        f"{BASE}/{licence.pk}/verification",
        {
            "organization": "bridge-health",
            "outcome": "verified",
            "seen_updated_at": (licence.updated_at - datetime.timedelta(hours=1)).isoformat(),
        },
    )
    assert_api_error(response, 409, "credential_changed")


@pytest.mark.parametrize(("persona", "status"), [("member", 403), ("viewer", 403), ("outsider", 404)])
def test_others_cannot_verify(persona, status, licence, users, api_client_for):
    response = post_json(
        api_client_for(users[persona]),
        f"{BASE}/{licence.pk}/verification",
        {"organization": "bridge-health", "outcome": "verified"},
    )
    assert_api_error(response, status)
    assert CredentialVerification.objects.count() == 0


def test_an_unknown_organisation_answers_404(licence, users, api_client_for):
    response = post_json(
        api_client_for(users["admin"]),
        f"{BASE}/{licence.pk}/verification",
        {"organization": "no-such-organisation", "outcome": "verified"},
    )
    assert_api_error(response, 404, "not_found")


# The verification queue -------------------------------------------------------------------------


def test_the_queue_of_an_organisation(licence, users, api_client_for):
    body = api_client_for(users["coordinator"]).get(f"{BASE}/queue", {"organization": "bridge-health"}).json()
    assert body["count"] == 1
    assert body["items"][0]["id"] == licence.pk
    assert body["items"][0]["status"] == "unverified"


def test_the_queue_is_for_its_coordinators_and_admins(licence, users, api_client_for):
    query = {"organization": "bridge-health"}
    assert_api_error(api_client_for(users["member"]).get(f"{BASE}/queue", query), 403, "forbidden")
    assert_api_error(api_client_for(users["outsider"]).get(f"{BASE}/queue", query), 404, "not_found")
    assert_api_error(api_client_for(users["admin"]).get(f"{BASE}/queue"), 400, "invalid", ["organization"])


# Reference lists --------------------------------------------------------------------------------


def test_the_specialty_tree(users, api_client_for):
    tree = api_client_for(users["viewer"]).get("/api/v1/reference/specialties").json()
    medicine = next(node for node in tree if node["code"] == "medicine")
    surgery = next(node for node in medicine["children"] if node["code"] == "surgery")
    assert {node["code"] for node in surgery["children"]} == {
        "orthopaedic-surgery",
        "general-surgery",
        "plastic-surgery",
    }
    assert all(node["children"] == [] for node in surgery["children"])
    assert "general-surgery" not in {node["code"] for node in tree}


def test_the_credential_types(users, api_client_for):
    types = {
        item["code"]: item
        for item in api_client_for(users["viewer"]).get("/api/v1/reference/credential-types").json()
    }
    assert types["host-temporary-licence"]["issued_by_host_country"] is True
    assert types["yellow-fever-vaccination"]["has_expiry"] is False
    assert types["passport"]["category"] == "travel"


def test_reference_lists_need_authentication(db, client_for):
    assert_api_error(client_for(None).get("/api/v1/reference/specialties"), 401)


def test_a_page_costs_the_same_number_of_queries_however_many_credentials(
    volunteer, make_credential, users, api_client_for, sending, host
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client_for(users["admin"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(BASE).status_code == 200
        return len(captured)

    make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1), verified_by=sending)
    queries()  # the first request also records when the token was used
    one = queries()
    for number in range(5):
        person = Person.objects.create(full_name=f"Nurse {number}")
        Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
        make_credential(person, "bls", expires_on=datetime.date(2028, 1, 1), verified_by=host)
    assert queries() == one
