"""HTML pages of sites: list, add, detail, edit and delete, for the host, partners and outsiders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from medmissions.core.models import Language
from medmissions.sites.models import Site
from medmissions.sites.tests.support import counts, site_data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_post(**extra):
    data = site_data(**extra)
    return {key: value for key, value in data.items() if value is not None}


def test_anonymous_visitors_are_sent_to_sign_in(db, client_for, site):
    for address in [
        reverse("sites:list"),
        reverse("sites:create"),
        reverse("sites:detail", args=[site.pk]),
        reverse("sites:edit", args=[site.pk]),
        reverse("sites:delete", args=[site.pk]),
    ]:
        response = client_for(None).get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("accounts:login"))


# List ---------------------------------------------------------------------------------------------


def test_the_host_lists_its_sites_and_may_add_more(users, client_for, site):
    response = client_for(users["host_admin"]).get(reverse("sites:list"))
    assert response.status_code == 200
    assert list(response.context["page_obj"].object_list) == [site]
    assert response.context["can_add"] is True


def test_host_members_list_sites_but_may_not_add(users, client_for, site):
    response = client_for(users["host_member"]).get(reverse("sites:list"))
    assert list(response.context["page_obj"].object_list) == [site]
    assert response.context["can_add"] is False


def test_partners_list_the_hosts_sites_and_outsiders_do_not(users, client_for, site, active_partnership):
    assert list(client_for(users["viewer"]).get(reverse("sites:list")).context["page_obj"].object_list) == [
        site
    ]
    assert (
        list(client_for(users["outsider"]).get(reverse("sites:list")).context["page_obj"].object_list) == []
    )


def test_the_list_filters_by_text_kind_and_country(users, client_for, host, site):
    other_site = Site.objects.create(
        name="Tororo warehouse", kind="warehouse", host_organization=host, country="UG"
    )
    client = client_for(users["host_member"])

    def listed(**query):
        return list(client.get(reverse("sites:list"), query).context["page_obj"].object_list)

    assert listed(q="mbale") == [site]
    assert listed(kind="warehouse") == [other_site]
    assert listed(country="UG") == [site, other_site]
    assert listed(country="KE") == []


# Create -------------------------------------------------------------------------------------------


def test_a_host_admin_adds_a_site(users, client_for, host):
    english = Language.objects.get(code="en")
    client = client_for(users["host_admin"])
    page = client.get(reverse("sites:create"))
    assert page.status_code == 200
    assert page.context["form"].initial == {"country": "UG"}

    response = client.post(reverse("sites:create"), form_post(languages=[english.pk]))

    created = Site.objects.get()
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()
    assert created.host_organization == host
    assert (created.latitude, created.longitude) == (Decimal("1.714722"), Decimal("33.611111"))
    assert list(created.languages.all()) == [english]
    assert messages_of(response) == ["Site added."]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"latitude": "91"}, {"latitude": ["Must be between -90 and 90 degrees."]}),
        ({"longitude": "-181"}, {"longitude": ["Must be between -180 and 180 degrees."]}),
        ({"longitude": ""}, {"longitude": ["Give both latitude and longitude, or neither."]}),
        ({"latitude": "north"}, {"latitude": ["Enter a number in decimal degrees, e.g. 0.3476."]}),
        ({"name": ""}, {"name": ["This field is required."]}),
        (
            {"kind": "castle"},
            {"kind": ["Select a valid choice. castle is not one of the available choices."]},
        ),
    ],
)
def test_a_bad_site_re_renders_the_form_with_field_errors_and_writes_nothing(
    data, errors, users, client_for, host
):
    before = counts()
    response = client_for(users["host_admin"]).post(reverse("sites:create"), form_post(**data))
    assert response.status_code == 400
    form_errors = response.context["form"].errors
    assert {field: form_errors[field] for field in errors} == errors
    assert set(form_errors) - set(errors) <= {"__all__"}
    assert counts() == before


@pytest.mark.parametrize("persona", ["host_member", "member", "viewer"])
def test_members_and_viewers_cannot_add_sites(persona, users, client_for):
    client = client_for(users[persona])
    before = counts()
    assert client.get(reverse("sites:create")).status_code == 403
    assert client.post(reverse("sites:create"), form_post()).status_code == 403
    assert counts() == before


# Detail -------------------------------------------------------------------------------------------


def test_the_host_sees_the_site_with_management_links(users, client_for, site):
    response = client_for(users["host_admin"]).get(reverse("sites:detail", args=[site.pk]))
    assert response.status_code == 200
    assert response.context["can_manage"] is True
    assert reverse("sites:edit", args=[site.pk]) in response.content.decode()


def test_a_partner_sees_the_site_and_its_security_guidance_but_cannot_manage(
    users, client_for, site, active_partnership
):
    response = client_for(users["coordinator"]).get(reverse("sites:detail", args=[site.pk]))
    assert response.status_code == 200
    assert response.context["can_manage"] is False
    page = response.content.decode()
    assert "Travel by day only." in page
    assert reverse("sites:edit", args=[site.pk]) not in page


@pytest.mark.parametrize("persona", ["outsider", "coordinator"])
def test_people_outside_the_host_and_its_partners_get_404(persona, users, client_for, site):
    assert client_for(users[persona]).get(reverse("sites:detail", args=[site.pk])).status_code == 404


def test_partners_lose_the_site_once_the_partnership_closed(users, client_for, site, active_partnership):
    from medmissions.partnerships import services as partnerships

    partnerships.change_status(active_partnership, actor=users["admin"], transition="close", reason="Over.")
    assert client_for(users["viewer"]).get(reverse("sites:detail", args=[site.pk])).status_code == 404


# Edit ---------------------------------------------------------------------------------------------


def test_a_host_admin_edits_a_site(users, client_for, site):
    client = client_for(users["host_admin"])
    page = client.get(reverse("sites:edit", args=[site.pk]))
    assert page.status_code == 200
    assert page.context["form"].initial["country"] == "UG"
    assert page.context["form"].initial["name"] == "Mbale outpatient clinic"

    response = client.post(
        reverse("sites:edit", args=[site.pk]), form_post(name="Mbale OPD", latitude="", longitude="")
    )

    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.latitude, site.longitude) == ("Mbale OPD", None, None)


def test_a_bad_edit_re_renders_with_errors_and_changes_nothing(users, client_for, site):
    before = counts()
    response = client_for(users["host_admin"]).post(
        reverse("sites:edit", args=[site.pk]), form_post(latitude="91", longitude="-181")
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "__all__": ["Please correct the highlighted fields."],
        "latitude": ["Must be between -90 and 90 degrees."],
        "longitude": ["Must be between -180 and 180 degrees."],
    }
    site.refresh_from_db()
    assert (site.name, site.latitude) == ("Mbale outpatient clinic", Decimal("1.080000"))
    assert counts() == before


@pytest.mark.parametrize(
    ("persona", "status"), [("host_member", 403), ("coordinator", 403), ("outsider", 404)]
)
def test_only_coordinators_and_admins_of_the_host_edit(
    persona, status, users, client_for, site, active_partnership
):
    client = client_for(users[persona])
    before = counts()
    assert client.get(reverse("sites:edit", args=[site.pk])).status_code == status
    assert client.post(reverse("sites:edit", args=[site.pk]), form_post(name="Taken")).status_code == status
    site.refresh_from_db()
    assert site.name == "Mbale outpatient clinic"
    assert counts() == before


# Delete -------------------------------------------------------------------------------------------


def test_deleting_asks_first_then_deletes(users, client_for, site):
    client = client_for(users["host_admin"])
    before = counts()
    page = client.get(reverse("sites:delete", args=[site.pk]))
    assert page.status_code == 200
    assert page.context["danger"] is True
    assert "Mbale outpatient clinic" in page.context["question"]
    assert counts() == before

    response = client.post(reverse("sites:delete", args=[site.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("sites:list")
    assert not Site.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("host_member", 403), ("admin", 403), ("outsider", 404)])
def test_only_coordinators_and_admins_of_the_host_delete(
    persona, status, users, client_for, site, active_partnership
):
    client = client_for(users[persona])
    before = counts()
    assert client.get(reverse("sites:delete", args=[site.pk])).status_code == status
    assert client.post(reverse("sites:delete", args=[site.pk])).status_code == status
    assert Site.objects.filter(pk=site.pk).exists()
    assert counts() == before
