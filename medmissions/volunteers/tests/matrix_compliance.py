"""Permission matrix rows of the compliance area: the report page, its CSV downloads and the API.

The page and the CSV are for the organisation the persona acts for (their only one here), so
outsider and host_admin see their own organisation's report; the API names ``sending`` in the URL,
so non-members get 404. The ``volunteer`` (a member of no organisation) is refused the page (403:
nothing to report on) and gets 404 from the API.
"""

import datetime

from django.utils import timezone

from medmissions.core.tests.test_permission_matrix import Ref, api, html

VOLUNTEER_403 = {"volunteer": 403}
VOLUNTEER_404 = {"volunteer": 404}


def _compliance_organization(world):
    """``sending``, with the volunteer's licence expiring in 20 days and unverified (so it is in
    every section of the report)."""
    credential = world.credential
    credential.expires_on = timezone.localdate() + datetime.timedelta(days=20)
    credential.save(update_fields=["expires_on"])
    return world.sending


WORLD = {"compliance_organization": _compliance_organization}

ORGANIZATION = {"organization_slug": Ref("compliance_organization.slug")}

# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "volunteers:compliance",                      "200   200   403    403    200      login 200   403",
         extra=VOLUNTEER_403),
    html("GET",  "volunteers:compliance_csv",                  "200   200   403    403    200      login 200   403",
         args=["expiring"], variant="expiring", extra=VOLUNTEER_403),
    html("GET",  "volunteers:compliance_csv",                  "200   200   403    403    200      login 200   403",
         args=["awaiting-verification"], variant="awaiting verification", extra=VOLUNTEER_403),
    html("GET",  "volunteers:compliance_csv",                  "200   200   403    403    200      login 200   403",
         args=["missing"], variant="missing", extra=VOLUNTEER_403),
    api("GET",   "/compliance/{organization_slug}/expiring",   "200   200   403    403    404      401   404   404",
        params=ORGANIZATION, extra=VOLUNTEER_404),
    api("GET",   "/compliance/{organization_slug}/awaiting-verification",
                                                               "200   200   403    403    404      401   404   404",
        params=ORGANIZATION, extra=VOLUNTEER_404),
    api("GET",   "/compliance/{organization_slug}/missing",    "200   200   403    403    404      401   404   404",
        params=ORGANIZATION, extra=VOLUNTEER_404),
]
# fmt: on
