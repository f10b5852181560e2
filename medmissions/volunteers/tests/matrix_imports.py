"""Permission-matrix rows of the import and merge pages and API.

World objects (``imports_…``):

* ``imports_csv`` — a fresh upload of a valid CSV with two new people;
* ``imports_token`` — the token of a dry run of that file for ``sending`` (by its admin);
* ``imports_twin`` — an unclaimed person of ``sending`` duplicating ``unclaimed_person``;
* ``imports_merge_url`` — the merge screen for ``unclaimed_person`` (kept) and ``imports_twin``.

HTML pages act for the persona's current organisation (``outsider`` and ``host_admin`` vet
volunteers of their own organisations, so they may use the empty pages); the commit and the merge
name ``sending``'s token or people, which others do not see (404).
"""

from __future__ import annotations

from django.urls import reverse

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, Person

from .test_imports_support import AMINA, AMINA_BLS, PETER, csv_upload

# --------------------------------------------------------------------------------------------
# World objects
# --------------------------------------------------------------------------------------------


def _csv(world):
    return csv_upload([AMINA, AMINA_BLS, PETER])


def _token(world):
    from medmissions.volunteers.imports import dry_run

    analysis = dry_run(world.sending, actor=world.admin, upload=csv_upload([AMINA, AMINA_BLS, PETER]))
    assert analysis.token, analysis.errors
    return analysis.token


def _twin(world):
    world.unclaimed_person  # noqa: B018 - the person it duplicates
    person = Person.objects.create(
        full_name="Joseph Mutua", email="joseph.mutua@example.org", phone="0700 111222"
    )
    Affiliation.objects.create(person=person, organization=world.sending, kind=AffiliationKind.HOME)
    return person


def _merge_url(world):
    return reverse("volunteers:merge") + f"?keep={world.unclaimed_person.pk}&merge={world.imports_twin.pk}"


WORLD = {
    "imports_csv": _csv,
    "imports_token": _token,
    "imports_twin": _twin,
    "imports_merge_url": _merge_url,
}

MERGE_FORM = {"keep": Ref("unclaimed_person.pk"), "merge": Ref("imports_twin.pk"), "take_phone": "merge"}

# fmt: off
# Columns:                                                     admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET", "volunteers:import",                          "200   200   403    403    200      login 200   403"),
    html("POST", "volunteers:import",                         "200   200   403    403    200      login 200   403",
         data={"file": Ref("imports_csv")}, variant="dry run"),
    html("GET", "volunteers:import_template",                 "200   200   403    403    200      login 200   403"),
    html("POST", "volunteers:import_commit",                  "302   302   403    403    404      login 404   404",
         data={"token": Ref("imports_token")}, variant="sending's dry run"),
    html("GET", "volunteers:merge",                           "200   200   403    403    200      login 200   403",
         variant="choose two records"),
    html("GET", "volunteers:merge",                           "200   200   403    403    404      login 404   404",
         url=Ref("imports_merge_url"), variant="two people of sending"),
    html("POST", "volunteers:merge",                          "302   302   403    403    404      login 404   404",
         data=MERGE_FORM, variant="two people of sending"),

    api("POST", "/imports/people/dry-run",                    "200   200   403    403    404      401   404   404",
        data={"file": Ref("imports_csv"), "organization": "bridge-health"}, multipart=True),
    api("POST", "/imports/people/commit",                     "201   201   403    403    404      401   404   404",
        data={"token": Ref("imports_token")}, multipart=True, variant="token of sending's dry run"),
    api("POST", "/imports/people/commit",                     "201   201   403    403    404      401   404   404",
        data={"file": Ref("imports_csv"), "organization": "bridge-health"}, multipart=True,
        variant="file sent again"),
    api("POST", "/imports/merge",                             "200   200   403    403    404      401   404   404",
        data={"organization": "bridge-health", "keep": Ref("unclaimed_person.pk"), "merge": Ref("imports_twin.pk"),
              "fields": {"phone": "merge"}}),
]
# fmt: on
