"""Locks that must not deadlock on PostgreSQL: a movement locks its balance rows and then inserts
ledger rows pointing at the lot and the organisation, so nothing else may hold those rows FOR
UPDATE while waiting for a balance (found in review; each test forces the bad interleaving)."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from medmissions.supplies import allocation, imports, ledger, stock
from medmissions.supplies.tests.shipments_support import *  # noqa: F403

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks and concurrent transactions (PostgreSQL)"
)


@POSTGRES_ONLY
def test_releasing_while_someone_consumes_does_not_deadlock(
    users, allocations, donated_lot, warehouse, monkeypatch
):
    a = allocations["amoxicillin"]
    e1, e2 = threading.Event(), threading.Event()
    original = ledger._lock_balances

    def wrapper(keys, create):
        name = threading.current_thread().name
        if name == "T1":
            e1.set()
            e2.wait(5)
        result = original(keys, create)
        if name == "T2":
            e2.set()
        return result

    monkeypatch.setattr(ledger, "_lock_balances", wrapper)
    outcomes = {}

    def t1():
        try:
            allocation.release(a, actor=users["coordinator"])
            outcomes["T1"] = "done"
        except Exception as error:
            outcomes["T1"] = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()

    def t2():
        try:
            e1.wait(5)
            stock.consume(donated_lot, warehouse, actor=users["member"], quantity=10)
            outcomes["T2"] = "done"
        except Exception as error:
            outcomes["T2"] = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=t1, name="T1"), threading.Thread(target=t2, name="T2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes == {"T1": "done", "T2": "done"}


@POSTGRES_ONLY
def test_importing_while_someone_consumes_does_not_deadlock(
    users, sending, donated_lot, warehouse, donor, monkeypatch
):
    csv = (
        "item_code,lot_number,expiry_date,quantity,source,donor,unit_value,site\n"
        f"{donated_lot.item.code},{donated_lot.lot_number},{donated_lot.expiry_date.isoformat()},"
        f"5,donated,{donor.slug},0.05,{warehouse.pk}\n"
    ).encode()
    e1, e2 = threading.Event(), threading.Event()
    original = ledger._lock_balances

    def wrapper(keys, create):
        name = threading.current_thread().name
        if name == "T1":
            e1.set()
            e2.wait(5)
        result = original(keys, create)
        if name == "T2":
            e2.set()
        return result

    monkeypatch.setattr(ledger, "_lock_balances", wrapper)
    outcomes = {}

    def t1():
        try:
            imports.commit_import(
                sending, actor=users["coordinator"], upload=SimpleUploadedFile("a.csv", csv)
            )
            outcomes["T1"] = "done"
        except Exception as error:
            outcomes["T1"] = f"{type(error).__name__}: {str(error)[:60]}"
        finally:
            connections.close_all()

    def t2():
        try:
            e1.wait(5)
            stock.consume(donated_lot, warehouse, actor=users["member"], quantity=10)
            outcomes["T2"] = "done"
        except Exception as error:
            outcomes["T2"] = f"{type(error).__name__}: {str(error)[:60]}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=t1, name="T1"), threading.Thread(target=t2, name="T2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes == {"T1": "done", "T2": "done"}
