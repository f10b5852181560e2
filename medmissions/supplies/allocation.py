"""Allocating stock to requests: optimiser runs, their acceptance, manual allocations, releases.

``propose`` reads an organisation's available stock and the open lines of the chosen requests,
asks ``allocation_solver.solve`` for the allocation with the best priority-weighted fulfilment
(shelf-life rule at the planned arrival, FEFO, fewer source warehouses per request), explains the
lines it cannot meet and stores the run. The coordinator reviews it: re-run with lots kept out or
pinned, lower quantities when accepting, or discard it. ``accept_run`` turns the picks into
:class:`Allocation` rows and reserves their stock in one ledger transaction: all or nothing, and
only if the stock and the requests still allow it.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.audit.services import log_action
from medmissions.core.errors import Conflict, ValidationFailed
from medmissions.organizations.access import Capability, require
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site, SiteKind
from medmissions.supplies import allocation_solver as solver
from medmissions.supplies import ledger
from medmissions.supplies.choices import PRIORITY_WEIGHTS, MovementKind, RequestStatus, RunStatus
from medmissions.supplies.models import (
    Allocation,
    AllocationRun,
    Lot,
    RequestLine,
    StockBalance,
    SupplyRequest,
    latest_planning_date,
)

Key = tuple[int, int, int]  # lot, site, line


def source_sites(organization: Organization) -> list[Site]:
    """Where the organisation's stock is allocated from: its warehouses holding available stock."""
    site_ids = (
        StockBalance.objects.filter(lot__owner=organization, on_hand__gt=0, site__kind=SiteKind.WAREHOUSE)
        .values_list("site_id", flat=True)
        .distinct()
    )
    return list(Site.objects.filter(pk__in=site_ids).order_by("name"))


def open_requests(actor: Any) -> Any:
    """Submitted requests the actor may see: the candidates for an allocation run."""
    return SupplyRequest.objects.visible_to(actor).filter(status=RequestStatus.SUBMITTED)


def _open_quantities(line_ids: Iterable[int] = (), *, request_ids: Iterable[int] = ()) -> dict[int, int]:
    """Units promised to each line by allocations not released, for the given lines or for every
    line of the given requests (far fewer ids to send when there are thousands of lines)."""
    allocations = Allocation.objects.open()
    wanted_requests = list(request_ids)
    if wanted_requests:
        allocations = allocations.filter(line__request_id__in=wanted_requests)
    else:
        allocations = allocations.filter(line_id__in=list(line_ids))
    rows = allocations.values("line_id").annotate(total=Sum("quantity"))
    return {row["line_id"]: row["total"] for row in rows}


def load_problem(
    organization: Organization,
    requests: Collection[SupplyRequest],
    *,
    sites: Collection[Site] | None = None,
    arrivals: Mapping[int, datetime.date] | None = None,
    today: datetime.date | None = None,
) -> tuple[list[solver.Stock], list[solver.Line]]:
    """The solver's input: available stock of ``organization`` at ``sites`` (its warehouses by
    default) and what is still to allocate on each line of ``requests``."""
    today = today or timezone.localdate()
    site_ids = [site.pk for site in (sites if sites is not None else source_sites(organization))]
    rows = (
        StockBalance.objects.filter(lot__owner=organization, site_id__in=site_ids, on_hand__gt=0)
        .filter(Q(lot__expiry_date__isnull=True) | Q(lot__expiry_date__gte=today))
        .values_list("lot_id", "site_id", "lot__item_id", "on_hand", "reserved", "lot__expiry_date")
        .order_by("lot_id", "site_id")
    )
    stock = [
        solver.Stock(
            lot_id=lot_id, site_id=site_id, item_id=item_id, available=on_hand - reserved, expiry_date=expiry
        )
        for lot_id, site_id, item_id, on_hand, reserved, expiry in rows
        if on_hand > reserved
    ]
    by_pk = {request.pk: request for request in requests}
    line_rows = list(
        RequestLine.objects.filter(request_id__in=list(by_pk)).values_list(
            "pk", "request_id", "item_id", "quantity", "item__category"
        )
    )
    taken = _open_quantities(request_ids=by_pk)
    rules: dict[str, int] = settings.SUPPLIES_MIN_SHELF_LIFE_DAYS
    lines = []
    for line_id, request_id, item_id, quantity, category in line_rows:
        remaining = quantity - taken.get(line_id, 0)
        if remaining <= 0:
            continue
        request = by_pk[request_id]
        days = int(rules.get(category, rules.get("medicine", 365)))
        if request.shorter_shelf_life_days is not None:
            days = min(days, request.shorter_shelf_life_days)
        # Shelf life is checked on the later of the planned arrival and the date needed, as
        # accept_run and allocating by hand do, so a proposal never fails its own acceptance.
        arrival = max((arrivals or {}).get(request_id) or request.needed_by, request.needed_by)
        lines.append(
            solver.Line(
                line_id=line_id,
                request_id=request_id,
                item_id=item_id,
                quantity=remaining,
                priority_weight=PRIORITY_WEIGHTS[request.priority],
                arrival_date=max(arrival, today),
                minimum_shelf_life_days=days,
                needed_by=request.needed_by,
            )
        )
    return stock, lines


