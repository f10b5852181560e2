"""Partner recommendations (matching/recommendations.py): who counts as a sending organisation,
each score component and its explanation, the ranking, the flags, which needs an organisation may
be shown, and the bounded number of queries.

The world: ``need`` (host ``host``, Uganda, at ``site``) asks for 2 general surgeons and 1
anaesthetist; ``sending`` (a UK NGO) is in an active partnership with the host when a test asks
for ``active_partnership``. Other organisations are built explicitly in each test.
"""

from __future__ import annotations

import datetime

import pytest

from medmissions.conftest import make_organization, make_user
from medmissions.core.models import Language
from medmissions.matching import recommendations
from medmissions.matching.recommendations import (
    RECOMMENDATION_WEIGHTS,
    needs_visible_to_organization,
    recommend_needs,
    recommend_partners,
    sending_organizations,
)
from medmissions.matching.tests.conftest import make_person, speaks, specialty
from medmissions.missions import services as mission_services
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Assignment, Mission, Need, Role
from medmissions.organizations.choices import Role as MembershipRole
from medmissions.organizations.models import Capability, Membership, Organization, ValueTag
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.models import Partnership, PartnershipParty
from medmissions.sites.models import Site
from medmissions.volunteers.models import Affiliation, PersonSpecialty

TODAY = datetime.date(2027, 1, 10)


def partnership(*parties: tuple[Organization, str], status: str = PartnershipStatus.ACTIVE) -> Partnership:
    """A partnership straight in the database (its lifecycle is tested in the partnerships app)."""
    created = Partnership.objects.create(title="Partnership", shared_goals="Goals.", status=status)
    for organization, role in parties:
        PartnershipParty.objects.create(partnership=created, organization=organization, role=role)
    return created


def past_mission(partnership: Partnership, site: Site, *, status: str = MissionStatus.COMPLETED) -> Mission:
    return Mission.objects.create(
        partnership=partnership,
        site=site,
        title="Earlier camp",
        starts_on=datetime.date(2025, 3, 1),
        ends_on=datetime.date(2025, 3, 14),
        capacity=4,
        status=status,
    )


def surgeons(organization: Organization, count: int, *, slug: str = "general-surgery", proficiency: int = 3):
    return [
        make_person(
            f"{organization.slug} surgeon {index}",
            specialty_slug=slug,
            proficiency=proficiency,
            organizations=(organization,),
        )
        for index in range(count)
    ]


def recommendation_for(need: Need, organization: Organization, **options):
    result = recommend_partners(need, limit=100, **options)
    return next((item for item in result.ranked if item.organization.pk == organization.pk), None)


@pytest.fixture
def ngo(db) -> Organization:
    """A sending organisation with no tie to the host."""
    return make_organization("Surgeons Abroad", "surgeons-abroad", "IE", "secular_ngo")


# Sending organisations ----------------------------------------------------------------------------


def test_sending_organizations_are_those_of_sending_kinds_or_sending_parties(sending, host, other, ngo):
    ministry = make_organization("Ministry of Health", "moh", "UG", "ministry")
    sending_hospital = make_organization("Boston Hospital", "boston", "US", "hospital")
    partnership(
        (sending_hospital, PartyRole.SENDING), (host, PartyRole.HOST), status=PartnershipStatus.CLOSED
    )
    found = set(sending_organizations().values_list("slug", flat=True))
    assert {"bridge-health", "surgeons-abroad", "boston"} <= found
    # A host hospital, a clinic and a ministry that never sent a team are not sending organisations.
    assert not found & {"mbale-hospital", "unrelated-clinic", "moh"}
    assert recommendations.is_sending_organization(sending_hospital)
    assert not recommendations.is_sending_organization(ministry)


# Components -----------------------------------------------------------------------------------------


