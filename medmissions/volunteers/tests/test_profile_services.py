"""Profile services: one's own profile (claiming by verified email), registering people, editing
(owner yes; a home organisation's vetting admins only while unclaimed), specialties, languages,
availability, affiliations, and the reading helpers the pages and the API share."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.models import Language
from medmissions.volunteers import services
from medmissions.volunteers.choices import AffiliationKind, AvailabilityKind, Proficiency
from medmissions.volunteers.models import (
    Affiliation,
    AvailabilityWindow,
    Person,
    PersonLanguage,
    PersonSpecialty,
)

from .conftest import specialty


def counts() -> dict[str, int]:
    """Row counts that refused or bad input must leave unchanged."""
    return {
        "people": Person.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "specialties": PersonSpecialty.objects.count(),
        "languages": PersonLanguage.objects.count(),
        "availability": AvailabilityWindow.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def language(code: str) -> Language:
    return Language.objects.get(code=code)


@pytest.fixture
def unclaimed(users, sending) -> Person:
    return services.register_person(
        sending,
        actor=users["coordinator"],
        data={"full_name": "Joseph Mutua", "email": "Joseph.Mutua@example.org", "phone": "+254 700 000001"},
    )


# One's own profile --------------------------------------------------------------------------------


def test_a_first_visit_creates_the_profile_from_the_account(db):
    user = make_user("amina@example.org", "Amina Diallo")
    person = services.get_or_create_own_person(user)
    assert (person.user, person.full_name, person.email) == (user, "Amina Diallo", "amina@example.org")
    assert services.get_or_create_own_person(user) == person
    assert Person.objects.filter(user=user).count() == 1
    [entry] = AuditEntry.objects.filter(action="volunteers.person.created")
    assert entry.actor == user


def test_a_verified_account_claims_the_profile_registered_under_its_email(unclaimed):
    user = make_user("joseph.mutua@example.org", "Joseph M.")
    person = services.get_or_create_own_person(user)
    assert person == unclaimed
    assert person.user == user
    # The organisation's data stays; nothing is duplicated.
    assert person.phone == "+254 700 000001"
    assert Person.objects.count() == 1
    assert AuditEntry.objects.filter(action="volunteers.person.claimed", actor=user).count() == 1


def test_an_unverified_address_does_not_claim_anything(unclaimed):
    user = make_user("joseph.mutua@example.org", "Joseph M.", email_verified_at=None)
    person = services.get_or_create_own_person(user)
    assert person != unclaimed
    unclaimed.refresh_from_db()
    assert unclaimed.user is None


def test_erased_and_merged_profiles_are_never_claimed(unclaimed):
    survivor = Person.objects.create(full_name="Joseph Mutua (kept)")
    unclaimed.merged_into = survivor
    unclaimed.save()
    user = make_user("joseph.mutua@example.org", "Joseph M.")
    assert services.get_or_create_own_person(user) != unclaimed
    unclaimed.refresh_from_db()
    assert unclaimed.user is None


# Registering ---------------------------------------------------------------------------------------


def test_a_coordinator_registers_a_person_with_a_home_affiliation(unclaimed, users, sending):
    assert unclaimed.user is None
    assert unclaimed.email == "joseph.mutua@example.org"
    assert unclaimed.created_by == users["coordinator"]
    [affiliation] = unclaimed.affiliations.all()
    assert (affiliation.organization, affiliation.kind) == (sending, AffiliationKind.HOME)
    [entry] = AuditEntry.objects.filter(action="volunteers.person.registered")
    assert entry.organization == sending
    assert entry.changes["full_name"] == [None, "Joseph Mutua"]


@pytest.mark.parametrize("name", ["member", "viewer", "outsider"])
def test_only_vetting_admins_register_people(name, users, sending):
    before = counts()
    with pytest.raises(NotAllowed):
        services.register_person(sending, actor=users[name], data={"full_name": "Somebody"})
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"full_name": "  "}, "full_name"),
        ({"full_name": "A", "email": "not-an-address"}, "email"),
        ({"full_name": "A", "nationality": "XX"}, "nationality"),
        ({"full_name": "A", "date_of_birth": datetime.date(2999, 1, 1)}, "date_of_birth"),
        ({"full_name": "A", "years_of_experience": 99}, "years_of_experience"),
        ({"full_name": "A", "visibility": "everyone"}, "visibility"),
        ({"full_name": "A", "phone": "1" * 41}, "phone"),
        ({"full_name": "x" * 151}, "full_name"),
    ],
)
def test_bad_registrations_change_nothing(data, field, users, sending):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.register_person(sending, actor=users["coordinator"], data=data)
    assert field in caught.value.fields
    assert counts() == before


def test_a_profession_must_be_a_top_level_node(users, sending):
    with pytest.raises(ValidationFailed) as caught:
        services.register_person(
            sending, actor=users["coordinator"], data={"full_name": "A", "profession": specialty("surgery")}
        )
    assert set(caught.value.fields) == {"profession"}


# Who edits ----------------------------------------------------------------------------------------


def test_the_owner_edits_their_profile_and_the_change_is_audited(volunteer, volunteer_user):
    services.update_profile(
        volunteer,
        actor=volunteer_user,
        data={"phone": " +44 7700 900123 ", "nationality": "GB", "email": "other@example.org"},
    )
    volunteer.refresh_from_db()
    assert volunteer.phone == "+44 7700 900123"
    assert volunteer.nationality.code == "GB"
    # A claimed profile keeps its account's address.
    assert volunteer.email == "volunteer@example.org"
    [entry] = AuditEntry.objects.filter(action="volunteers.person.updated")
    assert entry.actor == volunteer_user
    assert entry.changes["phone"] == ["", "+44 7700 900123"]


@pytest.mark.parametrize("name", ["admin", "coordinator"])
def test_home_vetting_admins_edit_unclaimed_profiles(name, users, unclaimed):
    services.update_profile(unclaimed, actor=users[name], data={"email": "j.mutua@example.org"})
    unclaimed.refresh_from_db()
    assert unclaimed.email == "j.mutua@example.org"


@pytest.mark.parametrize("name", ["admin", "coordinator", "member", "viewer", "outsider", "host_admin"])
def test_nobody_else_edits_a_claimed_profile(name, users, volunteer):
    before = counts()
    with pytest.raises(NotAllowed):
        services.update_profile(volunteer, actor=users[name], data={"phone": "+1 555"})
    with pytest.raises(NotAllowed):
        services.set_specialties(volunteer, actor=users[name], entries=[])
    assert counts() == before


@pytest.mark.parametrize("name", ["member", "viewer", "outsider", "host_admin"])
def test_only_home_vetting_admins_edit_unclaimed_profiles(name, users, unclaimed):
    with pytest.raises(NotAllowed):
        services.update_profile(unclaimed, actor=users[name], data={"phone": "+1 555"})


def test_sharing_for_vetting_does_not_let_the_organisation_edit_an_unclaimed_profile(users, host):
    person = Person.objects.create(full_name="Shared Only")
    Affiliation.objects.create(person=person, organization=host, kind=AffiliationKind.VETTING)
    with pytest.raises(NotAllowed):
        services.update_profile(person, actor=users["host_admin"], data={"phone": "+1 555"})


@pytest.mark.parametrize("closed", ["erased", "merged"])
def test_erased_and_merged_profiles_refuse_every_change(closed, volunteer, volunteer_user, sending):
    if closed == "erased":
        volunteer.erased_at = timezone.now()
    else:
        volunteer.merged_into = Person.objects.create(full_name="Survivor")
    volunteer.save()
    before = counts()
    attempts = [
        lambda: services.update_profile(volunteer, actor=volunteer_user, data={"phone": "+1"}),
        lambda: services.set_specialties(volunteer, actor=volunteer_user, entries=[]),
        lambda: services.set_languages(volunteer, actor=volunteer_user, entries=[]),
        lambda: services.add_availability(
            volunteer,
            actor=volunteer_user,
            kind=AvailabilityKind.AVAILABLE,
            starts_on=datetime.date(2027, 1, 1),
            ends_on=datetime.date(2027, 1, 31),
        ),
        lambda: services.add_home_organization(volunteer, actor=volunteer_user, organization=sending),
        lambda: services.share_with_organization(volunteer, actor=volunteer_user, organization=sending),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed) as caught:
            attempt()
        assert caught.value.code == "profile_closed"
    assert counts() == before


# Specialties and languages ------------------------------------------------------------------------


def test_specialties_are_replaced_and_audited(volunteer, volunteer_user):
    services.set_specialties(
        volunteer,
        actor=volunteer_user,
        entries=[
            (specialty("anaesthesia"), Proficiency.COMPETENT),
            (specialty("surgery"), Proficiency.EXPERT),
        ],
    )
    assert {(row.specialty.slug, row.proficiency) for row in volunteer.specialties.all()} == {
        ("anaesthesia", 2),
        ("surgery", 4),
    }
    [entry] = AuditEntry.objects.filter(action="volunteers.person.specialties_set")
    assert entry.changes["specialties"] == [["general-surgery:3"], ["anaesthesia:2", "surgery:4"]]


@pytest.mark.parametrize(
    "entries",
    [
        [("general-surgery", 3), ("general-surgery", 2)],
        [("anaesthesia", 9)],
    ],
)
def test_bad_specialties_change_nothing(entries, volunteer, volunteer_user):
    before = counts()
    with pytest.raises(ValidationFailed):
        services.set_specialties(
            volunteer, actor=volunteer_user, entries=[(specialty(slug), level) for slug, level in entries]
        )
    assert counts() == before
    assert [row.specialty.slug for row in volunteer.specialties.all()] == ["general-surgery"]


def test_languages_are_replaced_with_three_levels(volunteer, volunteer_user):
    services.set_languages(volunteer, actor=volunteer_user, entries=[(language("fr"), 3, 2, 1)])
    [row] = volunteer.languages.all()
    assert (row.language.code, row.speaking, row.reading, row.writing) == ("fr", 3, 2, 1)
    with pytest.raises(ValidationFailed):
        services.set_languages(
            volunteer, actor=volunteer_user, entries=[(language("sw"), 2, 2, 2), (language("sw"), 1, 1, 1)]
        )
    with pytest.raises(ValidationFailed):
        services.set_languages(volunteer, actor=volunteer_user, entries=[(language("sw"), 5, 0, 0)])
    assert [row.language.code for row in volunteer.languages.all()] == ["fr"]


# Availability ---------------------------------------------------------------------------------------


def test_availability_windows_are_added_and_removed(volunteer, volunteer_user):
    window = services.add_availability(
        volunteer,
        actor=volunteer_user,
        kind=AvailabilityKind.UNAVAILABLE,
        starts_on=datetime.date(2027, 6, 1),
        ends_on=datetime.date(2027, 6, 14),
        note=" Exams ",
    )
    assert window.note == "Exams"
    services.remove_availability(window, actor=volunteer_user)
    assert not volunteer.availability.exists()
    entries = AuditEntry.objects.filter(action__startswith="volunteers.availability.").order_by("pk")
    assert [entry.action for entry in entries] == [
        "volunteers.availability.created",
        "volunteers.availability.deleted",
    ]
    assert entries[0].changes["starts_on"] == [None, "2027-06-01"]


@pytest.mark.parametrize(
    ("kind", "starts_on", "ends_on", "note", "field"),
    [
        ("sometimes", datetime.date(2027, 1, 1), datetime.date(2027, 1, 2), "", "kind"),
        ("available", datetime.date(2027, 1, 2), datetime.date(2027, 1, 1), "", "ends_on"),
        ("available", datetime.date(2027, 1, 1), datetime.date(2027, 1, 2), "n" * 201, "note"),
    ],
)
def test_bad_windows_change_nothing(kind, starts_on, ends_on, note, field, volunteer, volunteer_user):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.add_availability(
            volunteer, actor=volunteer_user, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note
        )
    assert field in caught.value.fields
    assert counts() == before


def test_a_vetting_admin_cannot_remove_a_claimed_profiles_dates(volunteer, volunteer_user, users):
    window = services.add_availability(
        volunteer,
        actor=volunteer_user,
        kind=AvailabilityKind.AVAILABLE,
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 1, 31),
    )
    with pytest.raises(NotAllowed):
        services.remove_availability(window, actor=users["admin"])
    assert AvailabilityWindow.objects.filter(pk=window.pk).exists()


# Affiliations ----------------------------------------------------------------------------------------


def test_the_owner_shares_their_profile_and_withdraws_it(volunteer, volunteer_user, host):
    affiliation = services.share_with_organization(volunteer, actor=volunteer_user, organization=host)
    assert affiliation.kind == AffiliationKind.VETTING
    with pytest.raises(Conflict):
        services.share_with_organization(volunteer, actor=volunteer_user, organization=host)
    services.remove_affiliation(affiliation, actor=volunteer_user)
    assert not volunteer.affiliations.filter(organization=host).exists()
    actions = list(
        AuditEntry.objects.filter(organization=host).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["volunteers.person.shared", "volunteers.affiliation.deleted"]


def test_the_owner_adds_a_home_organisation_once(volunteer, volunteer_user, host):
    services.add_home_organization(volunteer, actor=volunteer_user, organization=host)
    with pytest.raises(Conflict):
        services.add_home_organization(volunteer, actor=volunteer_user, organization=host)
    assert volunteer.affiliations.filter(organization=host, kind=AffiliationKind.HOME).count() == 1


@pytest.mark.parametrize("name", ["admin", "coordinator", "outsider"])
def test_only_the_person_manages_their_affiliations(name, users, volunteer, host):
    affiliation = volunteer.affiliations.get()
    before = counts()
    with pytest.raises(NotAllowed):
        services.share_with_organization(volunteer, actor=users[name], organization=host)
    with pytest.raises(NotAllowed):
        services.add_home_organization(volunteer, actor=users[name], organization=host)
    with pytest.raises(NotAllowed):
        services.remove_affiliation(affiliation, actor=users[name])
    assert counts() == before


# Reading helpers ---------------------------------------------------------------------------------------


def test_the_specialty_tree_lists_full_paths_depth_first(db):
    tree = services.specialty_tree()
    paths = [node.path for node in tree]
    assert "Medicine › Surgery › General surgery" in paths
    medicine = paths.index("Medicine")
    assert paths[medicine + 1].startswith("Medicine › ")
    assert all(node.depth == node.path.count("›") for node in tree)


def test_people_filters_reach_down_the_tree(volunteer, unclaimed, volunteer_user, sending):
    services.set_languages(volunteer, actor=volunteer_user, entries=[(language("fr"), 3, 3, 3)])
    everyone = Person.objects.all()

    def names(**filters):
        return sorted(person.full_name for person in services.filter_people(everyone, **filters))

    assert names(specialty=specialty("surgery")) == ["Nadia Okafor"]
    assert names(specialty=specialty("medicine")) == ["Nadia Okafor"]
    assert names(specialty=specialty("nursing")) == []
    assert names(language=language("fr")) == ["Nadia Okafor"]
    assert names(q="MUTUA") == ["Joseph Mutua"]
    assert names(q="volunteer@") == ["Nadia Okafor"]
    assert names(trainee=True) == []
    assert names(organization=sending, kind=AffiliationKind.HOME) == ["Joseph Mutua", "Nadia Okafor"]
    assert names(organization=sending, kind=AffiliationKind.VETTING) == []


def test_partners_see_the_professional_part_only(volunteer, volunteer_user, users, active_partnership):
    services.update_profile(volunteer, actor=volunteer_user, data={"visibility": "partners"})
    assert volunteer in Person.objects.visible_to(users["host_member"])
    assert services.sees_personal_details(users["host_member"], volunteer) is False
    assert services.sees_personal_details(users["viewer"], volunteer) is True
    assert services.sees_personal_details(volunteer_user, volunteer) is True


def test_the_checklist_names_what_is_missing(volunteer, volunteer_user, today):
    missing = {item.key for item in services.completion_checklist(volunteer) if not item.done}
    assert missing == {
        "phone",
        "nationality",
        "date_of_birth",
        "languages",
        "availability",
        "home_employer",
        "emergency_contact",
        "credentials",
    }
    services.update_profile(
        volunteer,
        actor=volunteer_user,
        data={"home_employer": "Leeds Teaching Hospitals", "emergency_contact_name": "Ade"},
    )
    missing = {item.key for item in services.completion_checklist(volunteer) if not item.done}
    assert "home_employer" not in missing
    # Leave approval matters once there is an employer; a contact needs a phone number.
    assert {"employer_leave_approved", "emergency_contact"} <= missing
    services.add_availability(
        volunteer,
        actor=volunteer_user,
        kind=AvailabilityKind.AVAILABLE,
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=300),
    )
    assert "availability" in {item.key for item in services.completion_checklist(volunteer) if not item.done}
