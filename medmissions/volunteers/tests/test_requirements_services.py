"""Country requirement services: who edits which country, validation, duplicates, the audit trail,
and the filter that finds the rules concerning a profession or specialty."""

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_organization, make_user
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.volunteers import requirements as services
from medmissions.volunteers.models import CountryRequirement

from .conftest import credential_type, specialty

pytestmark = pytest.mark.django_db


@pytest.fixture
def ministry(db):
    return make_organization("Kenya Ministry of Health", "kenya-moh", "KE", "ministry")


@pytest.fixture
def ministry_coordinator(ministry):
    user = make_user("moh.coordinator@example.org", "Ministry Coordinator")
    Membership.objects.create(user=user, organization=ministry, role=Role.COORDINATOR)
    return user


@pytest.fixture
def staff(db):
    return make_user("staff@example.org", "Platform Staff", is_staff=True)


def rule(**extra):
    data = {
        "country": "KE",
        "specialty": specialty("dentistry"),
        "credential_type": credential_type("acls"),
        "lead_time_days": 14,
        "notes": "  Ask the county health office.  ",
    }
    data.update(extra)
    return data


def counts():
    return {"requirements": CountryRequirement.objects.count(), "audit": AuditEntry.objects.count()}


# Who may edit -----------------------------------------------------------------------------------


def test_editable_countries(ministry_coordinator, staff, users):
    assert services.editable_countries(staff) == {"*"}
    assert services.editable_countries(ministry_coordinator) == {"KE"}
    # A coordinator of an NGO or a hospital edits no country, not even its own.
    assert services.editable_countries(users["coordinator"]) == set()
    assert services.editable_countries(users["host_admin"]) == set()
    assert services.editable_countries(None) == set()


def test_a_ministry_coordinator_adds_a_rule_for_their_country(ministry_coordinator, ministry):
    created = services.create_requirement(actor=ministry_coordinator, data=rule())

    assert (created.country.code, created.specialty.slug, created.credential_type.slug) == (
        "KE",
        "dentistry",
        "acls",
    )
    assert created.lead_time_days == 14
    assert created.notes == "Ask the county health office."
    assert created.updated_by == ministry_coordinator
    entry = AuditEntry.objects.get(action="volunteers.country_requirement.created")
    assert (entry.actor, entry.organization) == (ministry_coordinator, ministry)
    assert entry.changes["lead_time_days"] == [None, 14]


def test_platform_staff_add_rules_for_any_country(staff):
    created = services.create_requirement(actor=staff, data=rule(country="GB"))
    assert created.country.code == "GB"
    assert AuditEntry.objects.get(action="volunteers.country_requirement.created").organization is None


def test_a_ministry_coordinator_cannot_add_rules_for_another_country(ministry_coordinator):
    before = counts()
    with pytest.raises(NotAllowed) as caught:
        services.create_requirement(actor=ministry_coordinator, data=rule(country="UG"))
    assert caught.value.code == "cannot_edit_country"
    assert counts() == before


@pytest.mark.parametrize("persona", ["admin", "coordinator", "member", "outsider", "host_admin"])
def test_coordinators_of_other_kinds_of_organisation_cannot_add_rules(persona, users):
    before = counts()
    with pytest.raises(NotAllowed):
        services.create_requirement(actor=users[persona], data=rule(country="GB"))
    assert counts() == before


def test_a_member_of_the_ministry_without_the_role_cannot_add_rules(ministry):
    member = make_user("moh.member@example.org", "Ministry Member")
    Membership.objects.create(user=member, organization=ministry, role=Role.MEMBER)
    with pytest.raises(NotAllowed):
        services.create_requirement(actor=member, data=rule())


def test_someone_who_edits_no_country_is_refused_before_their_input_is_read(users):
    with pytest.raises(NotAllowed):
        services.create_requirement(actor=users["coordinator"], data={"country": "nowhere"})


# Validation and duplicates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"credential_type": None}, "credential_type"),
        ({"specialty": "dentistry"}, "specialty"),
        ({"lead_time_days": -1}, "lead_time_days"),
        ({"lead_time_days": 366}, "lead_time_days"),
        ({"lead_time_days": "ten"}, "lead_time_days"),
    ],
)
def test_invalid_rules_are_refused_field_by_field(changes, field, staff):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.create_requirement(actor=staff, data=rule(**changes))
    assert field in caught.value.fields
    assert counts() == before


