"""Shipments API: every endpoint, with its 400/403/404/409 answers."""

from __future__ import annotations

import pytest

from medmissions.supplies.choices import ShipmentStatus
from medmissions.supplies.models import Shipment
from medmissions.supplies.tests.shipments_support import *  # noqa: F403
from medmissions.supplies.tests.shipments_support import balance, days, pdf_text, require_pdf_rendering, today
from medmissions.testing import assert_api_error, post_json

pytestmark = pytest.mark.django_db

API = "/api/v1/supplies/shipments"


def new_shipment(sending, warehouse, clinic, **changes):
    return {
        "organization": sending.slug,
        "origin": warehouse.pk,
        "destination": clinic.pk,
        "planned_arrival": days(30).isoformat(),
        "carrier": "DHL",
        **changes,
    }


def test_start_a_shipment(users, sending, warehouse, clinic, donated_lot, api_client_for):
    response = post_json(api_client_for(users["coordinator"]), API, new_shipment(sending, warehouse, clinic))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "picking" and body["reference"].startswith(f"SH-{today().year}-")
    assert (body["origin"], body["destination"], body["receiving_organization"]) == (
        warehouse.pk,
        clinic.pk,
        "mbale-hospital",
    )
    assert body["items"] == [] and body["parcels"] == []
    assert {check["key"]: check["status"] for check in body["checklist"]}["packing_list"] == "warn"
    assert body["actions"] == ["add", "cancel"] and body["documents"] is False


def test_starting_errors(users, sending, other, warehouse, clinic, donated_lot, api_client_for):
    client = api_client_for(users["coordinator"])
    assert_api_error(
        post_json(client, API, new_shipment(sending, warehouse, clinic, organization="unrelated-clinic")),
        400,
        fields=["organization"],
    )
    assert_api_error(
        post_json(client, API, new_shipment(sending, warehouse, clinic, destination=999_999)),
        400,
        fields=["destination"],
    )
    assert_api_error(
        post_json(client, API, new_shipment(sending, warehouse, clinic, planned_arrival="2001-01-01")),
        400,
        fields=["planned_arrival"],
    )
    assert_api_error(
        post_json(client, API, new_shipment(sending, warehouse, clinic, mission=999_999)),
        400,
        fields=["mission"],
    )
    assert_api_error(post_json(client, API, {"organization": sending.slug}), 400)
    member = api_client_for(users["member"])
    assert_api_error(post_json(member, API, new_shipment(sending, warehouse, clinic)), 403)
    assert not Shipment.objects.exists()


def test_list_and_filters(users, shipment, packed, donor_admin, api_client_for):
    coordinator = api_client_for(users["coordinator"])
    body = coordinator.get(API).json()
    assert [row["reference"] for row in body["items"]] == [shipment.reference] and body["count"] == 1
    assert coordinator.get(API, {"status": "received"}).json()["count"] == 0
    assert coordinator.get(API, {"direction": "incoming"}).json()["count"] == 0
    assert api_client_for(users["host_member"]).get(API, {"direction": "incoming"}).json()["count"] == 1
    assert api_client_for(donor_admin).get(API, {"direction": "donations"}).json()["count"] == 1
    assert api_client_for(users["outsider"]).get(API).json()["count"] == 0
    assert_api_error(coordinator.get(API, {"status": "lost"}), 400, fields=["status"])
    assert_api_error(coordinator.get(API, {"direction": "sideways"}), 400, fields=["direction"])
    assert api_client_for(None).get(API).status_code == 401


def test_read_a_shipment(users, packed, picked, api_client_for):
    response = api_client_for(users["host_member"]).get(f"{API}/{packed.pk}")
    assert response.status_code == 200
    body = response.json()
    medicine, gloves = picked
    items = {item["id"]: item for item in body["items"]}
    assert (
        items[medicine.pk]["lot_number"] == "AMX-2401" and items[medicine.pk]["donor"] == "blessed-supplies"
    )
    assert items[medicine.pk]["request"] == medicine.allocation.line.request_id
    assert items[gloves.pk]["parcel"] == 2 and items[gloves.pk]["expiry_date"] is None
    assert body["parcels"] == [
        {"number": 1, "weight_kg": "12.50", "description": "Amoxicillin, keep dry", "items": [medicine.pk]},
        {"number": 2, "weight_kg": "30.00", "description": "Gloves", "items": [gloves.pk]},
    ]
    assert [check["status"] for check in body["checklist"]] == ["pass"] * 7
    assert body["checklist"][2] | {"details": []} == {
        "key": "shelf_life",
        "label": "Shelf life left on arrival",
        "article": 6,
        "status": "pass",
        "details": [],
    }
    assert body["actions"] == [] and body["documents"] is True
    assert_api_error(api_client_for(users["outsider"]).get(f"{API}/{packed.pk}"), 404)


