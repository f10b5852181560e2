"""API: the reference lists (capability taxonomy, value tags, languages)."""

from __future__ import annotations

import pytest
from django.test import Client

from medmissions.accounts.tests.helpers import assert_api_error
from medmissions.core.models import Language
from medmissions.organizations.models import Capability, ValueTag

pytestmark = pytest.mark.django_db


def test_the_capability_taxonomy_names_each_terms_parent(users, api_client_for):
    response = api_client_for(users["viewer"]).get("/api/v1/reference/capabilities")

    assert response.status_code == 200
    terms = {term["code"]: term for term in response.json()}
    assert len(terms) == Capability.objects.count()
    assert terms["surgery"] == {"code": "surgery", "name": "Surgery", "parent": "clinical"}
    assert terms["clinical"] == {"code": "clinical", "name": "Clinical services", "parent": None}


def test_the_value_tags_are_listed_by_name(users, api_client_for):
    response = api_client_for(users["viewer"]).get("/api/v1/reference/value-tags")

    assert response.status_code == 200
    tags = response.json()
    assert [tag["code"] for tag in tags] == list(ValueTag.objects.values_list("slug", flat=True))
    assert {"code": "host-led", "name": "Host-led", "parent": None} in tags


def test_the_languages_are_listed_by_name(users, client_for):
    response = client_for(users["viewer"]).get("/api/v1/reference/languages")

    assert response.status_code == 200
    languages = response.json()
    assert len(languages) == Language.objects.count()
    assert {"code": "sw", "name": "Swahili", "parent": None} in languages
    assert [language["name"] for language in languages] == sorted(language["name"] for language in languages)


@pytest.mark.parametrize("name", ["capabilities", "value-tags", "languages"])
def test_the_reference_lists_need_authentication(db, name):
    assert_api_error(Client().get(f"/api/v1/reference/{name}"), 401, "unauthenticated")


def test_an_unknown_reference_list_answers_404(users, api_client_for):
    assert api_client_for(users["viewer"]).get("/api/v1/reference/colours").status_code == 404
