"""Fixtures and helpers for the requests and offers tests.

The world: ``sending`` asks for supplies for the host's clinic (``site``) in their active
partnership; the donor (``donor``, with ``donor_admin`` and ``donor_coordinator``) answers;
``clinic_kit`` holds amoxicillin and gloves. Dates are relative to today: the request is needed
in 60 days, so a medicine offered must expire at least 365 days after that.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.supplies import services
from medmissions.supplies.models import DonationOffer, Kit, KitLine, OfferLine, RequestLine, SupplyRequest

# The fixtures, for test modules to take with ``from …requests_support import *`` (named
# imports of fixtures read as unused to linters); helpers are imported by name.
__all__ = [
    "clinic_kit",
    "donor_coordinator",
    "donor_member",
    "draft",
    "host_need",
    "mission",
    "offer",
    "other_site",
    "submitted",
    "unrequested_offer",
]

MEDICINE_DAYS = 365


def today() -> datetime.date:
    return timezone.localdate()


def in_days(days: int) -> datetime.date:
    return today() + datetime.timedelta(days=days)


NEEDED_IN = 60


def needed_by() -> datetime.date:
    return in_days(NEEDED_IN)


def shortest_medicine_expiry() -> datetime.date:
    """Exactly the minimum shelf life after the date needed: the boundary that still passes."""
    return needed_by() + datetime.timedelta(days=MEDICINE_DAYS)


def state() -> dict[str, Any]:
    """Everything a requests or offers operation may write, to show a refusal changed nothing."""
    return {
        "requests": sorted(
            SupplyRequest.objects.values_list(
                "pk",
                "title",
                "status",
                "needed_by",
                "destination_id",
                "mission_id",
                "need_id",
                "priority",
                "open_to_donors",
                "shorter_shelf_life_days",
                "shelf_life_acknowledged_by",
            )
        ),
        "lines": sorted(RequestLine.objects.values_list("pk", "item_id", "quantity", "kit_id")),
        "offers": sorted(DonationOffer.objects.values_list("pk", "status", "decision_note")),
        "offer_lines": OfferLine.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def request_data(site, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Clinic medicines for the surgical camp",
        "destination": site,
        "needed_by": needed_by(),
        "priority": 3,
        "note": "Outpatients of the May camp.",
    }
    data.update(changes)
    return data


@pytest.fixture
def donor_coordinator(donor):
    user = make_user("donor_coordinator@example.org", "Donor Coordinator")
    Membership.objects.create(user=user, organization=donor, role=Role.COORDINATOR)
    return user


@pytest.fixture
def donor_member(donor):
    user = make_user("donor_member@example.org", "Donor Member")
    Membership.objects.create(user=user, organization=donor, role=Role.MEMBER)
    return user


@pytest.fixture
def clinic_kit(amoxicillin, gloves) -> Kit:
    kit = Kit.objects.create(code="test-clinic-kit", name="Test clinic kit")
    KitLine.objects.create(kit=kit, item=amoxicillin, quantity=100)
    KitLine.objects.create(kit=kit, item=gloves, quantity=2)
    return kit


@pytest.fixture
def draft(users, sending, site, active_partnership) -> SupplyRequest:
    """A draft of sending for the host's clinic, with no lines yet."""
    return services.create_request(actor=users["coordinator"], organization=sending, data=request_data(site))


@pytest.fixture
def submitted(users, sending, site, active_partnership, amoxicillin, gloves) -> SupplyRequest:
    """Another request of sending for the clinic, open to donors: 600 capsules and 10 boxes of
    gloves, submitted (the host's email is queued, and never sent as the test does not commit)."""
    request = services.create_request(
        actor=users["coordinator"], organization=sending, data=request_data(site, open_to_donors=True)
    )
    services.add_line(request, actor=users["coordinator"], item=amoxicillin, quantity=600)
    services.add_line(request, actor=users["coordinator"], item=gloves, quantity=10)
    return services.submit_request(request, actor=users["coordinator"])


@pytest.fixture
def offer(donor, donor_admin, submitted, amoxicillin) -> DonationOffer:
    """The donor offers 500 capsules answering the submitted request."""
    return services.make_offer(
        actor=donor_admin,
        donor=donor,
        request=submitted,
        lines=[(amoxicillin, 500, shortest_medicine_expiry())],
        note="Generic Pharma Ltd, labelled in English.",
    )


@pytest.fixture
def unrequested_offer(donor, donor_admin, sending, gloves) -> DonationOffer:
    """The donor offers gloves to sending without any request."""
    return services.make_offer(actor=donor_admin, donor=donor, recipient=sending, lines=[(gloves, 20, None)])


@pytest.fixture
def other_site(other):
    from medmissions.sites.models import Site

    return Site.objects.create(name="Kisumu clinic", kind="clinic", host_organization=other, country="KE")


def _specialty(slug: str):
    from medmissions.volunteers.models import Specialty

    return Specialty.objects.get(slug=slug)


def make_need(actor, author, site, title: str = "Surgical backlog at Mbale"):
    from medmissions.missions import services as mission_services

    return mission_services.create_need(
        actor=actor,
        author=author,
        site=site,
        data={
            "title": title,
            "description": "Two surgeons to clear the hernia backlog with our team.",
            "earliest_start": in_days(30),
            "latest_end": in_days(120),
        },
        lines=[(_specialty("general-surgery"), 2)],
    )


@pytest.fixture
def host_need(users, host, site, active_partnership):
    """A need the host wrote for its clinic (confirmed at once)."""
    return make_need(users["host_admin"], host, site)


@pytest.fixture
def mission(users, active_partnership, site, host_need):
    """A draft mission of the partnership at the clinic, answering ``host_need``."""
    from medmissions.missions import services as mission_services

    return mission_services.create_mission(
        actor=users["coordinator"],
        partnership=active_partnership,
        site=site,
        data={
            "title": "Mbale surgical camp",
            "starts_on": in_days(40),
            "ends_on": in_days(54),
            "capacity": 6,
            "time_zone": "Africa/Kampala",
        },
        needs=[host_need],
    )
