"""The compliance page (/volunteers/compliance/) and its CSV downloads."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from medmissions.conftest import make_user
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, Person

pytestmark = pytest.mark.django_db
URL = reverse("volunteers:compliance")


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def csv_rows(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def expiring_licence(volunteer, make_credential):
    return make_credential(volunteer, "professional-licence", country="GB", expires_on=in_days(20))


@pytest.fixture
def coordinator_client(users, client_for):
    return client_for(users["coordinator"])


# The page ----------------------------------------------------------------------------------------


def test_the_page_shows_the_counts_and_the_expiring_section_with_links_to_people(
    coordinator_client, expiring_licence
):
    response = coordinator_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 credential expires within 90 days." in page
    assert "1 document has been neither verified nor rejected by your organisation." in page
    assert "0 people miss a credential required in United Kingdom" in page
    assert expiring_licence.person.get_absolute_url() in page
    assert "Nadia Okafor" in page
    assert "Not verified" in page
    assert reverse("volunteers:compliance_csv", args=["expiring"]) in page
    # The form shows the defaults it used.
    assert response.context["form"].initial["country"] == "GB"
    assert response.context["section"] == "expiring"


def test_the_other_sections_are_shown_on_request(coordinator_client, expiring_licence):
    response = coordinator_client.get(URL, {"section": "awaiting-verification"})
    assert [credential.pk for credential in response.context["rows"]] == [expiring_licence.pk]
    response = coordinator_client.get(
        URL,
        {
            "section": "missing",
            "country": "KE",
            "start": in_days(90).isoformat(),
            "end": in_days(100).isoformat(),
        },
    )
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {item.requirement for item in rows} >= {"credential:host-temporary-licence", "credential:passport"}
    page = response.content.decode()
    assert "Credentials missing for Kenya" in page
    assert "Host-country temporary licence (Kenya)" in page


def test_an_unknown_section_falls_back_to_the_expiring_one(coordinator_client):
    assert coordinator_client.get(URL, {"section": "nonsense"}).context["section"] == "expiring"


def test_the_days_filter_narrows_the_expiring_section(coordinator_client, expiring_licence):
    response = coordinator_client.get(URL, {"days": "10"})
    assert response.context["counts"]["expiring"] == 0
    assert "0 credentials expire within 10 days." in response.content.decode()


def test_the_list_is_paginated(coordinator_client, sending, make_credential):
    for number in range(30):
        person = Person.objects.create(full_name=f"Person {number:02}")
        Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
        make_credential(person, "passport", expires_on=in_days(40), document=False)
    first = coordinator_client.get(URL)
    assert len(first.context["rows"]) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = coordinator_client.get(URL, {"page": 2})
    assert [row["person"].full_name for row in second.context["rows"]] == [
        f"Person {n}" for n in range(25, 30)
    ]


def test_invalid_filters_answer_400_with_the_field_errors(coordinator_client, expiring_licence):
    response = coordinator_client.get(
        URL, {"days": "0", "country": "GB", "start": in_days(10).isoformat(), "end": in_days(1).isoformat()}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"__all__", "days", "end"}
    assert "report" not in response.context


def test_a_malformed_date_is_a_form_error(coordinator_client):
    response = coordinator_client.get(URL, {"start": "yesterday"})
    assert response.status_code == 400
    assert "start" in response.context["form"].errors


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_members_without_the_vetting_role_are_refused_with_the_reason(users, client_for, persona):
    response = client_for(users[persona]).get(URL)
    assert response.status_code == 403
    assert "Only coordinators and admins vet volunteers" in response.content.decode()


def test_someone_without_an_organisation_is_refused(client_for):
    response = client_for(make_user("alone@example.org", "Alone")).get(URL)
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_report_is_of_the_organisation_the_person_acts_for(users, client_for, host, expiring_licence):
    from medmissions.organizations.models import Membership

    coordinator = users["coordinator"]
    Membership.objects.create(user=coordinator, organization=host, role="admin")
    client = client_for(coordinator)
    client.post(reverse("organizations:switch"), {"organization": host.slug})
    response = client.get(URL)
    assert response.context["organization"] == host
    assert response.context["counts"]["expiring"] == 0


# CSV ------------------------------------------------------------------------------------------------


def test_the_expiring_csv_lists_every_row_with_a_link_to_the_person(
    coordinator_client, expiring_licence, sending, settings
):
    settings.SITE_URL = "https://medmissions.example"
    response = coordinator_client.get(reverse("volunteers:compliance_csv", args=["expiring"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="compliance-{sending.slug}-expiring-{today}.csv"'
    )
    header, *rows = csv_rows(response)
    assert header[:3] == ["Person", "Email", "Credential"]
    assert rows == [
        [
            "Nadia Okafor",
            "volunteer@example.org",
            "Professional registration or licence",
            "GB",
            "N-1",
            "Issuing council",
            in_days(20).isoformat(),
            "20",
            "Not verified",
            "https://medmissions.example" + expiring_licence.person.get_absolute_url(),
        ]
    ]


def test_a_name_written_as_a_formula_is_neutralised_in_every_csv(
    coordinator_client, sending, make_credential
):
    hostile = Person.objects.create(
        full_name='=HYPERLINK("http://evil.example","Click me")', email="x@example.org"
    )
    Affiliation.objects.create(person=hostile, organization=sending, kind=AffiliationKind.HOME)
    make_credential(hostile, "passport", expires_on=in_days(10))
    query = {"country": "KE", "start": in_days(90).isoformat(), "end": in_days(95).isoformat()}
    for section in ("expiring", "awaiting-verification", "missing"):
        response = coordinator_client.get(reverse("volunteers:compliance_csv", args=[section]), query)
        assert response.status_code == 200, section
        _header, *rows = csv_rows(response)
        assert rows, section
        assert {row[0] for row in rows} == {'\'=HYPERLINK("http://evil.example","Click me")'}, section


def test_the_awaiting_and_missing_csvs_have_their_own_columns(coordinator_client, expiring_licence):
    header, *rows = csv_rows(
        coordinator_client.get(reverse("volunteers:compliance_csv", args=["awaiting-verification"]))
    )
    assert header == [
        "Person",
        "Email",
        "Credential",
        "Country",
        "Number",
        "Expires on",
        "Waiting since",
        "Profile",
    ]
    assert [row[0] for row in rows] == ["Nadia Okafor"]
    response = coordinator_client.get(
        reverse("volunteers:compliance_csv", args=["missing"]),
        {"country": "KE", "start": in_days(90).isoformat(), "end": in_days(95).isoformat()},
    )
    header, *rows = csv_rows(response)
    assert header == ["Person", "Email", "Requirement", "Reason", "Needed by", "Profile"]
    licence = next(row for row in rows if row[2] == "Host-country temporary licence (Kenya)")
    assert licence[3].startswith("Missing.")
    assert licence[4] == in_days(30).isoformat()  # 60 days before arrival


def test_an_unknown_csv_section_is_not_found(coordinator_client):
    assert (
        coordinator_client.get(reverse("volunteers:compliance_csv", args=["everything"])).status_code == 404
    )


def test_a_csv_with_invalid_filters_is_refused(coordinator_client):
    response = coordinator_client.get(reverse("volunteers:compliance_csv", args=["expiring"]), {"days": "-3"})
    assert response.status_code == 400


def test_members_without_the_vetting_role_cannot_download(users, client_for):
    response = client_for(users["member"]).get(reverse("volunteers:compliance_csv", args=["expiring"]))
    assert response.status_code == 403
