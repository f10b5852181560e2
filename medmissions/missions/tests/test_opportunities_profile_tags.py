"""The values that matter to a person (Person.value_tags): chosen in the profile wizard or the API,
shown on their own profile only, and matched against organisations in opportunity search."""

import pytest
from django.urls import reverse
from django.utils import timezone

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import NotAllowed
from medmissions.missions import discovery
from medmissions.testing import assert_api_error, put_json
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, Person

from .test_opportunities_support import tags, volunteer

pytestmark = pytest.mark.django_db

WIZARD = reverse("volunteers:wizard", args=["visibility"])


@pytest.fixture
def surgeon(sending):
    user, person = volunteer()
    Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
    return user, person


def slugs(person: Person) -> list[str]:
    return sorted(person.value_tags.values_list("slug", flat=True))


# Service --------------------------------------------------------------------------------------------


def test_only_the_person_chooses_their_values_and_changes_are_audited(surgeon, users, sending):
    user, person = surgeon
    chosen = discovery.set_value_tags(person, actor=user, tags=tags("teaching", "host-led"))
    assert [tag.slug for tag in chosen] == ["host-led", "teaching"]
    assert slugs(person) == ["host-led", "teaching"]
    entry = AuditEntry.objects.get(action="volunteers.person.value_tags_set")
    assert entry.changes == {"value_tags": [[], ["host-led", "teaching"]]}
    discovery.set_value_tags(person, actor=user, tags=tags("teaching", "host-led"))  # no change, no entry
    assert AuditEntry.objects.filter(action="volunteers.person.value_tags_set").count() == 1
    with pytest.raises(NotAllowed):
        discovery.set_value_tags(person, actor=users["coordinator"], tags=[])
    unclaimed = Person.objects.create(full_name="Joseph Mutua")
    Affiliation.objects.create(person=unclaimed, organization=sending, kind=AffiliationKind.HOME)
    with pytest.raises(NotAllowed) as caught:  # vetting admins complete the profile, not its values
        discovery.set_value_tags(unclaimed, actor=users["coordinator"], tags=tags("teaching"))
    assert caught.value.code == "not_profile_owner"
    person.erased_at = timezone.now()
    person.save()
    with pytest.raises(NotAllowed) as caught:
        discovery.set_value_tags(person, actor=user, tags=[])
    assert caught.value.code == "profile_closed"
    assert slugs(person) == ["host-led", "teaching"]


# Pages ----------------------------------------------------------------------------------------------


def test_the_visibility_step_saves_the_values_with_the_visibility(surgeon, client_for):
    user, person = surgeon
    client = client_for(user)
    page = client.get(WIZARD)
    assert page.status_code == 200
    assert "Values that matter to me" in page.content.decode()
    ids = [str(tag.pk) for tag in tags("teaching", "equity")]
    response = client.post(
        WIZARD, {"visibility": "partners", "values-shown": "True", "values-value_tags": ids}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.visibility == "partners"
    assert slugs(person) == ["equity", "teaching"]
    # A post without the values part (an older form) leaves them alone.
    assert client.post(WIZARD, {"visibility": "organisations"}).status_code == 302
    assert slugs(person) == ["equity", "teaching"]
    # Unticking everything clears them.
    client.post(WIZARD, {"visibility": "organisations", "values-shown": "True"})
    assert slugs(person) == []
    bad = client.post(
        WIZARD, {"visibility": "organisations", "values-shown": "True", "values-value_tags": ["999999"]}
    )
    assert bad.status_code == 400


def test_values_show_on_ones_own_profile_only(surgeon, users, client_for):
    user, person = surgeon
    person.value_tags.set(tags("faith-based"))
    mine = client_for(user).get(reverse("volunteers:my_profile")).content.decode()
    assert "Values that matter to me" in mine and "Faith-based" in mine
    own_page = client_for(user).get(reverse("volunteers:person", args=[person.pk])).content.decode()
    assert "Faith-based" in own_page
    theirs = client_for(users["coordinator"]).get(reverse("volunteers:person", args=[person.pk]))
    assert theirs.status_code == 200
    assert "Faith-based" not in theirs.content.decode()


# API ------------------------------------------------------------------------------------------------


def test_the_api_reads_and_writes_ones_own_values(surgeon, users, api_client_for, client_for):
    user, person = surgeon
    person.value_tags.set(tags("teaching"))
    api = api_client_for(user)
    assert api.get("/api/v1/people/me").json()["value_tags"] == ["teaching"]
    assert (
        api_client_for(users["coordinator"]).get(f"/api/v1/people/{person.pk}").json()["value_tags"] is None
    )
    address = f"/api/v1/people/{person.pk}/value-tags"
    response = put_json(api, address, {"value_tags": ["host-led", "equity", "host-led"]})
    assert response.status_code == 200, response.content
    assert response.json()["value_tags"] == ["equity", "host-led"]
    assert_api_error(
        put_json(api, address, {"value_tags": ["host-led", "astrology"]}), 400, "invalid", ["value_tags"]
    )
    assert_api_error(put_json(api, address, {}), 400, "invalid", ["value_tags"])
    assert_api_error(
        put_json(api_client_for(users["coordinator"]), address, {"value_tags": []}), 403, "not_profile_owner"
    )
    assert_api_error(put_json(api_client_for(users["outsider"]), address, {"value_tags": []}), 404)
    assert_api_error(put_json(client_for(None), address, {"value_tags": []}), 401)
    assert slugs(person) == ["equity", "host-led"]
