"""Aggregation against hand-computed figures: every disaggregation rule of the Daily Report
(emt-mds.md §4), the checks (§8), the derived indicators (§8.2) and periods (§8.1).

The day below has eight consultations whose every cell was counted by hand:

=====  =========  ===  =================================  ===================================
 #      age group  sex  items ticked                        why it is here
=====  =========  ===  =================================  ===================================
 C1     1 (<1)     1    9, 10, 44, 36                       under-5 cells of a baby
 C2     2 (1–4)    2    9, 25, 28, 45, 39                   restricted 28 under 5; a referral
 C3     3 (5–17)   3    8, 33, 44, 37                       pregnant teenager, a delivery
 C4     4 (18–64)  2    4, 30, 31, 44, 40, 42               two outcomes (a warning)
 C5     5 (≥65)    1    24, 46                              no outcome (informational)
 C6     0 (legacy) 3    9, 34, 44, 45, 36                   band unknown; two relations
 C7     4 (18–64)  1    19, 47, 49, 50, 36                  no relation; protection items
 C8     0 (legacy) 1    35, 44, 38                          band unknown, obstetrics other
=====  =========  ===  =================================  ===================================

C6 and C8 are legacy JPN1.00 consultations ("5 to 64"), recorded with
``record_batch(..., allow_unknown_band=True)`` as the eDATA import does.
"""

from __future__ import annotations

import datetime

import pytest

from medmissions.clinics import aggregation, capture, mds, reports
from medmissions.clinics.aggregation import Figures
from medmissions.clinics.tests.conftest import consultation, days_ago, record
from medmissions.sites.models import Site

pytestmark = pytest.mark.django_db

MODERN = [
    # (age group, sex, items)
    (1, 1, (9, 10, 44, 36)),
    (2, 2, (9, 25, 28, 45, 39)),
    (3, 3, (8, 33, 44, 37)),
    (4, 2, (4, 30, 31, 44, 40, 42)),
    (5, 1, (24, 46)),
    (4, 1, (19, 47, 49, 50, 36)),
]
LEGACY = [
    (0, 3, (9, 34, 44, 45, 36)),
    (0, 1, (35, 44, 38)),
]


@pytest.fixture
def day(users, team, site):
    """The daily report of the eight consultations above, three days ago."""
    lead = users["coordinator"]
    date = days_ago(3)
    for age_group, sex, items in MODERN:
        record(team, lead, site, date, age_group=age_group, sex=sex, items=items)
    capture.record_batch(
        team,
        actor=lead,
        consultations=[
            consultation(site, date, age_group=age_group, sex=sex, items=items)
            for age_group, sex, items in LEGACY
        ],
        allow_unknown_band=True,
    )
    return team.daily_reports.get(date=date)


@pytest.fixture
def figures(day):
    return aggregation.daily_figures(day)


# Disaggregation ------------------------------------------------------------------------------------


def test_the_consultations_are_the_rows(figures):
    assert figures.consultations == 8


def test_items_1_and_2_are_split_into_the_five_age_groups(figures):
    # Male: C1 (<1), C7 (18–64), C5 (≥65), and the legacy C8 in "band unknown".
    assert figures.cells[1] == {"lt1": 1, "1_4": 0, "5_17": 0, "18_64": 1, "65p": 1, "5p_unknown": 1}
    # Female, not pregnant: C2 (1–4), C4 (18–64).
    assert figures.cells[2] == {"lt1": 0, "1_4": 1, "5_17": 0, "18_64": 1, "65p": 0, "5p_unknown": 0}


def test_item_3_has_no_under_five_cells(figures):
    # Pregnant: C3 (5–17) and the legacy C6.
    assert figures.cells[3] == {"5_17": 1, "18_64": 0, "65p": 0, "5p_unknown": 1}
    assert "lt1" not in figures.cells[3] and "1_4" not in figures.cells[3]


