"""Country requirement pages: the list for everyone, the editor for staff and a ministry's coordinators."""

import pytest
from django.urls import reverse

from medmissions.conftest import make_organization, make_user
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.volunteers.models import CountryRequirement

pytestmark = pytest.mark.django_db

LIST = reverse("volunteers:requirements")
ADD = reverse("volunteers:requirement_add")


@pytest.fixture
def ministry_coordinator(db):
    ministry = make_organization("Kenya Ministry of Health", "kenya-moh", "KE", "ministry")
    user = make_user("moh.coordinator@example.org", "Ministry Coordinator")
    Membership.objects.create(user=user, organization=ministry, role=Role.COORDINATOR)
    return user


@pytest.fixture
def staff(db):
    return make_user("staff@example.org", "Platform Staff", is_staff=True)


def kenyan(**lookup):
    return CountryRequirement.objects.filter(country="KE", **lookup).order_by("pk").first()


def new_rule(**extra):
    data = {
        "country": "KE",
        "specialty": "dentistry",
        "credential_type": "acls",
        "lead_time_days": "14",
        "notes": "",
    }
    data.update(extra)
    return data


# The list ---------------------------------------------------------------------------------------


def test_everyone_signed_in_reads_the_requirements_by_country(users, client_for):
    response = client_for(users["viewer"]).get(LIST, {"country": "KE"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h2>Kenya</h2>" in page
    assert "<h2>Uganda</h2>" not in page
    assert "60 days before arrival" in page
    assert "Kenya Medical Practitioners and Dentists Council" in page
    # Nobody but an editor sees edit buttons.
    assert reverse("volunteers:requirement_edit", args=[kenyan().pk]) not in page
    assert ADD not in page


def test_the_list_filters_by_profession(users, client_for):
    rules = (
        client_for(users["viewer"]).get(LIST, {"country": "KE", "specialty": "dentistry"}).context["page_obj"]
    )
    who = {rule.specialty.slug if rule.specialty else None for rule in rules}
    assert who == {None, "dentistry"}


def test_anonymous_visitors_are_sent_to_sign_in(db, client_for):
    response = client_for(None).get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_ministry_coordinator_sees_edit_buttons_for_their_country_only(ministry_coordinator, client_for):
    page = client_for(ministry_coordinator).get(LIST).content.decode()
    assert ADD in page
    assert reverse("volunteers:requirement_edit", args=[kenyan().pk]) in page
    ugandan = CountryRequirement.objects.filter(country="UG").order_by("pk").first()
    assert reverse("volunteers:requirement_edit", args=[ugandan.pk]) not in page


# The editor -------------------------------------------------------------------------------------


def test_a_ministry_coordinator_adds_a_rule_for_their_country(ministry_coordinator, client_for):
    client = client_for(ministry_coordinator)
    form = client.get(ADD)
    assert form.status_code == 200
    # Only the country they may edit is offered.
    assert [code for code, _name in form.context["form"].fields["country"].choices] == ["KE"]

    response = client.post(ADD, new_rule())

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?country=KE"
    assert kenyan(specialty__slug="dentistry", credential_type__slug="acls").lead_time_days == 14


def test_another_country_is_not_a_valid_choice(ministry_coordinator, client_for):
    before = CountryRequirement.objects.count()
    response = client_for(ministry_coordinator).post(ADD, new_rule(country="UG"))
    assert response.status_code == 400
    assert response.context["form"].errors["country"]
    assert CountryRequirement.objects.count() == before


def test_a_duplicate_rule_is_shown_on_the_form(ministry_coordinator, client_for):
    response = client_for(ministry_coordinator).post(
        ADD, new_rule(specialty="", credential_type="passport", lead_time_days="0")
    )
    assert response.status_code == 400
    assert "This rule already exists" in response.content.decode()


@pytest.mark.parametrize("persona", ["admin", "coordinator", "viewer", "outsider", "host_admin"])
def test_people_who_edit_no_country_get_403_on_the_editor(persona, users, client_for):
    client = client_for(users[persona])
    before = CountryRequirement.objects.count()
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, new_rule()).status_code == 403
    assert client.get(reverse("volunteers:requirement_edit", args=[kenyan().pk])).status_code == 403
    assert client.post(reverse("volunteers:requirement_delete", args=[kenyan().pk])).status_code == 403
    assert CountryRequirement.objects.count() == before


def test_a_ministry_coordinator_edits_their_countrys_rule(ministry_coordinator, client_for):
    requirement = kenyan(credential_type__slug="visa-work-permit")
    address = reverse("volunteers:requirement_edit", args=[requirement.pk])
    client = client_for(ministry_coordinator)
    assert client.get(address).context["form"].initial["credential_type"] == requirement.credential_type

    response = client.post(
        address,
        {
            "country": "KE",
            "specialty": "",
            "credential_type": "visa-work-permit",
            "lead_time_days": "45",
            "notes": "eFNS portal.",
        },
    )

    assert response.status_code == 302
    requirement.refresh_from_db()
    assert (requirement.lead_time_days, requirement.notes) == (45, "eFNS portal.")


def test_another_countrys_rule_answers_403(ministry_coordinator, client_for):
    ugandan = CountryRequirement.objects.filter(country="UG").order_by("pk").first()
    client = client_for(ministry_coordinator)
    assert client.get(reverse("volunteers:requirement_edit", args=[ugandan.pk])).status_code == 403
    assert client.get(reverse("volunteers:requirement_delete", args=[ugandan.pk])).status_code == 403


def test_deleting_asks_first(ministry_coordinator, client_for):
    requirement = kenyan()
    address = reverse("volunteers:requirement_delete", args=[requirement.pk])
    client = client_for(ministry_coordinator)
    confirm = client.get(address)
    assert confirm.status_code == 200
    assert "This cannot be undone." in confirm.content.decode()
    assert client.post(address).status_code == 302
    assert not CountryRequirement.objects.filter(pk=requirement.pk).exists()


def test_platform_staff_edit_any_country(staff, client_for):
    response = client_for(staff).post(ADD, new_rule(country="GB"))
    assert response.status_code == 302
    assert CountryRequirement.objects.filter(country="GB").count() == 1


def test_an_unknown_rule_answers_404(ministry_coordinator, client_for):
    assert (
        client_for(ministry_coordinator)
        .get(reverse("volunteers:requirement_edit", args=[999999]))
        .status_code
        == 404
    )
