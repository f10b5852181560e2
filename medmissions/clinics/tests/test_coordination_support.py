"""Fixtures shared by the coordination, responses and home tests.

The clock is frozen at 09:00 UTC on 15 June 2026 (noon in Kampala, where the mission's team
works), so "today" is the same day for the tests, the server and the team.

The coordination world (``coordination``), on top of conftest.py's response (coordinated by
``host``) and mission team (led by ``coordinator``, working at ``site``, in the Mbale district):

* ``red_cross`` — a team the coordination cell registered, working at ``kapchorwa`` (a site of
  host in the Kapchorwa district); host_admin submits its reports;
* item 19 is labelled "Cholera" in the response;
* two days ago (D-2): the mission team reports 3 consultations, the Red Cross team 2;
* yesterday (D-1): the mission team reports 2 (the report is then re-opened for a correction);
  the Red Cross team reports nothing;
* today (D): the mission team reports 1; the Red Cross team has recorded 1 but not submitted.

Hand-computed figures for D-2..D (submitted reports only; the Red Cross team's open report of
today is not counted): 8 consultations — 5, 2 and 1 by day; 6 in Mbale, 2 in Kapchorwa; referrals
(item 39) 2, 0, 1; deaths (41 + 42) 2, 0, 0; one admission; conditions: item 9 ×3, item 10 ×2,
Cholera (19) ×2, items 8 and 27 ×1.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import get_resolver
from freezegun import freeze_time

from medmissions.clinics import reports, responses
from medmissions.clinics.models import DailyReport, Team
from medmissions.clinics.tests.conftest import days_ago, record, today
from medmissions.sites.models import Site

__all__ = ["Coordination", "coordination", "frozen_clock", "kapchorwa", "red_cross"]

FROZEN_AT = "2026-06-15 09:00:00"


@pytest.fixture(autouse=True)
def frozen_clock():
    # The URLs and the API's schemas are built before the clock stops: pydantic cannot build a
    # schema for freezegun's stand-in datetime class.
    get_resolver().url_patterns  # noqa: B018 - imports every URL module, the API included
    with freeze_time(FROZEN_AT):
        yield


@pytest.fixture
def kapchorwa(host) -> Site:
    return Site.objects.create(
        name="Kapchorwa health centre IV",
        kind="clinic",
        host_organization=host,
        country="UG",
        town="Kapchorwa",
        admin_level_1="Eastern",
        admin_level_2="Kapchorwa",
    )


@pytest.fixture
def red_cross(users, response, kapchorwa) -> Team:
    return responses.register_team(
        response,
        actor=users["host_admin"],
        data={
            "name": "Uganda Red Cross EMT",
            "organization_name": "Uganda Red Cross",
            "contact_phone": "+256 772 000 111",
        },
        sites=[kapchorwa],
    )


@dataclass
class Coordination:
    mission_team: Team
    red_cross: Team
    site: Site
    kapchorwa: Site
    corrected: DailyReport  # the mission team's report of D-1, being corrected
    open_today: DailyReport  # the Red Cross team's report of today, not submitted


@pytest.fixture
def coordination(users, response, team, site, red_cross, kapchorwa) -> Coordination:
    Site.objects.filter(pk=site.pk).update(admin_level_1="Eastern", admin_level_2="Mbale")
    site.refresh_from_db()
    host_admin, lead, nurse = users["host_admin"], users["coordinator"], users["host_member"]
    responses.set_item_labels(
        response, actor=host_admin, labels={19: {"label": "Cholera", "icd_code": "A00", "active": True}}
    )

    # Two days ago.
    record(team, lead, site, days_ago(2), age_group=4, sex=1, items=(9, 44, 36, 32))
    record(team, lead, site, days_ago(2), age_group=1, sex=2, items=(9, 10, 44, 39))
    report = record(team, lead, site, days_ago(2), age_group=5, sex=1, items=(8, 45, 41)).report
    reports.set_issues(report, actor=lead, issues={62: {"flagged": True, "comment": "Waiting for ORS."}})
    reports.submit(report, actor=lead)
    record(red_cross, nurse, kapchorwa, days_ago(2), age_group=4, sex=1, items=(19, 44, 39, 48))
    report = record(red_cross, nurse, kapchorwa, days_ago(2), age_group=2, sex=2, items=(19, 44, 42)).report
    reports.submit(report, actor=host_admin)

    # Yesterday.
    record(team, lead, site, days_ago(1), age_group=3, sex=3, items=(27, 44, 40))
    corrected = record(team, lead, site, days_ago(1), age_group=4, sex=2, items=(9, 46, 36)).report
    reports.set_issues(corrected, actor=lead, issues={62: {"flagged": True, "comment": "Short of ORS."}})
    reports.submit(corrected, actor=lead)
    reports.start_correction(corrected, actor=lead)

    # Today.
    report = record(team, lead, site, today(), age_group=2, sex=1, items=(10, 44, 39)).report
    reports.submit(report, actor=lead)
    open_today = record(red_cross, nurse, kapchorwa, today(), age_group=4, sex=2, items=(9, 44, 36)).report

    corrected.refresh_from_db()
    return Coordination(team, red_cross, site, kapchorwa, corrected, open_today)
