"""Permission matrix rows: supplies reports, minimum stock levels and the OpenBoxes exports
(loaded by core/tests/test_permission_matrix.py).

World objects, prefixed ``reports_``:

* ``reports_warehouse`` — a depot of ``sending`` holding ``reports_lot`` (100 capsules);
* ``reports_level`` — sending's minimum of the lot's item at the depot (to remove);
* URLs with query strings for the exports and the donations API.

Reports are for members of the organisations concerned, viewers included (everyone with a
membership gets 200 on the pages, for their own organisations). Minimum levels are set and
removed by sending's coordinators and admins: members and viewers get 403; the outsider and the
host's admin, who manage supplies elsewhere, cannot choose sending (400 on the form, 404 in the
API, where the organisation is named by slug); the host's member, who manages nothing, gets 403.
The depot is sending's own site, so its level and its stock are out of sight of the others (404);
the host's clinic (``site``) is seen by both partners.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.sites.models import Site
from medmissions.supplies import stock
from medmissions.supplies.models import Item, StockLevel


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
        site=world.reports_warehouse,
        item=world.reports_item,
        lot_number="AMX-REPORTS",
        expiry_date=timezone.localdate() + datetime.timedelta(days=45),
        quantity=100,
        source="procured",
        unit_value=Decimal("0.05"),
    )
    return lot


def _level(world):
    world.reports_lot  # noqa: B018 - stock for the level to count
    return StockLevel.objects.create(
        organization=world.sending, site=world.reports_warehouse, item=world.reports_item, minimum=500
    )


def _with_query(name: str, **query):
    def build(world):
        values = {
            key: value.resolve(world) if isinstance(value, Ref) else value for key, value in query.items()
        }
        return reverse(name) + "?" + "&".join(f"{key}={value}" for key, value in values.items())

    return build


WORLD = {
    "reports_warehouse": _warehouse,
    "reports_item": _item,
    "reports_lot": _lot,
    "reports_level": _level,
    "reports_lots_url": _with_query("supplies:export_lots", organization=Ref("sending.slug")),
    "reports_stock_url": _with_query(
        "supplies:export_stock", organization=Ref("sending.slug"), site=Ref("site.pk")
    ),
    "reports_donations_api_url": lambda world: (
        f"/api/v1/supplies/reports/donations?organization={world.sending.slug}"
    ),
    "reports_lots_api_url": lambda world: (
        f"/api/v1/supplies/exports/openboxes/lots.csv?organization={world.sending.slug}"
    ),
    "reports_stock_api_url": lambda world: (
        "/api/v1/supplies/exports/openboxes/stock.csv"
        f"?organization={world.sending.slug}&site={world.reports_warehouse.pk}"
    ),
}

LEVEL_FORM = {
    "organization": Ref("sending.slug"),
    "site": Ref("reports_warehouse.pk"),
    "item": "amoxicillin-500mg-capsule",
    "minimum": 50,
}
LEVEL = [Ref("reports_level.pk")]


def _url(row, name: str):
    return dataclasses.replace(row, url_ref=Ref(name))


# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "supplies:expiring",                          "200   200   200    200    200      login 200   200"),
    html("GET",  "supplies:low_stock",                         "200   200   200    200    200      login 200   200"),
    html("GET",  "supplies:stock_level_set",                   "405   405   405    405    405      login 405   405"),
    html("POST", "supplies:stock_level_set",                   "302   302   403    403    400      login 400   403",
         data=LEVEL_FORM),
    html("GET",  "supplies:stock_level_delete",                "200   200   403    403    404      login 404   404",
         args=LEVEL),
    html("POST", "supplies:stock_level_delete",                "302   302   403    403    404      login 404   404",
         args=LEVEL),
    html("GET",  "supplies:donations",                         "200   200   200    200    200      login 200   200"),
    html("GET",  "supplies:site_stock",                        "200   200   200    200    404      login 200   200",
         args=[Ref("site.pk")]),
    html("GET",  "supplies:site_stock",                        "200   200   200    200    404      login 404   404",
         args=[Ref("reports_warehouse.pk")], variant="sending's own depot"),
    html("GET",  "supplies:exports",                           "200   200   200    200    200      login 200   200"),
    html("GET",  "supplies:export_products",                   "200   200   200    200    200      login 200   200"),
    html("GET",  "supplies:export_lots",                       "200   200   200    200    200      login 200   200"),
    html("GET",  "supplies:export_lots",                       "200   200   200    200    404      login 404   404",
         url=Ref("reports_lots_url"), variant="sending's lots"),
    html("GET",  "supplies:export_stock",                      "400   400   400    400    400      login 400   400"),
    html("GET",  "supplies:export_stock",                      "200   200   200    200    404      login 404   404",
         url=Ref("reports_stock_url"), variant="sending's stock at the host's clinic"),

    # ---- API -------------------------------------------------------------------------------------------
    api("GET",  "/supplies/reports/expiring",                  "200   200   200    200    200      401   200   200"),
    api("GET",  "/supplies/reports/alerts",                    "200   200   200    200    200      401   200   200"),
    api("GET",  "/supplies/reports/low-stock",                 "200   200   200    200    200      401   200   200"),
    _url(api("GET", "/supplies/reports/donations",             "200   200   200    200    404      401   404   404"),
         "reports_donations_api_url"),
    api("GET",  "/supplies/reports/sites/{site_id}",           "200   200   200    200    404      401   200   200",
        params={"site_id": Ref("site.pk")}),
    api("PUT",  "/supplies/stock-levels",                      "201   201   403    403    404      401   404   404",
        data=LEVEL_FORM),
    api("DELETE", "/supplies/stock-levels/{level_id}",         "204   204   403    403    404      401   404   404",
        params={"level_id": Ref("reports_level.pk")}),
    api("GET",  "/supplies/exports/openboxes/{kind}.csv",      "200   200   200    200    200      401   200   200",
        params={"kind": "products"}),
    _url(api("GET", "/supplies/exports/openboxes/{kind}.csv",  "200   200   200    200    404      401   404   404",
             variant="sending's lots"), "reports_lots_api_url"),
    _url(api("GET", "/supplies/exports/openboxes/{kind}.csv",  "200   200   200    200    404      401   404   404",
             variant="sending's stock at its depot"), "reports_stock_api_url"),
]
# fmt: on
