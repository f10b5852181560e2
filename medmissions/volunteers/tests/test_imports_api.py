"""The import and merge API: dry run, commit (by token or file), merge; the error shape."""

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.testing import assert_api_error, post_json
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, Person

from .test_imports_support import AMINA, AMINA_BLS, PETER, csv_upload, xlsx_upload

pytestmark = pytest.mark.django_db
DRY_RUN = "/api/v1/imports/people/dry-run"
COMMIT = "/api/v1/imports/people/commit"
MERGE = "/api/v1/imports/merge"


@pytest.fixture
def coordinator_api(users, api_client_for):
    return api_client_for(users["coordinator"])


def person_of(organization, **fields) -> Person:
    person = Person.objects.create(**fields)
    Affiliation.objects.create(person=person, organization=organization, kind=AffiliationKind.HOME)
    return person


def test_the_dry_run_answers_the_analysis_and_a_token(coordinator_api, sending):
    existing = person_of(sending, full_name="Peter W.", email="peter.wafula@example.org")

    response = coordinator_api.post(
        DRY_RUN, {"file": csv_upload([AMINA, AMINA_BLS, PETER]), "organization": "bridge-health"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rows"], body["people_to_create"], body["credentials_to_create"], body["duplicates"]) == (
        3,
        1,
        2,
        1,
    )
    assert body["errors"] == []
    assert body["token"]
    amina, peter = body["people"]
    assert amina["status"] == "new"
    assert amina["rows"] == [2, 3]
    assert amina["profession"] == "medicine"
    assert amina["specialties"] == ["general-surgery:3", "anaesthesia:2"]
    assert amina["languages"] == ["sw:3/2/2", "en:4/4/4"]
    assert [credential["credential_type"] for credential in amina["credentials"]] == [
        "professional-licence",
        "bls",
    ]
    assert peter["status"] == "duplicate"
    assert peter["duplicates"] == [
        {
            "id": existing.pk,
            "full_name": "Peter W.",
            "email": "peter.wafula@example.org",
            "has_account": False,
            "reasons": ["email"],
        }
    ]
    assert not Person.objects.filter(full_name="Amina Nakato").exists()


def test_the_dry_run_reports_row_errors_without_a_token(coordinator_api):
    rows = [{"full_name": "Peter Wafula", "is_trainee": "maybe"}]

    response = coordinator_api.post(DRY_RUN, {"file": csv_upload(rows), "organization": "bridge-health"})

    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == [{"row": 2, "column": "is_trainee", "message": "Write yes or no."}]
    assert body["token"] is None
    assert body["people"][0]["status"] == "invalid"


def test_a_wrong_file_type_is_a_400_on_the_file_field(coordinator_api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("people.csv", b"%PDF-1.4\n%%EOF\n")

    response = coordinator_api.post(DRY_RUN, {"file": pdf, "organization": "bridge-health"})

    assert_api_error(response, 400, "file_type_not_allowed", ["file"])


def test_the_commit_by_token_creates_the_people(coordinator_api):
    token = coordinator_api.post(
        DRY_RUN, {"file": csv_upload([AMINA, PETER]), "organization": "bridge-health"}
    ).json()["token"]

    response = coordinator_api.post(COMMIT, {"token": token})

    assert response.status_code == 201, response.content
    assert response.json() == {
        "people_created": 2,
        "credentials_created": 1,
        "duplicates_skipped": 0,
        "imported_for_merge": [],
    }
    assert AuditEntry.objects.filter(action="volunteers.person.imported").count() == 2


def test_the_commit_of_a_file_sent_again_can_import_a_duplicate_for_merging(coordinator_api, sending):
    existing = person_of(sending, full_name="Peter W.", email="peter.wafula@example.org")

    response = coordinator_api.post(
        COMMIT,
        {"file": xlsx_upload([AMINA, PETER]), "organization": "bridge-health", "import_duplicates": ["3"]},
    )

    assert response.status_code == 201, response.content
    imported = Person.objects.get(full_name="Peter Wafula")
    assert response.json()["imported_for_merge"] == [{"imported": imported.pk, "existing": existing.pk}]


def test_a_commit_with_one_bad_row_imports_nothing_and_names_the_rows(coordinator_api):
    rows = [AMINA, {"full_name": "Peter Wafula", "is_trainee": "maybe"}]

    response = coordinator_api.post(COMMIT, {"file": csv_upload(rows), "organization": "bridge-health"})

    error = assert_api_error(response, 400, "import_invalid", ["rows.3.is_trainee"], exact=True)
    assert "Nothing was imported" in error["message"]
    assert not Person.objects.exists()


def test_a_commit_needs_a_file_or_a_token(coordinator_api):
    response = coordinator_api.post(COMMIT, {"organization": "bridge-health"})

    assert_api_error(response, 400, "invalid", ["file"])


def test_a_commit_without_organisation_or_token_names_the_organisation(coordinator_api):
    response = coordinator_api.post(COMMIT, {"file": csv_upload([PETER])})

    assert_api_error(response, 400, "invalid", ["organization"])


def test_a_forged_token_is_a_400(coordinator_api):
    response = coordinator_api.post(COMMIT, {"token": "forged"})

    assert_api_error(response, 400, "import_token_invalid", ["token"])


def test_non_members_get_404_and_members_who_do_not_vet_get_403(users, api_client_for):
    upload = {"organization": "bridge-health"}

    assert_api_error(
        api_client_for(users["outsider"]).post(DRY_RUN, {**upload, "file": csv_upload([PETER])}),
        404,
        "not_found",
    )
    assert_api_error(
        api_client_for(users["member"]).post(DRY_RUN, {**upload, "file": csv_upload([PETER])}),
        403,
        "forbidden",
    )


def test_the_merge_answers_the_kept_person(coordinator_api, sending):
    kept = person_of(sending, full_name="Joseph Mutua", email="joseph.mutua@example.org")
    other = person_of(sending, full_name="Joseph Mutua", phone="0700 111222")

    response = post_json(
        coordinator_api,
        MERGE,
        {"organization": "bridge-health", "keep": kept.pk, "merge": other.pk, "fields": {"phone": "merge"}},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["merged_from"], body["organizations"]) == (
        kept.pk,
        [other.pk],
        ["bridge-health"],
    )
    kept.refresh_from_db()
    assert kept.phone == "0700 111222"
    entry = AuditEntry.objects.get(action="volunteers.person.merged")
    assert (entry.data["kept"], entry.data["merged"]) == (kept.pk, other.pk)


def test_a_merge_of_two_accounts_is_a_409(coordinator_api, sending):
    from medmissions.conftest import make_user

    first = person_of(sending, user=make_user("one@example.org", "One"), full_name="Joseph")
    second = person_of(sending, user=make_user("two@example.org", "Two"), full_name="Joseph")

    response = post_json(
        coordinator_api, MERGE, {"organization": "bridge-health", "keep": first.pk, "merge": second.pk}
    )

    assert_api_error(response, 409, "both_claimed")


def test_a_merge_with_unknown_fields_is_a_400(coordinator_api, sending):
    kept = person_of(sending, full_name="Joseph")
    other = person_of(sending, full_name="Joseph")

    response = post_json(
        coordinator_api,
        MERGE,
        {"organization": "bridge-health", "keep": kept.pk, "merge": other.pk, "fields": {"user": "keep"}},
    )

    assert_api_error(response, 400, "invalid", ["fields"])


def test_a_merge_naming_people_one_cannot_see_is_a_404(coordinator_api, sending, other):
    kept = person_of(sending, full_name="Joseph")
    hidden = person_of(other, full_name="Joseph")

    response = post_json(
        coordinator_api, MERGE, {"organization": "bridge-health", "keep": kept.pk, "merge": hidden.pk}
    )

    assert_api_error(response, 404, "not_found")
