"""API of supply requests: list filters, drafting with codes resolved through what the caller may
see, reading, changing, lines and kits, submitting, cancelling, closing and the host's shelf-life
exception, with the error shape of every refusal."""

from __future__ import annotations

import pytest

from medmissions.supplies import allocation, services
from medmissions.supplies.choices import RequestStatus
from medmissions.supplies.tests.allocation_support import receive
from medmissions.supplies.tests.requests_support import *  # noqa: F403
from medmissions.supplies.tests.requests_support import in_days, make_need
from medmissions.testing import assert_api_error, patch_json, post_json, put_json

pytestmark = pytest.mark.django_db

BASE = "/api/v1/supplies/requests"


def _payload(site, **changes):
    data = {
        "organization": "bridge-health",
        "title": "Clinic medicines",
        "destination": site.pk,
        "needed_by": in_days(30).isoformat(),
        "priority": 3,
    }
    data.update(changes)
    return data


# Listing ----------------------------------------------------------------------------------------


def test_the_list_carries_fulfilment_and_filters(api_client_for, users, sending, warehouse, draft, submitted):
    line = submitted.lines.get(item__category="medicine")
    lot = receive(users, sending, warehouse, line.item, "AMX-1", in_days(1000), 1000)
    allocation.allocate(line, lot, warehouse, actor=users["coordinator"], quantity=200)
    client = api_client_for(users["viewer"])
    body = client.get(BASE).json()
    assert body["count"] == 2
    rows = {row["id"]: row for row in body["items"]}
    assert (rows[submitted.pk]["asked"], rows[submitted.pk]["allocated"]) == (610, 200)
    assert rows[submitted.pk]["destination_host"] == "mbale-hospital"
    assert [row["id"] for row in client.get(BASE, {"status": "draft"}).json()["items"]] == [draft.pk]
    assert client.get(BASE, {"show": "sites"}).json()["count"] == 0
    assert api_client_for(users["host_member"]).get(BASE, {"show": "sites"}).json()["count"] == 2
    assert [row["id"] for row in api_client_for(users["outsider"]).get(BASE).json()["items"]] == [
        submitted.pk
    ]
    assert_api_error(client.get(BASE, {"status": "lost"}), 400, "invalid")


def test_anonymous_callers_are_refused(client):
    assert_api_error(client.get(BASE), 401, "unauthenticated")


# Drafting ---------------------------------------------------------------------------------------


def test_drafting_a_request(api_client_for, users, site, active_partnership):
    response = post_json(api_client_for(users["coordinator"]), BASE, _payload(site, open_to_donors=True))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["organization"] == "bridge-health"
    assert body["destination"] == site.pk
    assert body["open_to_donors"] is True
    assert body["lines"] == []


def test_a_mission_gives_the_destination(api_client_for, users, site, mission, host_need):
    response = post_json(
        api_client_for(users["coordinator"]),
        BASE,
        _payload(site, destination=None, mission=mission.pk, need=host_need.pk),
    )
    assert response.status_code == 201, response.content
    assert (response.json()["destination"], response.json()["mission"]) == (site.pk, mission.pk)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"organization": "unrelated-clinic"}, "organization"),
        ({"organization": "nobody"}, "organization"),
        ({"destination": 999999}, "destination"),
        ({"mission": 999999}, "mission"),
        ({"need": 999999}, "need"),
        ({"needed_by": "2020-01-01"}, "needed_by"),
        ({"priority": 9}, "priority"),
        ({"title": " "}, "title"),
    ],
)
def test_drafting_errors_name_the_field(api_client_for, users, site, active_partnership, changes, field):
    response = post_json(api_client_for(users["coordinator"]), BASE, _payload(site, **changes))
    assert_api_error(response, 400, fields=[field])


def test_a_site_the_caller_cannot_see_is_unknown(api_client_for, users, other_site, active_partnership, site):
    response = post_json(
        api_client_for(users["coordinator"]), BASE, _payload(site, destination=other_site.pk)
    )
    error = assert_api_error(response, 400, fields=["destination"])
    assert error["message"] == f"Site {other_site.pk} does not exist."