def _clean_requests(actor: Any, requests: Collection[SupplyRequest]) -> list[SupplyRequest]:
    if not requests:
        raise ValidationFailed(
            _("Choose at least one submitted request."), fields={"requests": _("Required.")}
        )
    visible = {
        request.pk: request for request in open_requests(actor).filter(pk__in=[r.pk for r in requests])
    }
    missing = [request for request in requests if request.pk not in visible]
    if missing:
        raise ValidationFailed(
            _("“%(title)s” is not a submitted request you can see.") % {"title": missing[0].title},
            fields={"requests": _("Not available.")},
        )
    return sorted(visible.values(), key=lambda request: request.pk)


@transaction.atomic
def propose(
    *,
    actor: Any,
    organization: Organization,
    requests: Collection[SupplyRequest],
    sites: Collection[Site] | None = None,
    arrivals: Mapping[int, datetime.date] | None = None,
    exclusions: Collection[Key] = (),
    excluded_stock: Collection[tuple[int, int]] = (),
    pins: Collection[tuple[int, int, int, int]] = (),
    previous: AllocationRun | None = None,
) -> AllocationRun:
    """Run the optimiser over ``organization``'s stock for ``requests`` and store the proposal."""
    require(actor, organization, Capability.MANAGE_SUPPLIES)
    chosen = _clean_requests(actor, requests)
    if sites is not None:
        foreign = [
            site
            for site in sites
            if not StockBalance.objects.filter(site=site, lot__owner=organization).exists()
        ]
        if foreign:
            raise ValidationFailed(
                _("%(site)s holds none of your organisation's stock.") % {"site": foreign[0]},
                fields={"sites": _("Not a source.")},
            )
    latest = latest_planning_date(timezone.localdate())
    if any(day > latest for day in (arrivals or {}).values()):
        message = _("Plan arrivals at most ten years ahead.")
        raise ValidationFailed(message, fields={"arrivals": message})
    started = time.perf_counter()
    stock, lines = load_problem(organization, chosen, sites=sites, arrivals=arrivals)
    loaded = time.perf_counter() - started
    # Only the organisation's own stock and the chosen lines can be left out or pinned: anything
    # else is dropped, so that no other organisation's lot or site is ever named on the run.
    owned = {(row.lot_id, row.site_id) for row in stock}
    line_ids = {line.line_id for line in lines}
    exclusions = {key for key in exclusions if (key[0], key[1]) in owned and key[2] in line_ids}
    excluded_stock = {key for key in excluded_stock if key in owned}
    if any((pin[0], pin[1]) not in owned or pin[2] not in line_ids for pin in pins):
        raise ValidationFailed(_("A pinned pick names stock or a line that is not part of this run."))
    answer = solver.solve(
        stock,
        lines,
        exclusions=set(exclusions),
        excluded_stock=set(excluded_stock),
        pins=list(pins),
        time_limit_seconds=settings.SUPPLIES_ALLOCATION_TIME_LIMIT_SECONDS,
    )
    explaining = time.perf_counter()
    unmet = solver.explain_unmet(
        stock, lines, answer, exclusions=set(exclusions), excluded_stock=set(excluded_stock)
    )
    explained = time.perf_counter() - explaining
    run = AllocationRun.objects.create(
        organization=organization,
        created_by=actor,
        inputs={
            "requests": [request.pk for request in chosen],
            "sites": sorted({row.site_id for row in stock})
            if sites is None
            else sorted(site.pk for site in sites),
            "arrivals": {str(request_id): day.isoformat() for request_id, day in (arrivals or {}).items()},
            "exclusions": sorted(list(key) for key in exclusions),
            "excluded_stock": sorted(list(key) for key in excluded_stock),
            "pins": sorted(list(pin) for pin in pins),
            "previous": previous.pk if previous else None,
            "stock_rows": len(stock),
            "lines": len(lines),
        },
        result={
            "picks": [
                {"lot": pick.lot_id, "site": pick.site_id, "line": pick.line_id, "quantity": pick.quantity}
                for pick in answer.picks
            ],
            "unmet": [
                {
                    "line": entry.line_id,
                    "missing": entry.missing,
                    "allocated": entry.allocated,
                    "code": str(entry.code),
                    "text": entry.text,
                }
                for entry in unmet.values()
            ],
            "method": answer.method,
            "optimal": answer.optimal,
            "site_pairs": answer.site_pairs,
            "fefo_cost": answer.fefo_cost,
        },
        timings={
            "load": round(loaded, 4),
            **{name: round(value, 4) for name, value in answer.timings.items()},
            "explain": round(explained, 4),
        },
        fulfilment_percent=Decimal(str(round(answer.fulfilment_percent, 2))),
    )
    run.requests.set(chosen)
    log_action(
        "supplies.allocation_run.created",
        actor=actor,
        organization=organization,
        obj=run,
        data={
            "requests": [request.pk for request in chosen],
            "picks": len(answer.picks),
            "previous": getattr(previous, "pk", None),
        },
    )
    return run


