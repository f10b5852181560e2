"""Permission-matrix rows of the catalogue area (loaded by core/tests/test_permission_matrix.py).

The catalogue (items and kits) is open to everyone signed in; the rows name a seeded item and a
seeded kit, so they need no world objects of their own.
"""

from __future__ import annotations

from medmissions.core.tests.test_permission_matrix import api, html

ITEM = ["amoxicillin-500mg-capsule"]
KIT = ["primary-care-clinic-kit"]

# fmt: off
# Columns:                                                 admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET", "supplies:catalogue",                     "200   200   200    200    200      login 200   200"),
    html("GET", "supplies:item",                          "200   200   200    200    200      login 200   200",
         args=ITEM),
    html("GET", "supplies:kit",                           "200   200   200    200    200      login 200   200",
         args=KIT),

    api("GET", "/supplies/items",                         "200   200   200    200    200      401   200   200"),
    api("GET", "/supplies/items/{code}",                  "200   200   200    200    200      401   200   200",
        params={"code": ITEM[0]}),
    api("GET", "/supplies/kits",                          "200   200   200    200    200      401   200   200"),
    api("GET", "/supplies/kits/{code}",                   "200   200   200    200    200      401   200   200",
        params={"code": KIT[0]}),
]
# fmt: on