def test_a_need_the_caller_cannot_see_is_unknown(
    api_client_for, users, other, other_site, site, active_partnership
):
    hidden = make_need(users["outsider"], other, other_site, title="Kisumu cold chain")
    response = post_json(api_client_for(users["coordinator"]), BASE, _payload(site, need=hidden.pk))
    assert_api_error(response, 400, fields=["need"])


def test_members_may_not_draft(api_client_for, users, site, active_partnership):
    assert_api_error(post_json(api_client_for(users["member"]), BASE, _payload(site)), 403, "forbidden")


# Reading and changing ---------------------------------------------------------------------------


def test_reading_a_request(api_client_for, users, submitted, clinic_kit):
    services.add_kit(submitted, actor=users["coordinator"], kit=clinic_kit, count=1)
    body = api_client_for(users["host_member"]).get(f"{BASE}/{submitted.pk}").json()
    assert body["status"] == "submitted"
    assert [(line["item"], line["quantity"], line["kit"]) for line in body["lines"]] == [
        ("test-amoxicillin-500mg-capsule", 700, None),
        ("test-examination-gloves-m", 12, None),
    ]
    assert body["shorter_shelf_life_days"] is None


def test_a_draft_is_not_found_for_outsiders(api_client_for, users, draft):
    assert_api_error(api_client_for(users["outsider"]).get(f"{BASE}/{draft.pk}"), 404, "not_found")


def test_patch_changes_only_what_is_sent(api_client_for, users, draft, mission):
    client = api_client_for(users["coordinator"])
    response = patch_json(client, f"{BASE}/{draft.pk}", {"priority": 4, "mission": mission.pk})
    assert response.status_code == 200, response.content
    assert (response.json()["priority"], response.json()["mission"]) == (4, mission.pk)
    assert response.json()["title"] == "Clinic medicines for the surgical camp"
    response = patch_json(client, f"{BASE}/{draft.pk}", {"mission": None})
    assert response.json()["mission"] is None
    assert_api_error(
        patch_json(client, f"{BASE}/{draft.pk}", {"needed_by": "2020-01-01"}), 400, fields=["needed_by"]
    )
    assert_api_error(patch_json(api_client_for(users["viewer"]), f"{BASE}/{draft.pk}", {"priority": 1}), 403)


# Lines and kits ---------------------------------------------------------------------------------


def test_lines_are_added_changed_and_removed(api_client_for, users, draft, amoxicillin):
    client = api_client_for(users["coordinator"])
    response = post_json(client, f"{BASE}/{draft.pk}/lines", {"item": amoxicillin.code, "quantity": 20})
    assert response.status_code == 201, response.content
    [line] = response.json()["lines"]
    response = post_json(client, f"{BASE}/{draft.pk}/lines", {"item": amoxicillin.code, "quantity": 5})
    assert [row["quantity"] for row in response.json()["lines"]] == [25]
    response = patch_json(client, f"{BASE}/{draft.pk}/lines/{line['id']}", {"quantity": 30})
    assert response.json()["lines"][0]["quantity"] == 30
    response = client.delete(f"{BASE}/{draft.pk}/lines/{line['id']}")
    assert response.status_code == 204
    assert draft.lines.count() == 0


def test_line_errors(api_client_for, users, draft, submitted, amoxicillin):
    client = api_client_for(users["coordinator"])
    assert_api_error(
        post_json(client, f"{BASE}/{draft.pk}/lines", {"item": "nope", "quantity": 1}), 400, fields=["item"]
    )
    assert_api_error(
        post_json(client, f"{BASE}/{draft.pk}/lines", {"item": amoxicillin.code, "quantity": 0}),
        400,
        fields=["quantity"],
    )
    other_line = submitted.lines.first()
    assert_api_error(patch_json(client, f"{BASE}/{draft.pk}/lines/{other_line.pk}", {"quantity": 1}), 404)


def test_removing_an_allocated_line_is_a_conflict(api_client_for, users, sending, warehouse, submitted):
    line = submitted.lines.get(item__category="medicine")
    lot = receive(users, sending, warehouse, line.item, "AMX-1", in_days(1000), 1000)
    allocation.allocate(line, lot, warehouse, actor=users["coordinator"], quantity=10)
    client = api_client_for(users["coordinator"])
    assert_api_error(client.delete(f"{BASE}/{submitted.pk}/lines/{line.pk}"), 409, "line_allocated")
    assert_api_error(
        patch_json(client, f"{BASE}/{submitted.pk}/lines/{line.pk}", {"quantity": 5}), 409, "line_allocated"
    )
    body = client.get(f"{BASE}/{submitted.pk}").json()
    assert [row["allocated"] for row in body["lines"]] == [10, 0]


