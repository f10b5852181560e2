"""API /api/v1/sites: list with filters and pagination, create, read, update, delete."""

from __future__ import annotations

import functools

import pytest

from medmissions.sites.models import Site
from medmissions.sites.tests.support import counts
from medmissions.testing import assert_api_error, patch_json, post_json

assert_error = functools.partial(assert_api_error, exact=True)

BASE = "/api/v1/sites"


def new_site(**extra):
    data = {
        "host_organization": "mbale-hospital",
        "name": "Soroti outreach point",
        "kind": "mobile_outreach",
        "country": "UG",
        "town": "Soroti",
        "latitude": 1.714722,
        "longitude": 33.611111,
        "languages": ["en", "lg"],
        "security_guidance": "Leave before dusk.",
    }
    data.update(extra)
    return data


# List ---------------------------------------------------------------------------------------------


def test_the_list_is_paginated_with_items_and_count(users, api_client_for, host, site):
    Site.objects.create(
        name="Tororo warehouse", kind="warehouse", host_organization=host, country="UG", town="Tororo"
    )
    client = api_client_for(users["host_member"])
    body = client.get(BASE).json()
    assert body["count"] == 2
    assert [item["name"] for item in body["items"]] == ["Mbale outpatient clinic", "Tororo warehouse"]
    first = body["items"][0]
    assert first["host_organization"] == "mbale-hospital"
    assert first["country"] == "UG"
    assert (first["latitude"], first["longitude"]) == ("1.080000", "34.175000")
    page_two = client.get(BASE, {"page": 2, "page_size": 1}).json()
    assert (page_two["count"], [item["name"] for item in page_two["items"]]) == (2, ["Tororo warehouse"])


def test_the_list_filters(users, api_client_for, host, site):
    Site.objects.create(
        name="Tororo warehouse", kind="warehouse", host_organization=host, country="UG", town="Tororo"
    )
    client = api_client_for(users["host_member"])

    def names(**query):
        return [item["name"] for item in client.get(BASE, query).json()["items"]]

    assert names(kind="warehouse") == ["Tororo warehouse"]
    assert names(country="KE") == []
    assert names(host_organization="mbale-hospital") == ["Mbale outpatient clinic", "Tororo warehouse"]
    assert names(host_organization="bridge-health") == []
    assert names(q="tororo") == ["Tororo warehouse"]
    assert names(q="outpatient") == ["Mbale outpatient clinic"]


def test_partners_list_the_hosts_sites_and_outsiders_do_not(users, api_client_for, site, active_partnership):
    assert api_client_for(users["viewer"]).get(BASE).json()["count"] == 1
    assert api_client_for(users["outsider"]).get(BASE).json() == {"items": [], "count": 0}


def test_the_list_needs_authentication(db, client_for):
    assert_error(client_for(None).get(BASE), 401, "unauthenticated")


# Create -------------------------------------------------------------------------------------------


def test_a_host_admin_creates_a_site(users, api_client_for, host):
    response = post_json(api_client_for(users["host_admin"]), BASE, new_site())
    assert response.status_code == 201, response.content
    body = response.json()
    created = Site.objects.get(pk=body["id"])
    assert created.host_organization == host
    assert body["languages"] == ["en", "lg"]  # ordered by name: English, Luganda
    assert (body["latitude"], body["longitude"]) == ("1.714722", "33.611111")
    assert body["security_guidance"] == "Leave before dusk."


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"latitude": 91}, {"latitude"}),
        ({"longitude": -181}, {"longitude"}),
        ({"longitude": None}, {"longitude"}),
        ({"latitude": "north"}, {"latitude"}),
        ({"latitude": 91, "longitude": -181}, {"latitude", "longitude"}),
        ({"kind": "castle"}, {"kind"}),
        ({"country": "ZZ"}, {"country"}),
        ({"country": "UGA"}, {"country"}),
        ({"languages": ["en", "xx-none"]}, {"languages"}),
        ({"name": ""}, {"name"}),
    ],
)
def test_a_bad_site_is_a_400_with_field_messages_and_writes_nothing(data, fields, users, api_client_for):
    client = api_client_for(users["host_admin"])
    before = counts()
    assert_error(post_json(client, BASE, new_site(**data)), 400, fields=fields)
    assert counts() == before