def _lock_run(run: AllocationRun, actor: Any) -> AllocationRun:
    require(actor, run.organization_id, Capability.MANAGE_SUPPLIES)
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.PROPOSED:
        raise Conflict(
            _("This proposal is already %(status)s.") % {"status": run.get_status_display().lower()},
            code="run_decided",
        )
    return run


@transaction.atomic
def rerun(
    previous: AllocationRun,
    *,
    actor: Any,
    exclusions: Collection[Key] = (),
    excluded_stock: Collection[tuple[int, int]] = (),
    pins: Collection[tuple[int, int, int, int]] = (),
) -> AllocationRun:
    """Run again over the same requests and sites, adding the coordinator's changes; the previous
    proposal is discarded."""
    previous = _lock_run(previous, actor)
    inputs = previous.inputs
    requests = list(SupplyRequest.objects.filter(pk__in=inputs.get("requests", [])))
    sites = list(Site.objects.filter(pk__in=inputs.get("sites", [])))
    arrivals = {
        int(key): datetime.date.fromisoformat(value) for key, value in inputs.get("arrivals", {}).items()
    }
    run = propose(
        actor=actor,
        organization=previous.organization,
        requests=requests,
        sites=sites,
        arrivals=arrivals,
        exclusions={tuple(key) for key in inputs.get("exclusions", [])} | set(exclusions),
        excluded_stock={tuple(key) for key in inputs.get("excluded_stock", [])} | set(excluded_stock),
        pins=[tuple(pin) for pin in inputs.get("pins", [])] + list(pins),
        previous=previous,
    )
    previous.status = RunStatus.DISCARDED
    previous.decided_by = actor
    previous.decided_at = timezone.now()
    previous.save(update_fields=["status", "decided_by", "decided_at"])
    return run


@transaction.atomic
def discard_run(run: AllocationRun, *, actor: Any) -> AllocationRun:
    run = _lock_run(run, actor)
    run.status = RunStatus.DISCARDED
    run.decided_by = actor
    run.decided_at = timezone.now()
    run.save(update_fields=["status", "decided_by", "decided_at"])
    log_action("supplies.allocation_run.discarded", actor=actor, organization=run.organization, obj=run)
    return run


