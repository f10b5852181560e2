"""Helpers for the close-out tests (no tests here): a volunteer on the conftest's mission, moving
the mission through the lifecycle directly (its way there is tested in test_lifecycle.py), and a
handover plan."""

from __future__ import annotations

import datetime

from medmissions.conftest import make_user
from medmissions.missions import closeout
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Assignment, HandoverPlan, Mission, Role
from medmissions.volunteers.models import Person

from .conftest import END, START

PLAN = {
    "local_lead": "Dr Namono, head of surgery",
    "referral_pathways": "Mbale RRH surgical clinic on Tuesdays; complications to the ward on call.",
    "medicines_left": "Ceftriaxone 1 g × 40, expiry 2028-03",
    "equipment_left": "Two hernia sets",
}
FOLLOW_UP = {
    "description": "Review wound healing of the camp's hernia patients (list ref. MBL-27-05).",
    "assignee": "Sister Achola, surgical ward",
    "due_on": datetime.date(2027, 6, 1),
}
EVALUATION = {
    "what_went_well": "Joint lists with Mbale surgeons; 48 repairs.",
    "what_to_change": "Start the referral briefing on day one.",
    "overall_score": 4,
}
# START to END is 15 days: at most 360 hours.
MAX_HOURS = 24 * ((END - START).days + 1)


def make_volunteer(full_name: str, email: str) -> Person:
    user = make_user(email, full_name)
    return Person.objects.create(user=user, full_name=full_name, email=email)


def assign(mission: Mission, role: Role, person: Person) -> Assignment:
    return Assignment.objects.create(mission=mission, role=role, person=person, starts_on=START, ends_on=END)


def move_to(mission: Mission, status: str) -> Mission:
    Mission.objects.filter(pk=mission.pk).update(status=status)
    return Mission.objects.get(pk=mission.pk)


def with_plan(mission: Mission, actor) -> HandoverPlan:
    """A handover plan written while the mission closes; the mission is left closing."""
    if mission.status not in closeout.PLAN_STATUSES:
        move_to(mission, MissionStatus.CLOSING)
    return closeout.save_handover_plan(mission, actor=actor, data=PLAN)
