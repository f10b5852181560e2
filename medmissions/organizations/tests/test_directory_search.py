"""The partner directory search: filters, taxonomy descendants, ranking by shared value tags."""

from __future__ import annotations

import pytest

from medmissions.core.models import Language
from medmissions.organizations.models import Capability, Organization, ValueTag
from medmissions.organizations.services import search_directory

pytestmark = pytest.mark.django_db


def tags(*slugs):
    return list(ValueTag.objects.filter(slug__in=slugs))


def capabilities(*slugs):
    return list(Capability.objects.filter(slug__in=slugs))


def languages(*codes):
    return list(Language.objects.filter(code__in=codes))


@pytest.fixture
def world(sending, host, other):
    """Four organisations with explicit terms; ``sending`` is the one searching."""
    faith = Organization.objects.create(
        name="Faith Mission Partners", slug="faith-mission", country="GB", kind="faith_based_ngo"
    )
    sending.value_tags.set(tags("host-led", "teaching", "long-term"))
    host.value_tags.set(tags("host-led", "teaching", "safeguarding"))
    host.capabilities.set(capabilities("surgery", "anaesthesia"))
    host.languages.set(languages("en", "lg"))
    host.area = "Eastern Region"
    host.description = "Regional referral hospital for surgery."
    host.is_verified = True
    host.save()
    other.value_tags.set(tags("host-led"))
    other.capabilities.set(capabilities("vaccination"))
    other.languages.set(languages("sw", "en"))
    other.description = "A community clinic."
    other.values_statement = "Community-led care."
    other.save()
    faith.value_tags.set(tags("faith-based"))
    faith.capabilities.set(capabilities("clinical"))
    return {"sending": sending, "host": host, "other": other, "faith": faith}


def slugs(queryset) -> list[str]:
    return [organization.slug for organization in queryset]


def search(**filters):
    return search_directory(Organization.objects.all(), **filters)


def test_without_filters_everything_is_listed_verified_first_then_by_name(world):
    assert slugs(search()) == ["mbale-hospital", "bridge-health", "faith-mission", "unrelated-clinic"]


def test_it_filters_by_kind(world):
    assert slugs(search(kind="hospital")) == ["mbale-hospital"]


def test_it_filters_by_country(world):
    assert slugs(search(country="GB")) == ["bridge-health", "faith-mission"]


def test_choosing_a_parent_capability_finds_organisations_with_a_child_capability(world):
    found = slugs(search(capabilities=capabilities("clinical")))

    assert found == ["mbale-hospital", "faith-mission"]


def test_choosing_a_child_capability_does_not_find_the_parent_or_siblings(world):
    assert slugs(search(capabilities=capabilities("surgery"))) == ["mbale-hospital"]
    assert slugs(search(capabilities=capabilities("eye-care"))) == []


def test_capabilities_may_be_given_as_primary_keys(world):
    parent = Capability.objects.get(slug="public-health")

    assert slugs(search(capabilities=[parent.pk])) == ["unrelated-clinic"]


def test_several_capabilities_match_any_of_them(world):
    assert slugs(search(capabilities=capabilities("vaccination", "surgery"))) == [
        "mbale-hospital",
        "unrelated-clinic",
    ]


def test_it_filters_by_any_of_the_value_tags(world):
    assert slugs(search(value_tags=tags("faith-based"))) == ["faith-mission"]
    assert slugs(search(value_tags=tags("safeguarding", "faith-based"))) == [
        "mbale-hospital",
        "faith-mission",
    ]


def test_it_filters_by_any_of_the_languages(world):
    assert slugs(search(languages=languages("lg"))) == ["mbale-hospital"]
    assert slugs(search(languages=languages("lg", "sw"))) == ["mbale-hospital", "unrelated-clinic"]


def test_free_text_searches_name_description_values_and_area_ignoring_case(world):
    assert slugs(search(text="REFERRAL")) == ["mbale-hospital"]
    assert slugs(search(text="eastern")) == ["mbale-hospital"]
    assert slugs(search(text="community-led")) == ["unrelated-clinic"]
    assert slugs(search(text="faith")) == ["faith-mission"]


def test_every_word_of_the_free_text_must_match(world):
    assert slugs(search(text="community clinic")) == ["unrelated-clinic"]
    assert slugs(search(text="community surgery")) == []


def test_blank_free_text_is_ignored(world):
    assert len(search(text="   ")) == 4


def test_it_can_show_verified_organisations_only(world):
    assert slugs(search(verified_only=True)) == ["mbale-hospital"]


def test_different_filters_must_all_hold(world):
    assert slugs(search(country="UG", capabilities=capabilities("clinical"))) == ["mbale-hospital"]
    assert slugs(search(country="GB", capabilities=capabilities("surgery"))) == []
    assert slugs(search(value_tags=tags("host-led"), languages=languages("sw"))) == ["unrelated-clinic"]


def test_results_rank_by_the_number_of_value_tags_shared_with_my_organisation(world):
    results = search(for_organization=world["sending"])

    ranked = [(organization.slug, organization.matching_tags) for organization in results]
    assert ranked == [
        ("bridge-health", 3),
        ("mbale-hospital", 2),
        ("unrelated-clinic", 1),
        ("faith-mission", 0),
    ]


def test_ties_in_shared_tags_rank_verified_first_then_by_name(world):
    world["other"].value_tags.set(tags("host-led", "teaching"))

    results = search(for_organization=world["sending"], value_tags=tags("teaching"))

    assert [(o.slug, o.matching_tags) for o in results] == [
        ("bridge-health", 3),
        ("mbale-hospital", 2),
        ("unrelated-clinic", 2),
    ]
    world["host"].is_verified = False
    world["host"].save(update_fields=["is_verified"])
    results = search(for_organization=world["sending"], value_tags=tags("teaching"))
    assert slugs(results)[1:] == ["mbale-hospital", "unrelated-clinic"]


def test_without_my_organisation_every_match_count_is_zero(world):
    assert {organization.matching_tags for organization in search()} == {0}


def test_an_organisation_without_value_tags_ranks_nothing(world):
    world["sending"].value_tags.clear()

    assert {organization.matching_tags for organization in search(for_organization=world["sending"])} == {0}


def test_no_organisation_appears_twice_however_many_terms_it_matches(world):
    results = search(
        for_organization=world["sending"],
        capabilities=capabilities("clinical", "surgery", "anaesthesia"),
        value_tags=tags("host-led", "teaching", "safeguarding"),
        languages=languages("en", "lg"),
        text="hospital",
    )

    assert [(o.slug, o.matching_tags) for o in results] == [("mbale-hospital", 2)]
    assert results.count() == 1


def test_counts_and_rows_agree_for_pagination(world):
    results = search(
        for_organization=world["sending"],
        value_tags=tags("host-led", "teaching", "safeguarding"),
        languages=languages("en", "lg", "sw"),
    )

    assert results.count() == len(list(results)) == len(set(slugs(results))) == 2
