"""API: /api/v1/organizations — directory search, create, read, edit, logo and verification."""

from __future__ import annotations

import pytest
from django.test import Client

from medmissions.accounts.tests.helpers import assert_api_error
from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.core.models import Language
from medmissions.organizations.models import Capability, Membership, Organization, ValueTag
from medmissions.organizations.tests.helpers import counts, fake_png_upload, oversized_png_upload, png_upload

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations"


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["items"]]


@pytest.fixture
def world(sending, host, other):
    sending.value_tags.set(ValueTag.objects.filter(slug__in=["host-led", "teaching", "long-term"]))
    host.value_tags.set(ValueTag.objects.filter(slug__in=["host-led", "teaching"]))
    host.capabilities.set(Capability.objects.filter(slug="surgery"))
    host.languages.set(Language.objects.filter(code__in=["en", "lg"]))
    host.description = "Regional referral hospital."
    host.is_verified = True
    host.save()
    other.value_tags.set(ValueTag.objects.filter(slug="host-led"))
    other.capabilities.set(Capability.objects.filter(slug="vaccination"))
    other.languages.set(Language.objects.filter(code="sw"))
    return {"sending": sending, "host": host, "other": other}


# --- list ----------------------------------------------------------------------------------------


def test_the_list_is_paginated_with_items_and_count(users, api_client_for, world):
    client = api_client_for(users["member"])

    first = client.get(URL, {"page_size": 2})
    second = client.get(URL, {"page_size": 2, "page": 2})

    assert first.json()["count"] == 3
    assert slugs(first) == ["mbale-hospital", "bridge-health"]
    assert slugs(second) == ["unrelated-clinic"]
    assert slugs(client.get(URL, {"page": 5})) == []


def test_a_listed_organisation_has_every_public_field(users, api_client_for, world):
    items = api_client_for(users["member"]).get(URL, {"kind": "hospital"}).json()["items"]

    assert items == [
        {
            "slug": "mbale-hospital",
            "name": "Mbale Regional Hospital",
            "kind": "hospital",
            "country": "UG",
            "area": "",
            "website": "",
            "contact_email": "",
            "description": "Regional referral hospital.",
            "values_statement": "",
            "value_tags": ["host-led", "teaching"],
            "capabilities": ["surgery"],
            "languages": ["en", "lg"],
            "is_verified": True,
            "has_logo": False,
            "matching_tags": 0,
            "my_role": None,
        }
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "clinic"}, ["unrelated-clinic"]),
        ({"country": "GB"}, ["bridge-health"]),
        ({"capability": "clinical"}, ["mbale-hospital"]),
        ({"capability": ["surgery", "vaccination"]}, ["mbale-hospital", "unrelated-clinic"]),
        ({"capability": "public-health"}, ["unrelated-clinic"]),
        ({"value_tag": "long-term"}, ["bridge-health"]),
        ({"value_tag": ["teaching", "long-term"]}, ["mbale-hospital", "bridge-health"]),
        ({"language": "lg"}, ["mbale-hospital"]),
        ({"language": ["sw", "lg"]}, ["mbale-hospital", "unrelated-clinic"]),
        ({"q": "referral"}, ["mbale-hospital"]),
        ({"verified": "true"}, ["mbale-hospital"]),
        ({"country": "UG", "capability": "public-health"}, []),
    ],
)
def test_the_list_filters(users, api_client_for, world, params, expected):
    assert slugs(api_client_for(users["member"]).get(URL, params)) == expected


def test_for_one_of_my_organisations_the_list_ranks_by_shared_tags(users, api_client_for, world):
    response = api_client_for(users["viewer"]).get(URL, {"for_organization": "bridge-health"})

    ranked = [(item["slug"], item["matching_tags"], item["my_role"]) for item in response.json()["items"]]
    assert ranked == [
        ("bridge-health", 3, "viewer"),
        ("mbale-hospital", 2, None),
        ("unrelated-clinic", 1, None),
    ]


@pytest.mark.parametrize("slug", ["mbale-hospital", "does-not-exist"])
def test_for_an_organisation_that_is_not_mine_the_list_answers_404(users, api_client_for, world, slug):
    assert_api_error(api_client_for(users["member"]).get(URL, {"for_organization": slug}), 404, "not_found")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"capability": "no-such-thing"}, "capability"),
        ({"value_tag": "nope"}, "value_tag"),
        ({"language": "xx"}, "language"),
    ],
)
def test_an_unknown_code_in_a_filter_answers_400_naming_it(users, api_client_for, world, params, field):
    error = assert_api_error(api_client_for(users["member"]).get(URL, params), 400, "invalid")

    code = next(iter(params.values()))
    assert error["fields"] == {field: code}
    assert code in error["message"]


@pytest.mark.parametrize("params", [{"page": 0}, {"page": "first"}, {"verified": "perhaps"}])
def test_a_malformed_query_answers_400(users, api_client_for, world, params):
    error = assert_api_error(api_client_for(users["member"]).get(URL, params), 400, "invalid")

    assert error["fields"]


