"""Pages of the allocation optimiser: start a run, review it, accept with lowered quantities,
re-run without a lot, discard; allocate a line by hand; release."""

from __future__ import annotations

import datetime

import pytest

from medmissions.supplies import allocation
from medmissions.supplies.choices import RunStatus
from medmissions.supplies.models import Allocation, AllocationRun, StockBalance
from medmissions.supplies.tests.allocation_support import receive

pytestmark = pytest.mark.django_db


def test_the_optimiser_page_lists_submitted_requests_and_runs_them(
    client_for, users, sending, supply_request, stocked
):
    client = client_for(users["coordinator"])
    page = client.get("/supplies/allocate/", {"request": supply_request.pk})
    assert page.status_code == 200
    assert "Clinic supplies, March" in page.content.decode()
    response = client.post(
        "/supplies/allocate/", {"organization": sending.pk, "requests": [supply_request.pk]}
    )
    run = AllocationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run.get_absolute_url()


def test_running_without_requests_shows_the_form_again(client_for, users, sending, stocked):
    response = client_for(users["coordinator"]).post("/supplies/allocate/", {"organization": sending.pk})
    assert response.status_code == 400
    assert not AllocationRun.objects.exists()


def test_the_run_page_shows_picks_and_reasons(
    client_for, users, sending, warehouse, amoxicillin, supply_request
):

    receive(users, sending, warehouse, amoxicillin, "AMX-OK", datetime.date(2029, 1, 1), 250)
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    page = client_for(users["viewer"]).get(run.get_absolute_url())
    text = page.content.decode()
    assert page.status_code == 200
    assert "AMX-OK" in text
    assert "350 units short" in text
    assert "Accept and reserve the stock" not in text  # viewers cannot act
    manager_page = client_for(users["coordinator"]).get(run.get_absolute_url()).content.decode()
    assert "Accept and reserve the stock" in manager_page


def test_accept_with_a_lowered_quantity(client_for, users, sending, warehouse, supply_request, stocked):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    data = {f"quantity_{index}": pick["quantity"] for index, pick in enumerate(run.result["picks"])}
    data["quantity_0"] = 1
    response = client_for(users["coordinator"]).post(f"/supplies/allocate/runs/{run.pk}/accept/", data)
    assert response.status_code == 302
    first = run.result["picks"][0]
    assert Allocation.objects.get(lot_id=first["lot"]).quantity == 1
    run.refresh_from_db()
    assert run.status == RunStatus.ACCEPTED


def test_accept_refuses_a_raised_quantity(client_for, users, sending, supply_request, stocked):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    data = {f"quantity_{index}": pick["quantity"] + 5 for index, pick in enumerate(run.result["picks"])}
    response = client_for(users["coordinator"]).post(f"/supplies/allocate/runs/{run.pk}/accept/", data)
    assert response.status_code == 400
    assert not Allocation.objects.exists()


def test_rerun_keeping_a_lot_out(client_for, users, sending, warehouse, supply_request, stocked):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    key = f"{stocked['early'].pk}:{warehouse.pk}"
    response = client_for(users["coordinator"]).post(
        f"/supplies/allocate/runs/{run.pk}/rerun/", {"keep_out": key}
    )
    new_run = AllocationRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == new_run.get_absolute_url()
    assert stocked["early"].pk not in {pick["lot"] for pick in new_run.result["picks"]}


def test_rerun_with_nothing_ticked_says_so(client_for, users, sending, supply_request, stocked):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    response = client_for(users["coordinator"]).post(
        f"/supplies/allocate/runs/{run.pk}/rerun/", {}, follow=True
    )
    assert "Tick what to leave out of the next run." in response.content.decode()
    assert AllocationRun.objects.count() == 1


def test_allocate_a_line_by_hand_lists_only_lots_with_enough_shelf_life(
    client_for, users, warehouse, supply_request, stocked
):
    line = supply_request.lines.get(item__code__contains="amoxicillin")
    client = client_for(users["coordinator"])
    address = f"/supplies/requests/{supply_request.pk}/lines/{line.pk}/allocate/"
    page = client.get(address).content.decode()
    assert "AMX-EARLY" in page and "AMX-LATE" in page
    assert "AMX-SOON" not in page
    balance = StockBalance.objects.get(lot=stocked["late"], site=warehouse)
    response = client.post(address, {"balance": balance.pk, "quantity": 30})
    assert response.status_code == 302
    assert Allocation.objects.get().quantity == 30
    too_many = client.post(address, {"balance": balance.pk, "quantity": 10_000})
    assert too_many.status_code == 400


def test_release(client_for, users, warehouse, supply_request, stocked):
    line = supply_request.lines.get(item__code__contains="amoxicillin")
    made = allocation.allocate(line, stocked["late"], warehouse, actor=users["coordinator"], quantity=30)
    response = client_for(users["coordinator"]).post(f"/supplies/allocations/{made.pk}/release/")
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.released_at is not None
