"""Movements racing for the same stock on PostgreSQL: the balance never goes negative and always
equals the ledger."""

import threading

import pytest
from django.db import connection, connections

from medmissions.core.errors import ValidationFailed
from medmissions.supplies import ledger, stock
from medmissions.supplies.choices import MovementKind
from medmissions.supplies.models import StockBalance

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _race(workers):
    barrier = threading.Barrier(len(workers))
    outcomes: list[str] = []

    def run(work):
        try:
            barrier.wait()
            work()
            outcomes.append("done")
        except ValidationFailed as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks and concurrent transactions (PostgreSQL)"
)
def test_two_consumptions_of_more_than_is_left_succeed_exactly_once(users, lot, warehouse):
    outcomes = _race(
        [
            lambda: stock.consume(lot, warehouse, actor=users["coordinator"], quantity=600),
            lambda: stock.consume(lot, warehouse, actor=users["member"], quantity=600),
        ]
    )
    assert outcomes == ["done", "insufficient_stock"]
    balance = StockBalance.objects.get(lot=lot, site=warehouse)
    assert balance.on_hand == 400
    assert ledger.mismatched_balances() == []


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks and concurrent transactions (PostgreSQL)"
)
def test_many_small_movements_at_once_keep_the_balance_equal_to_the_ledger(users, sending, lot, warehouse):
    def reserve():
        ledger.post(
            MovementKind.RESERVATION,
            organization=sending,
            actor=users["coordinator"],
            changes=[ledger.Change(lot.pk, warehouse.pk, reserved=150)],
        )

    def consume():
        stock.consume(lot, warehouse, actor=users["member"], quantity=150)

    # 8 × 150 = 1,200 units asked of 1,000: exactly six movements can pass.
    outcomes = _race([reserve, consume] * 4)
    assert outcomes.count("done") == 6
    assert outcomes.count("insufficient_stock") == 2
    balance = StockBalance.objects.get(lot=lot, site=warehouse)
    assert balance.on_hand - balance.reserved == 100
    assert 0 <= balance.reserved <= balance.on_hand
    assert ledger.mismatched_balances() == []
