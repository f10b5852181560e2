"""Shipment pages through the test client: the list, starting a shipment, the shipment's page and
each step's form, cancelling and the two PDFs."""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal

import pytest
from django.urls import reverse

from medmissions.supplies import shipments
from medmissions.supplies.choices import ShipmentStatus
from medmissions.supplies.models import Shipment, ShipmentItem
from medmissions.supplies.tests.shipments_support import *  # noqa: F403
from medmissions.supplies.tests.shipments_support import balance, days, pdf_text, require_pdf_rendering, today

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"supplies:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def errors(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages if message.level_tag == "error"]


# --- The list ---------------------------------------------------------------------------------------


def test_the_list_shows_outgoing_incoming_and_donated_shipments(
    users, donor_admin, shipment, picked, client_for
):
    for persona in ("coordinator", "viewer", "host_admin", "host_member"):
        response = client_for(users[persona]).get(url("shipments"))
        assert response.status_code == 200
        assert shipment.reference in text(response), persona
    # The donor of the capsules follows them.
    assert shipment.reference in text(client_for(donor_admin).get(url("shipments")))
    assert shipment.reference not in text(client_for(users["outsider"]).get(url("shipments")))
    anonymous = client_for(None).get(url("shipments"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_the_list_filters_by_status_and_direction(users, shipment, packed, donor_admin, client_for):
    coordinator = client_for(users["coordinator"])
    assert shipment.reference in text(coordinator.get(url("shipments"), {"status": "packed"}))
    assert "No shipments match this filter." in text(
        coordinator.get(url("shipments"), {"status": "received"})
    )
    assert shipment.reference in text(coordinator.get(url("shipments"), {"direction": "outgoing"}))
    assert shipment.reference not in text(coordinator.get(url("shipments"), {"direction": "incoming"}))
    host = client_for(users["host_admin"])
    assert shipment.reference in text(host.get(url("shipments"), {"direction": "incoming"}))
    assert shipment.reference not in text(host.get(url("shipments"), {"direction": "outgoing"}))
    assert shipment.reference in text(
        client_for(donor_admin).get(url("shipments"), {"direction": "donations"})
    )


def test_the_list_is_paginated(users, sending, warehouse, clinic, donated_lot, client_for):
    for _number in range(26):
        shipments.create_shipment(
            actor=users["coordinator"],
            organization=sending,
            origin=warehouse,
            destination=clinic,
            planned_arrival=days(9),
        )
    client = client_for(users["coordinator"])
    first, second = client.get(url("shipments")), client.get(url("shipments"), {"page": 2})
    assert "Page 1 of 2" in text(first)
    assert text(first).count("SH-") > text(second).count("SH-") > 0


# --- Starting ---------------------------------------------------------------------------------------


def test_starting_a_shipment(users, sending, warehouse, clinic, donated_lot, client_for):
    client = client_for(users["coordinator"])
    page = client.get(url("shipment_create"))
    assert page.status_code == 200
    assert "Bridge Health depot" in text(page) and "Mbale outpatient clinic" in text(page)
    response = client.post(
        url("shipment_create"),
        {
            "organization": sending.pk,
            "origin": warehouse.pk,
            "destination": clinic.pk,
            "planned_arrival": days(30).isoformat(),
            "carrier": "DHL",
        },
    )
    shipment = Shipment.objects.get()
    assert response.status_code == 302 and response["Location"] == url("shipment", shipment.pk)
    assert (shipment.origin, shipment.destination, shipment.carrier) == (warehouse, clinic, "DHL")


def test_starting_refuses_a_past_arrival_on_the_form(
    users, sending, warehouse, clinic, donated_lot, client_for
):
    response = client_for(users["coordinator"]).post(
        url("shipment_create"),
        {
            "organization": sending.pk,
            "origin": warehouse.pk,
            "destination": clinic.pk,
            "planned_arrival": (today() - datetime.timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "The planned arrival cannot be in the past." in text(response)
    assert not Shipment.objects.exists()


def test_starting_from_a_request_fills_in_the_destination(
    users, host_request, clinic, donated_lot, client_for
):
    page = client_for(users["coordinator"]).get(url("shipment_create"), {"request": host_request.pk})
    assert page.status_code == 200
    assert "For the request “Clinic restock”" in text(page)
    assert f'<option value="{clinic.pk}" selected>' in text(page)
    assert (
        client_for(users["coordinator"]).get(url("shipment_create"), {"request": 999_999}).status_code == 404
    )


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_people_who_cannot_ship_get_403(users, persona, client_for):
    assert client_for(users[persona]).get(url("shipment_create")).status_code == 403


# --- The shipment's page ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "coordinator", "member", "viewer", "host_admin", "host_member"])
def test_the_parties_see_the_shipment(users, shipment, picked, persona, client_for):
    response = client_for(users[persona]).get(url("shipment", shipment.pk))
    assert response.status_code == 200
    page = text(response)
    assert shipment.reference in page and "AMX-2401" in page and "WHO donation checklist" in page
    assert "Clinic restock" in page  # the request each item serves
    picking = "Pick items" in page
    assert picking == (persona in ("admin", "coordinator"))


def test_others_get_404(users, shipment, client_for):
    assert client_for(users["outsider"]).get(url("shipment", shipment.pk)).status_code == 404


def test_the_donor_sees_the_shipment_carrying_its_goods(donor_admin, shipment, picked, client_for):
    assert client_for(donor_admin).get(url("shipment", shipment.pk)).status_code == 200


def test_the_page_lists_open_allocations_and_stock(users, shipment, allocations, client_for):
    page = text(client_for(users["coordinator"]).get(url("shipment", shipment.pk)))
    assert "Allocated to requests delivered here" in page
    assert "600 outstanding" in page and "20 outstanding" in page
    assert "GLV-77 (no expiry) — 180 available" in page
    assert 'data-status="warn"' in page  # nothing picked yet


# --- Picking ----------------------------------------------------------------------------------------


def test_adding_an_allocation_and_a_lot(users, shipment, allocations, gloves_lot, warehouse, client_for):
    client = client_for(users["coordinator"])
    response = client.post(
        url("shipment_add", shipment.pk), {"allocation": allocations["amoxicillin"].pk, "quantity": 100}
    )
    assert response.status_code == 302 and not errors(response)
    response = client.post(
        url("shipment_add", shipment.pk), {"allocation": allocations["gloves"].pk, "quantity": ""}
    )
    assert response.status_code == 302
    balance_row = next(row for row in shipments.pickable_stock(shipment) if row.lot_id == gloves_lot.pk)
    response = client.post(url("shipment_add", shipment.pk), {"balance": balance_row.pk, "quantity": 7})
    assert response.status_code == 302
    assert sorted(shipment.items.values_list("quantity", flat=True)) == [7, 20, 100]
    assert balance(gloves_lot, warehouse) == (200, 27)


def test_adding_too_much_shows_the_reason(users, shipment, allocations, client_for):
    client = client_for(users["coordinator"])
    response = client.post(
        url("shipment_add", shipment.pk), {"allocation": allocations["gloves"].pk, "quantity": 21}
    )
    assert response.status_code == 400
    assert "Between 1 and 20 units of this allocation can still be shipped." in text(response)
    response = client.post(url("shipment_add", shipment.pk), {"allocation": 999_999})
    assert response.status_code == 400
    assert not shipment.items.exists()


def test_picking_is_for_the_senders_coordinators(users, shipment, allocations, client_for):
    for persona in ("member", "viewer", "host_admin"):
        response = client_for(users[persona]).post(
            url("shipment_add", shipment.pk), {"allocation": allocations["gloves"].pk}
        )
        assert response.status_code == 403, persona
    assert client_for(users["outsider"]).post(url("shipment_add", shipment.pk), {}).status_code == 404
    assert not shipment.items.exists()


def test_removing_an_item(users, shipment, picked, client_for):
    medicine, _gloves = picked
    response = client_for(users["coordinator"]).post(url("shipment_remove_item", shipment.pk, medicine.pk))
    assert response.status_code == 302 and not errors(response)
    assert not ShipmentItem.objects.filter(pk=medicine.pk).exists()
    assert (
        client_for(users["coordinator"]).post(url("shipment_remove_item", shipment.pk, 999_999)).status_code
        == 404
    )
    assert (
        client_for(users["member"]).post(url("shipment_remove_item", shipment.pk, picked[1].pk)).status_code
        == 403
    )


def test_removing_after_sending_comes_back_with_the_reason(users, sent, picked, client_for):
    response = client_for(users["coordinator"]).post(url("shipment_remove_item", sent.pk, picked[0].pk))
    assert response.status_code == 302
    assert errors(response) == [f"Shipment {sent.reference} is sent; that cannot be done now."]


# --- Packing ----------------------------------------------------------------------------------------


def test_the_pack_form_works_without_javascript(users, shipment, picked, client_for):
    client = client_for(users["coordinator"])
    page = text(client.get(url("shipment", shipment.pk)))
    # Medicines and gloves cannot share a parcel: two rows are offered.
    assert 'name="rows" value="2"' in page and 'name="parcel_2_weight_kg"' in page
    assert 'name="parcel_3_weight_kg"' not in text(client.get(url("shipment", shipment.pk), {"parcels": 1}))
    medicine, gloves = picked
    response = client.post(
        url("shipment_pack", shipment.pk),
        {
            "rows": 2,
            "parcel_1_weight_kg": "12.5",
            "parcel_1_description": "Capsules",
            "parcel_2_weight_kg": "30",
            f"item_{medicine.pk}": "1",
            f"item_{gloves.pk}": "2",
        },
    )
    assert response.status_code == 302 and not errors(response)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED
    assert list(shipment.parcels.values_list("number", "weight_kg", "description")) == [
        (1, Decimal("12.50"), "Capsules"),
        (2, Decimal("30.00"), ""),
    ]
    page = text(client.get(url("shipment", shipment.pk)))
    assert url("packing_list", shipment.pk) in page and url("certificate", shipment.pk) in page
    assert "Pack again" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"parcel_1_weight_kg": "20", "parcel_2_weight_kg": "", "parcels": (1, 1)},
            "mixes medicines with other supplies",
        ),
        (
            {"parcel_1_weight_kg": "55", "parcel_2_weight_kg": "5", "parcels": (1, 2)},
            "at most 50 kg per carton",
        ),
        ({"parcel_1_weight_kg": "", "parcel_2_weight_kg": "5", "parcels": (1, 2)}, "Weigh the parcel."),
        ({"parcel_1_weight_kg": "5", "parcel_2_weight_kg": "5", "parcels": (2, 2)}, "Parcel 1 has no items"),
        (
            {"parcel_1_weight_kg": "5", "parcel_2_weight_kg": "5", "parcels": ("", 2)},
            "This field is required.",
        ),
    ],
)
def test_packing_mistakes_are_shown_on_the_form(users, shipment, picked, client_for, data, message):
    medicine, gloves = picked
    first, second = data.pop("parcels")
    response = client_for(users["coordinator"]).post(
        url("shipment_pack", shipment.pk),
        {"rows": 2, **data, f"item_{medicine.pk}": first, f"item_{gloves.pk}": second},
    )
    assert response.status_code == 400
    assert message in text(response)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PICKING and not shipment.parcels.exists()


# --- Sending, transit, receipt ----------------------------------------------------------------------


def test_sending_and_marking_in_transit(users, packed, client_for, donated_lot, warehouse):
    client = client_for(users["coordinator"])
    response = client.post(
        url("shipment_send", packed.pk),
        {
            "sent_on": (today() + datetime.timedelta(days=1)).isoformat(),
            "carrier": "DHL",
            "tracking_reference": "",
        },
    )
    assert response.status_code == 400 and "The date sent cannot be in the future." in text(response)
    response = client.post(
        url("shipment_send", packed.pk),
        {"sent_on": today().isoformat(), "carrier": "DHL", "tracking_reference": "T-1"},
    )
    assert response.status_code == 302 and not errors(response)
    assert balance(donated_lot, warehouse) == (400, 0)
    response = client.post(url("shipment_in_transit", packed.pk), {"tracking_reference": ""})
    assert response.status_code == 302
    packed.refresh_from_db()
    assert (packed.status, packed.carrier, packed.tracking_reference) == (
        ShipmentStatus.IN_TRANSIT,
        "DHL",
        "T-1",
    )
    assert client_for(users["host_admin"]).post(url("shipment_in_transit", packed.pk), {}).status_code == 403


def test_the_host_confirms_receipt_in_two_goes(users, sent, picked, client_for, donated_lot, clinic):
    medicine, gloves = picked
    client = client_for(users["host_admin"])
    page = text(client.get(url("shipment", sent.pk)))
    assert "Confirm receipt" in page and f'name="item_{medicine.pk}"' in page
    response = client.post(
        url("shipment_receive", sent.pk),
        {f"item_{medicine.pk}": 300, f"item_{gloves.pk}": 20, "received_on": today().isoformat(), "note": ""},
    )
    assert response.status_code == 302 and not errors(response)
    sent.refresh_from_db()
    assert sent.status == ShipmentStatus.PARTLY_RECEIVED
    # Only what is still expected is asked for now.
    page = text(client.get(url("shipment", sent.pk)))
    assert f'name="item_{gloves.pk}"' not in page and 'max="300"' in page
    response = client.post(
        url("shipment_receive", sent.pk), {f"item_{medicine.pk}": 250, "close": "on", "note": ""}
    )
    assert response.status_code == 400
    assert "50 units did not arrive" in text(response)
    response = client.post(
        url("shipment_receive", sent.pk),
        {f"item_{medicine.pk}": 250, "close": "on", "note": "A box was wet."},
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == ShipmentStatus.RECEIVED and sent.receipt_note == "A box was wet."
    assert balance(donated_lot, clinic) == (550, 0)


def test_receiving_more_than_sent_is_refused_on_the_form(users, sent, picked, client_for):
    response = client_for(users["host_admin"]).post(
        url("shipment_receive", sent.pk), {f"item_{picked[0].pk}": 601}
    )
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 600." in text(response)


@pytest.mark.parametrize("persona", ["coordinator", "admin", "host_member", "viewer"])
def test_only_the_host_receives(users, sent, picked, client_for, persona):
    response = client_for(users[persona]).post(url("shipment_receive", sent.pk), {f"item_{picked[0].pk}": 1})
    assert response.status_code == 403


# --- Cancelling -------------------------------------------------------------------------------------


def test_cancelling_asks_first(users, shipment, picked, client_for):
    client = client_for(users["coordinator"])
    page = client.get(url("shipment_cancel", shipment.pk))
    assert page.status_code == 200 and "Cancel the shipment" in text(page)
    assert client.post(url("shipment_cancel", shipment.pk), {"reason": ""}).status_code == 400
    response = client.post(url("shipment_cancel", shipment.pk), {"reason": "Flights grounded."})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CANCELLED
    assert client.post(url("shipment_cancel", shipment.pk), {"reason": "Again."}).status_code == 409
    assert client_for(users["viewer"]).get(url("shipment_cancel", shipment.pk)).status_code == 403


# --- Documents --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "viewer", "host_member"])
def test_the_pdfs_from_packing_onwards(users, packed, client_for, persona, donor_admin):
    require_pdf_rendering()
    client = client_for(users[persona])
    response = client.get(url("packing_list", packed.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="packing-list-{packed.reference}.pdf"' in response["Content-Disposition"]
    assert "AMX-2401" in pdf_text(response.content)
    certificate = client.get(url("certificate", packed.pk))
    assert certificate.status_code == 200
    assert "Blessed Supplies International" in pdf_text(certificate.content)
    assert client_for(donor_admin).get(url("certificate", packed.pk)).status_code == 200


def test_no_pdfs_before_packing(users, shipment, picked, client_for):
    response = client_for(users["coordinator"]).get(url("packing_list", shipment.pk))
    assert response.status_code == 409
    assert "The shipment’s papers exist once it is packed" in text(response)
    assert client_for(users["outsider"]).get(url("packing_list", shipment.pk)).status_code == 404


def test_no_certificate_without_donations(users, shipment, gloves_lot, client_for):
    item = shipments.add_lot(shipment, gloves_lot, actor=users["coordinator"], quantity=4)
    shipments.pack(
        shipment, actor=users["coordinator"], parcels=[shipments.ParcelPlan(Decimal("2"), [item.pk])]
    )
    client = client_for(users["coordinator"])
    assert "Certificate of donation (PDF)" not in text(client.get(url("shipment", shipment.pk)))
    response = client.get(url("certificate", shipment.pk))
    assert response.status_code == 409 and "carries no donated lots" in text(response)


def test_a_server_without_weasyprint_says_so(users, packed, client_for, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    response = client_for(users["coordinator"]).get(url("packing_list", packed.pk))
    assert response.status_code == 503
    assert "PDF documents are unavailable on this server" in text(response)
