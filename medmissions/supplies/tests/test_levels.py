"""Setting and removing minimum stock levels (supplies/levels.py)."""

from __future__ import annotations

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.supplies import levels
from medmissions.supplies.models import StockLevel


def _counts():
    return StockLevel.objects.count(), AuditEntry.objects.count()


def test_a_coordinator_sets_a_minimum_and_it_is_audited(users, sending, warehouse, amoxicillin):
    level, created = levels.set_stock_level(
        actor=users["coordinator"], organization=sending, site=warehouse, item=amoxicillin, minimum=200
    )
    assert created
    assert (level.organization, level.site, level.item, level.minimum, level.updated_by) == (
        sending,
        warehouse,
        amoxicillin,
        200,
        users["coordinator"],
    )
    entry = AuditEntry.objects.get(action="supplies.stock_level.set")
    assert entry.organization == sending
    assert entry.changes["minimum"] == [None, 200]
    assert entry.data == {"created": True}


def test_setting_again_changes_the_minimum(users, sending, warehouse, amoxicillin):
    first, _created = levels.set_stock_level(
        actor=users["coordinator"], organization=sending, site=warehouse, item=amoxicillin, minimum=200
    )
    again, created = levels.set_stock_level(
        actor=users["admin"], organization=sending, site=warehouse, item=amoxicillin, minimum=350
    )
    assert not created and again.pk == first.pk
    assert StockLevel.objects.get().minimum == 350
    latest = AuditEntry.objects.filter(action="supplies.stock_level.set").order_by("-pk").first()
    assert latest is not None and latest.changes == {"minimum": [200, 350]}
    # The same minimum once more: nothing to record.
    before = _counts()
    levels.set_stock_level(
        actor=users["admin"], organization=sending, site=warehouse, item=amoxicillin, minimum=350
    )
    assert _counts() == before


def test_a_partners_site_is_allowed(users, sending, site, active_partnership, amoxicillin):
    level, created = levels.set_stock_level(
        actor=users["coordinator"], organization=sending, site=site, item=amoxicillin, minimum=20
    )
    assert created and level.site == site


@pytest.mark.parametrize("persona", ["member", "viewer", "outsider", "host_admin"])
def test_only_coordinators_and_admins_of_the_organisation_set_levels(
    persona, users, sending, warehouse, amoxicillin
):
    before = _counts()
    with pytest.raises(NotAllowed):
        levels.set_stock_level(
            actor=users[persona], organization=sending, site=warehouse, item=amoxicillin, minimum=5
        )
    assert _counts() == before


def test_a_site_the_actor_cannot_see_is_refused(users, sending, site, amoxicillin):
    # No partnership with the host: its clinic is out of sight.
    before = _counts()
    with pytest.raises(ValidationFailed) as raised:
        levels.set_stock_level(
            actor=users["coordinator"], organization=sending, site=site, item=amoxicillin, minimum=5
        )
    assert set(raised.value.fields) == {"site"}
    assert _counts() == before


@pytest.mark.parametrize("minimum", [0, -3, 10_000_001, True, "12", None])
def test_the_minimum_must_be_a_positive_whole_number(minimum, users, sending, warehouse, amoxicillin):
    before = _counts()
    with pytest.raises(ValidationFailed) as raised:
        levels.set_stock_level(
            actor=users["coordinator"],
            organization=sending,
            site=warehouse,
            item=amoxicillin,
            minimum=minimum,
        )
    assert raised.value.code == "invalid_minimum"
    assert set(raised.value.fields) == {"minimum"}
    assert _counts() == before


def test_an_item_no_longer_in_the_catalogue_is_refused(users, sending, warehouse, amoxicillin):
    amoxicillin.active = False
    amoxicillin.save(update_fields=["active"])
    with pytest.raises(ValidationFailed) as raised:
        levels.set_stock_level(
            actor=users["coordinator"], organization=sending, site=warehouse, item=amoxicillin, minimum=5
        )
    assert set(raised.value.fields) == {"item"}


def test_removing_a_level_is_audited(users, sending, warehouse, amoxicillin):
    level = StockLevel.objects.create(organization=sending, site=warehouse, item=amoxicillin, minimum=40)
    levels.remove_stock_level(level, actor=users["admin"])
    assert not StockLevel.objects.exists()
    entry = AuditEntry.objects.get(action="supplies.stock_level.removed")
    assert entry.organization == sending
    assert entry.changes["minimum"] == [40, None]


@pytest.mark.parametrize("persona", ["member", "viewer", "host_admin", "outsider"])
def test_only_coordinators_and_admins_remove_levels(persona, users, sending, warehouse, amoxicillin):
    level = StockLevel.objects.create(organization=sending, site=warehouse, item=amoxicillin, minimum=40)
    before = _counts()
    with pytest.raises(NotAllowed):
        levels.remove_stock_level(level, actor=users[persona])
    assert _counts() == before
