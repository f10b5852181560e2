"""Fixtures for missions: a host-confirmed need at the host's site, and a draft mission answering it."""

from __future__ import annotations

import datetime

import pytest

from medmissions.missions import services
from medmissions.volunteers.models import Specialty

START = datetime.date(2027, 5, 3)
END = datetime.date(2027, 5, 17)


def specialty(slug: str) -> Specialty:
    return Specialty.objects.get(slug=slug)


@pytest.fixture
def need(users, host, site):
    return services.create_need(
        actor=users["host_admin"],
        author=host,
        site=site,
        data={
            "title": "Surgical backlog at Mbale",
            "description": "Two surgeons and an anaesthetist to clear the hernia backlog with our team.",
            "national_plan_reference": "Uganda Health Sector Development Plan, surgery pillar",
            "earliest_start": datetime.date(2027, 4, 1),
            "latest_end": datetime.date(2027, 6, 30),
        },
        lines=[(specialty("general-surgery"), 2), (specialty("anaesthesia"), 1)],
    )


@pytest.fixture
def mission(users, active_partnership, site, need):
    return services.create_mission(
        actor=users["coordinator"],
        partnership=active_partnership,
        site=site,
        data={
            "title": "Mbale surgical camp, May 2027",
            "starts_on": START,
            "ends_on": END,
            "capacity": 6,
            "time_zone": "Africa/Kampala",
        },
        needs=[need],
    )


@pytest.fixture
def role(users, mission):
    return services.add_role(
        mission,
        actor=users["coordinator"],
        data={
            "title": "General surgeon",
            "specialty": specialty("surgery"),
            "people_needed": 2,
            "scope_of_practice": "Elective hernia repair alongside Mbale surgeons; no paediatric cases.",
        },
    )
