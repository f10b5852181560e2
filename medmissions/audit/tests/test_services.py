"""audit.services: snapshots and diffs of every kind of field, and what log_action stores."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import reverse

from medmissions.audit.models import AuditEntry
from medmissions.audit.services import _plain, diff, log_action, snapshot
from medmissions.conftest import make_organization, make_user
from medmissions.core.models import Language
from medmissions.organizations.models import Membership, Organization, ValueTag

pytestmark = pytest.mark.django_db


# ---- snapshot ----------------------------------------------------------------------------------


def test_snapshot_plain_fields_are_their_values(sending):
    assert snapshot(sending, ["name", "kind", "area", "is_verified"]) == {
        "name": "Bridge Health UK",
        "kind": "secular_ngo",
        "area": "",
        "is_verified": False,
    }


def test_snapshot_only_the_fields_asked_for(sending):
    assert set(snapshot(sending, ["name"])) == {"name"}
    assert snapshot(sending, []) == {}


def test_snapshot_foreign_keys_are_primary_keys(site, host, users, sending):
    assert snapshot(site, ["host_organization"]) == {"host_organization": host.pk}
    membership = Membership.objects.get(user=users["viewer"])
    assert snapshot(membership, ["user", "organization", "role"]) == {
        "user": users["viewer"].pk,
        "organization": sending.pk,
        "role": "viewer",
    }


def test_snapshot_empty_foreign_key_is_none(active_partnership):
    from medmissions.partnerships import health

    item = health.create_action_item(
        active_partnership,
        actor=active_partnership.created_by,
        data={
            "title": "Agree a handover plan",
            "owner_organization": active_partnership.parties.first().organization,
            "due_date": datetime.date(2027, 1, 31),
        },
    )
    assert snapshot(item, ["health_check"]) == {"health_check": None}


def test_snapshot_many_to_many_is_a_sorted_list_of_keys(sending):
    tags = list(ValueTag.objects.order_by("pk")[:3])
    assert len(tags) == 3, "the value tags are seeded by a migration"
    sending.value_tags.set(reversed(tags))
    assert snapshot(sending, ["value_tags"]) == {"value_tags": sorted(tag.pk for tag in tags)}


def test_snapshot_empty_many_to_many_is_an_empty_list(sending):
    assert snapshot(sending, ["value_tags", "languages"]) == {"value_tags": [], "languages": []}


def test_snapshot_many_to_many_of_an_unsaved_object_is_empty():
    unsaved = Organization(name="Not saved yet", slug="unsaved", country="GB", kind="clinic")
    assert snapshot(unsaved, ["value_tags"]) == {"value_tags": []}


def test_snapshot_dates_and_datetimes_are_iso_strings(proposed_partnership, sending):
    values = snapshot(proposed_partnership, ["next_review_date", "start_date"])
    assert values == {"next_review_date": "2027-03-01", "start_date": None}
    moment = datetime.datetime(2026, 5, 4, 9, 30, tzinfo=datetime.UTC)
    sending.verified_at = moment
    assert snapshot(sending, ["verified_at"]) == {"verified_at": "2026-05-04T09:30:00+00:00"}


def test_snapshot_files_are_their_stored_name_or_none(sending):
    assert snapshot(sending, ["logo"]) == {"logo": None}
    sending.logo.save("bridge.png", ContentFile(b"not really a png"), save=True)
    name = snapshot(sending, ["logo"])["logo"]
    assert isinstance(name, str)
    assert name.startswith("logos/")
    assert name == sending.logo.name


def test_snapshot_countries_are_codes(sending, site):
    assert snapshot(sending, ["country"]) == {"country": "GB"}
    assert snapshot(site, ["country"]) == {"country": "UG"}
    no_country = Organization(name="Nowhere", slug="nowhere", kind="clinic", country="")
    assert snapshot(no_country, ["country"]) == {"country": None}


def test_snapshot_decimals_are_strings(site):
    assert snapshot(site, ["latitude", "longitude"]) == {"latitude": "1.080000", "longitude": "34.175000"}


def test_snapshot_is_json_serialisable(site, sending, proposed_partnership):
    site.languages.set(Language.objects.all()[:2])
    values = {
        **snapshot(site, ["name", "host_organization", "country", "latitude", "languages", "created_at"]),
        **snapshot(proposed_partnership, ["next_review_date", "mou", "focus_areas", "is_public"]),
    }
    assert json.loads(json.dumps(values)) == values


def test_plain_handles_containers_uuids_and_models(sending):
    token = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert _plain(token) == "12345678-1234-5678-1234-567812345678"
    assert _plain(decimal.Decimal("2.50")) == "2.50"
    assert _plain(sending) == sending.pk
    assert _plain((1, datetime.date(2026, 1, 2))) == [1, "2026-01-02"]
    assert _plain({"b", "a", "c"}) == ["a", "b", "c"]
    assert _plain(datetime.time(8, 15)) == "08:15:00"
    assert _plain(None) is None


# ---- diff --------------------------------------------------------------------------------------


def test_diff_keeps_only_changed_fields_as_before_after_pairs():
    before = {"name": "Old", "kind": "clinic", "value_tags": [1, 2]}
    after = {"name": "New", "kind": "clinic", "value_tags": [1, 3]}
    assert diff(before, after) == {"name": ["Old", "New"], "value_tags": [[1, 2], [1, 3]]}


def test_diff_of_equal_snapshots_is_empty():
    assert diff({"name": "Same"}, {"name": "Same"}) == {}
    assert diff({}, {}) == {}


def test_diff_of_a_creation_and_a_deletion():
    assert diff({}, {"name": "Created", "area": ""}) == {"name": [None, "Created"], "area": [None, ""]}
    assert diff({"name": "Deleted"}, {}) == {"name": ["Deleted", None]}


def test_diff_is_ordered_by_field_name():
    changes = diff({"z": 1, "a": 1, "m": 1}, {"z": 2, "a": 2, "m": 2})
    assert list(changes) == ["a", "m", "z"]


def test_diff_of_real_snapshots_before_and_after_a_change(sending):
    before = snapshot(sending, ["name", "country", "value_tags"])
    sending.name = "Bridge Health"
    sending.country = "IE"
    sending.save()
    tag = ValueTag.objects.order_by("pk").first()
    sending.value_tags.add(tag)
    after = snapshot(sending, ["name", "country", "value_tags"])
    assert diff(before, after) == {
        "country": ["GB", "IE"],
        "name": ["Bridge Health UK", "Bridge Health"],
        "value_tags": [[], [tag.pk]],
    }


# ---- log_action --------------------------------------------------------------------------------


def test_log_action_stores_actor_organisation_object_changes_and_data(users, sending, proposed_partnership):
    actor = users["coordinator"]
    entry = log_action(
        "partnerships.partnership.updated",
        actor=actor,
        organization=sending,
        obj=proposed_partnership,
        before={"title": "Old title", "is_public": False},
        after={"title": "New title", "is_public": False},
        data={"reason": "Renamed", "when": datetime.date(2026, 6, 1), "party": sending},
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.action == "partnerships.partnership.updated"
    assert stored.actor == actor
    assert stored.actor_label == str(actor) == "Coordinator"
    assert stored.organization == sending
    assert stored.content_type == ContentType.objects.get_for_model(proposed_partnership)
    assert stored.object_id == str(proposed_partnership.pk)
    assert stored.object_repr == "Mbale surgical training"
    assert stored.changes == {"title": ["Old title", "New title"]}
    assert stored.data == {"reason": "Renamed", "when": "2026-06-01", "party": sending.pk}
    assert stored.created_at is not None


def test_log_action_for_a_created_and_a_deleted_object(users, site):
    created = log_action("sites.site.created", actor=users["host_admin"], obj=site, after={"name": "Clinic"})
    deleted = log_action("sites.site.deleted", actor=users["host_admin"], obj=site, before={"name": "Clinic"})
    assert created.changes == {"name": [None, "Clinic"]}
    assert deleted.changes == {"name": ["Clinic", None]}


def test_log_action_without_changes_or_data_stores_empty_dicts(users):
    entry = AuditEntry.objects.get(pk=log_action("accounts.user.email_verified", actor=users["member"]).pk)
    assert entry.changes == {}
    assert entry.data == {}


def test_log_action_without_an_object(users, sending):
    entry = log_action("organizations.report.exported", actor=users["admin"], organization=sending)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.content_type is None
    assert stored.object_id == ""
    assert stored.object_repr == ""
    assert stored.organization == sending


def test_log_action_without_an_organisation(users):
    entry = log_action("accounts.user.profile_updated", actor=users["viewer"], obj=users["viewer"])
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.organization is None
    assert stored.object_id == str(users["viewer"].pk)
    assert stored.content_type.model == "user"


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["none", "anonymous user"])
def test_anonymous_actor_is_stored_as_system(actor, sending):
    entry = log_action("organizations.invitation.expired", actor=actor, organization=sending, obj=sending)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor is None
    assert stored.actor_label == "system"


def test_actor_label_is_kept_when_the_actor_is_deleted(sending):
    person = make_user("leaver@example.org", "Lee Leaver")
    entry = log_action("organizations.organization.updated", actor=person, organization=sending, obj=sending)
    person.delete()
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor is None
    assert stored.actor_label == "Lee Leaver"


def test_entry_outlives_the_object_it_describes(users):
    organization = make_organization("Short Lived Clinic", "short-lived", "KE", "clinic")
    entry = log_action("organizations.organization.deleted", actor=users["admin"], obj=organization)
    organization.delete()
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.object_repr == "Short Lived Clinic"
    assert stored.object_id.isdigit()


def test_long_object_text_is_cut_to_the_column(users):
    long_name = make_user("long@example.org", "N" * 150)
    organization = make_organization("O" * 200, "long-org", "GB")
    membership = Membership.objects.create(user=long_name, organization=organization, role="member")
    assert len(str(membership)) > 255
    entry = log_action("organizations.membership.created", actor=users["admin"], obj=membership)
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == str(membership)[:255]


def test_services_write_the_trail_with_their_changes(users, site, host):
    from medmissions.sites import services

    services.update_site(site, actor=users["host_admin"], data={"town": "Mbale town"})
    entry = AuditEntry.objects.get(action="sites.site.updated")
    assert entry.actor == users["host_admin"]
    assert entry.organization == host
    assert entry.object_id == str(site.pk)
    assert entry.changes == {"town": ["Mbale", "Mbale town"]}


def test_the_trail_shows_data_whose_keys_are_named_like_dictionary_methods(users, sending, client_for):
    # A key named "items" must not hide the pairs from the template ({{ data.items }} would
    # answer the key's value).
    from medmissions.audit.services import log_action

    log_action(
        "supplies.shipment.sent",
        actor=users["admin"],
        organization=sending,
        obj=sending,
        data={"items": 3, "units": 40},
        before={"items": 1},
        after={"items": 2},
    )
    page = client_for(users["admin"]).get(reverse("organizations:audit", args=[sending.slug]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "items: 3" in text and "units: 40" in text
    assert "items: 1 → 2" in text