def test_the_same_rule_twice_is_a_conflict(staff):
    services.create_requirement(actor=staff, data=rule())
    before = counts()
    with pytest.raises(Conflict):
        services.create_requirement(actor=staff, data=rule(lead_time_days=30))
    assert counts() == before


def test_the_same_rule_for_everyone_twice_is_a_conflict_too(staff):
    # Kenya's seeded rules already ask everyone for a passport.
    with pytest.raises(Conflict):
        services.create_requirement(
            actor=staff, data=rule(specialty=None, credential_type=credential_type("passport"))
        )


# Changing and deleting --------------------------------------------------------------------------


@pytest.fixture
def kenyan_rule(staff):
    return services.create_requirement(actor=staff, data=rule())


def test_a_ministry_coordinator_changes_their_countrys_rule(kenyan_rule, ministry_coordinator, ministry):
    services.update_requirement(kenyan_rule, actor=ministry_coordinator, data={"lead_time_days": 60})
    kenyan_rule.refresh_from_db()
    assert kenyan_rule.lead_time_days == 60
    assert kenyan_rule.specialty.slug == "dentistry"
    entry = AuditEntry.objects.get(action="volunteers.country_requirement.updated")
    assert (entry.organization, entry.changes) == (ministry, {"lead_time_days": [14, 60]})


def test_a_rule_cannot_be_moved_to_a_country_one_does_not_edit(kenyan_rule, ministry_coordinator):
    with pytest.raises(NotAllowed):
        services.update_requirement(kenyan_rule, actor=ministry_coordinator, data={"country": "UG"})
    kenyan_rule.refresh_from_db()
    assert kenyan_rule.country.code == "KE"


def test_another_countrys_rule_cannot_be_changed_or_deleted(ministry_coordinator):
    ugandan = CountryRequirement.objects.filter(country="UG").first()
    with pytest.raises(NotAllowed):
        services.update_requirement(ugandan, actor=ministry_coordinator, data={"lead_time_days": 1})
    with pytest.raises(NotAllowed):
        services.delete_requirement(ugandan, actor=ministry_coordinator)
    assert CountryRequirement.objects.filter(pk=ugandan.pk).exists()


def test_a_change_that_duplicates_another_rule_is_a_conflict(kenyan_rule, staff):
    with pytest.raises(Conflict):
        services.update_requirement(
            kenyan_rule, actor=staff, data={"credential_type": credential_type("professional-licence")}
        )


def test_a_rule_can_become_a_rule_for_everyone(kenyan_rule, staff):
    services.update_requirement(kenyan_rule, actor=staff, data={"specialty": None})
    kenyan_rule.refresh_from_db()
    assert kenyan_rule.specialty is None


def test_deleting_a_rule(kenyan_rule, ministry_coordinator, ministry):
    services.delete_requirement(kenyan_rule, actor=ministry_coordinator)
    assert not CountryRequirement.objects.filter(pk=kenyan_rule.pk).exists()
    entry = AuditEntry.objects.get(action="volunteers.country_requirement.deleted")
    assert (entry.actor, entry.organization) == (ministry_coordinator, ministry)


# Filtering --------------------------------------------------------------------------------------


def test_the_rules_concerning_a_specialty_include_everyones_its_ancestors_and_its_own(staff):
    surgeons = services.create_requirement(
        actor=staff,
        data=rule(specialty=specialty("general-surgery"), credential_type=credential_type("acls")),
    )
    found = services.filter_requirements(
        CountryRequirement.objects.all(), country="ke", specialty=specialty("general-surgery")
    )
    who = {(item.specialty.slug if item.specialty else None) for item in found}
    assert who == {None, "medicine", "general-surgery"}
    assert surgeons in found
    assert all(item.country.code == "KE" for item in found)


def test_a_profession_finds_the_rules_of_its_specialties_too(staff):
    surgeons = services.create_requirement(
        actor=staff,
        data=rule(specialty=specialty("general-surgery"), credential_type=credential_type("acls")),
    )
    found = services.filter_requirements(CountryRequirement.objects.all(), specialty=specialty("medicine"))
    assert surgeons in found
    assert not found.filter(specialty__slug="nursing").exists()
