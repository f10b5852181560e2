"""API of allocation runs and allocations, including the 400/403/404/409 answers."""

from __future__ import annotations

import pytest

from medmissions.supplies import allocation, stock
from medmissions.supplies.models import Allocation
from medmissions.testing import assert_api_error, post_json

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/supplies/allocation-runs"


def test_create_read_and_accept_a_run(api_client_for, users, supply_request, stocked):
    client = api_client_for(users["coordinator"])
    created = post_json(client, RUNS, {"organization": "bridge-health", "requests": [supply_request.pk]})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["fulfilment_percent"] == 100.0
    assert body["status"] == "proposed"
    assert {pick["index"] for pick in body["picks"]} == set(range(len(body["picks"])))
    assert client.get(f"{RUNS}/{body['id']}").json()["picks"] == body["picks"]
    accepted = post_json(client, f"{RUNS}/{body['id']}/accept", {"quantities": {"0": 1}})
    assert accepted.status_code == 200, accepted.content
    assert sorted(row["quantity"] for row in accepted.json())[0] == 1
    listed = client.get(f"/api/v1/supplies/allocations?request_id={supply_request.pk}").json()
    assert listed["count"] == 3


def test_create_run_errors(api_client_for, users, supply_request, stocked):
    client = api_client_for(users["coordinator"])
    assert_api_error(
        post_json(client, RUNS, {"organization": "bridge-health", "requests": [999999]}),
        400,
        fields=["requests"],
    )
    assert_api_error(
        post_json(client, RUNS, {"organization": "bridge-health", "requests": []}), 400, fields=["requests"]
    )
    assert_api_error(
        post_json(client, RUNS, {"organization": "no-such-org", "requests": [supply_request.pk]}), 404
    )
    member = api_client_for(users["member"])
    assert_api_error(
        post_json(member, RUNS, {"organization": "bridge-health", "requests": [supply_request.pk]}), 403
    )


def test_accepting_a_stale_run_answers_409(
    api_client_for, users, sending, warehouse, supply_request, stocked
):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    stock.consume(stocked["early"], warehouse, actor=users["member"], quantity=399)
    client = api_client_for(users["coordinator"])
    assert_api_error(post_json(client, f"{RUNS}/{run.pk}/accept", {}), 409, "proposal_stale")
    assert not Allocation.objects.exists()
    discarded = post_json(client, f"{RUNS}/{run.pk}/discard", {})
    assert discarded.json()["status"] == "discarded"
    assert_api_error(post_json(client, f"{RUNS}/{run.pk}/discard", {}), 409, "run_decided")


def test_rerun_and_outsiders(api_client_for, users, warehouse, supply_request, stocked, sending):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    client = api_client_for(users["coordinator"])
    again = post_json(
        client, f"{RUNS}/{run.pk}/rerun", {"keep_out": [{"lot": stocked["early"].pk, "site": warehouse.pk}]}
    )
    assert again.status_code == 201
    assert stocked["early"].pk not in {pick["lot"] for pick in again.json()["picks"]}
    outsider = api_client_for(users["outsider"])
    assert_api_error(outsider.get(f"{RUNS}/{run.pk}"), 404)


def test_allocate_by_hand_and_release(api_client_for, users, warehouse, supply_request, stocked):
    client = api_client_for(users["coordinator"])
    line = supply_request.lines.get(item__code__contains="amoxicillin")
    payload = {
        "request": supply_request.pk,
        "line": line.pk,
        "lot": stocked["late"].pk,
        "site": warehouse.pk,
        "quantity": 20,
    }
    created = post_json(client, "/api/v1/supplies/allocations", payload)
    assert created.status_code == 201, created.content
    assert created.json()["outstanding"] == 20
    short = post_json(client, "/api/v1/supplies/allocations", {**payload, "lot": stocked["too_soon"].pk})
    assert_api_error(short, 400, "short_shelf_life")
    assert_api_error(
        post_json(client, "/api/v1/supplies/allocations", {**payload, "lot": 999999}), 400, fields=["lot"]
    )
    released = post_json(client, f"/api/v1/supplies/allocations/{created.json()['id']}/release", {})
    assert released.json()["released_at"] is not None
    assert_api_error(
        post_json(client, f"/api/v1/supplies/allocations/{created.json()['id']}/release", {}), 409
    )


def test_a_request_open_to_donors_does_not_show_others_the_lots_allocated_to_it(
    api_client_for, users, warehouse, supply_request, stocked
):
    supply_request.open_to_donors = True
    supply_request.save(update_fields=["open_to_donors"])
    line = supply_request.lines.get(item__code__contains="amoxicillin")
    made = allocation.allocate(line, stocked["late"], warehouse, actor=users["coordinator"], quantity=20)
    address = f"/api/v1/supplies/allocations?request_id={supply_request.pk}"
    assert api_client_for(users["outsider"]).get(address).json()["count"] == 0
    assert api_client_for(users["host_member"]).get(address).json()["count"] == 1  # the receiving site
    assert_api_error(
        post_json(api_client_for(users["outsider"]), f"/api/v1/supplies/allocations/{made.pk}/release", {}),
        404,
    )
