"""Stock services: receiving, consuming, adjusting, writing off and handing over lots."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from freezegun import freeze_time

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.supplies import ledger, stock
from medmissions.supplies.choices import MovementKind
from medmissions.supplies.models import Lot, StockBalance, StockTransaction

pytestmark = pytest.mark.django_db


def _receive(users, sending, warehouse, item, **overrides):
    arguments = {
        "actor": users["coordinator"],
        "organization": sending,
        "site": warehouse,
        "item": item,
        "lot_number": "L-1",
        "expiry_date": datetime.date(2029, 1, 31),
        "quantity": 100,
        "source": "procured",
        "unit_value": Decimal("1.50"),
    }
    arguments.update(overrides)
    return stock.receive_lot(**arguments)


def _on_hand(lot, site):
    balance = StockBalance.objects.filter(lot=lot, site=site).first()
    return (balance.on_hand, balance.reserved) if balance else (0, 0)


class TestReceive:
    def test_creates_the_lot_posts_a_receipt_and_audits(self, users, sending, warehouse, amoxicillin):
        lot, movement = _receive(users, sending, warehouse, amoxicillin, currency="eur")
        assert (lot.owner, lot.item, lot.lot_number, lot.currency) == (sending, amoxicillin, "L-1", "EUR")
        assert movement.kind == MovementKind.RECEIPT
        assert _on_hand(lot, warehouse) == (100, 0)
        entry = AuditEntry.objects.get(action="supplies.lot.received")
        assert entry.data["quantity"] == 100
        assert entry.data["new_lot"] is True
        assert entry.organization == sending

    def test_the_same_lot_again_adds_to_it(self, users, sending, warehouse, amoxicillin):
        first, _ = _receive(users, sending, warehouse, amoxicillin)
        again, _ = _receive(users, sending, warehouse, amoxicillin, lot_number="l-1", quantity=20)
        assert again == first
        assert _on_hand(first, warehouse) == (120, 0)
        assert Lot.objects.count() == 1

    def test_the_same_lot_number_with_another_expiry_is_refused(self, users, sending, warehouse, amoxicillin):
        _receive(users, sending, warehouse, amoxicillin)
        with pytest.raises(ValidationFailed) as raised:
            _receive(users, sending, warehouse, amoxicillin, expiry_date=datetime.date(2029, 2, 28))
        assert raised.value.code == "lot_expiry_mismatch"
        assert "expiry_date" in raised.value.fields
        assert StockTransaction.objects.count() == 1

    @freeze_time("2027-01-15")
    def test_expired_goods_are_refused(self, users, sending, warehouse, amoxicillin):
        with pytest.raises(ValidationFailed) as raised:
            _receive(users, sending, warehouse, amoxicillin, expiry_date=datetime.date(2027, 1, 14))
        assert (
            raised.value.fields["expiry_date"]
            == "This lot expired on 2027-01-14; expired goods cannot be received."
        )
        assert not Lot.objects.exists()

    def test_medicines_need_an_expiry_and_consumables_may_not(
        self, users, sending, warehouse, amoxicillin, gloves
    ):
        with pytest.raises(ValidationFailed) as raised:
            _receive(users, sending, warehouse, amoxicillin, expiry_date=None)
        assert "expiry_date" in raised.value.fields
        lot, _ = _receive(users, sending, warehouse, gloves, expiry_date=None)
        assert lot.expiry_date is None

    def test_donor_rules(self, users, sending, warehouse, amoxicillin, donor):
        with pytest.raises(ValidationFailed) as raised:
            _receive(users, sending, warehouse, amoxicillin, source="donated")
        assert "donor" in raised.value.fields
        with pytest.raises(ValidationFailed) as raised:
            _receive(users, sending, warehouse, amoxicillin, donor=donor)
        assert "donor" in raised.value.fields
        with pytest.raises(ValidationFailed) as raised:
            _receive(users, sending, warehouse, amoxicillin, source="returned", donor=donor)
        assert "source" in raised.value.fields

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("lot_number", "  "),
            ("quantity", 0),
            ("quantity", -5),
            ("unit_value", Decimal("-1")),
            ("currency", "US"),
        ],
    )
    def test_bad_values_are_refused_and_nothing_is_written(
        self, users, sending, warehouse, amoxicillin, field, value
    ):
        with pytest.raises(ValidationFailed):
            _receive(users, sending, warehouse, amoxicillin, **{field: value})
        assert not Lot.objects.exists()
        assert not StockTransaction.objects.exists()

    def test_receipt_dated_in_the_future_is_refused(self, users, sending, warehouse, amoxicillin):
        with pytest.raises(ValidationFailed):
            _receive(users, sending, warehouse, amoxicillin, occurred_on=datetime.date(2099, 1, 1))

    @pytest.mark.parametrize("persona_name", ["member", "viewer", "host_admin", "outsider"])
    def test_only_the_organisations_coordinators_receive(
        self, users, sending, warehouse, amoxicillin, persona_name
    ):
        with pytest.raises(NotAllowed):
            _receive(users, sending, warehouse, amoxicillin, actor=users[persona_name])

    def test_only_at_own_or_partner_sites(self, users, sending, amoxicillin, other):
        from medmissions.sites.models import Site

        elsewhere = Site.objects.create(
            name="Stranger's store", kind="warehouse", host_organization=other, country="KE"
        )
        with pytest.raises(ValidationFailed) as raised:
            _receive(users, sending, elsewhere, amoxicillin)
        assert "site" in raised.value.fields


class TestConsume:
    def test_members_of_the_owner_record_consumption(self, users, lot, warehouse):
        movement = stock.consume(lot, warehouse, actor=users["member"], quantity=30, note="Clinic day 1")
        assert movement.kind == MovementKind.CONSUMPTION
        assert _on_hand(lot, warehouse) == (970, 0)
        assert AuditEntry.objects.filter(action="supplies.stock.consumed").count() == 1

    def test_members_of_the_host_record_consumption_at_their_site(self, users, sending, lot, warehouse, site):
        ledger.post(
            MovementKind.RECEIPT_IN,
            organization=sending,
            actor=users["coordinator"],
            changes=[ledger.Change(lot.pk, site.pk, on_hand=50)],
        )
        stock.consume(lot, site, actor=users["host_member"], quantity=5)
        assert _on_hand(lot, site) == (45, 0)

    @pytest.mark.parametrize("persona_name", ["viewer", "outsider", "host_member"])
    def test_others_may_not(self, users, lot, warehouse, persona_name):
        with pytest.raises(NotAllowed):
            stock.consume(lot, warehouse, actor=users[persona_name], quantity=1)

    def test_more_than_available_is_refused(self, users, lot, warehouse):
        with pytest.raises(ValidationFailed) as raised:
            stock.consume(lot, warehouse, actor=users["member"], quantity=1001)
        assert raised.value.code == "insufficient_stock"
        assert _on_hand(lot, warehouse) == (1000, 0)

    def test_an_expired_lot_cannot_be_used(self, users, lot, warehouse):
        with freeze_time("2029-07-01"), pytest.raises(ValidationFailed) as raised:
            stock.consume(lot, warehouse, actor=users["member"], quantity=1)
        assert raised.value.code == "lot_expired"


class TestAdjust:
    def test_a_recount_adds_or_removes_with_its_reason(self, users, lot, warehouse):
        stock.adjust(lot, warehouse, actor=users["coordinator"], change=-12, reason="damaged")
        stock.adjust(lot, warehouse, actor=users["coordinator"], change=2, reason="found")
        assert _on_hand(lot, warehouse) == (990, 0)
        reasons = list(StockTransaction.objects.filter(kind="adjustment").values_list("reason", flat=True))
        assert sorted(reasons) == ["damaged", "found"]

    def test_reason_required_and_other_needs_a_note(self, users, lot, warehouse):
        with pytest.raises(ValidationFailed) as raised:
            stock.adjust(lot, warehouse, actor=users["coordinator"], change=-1, reason="")
        assert "reason" in raised.value.fields
        with pytest.raises(ValidationFailed) as raised:
            stock.adjust(lot, warehouse, actor=users["coordinator"], change=-1, reason="other")
        assert "note" in raised.value.fields
        stock.adjust(
            lot, warehouse, actor=users["coordinator"], change=-1, reason="other", note="Sample for QA"
        )

    def test_cannot_take_what_is_reserved(self, users, sending, lot, warehouse):
        ledger.post(
            MovementKind.RESERVATION,
            organization=sending,
            actor=users["coordinator"],
            changes=[ledger.Change(lot.pk, warehouse.pk, reserved=995)],
        )
        with pytest.raises(ValidationFailed) as raised:
            stock.adjust(lot, warehouse, actor=users["coordinator"], change=-10, reason="missing")
        assert raised.value.code == "insufficient_stock"

    def test_members_may_not_adjust(self, users, lot, warehouse):
        with pytest.raises(NotAllowed):
            stock.adjust(lot, warehouse, actor=users["member"], change=-1, reason="missing")


class TestWriteOff:
    def test_only_expired_lots(self, users, lot, warehouse):
        with pytest.raises(ValidationFailed) as raised:
            stock.write_off_expired(lot, warehouse, actor=users["coordinator"])
        assert raised.value.code == "lot_not_expired"

    def test_writes_off_everything_at_the_site_including_reservations(self, users, sending, lot, warehouse):
        ledger.post(
            MovementKind.RESERVATION,
            organization=sending,
            actor=users["coordinator"],
            changes=[ledger.Change(lot.pk, warehouse.pk, reserved=100)],
        )
        with freeze_time("2029-07-01"):
            movement = stock.write_off_expired(lot, warehouse, actor=users["coordinator"])
            with pytest.raises(ValidationFailed) as raised:
                stock.write_off_expired(lot, warehouse, actor=users["coordinator"])
        assert movement.kind == MovementKind.EXPIRY_WRITE_OFF
        assert _on_hand(lot, warehouse) == (0, 0)
        assert raised.value.code == "nothing_to_write_off"
        assert ledger.mismatched_balances() == []


class TestHandOver:
    def test_units_move_into_a_lot_of_the_host_that_remembers_its_origin(
        self, users, sending, host, lot, warehouse, site
    ):
        ledger.post(
            MovementKind.RECEIPT_IN,
            organization=sending,
            actor=users["coordinator"],
            changes=[ledger.Change(lot.pk, site.pk, on_hand=200)],
        )
        host_lot, movement = stock.hand_over(lot, site, actor=users["coordinator"], quantity=150)
        again, _ = stock.hand_over(lot, site, actor=users["coordinator"], quantity=10)
        assert again == host_lot
        assert (host_lot.owner, host_lot.origin, host_lot.donor) == (host, lot, lot.donor)
        assert (host_lot.lot_number, host_lot.expiry_date) == (lot.lot_number, lot.expiry_date)
        assert _on_hand(lot, site) == (40, 0)
        assert _on_hand(host_lot, site) == (160, 0)
        assert movement.recipient == host
        assert ledger.mismatched_balances() == []

    def test_not_to_oneself(self, users, lot, warehouse):
        with pytest.raises(ValidationFailed):
            stock.hand_over(lot, warehouse, actor=users["coordinator"], quantity=1)