def test_capability_counts_people_per_line_up_to_the_places_asked(need, ngo):
    surgeons(ngo, 3)  # three surgeons for a line of two: the line is full, not more
    component = recommendation_for(need, ngo).score.component("capability")
    assert component.value == pytest.approx(2 / 3)  # 2 of the 3 people asked for
    assert component.weight == RECOMMENDATION_WEIGHTS["capability"]
    assert component.points == round(40 * 2 / 3)
    assert component.detail == "General surgery: their people for 2 of 2 places; Anaesthesia: nothing."


def test_a_line_for_a_broader_specialty_is_met_by_people_below_it(users, host, site, ngo):
    broad = mission_services.create_need(
        actor=users["host_admin"],
        author=host,
        site=site,
        data={
            "title": "Any surgeon",
            "description": "Surgery.",
            "earliest_start": datetime.date(2027, 4, 1),
            "latest_end": datetime.date(2027, 6, 30),
        },
        lines=[(specialty("surgery"), 1)],
    )
    surgeons(ngo, 1, slug="orthopaedic-surgery")
    assert recommendation_for(broad, ngo).score.component("capability").value == 1.0


def test_a_broad_specialty_does_not_meet_a_narrower_line(need, ngo):
    surgeons(ngo, 2, slug="surgery")  # "Surgery" in general is not "General surgery"
    assert recommendation_for(need, ngo) is None


def test_trainees_vetting_affiliations_and_erased_profiles_do_not_count(need, ngo):
    surgeons(ngo, 1, proficiency=1)  # a trainee
    shared = make_person("Shared for vetting", specialty_slug="general-surgery")
    Affiliation.objects.create(person=shared, organization=ngo, kind="vetting")
    erased = surgeons(ngo, 1)[0]
    erased.erased_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    erased.save(update_fields=["erased_at"])
    assert recommendation_for(need, ngo) is None


def test_a_declared_service_counts_for_half_a_line(need, ngo):
    ngo.capabilities.add(Capability.objects.get(slug="anaesthesia"))
    surgeons(ngo, 1)
    component = recommendation_for(need, ngo).score.component("capability")
    # General surgery 1 of 2 (0.5 × 2 people) + anaesthesia declared (0.5 × 1 person), out of 3.
    assert component.value == pytest.approx(1.5 / 3)
    assert "Anaesthesia: a declared service, nobody on their roster yet" in component.detail
    assert "General surgery: their people for 1 of 2 places" in component.detail


def test_a_declared_broader_service_meets_a_narrower_line_at_half(need, ngo):
    ngo.capabilities.add(Capability.objects.get(slug="surgery"))
    component = recommendation_for(need, ngo).score.component("capability")
    assert component.value == pytest.approx(0.5 * 2 / 3)
    surgeons(ngo, 1)
    component = recommendation_for(need, ngo).score.component("capability")
    assert component.value == pytest.approx(0.5 * 2 / 3)  # one of two places, or the declaration: a half
    assert component.detail.startswith(
        "General surgery: their people for 1 of 2 places, and a declared service;"
    )


def test_languages_spoken_by_people_or_declared(need, site, ngo):
    site.languages.set(Language.objects.filter(code__in=["en", "lg"]))
    person = surgeons(ngo, 1)[0]
    speaks(person, "en")
    component = recommendation_for(need, ngo).score.component("language")
    assert component.value == 0.5
    assert (
        component.detail
        == "1 of the 2 languages of the site and the need. Spoken by their people: English. Missing: Luganda."
    )
    ngo.languages.add(Language.objects.get(code="lg"))
    component = recommendation_for(need, ngo).score.component("language")
    assert component.value == 1.0
    assert "Declared working languages: Luganda." in component.detail


def test_a_language_spoken_only_at_a_basic_level_does_not_count(need, site, ngo):
    site.languages.set(Language.objects.filter(code="lg"))
    speaks(surgeons(ngo, 1)[0], "lg", level=1)
    assert recommendation_for(need, ngo).score.component("language").value == 0.0


def test_the_need_languages_join_the_site_languages(need, ngo):
    need.languages.set(Language.objects.filter(code="fr"))
    speaks(surgeons(ngo, 1)[0], "fr")
    component = recommendation_for(need, ngo).score.component("language")
    assert component.value == 1.0


