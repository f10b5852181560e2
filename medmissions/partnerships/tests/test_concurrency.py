"""Simultaneous confirmations and health-check rounds stay consistent (row locks: PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from medmissions.core.errors import Conflict
from medmissions.partnerships import health, services
from medmissions.partnerships.choices import HealthCheckStatus, PartnershipStatus
from medmissions.partnerships.tests.support import audit_entries

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks (PostgreSQL)"),
]


def run_held(first_action, second_action):
    """Run ``first_action`` in a transaction held open while ``second_action`` starts, then release."""
    first_done, release_first = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                first_action()
                first_done.set()
                release_first.wait(10)
            outcome["first"] = "done"
        except Conflict as error:
            outcome["first"] = error.code
        finally:
            first_done.set()
            connection.close()

    def second() -> None:
        try:
            second_action()
            outcome["second"] = "done"
        except Conflict as error:
            outcome["second"] = error.code
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert first_done.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive(), "the second action should wait for the first to commit"
    release_first.set()
    one.join(10)
    two.join(10)
    return outcome


def test_two_hosts_confirming_at_once_activate_the_partnership_exactly_once(
    users, second_host, two_host_partnership
):
    outcome = run_held(
        lambda: services.confirm_partnership(two_host_partnership, actor=users["host_admin"]),
        lambda: services.confirm_partnership(two_host_partnership, actor=second_host.admin),
    )

    assert outcome == {"first": "done", "second": "done"}
    two_host_partnership.refresh_from_db()
    assert two_host_partnership.status == PartnershipStatus.ACTIVE
    assert len(audit_entries("partnerships.partnership.confirmed")) == 2
    assert len(audit_entries("partnerships.partnership.activated")) == 1


def test_two_coordinators_opening_a_round_at_once_open_only_one(users, active_partnership):
    outcome = run_held(
        lambda: health.open_health_check(active_partnership, actor=users["coordinator"]),
        lambda: health.open_health_check(active_partnership, actor=users["host_admin"]),
    )

    assert outcome == {"first": "done", "second": "check_open"}
    assert list(active_partnership.health_checks.values_list("round_number", "status")) == [
        (1, HealthCheckStatus.OPEN)
    ]