def test_items_4_to_32_are_split_under_five_and_five_and_over(figures):
    expected = {
        4: {"u5": 0, "5p": 1},  # C4
        8: {"u5": 0, "5p": 1},  # C3
        9: {"u5": 2, "5p": 1},  # C1, C2 under 5; the legacy C6 is 5 and over
        10: {"u5": 1, "5p": 0},  # C1
        19: {"u5": 0, "5p": 1},  # C7
        24: {"u5": 0, "5p": 1},  # C5
        25: {"u5": 1, "5p": 0},  # C2
        28: {"u5": 1, "5p": 0},  # C2, restricted, still counted
        30: {"u5": 0, "5p": 1},  # C4
        31: {"u5": 0, "5p": 1},  # C4
    }
    for number in range(4, 33):
        assert figures.cells[number] == expected.get(number, {"u5": 0, "5p": 0}), number


def test_items_33_to_35_count_five_and_over_only(figures):
    assert figures.cells[33] == {"5p": 1}  # C3
    assert figures.cells[34] == {"5p": 1}  # legacy C6
    assert figures.cells[35] == {"5p": 1}  # legacy C8


def test_items_36_to_50_are_totals(figures):
    expected = {36: 3, 37: 1, 38: 1, 39: 1, 40: 1, 42: 1, 44: 5, 45: 2, 46: 1, 47: 1, 49: 1, 50: 1}
    for number in range(36, 51):
        assert figures.cells[number] == {"total": expected.get(number, 0)}, number


def test_legacy_band_zero_feeds_the_five_and_over_cells_but_no_single_band(figures):
    totals = figures.age_totals()
    assert totals == {"lt1": 1, "1_4": 1, "5_17": 1, "18_64": 2, "65p": 1, "5p_unknown": 2}
    assert figures.under_five() == 2
    # C6's item 9 and C8's item 35 are in the ≥5 cells although their band is unknown.
    assert figures.cell(9, "5p") == 1 and figures.cell(35, "5p") == 1


def test_the_submitted_version_keeps_exactly_these_cells(users, day, figures):
    version = reports.submit(day, actor=users["coordinator"], warnings_reason="Checked with the clinicians.")
    stored = Figures.from_cells(version.consultations, version.cells)
    assert stored.cells == figures.cells
    assert (stored.relation_not_one, stored.outcomes_many, stored.outcomes_none) == (2, 1, 1)


# Checks ------------------------------------------------------------------------------------------------


def test_row_level_checks_are_counted_in_the_same_pass(figures):
    assert figures.relation_not_one == 2  # C6 has two relations, C7 none
    assert figures.outcomes_many == 1  # C4: admission and death within the facility
    assert figures.outcomes_none == 1  # C5


def test_checks_of_the_day(figures):
    found = {check.code: check for check in aggregation.checks(figures)}
    # Every consultation has one sex code and one age group: the totals agree.
    assert figures.sex_total() == sum(figures.age_totals().values()) == figures.consultations == 8
    assert set(found) == {"relation", "outcomes_many", "outcomes_none"}
    assert found["relation"].severity == "warning" and "2 consultations" in found["relation"].message
    assert found["outcomes_many"].severity == "warning"
    assert found["outcomes_none"].severity == "info"


def test_totals_that_disagree_are_warnings():
    # Tallies typed in by hand can disagree with the consultations; the checks say so.
    figures = Figures.empty()
    figures.consultations = 3
    figures.cells[1]["lt1"] = 2
    found = {check.code: check for check in aggregation.checks(figures)}
    assert set(found) == {"sex_total", "age_total"}
    assert found["sex_total"].severity == found["age_total"].severity == "warning"
    assert "add up to 2" in found["sex_total"].message and "3 consultations" in found["sex_total"].message


def test_a_clean_day_has_no_checks(users, team, site):
    record(team, users["coordinator"], site, days_ago(1), age_group=4, sex=2, items=(9, 44, 36))
    figures = aggregation.daily_figures(team.daily_reports.get())
    assert aggregation.checks(figures) == []


def test_an_empty_day_is_consistent(users, team, site):
    report = reports.open_day(team, actor=users["coordinator"], site=site, date=days_ago(1))
    figures = aggregation.daily_figures(report)
    assert figures.consultations == 0
    assert figures.cells == Figures.empty().cells
    assert aggregation.checks(figures) == []
    assert aggregation.indicators(figures).admission_rate is None


# Indicators ------------------------------------------------------------------------------------------


