"""Signing in (with throttling of repeated failures) and signing out."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import RequestFactory
from django.urls import reverse
from freezegun import freeze_time

from medmissions.accounts import services
from medmissions.accounts.models import LoginFailure
from medmissions.conftest import PASSWORD, make_user
from medmissions.core.errors import NotAllowed, Throttled, ValidationFailed

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"


@pytest.fixture
def request_():
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.7")


def fail(request, email: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ValidationFailed):
            services.sign_in(request, email=email, password=WRONG)


def post_login(client, email: str, password: str, **extra):
    return client.post(reverse("accounts:login"), {"email": email, "password": password, **extra})


# --- the service ---------------------------------------------------------------------------------


def test_it_returns_the_user_for_the_right_password_whatever_the_case_of_the_email(users, request_):
    user = services.sign_in(request_, email=" Member@Example.ORG ", password=PASSWORD)

    assert user == users["member"]


def test_it_refuses_a_wrong_password_and_records_the_failure(users, request_):
    with pytest.raises(ValidationFailed) as caught:
        services.sign_in(request_, email="member@example.org", password=WRONG)

    assert caught.value.code == "invalid_credentials"
    failure = LoginFailure.objects.get()
    assert failure.email == "member@example.org"
    assert failure.ip_address == "192.0.2.7"


def test_it_refuses_an_unknown_address_with_the_same_message(users, request_):
    with pytest.raises(ValidationFailed) as unknown:
        services.sign_in(request_, email="ghost@example.org", password=WRONG)
    with pytest.raises(ValidationFailed) as wrong:
        services.sign_in(request_, email="member@example.org", password=WRONG)

    assert unknown.value.message == wrong.value.message


def test_it_refuses_an_unverified_account_even_with_the_right_password(db, request_):
    make_user("new@example.org", "New Person", email_verified_at=None)

    with pytest.raises(NotAllowed) as caught:
        services.sign_in(request_, email="new@example.org", password=PASSWORD)

    assert caught.value.code == "email_unverified"


def test_it_refuses_a_deactivated_account(users, request_):
    users["member"].is_active = False
    users["member"].save(update_fields=["is_active"])

    with pytest.raises(ValidationFailed):
        services.sign_in(request_, email="member@example.org", password=PASSWORD)


def test_it_throttles_after_the_failure_limit_even_with_the_right_password(users, request_, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    fail(request_, "member@example.org", 3)

    with pytest.raises(Throttled) as caught:
        services.sign_in(request_, email="member@example.org", password=PASSWORD)

    assert caught.value.status == 429
    assert "Too many failed sign-in attempts" in caught.value.message
    assert "15 minutes" in caught.value.message


def test_it_does_not_throttle_before_the_limit_is_reached(users, request_, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    fail(request_, "member@example.org", 2)

    assert services.sign_in(request_, email="member@example.org", password=PASSWORD) == users["member"]


def test_throttling_counts_failures_whatever_the_case_of_the_email(users, request_, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    fail(request_, "MEMBER@example.org", 1)
    fail(request_, "member@EXAMPLE.org", 1)

    with pytest.raises(Throttled):
        services.sign_in(request_, email="member@example.org", password=PASSWORD)


def test_throttling_one_address_leaves_others_alone(users, request_, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    fail(request_, "member@example.org", 2)

    assert services.sign_in(request_, email="viewer@example.org", password=PASSWORD) == users["viewer"]


def test_throttling_ends_once_the_window_has_passed(users, request_, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    start = datetime.datetime(2026, 3, 1, 10, 0, 0)
    with freeze_time(start):
        fail(request_, "member@example.org", 2)
    window = datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)

    with freeze_time(start + window - datetime.timedelta(seconds=1)), pytest.raises(Throttled):
        services.sign_in(request_, email="member@example.org", password=PASSWORD)
    with freeze_time(start + window + datetime.timedelta(seconds=1)):
        user = services.sign_in(request_, email="member@example.org", password=PASSWORD)

    assert user == users["member"]


def test_old_failures_are_pruned_when_a_new_one_is_recorded(users, request_, settings):
    start = datetime.datetime(2026, 3, 1, 10, 0, 0)
    with freeze_time(start):
        fail(request_, "viewer@example.org", 1)
    later = start + datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 60)

    with freeze_time(later):
        fail(request_, "member@example.org", 1)

    assert list(LoginFailure.objects.values_list("email", flat=True)) == ["member@example.org"]


def test_a_successful_sign_in_clears_the_failures(users, request_, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    fail(request_, "member@example.org", 2)

    services.sign_in(request_, email="member@example.org", password=PASSWORD)

    assert not LoginFailure.objects.filter(email="member@example.org").exists()
    fail(request_, "member@example.org", 2)
    assert services.sign_in(request_, email="member@example.org", password=PASSWORD) == users["member"]


# --- the page ------------------------------------------------------------------------------------


def test_the_page_signs_in_and_goes_to_the_dashboard(users, client):
    response = post_login(client, "member@example.org", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")
    assert client.session[SESSION_KEY] == str(users["member"].pk)


def test_the_page_follows_a_safe_next_address(users, client):
    response = post_login(client, "member@example.org", PASSWORD, next="/organisations/")

    assert response.url == "/organisations/"


def test_the_page_ignores_a_next_address_on_another_site(users, client):
    response = post_login(client, "member@example.org", PASSWORD, next="https://evil.example/steal")

    assert response.url == reverse("core:dashboard")


def test_the_page_refuses_a_wrong_password(users, client):
    response = post_login(client, "member@example.org", WRONG)

    assert response.status_code == 400
    assert "The email address or password is not correct." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_page_refuses_an_unverified_account_and_links_to_a_new_confirmation_email(db, client):
    make_user("new@example.org", "New Person", email_verified_at=None)

    response = post_login(client, "new@example.org", PASSWORD)

    assert response.status_code == 403
    content = response.content.decode()
    assert "Please confirm your email address first" in content
    assert reverse("accounts:resend_verification") in content
    assert SESSION_KEY not in client.session


def test_the_page_answers_429_with_a_clear_message_once_throttled(users, client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert post_login(client, "member@example.org", WRONG).status_code == 400

    response = post_login(client, "member@example.org", PASSWORD)

    assert response.status_code == 429
    minutes = settings.LOGIN_FAILURE_WINDOW_SECONDS // 60
    assert (
        f"Too many failed sign-in attempts. Wait {minutes} minutes or reset your password."
        in response.content.decode()
    )
    assert SESSION_KEY not in client.session


def test_the_page_lets_the_person_in_again_after_the_window(users, client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    start = datetime.datetime(2026, 3, 1, 10, 0, 0)
    with freeze_time(start):
        post_login(client, "member@example.org", WRONG)
        post_login(client, "member@example.org", WRONG)
        assert post_login(client, "member@example.org", PASSWORD).status_code == 429

    with freeze_time(start + datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1)):
        response = post_login(client, "member@example.org", PASSWORD)
        assert client.session[SESSION_KEY] == str(users["member"].pk)

    assert response.status_code == 302


def test_the_page_shows_errors_for_a_malformed_form_without_counting_a_failure(db, client):
    response = post_login(client, "not-an-email", "")

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "password"}
    assert LoginFailure.objects.count() == 0


def test_the_page_sends_someone_already_signed_in_to_the_dashboard(users, client_for):
    response = client_for(users["member"]).get(reverse("accounts:login"))

    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")


def test_signing_out_needs_a_post(users, client_for):
    client = client_for(users["member"])

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert SESSION_KEY in client.session


def test_signing_out_ends_the_session(users, client_for):
    client = client_for(users["member"])

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert SESSION_KEY not in client.session
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_login_failure_limit_defaults_are_sensible():
    assert settings.LOGIN_FAILURE_LIMIT >= 3
    assert settings.LOGIN_FAILURE_WINDOW_SECONDS >= 60
