"""Email verification: valid, expired and tampered links, and asking for a new link."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse
from freezegun import freeze_time

from medmissions.accounts import services
from medmissions.accounts.models import User
from medmissions.accounts.tests.helpers import path_of_link
from medmissions.audit.models import AuditEntry
from medmissions.conftest import PASSWORD, make_user
from medmissions.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db) -> User:
    return make_user("newcomer@example.org", "New Comer", email_verified_at=None)


def token_in(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def test_a_valid_link_verifies_the_email_and_records_it(newcomer):
    user = services.verify_email(token_in(services.verification_link(newcomer)))

    newcomer.refresh_from_db()
    assert user == newcomer
    assert newcomer.email_verified
    entry = AuditEntry.objects.get(action="accounts.user.email_verified")
    assert entry.actor == newcomer


def test_using_a_valid_link_twice_keeps_the_first_verification_time(newcomer):
    token = token_in(services.verification_link(newcomer))
    services.verify_email(token)
    first = User.objects.get(pk=newcomer.pk).email_verified_at

    services.verify_email(token)

    assert User.objects.get(pk=newcomer.pk).email_verified_at == first
    assert AuditEntry.objects.filter(action="accounts.user.email_verified").count() == 1


def test_an_expired_link_is_refused(newcomer):
    with freeze_time("2026-01-01 09:00:00"):
        token = token_in(services.verification_link(newcomer))
    late = datetime.datetime(2026, 1, 1, 9, 0, 1) + datetime.timedelta(
        seconds=settings.EMAIL_VERIFICATION_MAX_AGE_SECONDS
    )

    with freeze_time(late), pytest.raises(ValidationFailed) as caught:
        services.verify_email(token)

    assert caught.value.code == "link_expired"
    assert "expired" in caught.value.message
    newcomer.refresh_from_db()
    assert not newcomer.email_verified


def test_a_link_is_still_valid_just_before_it_expires(newcomer):
    with freeze_time("2026-01-01 09:00:00"):
        token = token_in(services.verification_link(newcomer))
    almost = datetime.datetime(2026, 1, 1, 8, 59, 0) + datetime.timedelta(
        seconds=settings.EMAIL_VERIFICATION_MAX_AGE_SECONDS
    )

    with freeze_time(almost):
        services.verify_email(token)

    newcomer.refresh_from_db()
    assert newcomer.email_verified


def test_a_tampered_link_is_refused(newcomer):
    token = token_in(services.verification_link(newcomer))
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    with pytest.raises(ValidationFailed) as caught:
        services.verify_email(tampered)

    assert caught.value.code == "link_invalid"
    newcomer.refresh_from_db()
    assert not newcomer.email_verified


def test_a_link_signed_for_another_purpose_is_refused(newcomer):
    token = signing.dumps({"user": newcomer.pk, "email": newcomer.email}, salt="something-else")

    with pytest.raises(ValidationFailed) as caught:
        services.verify_email(token)

    assert caught.value.code == "link_invalid"


def test_a_link_for_an_address_the_account_no_longer_has_is_refused(newcomer):
    token = token_in(services.verification_link(newcomer))
    newcomer.email = "changed@example.org"
    newcomer.save(update_fields=["email"])

    with pytest.raises(ValidationFailed) as caught:
        services.verify_email(token)

    assert caught.value.code == "link_invalid"
    newcomer.refresh_from_db()
    assert not newcomer.email_verified


def test_the_emailed_link_verifies_and_leads_to_sign_in(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_up(email="nadia@example.org", full_name="Nadia Okello", password=PASSWORD)
    path = path_of_link(mailoutbox[0].body, "/accounts/verify/")

    response = client.get(path, follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "Your email address is confirmed" in response.content.decode()
    assert User.objects.get(email="nadia@example.org").email_verified


def test_the_page_explains_an_expired_link_and_offers_a_new_one(client, newcomer):
    with freeze_time("2026-01-01 09:00:00"):
        path = path_of_link(services.verification_link(newcomer), "/accounts/verify/")

    with freeze_time("2026-02-01 09:00:00"):
        response = client.get(path)

    assert response.status_code == 400
    content = response.content.decode()
    assert "This verification link has expired. Ask for a new one." in content
    assert reverse("accounts:resend_verification") in content


def test_the_page_refuses_a_tampered_link(client, newcomer):
    response = client.get(reverse("accounts:verify_email", args=["not-a-signed-value"]))

    assert response.status_code == 400
    assert "This verification link is not valid." in response.content.decode()


def test_asking_again_sends_a_new_link_to_an_unverified_account(
    client, newcomer, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_verification"), {"email": "NEWCOMER@example.org"})

    assert response.status_code == 200
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["newcomer@example.org"]
    services.verify_email(token_in(path_of_link(mailoutbox[0].body, "/accounts/verify/")))
    newcomer.refresh_from_db()
    assert newcomer.email_verified


@pytest.mark.parametrize("email", ["admin@example.org", "nobody@example.org"])
def test_asking_again_gives_the_same_answer_and_sends_nothing_otherwise(
    email, client, users, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_verification"), {"email": email})

    assert response.status_code == 200
    assert "accounts/check_email.html" in [t.name for t in response.templates]
    assert mailoutbox == []