def test_no_languages_listed_is_explained(need, ngo):
    surgeons(ngo, 1)
    component = recommendation_for(need, ngo).score.component("language")
    assert (component.value, component.detail) == (0.0, "The site and the need list no languages.")


def test_experience_in_the_country_from_partnerships_and_missions(need, host, site, ngo):
    surgeons(ngo, 1)
    kampala = make_organization("Kampala Hospital", "kampala", "UG", "hospital")
    kampala_site = Site.objects.create(
        name="Kampala ward", kind="hospital", host_organization=kampala, country="UG"
    )
    component = recommendation_for(need, ngo).score.component("country")
    assert (component.value, component.detail) == (0.0, "No partnership or mission in Uganda yet.")

    closed = partnership((ngo, PartyRole.SENDING), (kampala, PartyRole.HOST), status=PartnershipStatus.CLOSED)
    component = recommendation_for(need, ngo).score.component("country")
    assert component.value == pytest.approx(0.4)
    assert component.detail == "1 partnership with a host in Uganda."

    past_mission(closed, kampala_site)
    past_mission(closed, kampala_site, status=MissionStatus.CANCELLED)  # never happened: not counted
    component = recommendation_for(need, ngo).score.component("country")
    assert component.value == pytest.approx(0.4 + 0.6 / 3)
    assert (
        component.detail == "1 partnership with a host in Uganda. 1 mission in Uganda that reached the field."
    )


def test_a_proposed_partnership_is_no_experience(need, host, ngo):
    surgeons(ngo, 1)
    partnership((ngo, PartyRole.SENDING), (host, PartyRole.HOST), status=PartnershipStatus.PROPOSED)
    assert recommendation_for(need, ngo).score.component("country").value == 0.0


def test_an_organisation_based_in_the_country_has_presence(need):
    local = make_organization("Uganda Surgical Outreach", "uso", "UG", "secular_ngo")
    surgeons(local, 1)
    component = recommendation_for(need, local).score.component("country")
    assert (component.value, component.detail) == (pytest.approx(0.4), "Based in Uganda.")


def test_missions_at_the_site(need, host, site, ngo):
    surgeons(ngo, 1)
    earlier = partnership((ngo, PartyRole.SENDING), (host, PartyRole.HOST), status=PartnershipStatus.CLOSED)
    past_mission(earlier, site)
    component = recommendation_for(need, ngo).score.component("site")
    assert (component.value, component.detail) == (
        0.5,
        "1 mission at Mbale outpatient clinic that reached the field.",
    )
    past_mission(earlier, site, status=MissionStatus.EVALUATED)
    past_mission(earlier, site)
    component = recommendation_for(need, ngo).score.component("site")
    assert component.value == 1.0  # counted up to two missions
    assert component.detail.startswith("3 missions at Mbale outpatient clinic")


def test_a_mission_where_the_organisation_was_the_host_is_not_its_experience(need, site, ngo):
    surgeons(ngo, 1)
    # ngo was (oddly) recorded as a host party of a partnership with a mission at the site.
    other_sender = make_organization("Another NGO", "another", "GB", "secular_ngo")
    odd = partnership(
        (ngo, PartyRole.HOST), (other_sender, PartyRole.SENDING), status=PartnershipStatus.CLOSED
    )
    past_mission(odd, site)
    assert recommendation_for(need, ngo).score.component("site").value == 0.0


def test_shared_value_tags(need, host, ngo):
    surgeons(ngo, 1)
    component = recommendation_for(need, ngo).score.component("values")
    assert (component.value, component.detail) == (0.0, "The host lists no values.")
    host.value_tags.set(ValueTag.objects.filter(slug__in=["host-led", "teaching", "equity", "secular"]))
    ngo.value_tags.set(ValueTag.objects.filter(slug__in=["host-led", "teaching", "faith-based"]))
    component = recommendation_for(need, ngo).score.component("values")
    assert component.value == 0.5
    assert component.detail == "Shares 2 of the host's 4 values. Host-led, Teaching and training."


