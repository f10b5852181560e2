"""Permission matrix rows: the allocation optimiser, its runs, allocating by hand and releasing
(loaded by core/tests/test_permission_matrix.py).

World objects, prefixed ``allocation_``:

* ``allocation_warehouse`` — a depot of ``sending`` holding ``allocation_lot`` (200 capsules);
* ``allocation_request`` — a submitted request of ``sending`` for the host's clinic (``site``, in
  the active partnership), 100 capsules, so the host's members see it as the receiving party;
* ``allocation_run`` — the coordinator's proposal for it; ``allocation_allocation`` — 10 capsules
  allocated by hand.

Runs are for the members of the organisation whose stock they allocate; running, accepting,
re-running, discarding, allocating and releasing for its coordinators and admins
(``manage_supplies``). Anyone with ``manage_supplies`` somewhere (the outsider, the host admin) may
open the optimiser for their own stock, but not choose another organisation's.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from django.utils import timezone

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.sites.models import Site
from medmissions.supplies import allocation, services, stock
from medmissions.supplies.models import Item, StockBalance


def _warehouse(world):
    return Site.objects.create(
        name="Bridge Health depot", kind="warehouse", host_organization=world.sending, country="GB"
    )


def _item(world):
    return Item.objects.get(code="amoxicillin-500mg-capsule")


def _lot(world):
    lot, _movement = stock.receive_lot(
        actor=world.coordinator,
        organization=world.sending,
        site=world.allocation_warehouse,
        item=world.allocation_item,
        lot_number="AMX-MATRIX",
        expiry_date=timezone.localdate() + datetime.timedelta(days=900),
        quantity=200,
        source="procured",
        unit_value=Decimal("0.05"),
    )
    return lot


def _request(world):
    request = services.create_request(
        actor=world.coordinator,
        organization=world.sending,
        data={
            "title": "Clinic supplies",
            "destination": world.site,
            "needed_by": timezone.localdate() + datetime.timedelta(days=60),
        },
    )
    services.add_line(request, actor=world.coordinator, item=world.allocation_item, quantity=100)
    return services.submit_request(request, actor=world.coordinator)


def _run(world):
    world.allocation_lot  # noqa: B018 - the stock the run allocates
    return allocation.propose(
        actor=world.coordinator, organization=world.sending, requests=[world.allocation_request]
    )


def _allocation(world):
    return allocation.allocate(
        world.allocation_line,
        world.allocation_lot,
        world.allocation_warehouse,
        actor=world.coordinator,
        quantity=10,
    )


def _balance(world):
    world.allocation_lot  # noqa: B018
    return StockBalance.objects.get(lot=world.allocation_lot, site=world.allocation_warehouse)


WORLD = {
    "allocation_line": lambda world: world.allocation_request.lines.get(),
    "allocation_keep_out": lambda world: f"{world.allocation_lot.pk}:{world.allocation_warehouse.pk}",
    "allocation_list_api_url": lambda world: (
        f"/api/v1/supplies/allocations?request_id={world.allocation_request.pk}"
    ),
    "allocation_warehouse": _warehouse,
    "allocation_item": _item,
    "allocation_lot": _lot,
    "allocation_request": _request,
    "allocation_run": _run,
    "allocation_allocation": _allocation,
    "allocation_balance": _balance,
}

RUN = [Ref("allocation_run.pk")]
LINE = [Ref("allocation_request.pk"), Ref("allocation_line.pk")]
ALLOCATE = {"organization": Ref("sending.pk"), "requests": [Ref("allocation_request.pk")]}

# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "supplies:allocate",                          "200   200   403    403    200      login 200   403"),
    html("POST", "supplies:allocate",                          "302   302   403    403    400      login 400   403",
         data=ALLOCATE),
    html("GET",  "supplies:runs",                              "200   200   200    200    200      login 200   200"),
    html("GET",  "supplies:run",                               "200   200   200    200    404      login 404   404",
         args=RUN),
    html("POST", "supplies:run_accept",                        "302   302   403    403    404      login 404   404",
         args=RUN, data={"quantity_0": 100}),
    html("POST", "supplies:run_rerun",                         "302   302   403    403    404      login 404   404",
         args=RUN, data={"keep_out": Ref("allocation_keep_out")}),
    html("POST", "supplies:run_discard",                       "302   302   403    403    404      login 404   404",
         args=RUN),
    html("GET",  "supplies:allocate_line",                     "200   200   403    403    404      login 200   403",
         args=LINE),
    html("POST", "supplies:allocate_line",                     "302   302   403    403    404      login 400   403",
         args=LINE, data={"balance": Ref("allocation_balance.pk"), "quantity": 5}),
    html("POST", "supplies:allocation_release",                "302   302   403    403    404      login 403   403",
         args=[Ref("allocation_allocation.pk")]),

    # ---- API -------------------------------------------------------------------------------------------
    api("GET",  "/supplies/allocation-runs",                   "200   200   200    200    200      401   200   200"),
    api("POST", "/supplies/allocation-runs",                   "201   201   403    403    404      401   404   404",
        data={"organization": Ref("sending.slug"), "requests": [Ref("allocation_request.pk")]}),
    api("GET",  "/supplies/allocation-runs/{run_id}",          "200   200   200    200    404      401   404   404",
        params={"run_id": Ref("allocation_run.pk")}),
    api("POST", "/supplies/allocation-runs/{run_id}/rerun",    "201   201   403    403    404      401   404   404",
        params={"run_id": Ref("allocation_run.pk")},
        data={"keep_out": [{"lot": Ref("allocation_lot.pk"), "site": Ref("allocation_warehouse.pk")}]}),
    api("POST", "/supplies/allocation-runs/{run_id}/accept",   "200   200   403    403    404      401   404   404",
        params={"run_id": Ref("allocation_run.pk")}, data={}),
    api("POST", "/supplies/allocation-runs/{run_id}/discard",  "200   200   403    403    404      401   404   404",
        params={"run_id": Ref("allocation_run.pk")}, data={}),
    dataclasses.replace(
        api("GET",  "/supplies/allocations",                   "200   200   200    200    404      401   200   200"),
        url_ref=Ref("allocation_list_api_url"),
    ),
    api("POST", "/supplies/allocations",                       "201   201   403    403    404      401   400   400",
        data={"request": Ref("allocation_request.pk"), "line": Ref("allocation_line.pk"),
              "lot": Ref("allocation_lot.pk"), "site": Ref("allocation_warehouse.pk"), "quantity": 5}),
    api("POST", "/supplies/allocations/{allocation_id}/release",
                                                               "200   200   403    403    404      401   403   403",
        params={"allocation_id": Ref("allocation_allocation.pk")}, data={}),
]
# fmt: on
