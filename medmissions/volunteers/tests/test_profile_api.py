"""API /api/v1/people: list and register, my profile, read and edit, specialties, languages,
availability, affiliations and readiness."""

from __future__ import annotations

import datetime
import functools

import pytest
from django.utils import timezone

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.testing import assert_api_error, patch_json, post_json, put_json
from medmissions.volunteers import services
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import (
    Affiliation,
    AvailabilityWindow,
    Person,
    PersonLanguage,
    PersonSpecialty,
)

BASE = "/api/v1/people"
assert_error = functools.partial(assert_api_error, exact=True)


def counts() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "specialties": PersonSpecialty.objects.count(),
        "languages": PersonLanguage.objects.count(),
        "availability": AvailabilityWindow.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def unclaimed(users, sending) -> Person:
    return services.register_person(
        sending, actor=users["coordinator"], data={"full_name": "Joseph Mutua", "email": "joseph@example.org"}
    )


@pytest.fixture
def window(volunteer, volunteer_user) -> AvailabilityWindow:
    return services.add_availability(
        volunteer,
        actor=volunteer_user,
        kind="available",
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 1, 31),
    )


# List and register ----------------------------------------------------------------------------------


def test_the_list_shows_visible_people_paginated(volunteer, unclaimed, users, api_client_for):
    body = api_client_for(users["viewer"]).get(BASE).json()
    assert body["count"] == 2
    assert [item["full_name"] for item in body["items"]] == ["Joseph Mutua", "Nadia Okafor"]
    nadia = body["items"][1]
    assert nadia["profession"] == "medicine"
    assert nadia["specialties"] == [
        {"specialty": "general-surgery", "name": "Medicine › Surgery › General surgery", "proficiency": 3}
    ]
    assert nadia["affiliations"][0]["organization"] == "bridge-health"
    assert nadia["personal_details"] is True
    assert nadia["email"] == "volunteer@example.org"
    page = api_client_for(users["viewer"]).get(BASE, {"page": 2, "page_size": 1}).json()
    assert [item["full_name"] for item in page["items"]] == ["Nadia Okafor"]
    assert api_client_for(users["outsider"]).get(BASE).json() == {"items": [], "count": 0}


def test_the_list_filters(volunteer, unclaimed, volunteer_user, users, api_client_for):
    client = api_client_for(users["member"])

    def names(**query):
        response = client.get(BASE, query)
        assert response.status_code == 200, response.content
        return [item["full_name"] for item in response.json()["items"]]

    assert names(q="mutua") == ["Joseph Mutua"]
    assert names(specialty="surgery") == ["Nadia Okafor"]
    assert names(specialty="nursing") == []
    assert names(trainee="true") == []
    assert names(organization="bridge-health", kind="vetting") == []
    assert names(organization="bridge-health", kind="home") == ["Joseph Mutua", "Nadia Okafor"]
    assert_error(client.get(BASE, {"specialty": "astrology"}), 400, "invalid", ["specialty"])
    assert_error(client.get(BASE, {"language": "xx"}), 400, "invalid", ["language"])
    assert_error(client.get(BASE, {"kind": "friend"}), 400, "invalid", ["kind"])


def test_the_list_needs_authentication(db, client_for):
    assert_error(client_for(None).get(BASE), 401, "unauthenticated")


def test_a_coordinator_registers_a_person(users, api_client_for, sending):
    response = post_json(
        api_client_for(users["coordinator"]),
        BASE,
        {
            "organization": "bridge-health",
            "full_name": "Grace Achieng",
            "profession": "nursing",
            "nationality": "ke",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["full_name"], body["profession"], body["nationality"], body["has_account"]) == (
        "Grace Achieng",
        "nursing",
        "KE",
        False,
    )
    person = Person.objects.get(pk=body["id"])
    assert person.affiliations.get().organization == sending


@pytest.mark.parametrize(
    ("name", "status"), [("member", 403), ("viewer", 403), ("outsider", 404), ("host_admin", 404)]
)
def test_only_its_vetting_admins_register_people_for_an_organisation(name, status, users, api_client_for):
    client = api_client_for(users[name])
    before = counts()
    response = post_json(client, BASE, {"organization": "bridge-health", "full_name": "X"})
    assert_error(response, status)
    assert counts() == before


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"full_name": "  "}, ["full_name"]),
        ({"full_name": "A", "email": "nope"}, ["email"]),
        ({"full_name": "A", "profession": "surgery"}, ["profession"]),
        ({"full_name": "A", "nationality": "XX"}, ["nationality"]),
        ({"full_name": "A", "visibility": "world"}, ["visibility"]),
        ({"full_name": "x" * 151}, ["full_name"]),
        ({}, ["full_name"]),
    ],
)
def test_bad_registrations_answer_400_with_fields(payload, fields, users, api_client_for):
    client = api_client_for(users["coordinator"])
    before = counts()
    response = post_json(client, BASE, {"organization": "bridge-health", **payload})
    assert_error(response, 400, "invalid", fields)
    assert counts() == before


