"""Objects of the missions app for the permission matrix (rows in ``matrix_*.py`` of this folder).

All live in the active partnership of ``sending`` (coordinator plans) and ``host`` (host_admin
confirms), at ``site``:

* ``missions_need`` — a need the host wrote (confirmed); ``missions_proposed_need`` — one that
  sending proposed and the host has not confirmed yet;
* ``missions_draft`` — a draft mission answering ``missions_need``, with ``missions_draft_role``;
  ``missions_awaiting`` — another mission, sent to the host;
* ``missions_recruiting`` — a host-confirmed, recruiting mission with ``missions_role`` (two
  general surgeons); ``missions_application`` — the ``volunteer`` persona's application to it;
  ``missions_assignment`` — that application accepted;
* ``missions_closing`` — a mission in close-out where the volunteer served (``missions_closing_assignment``).

The ``volunteer`` persona (volunteers/tests/matrix_world.py) is a general surgeon whose home
organisation is ``sending``; outsider, anonymous and the ministry see none of these missions
(except recruiting ones, which every signed-in person may discover).
"""

from __future__ import annotations

import datetime

from medmissions.missions import applications, services
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Assignment, Mission, Role
from medmissions.volunteers.models import Specialty

START = datetime.date(2027, 5, 3)
END = datetime.date(2027, 5, 17)


def _specialty(slug: str) -> Specialty:
    return Specialty.objects.get(slug=slug)


def _need(world):
    return services.create_need(
        actor=world.users["host_admin"],
        author=world.host,
        site=world.site,
        data={
            "title": "Surgical backlog at Mbale",
            "description": "Two surgeons to clear the hernia backlog with our team.",
            "earliest_start": datetime.date(2027, 4, 1),
            "latest_end": datetime.date(2027, 6, 30),
        },
        lines=[(_specialty("general-surgery"), 2)],
    )


def _proposed_need(world):
    return services.create_need(
        actor=world.coordinator,
        author=world.sending,
        site=world.site,
        data={
            "title": "Anaesthesia training",
            "description": "Proposed by the sending team; the host has not confirmed it yet.",
            "earliest_start": datetime.date(2027, 7, 1),
            "latest_end": datetime.date(2027, 8, 31),
        },
        lines=[(_specialty("anaesthesia"), 1)],
    )


def _mission(world, title: str) -> Mission:
    return services.create_mission(
        actor=world.coordinator,
        partnership=world.active,
        site=world.site,
        data={
            "title": title,
            "starts_on": START,
            "ends_on": END,
            "capacity": 6,
            "time_zone": "Africa/Kampala",
        },
        needs=[world.missions_need],
    )


def _add_role(world, mission: Mission, title: str = "General surgeon") -> Role:
    return services.add_role(
        mission,
        actor=world.coordinator,
        data={
            "title": title,
            "specialty": _specialty("surgery"),
            "people_needed": 2,
            "scope_of_practice": "Elective hernia repair alongside Mbale surgeons.",
        },
    )


def _draft(world):
    return _mission(world, "Mbale surgical camp (draft)")


def _draft_role(world):
    return _add_role(world, world.missions_draft)


def _awaiting(world):
    mission = _mission(world, "Mbale surgical camp (awaiting the host)")
    _add_role(world, mission)
    return services.submit_for_host_confirmation(mission, actor=world.coordinator)


def _recruiting(world):
    mission = _mission(world, "Mbale surgical camp, May 2027")
    world.__dict__["missions_role"] = _add_role(world, mission)
    services.submit_for_host_confirmation(mission, actor=world.coordinator)
    return services.host_confirm(mission, actor=world.users["host_admin"])


def _role(world):
    world.missions_recruiting  # noqa: B018 - creating the mission creates its role
    return world.__dict__["missions_role"]


def _application(world):
    return applications.apply(
        world.missions_role,
        actor=world.volunteer_person.user,
        motivation="I have led hernia camps in Tororo twice.",
    )


def _assignment(world):
    return applications.accept(world.missions_application, actor=world.coordinator)


def _closing(world):
    """A mission in close-out, built directly: its way there is tested in test_lifecycle.py."""
    mission = Mission.objects.create(
        partnership=world.active,
        site=world.site,
        title="Mbale surgical camp, January 2027",
        starts_on=datetime.date(2027, 1, 4),
        ends_on=datetime.date(2027, 1, 15),
        time_zone="Africa/Kampala",
        capacity=4,
        status=MissionStatus.CLOSING,
        host_confirmed_by=world.users["host_admin"],
    )
    mission.needs.set([world.missions_need])
    role = Role.objects.create(
        mission=mission,
        title="General surgeon",
        specialty=_specialty("surgery"),
        people_needed=2,
        scope_of_practice="Elective hernia repair alongside Mbale surgeons.",
    )
    world.__dict__["missions_closing_assignment"] = Assignment.objects.create(
        mission=mission,
        role=role,
        person=world.volunteer_person,
        starts_on=mission.starts_on,
        ends_on=mission.ends_on,
    )
    return mission


def _closing_assignment(world):
    world.missions_closing  # noqa: B018 - creating the mission creates the assignment
    return world.__dict__["missions_closing_assignment"]


WORLD = {
    "missions_need": _need,
    "missions_proposed_need": _proposed_need,
    "missions_draft": _draft,
    "missions_draft_role": _draft_role,
    "missions_awaiting": _awaiting,
    "missions_recruiting": _recruiting,
    "missions_role": _role,
    "missions_application": _application,
    "missions_assignment": _assignment,
    "missions_closing": _closing,
    "missions_closing_assignment": _closing_assignment,
}
