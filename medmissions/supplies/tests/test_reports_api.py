"""API of the reports area: reports, minimum levels and the OpenBoxes CSV exports."""

from __future__ import annotations

import pytest

from medmissions.supplies.models import StockLevel
from medmissions.supplies.tests.reports_support import days, donor_journey, receive, reserve
from medmissions.testing import assert_api_error, put_json

API = "/api/v1/supplies"


@pytest.fixture
def expiring_stock(users, sending, warehouse, amoxicillin):
    coordinator = users["coordinator"]
    soon = receive(coordinator, sending, warehouse, amoxicillin, "AMX-SOON", days(20), 30, unit_value="0.5")
    reserve(coordinator, soon, warehouse, 10)
    receive(coordinator, sending, warehouse, amoxicillin, "AMX-LATER", days(80), 40)
    receive(coordinator, sending, warehouse, amoxicillin, "AMX-FAR", days(200), 50)
    return soon


# --- Reports -----------------------------------------------------------------------------------------


def test_expiring_lists_rows_with_buckets(expiring_stock, users, api_client_for, sending, warehouse):
    response = api_client_for(users["viewer"]).get(f"{API}/reports/expiring")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first = body["items"][0]
    assert (first["bucket"], first["days_left"], first["lot_number"]) == ("within_30", 20, "AMX-SOON")
    assert (first["on_hand"], first["reserved"], first["available"]) == (30, 10, 20)
    assert (first["owner"], first["site"]) == (sending.slug, warehouse.pk)
    assert float(first["value"]) == 15.0
    assert body["items"][1]["bucket"] == "within_90"


def test_expiring_filters_and_refusals(expiring_stock, users, api_client_for, sending, other, site):
    client = api_client_for(users["coordinator"])
    assert client.get(f"{API}/reports/expiring?organization={sending.slug}").json()["count"] == 2
    assert_api_error(client.get(f"{API}/reports/expiring?organization={other.slug}"), 404, "not_found")
    assert_api_error(client.get(f"{API}/reports/expiring?site={site.pk}"), 404, "not_found")
    assert_api_error(client.get(f"{API}/reports/expiring?site=abc"), 400, "invalid", ["site"])
    assert_api_error(api_client_for(None).get(f"{API}/reports/expiring"), 401, "unauthenticated")


def test_alert_counts(expiring_stock, users, api_client_for):
    response = api_client_for(users["member"]).get(f"{API}/reports/alerts")
    assert response.json() == {"expired": 0, "within_30": 1, "within_60": 0, "within_90": 1, "low_stock": 0}


def test_low_stock_lists_levels_below_minimum(
    expiring_stock, users, api_client_for, sending, warehouse, amoxicillin, gloves
):
    low = StockLevel.objects.create(organization=sending, site=warehouse, item=amoxicillin, minimum=200)
    StockLevel.objects.create(organization=sending, site=warehouse, item=gloves, minimum=1)
    client = api_client_for(users["viewer"])
    body = client.get(f"{API}/reports/low-stock").json()
    # 20 + 40 + 50 available (AMX-SOON has 10 reserved), and no gloves at all.
    assert [(item["id"], item["available"], item["shortfall"]) for item in body["items"]] == [
        (low.pk, 110, 90),
        (StockLevel.objects.get(item=gloves).pk, 0, 1),
    ]
    every = client.get(f"{API}/reports/low-stock?all=true").json()
    assert every["count"] == 2


def test_donations_trace_the_donors_lots(
    users, lot, warehouse, site, active_partnership, donor_admin, api_client_for, donor, host
):
    journey = donor_journey(users, lot, warehouse, site, active_partnership)
    response = api_client_for(donor_admin).get(f"{API}/reports/donations?organization={donor.slug}")
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["lot"] == journey.lot.pk and item["origin"] is None
    sites = {flow["site"]: flow for flow in item["sites"]}
    assert (
        sites[warehouse.pk]["received"],
        sites[warehouse.pk]["shipped"],
        sites[warehouse.pk]["on_hand"],
    ) == (
        1000,
        600,
        385,
    )
    assert sites[site.pk]["consumed"] == 100
    assert item["shipments"][0]["reference"] == journey.shipment.reference
    assert item["handovers"][0] | {"last_on": None} == {
        "site": site.pk,
        "recipient": host.slug,
        "mission": journey.mission.pk,
        "mission_title": journey.mission.title,
        "quantity": 400,
        "last_on": None,
    }
    [copy] = item["copies"]
    assert (copy["lot"], copy["origin"], copy["owner"]) == (journey.copy.pk, journey.lot.pk, host.slug)


def test_donations_need_the_donors_membership(lot, users, api_client_for, donor):
    client = api_client_for(users["coordinator"])
    assert_api_error(client.get(f"{API}/reports/donations?organization={donor.slug}"), 404, "not_found")
    assert_api_error(client.get(f"{API}/reports/donations"), 400, "invalid", ["organization"])


