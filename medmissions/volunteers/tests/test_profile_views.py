"""Pages of the volunteer profile: my profile, the wizard's steps, organisations of my profile,
readiness, and the people of an organisation (list, detail, registration, unclaimed profiles)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
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

ME = reverse("volunteers:my_profile")


def wizard(step: str) -> str:
    return reverse("volunteers:wizard", args=[step])


def counts() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "specialties": PersonSpecialty.objects.count(),
        "languages": PersonLanguage.objects.count(),
        "availability": AvailabilityWindow.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def formset_data(prefix: str, rows: list[dict], initial: int = 0) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = str(value)
    return data


@pytest.fixture
def unclaimed(users, sending) -> Person:
    return services.register_person(
        sending, actor=users["coordinator"], data={"full_name": "Joseph Mutua", "email": "joseph@example.org"}
    )


def test_anonymous_visitors_are_sent_to_sign_in(db, client_for, volunteer):
    window = AvailabilityWindow.objects.create(
        person=volunteer,
        kind="available",
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 1, 2),
    )
    for address in [
        ME,
        wizard("basics"),
        reverse("volunteers:add_affiliation"),
        reverse("volunteers:withdraw_affiliation", args=[volunteer.affiliations.get().pk]),
        reverse("volunteers:remove_availability", args=[window.pk]),
        reverse("volunteers:people"),
        reverse("volunteers:register_person"),
        reverse("volunteers:person", args=[volunteer.pk]),
        reverse("volunteers:person_wizard", args=[volunteer.pk, "basics"]),
    ]:
        response = client_for(None).get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("accounts:login"))


# My profile ---------------------------------------------------------------------------------------


def test_the_first_visit_creates_my_profile(db, client_for):
    user = make_user("amina@example.org", "Amina Diallo")
    response = client_for(user).get(ME)
    assert response.status_code == 200
    person = Person.objects.get(user=user)
    assert response.context["person"] == person
    assert {item.key for item in response.context["missing"]} >= {"profession", "languages", "organizations"}
    assert b"Amina Diallo" in response.content


def test_the_first_visit_claims_the_profile_an_organisation_registered(unclaimed, client_for):
    user = make_user("joseph@example.org", "Joseph Mutua")
    client_for(user).get(ME)
    unclaimed.refresh_from_db()
    assert unclaimed.user == user
    assert Person.objects.count() == 1


def test_my_profile_shows_everything(volunteer, volunteer_user, client_for, make_credential, host):
    services.set_languages(
        volunteer, actor=volunteer_user, entries=[(Language.objects.get(code="fr"), 3, 2, 1)]
    )
    services.share_with_organization(volunteer, actor=volunteer_user, organization=host)
    services.update_profile(
        volunteer,
        actor=volunteer_user,
        data={"home_employer": "Leeds Teaching Hospitals", "emergency_contact_name": "Ade Okafor"},
    )
    make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1))
    response = client_for(volunteer_user).get(ME)
    assert response.status_code == 200
    content = response.content.decode()
    for text in [
        "Medicine › Surgery › General surgery",
        "Experienced",
        "French",
        "Fluent",
        "Leeds Teaching Hospitals",
        "Ade Okafor",
        "Mbale Regional Hospital",
        "Shared for vetting",
        "Bridge Health UK",
        "Passport",
        "Not verified",
    ]:
        assert text in content, text
    assert response.context["credentials"][0]["status"] == "unverified"


def test_the_readiness_check_lists_every_requirement(volunteer, volunteer_user, client_for, sending):
    start = timezone.localdate() + datetime.timedelta(days=120)
    response = client_for(volunteer_user).get(
        ME,
        {
            "country": "KE",
            "start": start.isoformat(),
            "end": (start + datetime.timedelta(days=14)).isoformat(),
            "organization": sending.slug,
        },
    )
    assert response.status_code == 200
    result = response.context["readiness"]
    assert not result.ready
    keys = {check.key for check in result.checks}
    assert {"credential:passport", "credential:host-temporary-licence", "availability"} <= keys
    assert "Host-country temporary licence (Kenya)" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"country": "KE", "start": "2027-04-20", "end": "2027-04-01"},
        {"country": "ZZ", "start": "2027-04-01", "end": "2027-04-20"},
        {"country": "KE", "start": "soon", "end": "2027-04-20"},
    ],
)
def test_a_bad_readiness_question_answers_400(query, volunteer, volunteer_user, client_for):
    response = client_for(volunteer_user).get(ME, query)
    assert response.status_code == 400
    assert response.context["readiness"] is None
    assert response.context["readiness_form"].errors


# The wizard ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step", ["basics", "specialties", "languages", "availability", "employer", "visibility"]
)
def test_every_step_renders_with_its_progress(step, volunteer, volunteer_user, client_for):
    response = client_for(volunteer_user).get(wizard(step))
    assert response.status_code == 200
    assert response.context["total"] == 6
    assert response.context["step"].slug == step
    assert 'aria-current="step"' in response.content.decode()


def test_an_unknown_step_is_404(volunteer, volunteer_user, client_for):
    assert client_for(volunteer_user).get(wizard("shoe-size")).status_code == 404


def test_the_basics_step_saves_and_moves_on(volunteer, volunteer_user, client_for):
    response = client_for(volunteer_user).post(
        wizard("basics"),
        {
            "full_name": "Nadia Okafor-Smith",
            "phone": "+44 7700 900123",
            "date_of_birth": "1985-03-02",
            "nationality": "NG",
            "email": "ignored@example.org",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == wizard("specialties")
    volunteer.refresh_from_db()
    assert volunteer.full_name == "Nadia Okafor-Smith"
    assert volunteer.date_of_birth == datetime.date(1985, 3, 2)
    assert volunteer.nationality.code == "NG"
    assert volunteer.email == "volunteer@example.org"


@pytest.mark.parametrize(
    "data",
    [
        {"full_name": "", "phone": "+44"},
        {"full_name": "Nadia", "date_of_birth": "2999-01-01"},
        {"full_name": "Nadia", "nationality": "XX"},
    ],
)
def test_bad_basics_answer_400_and_change_nothing(data, volunteer, volunteer_user, client_for):
    before = counts()
    response = client_for(volunteer_user).post(wizard("basics"), data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert counts() == before
    volunteer.refresh_from_db()
    assert volunteer.full_name == "Nadia Okafor"


def test_the_specialties_step_saves_profession_and_rows(volunteer, volunteer_user, client_for):
    data = {
        "profession-profession": specialty("nursing").pk,
        "profession-years_of_experience": "4",
        "profession-is_trainee": "on",
        **formset_data(
            "specialty",
            [
                {"specialty": specialty("midwifery").pk, "proficiency": Proficiency.COMPETENT},
                {"specialty": "", "proficiency": ""},
            ],
            initial=1,
        ),
    }
    response = client_for(volunteer_user).post(wizard("specialties"), data)
    assert response.status_code == 302
    assert response["Location"] == wizard("languages")
    volunteer.refresh_from_db()
    assert (volunteer.profession.slug, volunteer.years_of_experience, volunteer.is_trainee) == (
        "nursing",
        4,
        True,
    )
    assert [(row.specialty.slug, row.proficiency) for row in volunteer.specialties.all()] == [
        ("midwifery", 2)
    ]


def test_the_specialties_step_offers_the_tree_with_full_paths(volunteer, volunteer_user, client_for):
    content = client_for(volunteer_user).get(wizard("specialties")).content.decode()
    assert "Medicine › Surgery › General surgery" in content
    assert '<optgroup label="Medicine">' in content
    assert "named supervisor" in content


@pytest.mark.parametrize(
    "rows",
    [
        [
            {"specialty": "general-surgery", "proficiency": 3},
            {"specialty": "general-surgery", "proficiency": 2},
        ],
        [{"specialty": "anaesthesia", "proficiency": ""}],
        [{"specialty": "999999", "proficiency": 2}],
    ],
)
def test_bad_specialties_answer_400_and_change_nothing(rows, volunteer, volunteer_user, client_for):
    for row in rows:
        if not row["specialty"].isdigit():
            row["specialty"] = specialty(row["specialty"]).pk
    data = {"profession-profession": specialty("nursing").pk, **formset_data("specialty", rows, initial=1)}
    before = counts()
    response = client_for(volunteer_user).post(wizard("specialties"), data)
    assert response.status_code == 400
    assert counts() == before
    volunteer.refresh_from_db()
    assert volunteer.profession.slug == "medicine"


def test_the_languages_step_saves_three_levels_and_rejects_duplicates(volunteer, volunteer_user, client_for):
    french = Language.objects.get(code="fr").pk
    client = client_for(volunteer_user)
    row = {"language": french, "speaking": 3, "reading": 2, "writing": 1}
    response = client.post(
        wizard("languages"), formset_data("language", [row, {"speaking": 0, "reading": 0, "writing": 0}])
    )
    assert response.status_code == 302
    assert response["Location"] == wizard("availability")
    [saved] = volunteer.languages.all()
    assert (saved.language.code, saved.speaking, saved.reading, saved.writing) == ("fr", 3, 2, 1)

    before = counts()
    response = client.post(wizard("languages"), formset_data("language", [row, row], initial=1))
    assert response.status_code == 400
    assert "listed twice" in response.content.decode()
    assert counts() == before


def test_the_availability_step_adds_and_removes_dates(volunteer, volunteer_user, client_for):
    client = client_for(volunteer_user)
    response = client.post(
        wizard("availability"),
        {
            "kind": AvailabilityKind.UNAVAILABLE,
            "starts_on": "2027-06-01",
            "ends_on": "2027-06-14",
            "note": "Exams",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == wizard("availability")
    window = volunteer.availability.get()
    assert (window.kind, window.note) == ("unavailable", "Exams")

    remove = reverse("volunteers:remove_availability", args=[window.pk])
    confirm = client.get(remove)
    assert confirm.status_code == 200
    assert "Remove" in confirm.content.decode()
    assert volunteer.availability.exists()
    response = client.post(remove)
    assert response.status_code == 302
    assert not volunteer.availability.exists()


def test_dates_ending_before_they_start_answer_400(volunteer, volunteer_user, client_for):
    before = counts()
    response = client_for(volunteer_user).post(
        wizard("availability"), {"kind": "available", "starts_on": "2027-06-14", "ends_on": "2027-06-01"}
    )
    assert response.status_code == 400
    assert "ends_on" in response.context["form"].errors
    assert counts() == before


def test_nobody_else_removes_my_dates(volunteer, volunteer_user, users, client_for):
    window = services.add_availability(
        volunteer,
        actor=volunteer_user,
        kind="available",
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 1, 31),
    )
    remove = reverse("volunteers:remove_availability", args=[window.pk])
    assert client_for(users["admin"]).post(remove).status_code == 403
    assert client_for(users["outsider"]).post(remove).status_code == 404
    assert volunteer.availability.exists()


def test_the_employer_step_saves_the_emergency_contact(volunteer, volunteer_user, client_for):
    response = client_for(volunteer_user).post(
        wizard("employer"),
        {
            "home_employer": "Leeds Teaching Hospitals",
            "employer_leave_approved": "on",
            "emergency_contact_name": "Ade Okafor",
            "emergency_contact_relationship": "Brother",
            "emergency_contact_phone": "+44 7700 900999",
            "emergency_contact_email": "ade@example.org",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == wizard("visibility")
    volunteer.refresh_from_db()
    assert volunteer.employer_leave_approved is True
    assert volunteer.emergency_contact_phone == "+44 7700 900999"
    bad = client_for(volunteer_user).post(wizard("employer"), {"emergency_contact_email": "nope"})
    assert bad.status_code == 400


def test_the_last_step_saves_visibility_and_returns_to_the_profile(volunteer, volunteer_user, client_for):
    response = client_for(volunteer_user).post(wizard("visibility"), {"visibility": "partners"})
    assert response.status_code == 302
    assert response["Location"] == ME
    volunteer.refresh_from_db()
    assert volunteer.visibility == "partners"
    assert client_for(volunteer_user).post(wizard("visibility"), {"visibility": "all"}).status_code == 400


def test_a_closed_profile_cannot_be_edited(volunteer, volunteer_user, client_for):
    volunteer.erased_at = timezone.now()
    volunteer.save()
    assert client_for(volunteer_user).get(wizard("basics")).status_code == 403
    response = client_for(volunteer_user).get(ME)
    assert response.status_code == 200
    assert response.context["closed"] is True


# Organisations of my profile ----------------------------------------------------------------------


def test_i_share_my_profile_and_withdraw_it(volunteer, volunteer_user, client_for, host):
    client = client_for(volunteer_user)
    add = reverse("volunteers:add_affiliation")
    assert client.get(add).status_code == 200
    response = client.post(add, {"organization": host.pk, "kind": AffiliationKind.VETTING})
    assert response.status_code == 302
    assert response["Location"] == wizard("visibility")
    affiliation = volunteer.affiliations.get(organization=host)
    assert affiliation.kind == "vetting"

    again = client.post(add, {"organization": host.pk, "kind": AffiliationKind.VETTING})
    assert again.status_code == 400
    assert "can already see your profile" in again.content.decode()

    withdraw = reverse("volunteers:withdraw_affiliation", args=[affiliation.pk])
    assert client.get(withdraw).status_code == 200
    assert client.post(withdraw).status_code == 302
    assert not volunteer.affiliations.filter(organization=host).exists()


def test_i_add_a_home_organisation(volunteer, volunteer_user, client_for, host):
    response = client_for(volunteer_user).post(
        reverse("volunteers:add_affiliation"), {"organization": host.pk, "kind": AffiliationKind.HOME}
    )
    assert response.status_code == 302
    assert volunteer.affiliations.filter(organization=host, kind="home").exists()


def test_nobody_else_withdraws_my_affiliations(volunteer, users, client_for):
    withdraw = reverse("volunteers:withdraw_affiliation", args=[volunteer.affiliations.get().pk])
    assert client_for(users["admin"]).post(withdraw).status_code == 404
    assert volunteer.affiliations.exists()


# People of an organisation --------------------------------------------------------------------------


def test_members_list_the_people_of_their_organisation(volunteer, unclaimed, users, client_for, host):
    stranger = Person.objects.create(full_name="Someone Elsewhere")
    Affiliation.objects.create(person=stranger, organization=host, kind=AffiliationKind.HOME)
    for name in ["admin", "viewer"]:
        response = client_for(users[name]).get(reverse("volunteers:people"))
        assert response.status_code == 200
        assert [row["person"] for row in response.context["rows"]] == [
            unclaimed,
            volunteer,
        ]
    assert response.context["can_register"] is False
    assert client_for(users["coordinator"]).get(reverse("volunteers:people")).context["can_register"] is True
    assert client_for(users["outsider"]).get(reverse("volunteers:people")).context["rows"] == []


def test_the_people_list_filters(volunteer, unclaimed, volunteer_user, users, client_for):
    services.set_languages(
        volunteer, actor=volunteer_user, entries=[(Language.objects.get(code="sw"), 2, 2, 2)]
    )
    client = client_for(users["member"])

    def names(**query):
        response = client.get(reverse("volunteers:people"), query)
        assert response.status_code == 200
        return [row["person"].full_name for row in response.context["rows"]]

    assert names(q="joseph") == ["Joseph Mutua"]
    assert names(specialty=specialty("surgery").pk) == ["Nadia Okafor"]
    assert names(language=Language.objects.get(code="sw").pk) == ["Nadia Okafor"]
    assert names(trainee="yes") == []
    assert names(trainee="no") == ["Joseph Mutua", "Nadia Okafor"]
    assert names(kind="vetting") == []
    assert client.get(reverse("volunteers:people"), {"specialty": "999999"}).status_code == 400


def test_the_people_list_is_paginated(users, client_for, sending):
    for number in range(30):
        person = Person.objects.create(full_name=f"Health worker {number:02}")
        Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
    client = client_for(users["member"])
    first = client.get(reverse("volunteers:people"))
    assert len(first.context["rows"]) == 25
    second = client.get(reverse("volunteers:people"), {"page": 2})
    assert [row["person"].full_name for row in second.context["rows"]] == [
        f"Health worker {number}" for number in range(25, 30)
    ]


def test_the_person_page_shows_the_profile_to_its_organisations(
    volunteer, users, client_for, make_credential
):
    make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1))
    address = reverse("volunteers:person", args=[volunteer.pk])
    admin = client_for(users["admin"]).get(address)
    assert admin.status_code == 200
    assert admin.context["personal"] is True
    assert admin.context["can_edit"] is False
    [credential] = admin.context["credentials"]
    assert credential["status"] == "unverified"
    # Vetting admins open documents; members and viewers do not.
    assert credential["document_url"]
    viewer = client_for(users["viewer"]).get(address)
    assert viewer.status_code == 200
    assert viewer.context["credentials"][0]["document_url"] is None
    assert client_for(users["outsider"]).get(address).status_code == 404
    assert client_for(users["host_admin"]).get(address).status_code == 404


def test_partners_see_the_profile_without_contact_details(
    volunteer, volunteer_user, users, client_for, active_partnership
):
    services.update_profile(
        volunteer, actor=volunteer_user, data={"visibility": "partners", "phone": "+44 7700 900123"}
    )
    response = client_for(users["host_member"]).get(reverse("volunteers:person", args=[volunteer.pk]))
    assert response.status_code == 200
    assert response.context["personal"] is False
    assert "+44 7700 900123" not in response.content.decode()
    assert "General surgery" in response.content.decode()


def test_the_person_page_checks_readiness_for_the_current_organisation(volunteer, users, client_for, sending):
    address = reverse("volunteers:person", args=[volunteer.pk])
    response = client_for(users["coordinator"]).get(address)
    assert response.context["readiness_form"].initial == {"organization": sending.slug}
    response = client_for(users["coordinator"]).get(
        address, {"country": "UG", "start": "2030-01-10", "end": "2030-01-20", "organization": sending.slug}
    )
    assert response.status_code == 200
    assert response.context["readiness"].checks


def test_a_coordinator_registers_a_person(users, client_for, sending):
    client = client_for(users["coordinator"])
    assert client.get(reverse("volunteers:register_person")).status_code == 200
    response = client.post(
        reverse("volunteers:register_person"),
        {"full_name": "Grace Achieng", "email": "grace@example.org", "profession": specialty("nursing").pk},
    )
    person = Person.objects.get(full_name="Grace Achieng")
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    assert person.affiliations.get().organization == sending
    assert "Grace Achieng is registered" in messages_of(response)[0]


def test_bad_registrations_answer_400_and_change_nothing(users, client_for):
    before = counts()
    response = client_for(users["coordinator"]).post(
        reverse("volunteers:register_person"), {"full_name": "", "email": "nope"}
    )
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize("name", ["member", "viewer"])
def test_members_and_viewers_do_not_register_people(name, users, client_for):
    assert client_for(users[name]).get(reverse("volunteers:register_person")).status_code == 403
    assert (
        client_for(users[name]).post(reverse("volunteers:register_person"), {"full_name": "X"}).status_code
        == 403
    )


def test_a_coordinator_completes_an_unclaimed_profile(unclaimed, users, client_for):
    client = client_for(users["coordinator"])
    page = client.get(reverse("volunteers:person", args=[unclaimed.pk]))
    assert page.context["can_edit"] is True
    assert {item.key for item in page.context["checklist"]} >= {"phone"}
    basics = reverse("volunteers:person_wizard", args=[unclaimed.pk, "basics"])
    response = client.get(basics)
    assert response.status_code == 200
    assert response.context["total"] == 5  # no visibility and organisations step
    assert "email" in response.context["form"].fields
    response = client.post(
        basics, {"full_name": "Joseph Mutua", "email": "j.mutua@example.org", "phone": "+254"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:person_wizard", args=[unclaimed.pk, "specialties"])
    unclaimed.refresh_from_db()
    assert (unclaimed.email, unclaimed.phone) == ("j.mutua@example.org", "+254")
    assert (
        client.get(reverse("volunteers:person_wizard", args=[unclaimed.pk, "visibility"])).status_code == 404
    )


def test_a_claimed_profile_is_not_edited_by_the_organisation(volunteer, volunteer_user, users, client_for):
    address = reverse("volunteers:person_wizard", args=[volunteer.pk, "basics"])
    assert client_for(users["coordinator"]).get(address).status_code == 403
    assert client_for(users["member"]).post(address, {"full_name": "X"}).status_code == 403
    assert client_for(users["outsider"]).get(address).status_code == 404
    own = client_for(volunteer_user).get(address)
    assert own.status_code == 302
    assert own["Location"] == wizard("basics")


def test_clearing_a_row_removes_the_specialty(volunteer, volunteer_user, client_for):
    client = client_for(volunteer_user)
    page = client.get(wizard("specialties"))
    # The page counts the existing rows as initial forms, so unchanged rows are kept on save.
    assert 'name="specialty-INITIAL_FORMS" value="1"' in page.content.decode()
    data = {
        "profession-profession": specialty("medicine").pk,
        **formset_data("specialty", [{"specialty": "", "proficiency": ""}], initial=1),
    }
    assert client.post(wizard("specialties"), data).status_code == 302
    assert not volunteer.specialties.exists()


def test_my_profile_links_to_the_credentials_area_and_the_missing_steps(
    volunteer, volunteer_user, client_for
):
    content = client_for(volunteer_user).get(ME).content.decode()
    assert f'href="{reverse("volunteers:credentials")}"' in content
    assert f'href="{wizard("languages")}"' in content