@transaction.atomic
def accept_run(
    run: AllocationRun, *, actor: Any, quantities: Mapping[int, int] | None = None
) -> list[Allocation]:
    """Reserve the proposal's stock. ``quantities`` may lower picks (by their index in the
    proposal; 0 leaves a pick out). Refused as a whole when stock or requests changed since."""
    run = _lock_run(run, actor)
    picks = run.result.get("picks", [])
    chosen: list[dict[str, int]] = []
    for index, pick in enumerate(picks):
        quantity = pick["quantity"] if quantities is None or index not in quantities else quantities[index]
        if (
            not isinstance(quantity, int)
            or isinstance(quantity, bool)
            or not 0 <= quantity <= pick["quantity"]
        ):
            raise ValidationFailed(
                _("A pick can be lowered, not raised: enter between 0 and %(quantity)s.")
                % {"quantity": pick["quantity"]},
                fields={f"pick_{index}": _("Not valid.")},
            )
        if quantity:
            chosen.append({**pick, "quantity": quantity})
    if quantities is not None and set(quantities) - set(range(len(picks))):
        raise ValidationFailed(_("Those changes name picks that are not in the proposal."))
    if not chosen:
        raise ValidationFailed(_("Nothing is left to accept in this proposal."), code="empty_proposal")

    lines = {
        line.pk: line
        for line in RequestLine.objects.select_for_update(of=("self",))
        .filter(pk__in={pick["line"] for pick in chosen})
        .select_related("request", "item")
    }
    taken = _open_quantities(lines)
    wanted: dict[int, int] = defaultdict(int)
    problems = []
    for pick in chosen:
        wanted[pick["line"]] += pick["quantity"]
    for line_id, quantity in wanted.items():
        line = lines.get(line_id)
        if line is None or line.request.status != RequestStatus.SUBMITTED:
            problems.append(_("A request of this proposal was changed or closed."))
        elif line.quantity - taken.get(line_id, 0) < quantity:
            problems.append(
                _("“%(request)s” now needs only %(left)s of %(item)s.")
                % {
                    "request": line.request.title,
                    "left": line.quantity - taken.get(line_id, 0),
                    "item": line.item,
                }
            )
    lots = Lot.objects.select_related("item").in_bulk({pick["lot"] for pick in chosen})
    for pick in chosen:
        lot, line = lots.get(pick["lot"]), lines.get(pick["line"])
        if lot is None or line is None or lot.owner_id != run.organization_id:
            problems.append(_("A lot of this proposal is no longer the organisation's."))
            continue
        arrival = max(line.request.needed_by, timezone.localdate())
        if not lot.meets_shelf_life(arrival, line.request.minimum_shelf_life_days(lot.item)):
            problems.append(_("Lot %(lot)s no longer has enough shelf life left.") % {"lot": lot.lot_number})
    if problems:
        raise Conflict(
            _("The stock or the requests changed since this proposal: %(problems)s Run the optimiser again.")
            % {"problems": " ".join(dict.fromkeys(problems))},
            code="proposal_stale",
        )
    try:
        ledger.post(
            MovementKind.RESERVATION,
            organization=run.organization,
            actor=actor,
            changes=[ledger.Change(pick["lot"], pick["site"], reserved=pick["quantity"]) for pick in chosen],
            note=_("Allocation run %(run)s") % {"run": run.pk},
        )
    except ValidationFailed as error:
        raise Conflict(
            _("The stock changed since this proposal: %(problem)s Run the optimiser again.")
            % {"problem": error.message},
            code="proposal_stale",
        ) from error
    allocations = Allocation.objects.bulk_create(
        [
            Allocation(
                line_id=pick["line"],
                lot_id=pick["lot"],
                site_id=pick["site"],
                quantity=pick["quantity"],
                run=run,
                created_by=actor,
            )
            for pick in chosen
        ]
    )
    run.status = RunStatus.ACCEPTED
    run.decided_by = actor
    run.decided_at = timezone.now()
    run.save(update_fields=["status", "decided_by", "decided_at"])
    log_action(
        "supplies.allocation_run.accepted",
        actor=actor,
        organization=run.organization,
        obj=run,
        data={
            "allocations": len(allocations),
            "units": sum(pick["quantity"] for pick in chosen),
            "lowered": bool(quantities),
        },
    )
    return allocations