def test_site_stock_and_handovers(users, lot, warehouse, site, active_partnership, api_client_for, host):
    journey = donor_journey(users, lot, warehouse, site, active_partnership)
    body = api_client_for(users["host_admin"]).get(f"{API}/reports/sites/{site.pk}").json()
    assert body["host"] == host.slug
    assert [(row["owner"], row["on_hand"]) for row in body["balances"]] == [
        (journey.lot.owner.slug, 100),
        (host.slug, 350),
    ]
    [handover] = body["handovers"]
    assert (handover["quantity"], handover["recipient"], handover["mission"]) == (
        400,
        host.slug,
        journey.mission.pk,
    )
    assert_api_error(
        api_client_for(users["outsider"]).get(f"{API}/reports/sites/{site.pk}"), 404, "not_found"
    )


# --- Minimum levels ------------------------------------------------------------------------------------


def _level(sending, warehouse, item, minimum=25):
    return {"organization": sending.slug, "site": warehouse.pk, "item": item.code, "minimum": minimum}


def test_put_creates_then_changes_a_level(users, api_client_for, sending, warehouse, amoxicillin):
    client = api_client_for(users["coordinator"])
    created = put_json(client, f"{API}/stock-levels", _level(sending, warehouse, amoxicillin))
    assert created.status_code == 201
    assert (created.json()["minimum"], created.json()["available"], created.json()["below"]) == (25, 0, True)
    changed = put_json(client, f"{API}/stock-levels", _level(sending, warehouse, amoxicillin, 40))
    assert changed.status_code == 200
    assert changed.json()["id"] == created.json()["id"] and StockLevel.objects.get().minimum == 40


def test_put_refusals(users, api_client_for, sending, warehouse, site, amoxicillin):
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(
        put_json(coordinator, f"{API}/stock-levels", _level(sending, warehouse, amoxicillin, 0)),
        400,
        "invalid_minimum",
        ["minimum"],
    )
    assert_api_error(
        put_json(
            coordinator, f"{API}/stock-levels", {**_level(sending, warehouse, amoxicillin), "item": "nope"}
        ),
        400,
        "invalid",
        ["item"],
    )
    assert_api_error(
        put_json(coordinator, f"{API}/stock-levels", _level(sending, site, amoxicillin)),
        400,
        "invalid",
        ["site"],
    )
    assert_api_error(
        put_json(coordinator, f"{API}/stock-levels", {"organization": sending.slug}), 400, "invalid", ["site"]
    )
    assert_api_error(
        put_json(
            api_client_for(users["member"]), f"{API}/stock-levels", _level(sending, warehouse, amoxicillin)
        ),
        403,
        "forbidden",
    )
    assert_api_error(
        put_json(
            api_client_for(users["outsider"]), f"{API}/stock-levels", _level(sending, warehouse, amoxicillin)
        ),
        404,
        "not_found",
    )
    assert not StockLevel.objects.exists()


def test_delete_removes_a_level(users, api_client_for, sending, warehouse, amoxicillin):
    level = StockLevel.objects.create(organization=sending, site=warehouse, item=amoxicillin, minimum=5)
    assert_api_error(
        api_client_for(users["viewer"]).delete(f"{API}/stock-levels/{level.pk}"), 403, "forbidden"
    )
    assert_api_error(
        api_client_for(users["host_admin"]).delete(f"{API}/stock-levels/{level.pk}"), 404, "not_found"
    )
    response = api_client_for(users["admin"]).delete(f"{API}/stock-levels/{level.pk}")
    assert response.status_code == 204
    assert not StockLevel.objects.exists()
    assert_api_error(
        api_client_for(users["admin"]).delete(f"{API}/stock-levels/{level.pk}"), 404, "not_found"
    )


# --- Exports -----------------------------------------------------------------------------------------


def test_exports_return_csv(lot, users, api_client_for, sending, warehouse):
    client = api_client_for(users["viewer"])
    products = client.get(f"{API}/exports/openboxes/products.csv")
    assert products.status_code == 200 and products["Content-Type"] == "text/csv; charset=utf-8"
    assert products.content.decode("utf-8-sig").startswith("Id,ProductCode,ProductType,Name")
    lots = client.get(f"{API}/exports/openboxes/lots.csv?organization={sending.slug}")
    assert "AMX-2401,2029-06-30" in lots.content.decode("utf-8-sig")
    stock_file = client.get(
        f"{API}/exports/openboxes/stock.csv?organization={sending.slug}&site={warehouse.pk}"
    )
    assert "AMX-2401,2029-06-30,,,1000" in stock_file.content.decode("utf-8-sig")


def test_export_refusals(lot, users, api_client_for, sending, warehouse, site):
    client = api_client_for(users["viewer"])
    assert_api_error(client.get(f"{API}/exports/openboxes/pallets.csv"), 404, "not_found")
    assert_api_error(client.get(f"{API}/exports/openboxes/lots.csv"), 400, "invalid", ["organization"])
    assert_api_error(
        client.get(f"{API}/exports/openboxes/stock.csv?organization={sending.slug}"), 400, "invalid", ["site"]
    )
    assert_api_error(
        client.get(f"{API}/exports/openboxes/stock.csv?organization={sending.slug}&site={site.pk}"),
        404,
        "not_found",
    )
    outsider = api_client_for(users["outsider"])
    assert_api_error(
        outsider.get(f"{API}/exports/openboxes/lots.csv?organization={sending.slug}"), 404, "not_found"
    )
    assert_api_error(
        api_client_for(None).get(f"{API}/exports/openboxes/products.csv"), 401, "unauthenticated"
    )
