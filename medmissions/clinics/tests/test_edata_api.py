"""API of the eDATA area: GET /clinics/edata/reports/{id}, GET /clinics/edata/teams/{id} and
POST /clinics/edata/teams/{id}/import."""

from __future__ import annotations

import csv
import io

import pytest

from medmissions.clinics.models import Consultation, ImportBatch
from medmissions.clinics.tests.conftest import days_ago, record
from medmissions.clinics.tests.edata_support import csv_text, row, upload
from medmissions.core.tests.test_permission_matrix import PDF_BYTES

API = "/api/v1/clinics/edata"


@pytest.fixture
def lead(users):
    return users["coordinator"]


@pytest.fixture
def day(team, lead, site):
    return record(team, lead, site, days_ago(1), items=(9, 44, 50)).report


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


# --- Downloads -------------------------------------------------------------------------------------


def test_a_report_file_is_csv_as_an_attachment(api_client_for, lead, day):
    response = api_client_for(lead).get(f"{API}/reports/{day.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    [line] = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert line["MDS50"] == "1"  # restricted, and here line by line


def test_a_team_file_takes_a_period(api_client_for, lead, team, site, day):
    record(team, lead, site, days_ago(20))
    client = api_client_for(lead)
    response = client.get(f"{API}/teams/{team.pk}", {"start": days_ago(30).isoformat()})
    assert response.status_code == 200
    assert len(response.content.decode("utf-8-sig").splitlines()) == 3
    response = client.get(f"{API}/teams/{team.pk}", {"start": "2026-13-01"})
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"start": "Enter the date as YYYY-MM-DD."}
    response = client.get(f"{API}/teams/{team.pk}", {"start": "2024-01-01", "end": "2026-01-01"})
    assert response.status_code == 400 and error_of(response)["code"] == "period_too_long"


@pytest.mark.parametrize("persona", ["admin", "member", "host_member"])
def test_downloads_are_403_for_those_who_may_not_see_restricted_items(
    api_client_for, users, team, day, persona
):
    client = api_client_for(users[persona])
    for url in (f"{API}/reports/{day.pk}", f"{API}/teams/{team.pk}"):
        response = client.get(url)
        assert response.status_code == 403
        assert "restricted" in error_of(response)["message"]


def test_downloads_are_404_for_an_outsider_and_401_anonymous(api_client_for, users, team, day):
    outsider = api_client_for(users["outsider"])
    assert outsider.get(f"{API}/reports/{day.pk}").status_code == 404
    assert outsider.get(f"{API}/teams/{team.pk}").status_code == 404
    assert api_client_for(None).get(f"{API}/reports/{day.pk}").status_code == 401


# --- Import --------------------------------------------------------------------------------------


def test_a_dry_run_answers_the_summary_and_writes_nothing(api_client_for, lead, team, site):
    text = csv_text([row("A1", days_ago(1), site.name, MDS44=""), row("A2", days_ago(2), site.name)])
    response = api_client_for(lead).post(f"{API}/teams/{team.pk}/import", {"file": upload(text, "two.csv")})
    assert response.status_code == 200
    body = response.json()
    summary = body["summary"]
    assert summary["file_name"] == "two.csv" and summary["format"] == "WHO1.0"
    assert (summary["rows"], summary["consultations"], summary["days"]) == (2, 2, 2)
    assert summary["sites"] == [site.name] and summary["warnings"] == 1
    assert [day["date"] for day in summary["per_day"]] == [days_ago(2).isoformat(), days_ago(1).isoformat()]
    assert body["errors"] == [] and body["warnings"][0]["row"] == 2
    assert body["token"]
    assert not Consultation.objects.exists()


def test_an_invalid_row_answers_400_with_every_error_and_writes_nothing(api_client_for, lead, team, site):
    text = csv_text([row("A1", days_ago(1), site.name, **{"MDS1-3": "9"}), row("A2", days_ago(1), site.name)])
    for dry_run in ("true", "false"):
        response = api_client_for(lead).post(
            f"{API}/teams/{team.pk}/import", {"file": upload(text), "dry_run": dry_run}
        )
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "import_invalid"
        assert list(error["fields"]) == ["rows.2.MDS1-3"]
        assert error["rows"][0]["row"] == 2 and error["rows"][0]["column"] == "MDS1-3"
        assert error["summary"]["rows"] == 2 and error["summary"]["consultations"] == 1
    assert not Consultation.objects.exists() and not ImportBatch.objects.exists()


def test_dry_run_false_imports_the_file(api_client_for, lead, team, site):
    text = csv_text([row("A1", days_ago(1), site.name), row("A2", days_ago(1), site.name)])
    response = api_client_for(lead).post(
        f"{API}/teams/{team.pk}/import", {"file": upload(text), "dry_run": "false"}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["consultations"], body["days"], body["sites"], body["format"]) == (2, 1, 1, "WHO1.0")
    assert ImportBatch.objects.get(pk=body["batch"]).consultations.count() == 2


def test_the_token_of_a_dry_run_imports_it(api_client_for, lead, team, site):
    client = api_client_for(lead)
    text = csv_text([row("A1", days_ago(1), site.name)])
    token = client.post(f"{API}/teams/{team.pk}/import", {"file": upload(text)}).json()["token"]
    response = client.post(f"{API}/teams/{team.pk}/import", {"token": token, "dry_run": "false"})
    assert response.status_code == 201 and response.json()["consultations"] == 1


def test_a_file_is_required_and_checked(api_client_for, lead, team):
    client = api_client_for(lead)
    response = client.post(f"{API}/teams/{team.pk}/import", {})
    assert response.status_code == 400 and "file" in error_of(response)["fields"]
    response = client.post(f"{API}/teams/{team.pk}/import", {"dry_run": "false"})
    assert response.status_code == 400 and "file" in error_of(response)["fields"]
    response = client.post(f"{API}/teams/{team.pk}/import", {"file": upload(PDF_BYTES, "a.pdf")})
    assert response.status_code == 400 and error_of(response)["code"] == "file_type_not_allowed"


@pytest.mark.parametrize(
    ("persona", "status"), [("member", 403), ("viewer", 403), ("host_member", 403), ("outsider", 404)]
)
def test_importing_is_for_those_who_manage_the_team(api_client_for, users, team, site, persona, status):
    text = csv_text([row("A1", days_ago(1), site.name)])
    response = api_client_for(users[persona]).post(f"{API}/teams/{team.pk}/import", {"file": upload(text)})
    assert response.status_code == status
    error_of(response)


def test_importing_needs_authentication(api_client_for, team, site):
    response = api_client_for(None).post(f"{API}/teams/{team.pk}/import", {"file": upload("ID,h\r\n")})
    assert response.status_code == 401
