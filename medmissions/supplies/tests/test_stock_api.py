"""API of the stock area: lots, receiving, the stock card, movements, the import and balances."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from medmissions.supplies import stock
from medmissions.supplies.models import Lot, StockTransaction
from medmissions.testing import assert_api_error, post_json

from .stock_support import csv_upload, expired_lot, mission, offer, on_hand, put_at, receive, row

pytestmark = pytest.mark.django_db

LOTS = "/api/v1/supplies/lots"
BALANCES = "/api/v1/supplies/balances"


def _receipt(site, **overrides):
    data = {
        "organization": "bridge-health",
        "site": site.pk,
        "item": "amoxicillin-500mg-capsule",
        "lot_number": "AMX-77",
        "expiry_date": "2029-06-30",
        "quantity": 300,
        "source": "procured",
        "unit_value": "0.05",
    }
    data.update(overrides)
    return data


class TestLots:
    def test_list_with_balances_and_filters(
        self, users, api_client_for, sending, lot, warehouse, site, gloves, active_partnership
    ):
        put_at(lot, site, 25, users["coordinator"])
        receive(users["coordinator"], sending, warehouse, gloves, lot_number="G-1")
        client = api_client_for(users["member"])
        body = client.get(LOTS).json()
        assert body["count"] == 2
        first = body["items"][0]
        assert (first["lot_number"], first["owner"], first["donor"], first["on_hand"]) == (
            "G-1",
            "bridge-health",
            None,
            100,
        )
        amx = client.get(LOTS, {"item": lot.item.code}).json()["items"]
        assert [balance["site"] for balance in amx[0]["balances"]] == [warehouse.pk, site.pk]
        assert client.get(LOTS, {"site": site.pk}).json()["count"] == 1
        assert client.get(LOTS, {"organization": "blessed-supplies"}).json()["count"] == 1
        assert client.get(LOTS, {"source": "donated", "q": "amox"}).json()["count"] == 1
        assert client.get(LOTS, {"expiring_within_days": 30}).json()["count"] == 0

    def test_bad_filters_are_400(self, users, api_client_for):
        client = api_client_for(users["member"])
        assert_api_error(client.get(LOTS, {"organization": "nobody"}), 400, "invalid", ["organization"])
        assert_api_error(client.get(LOTS, {"item": "sweets"}), 400, "invalid", ["item"])
        assert_api_error(client.get(LOTS, {"source": "sample"}), 400, "invalid", ["source"])
        assert_api_error(client.get(LOTS, {"site": 99999}), 400, "invalid", ["site"])
        assert_api_error(client.get(LOTS, {"expiring_within_days": -1}), 400, "invalid")

    def test_one_lot_and_its_stock_card(self, users, api_client_for, lot, warehouse):
        stock.consume(lot, warehouse, actor=users["member"], quantity=10, note="Clinic")
        client = api_client_for(users["viewer"])
        detail = client.get(f"{LOTS}/{lot.pk}").json()
        assert (detail["on_hand"], detail["donor"], detail["handed_over_as"]) == (990, "blessed-supplies", [])
        card = client.get(f"{LOTS}/{lot.pk}/ledger").json()
        assert [
            (entry["kind"], entry["on_hand_change"], entry["on_hand_after"]) for entry in card["items"]
        ] == [
            ("receipt", 1000, 1000),
            ("consumption", -10, 990),
        ]
        assert card["items"][1]["recorded_by"] == "Member"

    def test_other_organisations_lots_are_404(self, users, api_client_for, lot):
        client = api_client_for(users["outsider"])
        assert_api_error(client.get(f"{LOTS}/{lot.pk}"), 404, "not_found")
        assert_api_error(client.get(f"{LOTS}/{lot.pk}/ledger"), 404, "not_found")
        assert client.get(LOTS).json()["count"] == 0


class TestReceive:
    def test_receives_and_answers_201(self, users, api_client_for, warehouse):
        response = post_json(
            api_client_for(users["coordinator"]), LOTS, _receipt(warehouse, label_language="en")
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["lot"]["on_hand"] == 300
        assert body["lot"]["label_language"] == "en"
        assert body["transaction"]["kind"] == "receipt"
        assert body["transaction"]["entries"] == [
            {"lot": body["lot"]["id"], "site": warehouse.pk, "on_hand_change": 300, "reserved_change": 0}
        ]

    def test_rules_of_the_service_answer_400_with_fields(self, users, api_client_for, warehouse):
        client = api_client_for(users["coordinator"])
        assert_api_error(
            post_json(client, LOTS, _receipt(warehouse, expiry_date=None)), 400, "invalid", ["expiry_date"]
        )
        assert_api_error(
            post_json(client, LOTS, _receipt(warehouse, source="donated")), 400, "invalid", ["donor"]
        )
        assert_api_error(
            post_json(client, LOTS, _receipt(warehouse, item="sweets")), 400, "invalid", ["item"]
        )
        assert_api_error(
            post_json(client, LOTS, _receipt(warehouse, donor="nobody")), 400, "invalid", ["donor"]
        )
        assert_api_error(
            post_json(client, LOTS, {**_receipt(warehouse), "site": 99999}), 400, "invalid", ["site"]
        )
        assert_api_error(
            post_json(client, LOTS, _receipt(warehouse, label_language="xx-none")),
            400,
            "invalid",
            ["label_language"],
        )
        assert_api_error(
            post_json(client, LOTS, _receipt(warehouse, quantity="many")), 400, "invalid", ["quantity"]
        )
        assert not Lot.objects.exists()

    def test_roles_and_other_organisations(self, users, api_client_for, warehouse):
        assert_api_error(
            post_json(api_client_for(users["member"]), LOTS, _receipt(warehouse)), 403, "forbidden"
        )
        assert_api_error(
            post_json(api_client_for(users["outsider"]), LOTS, _receipt(warehouse)), 404, "not_found"
        )
        assert_api_error(post_json(api_client_for(None), LOTS, _receipt(warehouse)), 401)

    def test_goods_of_an_accepted_offer(self, users, api_client_for, sending, warehouse, donor):
        from medmissions.supplies.models import Item

        accepted = offer(donor, sending, Item.objects.get(code="amoxicillin-500mg-capsule"))
        client = api_client_for(users["coordinator"])
        response = post_json(
            client, LOTS, _receipt(warehouse, source="donated", donor=donor.slug, offer=accepted.pk)
        )
        assert response.status_code == 201, response.content
        assert response.json()["lot"]["offer"] == accepted.pk
        pending = offer(donor, sending, Item.objects.get(code="amoxicillin-500mg-capsule"), status="offered")
        refused = post_json(
            client,
            LOTS,
            _receipt(warehouse, lot_number="X", source="donated", donor=donor.slug, offer=pending.pk),
        )
        assert_api_error(refused, 400, "invalid", ["offer"])
        assert_api_error(
            post_json(client, LOTS, _receipt(warehouse, offer=999999)), 400, "invalid", ["offer"]
        )


class TestMovements:
    def test_consume(self, users, api_client_for, lot, warehouse):
        response = post_json(
            api_client_for(users["member"]),
            f"{LOTS}/{lot.pk}/consume",
            {"site": warehouse.pk, "quantity": 25},
        )
        assert response.status_code == 201, response.content
        assert response.json()["entries"][0]["on_hand_change"] == -25
        assert on_hand(lot, warehouse) == (975, 0)

    def test_consume_refusals(self, users, api_client_for, lot, warehouse, site):
        member = api_client_for(users["member"])
        assert_api_error(
            post_json(member, f"{LOTS}/{lot.pk}/consume", {"site": warehouse.pk, "quantity": 5000}),
            400,
            "insufficient_stock",
        )
        assert_api_error(
            post_json(member, f"{LOTS}/{lot.pk}/consume", {"site": site.pk, "quantity": 1}),
            400,
            "invalid",
            ["site"],
        )
        assert_api_error(
            post_json(
                member, f"{LOTS}/{lot.pk}/consume", {"site": warehouse.pk, "quantity": 1, "mission": 99999}
            ),
            400,
            "invalid",
            ["mission"],
        )
        viewer = api_client_for(users["viewer"])
        assert_api_error(
            post_json(viewer, f"{LOTS}/{lot.pk}/consume", {"site": warehouse.pk, "quantity": 1}),
            403,
            "forbidden",
        )
        outsider = api_client_for(users["outsider"])
        assert_api_error(
            post_json(outsider, f"{LOTS}/{lot.pk}/consume", {"site": warehouse.pk, "quantity": 1}),
            404,
            "not_found",
        )
        assert on_hand(lot, warehouse) == (1000, 0)

    def test_adjust(self, users, api_client_for, lot, warehouse):
        client = api_client_for(users["coordinator"])
        response = post_json(
            client, f"{LOTS}/{lot.pk}/adjust", {"site": warehouse.pk, "change": 4, "reason": "found"}
        )
        assert response.status_code == 201
        assert response.json()["reason"] == "found"
        assert_api_error(
            post_json(
                client, f"{LOTS}/{lot.pk}/adjust", {"site": warehouse.pk, "change": -1, "reason": "other"}
            ),
            400,
            "invalid",
            ["note"],
        )
        assert_api_error(
            post_json(
                api_client_for(users["member"]),
                f"{LOTS}/{lot.pk}/adjust",
                {"site": warehouse.pk, "change": -1, "reason": "missing"},
            ),
            403,
            "forbidden",
        )

    def test_write_off(self, users, api_client_for, sending, lot, warehouse, gloves):
        client = api_client_for(users["coordinator"])
        assert_api_error(
            post_json(client, f"{LOTS}/{lot.pk}/write-off", {"site": warehouse.pk}), 400, "lot_not_expired"
        )
        old = expired_lot(users["coordinator"], sending, warehouse, gloves)
        response = post_json(client, f"{LOTS}/{old.pk}/write-off", {"site": warehouse.pk, "note": "Burnt"})
        assert response.status_code == 201
        assert response.json()["kind"] == "expiry_write_off"
        assert on_hand(old, warehouse) == (0, 0)

    def test_hand_over(self, users, api_client_for, host, lot, site, active_partnership):
        camp = mission(users, active_partnership, site)
        put_at(lot, site, 50, users["coordinator"])
        response = post_json(
            api_client_for(users["coordinator"]),
            f"{LOTS}/{lot.pk}/hand-over",
            {"site": site.pk, "quantity": 30, "mission": camp.pk},
        )
        assert response.status_code == 201, response.content
        body = response.json()
        host_lot = Lot.objects.get(pk=body["host_lot"])
        assert (host_lot.owner, host_lot.origin, on_hand(host_lot, site)) == (host, lot, (30, 0))
        assert (body["transaction"]["recipient"], body["transaction"]["mission"]) == (
            "mbale-hospital",
            camp.pk,
        )
        assert StockTransaction.objects.filter(kind="handover").count() == 1
        assert_api_error(
            post_json(
                api_client_for(users["host_admin"]),
                f"{LOTS}/{lot.pk}/hand-over",
                {"site": site.pk, "quantity": 1},
            ),
            403,
            "forbidden",
        )


class TestImport:
    def test_dry_run_then_commit_with_the_token(self, users, api_client_for, warehouse):
        client = api_client_for(users["coordinator"])
        analysis = client.post(
            f"{LOTS}/import",
            {
                "organization": "bridge-health",
                "file": csv_upload([row(site=warehouse.pk), row(quantity="x", site=warehouse.pk)]),
            },
        )
        assert analysis.status_code == 200, analysis.content
        body = analysis.json()
        assert body["errors"] == [
            {
                "row": 3,
                "column": "quantity",
                "message": "Enter a whole number of units, at least 1, without separators such as commas.",
            }
        ]
        assert body["token"] is None
        clean = client.post(
            f"{LOTS}/import", {"organization": "bridge-health", "file": csv_upload([row(site=warehouse.pk)])}
        ).json()
        assert (clean["new_lots"], clean["units"], clean["lots"][0]["site"]) == (1, 1000, warehouse.pk)
        committed = client.post(
            f"{LOTS}/import", {"organization": "bridge-health", "dry_run": "false", "token": clean["token"]}
        )
        assert committed.status_code == 201, committed.content
        assert committed.json()["lots_created"] == 1
        assert_api_error(
            client.post(
                f"{LOTS}/import",
                {"organization": "bridge-health", "dry_run": "false", "token": clean["token"]},
            ),
            409,
            "import_already_committed",
        )

    def test_commit_of_a_file_sent_directly_is_all_or_nothing(self, users, api_client_for, warehouse):
        client = api_client_for(users["coordinator"])
        refused = client.post(
            f"{LOTS}/import",
            {
                "organization": "bridge-health",
                "dry_run": "false",
                "file": csv_upload([row(site=warehouse.pk), row(site="Nowhere")]),
            },
        )
        error = assert_api_error(refused, 400, "import_invalid", ["rows.3.site"])
        assert "Nothing was received" in error["message"]
        assert not Lot.objects.exists()
        accepted = client.post(
            f"{LOTS}/import",
            {
                "organization": "bridge-health",
                "dry_run": "false",
                "file": csv_upload([row(site=warehouse.pk)]),
            },
        )
        assert accepted.status_code == 201

    def test_refusals(self, users, api_client_for, warehouse):
        upload = {"organization": "bridge-health", "file": csv_upload([row(site=warehouse.pk)])}
        assert_api_error(api_client_for(users["member"]).post(f"{LOTS}/import", upload), 403, "forbidden")
        upload = {"organization": "bridge-health", "file": csv_upload([row(site=warehouse.pk)])}
        assert_api_error(api_client_for(users["host_admin"]).post(f"{LOTS}/import", upload), 404, "not_found")
        client = api_client_for(users["coordinator"])
        assert_api_error(
            client.post(f"{LOTS}/import", {"organization": "bridge-health"}), 400, "invalid", ["file"]
        )
        assert_api_error(
            client.post(f"{LOTS}/import", {"file": csv_upload([row()])}), 400, "invalid", ["organization"]
        )


class TestBalances:
    def test_balances_filters(self, users, api_client_for, sending, lot, warehouse, site, gloves):
        put_at(lot, site, 20, users["coordinator"])
        soon = receive(
            users["coordinator"],
            sending,
            warehouse,
            gloves,
            lot_number="SOON",
            expiry_date=timezone.localdate() + datetime.timedelta(days=10),
        )
        client = api_client_for(users["member"])
        body = client.get(BALANCES).json()
        assert [(item["lot"], item["site"]) for item in body["items"]] == [
            (soon.pk, warehouse.pk),
            (lot.pk, warehouse.pk),
            (lot.pk, site.pk),
        ]
        assert client.get(BALANCES, {"site": site.pk}).json()["items"][0]["available"] == 20
        assert client.get(BALANCES, {"item": gloves.code}).json()["count"] == 1
        assert client.get(BALANCES, {"expiring_within_days": 30}).json()["count"] == 1
        assert client.get(BALANCES, {"organization": "bridge-health"}).json()["count"] == 3
        host = api_client_for(users["host_member"]).get(BALANCES).json()
        assert [(item["lot"], item["site"]) for item in host["items"]] == [(lot.pk, site.pk)]
        assert api_client_for(users["outsider"]).get(BALANCES).json()["count"] == 0
        assert_api_error(client.get(BALANCES, {"organization": "nobody"}), 400, "invalid", ["organization"])
