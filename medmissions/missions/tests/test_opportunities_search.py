"""Opportunity search: which missions are found, the filters, tag matches, WHO regions and the
viewer's requirement checks (the same answers as readiness, in a fixed number of queries)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medmissions.core.errors import ValidationFailed
from medmissions.missions import discovery
from medmissions.missions.choices import AssignmentStatus, MissionStatus
from medmissions.missions.models import Assignment, Completion, Course, Mission
from medmissions.missions.regions import REGION_OF_COUNTRY, WhoRegion, countries_in, region_label, region_of
from medmissions.volunteers.choices import AvailabilityKind, LanguageLevel, Proficiency
from medmissions.volunteers.models import AvailabilityWindow, CredentialType, PersonLanguage
from medmissions.volunteers.readiness import RoleRequirements, readiness

from .test_opportunities_support import (
    END,
    START,
    TODAY,
    credential,
    language,
    opportunity,
    partnership_abroad,
    specialty,
    tags,
    volunteer,
)

pytestmark = pytest.mark.django_db


def found(today=TODAY, **raw) -> list[str]:
    filters = discovery.clean_filters(raw)
    return [mission.title for mission in discovery.search_opportunities(filters, today=today)]


@pytest.fixture
def uganda(active_partnership, site):
    return opportunity(active_partnership, site, title="Mbale surgical camp", description="Hernia repair.")


# Which missions ------------------------------------------------------------------------------------


def test_only_recruiting_host_confirmed_missions_that_have_not_ended_are_found(active_partnership, site):
    opportunity(active_partnership, site, title="Recruiting")
    opportunity(active_partnership, site, title="Draft", status=MissionStatus.DRAFT, confirmed=False)
    opportunity(active_partnership, site, title="Not confirmed", confirmed=False)
    opportunity(active_partnership, site, title="Ready", status=MissionStatus.READY)
    opportunity(
        active_partnership,
        site,
        title="Ended",
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2027, 1, 9),
    )
    opportunity(
        active_partnership,
        site,
        title="Ends today",
        starts_on=datetime.date(2027, 1, 1),
        ends_on=TODAY,
    )
    assert found() == ["Ends today", "Recruiting"]


def test_a_role_matches_its_specialty_a_broader_one_and_a_narrower_one(active_partnership, site):
    opportunity(active_partnership, site, title="Surgery", roles=[("Surgeon", "surgery", 1)])
    opportunity(active_partnership, site, title="General surgery", roles=[("GS", "general-surgery", 1)])
    opportunity(active_partnership, site, title="Anaesthesia", roles=[("Anaesthetist", "anaesthesia", 1)])
    # A "Surgery" role takes a general surgeon; a general-surgery role is a surgery role.
    assert found(specialty="general-surgery") == ["General surgery", "Surgery"]
    assert found(specialty="surgery") == ["General surgery", "Surgery"]
    assert found(specialty="medicine") == ["Anaesthesia", "General surgery", "Surgery"]
    assert found(specialty="orthopaedic-surgery") == ["Surgery"]
    assert found(specialty="nursing") == []


def test_country_and_who_region(uganda, sending):
    peru, lima, _host = partnership_abroad(
        sending, host_name="Hospital Loayza", slug="loayza", country="PE", site_name="Loayza", town="Lima"
    )
    opportunity(peru, lima, title="Lima cleft camp")
    nepal, pokhara, _host = partnership_abroad(
        sending, host_name="Pokhara Hospital", slug="pokhara", country="NP", site_name="Western Regional"
    )
    opportunity(nepal, pokhara, title="Pokhara eye camp")
    assert found(country="ug") == ["Mbale surgical camp"]
    assert found(region="AFRO") == ["Mbale surgical camp"]
    assert found(region="amro") == ["Lima cleft camp"]
    assert found(region="SEARO") == ["Pokhara eye camp"]
    assert found(region="EURO") == []
    assert found(region="AFRO", country="PE") == []


def test_a_mission_must_lie_inside_the_availability_window_and_the_durations(active_partnership, site):
    opportunity(active_partnership, site, title="May (15 days)")
    opportunity(
        active_partnership,
        site,
        title="June (1 day)",
        starts_on=datetime.date(2027, 6, 10),
        ends_on=datetime.date(2027, 6, 10),
    )
    opportunity(
        active_partnership,
        site,
        title="Summer (92 days)",
        starts_on=datetime.date(2027, 6, 1),
        ends_on=datetime.date(2027, 8, 31),
    )
    assert found(available_from="2027-05-03") == ["May (15 days)", "Summer (92 days)", "June (1 day)"]
    assert found(available_from="2027-05-04") == ["Summer (92 days)", "June (1 day)"]
    assert found(available_until="2027-06-30") == ["May (15 days)", "June (1 day)"]
    assert found(available_from="2027-05-01", available_until="2027-05-17") == ["May (15 days)"]
    assert found(min_days=15) == ["May (15 days)", "Summer (92 days)"]
    assert found(min_days=16) == ["Summer (92 days)"]
    assert found(max_days=15) == ["May (15 days)", "June (1 day)"]
    assert found(max_days=14) == ["June (1 day)"]
    assert found(min_days=2, max_days=30) == ["May (15 days)"]


def test_language_of_a_role_or_of_the_site(active_partnership, site):
    opportunity(active_partnership, site, title="Swahili role", role_languages=["sw"])
    opportunity(active_partnership, site, title="No language")
    assert found(language="sw") == ["Swahili role"]
    site.languages.set([language("lg")])
    assert found(language="lg") == ["No language", "Swahili role"]
    assert found(language="fr") == []


def test_value_tags_of_any_party_organisation(uganda, sending, host):
    assert found(value_tags=["teaching"]) == []
    host.value_tags.set(tags("teaching"))
    assert found(value_tags=["teaching"]) == ["Mbale surgical camp"]
    assert found(value_tags="faith-based,teaching") == ["Mbale surgical camp"]
    host.value_tags.clear()
    sending.value_tags.set(tags("faith-based"))
    assert found(value_tags=["teaching", "faith-based"]) == ["Mbale surgical camp"]
    assert found(value_tags=["secular"]) == []


def test_free_text_searches_title_description_site_and_organisations(uganda):
    assert found(q="mbale") == ["Mbale surgical camp"]
    assert found(q="hernia") == ["Mbale surgical camp"]
    assert found(q="outpatient") == ["Mbale surgical camp"]  # the site's name
    assert found(q="Bridge Health") == ["Mbale surgical camp"]  # the sending organisation
    assert found(q="Regional Hospital") == ["Mbale surgical camp"]  # the host
    assert found(q="hernia cardiology") == []  # every word must match somewhere


def test_filters_are_checked_and_name_every_wrong_one():
    with pytest.raises(ValidationFailed) as caught:
        discovery.clean_filters(
            {
                "q": "x" * 201,
                "specialty": "astrology",
                "country": "XX",
                "region": "MARS",
                "available_from": "2027-06-01",
                "available_until": "2027-05-01",
                "min_days": "20",
                "max_days": "10",
                "language": "klingon",
                "value_tags": ["teaching", "nonsense"],
            }
        )
    assert set(caught.value.fields) == {
        "q",
        "specialty",
        "country",
        "region",
        "available_until",
        "max_days",
        "language",
        "value_tags",
    }
    assert "nonsense" in caught.value.fields["value_tags"]
    with pytest.raises(ValidationFailed) as caught:
        discovery.clean_filters({"available_from": "tomorrow", "min_days": "0", "max_days": "many"})
    assert set(caught.value.fields) == {"available_from", "min_days", "max_days"}


def test_cleaned_filters_round_trip_through_their_codes():
    raw = {
        "q": "hernia",
        "specialty": "surgery",
        "country": "UG",
        "region": "AFRO",
        "available_from": "2027-05-01",
        "available_until": "2027-06-30",
        "min_days": 7,
        "max_days": 30,
        "language": "sw",
        "value_tags": ["teaching", "host-led"],
        "page": "2",  # not a filter: ignored
    }
    filters = discovery.clean_filters(raw)
    assert filters.specialty == specialty("surgery")
    assert filters.as_dict() == {
        **{k: v for k, v in raw.items() if k != "page"},
        "value_tags": ["host-led", "teaching"],
    }
    assert discovery.clean_filters(filters.as_dict()) == filters
    assert discovery.clean_filters({}).is_empty
    assert "value_tags=host-led&value_tags=teaching" in filters.query_string()


# WHO regions ---------------------------------------------------------------------------------------


def test_every_who_member_state_has_a_region():
    # 194 Member States, plus Palestine (observer) and the associate members Puerto Rico and Tokelau.
    assert len(REGION_OF_COUNTRY) == 197
    counts = {region: len(countries_in(region)) for region in WhoRegion.values}
    assert counts == {"AFRO": 47, "AMRO": 36, "SEARO": 10, "EURO": 53, "EMRO": 22, "WPRO": 29}
    assert region_of("ug") == "AFRO"
    assert region_of("ID") == "WPRO"  # moved from South-East Asia in 2025
    assert region_of("GB") == "EURO"
    assert region_of("XK") is None and region_of("") is None
    assert countries_in("MARS") == []
    assert region_label("EMRO") == "Eastern Mediterranean"
    assert region_label("MARS") == ""


# Tag matches and the viewer's requirements -----------------------------------------------------------


def test_tag_matches_count_the_viewers_tags_the_organisations_share(uganda, sending, host):
    _user, person = volunteer(value_tags=["host-led", "teaching", "faith-based"])
    host.value_tags.set(tags("host-led", "long-term"))
    sending.value_tags.set(tags("teaching", "host-led"))
    viewer = discovery.viewer_for(person.user)
    (result,) = discovery.build_results(list(discovery.with_details(Mission.objects.all())), viewer)
    assert (result.tag_match.count, result.tag_match.of) == (2, 3)
    assert [tag.slug for tag in result.tag_match.tags] == ["host-led", "teaching"]
    assert result.tag_match.names == "Host-led, Teaching and training"
    nobody = discovery.Viewer(person=None, tags=[])
    (result,) = discovery.build_results(list(discovery.with_details(Mission.objects.all())), nobody)
    assert (result.tag_match.count, result.tag_match.of) == (0, 0)
    assert result.best is not None and result.best.checks == []


def _rows(checks):
    return [(check.key, check.label, check.met, check.reason, check.due_by) for check in checks]


def test_requirement_checks_give_the_same_answers_as_readiness(uganda, sending):
    _user, person = volunteer()
    credential(person, "passport", expires_on=datetime.date(2031, 1, 1), verified_by=sending)
    credential(
        person,
        "professional-licence",
        country="GB",
        expires_on=datetime.date(2027, 5, 10),
        verified_by=sending,
    )
    credential(
        person,
        "host-temporary-licence",
        country="KE",
        expires_on=datetime.date(2028, 1, 1),
        verified_by=sending,
    )
    credential(person, "malpractice-insurance", expires_on=datetime.date(2028, 1, 1))
    PersonLanguage.objects.create(person=person, language=language("sw"), speaking=LanguageLevel.FLUENT)
    AvailabilityWindow.objects.create(
        person=person, kind=AvailabilityKind.UNAVAILABLE, starts_on=datetime.date(2027, 5, 15), ends_on=END
    )
    role = uganda.roles.get()
    role.minimum_proficiency = Proficiency.EXPERT
    role.save()
    role.languages.set([language("sw"), language("fr")])
    role.extra_credentials.set([CredentialType.objects.get(slug="acls")])
    expected = readiness(
        person,
        "UG",
        START,
        END,
        RoleRequirements(
            credential_types=list(role.extra_credentials.all()),
            specialty=role.specialty,
            minimum_proficiency=role.minimum_proficiency,
            languages=list(role.languages.all()),
        ),
        today=TODAY,
    )
    mission = discovery.with_details(Mission.objects.filter(pk=uganda.pk)).get()
    checks = discovery.requirement_checks(person, [(mission, mission.roles.all()[0])], today=TODAY)[role.pk]
    assert _rows(checks) == _rows(expected.checks)
    assert {check.key for check in checks if not check.met} >= {
        "credential:host-temporary-licence",  # issued by Kenya, not Uganda
        "credential:professional-licence",  # expires before the mission ends
        "credential:malpractice-insurance",  # not verified
        "credential:acls",  # the role's extra
        "specialty",  # experienced, expert needed
        "language:fr",
        "availability",
    }


def test_required_courses_are_checked_as_on_the_readiness_board(uganda):
    _user, person = volunteer()
    course = Course.objects.create(slug="ug-orientation", title="Uganda orientation", valid_for_days=365)
    role = uganda.roles.get()
    role.required_courses.set([course])

    def course_check():
        mission = discovery.with_details(Mission.objects.filter(pk=uganda.pk)).get()
        checks = discovery.requirement_checks(person, [(mission, mission.roles.all()[0])], today=TODAY)
        return next(check for check in checks[role.pk] if check.key == "course:ug-orientation")

    assert (course_check().met, course_check().reason) == (False, "Not completed yet.")
    Completion.objects.create(person=person, course=course, completed_on=datetime.date(2026, 1, 10))
    assert course_check().met is False  # lapses on 10 January 2027, before the mission ends
    Completion.objects.create(person=person, course=course, completed_on=datetime.date(2026, 12, 1))
    assert course_check().met is True


def test_requirement_checks_cost_the_same_queries_for_one_role_or_many(uganda, sending):
    _user, person = volunteer()
    credential(person, "passport", expires_on=datetime.date(2031, 1, 1), verified_by=sending)
    peru, lima, _host = partnership_abroad(
        sending, host_name="Loayza", slug="loayza", country="PE", site_name="L"
    )
    for number in range(4):
        opportunity(
            peru,
            lima,
            title=f"Lima {number}",
            roles=[("Surgeon", "surgery", 1), ("Nurse", "nursing", 1)],
            role_languages=["fr"],
        )

    def pairs(missions):
        return [(mission, role) for mission in missions for role in mission.roles.all()]

    one = pairs(discovery.with_details(Mission.objects.filter(pk=uganda.pk)))
    many = pairs(discovery.with_details(Mission.objects.all()))
    assert len(many) == 9
    with CaptureQueriesContext(connection) as first:
        discovery.requirement_checks(person, one, today=TODAY)
    with CaptureQueriesContext(connection) as second:
        result = discovery.requirement_checks(person, many, today=TODAY)
    assert len(first) == len(second) == 9
    assert len(result) == 9


def test_the_best_fit_is_the_open_role_of_ones_specialty_with_the_fewest_gaps(active_partnership, site):
    mission = opportunity(
        active_partnership,
        site,
        roles=[
            ("Anaesthetist", "anaesthesia", 1),
            ("General surgeon", "general-surgery", 1),
            ("Surgeon", "surgery", 1),
        ],
    )
    _user, person = volunteer()
    viewer = discovery.viewer_for(person.user)

    def best():
        (result,) = discovery.build_results(
            list(discovery.with_details(Mission.objects.all())), viewer, today=TODAY
        )
        return result.best.role.title

    assert best() == "General surgeon"
    # A full role gives way to an open one.
    _other_user, other = volunteer("bruno@example.org", "Bruno")
    full = mission.roles.get(title="General surgeon")
    Assignment.objects.create(mission=mission, role=full, person=other, starts_on=START, ends_on=END)
    assert best() == "Surgeon"
    (result,) = discovery.build_results(
        list(discovery.with_details(Mission.objects.all())), viewer, today=TODAY
    )
    assert [fit.places_left for fit in result.roles] == [1, 0, 1]
    assert [fit.role.title for fit in result.open_roles] == ["Anaesthetist", "Surgeon"]
    Assignment.objects.filter(role=full).update(status=AssignmentStatus.WITHDRAWN)
    assert best() == "General surgeon"