@transaction.atomic
def allocate(line: RequestLine, lot: Lot, site: Site, *, actor: Any, quantity: int) -> Allocation:
    """Allocate by hand: reserve units of a lot for a request line, with the same rules."""
    require(actor, lot.owner_id, Capability.MANAGE_SUPPLIES)
    line = (
        RequestLine.objects.select_for_update(of=("self",)).select_related("request", "item").get(pk=line.pk)
    )
    if line.request.status != RequestStatus.SUBMITTED:
        raise Conflict(_("Only submitted requests take allocations."), code="request_not_open")
    if not open_requests(actor).filter(pk=line.request_id).exists():
        raise ValidationFailed(_("Choose a request you can see."))
    if lot.item_id != line.item_id:
        raise ValidationFailed(
            _("This lot is %(lot_item)s; the line asks for %(item)s.")
            % {"lot_item": lot.item, "item": line.item}
        )
    left = line.quantity - _open_quantities([line.pk]).get(line.pk, 0)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= left:
        raise ValidationFailed(
            _("Between 1 and %(left)s units of this line are still to allocate.") % {"left": left},
            fields={"quantity": _("Not valid.")},
        )
    arrival = max(line.request.needed_by, timezone.localdate())
    minimum = line.request.minimum_shelf_life_days(line.item)
    if not lot.meets_shelf_life(arrival, minimum):
        raise ValidationFailed(
            _(
                "Lot %(lot)s expires on %(expiry)s, less than %(days)s days after the date needed (%(arrival)s)."
            )
            % {
                "lot": lot.lot_number,
                "expiry": lot.expiry_date,
                "days": minimum,
                "arrival": arrival.isoformat(),
            },
            code="short_shelf_life",
        )
    ledger.post(
        MovementKind.RESERVATION,
        organization=lot.owner,
        actor=actor,
        changes=[ledger.Change(lot.pk, site.pk, reserved=quantity)],
        request=line.request,
    )
    allocation = Allocation.objects.create(line=line, lot=lot, site=site, quantity=quantity, created_by=actor)
    log_action(
        "supplies.allocation.created",
        actor=actor,
        organization=lot.owner,
        obj=line.request,
        data={"allocation": allocation.pk, "lot": lot.pk, "site": site.pk, "quantity": quantity},
    )
    return allocation


def _release(allocations: list[Allocation], actor: Any) -> int:
    """Release what is still reserved and not on a shipment that is picking or packed."""
    from medmissions.supplies.choices import ShipmentStatus
    from medmissions.supplies.models import ShipmentItem

    on_shipments = set(
        ShipmentItem.objects.filter(
            allocation__in=allocations, shipment__status__in=[ShipmentStatus.PICKING, ShipmentStatus.PACKED]
        ).values_list("allocation_id", flat=True)
    )
    if on_shipments:
        raise Conflict(
            _("Some of this stock is on a shipment being prepared; take it off the shipment first."),
            code="on_shipment",
        )
    changes = [
        ledger.Change(allocation.lot_id, allocation.site_id, reserved=-allocation.outstanding)
        for allocation in allocations
        if allocation.outstanding
    ]
    if changes:
        ledger.post(MovementKind.RELEASE, organization=allocations[0].lot.owner, actor=actor, changes=changes)
    now = timezone.now()
    for allocation in allocations:
        allocation.released_at = now
        allocation.released_by = actor
    Allocation.objects.bulk_update(allocations, ["released_at", "released_by"])
    return sum(change.reserved for change in changes) * -1


@transaction.atomic
def release(allocation: Allocation, *, actor: Any) -> Allocation:
    """Give back what an allocation still holds (the part not shipped)."""
    require(actor, allocation.lot.owner_id, Capability.MANAGE_SUPPLIES)
    allocation = (
        Allocation.objects.select_for_update(of=("self",)).select_related("lot__owner").get(pk=allocation.pk)
    )
    if allocation.released_at is not None:
        raise Conflict(_("This allocation is already released."), code="already_released")
    units = _release([allocation], actor)
    log_action(
        "supplies.allocation.released",
        actor=actor,
        organization=allocation.lot.owner,
        obj=allocation.line.request,
        data={"allocation": allocation.pk, "units": units},
    )
    return allocation


def release_outstanding(request: SupplyRequest, *, actor: Any) -> int:
    """Release every open allocation of a request (when it is cancelled), owner by owner."""
    allocations = list(
        Allocation.objects.open()
        .select_for_update(of=("self",))
        .filter(line__request=request)
        .select_related("lot__owner")
    )
    by_owner: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in allocations:
        by_owner[allocation.lot.owner_id].append(allocation)
    units = 0
    for owned in by_owner.values():
        units += _release(owned, actor)
    return units