def test_add_items(users, shipment, allocations, gloves_lot, warehouse, api_client_for):
    client = api_client_for(users["coordinator"])
    response = post_json(client, f"{API}/{shipment.pk}/items", {"allocation": allocations["amoxicillin"].pk})
    assert response.status_code == 201, response.content
    assert (
        response.json()["quantity"] == 600 and response.json()["allocation"] == allocations["amoxicillin"].pk
    )
    response = post_json(client, f"{API}/{shipment.pk}/items", {"lot": gloves_lot.pk, "quantity": 12})
    assert response.status_code == 201
    assert (response.json()["allocation"], response.json()["quantity"]) == (None, 12)
    assert balance(gloves_lot, warehouse) == (200, 32)


def test_add_item_errors(users, shipment, allocations, gloves_lot, api_client_for):
    client = api_client_for(users["coordinator"])
    address = f"{API}/{shipment.pk}/items"
    assert_api_error(post_json(client, address, {}), 400, fields=["allocation", "lot"])
    assert_api_error(post_json(client, address, {"lot": gloves_lot.pk}), 400, fields=["quantity"])
    assert_api_error(
        post_json(client, address, {"lot": gloves_lot.pk, "quantity": 10_000}), 400, "insufficient_stock"
    )
    assert_api_error(
        post_json(client, address, {"allocation": allocations["gloves"].pk, "quantity": 21}),
        400,
        fields=["quantity"],
    )
    assert_api_error(post_json(client, address, {"allocation": 999_999}), 404)
    assert_api_error(post_json(client, address, {"lot": 999_999, "quantity": 1}), 404)
    assert_api_error(
        post_json(api_client_for(users["member"]), address, {"lot": gloves_lot.pk, "quantity": 1}), 403
    )
    assert_api_error(
        post_json(api_client_for(users["host_admin"]), address, {"allocation": allocations["gloves"].pk}), 403
    )
    assert_api_error(
        post_json(api_client_for(users["outsider"]), address, {"lot": gloves_lot.pk, "quantity": 1}), 404
    )
    assert not shipment.items.exists()


def test_remove_an_item(users, shipment, picked, api_client_for):
    medicine, gloves = picked
    address = f"{API}/{shipment.pk}/items/{medicine.pk}"
    assert_api_error(api_client_for(users["viewer"]).delete(address), 403)
    assert api_client_for(users["coordinator"]).delete(address).status_code == 204
    assert_api_error(api_client_for(users["coordinator"]).delete(address), 404)
    assert list(shipment.items.values_list("pk", flat=True)) == [gloves.pk]


def test_pack(users, shipment, picked, api_client_for):
    medicine, gloves = picked
    client = api_client_for(users["coordinator"])
    address = f"{API}/{shipment.pk}/pack"
    mixed = {"parcels": [{"weight_kg": "20", "items": [medicine.pk, gloves.pk]}]}
    assert_api_error(post_json(client, address, mixed), 400, "mixed_parcel")
    assert_api_error(
        post_json(client, address, {"parcels": [{"weight_kg": "0", "items": [medicine.pk]}]}), 400
    )
    assert_api_error(
        post_json(client, address, {"parcels": [{"weight_kg": "3", "items": [medicine.pk]}]}),
        400,
        "unpacked_items",
    )
    good = {
        "parcels": [
            {"weight_kg": "12.5", "description": "Capsules", "items": [medicine.pk]},
            {"weight_kg": 30, "items": [gloves.pk]},
        ]
    }
    assert_api_error(post_json(api_client_for(users["host_admin"]), address, good), 403)
    response = post_json(client, address, good)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "packed" and [parcel["number"] for parcel in body["parcels"]] == [1, 2]
    assert body["actions"] == ["cancel", "pack", "remove", "send"]


