"""Permission-matrix rows of the stock area (loaded by core/tests/test_permission_matrix.py).

World objects, prefixed ``stock_``:

* ``stock_warehouse`` — a depot of ``sending``;
* ``stock_lot`` — 200 capsules of ``sending`` received there, 100 of which are at the host's
  clinic (``site``, in the active partnership), so the host's members see the lot and its
  balance at their clinic;
* ``stock_expired_lot`` — a lot of ``sending`` that expired yesterday, 20 units at the clinic;
* ``stock_csv`` — a fresh upload of a valid import file (one lot into ``stock_warehouse``);
  ``stock_token`` — the token of its dry run for ``sending`` (by the admin);
* ``stock_today`` — today's date as a form value; ``stock_ledger_url`` — sending's ledger page.

Who may do what: coordinators and admins of the owner (``manage_supplies``) receive, import,
adjust, write off and hand over; members of the owner and of the site's host record use; every
member sees what concerns their organisations (the outsider and the host act for their own
organisations on the receive and import pages). Another organisation's lot, token or ledger
answers 404.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.sites.models import Site
from medmissions.supplies import imports, ledger, stock
from medmissions.supplies.choices import MovementKind
from medmissions.supplies.models import Item

from .stock_support import csv_upload, row


def _warehouse(world):
    return Site.objects.create(
        name="Bridge Health depot", kind="warehouse", host_organization=world.sending, country="GB"
    )


def _receive(world, number: str, quantity: int, **extra):
    lot, _movement = stock.receive_lot(
        actor=world.coordinator,
        organization=world.sending,
        site=world.stock_warehouse,
        item=Item.objects.get(code="amoxicillin-500mg-capsule"),
        lot_number=number,
        quantity=quantity,
        source="procured",
        unit_value=Decimal("0.05"),
        **extra,
    )
    ledger.post(
        MovementKind.RECEIPT_IN,
        organization=world.sending,
        actor=world.coordinator,
        changes=[ledger.Change(lot.pk, world.site.pk, on_hand=quantity // 2)],
    )
    return lot


def _lot(world):
    return _receive(world, "AMX-STOCK", 200, expiry_date=timezone.localdate() + datetime.timedelta(days=900))


def _expired_lot(world):
    today = timezone.localdate()
    return _receive(
        world,
        "AMX-OLD",
        40,
        expiry_date=today - datetime.timedelta(days=1),
        occurred_on=today - datetime.timedelta(days=60),
    )


def _csv(world):
    return csv_upload([row(site=world.stock_warehouse.pk, lot_number="AMX-IMPORT")])


def _token(world):
    analysis = imports.dry_run(world.sending, actor=world.admin, upload=world.stock_csv)
    assert analysis.token, analysis.errors
    return analysis.token


WORLD = {
    "stock_warehouse": _warehouse,
    "stock_lot": _lot,
    "stock_expired_lot": _expired_lot,
    "stock_csv": _csv,
    "stock_token": _token,
    "stock_today": lambda world: timezone.localdate().isoformat(),
    "stock_ledger_url": lambda world: reverse("supplies:ledger") + f"?organization={world.sending.slug}",
}

AT_CLINIC = [Ref("stock_lot.pk"), Ref("site.pk")]
EXPIRED_AT_CLINIC = [Ref("stock_expired_lot.pk"), Ref("site.pk")]
P_LOT = {"lot_id": Ref("stock_lot.pk")}
P_EXPIRED = {"lot_id": Ref("stock_expired_lot.pk")}
RECEIVE_FORM = {
    "site": Ref("site.pk"),
    "item": "amoxicillin-500mg-capsule",
    "lot_number": "AMX-NEW",
    "expiry_date": "2030-06-30",
    "quantity": "50",
    "source": "procured",
    "unit_value": "0.05",
    "currency": "USD",
    "occurred_on": Ref("stock_today"),
}
RECEIVE_IN = {
    "organization": "bridge-health",
    "site": Ref("site.pk"),
    "item": "amoxicillin-500mg-capsule",
    "lot_number": "AMX-NEW",
    "expiry_date": "2030-06-30",
    "quantity": 50,
    "source": "procured",
    "unit_value": "0.05",
}
ONE_USED = {"quantity": "1", "occurred_on": Ref("stock_today")}
ONE_DAMAGED = {"change": "-1", "reason": "damaged", "occurred_on": Ref("stock_today")}

# fmt: off
# Columns:                                                       admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "supplies:home",                               "200   200   200    200    200      login 200   200"),
    html("GET",  "supplies:lots",                               "200   200   200    200    200      login 200   200"),
    # Receiving and importing act for the person's own organisation; the outsider's cannot use
    # a site of the host it has no partnership with (the form answers 400).
    html("GET",  "supplies:receive",                            "200   200   403    403    200      login 200   403"),
    html("POST", "supplies:receive",                            "302   302   403    403    400      login 302   403",
         data=RECEIVE_FORM),
    html("GET",  "supplies:import",                             "200   200   403    403    200      login 200   403"),
    html("POST", "supplies:import",                             "200   200   403    403    200      login 200   403",
         data={"file": Ref("stock_csv")}, variant="dry run"),
    html("POST", "supplies:import",                             "302   302   403    403    404      login 404   404",
         data={"token": Ref("stock_token")}, variant="commit sending's dry run"),
    html("GET",  "supplies:import_template",                    "200   200   200    200    200      login 200   200"),
    html("GET",  "supplies:lot",                                "200   200   200    200    404      login 200   200",
         args=[Ref("stock_lot.pk")]),
    html("GET",  "supplies:consume",                            "200   200   200    403    404      login 200   200",
         args=AT_CLINIC),
    html("POST", "supplies:consume",                            "302   302   302    403    404      login 302   302",
         args=AT_CLINIC, data=ONE_USED),
    html("GET",  "supplies:adjust",                             "200   200   403    403    404      login 403   403",
         args=AT_CLINIC),
    html("POST", "supplies:adjust",                             "302   302   403    403    404      login 403   403",
         args=AT_CLINIC, data=ONE_DAMAGED),
    html("GET",  "supplies:write_off",                          "200   200   403    403    404      login 403   403",
         args=EXPIRED_AT_CLINIC),
    html("POST", "supplies:write_off",                          "302   302   403    403    404      login 403   403",
         args=EXPIRED_AT_CLINIC, data={"note": "Incinerated"}),
    html("GET",  "supplies:hand_over",                          "200   200   403    403    404      login 403   403",
         args=AT_CLINIC),
    html("POST", "supplies:hand_over",                          "302   302   403    403    404      login 403   403",
         args=AT_CLINIC, data=ONE_USED),
    html("GET",  "supplies:ledger",                             "200   200   200    200    200      login 200   200",
         variant="own organisation"),
    html("GET",  "supplies:ledger",                             "200   200   200    200    404      login 404   404",
         url=Ref("stock_ledger_url"), variant="sending's, named"),
    html("GET",  "supplies:ledger_csv",                         "200   200   200    200    200      login 200   200"),

    api("GET",  "/supplies/lots",                               "200   200   200    200    200      401   200   200"),
    api("POST", "/supplies/lots",                               "201   201   403    403    404      401   404   404",
        data=RECEIVE_IN),
    api("POST", "/supplies/lots/import",                        "200   200   403    403    404      401   404   404",
        data={"organization": "bridge-health", "file": Ref("stock_csv")}, multipart=True, variant="dry run"),
    api("POST", "/supplies/lots/import",                        "201   201   403    403    404      401   404   404",
        data={"organization": "bridge-health", "dry_run": "false", "token": Ref("stock_token")}, multipart=True,
        variant="commit sending's dry run"),
    api("GET",  "/supplies/lots/{lot_id}",                      "200   200   200    200    404      401   200   200",
        params=P_LOT),
    api("GET",  "/supplies/lots/{lot_id}/ledger",               "200   200   200    200    404      401   200   200",
        params=P_LOT),
    api("POST", "/supplies/lots/{lot_id}/consume",              "201   201   201    403    404      401   201   201",
        params=P_LOT, data={"site": Ref("site.pk"), "quantity": 1}),
    api("POST", "/supplies/lots/{lot_id}/adjust",               "201   201   403    403    404      401   403   403",
        params=P_LOT, data={"site": Ref("site.pk"), "change": -1, "reason": "damaged"}),
    api("POST", "/supplies/lots/{lot_id}/write-off",            "201   201   403    403    404      401   403   403",
        params=P_EXPIRED, data={"site": Ref("site.pk")}),
    api("POST", "/supplies/lots/{lot_id}/hand-over",            "201   201   403    403    404      401   403   403",
        params=P_LOT, data={"site": Ref("site.pk"), "quantity": 1}),
    api("GET",  "/supplies/balances",                           "200   200   200    200    200      401   200   200"),
]
# fmt: on
