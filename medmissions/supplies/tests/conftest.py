"""Fixtures for supplies: a donor, a warehouse of the sending organisation, two catalogue items
and a donated lot received into the warehouse."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from medmissions.conftest import make_organization, make_user
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.sites.models import Site
from medmissions.supplies import services, stock
from medmissions.supplies.models import Item
from medmissions.supplies.tests.allocation_support import NEEDED_BY, receive

TODAY = datetime.date(2027, 1, 15)


@pytest.fixture
def donor(db):
    return make_organization("Blessed Supplies International", "blessed-supplies", "US", "supply_donor")


@pytest.fixture
def donor_admin(donor):
    user = make_user("donor_admin@example.org", "Donor Admin")
    Membership.objects.create(user=user, organization=donor, role=Role.ADMIN)
    return user


@pytest.fixture
def warehouse(sending) -> Site:
    return Site.objects.create(
        name="Bridge Health depot", kind="warehouse", host_organization=sending, country="GB", town="Leeds"
    )


@pytest.fixture
def amoxicillin(db) -> Item:
    return Item.objects.create(
        code="test-amoxicillin-500mg-capsule",
        name="amoxicillin",
        strength="500 mg",
        dosage_form="capsule",
        unit="capsule",
        category="medicine",
        essential_medicine=True,
        unit_weight_grams=Decimal("0.7"),
    )


@pytest.fixture
def gloves(db) -> Item:
    return Item.objects.create(
        code="test-examination-gloves-m",
        name="examination gloves, medium",
        unit="box of 100",
        category="consumable",
    )


@pytest.fixture
def lot(users, sending, warehouse, donor, amoxicillin):
    """1,000 capsules donated by the donor, expiring in 2029, at the sending organisation's depot."""
    received, _movement = stock.receive_lot(
        actor=users["coordinator"],
        organization=sending,
        site=warehouse,
        item=amoxicillin,
        lot_number="AMX-2401",
        expiry_date=datetime.date(2029, 6, 30),
        quantity=1000,
        source="donated",
        donor=donor,
        unit_value=Decimal("0.05"),
        manufacturer="Generic Pharma Ltd",
    )
    return received


@pytest.fixture
def supply_request(users, sending, site, active_partnership, amoxicillin, gloves):
    """Clinic supplies for the host's clinic: 600 capsules and 10 boxes of gloves, high priority."""
    request = services.create_request(
        actor=users["coordinator"],
        organization=sending,
        data={"title": "Clinic supplies, March", "destination": site, "needed_by": NEEDED_BY, "priority": 3},
    )
    services.add_line(request, actor=users["coordinator"], item=amoxicillin, quantity=600)
    services.add_line(request, actor=users["coordinator"], item=gloves, quantity=10)
    return services.submit_request(request, actor=users["coordinator"])


@pytest.fixture
def stocked(users, sending, warehouse, amoxicillin, gloves):
    """Three lots of amoxicillin: one expiring too soon for March 2027 arrivals, one early and
    one late enough; and gloves without expiry."""
    return {
        "too_soon": receive(
            users, sending, warehouse, amoxicillin, "AMX-SOON", datetime.date(2027, 12, 31), 500
        ),
        "early": receive(
            users, sending, warehouse, amoxicillin, "AMX-EARLY", datetime.date(2028, 6, 30), 400
        ),
        "late": receive(users, sending, warehouse, amoxicillin, "AMX-LATE", datetime.date(2029, 6, 30), 1000),
        "gloves": receive(users, sending, warehouse, gloves, "GLV-1", None, 50),
    }
