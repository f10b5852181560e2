"""A day captured end to end through the services: the aggregation of every disaggregation rule
against a hand-computed fixture lives in test_aggregation.py; this checks the pieces fit."""

from medmissions.clinics import aggregation, reports
from medmissions.clinics.tests.conftest import record


def test_a_day_is_recorded_checked_and_submitted(users, team, site):
    lead = users["coordinator"]
    record(team, lead, site, age_group=1, sex=2, items=(9, 44, 36))
    record(team, lead, site, age_group=4, sex=3, items=(33, 44, 40))
    third = record(team, lead, site, age_group=5, sex=1, items=(8, 28, 45, 39))
    report = third.report
    figures = aggregation.daily_figures(report)
    assert figures.consultations == 3
    assert figures.cells[2]["lt1"] == 1
    assert figures.cells[3]["18_64"] == 1
    assert figures.cells[9] == {"u5": 1, "5p": 0}
    assert figures.cells[33] == {"5p": 1}
    assert figures.cells[28] == {"u5": 0, "5p": 1}
    assert figures.cells[39] == {"total": 1}
    version = reports.submit(report, actor=lead)
    assert version.number == 1 and version.consultations == 3
    assert version.cells["cells"]["44"] == {"total": 2}


def test_a_team_without_a_mission_reports_the_day_of_its_response(users, response, site):
    import datetime
    from unittest import mock

    from django.utils import timezone

    from medmissions.clinics import responses

    response = responses.update_response(
        response, actor=users["host_admin"], data={"time_zone": "Pacific/Kiritimati"}
    )
    registered = responses.register_team(
        response,
        actor=users["host_admin"],
        data={"name": "Outside team", "organization_name": "Red Cross"},
        sites=[site],
    )
    late_evening_utc = datetime.datetime(2026, 11, 21, 22, 0, tzinfo=datetime.UTC)
    with mock.patch.object(timezone, "now", return_value=late_evening_utc):
        # Kiritimati is UTC+14: its 22 November has begun.
        assert responses.today_for(registered) == datetime.date(2026, 11, 22)
    with __import__("pytest").raises(Exception) as refused:
        responses.update_response(response, actor=users["host_admin"], data={"time_zone": "Mars/Olympus"})
    assert refused.value.fields == {"time_zone": "Choose a time zone from the list."}


def test_a_batch_numbers_its_consultations_in_order_after_those_already_recorded(users, team, site):
    from medmissions.clinics import capture
    from medmissions.clinics.tests.conftest import consultation, today

    lead = users["coordinator"]
    first = record(team, lead, site)
    prefix = f"S{site.pk}-{today():%y%m%d}-"
    assert first.reference == f"{prefix}001"
    given = f"{prefix}003"  # a device's own number, in the same series
    result = capture.record_batch(
        team,
        actor=lead,
        consultations=[
            consultation(site),
            consultation(site, reference=given),
            consultation(site),
            consultation(site),
        ],
    )
    # Numbers drawn by the server never collide with the device's: they continue after both.
    assert [row["reference"] for row in result.results] == [
        f"{prefix}004",
        given,
        f"{prefix}005",
        f"{prefix}006",
    ]