def test_the_total_is_the_sum_of_the_points(need, site, host, ngo):
    site.languages.set(Language.objects.filter(code="en"))
    host.value_tags.set(ValueTag.objects.filter(slug="host-led"))
    ngo.value_tags.set(ValueTag.objects.filter(slug="host-led"))
    speaks(surgeons(ngo, 2)[0], "en")
    score = recommendation_for(need, ngo).score
    assert [component.key for component in score.components] == [
        "capability",
        "language",
        "country",
        "site",
        "values",
    ]
    assert score.total == sum(component.points for component in score.components)
    assert score.total == round(40 * 2 / 3) + 15 + 0 + 0 + 15


# Ranking and flags ----------------------------------------------------------------------------------


def test_ranking_best_first_and_those_with_nothing_left_out(need, host, ngo, sending, other):
    strong = make_organization("Strong Surgical", "strong", "US", "faith_based_ngo")
    surgeons(strong, 2)
    surgeons(strong, 1, slug="anaesthesia")
    surgeons(ngo, 1)
    nothing = make_organization("Dental Friends", "dental", "GB", "secular_ngo")
    surgeons(nothing, 2, slug="dentistry")
    surgeons(host, 2)  # the host's own surgeons: the host is never recommended to itself
    result = recommend_partners(need)
    assert [item.organization.slug for item in result.ranked] == ["strong", "surgeons-abroad"]
    assert result.count == 2
    assert result.ranked[0].score.total > result.ranked[1].score.total


def test_ties_are_broken_by_capability_then_name(need):
    for name, slug in (("Zeta Health", "zeta"), ("Alpha Health", "alpha")):
        surgeons(make_organization(name, slug, "GB", "secular_ngo"), 1)
    assert [item.organization.slug for item in recommend_partners(need).ranked] == ["alpha", "zeta"]


def test_limit_keeps_the_best_and_counts_all(need):
    for index in range(4):
        surgeons(make_organization(f"NGO {index}", f"ngo-{index}", "GB", "secular_ngo"), 1 + index % 2)
    result = recommend_partners(need, limit=2)
    assert len(result.ranked) == 2
    assert result.count == 4
    assert {item.organization.slug for item in result.ranked} == {"ngo-1", "ngo-3"}


def test_existing_partners_are_shown_marked_and_can_be_hidden(need, active_partnership, sending, ngo):
    surgeons(sending, 1)
    surgeons(ngo, 1)
    marked = recommendation_for(need, sending)
    assert marked.works_with_host and not marked.answering_need
    assert not recommendation_for(need, ngo).works_with_host
    hidden = recommend_partners(need, new_partners_only=True)
    assert [item.organization.slug for item in hidden.ranked] == ["surgeons-abroad"]


def test_an_organisation_answering_the_need_is_marked(need, mission, sending):
    surgeons(sending, 1)
    item = recommendation_for(need, sending)
    assert item.answering_need and item.works_with_host
    mission.status = MissionStatus.CANCELLED
    mission.save(update_fields=["status"])
    assert not recommendation_for(need, sending).answering_need


def test_a_withdrawn_need_has_no_recommendations(need, users, ngo):
    surgeons(ngo, 1)
    need = mission_services.withdraw_need(
        need, actor=users["host_admin"], reason="Done by the district team."
    )
    result = recommend_partners(need)
    assert (result.status, result.ranked, result.count) == ("withdrawn", [], 0)


# Recommended needs for an organisation ---------------------------------------------------------------


@pytest.fixture
def far_host(db):
    """A host in Malawi with a need for surgeons, not partnered with anyone."""
    malawi = make_organization("Zomba Central Hospital", "zomba", "MW", "hospital")
    admin = make_user("zomba@example.org", "Zomba Admin")
    Membership.objects.create(user=admin, organization=malawi, role=MembershipRole.ADMIN)
    zomba = Site.objects.create(name="Zomba theatre", kind="hospital", host_organization=malawi, country="MW")
    mission_services.create_need(
        actor=admin,
        author=malawi,
        site=zomba,
        data={
            "title": "Zomba surgery",
            "description": "Surgeons.",
            "earliest_start": datetime.date(2027, 4, 1),
            "latest_end": datetime.date(2027, 6, 30),
        },
        lines=[(specialty("general-surgery"), 1)],
    )
    return malawi