def test_the_list_needs_authentication(world):
    assert_api_error(Client().get(URL), 401, "unauthenticated")


# --- create --------------------------------------------------------------------------------------


def payload(**overrides):
    data = {
        "name": "Kijabe Surgical Partners",
        "kind": "secular_ngo",
        "country": "KE",
        "area": "Kiambu",
        "website": "https://kijabe.example.org",
        "value_tags": ["host-led", "teaching"],
        "capabilities": ["surgery"],
        "languages": ["sw"],
    }
    data.update(overrides)
    return data


def test_creating_answers_201_and_makes_me_admin(users, api_client_for):
    client = api_client_for(users["member"])

    response = client.post(URL, payload(), content_type="application/json")

    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "kijabe-surgical-partners"
    assert body["my_role"] == "admin"
    assert body["value_tags"] == ["host-led", "teaching"]
    assert body["capabilities"] == ["surgery"]
    assert body["languages"] == ["sw"]
    organization = Organization.objects.get(slug="kijabe-surgical-partners")
    assert Membership.objects.get(organization=organization).user == users["member"]
    assert AuditEntry.objects.filter(
        action="organizations.organization.created", organization=organization
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"country": "ZZ"}, "country"),
        ({"country": "G"}, "country"),
        ({"country": "gb"}, "country"),
        ({"kind": "pirate_ship"}, "kind"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"capabilities": "surgery"}, "capabilities"),
    ],
)
def test_creating_with_bad_input_answers_400_with_fields_and_creates_nothing(
    users, api_client_for, overrides, field
):
    client = api_client_for(users["member"])
    before = counts()

    response = client.post(URL, payload(**overrides), content_type="application/json")

    error = assert_api_error(response, 400, "invalid")
    assert field in error["fields"]
    assert counts() == before


def test_creating_without_required_fields_answers_400_naming_them(users, api_client_for):
    client = api_client_for(users["member"])
    before = counts()

    error = assert_api_error(client.post(URL, {}, content_type="application/json"), 400, "invalid")

    assert {"name", "kind", "country"} <= set(error["fields"])
    assert counts() == before


@pytest.mark.parametrize(
    ("field", "codes", "unknown"),
    [
        ("value_tags", ["host-led", "no-such-tag"], "no-such-tag"),
        ("capabilities", ["martian-surgery"], "martian-surgery"),
        ("languages", ["sw", "klingon"], "klingon"),
    ],
)
def test_creating_with_an_unknown_code_answers_400_naming_it(users, api_client_for, field, codes, unknown):
    client = api_client_for(users["member"])
    before = counts()

    response = client.post(URL, payload(**{field: codes}), content_type="application/json")

    error = assert_api_error(response, 400, "invalid")
    assert error["fields"] == {field: unknown}
    assert unknown in error["message"]
    assert counts() == before


def test_creating_a_duplicate_name_in_the_same_country_answers_400(users, api_client_for, sending):
    client = api_client_for(users["outsider"])
    before = counts()

    response = client.post(
        URL, payload(name="bridge health uk", country="GB"), content_type="application/json"
    )

    error = assert_api_error(response, 400)
    assert set(error["fields"]) == {"name"}
    assert counts() == before


def test_creating_needs_authentication(db):
    before = counts()

    assert_api_error(Client().post(URL, payload(), content_type="application/json"), 401, "unauthenticated")

    assert counts() == before


# --- get -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona_name", ["admin", "outsider"])
def test_every_signed_in_person_reads_an_organisation(users, api_client_for, world, persona_name):
    response = api_client_for(users[persona_name]).get(f"{URL}/bridge-health")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Bridge Health UK"
    assert body["my_role"] == ("admin" if persona_name == "admin" else None)


def test_an_unknown_organisation_answers_404(users, api_client_for):
    assert_api_error(api_client_for(users["admin"]).get(f"{URL}/nope"), 404, "not_found")


def test_reading_needs_authentication(sending):
    assert_api_error(Client().get(f"{URL}/{sending.slug}"), 401, "unauthenticated")


# --- patch ---------------------------------------------------------------------------------------


def test_an_admin_patches_only_the_given_fields(users, api_client_for, world):
    client = api_client_for(users["admin"])

    response = patch(client, f"{URL}/bridge-health", {"area": "London", "value_tags": ["equity"]})

    assert response.status_code == 200
    body = response.json()
    assert body["area"] == "London"
    assert body["value_tags"] == ["equity"]
    assert body["name"] == "Bridge Health UK"
    sending = world["sending"]
    sending.refresh_from_db()
    assert sending.area == "London"
    assert list(sending.value_tags.values_list("slug", flat=True)) == ["equity"]
    entry = AuditEntry.objects.filter(action="organizations.organization.updated").get()
    assert entry.changes["area"] == ["", "London"]


