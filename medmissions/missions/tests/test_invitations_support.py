"""Helpers shared by the invitation tests: people of the sending organisation, a recruiting mission
and row counts that must not move when a step is refused."""

from __future__ import annotations

from medmissions.accounts.models import User
from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.missions import services
from medmissions.missions.models import Application, Assignment, Invitation, Mission
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, Person
from medmissions.volunteers.services import get_or_create_own_person


def make_recruiting(mission: Mission, users: dict[str, User]) -> Mission:
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    return services.host_confirm(mission, actor=users["host_admin"])


def person_of(organization, name: str) -> tuple[User, Person]:
    """A signed-up person whose home organisation is ``organization`` (so in the mission's pool)."""
    user = make_user(f"{name.lower().replace(' ', '.')}@example.org", name)
    person = get_or_create_own_person(user)
    Affiliation.objects.create(person=person, organization=organization, kind=AffiliationKind.HOME)
    return user, person


def counts() -> tuple[int, ...]:
    return (
        Invitation.objects.count(),
        Application.objects.count(),
        Assignment.objects.count(),
        AuditEntry.objects.count(),
    )
