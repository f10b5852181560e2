"""Two admins stepping down at once must not leave the organisation without an admin (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from medmissions.core.errors import Conflict
from medmissions.organizations import services
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks (PostgreSQL)"),
]


def test_two_admins_stepping_down_at_once_leave_one_admin(users, sending):
    Membership.objects.filter(user=users["coordinator"], organization=sending).update(role=Role.ADMIN)
    first_done, release_first = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def step_down(name: str, hold: bool) -> None:
        try:
            with transaction.atomic():
                membership = Membership.objects.get(user=users[name], organization=sending)
                services.change_role(membership, actor=users[name], role=Role.MEMBER)
                if hold:
                    first_done.set()
                    release_first.wait(10)
            outcome[name] = "changed"
        except Conflict as error:
            outcome[name] = error.code
        finally:
            connection.close()

    first = threading.Thread(target=step_down, args=("admin", True))
    first.start()
    assert first_done.wait(10)
    second = threading.Thread(target=step_down, args=("coordinator", False))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second change should wait for the first to commit"
    release_first.set()
    first.join(10)
    second.join(10)

    assert outcome == {"admin": "changed", "coordinator": "last_admin"}
    assert list(
        Membership.objects.filter(organization=sending, role=Role.ADMIN).values_list("user", flat=True)
    ) == [users["coordinator"].pk]
