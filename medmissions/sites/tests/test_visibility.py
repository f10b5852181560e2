"""Site.objects.visible_to: the host's people and organisations partnered with the host."""

from __future__ import annotations

import pytest

from medmissions.partnerships import services as partnerships
from medmissions.partnerships.choices import PartyRole
from medmissions.sites.models import Site


def visible(user):
    return list(Site.objects.visible_to(user))


@pytest.mark.parametrize("persona", ["host_admin", "host_member"])
def test_the_hosts_own_people_see_its_sites(persona, users, site):
    assert visible(users[persona]) == [site]


def test_without_a_partnership_other_organisations_see_nothing(users, site):
    for persona in ["admin", "coordinator", "member", "viewer", "outsider"]:
        assert visible(users[persona]) == [], persona


def test_nobody_anonymous_sees_sites(db, site):
    assert visible(None) == []


@pytest.mark.parametrize("fixture", ["proposed_partnership", "active_partnership"])
@pytest.mark.parametrize("persona", ["admin", "coordinator", "member", "viewer"])
def test_partners_in_a_proposed_or_active_partnership_see_the_hosts_sites(
    persona, fixture, users, site, request
):
    request.getfixturevalue(fixture)
    assert visible(users[persona]) == [site]


def test_partners_in_a_paused_partnership_still_see_the_hosts_sites(users, site, active_partnership):
    partnerships.change_status(
        active_partnership, actor=users["coordinator"], transition="pause", reason="Rains."
    )
    assert visible(users["viewer"]) == [site]


def test_partners_lose_sight_of_the_sites_once_the_partnership_closes(users, site, active_partnership):
    partnerships.change_status(
        active_partnership, actor=users["coordinator"], transition="close", reason="Done."
    )
    assert visible(users["viewer"]) == []
    assert visible(users["host_member"]) == [site]


def test_a_declined_proposal_shows_nothing(users, site, proposed_partnership):
    partnerships.decline_partnership(proposed_partnership, actor=users["host_admin"], reason="No.")
    assert visible(users["coordinator"]) == []


def test_outsiders_never_see_sites_even_of_public_partnerships(users, site, active_partnership):
    partnerships.update_partnership(active_partnership, actor=users["coordinator"], data={"is_public": True})
    assert visible(users["outsider"]) == []


def test_visibility_goes_both_ways_between_partners(users, sending, site, active_partnership):
    own = Site.objects.create(
        name="Bridge Health depot", kind="warehouse", host_organization=sending, country="GB"
    )
    assert set(visible(users["host_member"])) == {site, own}


def test_a_partnership_of_my_partner_with_a_third_organisation_shows_me_nothing_of_the_third(
    users, sending, host, other, site, active_partnership
):
    third_site = Site.objects.create(
        name="Nairobi clinic", kind="clinic", host_organization=other, country="KE"
    )
    partnerships.propose_partnership(
        actor=users["host_admin"],
        proposer=host,
        data={"title": "Host and other", "shared_goals": "Referrals."},
        parties=[(host, PartyRole.HOST), (other, PartyRole.TRAINING)],
    )
    assert third_site not in visible(users["viewer"])
    assert third_site in visible(users["host_member"])
    assert site in visible(users["outsider"])


def test_a_site_is_listed_once_even_with_several_partnerships(users, sending, host, site, active_partnership):
    partnerships.propose_partnership(
        actor=users["coordinator"],
        proposer=sending,
        data={"title": "A second partnership", "shared_goals": "More."},
        parties=[(sending, PartyRole.SENDING), (host, PartyRole.HOST)],
    )
    assert visible(users["viewer"]) == [site]