def test_indicators(figures):
    found = aggregation.indicators(figures)
    assert found.consultations == 8
    assert (found.admissions, found.admission_rate) == (1, 1 / 8)
    assert (found.referrals, found.referral_rate) == (1, 1 / 8)
    assert found.deaths == 1  # no dead on arrival, one death within the facility
    assert found.procedures == 5  # 30, 31, 33, 34, 35
    assert found.protection_cases == 3  # 47, 49, 50 (C7)
    assert found.under_five_share == 2 / 8
    assert found.trauma == 2  # 4 (C4), 8 (C3)
    assert found.infectious == 5  # 9 ×3, 10, 19
    assert found.event_related_share == 5 / 8


# Periods ------------------------------------------------------------------------------------------------


@pytest.fixture
def second_site(host):
    return Site.objects.create(
        name="Namisindwa health centre",
        kind="clinic",
        host_organization=host,
        country="UG",
        town="Namisindwa",
    )


@pytest.fixture
def period_days(users, team, site, second_site):
    """Five days: submitted with patients, submitted without patients, the peak left open, nothing,
    and today with one submitted site and one open site."""
    lead = users["coordinator"]
    # Added directly: responses.update_team locks the team with an outer join PostgreSQL refuses
    # (reported to the core's owner); the team's second site is what matters here.
    team.sites.add(second_site)
    first = record(team, lead, site, days_ago(4)).report
    record(team, lead, site, days_ago(4), age_group=2, sex=1, items=(10, 44, 36))
    reports.set_issues(first, actor=lead, issues={62: {"flagged": True, "comment": "ORS ran out at noon."}})
    reports.submit(first, actor=lead)
    empty = reports.open_day(team, actor=lead, site=site, date=days_ago(3))
    reports.set_issues(
        empty,
        actor=lead,
        issues={
            "62": {"flagged": True, "comment": "Still short of ORS."},
            "56": {"flagged": True, "comment": "Latrines overflowing at the camp."},
        },
    )
    reports.submit(empty, actor=lead)
    for _ in range(3):
        record(team, lead, site, days_ago(2))
    today_site = record(team, lead, site, days_ago(0)).report
    reports.submit(today_site, actor=lead)
    record(team, lead, second_site, days_ago(0))
    return team


def test_a_team_period(period_days):
    period = aggregation.team_period(period_days, days_ago(4), days_ago(0))
    assert period.calendar_days == 5
    # Days with a submitted report: day -4, the empty day -3 and today; day -2 is still open.
    assert period.reporting_dates == {days_ago(4), days_ago(3), days_ago(0)}
    assert period.active_reporting_days == 3
    assert period.missing_days == [days_ago(2), days_ago(1)]
    assert period.completeness == 3 / 5
    assert period.peak_day == (days_ago(2), 3)
    assert period.totals.consultations == 7  # 2 + 0 + 3 + 1 + 1
    assert {date: figures.consultations for date, figures in period.by_date.items()} == {
        days_ago(4): 2,
        days_ago(3): 0,
        days_ago(2): 3,
        days_ago(0): 2,  # both sites
    }
    assert period.totals.cell(9, "5p") == 6  # the default consultation ticks 9 for an adult
    assert period.totals.cell(10, "u5") == 1


def test_issues_over_a_period(period_days):
    period = aggregation.team_period(period_days, days_ago(4), days_ago(0))
    supply = period.issues[62]
    assert supply.days_flagged == 2
    assert supply.dates == [days_ago(4), days_ago(3)]
    assert supply.latest_comment == "Still short of ORS."
    wash = period.issues[56]
    assert (wash.days_flagged, wash.dates, wash.latest_comment) == (
        1,
        [days_ago(3)],
        "Latrines overflowing at the camp.",
    )
    assert all(
        period.issues[number].days_flagged == 0 for number in mds.ISSUE_ITEMS if number not in (56, 62)
    )


def test_a_period_of_submitted_reports_only(period_days):
    period = aggregation.team_period(period_days, days_ago(4), days_ago(0), submitted_only=True)
    assert period.totals.consultations == 3  # day -4 (2) and today's first site (1)
    assert period.peak_day == (days_ago(4), 2)
    assert len(period.days) == 3


def test_an_empty_period(team):
    period = aggregation.team_period(team, days_ago(6), days_ago(5))
    assert (period.calendar_days, period.active_reporting_days, period.peak_day) == (2, 0, None)
    assert period.missing_days == [days_ago(6), days_ago(5)]
    assert isinstance(period.start, datetime.date)
