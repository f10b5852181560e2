"""Fixtures of the partnership tests, on top of the shared personas in medmissions/conftest.py."""

from __future__ import annotations

import datetime

import pytest

from medmissions.conftest import make_organization, make_user
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.partnerships import health, services
from medmissions.partnerships.choices import PartyRole, Principle


@pytest.fixture
def second_host(db):
    """A second host organisation with its own admin (``second_host.admin``)."""
    organization = make_organization("Soroti Regional Hospital", "soroti-hospital", "UG", "hospital")
    admin = make_user("second_host_admin@example.org", "Second Host Admin")
    Membership.objects.create(user=admin, organization=organization, role=Role.ADMIN)
    organization.admin = admin
    return organization


@pytest.fixture
def two_host_partnership(users, sending, host, second_host):
    return services.propose_partnership(
        actor=users["coordinator"],
        proposer=sending,
        data={"title": "Eastern Uganda surgery", "shared_goals": "Safer surgery in two hospitals."},
        parties=[(sending, PartyRole.SENDING), (host, PartyRole.HOST), (second_host, PartyRole.HOST)],
    )


@pytest.fixture
def paused_partnership(active_partnership, users):
    return services.change_status(
        active_partnership, actor=users["coordinator"], transition="pause", reason="Rainy season."
    )


@pytest.fixture
def closed_partnership(active_partnership, users):
    return services.change_status(
        active_partnership, actor=users["coordinator"], transition="close", reason="Funding ended."
    )


@pytest.fixture
def public_partnership(users, sending, host):
    partnership = services.propose_partnership(
        actor=users["coordinator"],
        proposer=sending,
        data={
            "title": "Open cataract programme",
            "shared_goals": "Cataract surgery camps, reported openly.",
            "is_public": True,
            "start_date": datetime.date(2026, 1, 1),
        },
        parties=[(sending, PartyRole.SENDING), (host, PartyRole.HOST)],
    )
    return services.confirm_partnership(partnership, actor=users["host_admin"])


@pytest.fixture
def open_check(active_partnership, users):
    return health.open_health_check(active_partnership, actor=users["coordinator"])


@pytest.fixture
def score_all():
    """``score_all(check, organization, actor, scores)`` scores every principle (an int or a dict)."""

    def run(check, organization, actor, scores=4):
        for principle in Principle:
            value = scores.get(principle.value, 4) if isinstance(scores, dict) else scores
            health.score_principle(
                check,
                actor=actor,
                organization=organization,
                principle=principle.value,
                score=value,
                evidence=f"Evidence for principle {principle.value}.",
            )

    return run
