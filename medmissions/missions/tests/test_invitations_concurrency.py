"""Two coordinators invite for the last place at the same moment: exactly one invitation holds it
(PostgreSQL: the role row lock serialises them, as it does for accepting applications)."""

import threading

import pytest
from django.db import connection, connections

from medmissions.core.errors import Conflict
from medmissions.missions import applications, invitations
from medmissions.missions.choices import InvitationStatus

from .test_invitations_support import make_recruiting, person_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks and concurrent transactions (PostgreSQL)"
)
def test_two_invitations_for_the_last_place_at_once_hold_it_exactly_once(mission, role, users, sending):
    make_recruiting(mission, users)
    # One place left: the role needs two and an application took one.
    first_user, _first = person_of(sending, "First Surgeon")
    applications.accept(
        applications.apply(role, actor=first_user, motivation="Surgery."), actor=users["coordinator"]
    )
    contenders = [person_of(sending, f"Contender {n}")[1] for n in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def invite(person, coordinator):
        try:
            barrier.wait()
            invitations.invite(role, person, actor=coordinator)
            outcomes.append("invited")
        except Conflict as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=invite, args=(contenders[0], users["coordinator"])),
        threading.Thread(target=invite, args=(contenders[1], users["admin"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["invited", "role_full"]
    assert role.invitations.filter(status=InvitationStatus.PENDING).count() == 1