def test_recommended_needs_are_the_open_needs_it_may_see(need, active_partnership, sending, users, far_host):
    surgeons(sending, 2)
    result = recommend_needs(sending, viewer=users["member"], today=TODAY)
    # The Malawian need is not visible to sending (no partnership with its host): never shown.
    assert [item.need.pk for item in result.ranked] == [need.pk]
    item = result.ranked[0]
    assert item.works_with_host and not item.answering_need and not item.proposed_by_organization
    assert item.score.component("capability").value == pytest.approx(2 / 3)
    assert result.is_sending
    assert [str(line.specialty) for line in item.lines] == ["General surgery", "Anaesthesia"]


def test_without_a_partnership_no_need_of_the_host_is_recommended(need, sending, users):
    surgeons(sending, 2)
    assert recommend_needs(sending, viewer=users["member"], today=TODAY).ranked == []


def test_needs_that_are_not_open_are_left_out(need, active_partnership, sending, host, site, users):
    surgeons(sending, 2)
    surgeons(sending, 1, slug="anaesthesia")
    proposed = mission_services.create_need(
        actor=users["coordinator"],
        author=sending,
        site=site,
        data={
            "title": "Proposed",
            "description": "Awaiting the host.",
            "earliest_start": datetime.date(2027, 4, 1),
            "latest_end": datetime.date(2027, 6, 30),
        },
        lines=[(specialty("general-surgery"), 1)],
    )
    past = mission_services.create_need(
        actor=users["host_admin"],
        author=host,
        site=site,
        data={
            "title": "Over",
            "description": "Its window has passed.",
            "earliest_start": datetime.date(2026, 4, 1),
            "latest_end": datetime.date(2026, 6, 30),
        },
        lines=[(specialty("general-surgery"), 1)],
    )
    met = mission_services.create_need(
        actor=users["host_admin"],
        author=host,
        site=site,
        data={
            "title": "Met",
            "description": "A mission fills it.",
            "earliest_start": datetime.date(2027, 4, 1),
            "latest_end": datetime.date(2027, 6, 30),
        },
        lines=[(specialty("general-surgery"), 1)],
    )
    camp = past_mission(active_partnership, site, status=MissionStatus.RECRUITING)
    camp.needs.set([met])
    role = Role.objects.create(
        mission=camp,
        title="Surgeon",
        specialty=specialty("general-surgery"),
        people_needed=1,
        scope_of_practice="Hernias.",
    )
    Assignment.objects.create(
        mission=camp,
        role=role,
        person=surgeons(sending, 1)[0],
        starts_on=camp.starts_on,
        ends_on=camp.ends_on,
    )
    titles = [
        item.need.title for item in recommend_needs(sending, viewer=users["member"], today=TODAY).ranked
    ]
    assert titles == ["Surgical backlog at Mbale"]
    assert proposed.pk and past.pk  # built, and left out


def test_a_need_proposed_by_the_organisation_is_marked(need, active_partnership, sending, users):
    surgeons(sending, 1)
    mission_services.confirm_need(
        mission_services.create_need(
            actor=users["coordinator"],
            author=sending,
            site=need.site,
            data={
                "title": "Hernia follow-up",
                "description": "Proposed by sending.",
                "earliest_start": datetime.date(2027, 4, 1),
                "latest_end": datetime.date(2027, 6, 30),
            },
            lines=[(specialty("general-surgery"), 1)],
        ),
        actor=users["host_admin"],
    )
    ranked = recommend_needs(sending, viewer=users["member"], today=TODAY).ranked
    assert [(item.need.title, item.proposed_by_organization) for item in ranked] == [
        ("Hernia follow-up", True),  # a full line beats two thirds of the backlog
        ("Surgical backlog at Mbale", False),
    ]


