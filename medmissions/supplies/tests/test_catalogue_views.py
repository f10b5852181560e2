"""Pages of the catalogue: the searchable list with the kits, an item, a kit."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medmissions.supplies.models import Item, Kit, KitLine

from .stock_support import receive

pytestmark = pytest.mark.django_db


def _codes(response) -> list[str]:
    return [item.code for item in response.context["page_obj"]]


class TestCatalogue:
    def test_lists_the_seeded_items_and_kits(self, users, client_for):
        response = client_for(users["viewer"]).get(reverse("supplies:catalogue"))
        assert response.status_code == 200
        assert response.context["page_obj"].paginator.count == Item.objects.filter(active=True).count()
        assert len(response.context["kits"]) == Kit.objects.count() == 5
        assert "amoxicillin" in response.content.decode()

    def test_search_by_name_or_code_and_filters(self, users, client_for):
        client = client_for(users["host_member"])
        url = reverse("supplies:catalogue")
        found = _codes(client.get(url, {"q": "amoxicillin 500"}))
        assert "amoxicillin-500mg-capsule" in found
        assert all("amoxicillin" in code for code in found)
        assert _codes(client.get(url, {"q": "amoxicillin-250mg-dispersible"})) == [
            "amoxicillin-250mg-dispersible-tablet"
        ]
        vaccines = client.get(url, {"category": "vaccine"}).context["page_obj"]
        assert {item.category for item in vaccines} == {"vaccine"}
        cold = client.get(url, {"cold_chain": "on"}).context["page_obj"]
        assert all(item.cold_chain for item in cold)
        controlled = client.get(url, {"controlled": "on"}).context["page_obj"]
        assert controlled.paginator.count >= 1 and all(item.controlled_substance for item in controlled)
        essential = client.get(url, {"essential": "on", "category": "consumable"})
        assert essential.context["page_obj"].paginator.count == 0
        assert "No item matches this search" in essential.content.decode()

    def test_an_invalid_filter_is_ignored_not_an_error(self, users, client_for):
        response = client_for(users["member"]).get(reverse("supplies:catalogue"), {"category": "sweets"})
        assert response.status_code == 200

    def test_pages_and_a_fixed_number_of_queries(self, users, client_for):
        client = client_for(users["member"])
        client.get(reverse("supplies:catalogue"))  # warm up sessions and caches
        with CaptureQueriesContext(connection) as first:
            response = client.get(reverse("supplies:catalogue"), {"page": 2})
        assert response.context["page_obj"].number == 2
        assert len(first) <= 12

    def test_anonymous_visitors_sign_in_first(self, client_for):
        response = client_for(None).get(reverse("supplies:catalogue"))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


class TestItem:
    def test_shows_the_item_its_shelf_life_and_kits(self, users, client_for):
        item = Item.objects.get(code="amoxicillin-500mg-capsule")
        response = client_for(users["viewer"]).get(reverse("supplies:item", args=[item.code]))
        body = response.content.decode()
        assert response.status_code == 200
        assert "365 days" in body
        kits = [line.kit for line in response.context["kit_lines"]]
        assert kits == [line.kit for line in KitLine.objects.filter(item=item).order_by("kit__name")]
        assert kits  # the seeded clinic kits hold amoxicillin
        assert "None of your organisations holds this item." in body

    def test_stock_covers_only_the_viewers_organisations(
        self, users, client_for, sending, other, warehouse, amoxicillin
    ):
        from medmissions.sites.models import Site

        receive(users["coordinator"], sending, warehouse, amoxicillin, quantity=120)
        elsewhere = Site.objects.create(
            name="Nairobi store", kind="warehouse", host_organization=other, country="KE"
        )
        receive(users["outsider"], other, elsewhere, amoxicillin, quantity=7)
        stock = (
            client_for(users["viewer"])
            .get(reverse("supplies:item", args=[amoxicillin.code]))
            .context["stock"]
        )
        assert [(row["site__name"], row["available_total"]) for row in stock] == [(warehouse.name, 120)]
        outsider = client_for(users["outsider"]).get(reverse("supplies:item", args=[amoxicillin.code]))
        assert [(row["site__name"], row["on_hand_total"]) for row in outsider.context["stock"]] == [
            ("Nairobi store", 7)
        ]
        assert outsider.context["can_receive"] is True

    def test_unknown_code_is_404(self, users, client_for):
        assert (
            client_for(users["member"]).get(reverse("supplies:item", args=["no-such-item"])).status_code
            == 404
        )


class TestKit:
    def test_shows_the_contents_and_an_estimated_weight(self, users, client_for):
        kit = Kit.objects.order_by("code").first()
        response = client_for(users["member"]).get(reverse("supplies:kit", args=[kit.code]))
        assert response.status_code == 200
        assert len(response.context["lines"]) == kit.lines.count()
        assert response.context["weight_kg"] is not None

    def test_unknown_kit_is_404(self, users, client_for):
        assert (
            client_for(users["member"]).get(reverse("supplies:kit", args=["no-such-kit"])).status_code == 404
        )
