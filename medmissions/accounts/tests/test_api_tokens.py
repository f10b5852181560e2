"""Personal API tokens: created and shown once, stored hashed, revoked through a confirmation page."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from medmissions.accounts import services
from medmissions.accounts.models import TOKEN_PREFIX, ApiToken
from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


# --- the service ---------------------------------------------------------------------------------


def test_it_stores_only_a_hash_and_a_short_prefix_of_the_token(users):
    token, raw = services.create_api_token(users["member"], actor=users["member"], name=" DHIS2 sync ")

    token.refresh_from_db()
    assert raw.startswith(TOKEN_PREFIX)
    assert len(raw) > 40
    assert token.name == "DHIS2 sync"
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:10]
    assert raw not in {token.token_hash, token.prefix, token.name}
    assert token.is_active


def test_it_records_the_creation_without_the_secret(users):
    token, raw = services.create_api_token(users["member"], actor=users["member"], name="DHIS2 sync")

    entry = AuditEntry.objects.get(action="accounts.api_token.created")
    assert entry.actor == users["member"]
    assert entry.object_id == str(token.pk)
    assert entry.changes == {"name": [None, "DHIS2 sync"], "prefix": [None, raw[:10]]}
    assert raw not in str(entry.changes)


def test_it_refuses_a_second_active_token_with_the_same_name(users):
    services.create_api_token(users["member"], actor=users["member"], name="DHIS2 sync")

    with pytest.raises(Conflict) as caught:
        services.create_api_token(users["member"], actor=users["member"], name="dhis2 SYNC")

    assert "name" in caught.value.fields
    assert ApiToken.objects.filter(user=users["member"]).count() == 1


def test_a_revoked_tokens_name_can_be_used_again(users):
    token, _raw = services.create_api_token(users["member"], actor=users["member"], name="DHIS2 sync")
    services.revoke_api_token(token, actor=users["member"])

    services.create_api_token(users["member"], actor=users["member"], name="DHIS2 sync")

    assert ApiToken.objects.filter(user=users["member"], name="DHIS2 sync").count() == 2


def test_two_people_may_use_the_same_token_name(users):
    services.create_api_token(users["member"], actor=users["member"], name="Sync")
    services.create_api_token(users["admin"], actor=users["admin"], name="Sync")

    assert ApiToken.objects.filter(name="Sync").count() == 2


def test_it_refuses_a_blank_name(users):
    with pytest.raises(ValidationFailed) as caught:
        services.create_api_token(users["member"], actor=users["member"], name="   ")

    assert "name" in caught.value.fields
    assert ApiToken.objects.count() == 0


def test_nobody_creates_or_revokes_a_token_for_someone_else(users):
    with pytest.raises(NotAllowed):
        services.create_api_token(users["member"], actor=users["admin"], name="Sneaky")
    token, _raw = services.create_api_token(users["member"], actor=users["member"], name="Mine")

    with pytest.raises(NotAllowed):
        services.revoke_api_token(token, actor=users["admin"])

    token.refresh_from_db()
    assert token.is_active


def test_revoking_twice_is_a_conflict(users):
    token, _raw = services.create_api_token(users["member"], actor=users["member"], name="Mine")
    services.revoke_api_token(token, actor=users["member"])

    with pytest.raises(Conflict):
        services.revoke_api_token(token, actor=users["member"])

    assert AuditEntry.objects.filter(action="accounts.api_token.revoked").count() == 1


def test_a_token_finds_its_user_and_records_the_use_at_most_once_a_minute(users):
    token, raw = services.create_api_token(users["member"], actor=users["member"], name="Mine")
    start = timezone.now()

    with freeze_time(start):
        assert services.user_for_token(raw) == users["member"]
    with freeze_time(start + datetime.timedelta(seconds=30)):
        services.user_for_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == start

    with freeze_time(start + datetime.timedelta(minutes=2)):
        services.user_for_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == start + datetime.timedelta(minutes=2)


@pytest.mark.parametrize("raw", ["", "mm_unknown", "not-even-our-format"])
def test_an_unknown_token_finds_nobody(users, raw):
    assert services.user_for_token(raw) is None


def test_a_token_of_a_deactivated_or_unverified_account_finds_nobody(users):
    _token, raw = services.create_api_token(users["member"], actor=users["member"], name="Mine")
    _token, other_raw = services.create_api_token(users["viewer"], actor=users["viewer"], name="Mine")
    users["member"].is_active = False
    users["member"].save(update_fields=["is_active"])
    users["viewer"].email_verified_at = None
    users["viewer"].save(update_fields=["email_verified_at"])

    assert services.user_for_token(raw) is None
    assert services.user_for_token(other_raw) is None


# --- the pages -----------------------------------------------------------------------------------


def test_the_token_is_shown_once_on_creation_and_never_again(users, client_for):
    client = client_for(users["member"])

    created = client.post(reverse("accounts:create_token"), {"name": "DHIS2 sync"})

    assert created.status_code == 200
    raw = created.context["raw_token"]
    assert raw.startswith(TOKEN_PREFIX)
    assert raw in created.content.decode()
    profile = client.get(reverse("accounts:profile"))
    assert raw not in profile.content.decode()
    assert raw[:10] in profile.content.decode()
    assert ApiToken.objects.get(user=users["member"]).token_hash == hashlib.sha256(raw.encode()).hexdigest()


def test_the_page_refuses_a_duplicate_active_name_with_a_message_on_the_field(users, client_for):
    client = client_for(users["member"])
    client.post(reverse("accounts:create_token"), {"name": "DHIS2 sync"})

    response = client.post(reverse("accounts:create_token"), {"name": "DHIS2 sync"})

    assert response.status_code == 400
    assert response.context["token_form"].errors["name"] == ["Name already in use."]
    assert ApiToken.objects.filter(user=users["member"]).count() == 1


def test_creating_a_token_needs_a_post(users, client_for):
    assert client_for(users["member"]).get(reverse("accounts:create_token")).status_code == 405


def test_revoking_asks_for_confirmation_first(users, client_for):
    token, _raw = services.create_api_token(users["member"], actor=users["member"], name="DHIS2 sync")

    response = client_for(users["member"]).get(reverse("accounts:revoke_token", args=[token.pk]))

    assert response.status_code == 200
    assert "core/confirm.html" in [t.name for t in response.templates]
    assert "Revoke the token “DHIS2 sync”?" in response.content.decode()
    token.refresh_from_db()
    assert token.is_active


def test_confirming_revokes_the_token_and_it_no_longer_opens_the_api(users, client_for):
    token, raw = services.create_api_token(users["member"], actor=users["member"], name="DHIS2 sync")
    assert bearer(raw).get("/api/v1/me").status_code == 200

    response = client_for(users["member"]).post(
        reverse("accounts:revoke_token", args=[token.pk]), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("accounts:profile")
    assert "The token “DHIS2 sync” is revoked." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="accounts.api_token.revoked", object_id=str(token.pk)).exists()
    refused = bearer(raw).get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"


def test_revoking_an_already_revoked_token_says_so(users, client_for):
    token, _raw = services.create_api_token(users["member"], actor=users["member"], name="DHIS2 sync")
    services.revoke_api_token(token, actor=users["member"])

    response = client_for(users["member"]).post(
        reverse("accounts:revoke_token", args=[token.pk]), follow=True
    )

    assert "This token is already revoked." in response.content.decode()


def test_someone_elses_token_answers_404(users, client_for):
    token, raw = services.create_api_token(users["admin"], actor=users["admin"], name="Admin's")
    client = client_for(users["member"])

    assert client.get(reverse("accounts:revoke_token", args=[token.pk])).status_code == 404
    assert client.post(reverse("accounts:revoke_token", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.is_active
    assert bearer(raw).get("/api/v1/me").status_code == 200


def test_an_anonymous_visitor_is_sent_to_sign_in(users, client):
    token, _raw = services.create_api_token(users["admin"], actor=users["admin"], name="Admin's")

    response = client.post(reverse("accounts:revoke_token", args=[token.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    token.refresh_from_db()
    assert token.is_active
