"""Pending invitations hold places everywhere places are counted: the opportunity pages, changing
a role's places, deleting a role, and cancelling the mission (the invitations lapse and the
invited are told)."""

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict
from medmissions.missions import discovery, invitations, services
from medmissions.missions.choices import InvitationStatus
from medmissions.missions.models import Invitation, Mission, Role

from .test_invitations_support import make_recruiting, person_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(mission, role, users, sending):
    make_recruiting(mission, users)
    _user, person = person_of(sending, "Amina Diallo")
    return invitations.invite(role, person, actor=users["coordinator"])


def test_a_pending_invitation_holds_a_place_on_the_opportunity_pages(invited, role, mission):
    assert Role.objects.get(pk=role.pk).places_left() == role.people_needed - 1
    annotated = discovery.with_details(Mission.objects.filter(pk=mission.pk)).get().roles.all()[0]
    assert annotated.places_left() == role.people_needed - 1


def test_a_role_cannot_offer_fewer_places_than_its_invitations_hold(invited, role, users, sending):
    _user, bruno = person_of(sending, "Bruno Costa")
    invitations.invite(role, bruno, actor=users["coordinator"])
    with pytest.raises(Conflict) as caught:
        services.update_role(role, actor=users["coordinator"], data={"people_needed": 1})
    assert caught.value.code == "role_places_taken"
    assert Role.objects.get(pk=role.pk).people_needed == 2


def test_a_role_with_pending_invitations_cannot_be_deleted(invited, role, users):
    with pytest.raises(Conflict) as caught:
        services.delete_role(role, actor=users["coordinator"])
    assert caught.value.code == "role_has_invitations"
    invitations.withdraw(invited, actor=users["coordinator"])
    services.delete_role(role, actor=users["coordinator"])
    assert not Role.objects.filter(pk=role.pk).exists()


def test_cancelling_the_mission_lapses_pending_invitations_and_tells_the_invited(
    invited, mission, users, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(
            Mission.objects.get(pk=mission.pk), actor=users["coordinator"], reason="The road is closed."
        )
    assert Invitation.objects.get(pk=invited.pk).status == InvitationStatus.WITHDRAWN
    entry = AuditEntry.objects.get(action="missions.invitation.withdrawn")
    assert entry.data == {"reason": "mission_cancelled"} and entry.actor == users["coordinator"]
    assert any(invited.person.email in message.to for message in mailoutbox)
