"""Fixtures for field clinics: a mission in the field, a response coordinated by the host (the
health authority here), the mission's clinic team reporting to it and led by the sending
coordinator, and helpers to record consultations."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from medmissions.clinics import capture, responses
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Mission
from medmissions.missions.tests.conftest import mission, need  # noqa: F401 - fixtures used by name


def today() -> datetime.date:
    return timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


@pytest.fixture
def field_mission(mission):  # noqa: F811 - the imported fixture, by name
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.IN_FIELD)
    mission.refresh_from_db()
    return mission


@pytest.fixture
def response(users, host):
    return responses.create_response(
        actor=users["host_admin"],
        organization=host,
        data={
            "name": "Elgon floods 2026",
            "country": "UG",
            "description": "Floods and landslides around Mount Elgon.",
            "starts_on": days_ago(30),
        },
    )


@pytest.fixture
def team(users, field_mission, response):
    return responses.open_mission_team(
        field_mission,
        actor=users["coordinator"],
        data={"name": "Bridge Health EMT", "response": response, "lead": users["coordinator"]},
    )


def consultation(site, date=None, *, age_group=4, sex=1, items=(9, 44), **extra) -> dict:
    return {
        "site": site.pk,
        "date": date or today(),
        "age_group": age_group,
        "sex": sex,
        "items": list(items),
        **extra,
    }


def record(team, actor, site, date=None, **fields):
    return capture.record_consultation(
        team, actor=actor, data=consultation(site, date, **fields)
    ).consultation