def test_the_host_is_not_recommended_its_own_needs(need, host, users):
    surgeons(host, 2)
    assert recommend_needs(host, viewer=users["host_admin"], today=TODAY).ranked == []
    assert not recommend_needs(host, viewer=users["host_admin"], today=TODAY).is_sending


def test_the_viewer_never_sees_a_need_they_may_not_see(need, active_partnership, sending, users):
    surgeons(sending, 2)
    # The outsider is no member of sending; the views never pass them, but the service still filters.
    assert recommend_needs(sending, viewer=users["outsider"], today=TODAY).ranked == []


@pytest.mark.parametrize(
    "status",
    [
        PartnershipStatus.PROPOSED,
        PartnershipStatus.ACTIVE,
        PartnershipStatus.PAUSED,
        PartnershipStatus.CLOSED,
    ],
)
def test_organisation_visibility_matches_the_need_visibility_of_its_members(
    need, sending, host, users, status
):
    """needs_visible_to_organization mirrors NeedQuerySet.visible_to; this keeps the two identical."""
    partnership((sending, PartyRole.SENDING), (host, PartyRole.HOST), status=status)
    only_sending = make_user("only-sending@example.org", "Only Sending")
    Membership.objects.create(user=only_sending, organization=sending, role=MembershipRole.VIEWER)
    assert set(needs_visible_to_organization(sending)) == set(Need.objects.visible_to(only_sending))
    only_host = users["host_member"]
    assert set(needs_visible_to_organization(host)) == set(Need.objects.visible_to(only_host))


# Bounded queries --------------------------------------------------------------------------------------


def _crowd(host: Organization, site: Site, count: int) -> None:
    """``count`` sending organisations with people, languages, tags, partnerships and missions."""
    tag = ValueTag.objects.get(slug="host-led")
    english = Language.objects.get(code="en")
    for index in range(count):
        organization = make_organization(f"Crowd {index}", f"crowd-{index}", "GB", "secular_ngo")
        organization.value_tags.add(tag)
        organization.languages.add(english)
        organization.capabilities.add(Capability.objects.get(slug="anaesthesia"))
        person = surgeons(organization, 1)[0]
        PersonSpecialty.objects.create(person=person, specialty=specialty("anaesthesia"), proficiency=3)
        speaks(person, "lg")
        earlier = partnership((organization, PartyRole.SENDING), (host, PartyRole.HOST))
        past_mission(earlier, site)


@pytest.mark.parametrize("crowd", [1, 12])
def test_partner_recommendations_take_a_fixed_number_of_queries(
    need, host, site, crowd, django_assert_max_num_queries
):
    site.languages.set(Language.objects.filter(code__in=["en", "lg"]))
    host.value_tags.set(ValueTag.objects.filter(slug="host-led"))
    _crowd(host, site, crowd)
    with django_assert_max_num_queries(22):
        result = recommend_partners(need)
    assert result.count == crowd
    assert all(item.works_with_host for item in result.ranked)
    assert all(item.score.component("site").value == 0.5 for item in result.ranked)


@pytest.mark.parametrize("count", [1, 12])
def test_recommended_needs_take_a_fixed_number_of_queries(
    need, active_partnership, sending, host, site, users, count, django_assert_max_num_queries
):
    surgeons(sending, 2)
    site.languages.set(Language.objects.filter(code="en"))
    for index in range(count - 1):
        extra = mission_services.create_need(
            actor=users["host_admin"],
            author=host,
            site=site,
            data={
                "title": f"Need {index}",
                "description": "More.",
                "earliest_start": datetime.date(2027, 4, 1),
                "latest_end": datetime.date(2027, 6, 30),
            },
            lines=[(specialty("general-surgery"), 1), (specialty("midwifery"), 2)],
        )
        extra.languages.set(Language.objects.filter(code="fr"))
    user = users["member"]
    user.refresh_from_db()  # no memberships cached
    with django_assert_max_num_queries(22):
        result = recommend_needs(sending, viewer=user, today=TODAY)
    assert result.count == count
