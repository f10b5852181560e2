"""Pages: the allocation optimiser (start a run, review it, re-run with stock left out, accept
with lowered quantities, discard), allocating a request line by hand and releasing an
allocation. Every change goes through supplies/allocation.py; objects load through access.py."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from medmissions.core.errors import DomainError, NotAllowed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability
from medmissions.sites.models import Site
from medmissions.supplies import allocation as services
from medmissions.supplies.access import (
    can_manage_stock,
    get_allocation_or_404,
    get_line_or_404,
    get_run_or_404,
    runs,
    supply_organizations,
)
from medmissions.supplies.choices import RunStatus
from medmissions.supplies.forms.allocation import AcceptForm, AdjustForm, ManualAllocationForm, RunForm
from medmissions.supplies.models import AllocationRun, Lot, RequestLine, StockBalance, SupplyRequest

RUN_BADGES: dict[str, str] = {
    RunStatus.PROPOSED: "open",
    RunStatus.ACCEPTED: "ok",
    RunStatus.DISCARDED: "closed",
}
RUNS_PER_PAGE = 20


def _organizations(request: AuthenticatedHttpRequest) -> Any:
    organizations = supply_organizations(request.user, Capability.MANAGE_SUPPLIES)
    if not organizations.exists():
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    return organizations


def _stock_sites(organization_id: int | None) -> Any:
    if organization_id is None:
        return Site.objects.none()
    return Site.objects.filter(
        pk__in=StockBalance.objects.filter(lot__owner_id=organization_id, on_hand__gt=0).values("site_id")
    ).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def allocate(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose whose stock and which requests; running stores a proposal and opens it."""
    organizations = _organizations(request)
    chosen = request.POST.get("organization") or request.GET.get("organization")
    organization = (
        organizations.filter(pk=chosen).first() if chosen and chosen.isdigit() else organizations.first()
    )
    open_requests = (
        services.open_requests(request.user)
        .select_related("organization", "destination")
        .order_by("needed_by", "-priority", "pk")
    )
    initial: dict[str, Any] = {"organization": organization}
    preselected = request.GET.getlist("request")
    if preselected:
        initial["requests"] = [value for value in preselected if value.isdigit()]
    form = RunForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organizations=organizations,
        requests=open_requests,
        sites=_stock_sites(organization.pk if organization else None),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            run = services.propose(
                actor=request.user,
                organization=form.cleaned_data["organization"],
                requests=list(form.cleaned_data["requests"]),
                sites=list(form.cleaned_data["sites"]) or None,
            )
        except DomainError as error:
            apply_to_form(form, error)
            status = 400
        else:
            messages.success(request, _("The optimiser proposed an allocation. Review it, then accept it."))
            return redirect(run.get_absolute_url())
    elif request.method == "POST":
        status = 400
    recent = runs(request.user).select_related("organization", "created_by")[:10]
    return render(
        request,
        "supplies/allocation/allocate.html",
        {"form": form, "organization": organization, "recent": recent, "badges": RUN_BADGES},
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def run_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(runs(request.user).select_related("organization", "created_by"), RUNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "supplies/allocation/runs.html", {"page_obj": page, "badges": RUN_BADGES})


def _run_context(run: AllocationRun, user: Any) -> dict[str, Any]:
    """The proposal grouped by request and line, with lots, sites and reasons loaded in bulk."""
    picks = run.result.get("picks", [])
    unmet = {entry["line"]: entry for entry in run.result.get("unmet", [])}
    line_ids = {pick["line"] for pick in picks} | set(unmet)
    lines = {
        line.pk: line
        for line in RequestLine.objects.filter(pk__in=line_ids).select_related(
            "item", "request__organization", "request__destination"
        )
    }
    lots = Lot.objects.select_related("item").in_bulk({pick["lot"] for pick in picks})
    sites = Site.objects.in_bulk({pick["site"] for pick in picks})
    by_line: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for index, pick in enumerate(picks):
        by_line[pick["line"]].append(
            {
                "index": index,
                "lot": lots.get(pick["lot"]),
                "site": sites.get(pick["site"]),
                "quantity": pick["quantity"],
                "exclude_key": f"{pick['lot']}:{pick['site']}:{pick['line']}",
                "keep_out_key": f"{pick['lot']}:{pick['site']}",
            }
        )
    groups: dict[int, dict[str, Any]] = {}
    visible_requests = set(
        SupplyRequest.objects.visible_to(user)
        .filter(pk__in={line.request_id for line in lines.values()})
        .values_list("pk", flat=True)
    )
    for line_id in sorted(
        line_ids, key=lambda pk: (lines[pk].request_id, lines[pk].item.name) if pk in lines else (0, "")
    ):
        line = lines.get(line_id)
        if line is None or line.request_id not in visible_requests:
            continue
        group = groups.setdefault(line.request_id, {"request": line.request, "lines": []})
        group["lines"].append(
            {
                "line": line,
                "picks": by_line.get(line_id, []),
                "allocated": sum(pick["quantity"] for pick in by_line.get(line_id, [])),
                "unmet": unmet.get(line_id),
            }
        )
    kept_keys = [tuple(key) for key in run.inputs.get("excluded_stock", [])]
    # Only the run's own organisation's lots are named (propose drops anything else).
    kept_lots = Lot.objects.filter(owner_id=run.organization_id).in_bulk({key[0] for key in kept_keys})
    kept_sites = Site.objects.in_bulk({key[1] for key in kept_keys})
    kept_out = [
        {"lot": kept_lots[lot_id], "site": kept_sites.get(site_id)}
        for lot_id, site_id in kept_keys
        if lot_id in kept_lots
    ]
    return {
        "run": run,
        "badge": RUN_BADGES.get(run.status, "open"),
        "groups": list(groups.values()),
        "proposed": run.status == RunStatus.PROPOSED and can_manage_stock(user, run.organization_id),
        "result": run.result,
        "kept_out": kept_out,
        "exclusion_count": len(run.inputs.get("exclusions", [])),
        "total_seconds": round(
            sum(value for value in run.timings.values() if isinstance(value, int | float)), 2
        ),
    }


@login_required
@require_http_methods(["GET"])
def run_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_run_or_404(request.user, pk)
    context = _run_context(run, request.user)
    context["accept_form"] = AcceptForm(picks=run.result.get("picks", []))
    return render(request, "supplies/allocation/run.html", context)


def _managed_run(request: AuthenticatedHttpRequest, pk: int) -> AllocationRun:
    """A run the user may see (else 404) and act on (else 403)."""
    run = get_run_or_404(request.user, pk)
    if not can_manage_stock(request.user, run.organization_id):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    return run


@login_required
@require_POST
def run_rerun(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _managed_run(request, pk)
    form = AdjustForm(request.POST)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, str(error))
        return redirect(run.get_absolute_url())
    try:
        new_run = services.rerun(
            run,
            actor=request.user,
            exclusions=form.cleaned_data["exclude"],
            excluded_stock=form.cleaned_data["keep_out"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(run.get_absolute_url())
    messages.success(request, _("The optimiser ran again without what you left out."))
    return redirect(new_run.get_absolute_url())


@login_required
@require_POST
def run_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _managed_run(request, pk)
    form = AcceptForm(request.POST, picks=run.result.get("picks", []))
    if not form.is_valid():
        context = _run_context(run, request.user)
        context["accept_form"] = form
        return render(request, "supplies/allocation/run.html", context, status=400)
    try:
        allocations = services.accept_run(run, actor=request.user, quantities=form.quantities())
    except DomainError as error:
        context = _run_context(run, request.user)
        context["accept_form"] = form
        context["failed"] = error
        return render(request, "supplies/allocation/run.html", context, status=error.status)
    messages.success(
        request,
        ngettext(
            "%(count)s allocation accepted: its stock is reserved.",
            "%(count)s allocations accepted: their stock is reserved.",
            len(allocations),
        )
        % {"count": len(allocations)},
    )
    return redirect(run.get_absolute_url())


@login_required
@require_POST
def run_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _managed_run(request, pk)
    try:
        services.discard_run(run, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The proposal was set aside; nothing was reserved."))
    return redirect(run.get_absolute_url())


def _line_balances(line: RequestLine, user: Any) -> Any:
    """Stock of the line's item the user's organisations may allocate, with enough shelf life."""
    request = line.request
    arrival = max(request.needed_by, timezone.localdate())
    minimum = request.minimum_shelf_life_days(line.item)
    earliest = arrival + datetime.timedelta(days=minimum)
    organizations = supply_organizations(user, Capability.MANAGE_SUPPLIES)
    return (
        StockBalance.objects.filter(lot__item=line.item, lot__owner__in=organizations, on_hand__gt=0)
        .filter(Q(lot__expiry_date__isnull=True) | Q(lot__expiry_date__gte=earliest))
        .select_related("lot__item", "lot__owner", "site")
        .order_by("lot__expiry_date", "site__name", "pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocate_line(request: AuthenticatedHttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """Allocate by hand: pick one lot at one site for a line, earliest expiry first (FEFO)."""
    line = get_line_or_404(request.user, pk, line_pk)
    _organizations(request)
    balances = [balance for balance in _line_balances(line, request.user) if balance.available > 0]
    balance_ids = [balance.pk for balance in balances]
    form = ManualAllocationForm(
        request.POST if request.method == "POST" else None,
        balances=StockBalance.objects.filter(pk__in=balance_ids)
        .select_related("lot", "site")
        .order_by("lot__expiry_date", "site__name", "pk"),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            balance = form.cleaned_data["balance"]
            try:
                services.allocate(
                    line,
                    balance.lot,
                    balance.site,
                    actor=request.user,
                    quantity=form.cleaned_data["quantity"],
                )
            except DomainError as error:
                apply_to_form(form, error)
                status = error.status
            else:
                messages.success(request, _("Stock allocated and reserved for this request."))
                return redirect(line.request.get_absolute_url())
    return render(
        request,
        "supplies/allocation/allocate_line.html",
        {"line": line, "request_obj": line.request, "form": form, "balances": balances},
        status=status,
    )


@login_required
@require_POST
def allocation_release(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    allocation = get_allocation_or_404(request.user, pk)
    if not can_manage_stock(request.user, allocation.lot.owner_id):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    try:
        services.release(allocation, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The allocation was released; its stock is available again."))
    return redirect(allocation.line.request.get_absolute_url())
