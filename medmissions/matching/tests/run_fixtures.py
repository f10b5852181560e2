"""Fixtures for optimisation runs, shared by the services, pages and API tests: a recruiting
mission with a two-place surgeon role and a one-place anaesthetist role, four ready people of the
sending organisation and the date frozen before the licence lead times."""

from __future__ import annotations

import datetime

import pytest
from django.urls import get_resolver
from freezegun import freeze_time

from medmissions.missions import services as mission_services
from medmissions.missions.models import Mission, Role
from medmissions.volunteers.models import CountryRequirement, CredentialType, Person

from .conftest import END, START, add_credential, make_person, specialty

TODAY = datetime.date(2027, 1, 11)

__all__ = [
    "END",
    "START",
    "TODAY",
    "anaesthetist_role",
    "frozen_today",
    "people",
    "ready_person",
    "recruiting",
    "second_mission",
    "uganda_rules",
]


@pytest.fixture(autouse=True)
def frozen_today():
    """Today is TODAY, before the licence lead times. The URLs (and with them the API's schemas,
    which must see the real datetime class) are loaded before the clock is frozen."""
    get_resolver().url_patterns  # noqa: B018 - imports every view and API module
    with freeze_time("2027-01-11 09:00:00"):
        yield


@pytest.fixture(autouse=True)
def uganda_rules(db):
    """One rule: clinicians need a verified Ugandan temporary licence, 60 days ahead."""
    CountryRequirement.objects.filter(country="UG").delete()
    CountryRequirement.objects.create(
        country="UG",
        specialty=specialty("medicine"),
        credential_type=CredentialType.objects.get(slug="host-temporary-licence"),
        lead_time_days=60,
    )


@pytest.fixture
def ready_person(sending):
    """A person of the sending organisation with a verified Ugandan licence."""

    def make(name: str, **fields) -> Person:
        fields.setdefault("organizations", (sending,))
        person = make_person(name, **fields)
        add_credential(person, "host-temporary-licence", country="UG", verified_by=sending)
        return person

    return make


@pytest.fixture
def anaesthetist_role(users, mission):
    return mission_services.add_role(
        mission,
        actor=users["coordinator"],
        data={
            "title": "Anaesthetist",
            "specialty": specialty("anaesthesia"),
            "people_needed": 1,
            "scope_of_practice": "Anaesthesia for elective surgery.",
        },
    )


@pytest.fixture
def recruiting(mission, role, anaesthetist_role, users) -> Mission:
    mission_services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    return mission_services.host_confirm(mission, actor=users["host_admin"])


@pytest.fixture
def people(recruiting, ready_person) -> dict[str, Person]:
    """Three surgeons of different experience and one anaesthetist, all ready."""
    return {
        "senior": ready_person("Ada Senior", years_of_experience=20, proficiency=4),
        "middle": ready_person("Ben Middle", years_of_experience=10),
        "junior": ready_person("Cai Junior", years_of_experience=2),
        "anaesthetist": ready_person("Dee Anaesthetist", specialty_slug="anaesthesia", years_of_experience=5),
    }


@pytest.fixture
def second_mission(recruiting, users, active_partnership, site, need) -> Mission:
    """Another recruiting mission on overlapping dates, with one surgeon place."""
    other = mission_services.create_mission(
        actor=users["coordinator"],
        partnership=active_partnership,
        site=site,
        data={
            "title": "Mbale follow-up camp",
            "starts_on": START + datetime.timedelta(days=3),
            "ends_on": END + datetime.timedelta(days=3),
            "capacity": 2,
            "time_zone": "Africa/Kampala",
        },
        needs=[need],
    )
    mission_services.add_role(
        other,
        actor=users["coordinator"],
        data={
            "title": "Surgeon",
            "specialty": specialty("surgery"),
            "people_needed": 1,
            "scope_of_practice": "Reviews and re-operations.",
        },
    )
    mission_services.submit_for_host_confirmation(other, actor=users["coordinator"])
    return mission_services.host_confirm(other, actor=users["host_admin"])


def role_of(mission: Mission, title: str) -> Role:
    return mission.roles.get(title=title)
