"""API of the catalogue: items (search, filters, pages), one item with its kits and stock, kits."""

from __future__ import annotations

import pytest

from medmissions.supplies.models import Item, Kit
from medmissions.testing import assert_api_error

from .stock_support import receive

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/supplies/items"
KITS = "/api/v1/supplies/kits"


def test_items_are_paginated_and_searchable(users, api_client_for):
    client = api_client_for(users["viewer"])
    body = client.get(ITEMS).json()
    assert body["count"] == Item.objects.filter(active=True).count()
    assert len(body["items"]) == 50
    found = client.get(ITEMS, {"q": "amoxicillin 500 mg"}).json()["items"]
    assert "amoxicillin-500mg-capsule" in [item["code"] for item in found]
    capsule = next(item for item in found if item["code"] == "amoxicillin-500mg-capsule")
    assert capsule["label"] == "amoxicillin 500 mg capsule"
    assert capsule["minimum_shelf_life_days"] == 365
    assert capsule["category_label"] == "Medicine"
    vaccines = client.get(ITEMS, {"category": "vaccine", "cold_chain": True, "page_size": 200}).json()
    assert vaccines["count"] >= 1
    assert {item["category"] for item in vaccines["items"]} == {"vaccine"}


def test_an_unknown_category_is_400(users, api_client_for):
    assert_api_error(
        api_client_for(users["viewer"]).get(ITEMS, {"category": "sweets"}), 400, "invalid", ["category"]
    )


def test_an_item_with_its_kits_and_the_callers_stock(users, api_client_for, sending, warehouse, amoxicillin):
    receive(users["coordinator"], sending, warehouse, amoxicillin, quantity=80)
    body = api_client_for(users["member"]).get(f"{ITEMS}/{amoxicillin.code}").json()
    assert body["code"] == amoxicillin.code
    assert body["stock"] == [
        {
            "organization": "bridge-health",
            "site": warehouse.pk,
            "site_name": warehouse.name,
            "lots": 1,
            "on_hand": 80,
            "reserved": 0,
            "available": 80,
            "earliest_expiry": "2029-01-31",
        }
    ]
    assert api_client_for(users["outsider"]).get(f"{ITEMS}/{amoxicillin.code}").json()["stock"] == []
    seeded = api_client_for(users["member"]).get(f"{ITEMS}/amoxicillin-500mg-capsule").json()
    assert seeded["kits"] and {"code", "name", "quantity"} == set(seeded["kits"][0])


def test_unknown_items_and_kits_are_404(users, api_client_for):
    client = api_client_for(users["member"])
    assert_api_error(client.get(f"{ITEMS}/no-such-item"), 404, "not_found")
    assert_api_error(client.get(f"{KITS}/no-such-kit"), 404, "not_found")


def test_kits(users, api_client_for):
    client = api_client_for(users["host_member"])
    body = client.get(KITS).json()
    assert body["count"] == Kit.objects.count()
    kit = Kit.objects.order_by("name").first()
    detail = client.get(f"{KITS}/{kit.code}").json()
    assert detail["code"] == kit.code
    assert len(detail["lines"]) == kit.lines.count()
    assert body["items"][0] == detail


def test_anonymous_callers_are_401(api_client_for):
    assert_api_error(api_client_for(None).get(ITEMS), 401, "unauthenticated")
    assert_api_error(api_client_for(None).get(KITS), 401, "unauthenticated")