def test_send_in_transit_and_receive(users, packed, picked, donated_lot, clinic, api_client_for):
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(post_json(coordinator, f"{API}/{packed.pk}/in-transit", {}), 409, "wrong_status")
    assert_api_error(
        post_json(coordinator, f"{API}/{packed.pk}/send", {"sent_on": days(3).isoformat()}),
        400,
        fields=["sent_on"],
    )
    response = post_json(
        coordinator, f"{API}/{packed.pk}/send", {"carrier": "DHL", "tracking_reference": "T-7"}
    )
    assert response.status_code == 200 and response.json()["status"] == "sent"
    assert response.json()["sent_on"] == today().isoformat()
    response = post_json(coordinator, f"{API}/{packed.pk}/in-transit", {"tracking_reference": "T-8"})
    assert response.json()["status"] == "in_transit" and response.json()["tracking_reference"] == "T-8"

    medicine, gloves = picked
    host = api_client_for(users["host_admin"])
    address = f"{API}/{packed.pk}/receive"
    assert_api_error(post_json(coordinator, address, {"quantities": {str(medicine.pk): 1}}), 403)
    assert_api_error(
        post_json(api_client_for(users["host_member"]), address, {"quantities": {str(medicine.pk): 1}}), 403
    )
    assert_api_error(
        post_json(host, address, {"quantities": {str(medicine.pk): 601}}), 400, "too_many_received"
    )
    assert_api_error(post_json(host, address, {"quantities": {}}), 400, "nothing_received")
    response = post_json(host, address, {"quantities": {str(medicine.pk): 500, str(gloves.pk): 20}})
    assert response.status_code == 200 and response.json()["status"] == "partly_received"
    assert_api_error(post_json(host, address, {"quantities": {}, "close": True}), 400, fields=["note"])
    response = post_json(
        host, address, {"quantities": {str(medicine.pk): 90}, "close": True, "note": "Ten lost."}
    )
    body = response.json()
    assert (body["status"], body["receipt_note"]) == ("received", "Ten lost.")
    assert {item["id"]: item["received_quantity"] for item in body["items"]} == {
        medicine.pk: 590,
        gloves.pk: 20,
    }
    assert balance(donated_lot, clinic) == (590, 0)
    assert_api_error(post_json(host, address, {"quantities": {str(medicine.pk): 1}}), 409)


def test_cancel(users, shipment, picked, api_client_for):
    address = f"{API}/{shipment.pk}/cancel"
    assert_api_error(post_json(api_client_for(users["member"]), address, {"reason": "No."}), 403)
    assert_api_error(
        post_json(api_client_for(users["coordinator"]), address, {"reason": " "}), 400, fields=["reason"]
    )
    response = post_json(api_client_for(users["coordinator"]), address, {"reason": "Postponed."})
    assert response.json()["status"] == ShipmentStatus.CANCELLED
    assert_api_error(post_json(api_client_for(users["coordinator"]), address, {"reason": "Again."}), 409)


def test_documents(users, shipment, picked, api_client_for):
    client = api_client_for(users["host_member"])
    assert_api_error(client.get(f"{API}/{shipment.pk}/packing-list.pdf"), 409, "not_packed")
    from medmissions.supplies.tests.shipments_support import pack

    pack(shipment, picked, users["coordinator"])
    require_pdf_rendering()
    response = client.get(f"{API}/{shipment.pk}/packing-list.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "GLV-77" in pdf_text(response.content)
    response = client.get(f"{API}/{shipment.pk}/certificate-of-donation.pdf")
    assert response.status_code == 200 and "Total declared value (USD)" in pdf_text(response.content)
    assert_api_error(api_client_for(users["outsider"]).get(f"{API}/{shipment.pk}/packing-list.pdf"), 404)


def test_a_server_without_weasyprint_answers_503(users, packed, api_client_for, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)
    assert_api_error(
        api_client_for(users["coordinator"]).get(f"{API}/{packed.pk}/packing-list.pdf"),
        503,
        "pdf_unavailable",
    )
