"""Pages of the eDATA area: the CSV downloads and the import page (dry run, then confirm)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.clinics import edata
from medmissions.clinics.models import Consultation, ImportBatch
from medmissions.clinics.tests.conftest import days_ago, record
from medmissions.clinics.tests.edata_support import csv_text, row, upload
from medmissions.core.tests.test_permission_matrix import PDF_BYTES


@pytest.fixture
def lead(users):
    return users["coordinator"]


@pytest.fixture
def day(team, lead, site):
    return record(team, lead, site, days_ago(1), items=(9, 44, 47)).report


# --- Downloads -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "host_admin"])
def test_the_report_file_downloads_as_an_attachment(client_for, users, day, persona):
    response = client_for(users[persona]).get(reverse("clinics:report_csv", args=[day.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response.content.decode("utf-8-sig").startswith("a,b,c,d,e,f,g,h,i,j,k,l,m,n,ID,MDSa,")


@pytest.mark.parametrize("persona", ["admin", "member", "viewer", "host_member"])
def test_others_of_the_team_get_403_with_the_reason(client_for, users, day, team, persona):
    for url in (reverse("clinics:report_csv", args=[day.pk]), reverse("clinics:team_csv", args=[team.pk])):
        response = client_for(users[persona]).get(url)
        assert response.status_code == 403
        assert "restricted" in response.content.decode()


def test_an_outsider_gets_404(client_for, users, day, team):
    client = client_for(users["outsider"])
    assert client.get(reverse("clinics:report_csv", args=[day.pk])).status_code == 404
    assert client.get(reverse("clinics:team_csv", args=[team.pk])).status_code == 404
    assert client.get(reverse("clinics:team_import", args=[team.pk])).status_code == 404


def test_the_team_file_takes_a_period(client_for, lead, team, site, day):
    record(team, lead, site, days_ago(10))
    url = reverse("clinics:team_csv", args=[team.pk])
    response = client_for(lead).get(url, {"start": days_ago(2).isoformat(), "end": days_ago(1).isoformat()})
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").count("\r\n") == 2  # the header and one consultation
    assert client_for(lead).get(url, {"start": "yesterday"}).status_code == 400
    assert client_for(lead).get(url, {"start": "2024-01-01", "end": "2026-01-01"}).status_code == 400


def test_downloads_need_a_signed_in_person(client, day):
    response = client.get(reverse("clinics:report_csv", args=[day.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- Import page ---------------------------------------------------------------------------------


def test_the_import_page_explains_the_file_and_offers_the_download_to_the_lead(client_for, lead, team):
    response = client_for(lead).get(reverse("clinics:team_import", args=[team.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Check the file (dry run)" in page
    assert "Mbale outpatient clinic" in page
    assert reverse("clinics:team_csv", args=[team.pk]) in page


def test_a_coordinator_who_may_not_see_restricted_items_gets_no_download_form(client_for, users, team):
    response = client_for(users["admin"]).get(reverse("clinics:team_import", args=[team.pk]))
    assert response.status_code == 200
    assert reverse("clinics:team_csv", args=[team.pk]) not in response.content.decode()


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_the_import_page_is_for_those_who_manage_the_team(client_for, users, team, persona):
    url = reverse("clinics:team_import", args=[team.pk])
    assert client_for(users[persona]).get(url).status_code == 403
    response = client_for(users[persona]).post(url, {"file": upload(csv_text([]))})
    assert response.status_code == 403


def test_a_dry_run_then_the_confirmed_import(client_for, lead, team, site):
    client = client_for(lead)
    url = reverse("clinics:team_import", args=[team.pk])
    text = csv_text([row("V1", days_ago(1), site.name), row("V2", days_ago(2), site.name)])
    response = client.post(url, {"file": upload(text, "week.csv")})
    assert response.status_code == 200
    assert b"week.csv" in response.content and b"Import the consultations" in response.content
    assert not Consultation.objects.exists()
    token = response.context["commit_form"].initial["token"]
    response = client.post(url, {"token": token}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "Imported 2 consultations from week.csv" in response.content.decode()
    assert set(Consultation.objects.values_list("reference", flat=True)) == {"V1", "V2"}
    assert "week.csv" in response.content.decode()  # listed under the recent imports


def test_a_dry_run_with_errors_lists_them_and_offers_no_import(client_for, lead, team, site):
    text = csv_text([row("V1", days_ago(1), "Nowhere clinic"), row("V2", days_ago(1), site.name, h="")])
    response = client_for(lead).post(reverse("clinics:team_import", args=[team.pk]), {"file": upload(text)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nowhere clinic is not one of the team" in page
    assert "The date of activity is required." in page
    assert response.context["commit_form"] is None


def test_a_refused_file_is_shown_on_the_form(client_for, lead, team):
    url = reverse("clinics:team_import", args=[team.pk])
    response = client_for(lead).post(url, {"file": upload(PDF_BYTES, "report.pdf")})
    assert response.status_code == 400
    assert "Only CSV files can be imported" in response.content.decode()
    response = client_for(lead).post(url, {})
    assert response.status_code == 400


def test_a_damaged_token_redirects_with_the_reason(client_for, lead, team):
    url = reverse("clinics:team_import", args=[team.pk])
    response = client_for(lead).post(url, {"token": "forged"}, follow=True)
    assert "expired or its link is damaged" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_that_changed_since_its_dry_run_is_shown_again(client_for, lead, team, site):
    url = reverse("clinics:team_import", args=[team.pk])
    analysis = edata.dry_run(team, actor=lead, upload=upload(csv_text([row("V1", days_ago(1), site.name)])))
    record(team, lead, site, days_ago(1), reference="V1")  # someone captured V1 meanwhile
    response = client_for(lead).post(url, {"token": analysis.token})
    assert response.status_code == 400
    assert "already used by this team" in response.content.decode()
    assert Consultation.objects.count() == 1
