"""The merge screen: choosing two records, comparing them side by side, merging."""

import datetime

import pytest
from django.urls import reverse

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, Credential, Person

from .conftest import credential_type

pytestmark = pytest.mark.django_db
MERGE = reverse("volunteers:merge")


def person_of(organization, **fields) -> Person:
    person = Person.objects.create(**fields)
    Affiliation.objects.create(person=person, organization=organization, kind=AffiliationKind.HOME)
    return person


@pytest.fixture
def coordinator_client(users, client_for):
    return client_for(users["coordinator"])


@pytest.fixture
def pair(sending):
    kept = person_of(sending, full_name="Joseph Mutua", email="joseph.mutua@example.org", phone="")
    other = person_of(
        sending, full_name="Joseph K. Mutua", email="JOSEPH.MUTUA@example.org", phone="0700 111222",
        date_of_birth=datetime.date(1980, 2, 2),
    )  # fmt: skip
    Credential.objects.create(
        person=other,
        credential_type=credential_type("bls"),
        issuing_body="ERC",
        number="BLS-7",
        expires_on=datetime.date(2030, 1, 1),
    )
    return kept, other


def url(kept, other) -> str:
    return f"{MERGE}?keep={kept.pk}&merge={other.pk}"


def test_the_chooser_lists_the_organisations_people_and_possible_duplicates(coordinator_client, pair, other):
    person_of(other, full_name="Someone Elsewhere")

    response = coordinator_client.get(MERGE)

    assert response.status_code == 200
    assert [person.full_name for person in response.context["people"]] == ["Joseph K. Mutua", "Joseph Mutua"]
    assert [(item["first"], item["second"]) for item in response.context["pairs"]] == [pair]
    assert "Someone Elsewhere" not in response.content.decode()


def test_the_chooser_searches_by_name_or_email(coordinator_client, pair, sending):
    person_of(sending, full_name="Grace Achieng", email="grace@example.org")

    response = coordinator_client.get(MERGE, {"q": "grace@"})

    assert [person.full_name for person in response.context["people"]] == ["Grace Achieng"]


def test_choosing_only_one_record_asks_for_the_other(coordinator_client, pair):
    response = coordinator_client.get(MERGE, {"keep": pair[0].pk})

    assert response.status_code == 400
    assert "Choose one record to keep and one to merge" in response.content.decode()


def test_the_two_records_are_shown_side_by_side_with_differences_to_choose(coordinator_client, pair):
    kept, other = pair

    response = coordinator_client.get(url(kept, other))

    assert response.status_code == 200
    rows = {row["name"]: row for row in response.context["rows"]}
    assert rows["take_phone"]["differs"] is True
    assert rows["take_phone"]["choice"] == "merge"  # empty on the kept record: offered from the other
    assert rows["take_visibility"]["differs"] is False
    assert rows["take_email"]["choice"] == "keep"
    page = response.content.decode()
    assert 'name="take_phone" value="merge"' in page
    assert "BLS-7" in page
    assert response.context["problem"] == ""
    assert f"keep={other.pk}&amp;merge={kept.pk}" in page  # swap


def test_merging_takes_the_chosen_values_and_goes_to_the_kept_person(coordinator_client, pair, sending):
    kept, other = pair

    response = coordinator_client.post(
        MERGE, {"keep": kept.pk, "merge": other.pk, "take_phone": "merge", "take_email": "keep"}
    )

    assert response.status_code == 302
    assert response["Location"] == kept.get_absolute_url()
    kept.refresh_from_db()
    other.refresh_from_db()
    assert kept.phone == "0700 111222"
    assert kept.email == "joseph.mutua@example.org"
    assert kept.date_of_birth is None  # not chosen
    assert other.merged_into == kept
    assert kept.credentials.get().number == "BLS-7"
    entry = AuditEntry.objects.get(action="volunteers.person.merged")
    assert (entry.data["kept"], entry.data["merged"], entry.organization) == (kept.pk, other.pk, sending)


def test_a_refused_merge_shows_the_reason_and_changes_nothing(coordinator_client, sending):
    first = person_of(sending, user=make_user("one@example.org", "One"), full_name="Joseph Mutua")
    second = person_of(sending, user=make_user("two@example.org", "Two"), full_name="Joseph Mutua")

    page = coordinator_client.get(url(first, second))
    assert "only one account can own a profile" in page.context["problem"]
    assert 'type="submit">Merge<' not in page.content.decode()
    response = coordinator_client.post(MERGE, {"keep": first.pk, "merge": second.pk})

    assert response.status_code == 400
    assert "only one account can own a profile" in response.content.decode()
    assert not Person.objects.filter(merged_into__isnull=False).exists()


def test_a_claimed_kept_record_offers_no_field_choices(coordinator_client, sending, pair):
    _kept, other = pair
    claimed = person_of(sending, user=make_user("joseph@example.org", "Joseph"), full_name="Joseph Mutua")

    response = coordinator_client.get(url(claimed, other))

    assert response.context["locked_fields"] is True
    assert 'name="take_phone"' not in response.content.decode()


def test_people_of_another_organisation_are_not_found(users, client_for, other):
    first = person_of(other, full_name="Someone")
    second = person_of(other, full_name="Someone")

    response = client_for(users["coordinator"]).get(url(first, second))

    assert response.status_code == 404


def test_a_member_who_does_not_vet_is_refused(users, client_for, pair):
    response = client_for(users["member"]).post(MERGE, {"keep": pair[0].pk, "merge": pair[1].pk})

    assert response.status_code == 403
    assert not Person.objects.filter(merged_into__isnull=False).exists()


def test_people_with_the_same_name_and_birth_date_are_offered_as_possible_duplicates(
    coordinator_client, sending
):
    birth = datetime.date(1975, 7, 7)
    first = person_of(sending, full_name="Grace Achieng", email="grace@example.org", date_of_birth=birth)
    second = person_of(sending, full_name="grace achieng", email="g.achieng@example.org", date_of_birth=birth)
    person_of(sending, full_name="Grace Achieng", email="another.grace@example.org")

    response = coordinator_client.get(MERGE)

    assert [(item["first"], item["second"]) for item in response.context["pairs"]] == [(first, second)]
