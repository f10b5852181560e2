"""Helpers shared by the team tests (test_team_*.py): a recruiting mission and people on its team.

Plain functions rather than fixtures, so each test module states the fixtures it builds on.
"""

from __future__ import annotations

from medmissions.conftest import make_user
from medmissions.missions import applications, services
from medmissions.missions.models import Assignment, Mission, Role
from medmissions.volunteers.models import Person

from .conftest import specialty


def make_recruiting(mission: Mission, users) -> Mission:
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    return services.host_confirm(mission, actor=users["host_admin"])


def volunteer(name: str, *, trainee: bool = False, language: str = "en"):
    """A signed-in volunteer with their own profile."""
    user = make_user(f"{name.lower()}@example.org", name, language=language)
    Person.objects.create(
        user=user,
        full_name=name,
        email=user.email,
        profession=specialty("medicine"),
        is_trainee=trainee,
    )
    return user


def assign(role: Role, user, users) -> Assignment:
    """Apply and be accepted: the way people join a team."""
    application = applications.apply(role, actor=user, motivation="I would like to serve.")
    return applications.accept(application, actor=users["coordinator"])