def test_kits(api_client_for, users, draft, clinic_kit):
    client = api_client_for(users["admin"])
    response = post_json(client, f"{BASE}/{draft.pk}/kits", {"kit": clinic_kit.code, "count": 2})
    assert response.status_code == 201, response.content
    assert {(row["item"], row["quantity"], row["kit"]) for row in response.json()["lines"]} == {
        ("test-amoxicillin-500mg-capsule", 200, "test-clinic-kit"),
        ("test-examination-gloves-m", 4, "test-clinic-kit"),
    }
    assert_api_error(
        post_json(client, f"{BASE}/{draft.pk}/kits", {"kit": "nope", "count": 1}), 400, fields=["kit"]
    )
    assert_api_error(
        post_json(
            client, f"{BASE}/{draft.pk}/kits", {"kit": clinic_kit.code, "count": services.MAX_QUANTITY}
        ),
        400,
        fields=["count"],
    )


# Lifecycle --------------------------------------------------------------------------------------


def test_submitting(api_client_for, users, draft, amoxicillin):
    client = api_client_for(users["coordinator"])
    assert_api_error(post_json(client, f"{BASE}/{draft.pk}/submit", {}), 400, "no_lines")
    services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=3)
    response = post_json(client, f"{BASE}/{draft.pk}/submit", {})
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    assert response.json()["submitted_at"]
    assert_api_error(post_json(client, f"{BASE}/{draft.pk}/submit", {}), 409, "already_submitted")


def test_cancelling_and_then_nothing_changes(api_client_for, users, submitted, amoxicillin):
    client = api_client_for(users["coordinator"])
    assert_api_error(
        post_json(client, f"{BASE}/{submitted.pk}/cancel", {"reason": ""}), 400, fields=["reason"]
    )
    response = post_json(client, f"{BASE}/{submitted.pk}/cancel", {"reason": "Postponed."})
    assert response.json()["status"] == "cancelled"
    assert_api_error(
        post_json(client, f"{BASE}/{submitted.pk}/lines", {"item": amoxicillin.code, "quantity": 1}),
        409,
        "request_closed",
    )


def test_closing(api_client_for, users, submitted, draft):
    client = api_client_for(users["coordinator"])
    assert_api_error(
        post_json(client, f"{BASE}/{submitted.pk}/close", {}), 400, "request_not_met", fields=["reason"]
    )
    assert_api_error(
        post_json(client, f"{BASE}/{draft.pk}/close", {"reason": "x"}), 409, "request_not_submitted"
    )
    response = post_json(client, f"{BASE}/{submitted.pk}/close", {"reason": "Met by the district."})
    assert response.status_code == 200
    assert response.json()["status"] == RequestStatus.CLOSED
    # Still visible to donors once closed, so that their offers keep their context.
    assert api_client_for(users["outsider"]).get(f"{BASE}/{submitted.pk}").status_code == 200


def test_the_shelf_life_exception(api_client_for, users, submitted):
    url = f"{BASE}/{submitted.pk}/shelf-life-exception"
    host = api_client_for(users["host_admin"])
    response = put_json(host, url, {"days": 100, "acknowledged_by": "Dr A. Namusoke"})
    assert response.status_code == 200, response.content
    assert (response.json()["shorter_shelf_life_days"], response.json()["shelf_life_acknowledged_by"]) == (
        100,
        "Dr A. Namusoke",
    )
    assert_api_error(put_json(host, url, {"days": 100}), 400, fields=["acknowledged_by"])
    assert_api_error(put_json(host, url, {"days": 1000, "acknowledged_by": "Dr A"}), 400, fields=["days"])
    assert put_json(host, url, {"days": None}).json()["shorter_shelf_life_days"] is None
    assert_api_error(
        put_json(api_client_for(users["coordinator"]), url, {"days": 100, "acknowledged_by": "Dr A"}), 403
    )