def test_an_empty_list_clears_the_terms(users, api_client_for, world):
    response = patch(api_client_for(users["admin"]), f"{URL}/bridge-health", {"value_tags": []})

    assert response.json()["value_tags"] == []


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer", "outsider", "host_admin"])
def test_only_admins_patch_and_others_get_403_with_the_error_shape(
    users, api_client_for, world, persona_name
):
    client = api_client_for(users[persona_name])
    before = counts()

    response = patch(client, f"{URL}/bridge-health", {"area": "Hacked"})

    error = assert_api_error(response, 403, "forbidden")
    assert error["message"] == "Only admins edit the organisation."
    assert counts() == before
    world["sending"].refresh_from_db()
    assert world["sending"].area == ""


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "pirate_ship"}, "kind"),
        ({"country": "ZZZ"}, "country"),
        ({"name": "   "}, "name"),
        ({"capabilities": ["nope"]}, "capabilities"),
        ({"name": "Mbale Regional Hospital", "country": "UG"}, "name"),
    ],
)
def test_patching_with_bad_input_answers_400_and_changes_nothing(users, api_client_for, world, data, field):
    client = api_client_for(users["admin"])
    before = counts()

    response = patch(client, f"{URL}/bridge-health", {"area": "London", **data})

    error = assert_api_error(response, 400, "invalid")
    assert field in error["fields"]
    assert counts() == before
    world["sending"].refresh_from_db()
    assert (world["sending"].area, world["sending"].name) == ("", "Bridge Health UK")


def test_patching_an_unknown_organisation_answers_404(users, api_client_for):
    assert_api_error(patch(api_client_for(users["admin"]), f"{URL}/nope", {"area": "x"}), 404, "not_found")


def test_patching_needs_authentication(sending):
    assert_api_error(patch(Client(), f"{URL}/{sending.slug}", {"area": "x"}), 401, "unauthenticated")


# --- logo ----------------------------------------------------------------------------------------


def test_an_admin_uploads_a_png_logo(users, api_client_for, sending):
    response = api_client_for(users["admin"]).post(f"{URL}/bridge-health/logo", {"logo": png_upload()})

    assert response.status_code == 200
    assert response.json()["has_logo"] is True
    sending.refresh_from_db()
    assert sending.logo.name.endswith(".png")


@pytest.mark.parametrize(
    ("upload", "code"), [(fake_png_upload, "file_type_not_allowed"), (oversized_png_upload, "file_too_large")]
)
def test_a_bad_logo_answers_400_and_changes_nothing(users, api_client_for, sending, upload, code):
    client = api_client_for(users["admin"])
    before = counts()

    response = client.post(f"{URL}/bridge-health/logo", {"logo": upload()})

    assert_api_error(response, 400, code)
    assert counts() == before
    sending.refresh_from_db()
    assert not sending.logo


def test_a_logo_request_without_a_file_answers_400(users, api_client_for, sending):
    error = assert_api_error(
        api_client_for(users["admin"]).post(f"{URL}/bridge-health/logo", {}), 400, "invalid"
    )

    assert "logo" in error["fields"]


@pytest.mark.parametrize("persona_name", ["coordinator", "outsider"])
def test_only_admins_upload_a_logo(users, api_client_for, sending, persona_name):
    response = api_client_for(users[persona_name]).post(f"{URL}/bridge-health/logo", {"logo": png_upload()})

    assert_api_error(response, 403, "forbidden")
    sending.refresh_from_db()
    assert not sending.logo


def test_uploading_a_logo_to_an_unknown_organisation_answers_404(users, api_client_for):
    assert_api_error(api_client_for(users["admin"]).post(f"{URL}/nope/logo", {"logo": png_upload()}), 404)


# --- verification --------------------------------------------------------------------------------


def test_platform_staff_verify_through_the_api(db, api_client_for, sending):
    staff = make_user("staff@example.org", "Platform Staff", is_staff=True)
    client = api_client_for(staff)

    verified = client.post(
        f"{URL}/bridge-health/verification", {"verified": True}, content_type="application/json"
    )
    withdrawn = client.post(
        f"{URL}/bridge-health/verification", {"verified": False}, content_type="application/json"
    )

    assert verified.status_code == 200
    assert verified.json()["is_verified"] is True
    assert withdrawn.json()["is_verified"] is False
    assert (
        AuditEntry.objects.filter(
            organization=sending, action__startswith="organizations.organization."
        ).count()
        == 2
    )


def test_an_admin_who_is_not_staff_gets_403_on_verification(users, api_client_for, sending):
    client = api_client_for(users["admin"])
    before = counts()

    response = client.post(
        f"{URL}/bridge-health/verification", {"verified": True}, content_type="application/json"
    )

    assert_api_error(response, 403, "forbidden")
    assert counts() == before
    sending.refresh_from_db()
    assert not sending.is_verified


def test_verification_without_a_value_answers_400(db, api_client_for, sending):
    staff = make_user("staff@example.org", "Platform Staff", is_staff=True)

    response = api_client_for(staff).post(
        f"{URL}/bridge-health/verification", {}, content_type="application/json"
    )

    error = assert_api_error(response, 400, "invalid")
    assert "verified" in error["fields"]
