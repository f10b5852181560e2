"""Allocation runs and allocations: propose, explain, re-run, accept (all or nothing), by hand,
release."""

from __future__ import annotations

import datetime

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.supplies import allocation, ledger, services, stock
from medmissions.supplies.choices import RequestStatus, RunStatus
from medmissions.supplies.models import Allocation, StockBalance
from medmissions.supplies.tests.allocation_support import receive

pytestmark = pytest.mark.django_db


def _reserved(lot, site):
    balance = StockBalance.objects.get(lot=lot, site=site)
    return balance.reserved


def _picks(run):
    return sorted((pick["lot"], pick["line"], pick["quantity"]) for pick in run.result["picks"])


def test_propose_meets_the_request_with_the_earliest_lot_that_has_the_shelf_life(
    users, sending, supply_request, stocked
):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    amoxicillin_line = supply_request.lines.get(item__code__contains="amoxicillin")
    gloves_line = supply_request.lines.get(item__code__contains="gloves")
    # 600 capsules: all 400 of the early lot (FEFO), 200 of the late one; never the lot expiring
    # before March 2028 (a year after arrival).
    assert _picks(run) == sorted(
        [
            (stocked["early"].pk, amoxicillin_line.pk, 400),
            (stocked["late"].pk, amoxicillin_line.pk, 200),
            (stocked["gloves"].pk, gloves_line.pk, 10),
        ]
    )
    assert run.status == RunStatus.PROPOSED
    assert float(run.fulfilment_percent) == 100.0
    assert run.result["unmet"] == []
    assert list(run.requests.all()) == [supply_request]
    assert StockBalance.objects.filter(reserved__gt=0).count() == 0
    assert AuditEntry.objects.filter(action="supplies.allocation_run.created").count() == 1


def test_unmet_lines_say_why(users, sending, warehouse, supply_request, amoxicillin):
    receive(users, sending, warehouse, amoxicillin, "AMX-SOON", datetime.date(2027, 6, 30), 800)
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    reasons = {entry["code"]: entry for entry in run.result["unmet"]}
    assert set(reasons) == {"expires_too_soon", "no_stock"}
    assert reasons["expires_too_soon"]["missing"] == 600
    assert reasons["no_stock"]["missing"] == 10
    assert run.result["picks"] == []


def test_accept_reserves_the_stock_and_creates_allocations(
    users, sending, warehouse, supply_request, stocked
):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    created = allocation.accept_run(run, actor=users["admin"])
    assert len(created) == 3
    assert _reserved(stocked["early"], warehouse) == 400
    assert _reserved(stocked["late"], warehouse) == 200
    assert _reserved(stocked["gloves"], warehouse) == 10
    run.refresh_from_db()
    assert run.status == RunStatus.ACCEPTED
    assert ledger.mismatched_balances() == []
    # A second run finds nothing left to do for this request.
    again = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    assert again.result["picks"] == []
    assert again.inputs["lines"] == 0


def test_accept_with_lowered_quantities(users, sending, warehouse, supply_request, stocked):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    index_of = {pick["lot"]: index for index, pick in enumerate(run.result["picks"])}
    allocation.accept_run(
        run,
        actor=users["coordinator"],
        quantities={index_of[stocked["late"].pk]: 50, index_of[stocked["gloves"].pk]: 0},
    )
    assert _reserved(stocked["late"], warehouse) == 50
    assert _reserved(stocked["gloves"], warehouse) == 0
    assert Allocation.objects.count() == 2


def test_a_pick_cannot_be_raised(users, sending, supply_request, stocked):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    with pytest.raises(ValidationFailed):
        allocation.accept_run(
            run, actor=users["coordinator"], quantities={0: run.result["picks"][0]["quantity"] + 1}
        )
    assert not Allocation.objects.exists()


def test_accepting_a_stale_proposal_changes_nothing(users, sending, warehouse, supply_request, stocked):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    stock.consume(stocked["early"], warehouse, actor=users["member"], quantity=300)
    with pytest.raises(Conflict) as raised:
        allocation.accept_run(run, actor=users["coordinator"])
    assert raised.value.code == "proposal_stale"
    assert not Allocation.objects.exists()
    assert StockBalance.objects.filter(reserved__gt=0).count() == 0
    run.refresh_from_db()
    assert run.status == RunStatus.PROPOSED


def test_rerun_keeps_a_lot_out_and_discards_the_previous_run(users, sending, supply_request, stocked):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    warehouse_id = run.result["picks"][0]["site"]
    again = allocation.rerun(
        run, actor=users["coordinator"], excluded_stock=[(stocked["early"].pk, warehouse_id)]
    )
    assert stocked["early"].pk not in {pick["lot"] for pick in again.result["picks"]}
    assert sum(pick["quantity"] for pick in again.result["picks"] if pick["lot"] == stocked["late"].pk) == 600
    assert again.inputs["previous"] == run.pk
    run.refresh_from_db()
    assert run.status == RunStatus.DISCARDED
    with pytest.raises(Conflict):
        allocation.accept_run(run, actor=users["coordinator"])


def test_discard(users, sending, supply_request, stocked):
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    allocation.discard_run(run, actor=users["coordinator"])
    run.refresh_from_db()
    assert run.status == RunStatus.DISCARDED


