"""Organisation pages: directory, detail, create, edit, logo, verification and switching."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.organizations import services
from medmissions.organizations.choices import Role
from medmissions.organizations.current import SESSION_KEY
from medmissions.organizations.models import Capability, Membership, Organization, ValueTag
from medmissions.organizations.tests.helpers import counts, fake_png_upload, png_bytes, png_upload

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "name": "Kijabe Surgical Partners",
        "kind": "secular_ngo",
        "country": "KE",
        "area": "Kiambu",
        "website": "https://kijabe.example.org",
        "contact_email": "hello@kijabe.example.org",
        "description": "Surgical training.",
        "values_statement": "Host-led.",
    }
    data.update(overrides)
    return data


def edit_data(organization, **overrides):
    data = form_data(
        name=organization.name,
        kind=organization.kind,
        country=organization.country.code,
        area=organization.area,
        website=organization.website,
        contact_email=organization.contact_email,
        description=organization.description,
        values_statement=organization.values_statement,
    )
    data.update(overrides)
    return data


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


# --- directory -----------------------------------------------------------------------------------


def test_the_directory_needs_a_signed_in_person(users, client):
    response = client.get(reverse("organizations:directory"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_directory_lists_and_ranks_for_my_current_organisation(users, client_for, sending, host, other):
    sending.value_tags.set(ValueTag.objects.filter(slug__in=["host-led", "teaching"]))
    host.value_tags.set(ValueTag.objects.filter(slug__in=["host-led", "teaching"]))
    other.value_tags.set(ValueTag.objects.filter(slug="host-led"))

    response = client_for(users["coordinator"]).get(reverse("organizations:directory"))

    assert response.status_code == 200
    assert "organizations/directory.html" in template_names(response)
    ranked = [(o.slug, o.matching_tags) for o in response.context["page_obj"].object_list]
    assert ranked == [("bridge-health", 2), ("mbale-hospital", 2), ("unrelated-clinic", 1)]
    assert "2 of your tags match" in response.content.decode()


def test_the_directory_filters_from_the_query_string(users, client_for, host):
    host.capabilities.set(Capability.objects.filter(slug="surgery"))
    clinical = Capability.objects.get(slug="clinical")

    response = client_for(users["member"]).get(
        reverse("organizations:directory"), {"capabilities": [clinical.pk], "country": "UG"}
    )

    assert [o.slug for o in response.context["page_obj"].object_list] == ["mbale-hospital"]
    assert "1 organisation found" in response.content.decode()


def test_the_directory_answers_an_htmx_request_with_the_results_only(users, client_for):
    response = client_for(users["member"]).get(
        reverse("organizations:directory"), {"kind": "hospital"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    names = template_names(response)
    assert names[0] == "organizations/includes/directory_results.html"
    assert "organizations/directory.html" not in names
    assert "core/base.html" not in names
    assert "<html" not in response.content.decode()
    assert "Mbale Regional Hospital" in response.content.decode()
    assert "HX-Request" in response.headers["Vary"]


def test_the_full_directory_page_also_varies_on_the_htmx_header(users, client_for):
    response = client_for(users["member"]).get(reverse("organizations:directory"))

    assert "HX-Request" in response.headers["Vary"]


def test_the_directory_shows_nothing_for_an_invalid_filter(users, client_for):
    response = client_for(users["member"]).get(reverse("organizations:directory"), {"kind": "pirate_ship"})

    assert response.status_code == 200
    assert list(response.context["page_obj"].object_list) == []
    assert response.context["form"].errors["kind"]


def test_the_directory_works_for_someone_without_an_organisation(db, client_for, sending):
    loner = make_user("loner@example.org", "Lone Person")

    response = client_for(loner).get(reverse("organizations:directory"))

    assert [o.matching_tags for o in response.context["page_obj"].object_list] == [0]
    assert response.context["mine"] is None


# --- detail --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona_name", ["admin", "viewer", "outsider", "host_member"])
def test_every_signed_in_person_sees_an_organisations_profile(users, client_for, sending, persona_name):
    response = client_for(users[persona_name]).get(reverse("organizations:detail", args=[sending.slug]))

    assert response.status_code == 200
    assert "Bridge Health UK" in response.content.decode()


def test_the_profile_offers_edit_members_and_audit_to_an_admin_only(users, client_for, sending):
    edit_url = reverse("organizations:edit", args=[sending.slug])
    members_url = reverse("organizations:members", args=[sending.slug])
    audit_url = reverse("organizations:audit", args=[sending.slug])

    as_admin = client_for(users["admin"]).get(sending.get_absolute_url()).content.decode()
    as_viewer = client_for(users["viewer"]).get(sending.get_absolute_url()).content.decode()
    as_outsider = client_for(users["outsider"]).get(sending.get_absolute_url()).content.decode()

    assert edit_url in as_admin and members_url in as_admin and audit_url in as_admin
    assert edit_url not in as_viewer and audit_url not in as_viewer and members_url in as_viewer
    assert edit_url not in as_outsider and members_url not in as_outsider and audit_url not in as_outsider


def test_an_unknown_organisation_answers_404(users, client_for):
    assert client_for(users["admin"]).get(reverse("organizations:detail", args=["nope"])).status_code == 404


def test_the_profile_needs_a_signed_in_person(users, client, sending):
    response = client.get(sending.get_absolute_url())

    assert response.status_code == 302


# --- create --------------------------------------------------------------------------------------


def test_registering_creates_the_organisation_makes_me_admin_and_switches_to_it(users, client_for):
    client = client_for(users["member"])
    teaching = ValueTag.objects.get(slug="teaching")

    response = client.post(reverse("organizations:create"), form_data(value_tags=[teaching.pk]))

    organization = Organization.objects.get(name="Kijabe Surgical Partners")
    assert response.status_code == 302
    assert response.url == organization.get_absolute_url()
    assert Membership.objects.get(organization=organization).user == users["member"]
    assert list(organization.value_tags.all()) == [teaching]
    assert client.session[SESSION_KEY] == organization.pk
    assert AuditEntry.objects.filter(
        action="organizations.organization.created", organization=organization
    ).exists()


def test_registering_with_a_logo_stores_it(users, client_for):
    client_for(users["member"]).post(reverse("organizations:create"), form_data(logo=png_upload()))

    assert Organization.objects.get(name="Kijabe Surgical Partners").logo.name.endswith(".png")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"kind": "pirate_ship"}, "kind"),
        ({"country": "ZZ"}, "country"),
        ({"website": "not a web address"}, "website"),
        ({"name": "Bridge Health UK", "country": "GB"}, "name"),
    ],
)
def test_registering_with_bad_input_answers_400_with_errors_and_creates_nothing(
    users, client_for, overrides, field
):
    before = counts()

    response = client_for(users["member"]).post(reverse("organizations:create"), form_data(**overrides))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert counts() == before


def test_registering_with_a_fake_image_answers_400_and_creates_nothing(users, client_for):
    before = counts()

    response = client_for(users["member"]).post(
        reverse("organizations:create"), form_data(logo=fake_png_upload())
    )

    assert response.status_code == 400
    assert "not an accepted file type" in response.content.decode()
    assert counts() == before


def test_the_registration_form_has_no_remove_logo_box(users, client_for):
    response = client_for(users["member"]).get(reverse("organizations:create"))

    assert response.status_code == 200
    assert "clear_logo" not in response.context["form"].fields


# --- edit ----------------------------------------------------------------------------------------


def test_an_admin_sees_the_form_filled_in(users, client_for, sending):
    response = client_for(users["admin"]).get(reverse("organizations:edit", args=[sending.slug]))

    assert response.status_code == 200
    assert response.context["form"].initial["name"] == "Bridge Health UK"
    assert response.context["form"].initial["country"] == "GB"


def test_an_admin_saves_changes_and_they_are_recorded(users, client_for, sending):
    response = client_for(users["admin"]).post(
        reverse("organizations:edit", args=[sending.slug]), edit_data(sending, area="London")
    )

    assert response.status_code == 302
    assert response.url == sending.get_absolute_url()
    sending.refresh_from_db()
    assert sending.area == "London"
    entry = AuditEntry.objects.get(action="organizations.organization.updated")
    assert entry.changes["area"] == ["", "London"]


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer"])
def test_members_who_are_not_admins_get_403_on_the_edit_page(users, client_for, sending, persona_name):
    client = client_for(users[persona_name])

    assert client.get(reverse("organizations:edit", args=[sending.slug])).status_code == 403
    response = client.post(reverse("organizations:edit", args=[sending.slug]), edit_data(sending, area="X"))
    assert response.status_code == 403
    assert "Only admins edit the organisation." in response.content.decode()
    sending.refresh_from_db()
    assert sending.area == ""


def test_non_members_get_404_on_the_edit_page(users, client_for, sending):
    client = client_for(users["outsider"])

    assert client.get(reverse("organizations:edit", args=[sending.slug])).status_code == 404
    assert (
        client.post(reverse("organizations:edit", args=[sending.slug]), edit_data(sending)).status_code == 404
    )


def test_editing_with_bad_input_answers_400_and_changes_nothing(users, client_for, sending):
    before = counts()

    response = client_for(users["admin"]).post(
        reverse("organizations:edit", args=[sending.slug]), edit_data(sending, name="", area="London")
    )

    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert counts() == before
    sending.refresh_from_db()
    assert (sending.name, sending.area) == ("Bridge Health UK", "")


def test_uploading_a_logo_through_the_edit_page(users, client_for, sending):
    client_for(users["admin"]).post(
        reverse("organizations:edit", args=[sending.slug]), edit_data(sending, logo=png_upload())
    )

    sending.refresh_from_db()
    assert sending.logo.name.endswith(".png")


def test_a_fake_image_is_refused_on_the_edit_page_and_nothing_changes(users, client_for, sending):
    before = counts()

    response = client_for(users["admin"]).post(
        reverse("organizations:edit", args=[sending.slug]),
        edit_data(sending, area="London", logo=fake_png_upload()),
    )

    assert response.status_code == 400
    assert "The logo is not an accepted file type." in response.content.decode()
    assert counts() == before
    sending.refresh_from_db()
    assert not sending.logo
    assert sending.area == ""


def test_the_remove_logo_box_clears_the_logo(users, client_for, sending):
    services.update_organization(sending, actor=users["admin"], data={"logo": png_upload()})

    client_for(users["admin"]).post(
        reverse("organizations:edit", args=[sending.slug]), edit_data(sending, clear_logo="on")
    )

    sending.refresh_from_db()
    assert not sending.logo


# --- logo ----------------------------------------------------------------------------------------


def test_the_logo_is_streamed_to_signed_in_people(users, client_for, sending):
    services.update_organization(sending, actor=users["admin"], data={"logo": png_upload()})

    response = client_for(users["outsider"]).get(reverse("organizations:logo", args=[sending.slug]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()


def test_no_logo_answers_404(users, client_for, sending):
    assert (
        client_for(users["admin"]).get(reverse("organizations:logo", args=[sending.slug])).status_code == 404
    )


def test_the_logo_is_not_public(users, client, sending):
    services.update_organization(sending, actor=users["admin"], data={"logo": png_upload()})

    assert client.get(reverse("organizations:logo", args=[sending.slug])).status_code == 302


# --- verification --------------------------------------------------------------------------------


def test_platform_staff_mark_an_organisation_verified(users, client_for, sending):
    staff = make_user("staff@example.org", "Platform Staff", is_staff=True)

    response = client_for(staff).post(
        reverse("organizations:set_verified", args=[sending.slug]), {"verified": "1"}
    )

    assert response.status_code == 302
    sending.refresh_from_db()
    assert sending.is_verified


def test_an_admin_who_is_not_staff_gets_403_on_verification(users, client_for, sending):
    response = client_for(users["admin"]).post(
        reverse("organizations:set_verified", args=[sending.slug]), {"verified": "1"}
    )

    assert response.status_code == 403
    sending.refresh_from_db()
    assert not sending.is_verified


def test_verification_needs_a_post(users, client_for, sending):
    staff = make_user("staff@example.org", "Platform Staff", is_staff=True)

    assert (
        client_for(staff).get(reverse("organizations:set_verified", args=[sending.slug])).status_code == 405
    )


# --- switching organisation ----------------------------------------------------------------------


@pytest.fixture
def two_hats(users, host):
    """The sending admin is also a member of the host."""
    Membership.objects.create(user=users["admin"], organization=host, role=Role.MEMBER)
    return users["admin"]


def test_switching_to_one_of_my_organisations(two_hats, client_for, host):
    client = client_for(two_hats)

    response = client.post(reverse("organizations:switch"), {"organization": host.slug})

    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")
    assert client.session[SESSION_KEY] == host.pk
    assert client.get(reverse("organizations:directory")).context["mine"] == host


def test_switching_follows_a_local_next_address(two_hats, client_for, host):
    response = client_for(two_hats).post(
        reverse("organizations:switch"), {"organization": host.slug, "next": "/partnerships/"}
    )

    assert response.url == "/partnerships/"


def test_switching_ignores_a_next_address_on_another_site(two_hats, client_for, host):
    response = client_for(two_hats).post(
        reverse("organizations:switch"), {"organization": host.slug, "next": "https://evil.example/"}
    )

    assert response.url == reverse("core:dashboard")


def test_switching_to_an_organisation_i_do_not_belong_to_answers_404(users, client_for, host):
    client = client_for(users["admin"])

    response = client.post(reverse("organizations:switch"), {"organization": host.slug})

    assert response.status_code == 404
    assert SESSION_KEY not in client.session


def test_switching_needs_a_post(two_hats, client_for, host):
    assert (
        client_for(two_hats).get(reverse("organizations:switch"), {"organization": host.slug}).status_code
        == 405
    )
