"""Organisation services: create, update, logo and verification."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.core.models import Language
from medmissions.organizations import services
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Capability, Membership, Organization, ValueTag
from medmissions.organizations.tests.helpers import (
    counts,
    fake_png_upload,
    oversized_png_upload,
    png_bytes,
    png_upload,
)

pytestmark = pytest.mark.django_db


def profile(**overrides):
    data = {
        "name": "Kijabe Surgical Partners",
        "kind": "secular_ngo",
        "country": "KE",
        "area": "Kiambu",
        "website": "https://kijabe.example.org",
        "contact_email": "hello@kijabe.example.org",
        "description": "Surgical training.",
        "values_statement": "Host-led, long-term.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def founder(db):
    return make_user("founder@example.org", "Fiona Founder")


# --- create --------------------------------------------------------------------------------------


def test_the_creator_becomes_the_only_admin(founder):
    organization = services.create_organization(actor=founder, data=profile())

    membership = Membership.objects.get(organization=organization)
    assert membership.user == founder
    assert membership.role == Role.ADMIN
    assert organization.slug == "kijabe-surgical-partners"
    assert organization.country.code == "KE"
    assert not organization.is_verified


def test_it_trims_the_name_and_saves_the_chosen_terms(founder):
    tags = list(ValueTag.objects.filter(slug__in=["host-led", "teaching"]))
    surgery = Capability.objects.get(slug="surgery")
    swahili = Language.objects.get(code="sw")

    organization = services.create_organization(
        actor=founder,
        data=profile(
            name="  Kijabe Surgical Partners  ", value_tags=tags, capabilities=[surgery], languages=[swahili]
        ),
    )

    organization.refresh_from_db()
    assert organization.name == "Kijabe Surgical Partners"
    assert set(organization.value_tags.values_list("slug", flat=True)) == {"host-led", "teaching"}
    assert list(organization.capabilities.all()) == [surgery]
    assert list(organization.languages.all()) == [swahili]


def test_it_records_the_creation_with_actor_organisation_and_values(founder):
    teaching = ValueTag.objects.get(slug="teaching")

    organization = services.create_organization(actor=founder, data=profile(value_tags=[teaching]))

    entry = AuditEntry.objects.get(action="organizations.organization.created")
    assert entry.actor == founder
    assert entry.actor_label == "Fiona Founder"
    assert entry.organization == organization
    assert entry.object_id == str(organization.pk)
    assert entry.object_repr == "Kijabe Surgical Partners"
    assert entry.changes["name"] == [None, "Kijabe Surgical Partners"]
    assert entry.changes["kind"] == [None, "secular_ngo"]
    assert entry.changes["country"] == [None, "KE"]
    assert entry.changes["website"] == [None, "https://kijabe.example.org"]
    assert entry.changes["value_tags"] == [None, [teaching.pk]]
    assert all(before is None for before, _after in entry.changes.values())


def test_the_same_name_in_two_countries_gets_two_slugs(founder):
    in_kenya = services.create_organization(actor=founder, data=profile(name="Hope Clinic"))
    in_uganda = services.create_organization(actor=founder, data=profile(name="Hope Clinic", country="UG"))

    assert in_kenya.slug == "hope-clinic"
    assert in_uganda.slug == "hope-clinic-2"


def test_a_name_without_letters_still_gets_a_slug(founder):
    organization = services.create_organization(actor=founder, data=profile(name="***"))

    assert organization.slug == "organisation"


@pytest.mark.parametrize("name", ["Bridge Health UK", "bridge health uk", "  BRIDGE HEALTH UK "])
def test_it_refuses_a_duplicate_name_in_the_same_country(users, sending, name):
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        services.create_organization(actor=users["outsider"], data=profile(name=name, country="GB"))

    assert caught.value.fields == {"name": "An organisation with this name already exists in this country."}
    assert counts() == before


def test_it_accepts_an_existing_name_in_another_country(users, sending):
    organization = services.create_organization(
        actor=users["outsider"], data=profile(name="Bridge Health UK", country="KE")
    )

    assert organization.slug != sending.slug


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"kind": "pirate_ship"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"country": "ZZ"}, "country"),
        ({"country": ""}, "country"),
        ({"website": "not a web address"}, "website"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"contact_email": "not-an-email"}, "contact_email"),
    ],
)
def test_it_refuses_bad_input_and_creates_nothing(founder, overrides, field):
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        services.create_organization(actor=founder, data=profile(**overrides))

    assert field in caught.value.fields
    assert counts() == before


def test_an_anonymous_person_cannot_create_one(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAllowed):
        services.create_organization(actor=AnonymousUser(), data=profile())

    assert Organization.objects.count() == 0


# --- update --------------------------------------------------------------------------------------


def test_an_admin_updates_the_profile_and_the_change_is_recorded_as_before_and_after(users, sending):
    teaching = ValueTag.objects.get(slug="teaching")

    services.update_organization(
        sending, actor=users["admin"], data={"area": " London ", "value_tags": [teaching]}
    )

    sending.refresh_from_db()
    assert sending.area == "London"
    assert list(sending.value_tags.all()) == [teaching]
    assert sending.name == "Bridge Health UK"
    entry = AuditEntry.objects.get(action="organizations.organization.updated")
    assert entry.actor == users["admin"]
    assert entry.organization == sending
    assert entry.changes == {"area": ["", "London"], "value_tags": [[], [teaching.pk]]}


def test_an_admin_may_keep_the_name_and_change_its_case(users, sending):
    services.update_organization(sending, actor=users["admin"], data={"name": "BRIDGE HEALTH UK"})

    sending.refresh_from_db()
    assert sending.name == "BRIDGE HEALTH UK"


def test_renaming_onto_another_organisation_in_the_same_country_is_refused(users, sending):
    Organization.objects.create(name="Second UK Charity", slug="second", country="GB", kind="secular_ngo")
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        services.update_organization(sending, actor=users["admin"], data={"name": "second uk charity"})

    assert "name" in caught.value.fields
    assert counts() == before
    assert Organization.objects.get(pk=sending.pk).name == "Bridge Health UK"


@pytest.mark.parametrize("persona_name", ["coordinator", "member", "viewer", "outsider", "host_admin"])
def test_only_admins_of_the_organisation_update_it(users, sending, persona_name):
    before = counts()

    with pytest.raises(NotAllowed) as caught:
        services.update_organization(sending, actor=users[persona_name], data={"area": "Hacked"})

    assert caught.value.message == "Only admins edit the organisation."
    assert counts() == before
    assert Organization.objects.get(pk=sending.pk).area == ""


def test_an_update_with_a_bad_kind_changes_nothing(users, sending):
    before = counts()

    with pytest.raises(ValidationFailed):
        services.update_organization(sending, actor=users["admin"], data={"area": "London", "kind": "nope"})

    assert counts() == before
    assert Organization.objects.get(pk=sending.pk).area == ""


# --- logo ----------------------------------------------------------------------------------------


def test_a_png_logo_is_accepted_and_stored_under_a_fresh_name(users, sending, settings):
    services.update_organization(sending, actor=users["admin"], data={"logo": png_upload("../../evil.png")})

    sending.refresh_from_db()
    assert sending.logo.name.startswith("logos/bridge-health-")
    assert sending.logo.name.endswith(".png")
    assert (settings.MEDIA_ROOT / sending.logo.name).read_bytes() == png_bytes()
    entry = AuditEntry.objects.get(action="organizations.organization.updated")
    assert entry.changes == {"logo": [None, sending.logo.name]}


def test_a_jpeg_logo_gets_a_jpg_name_whatever_it_was_called(users, sending):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="JPEG")
    upload = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")

    services.update_organization(sending, actor=users["admin"], data={"logo": upload})

    sending.refresh_from_db()
    assert sending.logo.name.endswith(".jpg")


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (fake_png_upload, "file_type_not_allowed"),
        (oversized_png_upload, "file_too_large"),
        (lambda: SimpleUploadedFile("empty.png", b"", content_type="image/png"), "empty_file"),
        (
            lambda: SimpleUploadedFile("broken.png", png_bytes()[:20], content_type="image/png"),
            "image_unreadable",
        ),
    ],
)
def test_a_bad_logo_is_refused_by_its_content_and_nothing_changes(users, sending, settings, upload, code):
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        services.update_organization(sending, actor=users["admin"], data={"area": "London", "logo": upload()})

    assert caught.value.code == code
    assert counts() == before
    sending.refresh_from_db()
    assert not sending.logo
    assert sending.area == ""
    assert not (settings.MEDIA_ROOT / "logos").exists() or not any((settings.MEDIA_ROOT / "logos").iterdir())


def test_a_bad_logo_on_creation_creates_nothing(founder):
    before = counts()

    with pytest.raises(ValidationFailed):
        services.create_organization(actor=founder, data=profile(logo=fake_png_upload()))

    assert counts() == before


def test_a_logo_can_be_cleared(users, sending, settings):
    services.update_organization(sending, actor=users["admin"], data={"logo": png_upload()})
    sending.refresh_from_db()
    stored = settings.MEDIA_ROOT / sending.logo.name

    services.update_organization(sending, actor=users["admin"], data={"logo": False})

    sending.refresh_from_db()
    assert not sending.logo
    assert not stored.exists()


def test_a_coordinator_cannot_change_the_logo(users, sending):
    with pytest.raises(NotAllowed):
        services.update_organization(sending, actor=users["coordinator"], data={"logo": png_upload()})

    sending.refresh_from_db()
    assert not sending.logo


# --- verification --------------------------------------------------------------------------------


def test_platform_staff_verify_an_organisation_and_it_is_recorded(sending):
    staff = make_user("staff@example.org", "Platform Staff", is_staff=True)

    services.set_verified(sending, actor=staff, verified=True)

    sending.refresh_from_db()
    assert sending.is_verified
    assert sending.verified_at is not None
    entry = AuditEntry.objects.get(action="organizations.organization.verified")
    assert entry.actor == staff
    assert entry.organization == sending
    assert entry.changes == {"is_verified": [False, True]}


def test_platform_staff_withdraw_a_verification(sending):
    staff = make_user("staff@example.org", "Platform Staff", is_staff=True)
    services.set_verified(sending, actor=staff, verified=True)

    services.set_verified(sending, actor=staff, verified=False)

    sending.refresh_from_db()
    assert not sending.is_verified
    assert sending.verified_at is None
    assert AuditEntry.objects.filter(action="organizations.organization.unverified").count() == 1


@pytest.mark.parametrize("persona_name", ["admin", "outsider"])
def test_only_platform_staff_verify(users, sending, persona_name):
    before = counts()

    with pytest.raises(NotAllowed):
        services.set_verified(sending, actor=users[persona_name], verified=True)

    assert counts() == before
    sending.refresh_from_db()
    assert not sending.is_verified