# My profile ---------------------------------------------------------------------------------------------


def test_my_profile_is_created_on_first_use_and_claims_by_verified_email(unclaimed, api_client_for):
    user = make_user("joseph@example.org", "Joseph Mutua")
    body = api_client_for(user).get(f"{BASE}/me").json()
    assert body["id"] == unclaimed.pk
    assert body["has_account"] is True
    newcomer = make_user("new@example.org", "New Person")
    body = api_client_for(newcomer).get(f"{BASE}/me").json()
    assert body["full_name"] == "New Person"
    assert Person.objects.filter(user=newcomer).count() == 1


def test_my_profile_needs_authentication(db, client_for):
    assert_error(client_for(None).get(f"{BASE}/me"), 401, "unauthenticated")


# Read and edit ---------------------------------------------------------------------------------------------


def test_people_read_the_profiles_they_may_see(volunteer, volunteer_user, users, api_client_for):
    address = f"{BASE}/{volunteer.pk}"
    assert api_client_for(users["viewer"]).get(address).status_code == 200
    assert api_client_for(volunteer_user).get(address).json()["email"] == "volunteer@example.org"
    assert_error(api_client_for(users["outsider"]).get(address), 404, "not_found")
    assert_error(api_client_for(users["viewer"]).get(f"{BASE}/999999"), 404, "not_found")


def test_partners_read_the_professional_part_only(
    volunteer, volunteer_user, users, api_client_for, active_partnership
):
    services.update_profile(
        volunteer, actor=volunteer_user, data={"visibility": "partners", "phone": "+44 7700 900123"}
    )
    body = api_client_for(users["host_member"]).get(f"{BASE}/{volunteer.pk}").json()
    assert body["personal_details"] is False
    assert (body["email"], body["phone"], body["emergency_contact_name"]) == (None, None, None)
    assert body["specialties"][0]["specialty"] == "general-surgery"


def test_the_owner_edits_their_profile(volunteer, volunteer_user, api_client_for):
    response = patch_json(
        api_client_for(volunteer_user),
        f"{BASE}/{volunteer.pk}",
        {
            "phone": "+44 7700 900123",
            "profession": "nursing",
            "is_trainee": True,
            "date_of_birth": "1985-03-02",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["phone"], body["profession"], body["is_trainee"], body["date_of_birth"]) == (
        "+44 7700 900123",
        "nursing",
        True,
        "1985-03-02",
    )
    # Fields not sent are kept; null clears.
    response = patch_json(api_client_for(volunteer_user), f"{BASE}/{volunteer.pk}", {"profession": None})
    assert (response.json()["profession"], response.json()["phone"]) == (None, "+44 7700 900123")


@pytest.mark.parametrize(("name", "status"), [("admin", 403), ("member", 403), ("outsider", 404)])
def test_others_do_not_edit_a_claimed_profile(name, status, volunteer, users, api_client_for):
    client = api_client_for(users[name])
    before = counts()
    response = patch_json(client, f"{BASE}/{volunteer.pk}", {"phone": "+1"})
    assert_error(response, status)
    assert counts() == before


def test_a_home_vetting_admin_edits_an_unclaimed_profile(unclaimed, users, api_client_for):
    response = patch_json(
        api_client_for(users["admin"]), f"{BASE}/{unclaimed.pk}", {"email": "j.mutua@example.org"}
    )
    assert response.status_code == 200
    assert response.json()["email"] == "j.mutua@example.org"
    assert_error(
        patch_json(api_client_for(users["member"]), f"{BASE}/{unclaimed.pk}", {"phone": "+1"}),
        403,
        "not_profile_owner",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"full_name": ""}, "full_name"),
        ({"email": "nope"}, "email"),
        ({"profession": "general-surgery"}, "profession"),
        ({"years_of_experience": 120}, "years_of_experience"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"nationality": "GBR"}, "nationality"),
    ],
)
def test_bad_edits_answer_400_and_change_nothing(payload, field, unclaimed, users, api_client_for):
    client = api_client_for(users["admin"])
    before = counts()
    response = patch_json(client, f"{BASE}/{unclaimed.pk}", payload)
    assert_error(response, 400, "invalid", [field])
    assert counts() == before


