"""Privacy pages and API: the JSON download, the erase confirmation page, /api/v1/privacy/…"""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from medmissions.accounts.models import User
from medmissions.testing import assert_api_error, post_json
from medmissions.volunteers.models import Person

from .conftest import PDF_BYTES

MY_DATA = reverse("volunteers:my_data")
ERASE = reverse("volunteers:erase_account")
API_EXPORT = "/api/v1/privacy/export"
API_ERASE = "/api/v1/privacy/erase"


@pytest.fixture
def licence(volunteer, make_credential):
    return make_credential(
        volunteer, "professional-licence", expires_on=timezone.localdate().replace(year=2099)
    )


# The download ------------------------------------------------------------------------------------


def test_my_data_downloads_as_a_json_attachment(client_for, volunteer_user, licence):
    response = client_for(volunteer_user).get(MY_DATA)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="medmissions-my-data-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "volunteer@example.org"
    assert data["credentials"][0]["document"]["file_name"].endswith(".pdf")
    assert "content_base64" not in data["credentials"][0]["document"]


def test_my_data_can_include_the_documents(client_for, volunteer_user, licence):
    response = client_for(volunteer_user).get(MY_DATA + "?documents=1")

    document = json.loads(response.content)["credentials"][0]["document"]
    assert base64.b64decode(document["content_base64"]) == PDF_BYTES


def test_my_data_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(MY_DATA)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# The erase page ----------------------------------------------------------------------------------


def test_the_erase_page_explains_what_happens_and_offers_the_download(client_for, volunteer_user, volunteer):
    page = client_for(volunteer_user).get(ERASE).content.decode()

    assert "Erase your account" in page
    assert "What erasing your account does" in page
    assert 'name="confirm_email"' in page
    assert MY_DATA in page and MY_DATA + "?documents=1" in page


def test_the_erase_page_warns_the_last_admin_before_they_type_anything(client_for, users):
    page = client_for(users["admin"]).get(ERASE).content.decode()
    assert "You are the last admin of Bridge Health UK" in page


def test_erasing_signs_out_and_says_so(client_for, volunteer_user, volunteer):
    client = client_for(volunteer_user)
    response = client.post(ERASE, {"confirm_email": "volunteer@example.org"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("core:home")
    assert "Your account is erased" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert client.get(reverse("core:dashboard"))["Location"].startswith(reverse("accounts:login"))
    volunteer.refresh_from_db()
    assert volunteer.erased_at is not None
    assert not User.objects.filter(email="volunteer@example.org").exists()


def test_a_mistyped_address_shows_on_the_field_and_erases_nothing(client_for, volunteer_user, volunteer):
    response = client_for(volunteer_user).post(ERASE, {"confirm_email": "volunteer@example.com"})

    assert response.status_code == 400
    assert "confirm_email" in response.context["form"].errors
    volunteer.refresh_from_db()
    assert volunteer.erased_at is None


def test_the_last_admin_is_refused_with_the_reason(client_for, users):
    response = client_for(users["admin"]).post(ERASE, {"confirm_email": "admin@example.org"})

    assert response.status_code == 400
    assert "You are the last admin of Bridge Health UK" in response.content.decode()
    assert User.objects.get(pk=users["admin"].pk).is_active


# API ---------------------------------------------------------------------------------------------


def test_the_api_export_answers_every_section(api_client_for, volunteer_user, licence):
    response = api_client_for(volunteer_user).get(API_EXPORT)

    assert response.status_code == 200
    data = response.json()
    assert data["account"]["email"] == "volunteer@example.org"
    assert data["person"]["full_name"] == "Nadia Okafor"
    assert data["credentials"][0]["number"] == "N-1"
    assert {"memberships", "api_tokens", "affiliations", "audit_entries"} <= set(data)
    assert "content_base64" not in data["credentials"][0]["document"]


def test_the_api_export_includes_documents_when_asked(api_client_for, volunteer_user, licence):
    data = api_client_for(volunteer_user).get(API_EXPORT + "?documents=true").json()
    assert base64.b64decode(data["credentials"][0]["document"]["content_base64"]) == PDF_BYTES


def test_the_api_asks_anonymous_callers_to_authenticate(client):
    assert_api_error(client.get(API_EXPORT), 401, "unauthenticated")
    assert_api_error(post_json(client, API_ERASE, {"confirm_email": "x@example.org"}), 401)


def test_the_api_erases_and_the_token_stops_working(api_client_for, volunteer_user, volunteer):
    client = api_client_for(volunteer_user)
    response = post_json(client, API_ERASE, {"confirm_email": "volunteer@example.org"})

    assert response.status_code == 204
    assert Person.objects.get(pk=volunteer.pk).erased_at is not None
    assert_api_error(client.get(API_EXPORT), 401)


def test_the_api_erase_ends_a_browser_session(client_for, volunteer_user, volunteer):
    client = client_for(volunteer_user)
    assert post_json(client, API_ERASE, {"confirm_email": "volunteer@example.org"}).status_code == 204
    assert_api_error(client.get(API_EXPORT), 401)


def test_the_api_refuses_a_mistyped_address(api_client_for, volunteer_user, volunteer):
    response = post_json(api_client_for(volunteer_user), API_ERASE, {"confirm_email": "nadia@example.org"})
    assert_api_error(response, 400, "confirmation_mismatch", fields=["confirm_email"], exact=True)


def test_the_api_refuses_a_missing_confirmation(api_client_for, volunteer_user):
    response = post_json(api_client_for(volunteer_user), API_ERASE, {})
    assert_api_error(response, 400, "invalid", fields=["confirm_email"])


def test_the_api_refuses_the_last_admin(api_client_for, users):
    error = assert_api_error(
        post_json(api_client_for(users["outsider"]), API_ERASE, {"confirm_email": "outsider@example.org"}),
        409,
        "last_admin",
    )
    assert "Unrelated Clinic" in error["message"]
