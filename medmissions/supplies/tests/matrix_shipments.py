"""Permission matrix rows: shipments — the list, starting one, the shipment's page and each step,
cancelling, the two PDFs and the API (loaded by core/tests/test_permission_matrix.py).

World objects (all built through the services):

* ``shipments_warehouse`` — sending's depot, holding ``shipments_medicine_lot`` (capsules donated
  by a donor) and ``shipments_gloves_lot`` (gloves sending bought); ``shipments_stocked_warehouse``
  is the depot once the capsules are in;
* ``shipments_request`` — the host's submitted request for ``site`` (its clinic, which sending sees
  as the host's partner), open to donors; ``shipments_medicine_allocation`` and
  ``shipments_gloves_allocation`` — sending's stock allocated to it;
* ``shipments_empty`` — a shipment from the depot to the clinic, nothing picked yet;
* ``shipments_picking`` — another with both allocations picked (``shipments_picked_item`` is the
  gloves on it); ``shipments_packed`` — the same packed; ``shipments_sent`` — the same sent.

Who may do what: the sender's coordinators and admins pick, pack, send, mark in transit and cancel;
the host's coordinators and admins confirm receipt; every member of the sender and of the host sees
the shipment and its papers; anyone else gets 404.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from medmissions.conftest import make_organization
from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.sites.models import Site
from medmissions.supplies import allocation, services, shipments, stock
from medmissions.supplies.models import Item

ARRIVAL = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()


def _warehouse(world):
    return Site.objects.create(
        name="Bridge Health depot", kind="warehouse", host_organization=world.sending, country="GB"
    )


def _item(code: str, **fields) -> Item:
    return Item.objects.create(code=code, **fields)


def _medicine_lot(world):
    donor = make_organization("Matrix Donor Foundation", "matrix-donor", "US", "supply_donor")
    item = _item(
        "shipments-amoxicillin",
        name="amoxicillin",
        strength="500 mg",
        dosage_form="capsule",
        unit="capsule",
        category="medicine",
        essential_medicine=True,
    )
    lot, _movement = stock.receive_lot(
        actor=world.coordinator,
        organization=world.sending,
        site=world.shipments_warehouse,
        item=item,
        lot_number="AMX-M1",
        expiry_date=timezone.localdate() + datetime.timedelta(days=1000),
        quantity=500,
        source="donated",
        donor=donor,
        unit_value=Decimal("0.05"),
    )
    return lot


def _gloves_lot(world):
    item = _item("shipments-gloves", name="examination gloves", unit="box of 100", category="consumable")
    lot, _movement = stock.receive_lot(
        actor=world.coordinator,
        organization=world.sending,
        site=world.shipments_warehouse,
        item=item,
        lot_number="GLV-M1",
        expiry_date=None,
        quantity=100,
        source="procured",
        unit_value=Decimal("4"),
    )
    return lot


def _request(world):
    host_admin = world.users["host_admin"]
    request = services.create_request(
        actor=host_admin,
        organization=world.host,
        data={
            "title": "Clinic restock",
            "destination": world.site,
            "needed_by": timezone.localdate() + datetime.timedelta(days=50),
            "open_to_donors": True,
        },
    )
    services.add_line(request, actor=host_admin, item=world.shipments_medicine_lot.item, quantity=200)
    services.add_line(request, actor=host_admin, item=world.shipments_gloves_lot.item, quantity=10)
    return services.submit_request(request, actor=host_admin)


def _allocation(world, lot, quantity):
    line = world.shipments_request.lines.get(item=lot.item)
    return allocation.allocate(
        line, lot, world.shipments_warehouse, actor=world.coordinator, quantity=quantity
    )


def _new_shipment(world):
    world.shipments_medicine_allocation  # noqa: B018 - stock received and allocated first
    world.shipments_gloves_allocation  # noqa: B018
    return shipments.create_shipment(
        actor=world.coordinator,
        organization=world.sending,
        origin=world.shipments_warehouse,
        destination=world.site,
        planned_arrival=datetime.date.fromisoformat(ARRIVAL),
    )


def _picking(world):
    shipment = _new_shipment(world)
    shipments.add_allocation(shipment, world.shipments_medicine_allocation, actor=world.coordinator)
    shipments.add_allocation(shipment, world.shipments_gloves_allocation, actor=world.coordinator)
    return shipment


def _item_of(shipment, lot):
    return shipment.items.get(lot=lot)


def _packed(world):
    shipment = world.shipments_picking
    medicine = _item_of(shipment, world.shipments_medicine_lot)
    gloves = _item_of(shipment, world.shipments_gloves_lot)
    return shipments.pack(
        shipment,
        actor=world.coordinator,
        parcels=[
            shipments.ParcelPlan(Decimal("5"), [medicine.pk], "Capsules"),
            shipments.ParcelPlan(Decimal("9"), [gloves.pk], "Gloves"),
        ],
    )


def _sent(world):
    return shipments.send(world.shipments_packed, actor=world.coordinator)


def _pack_form(world):
    shipment = world.shipments_picking
    return {
        "rows": 2,
        "parcel_1_weight_kg": "5",
        "parcel_2_weight_kg": "9",
        f"item_{_item_of(shipment, world.shipments_medicine_lot).pk}": "1",
        f"item_{_item_of(shipment, world.shipments_gloves_lot).pk}": "2",
    }


def _receive_form(world):
    shipment = world.shipments_sent
    return {f"item_{_item_of(shipment, world.shipments_medicine_lot).pk}": 200, "note": "", "received_on": ""}


def _receive_json(world):
    shipment = world.shipments_sent
    return {"quantities": {str(_item_of(shipment, world.shipments_medicine_lot).pk): 200}}


WORLD = {
    "shipments_warehouse": _warehouse,
    "shipments_stocked_warehouse": lambda world: world.shipments_medicine_lot.balances.get().site,
    "shipments_medicine_lot": _medicine_lot,
    "shipments_gloves_lot": _gloves_lot,
    "shipments_request": _request,
    "shipments_medicine_allocation": lambda world: _allocation(world, world.shipments_medicine_lot, 200),
    "shipments_gloves_allocation": lambda world: _allocation(world, world.shipments_gloves_lot, 10),
    "shipments_empty": _new_shipment,
    "shipments_picking": _picking,
    "shipments_picked_item": lambda world: _item_of(world.shipments_picking, world.shipments_gloves_lot),
    "shipments_picking_medicine": lambda world: _item_of(
        world.shipments_picking, world.shipments_medicine_lot
    ),
    "shipments_packed": _packed,
    "shipments_sent": _sent,
    "shipments_pack_form": _pack_form,
    "shipments_receive_form": _receive_form,
    "shipments_receive_json": _receive_json,
}

EMPTY = [Ref("shipments_empty.pk")]
PICKING = [Ref("shipments_picking.pk")]
PICKED_ITEM = [Ref("shipments_picking.pk"), Ref("shipments_picked_item.pk")]
PACKED = [Ref("shipments_packed.pk")]
SENT = [Ref("shipments_sent.pk")]
NEW_SHIPMENT = {
    "organization": Ref("sending.pk"),
    "origin": Ref("shipments_stocked_warehouse.pk"),
    "destination": Ref("site.pk"),
    "planned_arrival": ARRIVAL,
    "carrier": "Kampala Freight",
    "note": "",
    "mission": "",
}
NEW_SHIPMENT_JSON = {
    "organization": "bridge-health",
    "origin": Ref("shipments_stocked_warehouse.pk"),
    "destination": Ref("site.pk"),
    "planned_arrival": ARRIVAL,
    "carrier": "Kampala Freight",
}
ADD_ALLOCATION = {"allocation": Ref("shipments_gloves_allocation.pk")}
SEND = {"sent_on": "", "carrier": "Kampala Freight", "tracking_reference": "KF-1"}
CANCEL = {"reason": "The road to Mbale is closed."}
P_EMPTY = {"shipment_id": Ref("shipments_empty.pk")}
P_PICKING = {"shipment_id": Ref("shipments_picking.pk")}
P_PACKED = {"shipment_id": Ref("shipments_packed.pk")}
P_SENT = {"shipment_id": Ref("shipments_sent.pk")}
PACK_JSON = {
    "parcels": [
        {"weight_kg": "5", "description": "Capsules", "items": [Ref("shipments_picking_medicine.pk")]},
        {"weight_kg": "9", "description": "Gloves", "items": [Ref("shipments_picked_item.pk")]},
    ]
}

# fmt: off
# Columns:                                                   admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    # ---- pages --------------------------------------------------------------------------------------------
    html("GET",  "supplies:shipments",                     "200   200   200    200    200      login 200   200"),
    # Any organisation's coordinators may start shipments of their own stock (the outsider's and the
    # host's form has no stock of sending to offer: posting sending's shipment is invalid for them).
    html("GET",  "supplies:shipment_create",               "200   200   403    403    200      login 200   403"),
    html("POST", "supplies:shipment_create",               "302   302   403    403    400      login 400   403",
         data=NEW_SHIPMENT),
    html("GET",  "supplies:shipment",                      "200   200   200    200    404      login 200   200",
         args=PICKING),
    html("POST", "supplies:shipment_add",                  "302   302   403    403    404      login 403   403",
         args=EMPTY, data=ADD_ALLOCATION),
    html("POST", "supplies:shipment_remove_item",          "302   302   403    403    404      login 403   403",
         args=PICKED_ITEM),
    html("POST", "supplies:shipment_pack",                 "302   302   403    403    404      login 403   403",
         args=PICKING, data=Ref("shipments_pack_form")),
    html("POST", "supplies:shipment_send",                 "302   302   403    403    404      login 403   403",
         args=PACKED, data=SEND),
    html("POST", "supplies:shipment_in_transit",           "302   302   403    403    404      login 403   403",
         args=SENT, data={"tracking_reference": ""}),
    # Receipt is the receiving site's organisation's to confirm.
    html("POST", "supplies:shipment_receive",              "403   403   403    403    404      login 302   403",
         args=SENT, data=Ref("shipments_receive_form")),
    html("GET",  "supplies:shipment_cancel",               "200   200   403    403    404      login 403   403",
         args=PICKING),
    html("POST", "supplies:shipment_cancel",               "302   302   403    403    404      login 403   403",
         args=PICKING, data=CANCEL),
    html("GET",  "supplies:packing_list",                  "200   200   200    200    404      login 200   200",
         args=PACKED),
    html("GET",  "supplies:certificate",                   "200   200   200    200    404      login 200   200",
         args=PACKED),
    # ---- API ----------------------------------------------------------------------------------------------
    api("GET",    "/supplies/shipments",                   "200   200   200    200    200      401   200   200"),
    api("POST",   "/supplies/shipments",                   "201   201   403    403    400      401   400   400",
        data=NEW_SHIPMENT_JSON),
    api("GET",    "/supplies/shipments/{shipment_id}",     "200   200   200    200    404      401   200   200",
        params=P_PICKING),
    api("POST",   "/supplies/shipments/{shipment_id}/items", "201 201   403    403    404      401   403   403",
        params=P_EMPTY, data=ADD_ALLOCATION),
    api("DELETE", "/supplies/shipments/{shipment_id}/items/{item_id}",
                                                           "204   204   403    403    404      401   403   403",
        params={"shipment_id": Ref("shipments_picking.pk"), "item_id": Ref("shipments_picked_item.pk")}),
    api("POST",   "/supplies/shipments/{shipment_id}/pack", "200  200   403    403    404      401   403   403",
        params=P_PICKING, data=PACK_JSON),
    api("POST",   "/supplies/shipments/{shipment_id}/send", "200  200   403    403    404      401   403   403",
        params=P_PACKED, data={"tracking_reference": "KF-2"}),
    api("POST",   "/supplies/shipments/{shipment_id}/in-transit",
                                                           "200   200   403    403    404      401   403   403",
        params=P_SENT, data={}),
    api("POST",   "/supplies/shipments/{shipment_id}/receive",
                                                           "403   403   403    403    404      401   200   403",
        params=P_SENT, data=Ref("shipments_receive_json")),
    api("POST",   "/supplies/shipments/{shipment_id}/cancel",
                                                           "200   200   403    403    404      401   403   403",
        params=P_PICKING, data=CANCEL),
    api("GET",    "/supplies/shipments/{shipment_id}/packing-list.pdf",
                                                           "200   200   200    200    404      401   200   200",
        params=P_PACKED),
    api("GET",    "/supplies/shipments/{shipment_id}/certificate-of-donation.pdf",
                                                           "200   200   200    200    404      401   200   200",
        params=P_PACKED),
]
# fmt: on
