"""The ledger's invariants: balances always equal the sum of the ledger and never go negative.

The property-based test plays random sequences of movements (valid and invalid) against
``ledger.post`` and checks, after every step, the balances against a model kept in Python and
against the ledger summed by the database.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from medmissions.conftest import make_organization, make_user
from medmissions.core.errors import ValidationFailed
from medmissions.sites.models import Site
from medmissions.supplies import ledger
from medmissions.supplies.choices import MovementKind
from medmissions.supplies.models import Item, LedgerEntry, Lot, StockBalance, StockTransaction

KINDS = [
    MovementKind.RECEIPT,
    MovementKind.RESERVATION,
    MovementKind.RELEASE,
    MovementKind.SHIPMENT_OUT,
    MovementKind.RECEIPT_IN,
    MovementKind.CONSUMPTION,
    MovementKind.ADJUSTMENT,
    MovementKind.EXPIRY_WRITE_OFF,
]


def _signed(kind: str, quantity: int, reserved_part: int) -> tuple[int, int]:
    """A change with the signs the kind allows (quantities may still exceed what is there)."""
    if kind in (MovementKind.RECEIPT, MovementKind.RECEIPT_IN):
        return quantity, 0
    if kind == MovementKind.RESERVATION:
        return 0, quantity
    if kind == MovementKind.RELEASE:
        return 0, -quantity
    if kind == MovementKind.ADJUSTMENT and reserved_part % 2:
        return quantity, 0
    return -quantity, -min(reserved_part, quantity)


movement = st.tuples(
    st.sampled_from(KINDS),
    st.integers(min_value=0, max_value=2),  # lot
    st.integers(min_value=0, max_value=1),  # site
    st.integers(min_value=1, max_value=40),  # quantity
    st.integers(min_value=0, max_value=40),  # part of an outgoing quantity that was reserved
)


class LedgerProperties(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.organization = make_organization("Ledger NGO", "ledger-ngo", "GB")
        cls.actor = make_user("ledger@example.org", "Ledger Keeper")
        cls.sites = [
            Site.objects.create(
                name=f"Store {n}", kind="warehouse", host_organization=cls.organization, country="GB"
            )
            for n in range(2)
        ]
        item = Item.objects.create(
            code="test-ors",
            name="oral rehydration salts",
            strength="20.5 g/l",
            dosage_form="oral_powder",
            unit="sachet",
            category="medicine",
        )
        cls.lots = [
            Lot.objects.create(
                item=item,
                lot_number=f"ORS-{n}",
                expiry_date=datetime.date(2030, 1, 1),
                owner=cls.organization,
                source="procured",
                unit_value=Decimal("0.10"),
            )
            for n in range(3)
        ]

    def _balances(self) -> dict[tuple[int, int], tuple[int, int]]:
        return {
            (row.lot_id, row.site_id): (row.on_hand, row.reserved)
            for row in StockBalance.objects.all()
            if row.on_hand or row.reserved
        }

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.lists(movement, min_size=1, max_size=3), min_size=1, max_size=25))
    def test_any_sequence_keeps_balances_equal_to_the_ledger_and_never_negative(self, transactions):
        expected: dict[tuple[int, int], list[int]] = {}
        for lines in transactions:
            kind = lines[0][0]
            changes = []
            for _kind, lot_index, site_index, quantity, reserved_part in lines:
                on_hand, reserved = _signed(kind, quantity, reserved_part)
                changes.append(
                    ledger.Change(self.lots[lot_index].pk, self.sites[site_index].pk, on_hand, reserved)
                )

            trial = {key: list(value) for key, value in expected.items()}
            for change in changes:
                totals = trial.setdefault((change.lot_id, change.site_id), [0, 0])
                totals[0] += change.on_hand
                totals[1] += change.reserved
            acceptable = all(0 <= reserved <= on_hand for on_hand, reserved in trial.values())

            entries_before = LedgerEntry.objects.count()
            try:
                ledger.post(
                    kind,
                    organization=self.organization,
                    actor=self.actor,
                    changes=changes,
                    reason="recounted" if kind == MovementKind.ADJUSTMENT else "",
                )
            except ValidationFailed as error:
                assert not acceptable, error.message
                assert error.code == "insufficient_stock"
                assert LedgerEntry.objects.count() == entries_before
            else:
                assert acceptable
                expected = trial

            balances = self._balances()
            assert balances == {key: tuple(value) for key, value in expected.items() if value != [0, 0]}
            assert all(0 <= reserved <= on_hand for on_hand, reserved in balances.values())
            assert ledger.mismatched_balances() == []


pytestmark = pytest.mark.django_db


def test_post_refuses_a_sign_the_kind_does_not_allow(users, sending, warehouse, lot):
    with pytest.raises(ValidationFailed) as raised:
        ledger.post(
            MovementKind.CONSUMPTION,
            organization=sending,
            actor=users["coordinator"],
            changes=[ledger.Change(lot.pk, warehouse.pk, on_hand=5)],
        )
    assert raised.value.code == "invalid_movement"


def test_post_needs_a_line(users, sending):
    with pytest.raises(ValidationFailed) as raised:
        ledger.post(MovementKind.RECEIPT, organization=sending, actor=users["coordinator"], changes=[])
    assert raised.value.code == "empty_movement"


def test_shortfall_names_the_lot_the_site_and_the_quantities(users, sending, warehouse, lot):
    ledger.post(
        MovementKind.RESERVATION,
        organization=sending,
        actor=users["coordinator"],
        changes=[ledger.Change(lot.pk, warehouse.pk, reserved=900)],
    )
    with pytest.raises(ValidationFailed) as raised:
        ledger.post(
            MovementKind.CONSUMPTION,
            organization=sending,
            actor=users["coordinator"],
            changes=[ledger.Change(lot.pk, warehouse.pk, on_hand=-150)],
        )
    assert raised.value.message == (
        f"Only 100 of lot {lot} are available at Bridge Health depot (900 more are reserved); this movement needs 150."
    )
    balance = StockBalance.objects.get(lot=lot, site=warehouse)
    assert (balance.on_hand, balance.reserved) == (1000, 900)
    assert StockTransaction.objects.filter(kind=MovementKind.CONSUMPTION).count() == 0


def test_shortfall_at_a_site_without_the_lot(users, sending, lot, site):
    with pytest.raises(ValidationFailed) as raised:
        ledger.post(
            MovementKind.CONSUMPTION,
            organization=sending,
            actor=users["coordinator"],
            changes=[ledger.Change(lot.pk, site.pk, on_hand=-1)],
        )
    assert raised.value.message == f"There is no stock of lot {lot} at Mbale outpatient clinic."


def test_one_transaction_may_move_several_lots_and_all_or_nothing(
    users, sending, warehouse, site, lot, amoxicillin
):
    other = Lot.objects.create(
        item=amoxicillin,
        lot_number="AMX-9",
        expiry_date=datetime.date(2029, 1, 1),
        owner=sending,
        source="procured",
        unit_value=Decimal("0.04"),
    )
    with pytest.raises(ValidationFailed):
        ledger.post(
            MovementKind.CONSUMPTION,
            organization=sending,
            actor=users["coordinator"],
            changes=[
                ledger.Change(lot.pk, warehouse.pk, on_hand=-10),
                ledger.Change(other.pk, warehouse.pk, on_hand=-1),
            ],
        )
    assert StockBalance.objects.get(lot=lot, site=warehouse).on_hand == 1000
    assert ledger.mismatched_balances() == []
