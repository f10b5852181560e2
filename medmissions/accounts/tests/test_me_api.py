"""GET /api/v1/me, and how the API authenticates (Bearer token or browser session)."""

from __future__ import annotations

import pytest
from django.test import Client

from medmissions.accounts.tests.helpers import assert_api_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/me"


def test_a_bearer_token_identifies_the_person_and_their_memberships(users, api_client_for):
    response = api_client_for(users["coordinator"]).get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": users["coordinator"].pk,
        "email": "coordinator@example.org",
        "full_name": "Coordinator",
        "language": "en",
        "time_zone": "UTC",
        "memberships": [
            {"organization": "bridge-health", "organization_name": "Bridge Health UK", "role": "coordinator"}
        ],
    }


def test_a_browser_session_identifies_the_person(users, client_for):
    response = client_for(users["host_admin"]).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "host_admin@example.org"
    assert body["memberships"] == [
        {"organization": "mbale-hospital", "organization_name": "Mbale Regional Hospital", "role": "admin"}
    ]


def test_someone_without_an_organisation_has_no_memberships(db, api_client_for):
    from medmissions.conftest import make_user

    loner = make_user("loner@example.org", "Lone Person")

    assert api_client_for(loner).get(URL).json()["memberships"] == []


def test_nobody_signed_in_gets_401_with_the_error_shape(db):
    error = assert_api_error(Client().get(URL), 401, "unauthenticated")

    assert error["fields"] == {}


@pytest.mark.parametrize(
    "header",
    ["Bearer mm_not-a-real-token", "Bearer ", "Token mm_whatever", "Basic dXNlcjpwYXNz", "mm_no-scheme"],
)
def test_an_invalid_authorization_header_gets_401_with_the_error_shape(db, header):
    assert_api_error(Client(HTTP_AUTHORIZATION=header).get(URL), 401, "unauthenticated")


def test_an_invalid_token_does_not_hide_a_valid_session(users, client_for):
    client = client_for(users["member"])

    response = client.get(URL, HTTP_AUTHORIZATION="Bearer mm_not-a-real-token")

    assert response.status_code == 200
    assert response.json()["email"] == "member@example.org"


def test_a_session_without_the_csrf_token_cannot_change_anything(users, sending):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])

    response = client.patch(
        f"/api/v1/organizations/{sending.slug}", {"area": "London"}, content_type="application/json"
    )

    error = assert_api_error(response, 403)
    assert "CSRF" in error["message"]
    sending.refresh_from_db()
    assert sending.area == ""


def test_only_get_is_offered(users, api_client_for):
    assert api_client_for(users["member"]).post(URL).status_code == 405
