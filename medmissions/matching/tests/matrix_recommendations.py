"""Permission matrix rows: partner recommendations (loaded by core/tests/test_permission_matrix.py).

* A need's recommended partners are for whoever may open the need's page: members (any role) of
  its host, of the organisation that wrote it and of the host's active partners. ``missions_need``
  (missions/tests/matrix_world.py) is the host's need; sending is its active partner, so all of
  sending's roles see it; the outsider gets 404.
* An organisation's recommended needs are for its members (any role); everyone else gets 404.

No role is too low for either (both are reads open to every member), so no row expects 403.
"""

from __future__ import annotations

from medmissions.core.tests.test_permission_matrix import Ref, api, html

NEED = [Ref("missions_need.pk")]

# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "matching:need_partners",                      "200   200   200    200    404      login 200   200",
         args=NEED),
    html("GET",  "matching:organization_needs",                 "200   200   200    200    404      login 404   404",
         args=[Ref("sending.slug")], variant="sending's"),
    html("GET",  "matching:organization_needs",                 "404   404   404    404    404      login 200   200",
         args=[Ref("host.slug")], variant="host's"),
    api("GET",   "/matching/needs/{need_id}/partners",          "200   200   200    200    404      401   200   200",
        params={"need_id": Ref("missions_need.pk")}),
    api("GET",   "/matching/organizations/{slug}/needs",        "200   200   200    200    404      401   404   404",
        params={"slug": Ref("sending.slug")}, variant="sending's"),
    api("GET",   "/matching/organizations/{slug}/needs",        "404   404   404    404    404      401   200   200",
        params={"slug": Ref("host.slug")}, variant="host's"),
]
# fmt: on
