"""The import pages: upload, dry run, commit, templates."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from medmissions.audit.models import AuditEntry
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.imports import COLUMN_NAMES, dry_run, read_table
from medmissions.volunteers.models import Affiliation, Person

from .test_imports_support import AMINA, AMINA_BLS, PETER, csv_upload

pytestmark = pytest.mark.django_db
IMPORT = reverse("volunteers:import")
COMMIT = reverse("volunteers:import_commit")
TEMPLATE = reverse("volunteers:import_template")


@pytest.fixture
def coordinator_client(users, client_for):
    return client_for(users["coordinator"])


def test_the_import_page_documents_every_column_and_links_the_templates(coordinator_client):
    response = coordinator_client.get(IMPORT)

    assert response.status_code == 200
    page = response.content.decode()
    for name in COLUMN_NAMES:
        assert f"<code>{name}</code>" in page
    assert f'href="{TEMPLATE}?format=xlsx"' in page
    assert f'href="{TEMPLATE}"' in page
    assert "professional-licence" in page
    assert 'enctype="multipart/form-data"' in page


def test_the_dry_run_shows_who_would_be_created_and_imports_nothing(coordinator_client):
    response = coordinator_client.post(IMPORT, {"file": csv_upload([AMINA, AMINA_BLS, PETER])})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Amina Nakato" in page
    assert "Peter Wafula" in page
    assert 'name="token"' in page
    assert not Person.objects.exists()


def test_the_dry_run_lists_every_row_error_and_offers_no_import(coordinator_client):
    rows = [AMINA, {"full_name": "Peter Wafula", "is_trainee": "maybe", "nationality": "XX"}]

    response = coordinator_client.post(IMPORT, {"file": csv_upload(rows)})

    assert response.status_code == 200
    errors = response.context["analysis"].errors
    assert [(error.row, error.column) for error in errors] == [(3, "nationality"), (3, "is_trainee")]
    page = response.content.decode()
    assert "Write yes or no." in page
    assert 'name="token"' not in page


def test_malicious_values_are_shown_escaped(coordinator_client):
    row = {"full_name": "<script>alert('x')</script>", "email": "x@example.org"}

    response = coordinator_client.post(IMPORT, {"file": csv_upload([row])})

    page = response.content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_a_wrong_file_type_is_shown_on_the_form(coordinator_client):
    pdf = SimpleUploadedFile("people.csv", b"%PDF-1.4\n%%EOF\n", content_type="text/csv")

    response = coordinator_client.post(IMPORT, {"file": pdf})

    assert response.status_code == 400
    assert "Only CSV files and XLSX workbooks" in response.content.decode()


def test_a_missing_file_is_shown_on_the_form(coordinator_client):
    response = coordinator_client.post(IMPORT, {})

    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_the_commit_imports_and_shows_the_result_once(users, sending, coordinator_client):
    analysis = dry_run(sending, actor=users["coordinator"], upload=csv_upload([AMINA, AMINA_BLS, PETER]))

    response = coordinator_client.post(COMMIT, {"token": analysis.token})

    assert response.status_code == 302
    assert response["Location"] == IMPORT
    assert Person.objects.count() == 2
    page = coordinator_client.get(IMPORT)
    assert page.context["last_result"]["people_created"] == 2
    assert "Imported 2 people with 2 credentials." in page.content.decode()
    assert coordinator_client.get(IMPORT).context["last_result"] is None


def test_duplicates_ticked_for_merging_are_imported_and_linked_to_the_merge_screen(
    users, sending, coordinator_client
):
    existing = Person.objects.create(full_name="Amina N.", email="amina.nakato@example.org")
    Affiliation.objects.create(person=existing, organization=sending, kind=AffiliationKind.HOME)
    dry = coordinator_client.post(IMPORT, {"file": csv_upload([AMINA, PETER])})
    assert 'name="import_duplicates" value="2"' in dry.content.decode()
    token = dry.context["analysis"].token

    coordinator_client.post(COMMIT, {"token": token, "import_duplicates": ["2"]})

    imported = Person.objects.get(full_name="Amina Nakato")
    page = coordinator_client.get(IMPORT)
    (pair,) = page.context["last_result"]["pairs"]
    assert (pair["imported"], pair["existing"]) == (imported, existing)
    assert f"keep={existing.pk}&amp;merge={imported.pk}" in page.content.decode()


def test_a_commit_that_finds_changed_data_shows_the_new_result_and_imports_nothing(
    users, sending, coordinator_client
):
    analysis = dry_run(sending, actor=users["coordinator"], upload=csv_upload([AMINA, PETER]))
    existing = Person.objects.create(full_name="Peter W.", email="peter.wafula@example.org")
    Affiliation.objects.create(person=existing, organization=sending, kind=AffiliationKind.HOME)

    response = coordinator_client.post(COMMIT, {"token": analysis.token})

    assert response.status_code == 409
    assert Person.objects.count() == 1
    assert response.context["analysis"].token != analysis.token
    assert "changed since the dry run" in response.content.decode()


def test_a_damaged_token_sends_back_to_the_upload_with_a_message(coordinator_client):
    response = coordinator_client.post(COMMIT, {"token": "damaged"}, follow=True)

    assert response.redirect_chain == [(IMPORT, 302)]
    assert "Upload the file again." in response.content.decode()
    assert not AuditEntry.objects.filter(action="volunteers.import.committed").exists()


def test_the_csv_template_is_a_valid_import_with_one_person(users, sending, coordinator_client):
    response = coordinator_client.get(TEMPLATE)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="people-import-template.csv"' in response["Content-Disposition"]
    table = read_table(response.content)
    assert table.header == COLUMN_NAMES
    analysis = dry_run(
        sending, actor=users["coordinator"], upload=SimpleUploadedFile("t.csv", response.content)
    )
    assert analysis.errors == []
    assert [(plan.full_name, len(plan.credentials)) for plan in analysis.people] == [("Amina Nakato", 2)]


def test_the_xlsx_template_is_a_valid_import_with_one_person(users, sending, coordinator_client):
    response = coordinator_client.get(TEMPLATE + "?format=xlsx")

    assert response.status_code == 200
    assert 'filename="people-import-template.xlsx"' in response["Content-Disposition"]
    upload = SimpleUploadedFile("t.xlsx", response.content)
    analysis = dry_run(sending, actor=users["coordinator"], upload=upload)
    assert analysis.file_format == "xlsx"
    assert analysis.errors == []
    assert [(plan.full_name, len(plan.credentials)) for plan in analysis.people] == [("Amina Nakato", 2)]
    assert io.BytesIO(response.content).read(2) == b"PK"


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_people_who_do_not_vet_volunteers_are_refused_with_the_reason(users, client_for, persona):
    response = client_for(users[persona]).get(IMPORT)

    assert response.status_code == 403
    assert "Only coordinators and admins vet volunteers" in response.content.decode()


def test_a_member_cannot_commit_a_dry_run_of_their_organisation(users, sending, client_for):
    analysis = dry_run(sending, actor=users["coordinator"], upload=csv_upload([PETER]))

    response = client_for(users["member"]).post(COMMIT, {"token": analysis.token})

    assert response.status_code == 403
    assert not Person.objects.exists()