def test_an_erased_profile_refuses_edits(volunteer, volunteer_user, api_client_for):
    volunteer.erased_at = timezone.now()
    volunteer.save()
    response = patch_json(api_client_for(volunteer_user), f"{BASE}/{volunteer.pk}", {"phone": "+1"})
    assert_error(response, 403, "profile_closed")


# Specialties and languages ------------------------------------------------------------------------------


def test_specialties_and_languages_are_replaced(volunteer, volunteer_user, api_client_for):
    client = api_client_for(volunteer_user)
    response = put_json(
        client,
        f"{BASE}/{volunteer.pk}/specialties",
        {
            "specialties": [
                {"specialty": "anaesthesia", "proficiency": 2},
                {"specialty": "surgery", "proficiency": 4},
            ]
        },
    )
    assert response.status_code == 200, response.content
    assert {(row["specialty"], row["proficiency"]) for row in response.json()["specialties"]} == {
        ("anaesthesia", 2),
        ("surgery", 4),
    }
    response = put_json(
        client,
        f"{BASE}/{volunteer.pk}/languages",
        {"languages": [{"language": "fr", "speaking": 3, "reading": 2, "writing": 1}]},
    )
    assert response.status_code == 200
    assert response.json()["languages"] == [
        {"language": "fr", "name": "French", "speaking": 3, "reading": 2, "writing": 1}
    ]


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("specialties", {"specialties": [{"specialty": "astrology", "proficiency": 2}]}, "specialties"),
        ("specialties", {"specialties": [{"specialty": "anaesthesia", "proficiency": 7}]}, "specialties"),
        (
            "specialties",
            {
                "specialties": [
                    {"specialty": "anaesthesia", "proficiency": 2},
                    {"specialty": "anaesthesia", "proficiency": 3},
                ]
            },
            "specialties",
        ),
        ("specialties", {}, "specialties"),
        ("languages", {"languages": [{"language": "xx"}]}, "languages"),
        ("languages", {"languages": [{"language": "fr", "speaking": 9}]}, "languages"),
    ],
)
def test_bad_lists_answer_400_and_change_nothing(
    path, payload, field, volunteer, volunteer_user, api_client_for
):
    client = api_client_for(volunteer_user)
    before = counts()
    response = put_json(client, f"{BASE}/{volunteer.pk}/{path}", payload)
    assert_error(response, 400, "invalid", [field])
    assert counts() == before


@pytest.mark.parametrize(("name", "status"), [("coordinator", 403), ("viewer", 403), ("outsider", 404)])
def test_others_do_not_replace_a_claimed_profiles_lists(name, status, volunteer, users, api_client_for):
    response = put_json(api_client_for(users[name]), f"{BASE}/{volunteer.pk}/languages", {"languages": []})
    assert_error(response, status)


# Availability -----------------------------------------------------------------------------------------


def test_availability_is_added_and_removed(volunteer, volunteer_user, api_client_for):
    client = api_client_for(volunteer_user)
    response = post_json(
        client,
        f"{BASE}/{volunteer.pk}/availability",
        {"kind": "unavailable", "starts_on": "2027-06-01", "ends_on": "2027-06-14", "note": "Exams"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["starts_on"], body["note"]) == ("unavailable", "2027-06-01", "Exams")
    response = client.delete(f"{BASE}/{volunteer.pk}/availability/{body['id']}")
    assert response.status_code == 204
    assert not volunteer.availability.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "maybe", "starts_on": "2027-06-01", "ends_on": "2027-06-14"}, "kind"),
        ({"kind": "available", "starts_on": "2027-06-14", "ends_on": "2027-06-01"}, "ends_on"),
        ({"kind": "available", "starts_on": "June", "ends_on": "2027-06-01"}, "starts_on"),
    ],
)
def test_bad_windows_answer_400(payload, field, volunteer, volunteer_user, api_client_for):
    client = api_client_for(volunteer_user)
    before = counts()
    response = post_json(client, f"{BASE}/{volunteer.pk}/availability", payload)
    assert_error(response, 400, "invalid", [field])
    assert counts() == before


def test_windows_of_other_people_are_404_and_of_claimed_profiles_403(
    volunteer, window, unclaimed, users, api_client_for
):
    assert_error(
        api_client_for(users["admin"]).delete(f"{BASE}/{volunteer.pk}/availability/{window.pk}"), 403
    )
    assert_error(
        api_client_for(users["outsider"]).delete(f"{BASE}/{volunteer.pk}/availability/{window.pk}"), 404
    )
    # The window belongs to another person than the one in the path.
    assert_error(
        api_client_for(users["admin"]).delete(f"{BASE}/{unclaimed.pk}/availability/{window.pk}"), 404
    )
    assert AvailabilityWindow.objects.filter(pk=window.pk).exists()


