"""The action plan: coordinators create and edit actions; owner members change only the status."""

from __future__ import annotations

import datetime

import pytest

from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.partnerships import health
from medmissions.partnerships.choices import ActionItemStatus, Principle
from medmissions.partnerships.models import ActionItem
from medmissions.partnerships.tests.support import audit_entries, counts

DUE = datetime.date(2027, 1, 31)


def action_data(owner, **extra):
    return {"title": "Joint safeguarding policy", "owner_organization": owner, "due_date": DUE, **extra}


@pytest.fixture
def item(users, host, active_partnership):
    return health.create_action_item(
        active_partnership,
        actor=users["coordinator"],
        data=action_data(host, principle=Principle.RESPONSIBLE, description="Draft and sign."),
    )


@pytest.mark.parametrize("persona", ["coordinator", "admin", "host_admin"])
def test_coordinators_and_admins_of_a_party_create_actions(persona, users, host, active_partnership):
    created = health.create_action_item(
        active_partnership,
        actor=users[persona],
        data=action_data(host, principle=str(Principle.EQUITY.value)),
    )

    created.refresh_from_db()
    assert created.title == "Joint safeguarding policy"
    assert created.owner_organization == host
    assert created.due_date == DUE
    assert created.principle == Principle.EQUITY
    assert created.status == ActionItemStatus.OPEN
    assert created.created_by == users[persona]
    [entry] = audit_entries("partnerships.action_item.created")
    assert entry.actor == users[persona]
    assert entry.changes["title"] == [None, "Joint safeguarding policy"]
    assert entry.changes["owner_organization"] == [None, host.pk]


def test_an_action_can_come_from_a_health_check(users, sending, active_partnership, open_check):
    created = health.create_action_item(
        active_partnership, actor=users["coordinator"], data=action_data(sending), health_check=open_check
    )
    assert created.health_check == open_check


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member", "outsider"])
def test_members_viewers_and_outsiders_cannot_create_actions(persona, users, host, active_partnership):
    before = counts()
    with pytest.raises(NotAllowed):
        health.create_action_item(active_partnership, actor=users[persona], data=action_data(host))
    assert counts() == before


def test_the_owner_must_be_a_party(users, other, active_partnership):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        health.create_action_item(active_partnership, actor=users["coordinator"], data=action_data(other))
    assert caught.value.fields == {"owner_organization": "The owner must be one of the parties."}
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "  "}, "title", "Describe the action."),
        ({"owner_organization": None}, "owner_organization", "The owner must be one of the parties."),
        ({"due_date": None}, "due_date", "Enter a due date."),
        ({"due_date": "next week"}, "due_date", "Enter a due date."),
        ({"principle": 11}, "principle", "Choose one of the principles."),
        ({"status": "forgotten"}, "status", "Choose a status."),
    ],
)
def test_invalid_actions_are_refused_and_create_nothing(
    data, field, message, users, host, active_partnership
):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        health.create_action_item(
            active_partnership, actor=users["coordinator"], data={**action_data(host), **data}
        )
    assert caught.value.fields[field] == message
    assert counts() == before


def test_a_closed_partnership_gets_no_new_actions(users, host, closed_partnership):
    before = counts()
    with pytest.raises(Conflict, match="A closed partnership has no action plan to add to"):
        health.create_action_item(closed_partnership, actor=users["coordinator"], data=action_data(host))
    assert counts() == before


def test_a_coordinator_of_any_party_edits_every_field(users, sending, host, item):
    updated = health.update_action_item(
        item,
        actor=users["coordinator"],
        data={
            "title": "Adopt the policy",
            "owner_organization": sending,
            "status": ActionItemStatus.IN_PROGRESS,
        },
    )

    updated.refresh_from_db()
    assert (updated.title, updated.owner_organization, updated.status) == (
        "Adopt the policy",
        sending,
        ActionItemStatus.IN_PROGRESS,
    )
    assert updated.description == "Draft and sign."
    assert updated.principle == Principle.RESPONSIBLE
    [entry] = audit_entries("partnerships.action_item.updated")
    assert entry.actor == users["coordinator"]
    assert entry.changes == {
        "title": ["Joint safeguarding policy", "Adopt the policy"],
        "owner_organization": [host.pk, sending.pk],
        "status": ["open", "in_progress"],
    }


def test_a_member_of_the_owner_organisation_changes_the_status(users, host, item):
    updated = health.update_action_item(
        item, actor=users["host_member"], data={"status": ActionItemStatus.DONE}
    )
    assert updated.status == ActionItemStatus.DONE
    [entry] = audit_entries("partnerships.action_item.updated")
    assert entry.actor == users["host_member"]
    assert entry.organization == host
    assert entry.changes == {"status": ["open", "done"]}


def test_a_member_of_the_owner_organisation_may_change_only_the_status(users, item):
    before = counts()
    with pytest.raises(NotAllowed, match="can change the status only"):
        health.update_action_item(
            item, actor=users["host_member"], data={"status": ActionItemStatus.DONE, "title": "Mine"}
        )
    item.refresh_from_db()
    assert (item.title, item.status) == ("Joint safeguarding policy", ActionItemStatus.OPEN)
    assert counts() == before


@pytest.mark.parametrize("persona", ["member", "viewer", "outsider"])
def test_members_of_other_parties_viewers_and_outsiders_cannot_update(persona, users, item):
    before = counts()
    with pytest.raises(NotAllowed, match="Only the owner organisation or a party's coordinators"):
        health.update_action_item(item, actor=users[persona], data={"status": ActionItemStatus.DONE})
    item.refresh_from_db()
    assert item.status == ActionItemStatus.OPEN
    assert counts() == before


def test_an_invalid_status_is_refused(users, item):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        health.update_action_item(item, actor=users["host_member"], data={"status": "cancelled"})
    assert caught.value.fields == {"status": "Choose a status."}
    assert counts() == before


def test_outstanding_actions_are_the_open_and_in_progress_ones(users, host, active_partnership, item):
    done = health.create_action_item(
        active_partnership, actor=users["coordinator"], data=action_data(host, status=ActionItemStatus.DONE)
    )
    assert done.status == ActionItemStatus.DONE
    assert list(ActionItem.objects.outstanding()) == [item]


def test_action_items_are_visible_to_the_parties_only(users, item):
    assert list(ActionItem.objects.visible_to(users["viewer"])) == [item]
    assert list(ActionItem.objects.visible_to(users["host_member"])) == [item]
    assert list(ActionItem.objects.visible_to(users["outsider"])) == []
    assert list(ActionItem.objects.visible_to(None)) == []