def test_missing_required_fields_are_named(users, api_client_for):
    client = api_client_for(users["host_admin"])
    before = counts()
    error = assert_error(post_json(client, BASE, {"host_organization": "mbale-hospital"}), 400, "invalid")
    assert set(error["fields"]) == {"name", "kind", "country"}
    assert counts() == before


@pytest.mark.parametrize("persona", ["host_member", "coordinator", "outsider"])
def test_only_coordinators_and_admins_of_the_host_create_its_sites(persona, users, api_client_for):
    client = api_client_for(users[persona])
    before = counts()
    assert_error(post_json(client, BASE, new_site()), 403, "forbidden")
    assert counts() == before


def test_an_unknown_host_is_404(users, api_client_for):
    client = api_client_for(users["host_admin"])
    before = counts()
    assert_error(post_json(client, BASE, new_site(host_organization="nowhere")), 404, "not_found")
    assert counts() == before


def test_creating_needs_authentication(db, client_for, host):
    assert_error(post_json(client_for(None), BASE, new_site()), 401)
    assert not Site.objects.exists()


# Read, update, delete -----------------------------------------------------------------------------


def test_the_host_and_partners_read_a_site_and_outsiders_get_404(
    users, api_client_for, site, active_partnership
):
    assert (
        api_client_for(users["viewer"]).get(f"{BASE}/{site.pk}").json()["name"] == "Mbale outpatient clinic"
    )
    assert api_client_for(users["host_member"]).get(f"{BASE}/{site.pk}").status_code == 200
    assert_error(api_client_for(users["outsider"]).get(f"{BASE}/{site.pk}"), 404, "not_found")
    assert_error(api_client_for(users["host_admin"]).get(f"{BASE}/999999"), 404)


def test_a_host_admin_updates_only_the_fields_sent(users, api_client_for, site):
    response = patch_json(
        api_client_for(users["host_admin"]), f"{BASE}/{site.pk}", {"latitude": "-0.5", "languages": ["sw"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["latitude"], body["longitude"], body["languages"]) == ("-0.500000", "34.175000", ["sw"])
    assert body["town"] == "Mbale"


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"latitude": 91}, {"latitude"}),
        ({"longitude": "-181"}, {"longitude"}),
        ({"latitude": None}, {"latitude"}),
        ({"longitude": "east"}, {"longitude"}),
        ({"languages": ["zz-none"]}, {"languages"}),
    ],
)
def test_a_bad_update_is_a_400_and_changes_nothing(data, fields, users, api_client_for, site):
    client = api_client_for(users["host_admin"])
    before = counts()
    assert_error(patch_json(client, f"{BASE}/{site.pk}", data), 400, fields=fields)
    site.refresh_from_db()
    assert (str(site.latitude), str(site.longitude)) == ("1.080000", "34.175000")
    assert counts() == before


@pytest.mark.parametrize(
    ("persona", "status"), [("host_member", 403), ("coordinator", 403), ("outsider", 404)]
)
def test_only_coordinators_and_admins_of_the_host_update(
    persona, status, users, api_client_for, site, active_partnership
):
    client = api_client_for(users[persona])
    before = counts()
    assert_error(patch_json(client, f"{BASE}/{site.pk}", {"name": "Taken"}), status)
    site.refresh_from_db()
    assert site.name == "Mbale outpatient clinic"
    assert counts() == before


def test_a_host_admin_deletes_a_site(users, api_client_for, site):
    response = api_client_for(users["host_admin"]).delete(f"{BASE}/{site.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert not Site.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("host_member", 403), ("admin", 403), ("outsider", 404)])
def test_only_coordinators_and_admins_of_the_host_delete(
    persona, status, users, api_client_for, site, active_partnership
):
    client = api_client_for(users[persona])
    before = counts()
    assert_error(client.delete(f"{BASE}/{site.pk}"), status)
    assert Site.objects.filter(pk=site.pk).exists()
    assert counts() == before


def test_changing_sites_needs_authentication(db, client_for, site):
    anonymous = client_for(None)
    assert_error(patch_json(anonymous, f"{BASE}/{site.pk}", {"name": "x"}), 401)
    assert_error(anonymous.delete(f"{BASE}/{site.pk}"), 401)
    assert Site.objects.get().name == "Mbale outpatient clinic"
