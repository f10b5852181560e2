"""Stock services: receiving, consuming, adjusting, writing off and handing over lots."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.supplies import ledger, stock
from medmissions.supplies.choices import MovementKind
from medmissions.supplies.models import Lot, StockBalance, StockTransaction

from . import stock_support

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


class TestReceiveChecks:
    """Rules added with the pages, the API and the import: sizes, offers."""

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("quantity", stock.MAX_QUANTITY + 1),
            ("unit_value", Decimal("0.00001")),
            ("unit_value", Decimal("100000000")),
            ("unit_value", Decimal("NaN")),
            ("lot_number", "L" * 81),
            ("manufacturer", "M" * 201),
            ("currency", "ÉUR"),
        ],
    )
    def test_values_the_database_could_not_hold_are_refused(
        self, users, sending, warehouse, amoxicillin, field, value
    ):
        with pytest.raises(ValidationFailed) as raised:
            _receive(users, sending, warehouse, amoxicillin, **{field: value})
        assert field in raised.value.fields
        assert not Lot.objects.exists()

    def test_goods_of_an_accepted_offer_come_from_its_donor(
        self, users, sending, warehouse, amoxicillin, donor
    ):
        offer = stock_support.offer(donor, sending, amoxicillin)
        lot, _ = _receive(users, sending, warehouse, amoxicillin, source="donated", donor=donor, offer=offer)
        assert lot.offer == offer
        assert AuditEntry.objects.get(action="supplies.lot.received").data["offer"] == offer.pk

    def test_an_offer_not_accepted_or_made_to_someone_else_is_refused(
        self, users, sending, host, warehouse, amoxicillin, donor, other
    ):
        pending = stock_support.offer(donor, sending, amoxicillin, status="offered")
        elsewhere = stock_support.offer(donor, other, amoxicillin)
        mine = stock_support.offer(donor, sending, amoxicillin)
        cases = [
            (pending, donor, "offer", "Only goods of an accepted offer are received; this offer is offered."),
            (elsewhere, donor, "offer", "This offer was made to another organisation."),
            (mine, host, "donor", f"Goods of this offer are donated by {donor.name}."),
        ]
        for offer, giver, field, message in cases:
            with pytest.raises(ValidationFailed) as raised:
                _receive(users, sending, warehouse, amoxicillin, source="donated", donor=giver, offer=offer)
            assert raised.value.fields[field] == message
        assert not Lot.objects.exists()


class TestMissions:
    def test_consumption_and_hand_over_for_a_mission_of_the_hosts_partnership(
        self, users, sending, host, lot, warehouse, site, active_partnership
    ):
        camp = stock_support.mission(users, active_partnership, site)
        stock_support.put_at(lot, site, 100, users["coordinator"])
        used = stock.consume(lot, site, actor=users["member"], quantity=5, mission=camp)
        assert used.mission == camp
        _host_lot, given = stock.hand_over(lot, site, actor=users["coordinator"], quantity=10, mission=camp)
        assert given.mission == camp

    def test_a_mission_of_another_hosts_partnership_is_refused(
        self, users, sending, other, lot, warehouse, site, active_partnership
    ):
        from medmissions.sites.models import Site

        camp = stock_support.mission(users, active_partnership, site)
        stock_support.put_at(lot, site, 100, users["coordinator"])
        elsewhere = Site.objects.create(
            name="Partner-less store", kind="warehouse", host_organization=other, country="KE"
        )
        stock_support.put_at(lot, elsewhere, 10, users["coordinator"])
        with pytest.raises(ValidationFailed) as raised:
            stock.hand_over(lot, elsewhere, actor=users["coordinator"], quantity=1, mission=camp)
        assert raised.value.fields["mission"] == f"Choose a mission of a partnership with {other.name}."
        assert stock_support.on_hand(lot, elsewhere) == (10, 0)


class TestReading:
    def test_the_stock_card_carries_running_balances_per_site(self, users, sending, lot, warehouse, site):
        stock_support.put_at(lot, site, 50, users["coordinator"])
        stock.consume(lot, warehouse, actor=users["member"], quantity=30)
        stock_support.reserve(lot, warehouse, 100, users["coordinator"])
        stock.consume(lot, site, actor=users["member"], quantity=5)
        card = [
            (entry.site_id, entry.on_hand_change, entry.on_hand_after, entry.reserved_after)
            for entry in stock.stock_card(lot)
        ]
        assert card == [
            (warehouse.pk, 1000, 1000, 0),
            (site.pk, 50, 50, 0),
            (warehouse.pk, -30, 970, 0),
            (warehouse.pk, 0, 970, 100),
            (site.pk, -5, 45, 0),
        ]

    def test_expiry_counts(self, users, sending, warehouse, gloves):
        today = timezone.localdate()
        for number, days in [("A", -3), ("B", 0), ("C", 30), ("D", 31), ("E", 75), ("F", 400)]:
            received = stock_support.receive(
                users["coordinator"],
                sending,
                warehouse,
                gloves,
                lot_number=number,
                expiry_date=today + datetime.timedelta(days=days),
                occurred_on=today - datetime.timedelta(days=10),
            )
            if number == "E":
                stock.adjust(received, warehouse, actor=users["coordinator"], change=-100, reason="missing")
        counts = stock.expiry_counts(StockBalance.objects.all(), today)
        assert counts == {"expired": 1, "within_30": 2, "within_60": 3, "within_90": 3}

    def test_filter_lots(self, users, sending, host, lot, warehouse, site, donor, amoxicillin, gloves):
        today = timezone.localdate()
        empty = stock_support.receive(users["coordinator"], sending, warehouse, gloves, lot_number="G-1")
        stock.consume(empty, warehouse, actor=users["member"], quantity=100)
        soon = stock_support.receive(
            users["coordinator"],
            sending,
            warehouse,
            gloves,
            lot_number="G-2",
            expiry_date=today + datetime.timedelta(days=20),
        )
        stock_support.put_at(soon, site, 5, users["coordinator"])
        lots = Lot.objects.all()

        def numbers(**filters):
            return sorted(found.lot_number for found in stock.filter_lots(lots, today=today, **filters))

        assert numbers() == ["AMX-2401", "G-2"]
        assert numbers(include_empty=True) == ["AMX-2401", "G-1", "G-2"]
        assert numbers(site=site) == ["G-2"]
        assert numbers(organization=donor) == ["AMX-2401"]
        assert numbers(organization=host) == ["G-2"]
        assert numbers(q="examination g-2") == ["G-2"]
        assert numbers(item=amoxicillin) == ["AMX-2401"]
        assert numbers(source="procured", include_empty=True) == ["G-1", "G-2"]
        assert numbers(expiring_within=30) == ["G-2"]
        assert numbers(expiring_within=19) == []
        assert numbers(expired=True) == []


def test_an_adjustment_is_bounded(users, lot, warehouse):
    for change in (10_000_001, -(10**19)):
        with pytest.raises(ValidationFailed) as raised:
            stock.adjust(lot, warehouse, actor=users["coordinator"], change=change, reason="recounted")
        assert "change" in raised.value.fields
    assert _on_hand(lot, warehouse) == (1000, 0)
