"""Site services: create, update, delete; coordinates; who may manage a host's sites."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.core.models import Language
from medmissions.sites import services
from medmissions.sites.models import Site
from medmissions.sites.tests.support import counts, site_data


def test_a_host_admin_creates_a_site(users, host):
    languages = list(Language.objects.filter(code__in=["en", "lg"]))
    created = services.create_site(
        actor=users["host_admin"],
        host_organization=host,
        data=site_data(name="  Soroti outreach point  ", languages=languages),
    )

    created.refresh_from_db()
    assert created.host_organization == host
    assert created.name == "Soroti outreach point"
    assert created.country.code == "UG"
    assert (created.latitude, created.longitude) == (Decimal("1.714722"), Decimal("33.611111"))
    assert {language.code for language in created.languages.all()} == {"en", "lg"}
    [entry] = AuditEntry.objects.filter(action="sites.site.created")
    assert entry.actor == users["host_admin"]
    assert entry.organization == host
    assert entry.object_id == str(created.pk)
    assert entry.changes["name"] == [None, "Soroti outreach point"]
    assert entry.changes["latitude"] == [None, "1.714722"]
    assert sorted(entry.changes["languages"][1]) == sorted(language.pk for language in languages)


def test_a_site_without_coordinates_is_fine(users, host):
    created = services.create_site(
        actor=users["host_admin"], host_organization=host, data=site_data(latitude="", longitude=None)
    )
    assert (created.latitude, created.longitude) == (None, None)


def test_a_coordinator_of_the_host_creates_sites_too(users, sending):
    # The sending organisation has a coordinator; it may host sites of its own.
    created = services.create_site(
        actor=users["coordinator"], host_organization=sending, data=site_data(country="GB")
    )
    assert created.host_organization == sending


@pytest.mark.parametrize("value", ["90", "-90", 90, -90.0, "0"])
def test_the_latitude_limits_are_accepted(value, users, host):
    created = services.create_site(
        actor=users["host_admin"], host_organization=host, data=site_data(latitude=value)
    )
    assert created.latitude == Decimal(str(value)).quantize(Decimal("0.000001"))


@pytest.mark.parametrize("value", ["180", "-180", 180.0])
def test_the_longitude_limits_are_accepted(value, users, host):
    created = services.create_site(
        actor=users["host_admin"], host_organization=host, data=site_data(longitude=value)
    )
    assert abs(created.longitude) == Decimal("180")


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"latitude": "91"}, {"latitude": "Must be between -90 and 90 degrees."}),
        ({"latitude": -90.000001}, {"latitude": "Must be between -90 and 90 degrees."}),
        ({"longitude": "-181"}, {"longitude": "Must be between -180 and 180 degrees."}),
        ({"longitude": 180.5}, {"longitude": "Must be between -180 and 180 degrees."}),
        ({"longitude": ""}, {"longitude": "Give both latitude and longitude, or neither."}),
        ({"latitude": None}, {"latitude": "Give both latitude and longitude, or neither."}),
        ({"latitude": "north"}, {"latitude": "Enter a number in decimal degrees, e.g. 0.3476."}),
        ({"longitude": "33,6"}, {"longitude": "Enter a number in decimal degrees, e.g. 0.3476."}),
        ({"latitude": "NaN"}, {"latitude": "Must be between -90 and 90 degrees."}),
        ({"latitude": "Infinity"}, {"latitude": "Enter a number in decimal degrees, e.g. 0.3476."}),
        ({"latitude": "1e400"}, {"latitude": "Enter a number in decimal degrees, e.g. 0.3476."}),
        (
            {"latitude": "91", "longitude": "-181"},
            {
                "latitude": "Must be between -90 and 90 degrees.",
                "longitude": "Must be between -180 and 180 degrees.",
            },
        ),
    ],
)
def test_invalid_coordinates_are_refused_with_field_messages_and_nothing_is_written(
    data, fields, users, host
):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.create_site(actor=users["host_admin"], host_organization=host, data=site_data(**data))
    assert caught.value.fields == fields
    assert caught.value.message == "Please correct the highlighted fields."
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter the site's name."),
        ({"kind": "castle"}, "kind", "Choose a kind of site."),
        ({"kind": None}, "kind", "Choose a kind of site."),
        ({"country": "XX"}, "country", "Choose a country."),
        ({"country": ""}, "country", "Choose a country."),
    ],
)
def test_other_invalid_fields_are_refused_and_nothing_is_written(data, field, message, users, host):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.create_site(actor=users["host_admin"], host_organization=host, data=site_data(**data))
    assert caught.value.fields == {field: message}
    assert counts() == before


@pytest.mark.parametrize("persona", ["host_member", "admin", "coordinator", "member", "outsider"])
def test_only_coordinators_and_admins_of_the_host_create_its_sites(persona, users, host):
    before = counts()
    with pytest.raises(NotAllowed, match="Only coordinators and admins manage sites"):
        services.create_site(actor=users[persona], host_organization=host, data=site_data())
    assert counts() == before


# Update -------------------------------------------------------------------------------------------


def test_a_host_admin_updates_only_the_fields_given(users, host, site):
    updated = services.update_site(
        site, actor=users["host_admin"], data={"town": "Mbale town", "latitude": "1.1"}
    )

    updated.refresh_from_db()
    assert updated.town == "Mbale town"
    assert updated.latitude == Decimal("1.100000")
    assert updated.longitude == Decimal("34.175000")
    assert updated.name == "Mbale outpatient clinic"
    [entry] = AuditEntry.objects.filter(action="sites.site.updated")
    assert entry.actor == users["host_admin"]
    assert entry.organization == host
    assert entry.changes == {"town": ["Mbale", "Mbale town"], "latitude": ["1.080000", "1.100000"]}


def test_languages_are_replaced_only_when_given(users, site):
    swahili = Language.objects.get(code="sw")
    services.update_site(site, actor=users["host_admin"], data={"languages": [swahili]})
    services.update_site(site, actor=users["host_admin"], data={"town": "Mbale"})
    assert list(site.languages.all()) == [swahili]
    services.update_site(site, actor=users["host_admin"], data={"languages": []})
    assert list(site.languages.all()) == []


def test_both_coordinates_can_be_cleared_together(users, site):
    services.update_site(site, actor=users["host_admin"], data={"latitude": "", "longitude": ""})
    site.refresh_from_db()
    assert (site.latitude, site.longitude) == (None, None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"latitude": 91}, "latitude"),
        ({"longitude": "-181"}, "longitude"),
        ({"longitude": None}, "longitude"),
        ({"latitude": "abc"}, "latitude"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_updates_are_refused_and_change_nothing(data, field, users, site):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.update_site(site, actor=users["host_admin"], data=data)
    assert field in caught.value.fields
    site.refresh_from_db()
    assert (site.name, site.latitude, site.longitude) == (
        "Mbale outpatient clinic",
        Decimal("1.080000"),
        Decimal("34.175000"),
    )
    assert counts() == before


@pytest.mark.parametrize("persona", ["host_member", "coordinator", "admin", "outsider"])
def test_only_coordinators_and_admins_of_the_host_update_its_sites(persona, users, site):
    before = counts()
    with pytest.raises(NotAllowed):
        services.update_site(site, actor=users[persona], data={"name": "Taken over"})
    site.refresh_from_db()
    assert site.name == "Mbale outpatient clinic"
    assert counts() == before


# Delete -------------------------------------------------------------------------------------------


def test_a_host_admin_deletes_a_site_and_the_audit_keeps_what_it_was(users, host, site):
    site_pk = site.pk
    services.delete_site(site, actor=users["host_admin"])

    assert not Site.objects.filter(pk=site_pk).exists()
    [entry] = AuditEntry.objects.filter(action="sites.site.deleted")
    assert entry.actor == users["host_admin"]
    assert entry.organization == host
    assert entry.object_id == str(site_pk)
    assert entry.object_repr == "Mbale outpatient clinic"
    assert entry.changes["name"] == ["Mbale outpatient clinic", None]
    assert entry.changes["security_guidance"] == ["Travel by day only.", None]


@pytest.mark.parametrize("persona", ["host_member", "coordinator", "admin", "viewer", "outsider"])
def test_only_coordinators_and_admins_of_the_host_delete_its_sites(persona, users, site):
    before = counts()
    with pytest.raises(NotAllowed):
        services.delete_site(site, actor=users[persona])
    assert Site.objects.filter(pk=site.pk).exists()
    assert counts() == before
