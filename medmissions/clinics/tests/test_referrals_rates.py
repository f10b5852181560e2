"""Referral completion rates: completed out of every referral except cancelled ones, per team, per
mission and per partnership."""

from __future__ import annotations

import pytest

from medmissions.clinics import follow_ups, referrals
from medmissions.clinics.choices import ReferralStatus
from medmissions.clinics.models import Referral
from medmissions.clinics.tests.conftest import record
from medmissions.clinics.tests.test_referrals_support import *  # noqa: F403
from medmissions.clinics.tests.test_referrals_support import REASON, in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(team, lead, site, users):
    """Five referrals of the team: completed, declined, lost, still sent, cancelled."""
    nurse = users["host_member"]
    made = []
    for number in range(5):
        patient = record(team, lead, site, items=(9, 39, 44), patient_reference=f"MBL-R-{number}")
        made.append(referrals.refer(patient, actor=lead, facility=site, reason=REASON))
    completed, declined, lost, _sent, cancelled = made
    referrals.respond(completed, actor=nurse, accept=True)
    referrals.close(
        completed, actor=nurse, status=ReferralStatus.COMPLETED, outcome="Treated and discharged."
    )
    referrals.respond(declined, actor=nurse, accept=False, note="No beds.")
    referrals.close(lost, actor=nurse, status=ReferralStatus.LOST, outcome="Never arrived.")
    referrals.close(cancelled, actor=lead, status=ReferralStatus.CANCELLED, outcome="Stayed home.")
    return made


def test_the_rate_leaves_cancelled_referrals_out(five):
    rate = referrals.completion_rate(Referral.objects.all())
    assert (rate.completed, rate.open, rate.declined, rate.lost, rate.cancelled) == (1, 1, 1, 1, 1)
    assert (rate.counted, rate.total, rate.rate, rate.percent) == (4, 5, 0.25, 25)


def test_no_referrals_no_rate(db):
    rate = referrals.completion_rate(Referral.objects.all())
    assert (rate.counted, rate.rate, rate.percent) == (0, None, None)


def test_rates_of_a_mission_its_partnership_and_per_team(five, team, field_mission):
    assert referrals.mission_completion_rate(field_mission).percent == 25
    assert referrals.partnership_completion_rate(field_mission.partnership).counted == 4
    assert referrals.completion_rates_by_team(Referral.objects.all()) == {
        team.pk: referrals.mission_completion_rate(field_mission)
    }


def test_a_mission_without_a_clinic_team_has_no_rate(mission):
    assert referrals.mission_completion_rate(mission).rate is None


def test_follow_ups_do_not_count_their_referral_twice(five, team, lead, users):
    completed = five[0]
    for days in (1, 2, 3):
        follow_ups.add_follow_up(
            completed, actor=lead, description="Review.", assignee=users["host_member"], due_on=in_days(days)
        )
    visible = Referral.objects.visible_to(users["host_member"])
    assert referrals.completion_rates_by_team(visible)[team.pk] == referrals.completion_rate(visible)
    assert referrals.completion_rate(visible).counted == 4
