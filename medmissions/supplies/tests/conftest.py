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
from medmissions.supplies import stock
from medmissions.supplies.models import Item

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
