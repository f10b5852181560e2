"""Profile: name, language and time zone, and the middleware that applies them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from medmissions.accounts import services
from medmissions.accounts.models import User
from medmissions.audit.models import AuditEntry
from medmissions.core.errors import NotAllowed, ValidationFailed

pytestmark = pytest.mark.django_db


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]*)"', response.content.decode())
    assert match, "no <html lang> attribute"
    return match.group(1)


# --- the service ---------------------------------------------------------------------------------


def test_it_saves_the_name_language_and_time_zone_and_records_the_change(users):
    member = users["member"]

    services.update_profile(
        member, actor=member, full_name=" Mary Member ", language="fr", time_zone="Africa/Kampala"
    )

    member.refresh_from_db()
    assert (member.full_name, member.language, member.time_zone) == ("Mary Member", "fr", "Africa/Kampala")
    entry = AuditEntry.objects.get(action="accounts.user.profile_updated")
    assert entry.actor == member
    assert entry.changes == {
        "full_name": ["Member", "Mary Member"],
        "language": ["en", "fr"],
        "time_zone": ["UTC", "Africa/Kampala"],
    }


@pytest.mark.parametrize("time_zone", ["Mars/Olympus_Mons", "", "../../etc/passwd"])
def test_it_refuses_an_unknown_time_zone(users, time_zone):
    member = users["member"]

    with pytest.raises(ValidationFailed) as caught:
        services.update_profile(member, actor=member, full_name="Member", language="en", time_zone=time_zone)

    assert set(caught.value.fields) == {"time_zone"}
    assert User.objects.get(pk=member.pk).time_zone == "UTC"
    assert not AuditEntry.objects.filter(action="accounts.user.profile_updated").exists()


def test_it_refuses_an_unoffered_language_and_a_blank_name_together(users):
    member = users["member"]

    with pytest.raises(ValidationFailed) as caught:
        services.update_profile(member, actor=member, full_name="  ", language="de", time_zone="UTC")

    assert set(caught.value.fields) == {"full_name", "language"}
    member.refresh_from_db()
    assert (member.full_name, member.language) == ("Member", "en")


def test_nobody_edits_someone_elses_profile(users):
    with pytest.raises(NotAllowed):
        services.update_profile(
            users["member"], actor=users["admin"], full_name="Hacked", language="en", time_zone="UTC"
        )

    assert User.objects.get(pk=users["member"].pk).full_name == "Member"


# --- the page ------------------------------------------------------------------------------------


def test_the_page_needs_a_signed_in_person(client):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_page_saves_the_profile_and_remembers_the_language_in_a_cookie(users, client_for):
    client = client_for(users["member"])

    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Mary Member", "language": "fr", "time_zone": "Europe/Paris"},
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")
    assert response.cookies["django_language"].value == "fr"
    member = User.objects.get(pk=users["member"].pk)
    assert (member.full_name, member.language, member.time_zone) == ("Mary Member", "fr", "Europe/Paris")


def test_the_page_refuses_an_unknown_time_zone_and_changes_nothing(users, client_for):
    client = client_for(users["member"])

    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Mary Member", "language": "en", "time_zone": "Nowhere/Land"},
    )

    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    member = User.objects.get(pk=users["member"].pk)
    assert (member.full_name, member.time_zone) == ("Member", "UTC")


def test_the_page_lists_only_my_own_tokens(users, client_for):
    services.create_api_token(users["member"], actor=users["member"], name="Mine")
    services.create_api_token(users["admin"], actor=users["admin"], name="Not mine")

    response = client_for(users["member"]).get(reverse("accounts:profile"))

    assert [token.name for token in response.context["tokens"]] == ["Mine"]


# --- the middleware ------------------------------------------------------------------------------


def test_a_french_user_sees_pages_in_french(users, client_for):
    member = users["member"]
    member.language = "fr"
    member.save(update_fields=["language"])

    response = client_for(member).get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert html_lang(response) == "fr"
    assert response.wsgi_request.LANGUAGE_CODE == "fr"
    assert response.headers["Content-Language"] == "fr"


def test_the_users_language_wins_over_the_browsers(users, client_for):
    member = users["member"]
    member.language = "fr"
    member.save(update_fields=["language"])

    response = client_for(member).get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="en")

    assert html_lang(response) == "fr"


def test_an_english_user_sees_english_whatever_the_browser_asks(users, client_for):
    response = client_for(users["member"]).get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="fr")

    assert html_lang(response) == "en"


def test_django_messages_are_french_for_a_french_user(users, client_for):
    # Django ships its own French catalogue, so its form messages are French already.
    member = users["member"]
    member.language = "fr"
    member.save(update_fields=["language"])

    response = client_for(member).post(reverse("accounts:profile"), {"language": "fr", "time_zone": "UTC"})

    assert response.context["form"].errors["full_name"] == ["Ce champ est obligatoire."]


def test_the_users_time_zone_is_active_for_their_requests(users, client_for):
    member = users["member"]
    member.time_zone = "Africa/Kampala"
    member.save(update_fields=["time_zone"])

    response = client_for(member).get(reverse("accounts:profile"))

    assert response.context["TIME_ZONE"] == "Africa/Kampala"


def test_an_anonymous_visitor_gets_the_default_time_zone(db, client):
    response = client.get(reverse("accounts:login"))

    assert response.context["TIME_ZONE"] == "UTC"