@pytest.mark.parametrize("persona_name", ["member", "viewer", "host_admin"])
def test_only_the_stock_owners_coordinators_run_and_accept(
    users, sending, supply_request, stocked, persona_name
):
    with pytest.raises(NotAllowed):
        allocation.propose(actor=users[persona_name], organization=sending, requests=[supply_request])
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    with pytest.raises(NotAllowed):
        allocation.accept_run(run, actor=users[persona_name])


def test_draft_and_invisible_requests_are_refused(users, sending, host, site, supply_request, stocked):
    draft = services.create_request(
        actor=users["host_admin"],
        organization=host,
        data={"title": "Host's own draft", "destination": site, "needed_by": datetime.date(2027, 5, 1)},
    )
    with pytest.raises(ValidationFailed) as raised:
        allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request, draft])
    assert "requests" in raised.value.fields
    with pytest.raises(ValidationFailed):
        allocation.propose(actor=users["coordinator"], organization=sending, requests=[])


def test_allocate_by_hand_checks_shelf_life_and_what_is_left(users, warehouse, supply_request, stocked):
    line = supply_request.lines.get(item__code__contains="amoxicillin")
    with pytest.raises(ValidationFailed) as raised:
        allocation.allocate(line, stocked["too_soon"], warehouse, actor=users["coordinator"], quantity=10)
    assert raised.value.code == "short_shelf_life"
    with pytest.raises(ValidationFailed):
        allocation.allocate(line, stocked["late"], warehouse, actor=users["coordinator"], quantity=601)
    made = allocation.allocate(line, stocked["late"], warehouse, actor=users["coordinator"], quantity=600)
    assert (made.quantity, made.outstanding) == (600, 600)
    assert _reserved(stocked["late"], warehouse) == 600
    with pytest.raises(ValidationFailed):
        allocation.allocate(line, stocked["early"], warehouse, actor=users["coordinator"], quantity=1)


def test_release_gives_the_stock_back(users, warehouse, supply_request, stocked):
    line = supply_request.lines.get(item__code__contains="amoxicillin")
    made = allocation.allocate(line, stocked["late"], warehouse, actor=users["coordinator"], quantity=100)
    allocation.release(made, actor=users["coordinator"])
    made.refresh_from_db()
    assert made.released_at is not None
    assert made.outstanding == 0
    assert _reserved(stocked["late"], warehouse) == 0
    with pytest.raises(Conflict):
        allocation.release(made, actor=users["coordinator"])


def test_cancelling_the_request_releases_its_allocations(users, warehouse, supply_request, stocked):
    line = supply_request.lines.get(item__code__contains="amoxicillin")
    allocation.allocate(line, stocked["late"], warehouse, actor=users["coordinator"], quantity=100)
    services.cancel_request(supply_request, actor=users["coordinator"], reason="Mission postponed")
    supply_request.refresh_from_db()
    assert supply_request.status == RequestStatus.CANCELLED
    assert _reserved(stocked["late"], warehouse) == 0
    assert ledger.mismatched_balances() == []


def test_rerun_ignores_stock_of_other_organisations(
    users, sending, other, supply_request, stocked, client_for
):
    from decimal import Decimal

    from medmissions.sites.models import Site

    store = Site.objects.create(name="Secret store", kind="warehouse", host_organization=other, country="KE")
    foreign, _movement = stock.receive_lot(
        actor=users["outsider"],
        organization=other,
        site=store,
        item=stocked["late"].item,
        lot_number="SECRET-1",
        expiry_date=datetime.date(2029, 1, 1),
        quantity=5,
        source="procured",
        unit_value=Decimal("1"),
    )
    run = allocation.propose(actor=users["coordinator"], organization=sending, requests=[supply_request])
    again = allocation.rerun(run, actor=users["coordinator"], excluded_stock=[(foreign.pk, store.pk)])
    assert again.inputs["excluded_stock"] == []
    page = client_for(users["coordinator"]).get(again.get_absolute_url()).content.decode()
    assert "SECRET-1" not in page and "Secret store" not in page


def test_a_later_planned_arrival_is_what_the_shelf_life_is_checked_against(
    users, sending, warehouse, supply_request, stocked
):
    # Arriving a year after the date needed: the early lot (June 2028) no longer has a year left.
    run = allocation.propose(
        actor=users["coordinator"],
        organization=sending,
        requests=[supply_request],
        arrivals={supply_request.pk: datetime.date(2027, 9, 1)},
    )
    assert stocked["early"].pk not in {pick["lot"] for pick in run.result["picks"]}
    allocation.accept_run(run, actor=users["coordinator"])
    with pytest.raises(ValidationFailed):
        allocation.propose(
            actor=users["coordinator"],
            organization=sending,
            requests=[supply_request],
            arrivals={supply_request.pk: datetime.date(2099, 1, 1)},
        )


def test_writing_off_an_expired_lot_releases_its_allocations(users, warehouse, supply_request, stocked):
    from freezegun import freeze_time

    line = supply_request.lines.get(item__code__contains="amoxicillin")
    made = allocation.allocate(line, stocked["early"], warehouse, actor=users["coordinator"], quantity=100)
    with freeze_time("2028-07-01"):
        stock.write_off_expired(stocked["early"], warehouse, actor=users["coordinator"])
    made.refresh_from_db()
    assert made.released_at is not None and made.outstanding == 0
    assert _reserved(stocked["early"], warehouse) == 0
    assert ledger.mismatched_balances() == []
    services.cancel_request(supply_request, actor=users["coordinator"], reason="Camp postponed")
