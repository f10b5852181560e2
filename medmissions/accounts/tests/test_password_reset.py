"""Password reset, end to end through the Django views."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from medmissions.accounts.models import LoginFailure, User
from medmissions.accounts.tests.helpers import path_of_link
from medmissions.audit.models import AuditEntry
from medmissions.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new long passphrase"


def ask_for_reset(client, email: str):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def reset_link(mailoutbox) -> str:
    assert len(mailoutbox) == 1
    return path_of_link(mailoutbox[0].body, "/accounts/password-reset/")


def test_asking_for_a_reset_emails_a_link_to_the_public_address(users, client, mailoutbox, settings):
    response = ask_for_reset(client, "member@example.org")

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    message = mailoutbox[0]
    assert message.to == ["member@example.org"]
    assert message.subject == "Reset your medmissions password"
    assert f"{settings.SITE_URL}/accounts/password-reset/" in message.body


def test_asking_for_an_unknown_address_says_the_same_and_sends_nothing(db, client, mailoutbox):
    response = ask_for_reset(client, "ghost@example.org")

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_the_emailed_link_lets_the_person_choose_a_new_password(users, client, mailoutbox):
    ask_for_reset(client, "member@example.org")

    form_page = client.get(reset_link(mailoutbox), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done.url == reverse("accounts:password_reset_complete")
    member = User.objects.get(pk=users["member"].pk)
    assert member.check_password(NEW_PASSWORD)
    assert not member.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="accounts.user.password_reset")
    assert entry.actor == member
    assert entry.object_id == str(member.pk)
    assert SESSION_KEY not in client.session


def test_after_a_reset_the_new_password_signs_in(users, client, mailoutbox):
    ask_for_reset(client, "member@example.org")
    form_page = client.get(reset_link(mailoutbox), follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    response = client.post(
        reverse("accounts:login"), {"email": "member@example.org", "password": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(users["member"].pk)


def test_a_reset_lifts_sign_in_throttling(users, client, mailoutbox, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(reverse("accounts:login"), {"email": "member@example.org", "password": "wrong password"})
    assert LoginFailure.objects.filter(email="member@example.org").count() == 2
    ask_for_reset(client, "member@example.org")
    form_page = client.get(reset_link(mailoutbox), follow=True)

    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert not LoginFailure.objects.filter(email="member@example.org").exists()
    response = client.post(
        reverse("accounts:login"), {"email": "member@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302


def test_a_used_link_does_not_work_a_second_time(users, client, mailoutbox):
    ask_for_reset(client, "member@example.org")
    link = reset_link(mailoutbox)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    again = client.get(link, follow=True)

    assert again.context["validlink"] is False
    assert "This reset link is not valid any more" in again.content.decode()


def test_a_weak_new_password_is_refused_and_nothing_is_recorded(users, client, mailoutbox):
    ask_for_reset(client, "member@example.org")
    form_page = client.get(reset_link(mailoutbox), follow=True)

    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert User.objects.get(pk=users["member"].pk).check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="accounts.user.password_reset").exists()


def test_a_forged_link_is_refused(users, client):
    response = client.get(
        reverse("accounts:password_reset_confirm", args=["MTIzNDU", "abc-0123456789abcdef"]), follow=True
    )

    assert response.status_code == 200
    assert response.context["validlink"] is False
