"""Fixtures shared by the referral, follow-up and reminder tests, and the tests of the small reading
helpers they lean on.

The world: the mission team of conftest.py (led by ``coordinator``, working at ``site``, hosted by
``host``, which also coordinates the response), one consultation with item 39 and the restricted
item 28 ticked, an urgent referral of its patient to ``site``, and ``tororo``: a Ugandan district
hospital run by ``other``, which is no party to the mission, so its people act only as the
facility (``outsider`` is its admin, ``tororo_nurse`` a member).
"""

from __future__ import annotations

import datetime

import pytest

from medmissions.clinics import follow_ups, referrals
from medmissions.clinics.choices import ReferralUrgency
from medmissions.clinics.tests.conftest import record, today
from medmissions.conftest import make_user
from medmissions.missions import closeout
from medmissions.missions import services as mission_services
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.sites.models import Site

# What the other test modules import (``import *``): the fixtures and helpers, never the tests.
__all__ = [
    "PLAN",
    "REASON",
    "accepted",
    "closing",
    "consultation",
    "follow_up",
    "in_days",
    "lead",
    "referral",
    "to_tororo",
    "tororo",
    "tororo_nurse",
    "unticked",
]

PLAN = {
    "local_lead": "Dr Namono, head of surgery",
    "referral_pathways": "Mbale regional referral hospital, surgical clinic on Tuesdays.",
}
REASON = "Suspected appendicitis: needs a surgical opinion today."


def in_days(days: int) -> datetime.date:
    return today() + datetime.timedelta(days=days)


@pytest.fixture
def lead(users):
    return users["coordinator"]


@pytest.fixture
def consultation(team, lead, site):
    return record(team, lead, site, items=(9, 28, 39, 44), patient_reference="MBL-P-0042")


@pytest.fixture
def unticked(team, lead, site):
    """A consultation without item 39, its daily report still open."""
    return record(team, lead, site, items=(8, 44), patient_reference="MBL-P-0043")


@pytest.fixture
def referral(consultation, lead, site):
    return referrals.refer(
        consultation, actor=lead, facility=site, reason=REASON, urgency=ReferralUrgency.URGENT
    )


@pytest.fixture
def accepted(referral, users):
    return referrals.respond(referral, actor=users["host_member"], accept=True)


@pytest.fixture
def follow_up(accepted, lead, users):
    return follow_ups.add_follow_up(
        accepted,
        actor=lead,
        description="Check the wound and the temperature.",
        assignee=users["host_member"],
        due_on=in_days(7),
    )


@pytest.fixture
def tororo(other):
    return Site.objects.create(
        name="Tororo district hospital", kind="hospital", host_organization=other, country="UG", town="Tororo"
    )


@pytest.fixture
def tororo_nurse(other):
    nurse = make_user("nurse@tororo.example.org", "Nurse Akello")
    Membership.objects.create(user=nurse, organization=other, role=Role.MEMBER)
    return nurse


@pytest.fixture
def to_tororo(team, lead, site, tororo):
    """A routine referral to the hospital of an organisation that is no party to the mission."""
    patient = record(team, lead, site, items=(24, 39, 45), patient_reference="MBL-P-0050")
    return referrals.refer(
        patient,
        actor=lead,
        facility=tororo,
        reason="Needs a medical ward bed.",
        urgency=ReferralUrgency.ROUTINE,
    )


@pytest.fixture
def closing(field_mission, lead):
    """The team's mission, closing, with its handover plan."""
    mission = mission_services.start_closing(field_mission, actor=lead)
    closeout.save_handover_plan(mission, actor=lead, data=PLAN)
    return mission


# The reading helpers ------------------------------------------------------------------------------------


def test_the_patient_label_is_the_pseudonym_or_else_the_consultation_number(team, lead, site):
    named = record(team, lead, site, patient_reference="MBL-P-0099")
    unnamed = record(team, lead, site)
    assert referrals.patient_label(named) == "MBL-P-0099"
    assert referrals.patient_label(unnamed) == unnamed.reference


def test_facilities_are_every_site_in_the_teams_country(team, site, tororo, other):
    nairobi = Site.objects.create(name="Nairobi clinic", kind="clinic", host_organization=other, country="KE")
    facilities = list(referrals.facilities_for(team))
    assert site in facilities and tororo in facilities
    assert nairobi not in facilities


def test_host_staff_are_the_facility_hosts_members_not_its_viewers(site, host, users):
    viewer = make_user("host_viewer@example.org", "Host Viewer")
    Membership.objects.create(user=viewer, organization=host, role=Role.VIEWER)
    assert set(follow_ups.facility_staff(site)) == {users["host_admin"], users["host_member"]}
