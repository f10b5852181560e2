"""Two coordinators accept for the last place at the same moment: exactly one succeeds (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from medmissions.conftest import make_user
from medmissions.core.errors import Conflict
from medmissions.missions import applications, services
from medmissions.missions.choices import AssignmentStatus
from medmissions.missions.models import Assignment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks and concurrent transactions (PostgreSQL)"
)
def test_two_coordinators_accepting_for_the_last_place_at_once_fill_it_exactly_once(mission, role, users):
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    services.host_confirm(mission, actor=users["host_admin"])
    # One place left: the role needs two and one is taken.
    first = applications.apply(role, actor=make_user("first@example.org", "First"), motivation="Surgery.")
    applications.accept(first, actor=users["coordinator"])
    contenders = [
        applications.apply(
            role, actor=make_user(f"c{n}@example.org", f"Contender {n}"), motivation="Surgery."
        )
        for n in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(application, coordinator):
        try:
            barrier.wait()
            applications.accept(application, actor=coordinator)
            outcomes.append("accepted")
        except Conflict as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=accept, args=(contenders[0], users["coordinator"])),
        threading.Thread(target=accept, args=(contenders[1], users["admin"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "role_full"]
    assert Assignment.objects.filter(role=role, status=AssignmentStatus.ACTIVE).count() == role.people_needed