# Affiliations ---------------------------------------------------------------------------------------


def test_i_share_my_profile_and_withdraw_it(volunteer, volunteer_user, api_client_for, host):
    client = api_client_for(volunteer_user)
    response = post_json(
        client, f"{BASE}/me/affiliations", {"organization": "mbale-hospital", "kind": "vetting"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["organization"], body["kind"]) == ("mbale-hospital", AffiliationKind.VETTING)
    assert_error(
        post_json(client, f"{BASE}/me/affiliations", {"organization": "mbale-hospital", "kind": "vetting"}),
        409,
        "already_shared",
    )
    assert client.delete(f"{BASE}/me/affiliations/{body['id']}").status_code == 204
    assert not volunteer.affiliations.filter(organization=host).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"organization": "nowhere", "kind": "home"}, "organization"),
        ({"organization": "mbale-hospital", "kind": "friend"}, "kind"),
        ({"kind": "home"}, "organization"),
    ],
)
def test_bad_affiliations_answer_400(payload, field, volunteer, volunteer_user, api_client_for, host):
    client = api_client_for(volunteer_user)
    before = counts()
    response = post_json(client, f"{BASE}/me/affiliations", payload)
    assert_error(response, 400, "invalid", [field])
    assert counts() == before


def test_nobody_withdraws_someone_elses_affiliation(volunteer, users, api_client_for):
    affiliation = volunteer.affiliations.get()
    assert_error(api_client_for(users["admin"]).delete(f"{BASE}/me/affiliations/{affiliation.pk}"), 404)
    assert volunteer.affiliations.exists()


# Readiness ---------------------------------------------------------------------------------------------


def test_readiness_lists_every_requirement(volunteer, users, api_client_for, make_credential, sending):
    make_credential(volunteer, "passport", expires_on=datetime.date(2040, 1, 1), verified_by=sending)
    response = api_client_for(users["viewer"]).get(
        f"{BASE}/{volunteer.pk}/readiness",
        {"country": "ke", "start": "2039-04-01", "end": "2039-04-20", "organization": "bridge-health"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["country"], body["organization"], body["ready"]) == ("KE", "bridge-health", False)
    checks = {check["key"]: check for check in body["checks"]}
    assert checks["credential:passport"]["met"] is True
    licence = checks["credential:host-temporary-licence"]
    assert licence["met"] is False
    assert licence["label"] == "Host-country temporary licence (Kenya)"
    assert licence["reason"].startswith("Missing")
    assert licence["due_by"] == "2039-01-31"
    assert checks["availability"]["met"] is True


def test_readiness_counts_only_the_named_organisations_verifications(
    volunteer, users, api_client_for, make_credential, host
):
    make_credential(volunteer, "passport", expires_on=datetime.date(2040, 1, 1), verified_by=host)
    client = api_client_for(users["viewer"])
    address = f"{BASE}/{volunteer.pk}/readiness"
    query = {"country": "KE", "start": "2039-04-01", "end": "2039-04-20"}

    def passport_met(**extra) -> bool:
        checks = client.get(address, {**query, **extra}).json()["checks"]
        return next(check["met"] for check in checks if check["key"] == "credential:passport")

    assert passport_met() is True
    assert passport_met(organization="bridge-health") is False
    assert passport_met(organization="mbale-hospital") is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"country": "ZZ", "start": "2039-04-01", "end": "2039-04-20"}, "country"),
        ({"country": "KE", "start": "2039-04-20", "end": "2039-04-01"}, "end"),
        (
            {"country": "KE", "start": "2039-04-01", "end": "2039-04-20", "organization": "nowhere"},
            "organization",
        ),
        ({"country": "KE", "start": "soon", "end": "2039-04-20"}, "start"),
        ({"start": "2039-04-01", "end": "2039-04-20"}, "country"),
    ],
)
def test_a_bad_readiness_question_answers_400(query, field, volunteer, volunteer_user, api_client_for):
    response = api_client_for(volunteer_user).get(f"{BASE}/{volunteer.pk}/readiness", query)
    assert_error(response, 400, "invalid", [field])


def test_readiness_of_people_one_cannot_see_is_404(volunteer, users, api_client_for, client_for):
    query = {"country": "KE", "start": "2039-04-01", "end": "2039-04-20"}
    assert_error(api_client_for(users["outsider"]).get(f"{BASE}/{volunteer.pk}/readiness", query), 404)
    assert_error(client_for(None).get(f"{BASE}/{volunteer.pk}/readiness", query), 401)
