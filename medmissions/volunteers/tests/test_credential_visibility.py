"""Partners see a profile's professional part, never its credentials (licence and passport numbers)."""

import datetime

import pytest

from medmissions.volunteers.choices import ProfileVisibility
from medmissions.volunteers.models import Credential, Person

pytestmark = pytest.mark.django_db


def test_a_partner_sees_the_person_but_not_their_credentials(
    volunteer, make_credential, active_partnership, users
):
    volunteer.visibility = ProfileVisibility.PARTNERS
    volunteer.save(update_fields=["visibility"])
    make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1))
    partner = users["host_admin"]
    assert Person.objects.visible_to(partner).filter(pk=volunteer.pk).exists()
    assert not Credential.objects.visible_to(partner).exists()


def test_the_owner_and_the_home_organisation_see_the_credentials(
    volunteer, make_credential, volunteer_user, users
):
    credential = make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1))
    for user in (volunteer_user, users["admin"], users["viewer"]):
        assert list(Credential.objects.visible_to(user)) == [credential]
    assert not Credential.objects.visible_to(users["outsider"]).exists()
