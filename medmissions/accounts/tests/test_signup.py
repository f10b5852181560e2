"""Sign-up: the service and the page."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from medmissions.accounts import services
from medmissions.accounts.models import User
from medmissions.audit.models import AuditEntry
from medmissions.conftest import PASSWORD
from medmissions.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


def sign_up(**overrides):
    data = {"email": "Nadia@Example.org", "full_name": " Nadia Okello ", "password": PASSWORD}
    data.update(overrides)
    return services.sign_up(**data)


def test_it_creates_an_unverified_user_with_a_normalised_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = sign_up(language="fr")

    user.refresh_from_db()
    assert user.email == "nadia@example.org"
    assert user.full_name == "Nadia Okello"
    assert user.language == "fr"
    assert user.email_verified_at is None
    assert not user.email_verified
    assert user.check_password(PASSWORD)


def test_it_records_the_sign_up_in_the_audit_trail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = sign_up()

    entry = AuditEntry.objects.get(action="accounts.user.signed_up")
    assert entry.actor == user
    assert entry.object_id == str(user.pk)
    assert entry.changes["email"] == [None, "nadia@example.org"]
    assert "password" not in entry.changes


def test_it_sends_the_verification_email_only_once_the_transaction_commits(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sign_up()
        assert mailoutbox == []

    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nadia@example.org"]
    assert "Confirm your email address" in message.subject
    assert "/accounts/verify/" in message.body


def test_it_sends_nothing_when_the_transaction_is_rolled_back(django_capture_on_commit_callbacks, mailoutbox):
    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Abort), transaction.atomic():
        sign_up()
        raise Abort

    assert mailoutbox == []
    assert not User.objects.filter(email="nadia@example.org").exists()


def test_it_refuses_an_email_address_already_registered_in_another_case(
    users, django_capture_on_commit_callbacks, mailoutbox
):
    before = (User.objects.count(), AuditEntry.objects.count())

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict) as caught:
        sign_up(email="ADMIN@example.org")

    assert caught.value.code == "email_taken"
    assert "already exists" in caught.value.message
    assert "email" in caught.value.fields
    assert (User.objects.count(), AuditEntry.objects.count()) == before
    assert mailoutbox == []


@pytest.mark.parametrize("password", ["short", "1234567890", "password123", "nadia.example.org"])
def test_it_refuses_a_weak_password(password, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as caught:
        sign_up(password=password)

    assert "password" in caught.value.fields
    assert User.objects.count() == 0
    assert mailoutbox == []


def test_it_refuses_an_invalid_email_address_and_a_blank_name():
    with pytest.raises(ValidationFailed) as bad_email:
        sign_up(email="not-an-address")
    with pytest.raises(ValidationFailed) as blank_name:
        sign_up(full_name="   ")

    assert "email" in bad_email.value.fields
    assert "full_name" in blank_name.value.fields
    assert User.objects.count() == 0


def test_it_falls_back_to_the_default_language_for_an_unknown_one():
    user = sign_up(language="xx")

    assert user.language == "en"


def test_the_page_creates_the_account_and_asks_to_check_the_email(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:signup"),
            {
                "full_name": "Nadia Okello",
                "email": "nadia@example.org",
                "password": PASSWORD,
                "language": "en",
            },
        )

    assert response.status_code == 200
    assert "accounts/check_email.html" in [t.name for t in response.templates]
    assert User.objects.get(email="nadia@example.org").email_verified_at is None
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nadia@example.org"]


def test_the_page_shows_a_clear_error_for_a_duplicate_email_and_creates_nothing(
    users, client, django_capture_on_commit_callbacks, mailoutbox
):
    count = User.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:signup"),
            {"full_name": "Someone", "email": "admin@example.org", "password": PASSWORD, "language": "en"},
        )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["An account with this email address already exists."]
    assert "Sign in or reset your password" in response.content.decode()
    assert User.objects.count() == count
    assert mailoutbox == []


def test_the_page_shows_why_a_password_is_weak(client):
    response = client.post(
        reverse("accounts:signup"),
        {"full_name": "Nadia Okello", "email": "nadia@example.org", "password": "short", "language": "en"},
    )

    assert response.status_code == 200
    assert "too short" in " ".join(response.context["form"].errors["password"])
    assert User.objects.count() == 0


def test_the_page_sends_a_signed_in_person_to_the_dashboard(users, client_for):
    response = client_for(users["member"]).get(reverse("accounts:signup"))

    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")
