"""Pages of the stock area: the supplies overview, the lots list and one lot with its stock card,
receiving a lot (also the goods of an accepted donation offer), importing lots from a
spreadsheet (dry run, then commit), the movements of a lot at a site (consume, adjust, write off,
hand over) and the organisation's ledger with its CSV export.

Every change goes through supplies/stock.py or supplies/imports.py; lots, offers and balances
load through supplies/access.py or the ``visible_*`` querysets of stock.py. Pages that act for
an organisation answer 403 to people who hold ``manage_supplies`` nowhere; another organisation's
lot answers 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from medmissions.core.errors import Conflict, DomainError, NotAllowed, apply_to_form
from medmissions.lib.csv import csv_response
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions.models import Mission
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for
from medmissions.organizations.current import current_organization
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import imports, stock
from medmissions.supplies.access import (
    can_manage_stock,
    can_record_use,
    get_lot_or_404,
    get_offer_or_404,
    supply_organizations,
)
from medmissions.supplies.choices import AdjustmentReason, OfferStatus
from medmissions.supplies.forms.stock import (
    AdjustForm,
    ConsumeForm,
    HandOverForm,
    ImportCommitForm,
    ImportUploadForm,
    LedgerFilterForm,
    LotFilterForm,
    ReceiveForm,
    WriteOffForm,
)
from medmissions.supplies.models import DonationOffer, Item, LedgerEntry, Lot, StockBalance

PAGE_SIZE = 50
CARD_PAGE_SIZE = 100
# Lots expiring within this many days are flagged in lists.
EXPIRY_WARNING_DAYS = 90


# --- Helpers -----------------------------------------------------------------------------------


def _managing_organizations(request: AuthenticatedHttpRequest) -> QuerySet[Organization]:
    """The organisations whose stock the person manages (403 when there is none)."""
    organizations = supply_organizations(request.user, Capability.MANAGE_SUPPLIES)
    if not organizations.exists():
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    return organizations


def _acting_for(request: AuthenticatedHttpRequest, organizations: QuerySet[Organization]) -> Organization:
    """The organisation the person acts for when it is among ``organizations``, else the first."""
    current, _memberships = current_organization(request)
    chosen = organizations.filter(pk=current.pk).first() if current is not None else None
    first = organizations.first()
    assert first is not None  # callers pass a non-empty queryset
    return chosen or first


def _visible_sites(user: Any) -> QuerySet[Site]:
    return Site.objects.visible_to(user).select_related("host_organization").order_by("name", "pk")


@dataclass(frozen=True)
class BalanceRow:
    """A lot's balance at a site with what the viewer may do there."""

    balance: StockBalance
    can_consume: bool
    can_manage: bool
    can_write_off: bool
    can_hand_over: bool


def _expiry_badge(expiry: datetime.date | None, today: datetime.date) -> str:
    if expiry is None:
        return ""
    if expiry < today:
        return "bad"
    if expiry <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
        return "warn"
    return ""


# --- Overview ------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Stock of the person's organisations (owned, or held at their sites) by site, with expiry
    alerts and the ways into the rest of the supplies area."""
    access = access_for(request.user)
    own = access.organization_ids()
    today = timezone.localdate()
    held = StockBalance.objects.filter(
        Q(lot__owner_id__in=own) | Q(site__host_organization_id__in=own), on_hand__gt=0
    )
    rows = held.select_related("lot__item", "lot__owner", "site__host_organization").order_by(
        "site__name", "site_id", "lot__item__name", "lot__expiry_date", "lot__lot_number", "pk"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supplies/stock/home.html",
        {
            "page_obj": page,
            "rows": [(balance, _expiry_badge(balance.lot.expiry_date, today)) for balance in page],
            "alerts": stock.expiry_counts(held, today),
            "organizations": supply_organizations(request.user),
            "can_manage": bool(access.organization_ids(Capability.MANAGE_SUPPLIES)),
            "today": today,
        },
    )


# --- Lots ------------------------------------------------------------------------------------------


@login_required
@require_GET
def lot_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Lots the person may see, filtered, with their balances per site."""
    user = request.user
    today = timezone.localdate()
    form = LotFilterForm(
        request.GET or None, organizations=supply_organizations(user), sites=_visible_sites(user)
    )
    filters = form.values()
    found = stock.filter_lots(stock.visible_lots(user), today=today, **filters)
    page = Paginator(found.select_related("item", "owner", "donor"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    lots = list(page)
    by_lot: dict[int, list[StockBalance]] = {lot.pk: [] for lot in lots}
    balances = (
        stock.visible_balances(user)
        .filter(lot_id__in=list(by_lot))
        .select_related("site")
        .order_by("site__name", "pk")
    )
    for balance in balances:
        if balance.on_hand or filters.get("include_empty"):
            by_lot[balance.lot_id].append(balance)
    return render(
        request,
        "supplies/stock/lots.html",
        {
            "form": form,
            "page_obj": page,
            "rows": [(lot, by_lot[lot.pk], _expiry_badge(lot.expiry_date, today)) for lot in lots],
            "filtered": bool(filters),
            "can_manage": bool(access_for(user).organization_ids(Capability.MANAGE_SUPPLIES)),
        },
    )


@login_required
@require_GET
def lot_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One lot: its facts, its balances per site with the actions the viewer may take, and its
    stock card (every ledger entry, in the order recorded, with the running balance per site)."""
    user = request.user
    lot = get_lot_or_404(user, pk)
    access = access_for(user)
    own = access.organization_ids()
    today = timezone.localdate()
    balances = list(
        stock.visible_balances(user)
        .filter(lot=lot)
        .select_related("site__host_organization")
        .order_by("site__name", "pk")
    )
    manages = can_manage_stock(user, lot.owner_id)
    expired = lot.expiry_date is not None and lot.expiry_date < today
    rows = [
        BalanceRow(
            balance=balance,
            can_consume=balance.available > 0
            and not expired
            and can_record_use(user, lot, balance.site.host_organization_id),
            can_manage=manages,
            can_write_off=manages and expired and balance.on_hand > 0,
            can_hand_over=manages
            and balance.available > 0
            and balance.site.host_organization_id != lot.owner_id,
        )
        for balance in balances
    ]
    card = stock.stock_card(lot)
    if lot.owner_id not in own and lot.donor_id not in own:
        # Seen as the host of a site holding it: the movements at its own sites only.
        card = card.filter(site__host_organization_id__in=own)
    paginator = Paginator(card, CARD_PAGE_SIZE)
    # The card reads oldest first; open it at its latest page.
    page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    on_hand = sum(balance.on_hand for balance in balances)
    visible = Lot.objects.visible_to(user)
    return render(
        request,
        "supplies/stock/lot.html",
        {
            "lot": lot,
            "rows": rows,
            "on_hand": on_hand,
            "reserved": sum(balance.reserved for balance in balances),
            "value": lot.unit_value * on_hand,
            "expired": expired,
            "expiry_badge": _expiry_badge(lot.expiry_date, today),
            "days_left": lot.days_to_expiry(today),
            "page_obj": page,
            "origin_visible": lot.origin_id is not None and visible.filter(pk=lot.origin_id).exists(),
            "copies": list(
                Lot.objects.filter(pk__in=visible.filter(origin=lot).values("pk")).select_related("owner")
            ),
            "offer_visible": lot.offer_id is not None
            and DonationOffer.objects.visible_to(user).filter(pk=lot.offer_id).exists(),
            "reasons": AdjustmentReason.choices,
            "today": today,
        },
    )


# --- Receiving -------------------------------------------------------------------------------------


def _receivable_offer(
    request: AuthenticatedHttpRequest, organizations: QuerySet[Organization]
) -> DonationOffer | None:
    """The accepted offer named by ``?offer=``, addressed to an organisation whose stock the
    person manages: 404 when they may not see it, 409 when it is not accepted, 403 otherwise."""
    raw = request.GET.get("offer")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404(_("Not found."))
    offer = get_offer_or_404(request.user, int(raw))
    if offer.status != OfferStatus.ACCEPTED:
        raise Conflict(
            _("Only the goods of an accepted offer are received; this offer is %(status)s.")
            % {"status": offer.get_status_display().lower()},
            code="offer_not_accepted",
        )
    if not organizations.filter(pk=offer.recipient_id).exists():
        raise NotAllowed(
            _("Only coordinators and admins of %(organization)s receive the goods of this offer.")
            % {"organization": offer.recipient.name}
        )
    return offer


@login_required
@require_http_methods(["GET", "POST"])
def receive(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record a lot arriving into the stock of an organisation the person manages."""
    organizations = _managing_organizations(request)
    offer = _receivable_offer(request, organizations)
    if offer is not None:
        organizations = organizations.filter(pk=offer.recipient_id)
    initial: dict[str, Any] = {"organization": _acting_for(request, organizations).pk}
    if request.GET.get("item"):
        initial["item"] = request.GET["item"]
    offer_lines = []
    if offer is not None:
        initial.update(source="donated", donor=str(offer.donor_id))
        offer_lines = list(offer.lines.select_related("item"))
        chosen = next((line for line in offer_lines if str(line.pk) == request.GET.get("line")), None)
        if chosen is not None:
            initial.update(item=chosen.item.code, quantity=chosen.quantity, expiry_date=chosen.expiry_date)
    form = ReceiveForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organizations=organizations,
        sites=_visible_sites(request.user),
        items=list(Item.objects.filter(active=True).order_by("name", "strength", "pk")),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lot, _movement = stock.receive_lot(
                actor=request.user,
                organization=data["organization"],
                site=data["site"],
                item=data["item"],
                lot_number=data["lot_number"],
                expiry_date=data["expiry_date"],
                quantity=data["quantity"],
                source=data["source"],
                donor=data["donor"],
                unit_value=data["unit_value"],
                currency=data["currency"],
                manufacturer=data["manufacturer"],
                label_language=data["label_language"],
                offer=offer,
                occurred_on=data["occurred_on"],
                note=data["note"],
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("Received %(quantity)s × %(item)s, lot %(lot)s, at %(site)s.")
                % {
                    "quantity": data["quantity"],
                    "item": lot.item.label,
                    "lot": lot.lot_number,
                    "site": data["site"].name,
                },
            )
            return redirect(lot.get_absolute_url())
    return render(
        request,
        "supplies/stock/receive.html",
        {
            "form": form,
            "offer": offer,
            "offer_lines": offer_lines,
            # With one organisation to receive into, the form has no choice to show: say whose.
            "only_organization": organizations[0] if len(organizations) == 1 else None,
        },
        status=400 if form.errors else 200,
    )


# --- Import --------------------------------------------------------------------------------------


def _render_analysis(
    request: AuthenticatedHttpRequest,
    organization: Organization,
    analysis: imports.Analysis,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "supplies/stock/import_dry_run.html",
        {
            "organization": organization,
            "analysis": analysis,
            "commit_form": ImportCommitForm(initial={"token": analysis.token}) if analysis.token else None,
        },
        status=status,
    )


def _commit(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportCommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This import has expired or its link is damaged. Upload the file again."))
        return redirect("supplies:import")
    try:
        pending = imports.read_token(form.cleaned_data["token"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("supplies:import")
    access = access_for(request.user)
    if access.role_in(pending.organization_id) is None:
        raise Http404(_("Not found."))
    organization = _managing_organizations(request).filter(pk=pending.organization_id).first()
    if organization is None:
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    try:
        result = imports.commit_import(organization, actor=request.user, token=form.cleaned_data["token"])
    except imports.ImportRejected as error:
        messages.error(request, error.message)
        return _render_analysis(request, organization, error.analysis, status=400)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("supplies:import")
    messages.success(
        request,
        ngettext(
            "Received %(rows)d row: %(created)d new lots, %(topped)d lots topped up, %(units)s units.",
            "Received %(rows)d rows: %(created)d new lots, %(topped)d lots topped up, %(units)s units.",
            result.rows,
        )
        % {
            "rows": result.rows,
            "created": result.lots_created,
            "topped": result.lots_topped_up,
            "units": result.units,
        },
    )
    return redirect(reverse("supplies:lots") + "?" + urlencode({"organization": organization.slug}))


@login_required
@require_http_methods(["GET", "POST"])
def import_lots(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a file for a dry run; a POST carrying a dry run's token commits it."""
    if request.method == "POST" and "token" in request.POST:
        # The token names the organisation: a stranger to it gets 404 before any role check.
        return _commit(request)
    organizations = _managing_organizations(request)
    # Bound on every POST: a submission without a file must say so, not show an empty form.
    form = ImportUploadForm(
        *((request.POST, request.FILES) if request.method == "POST" else ()),
        organizations=organizations,
        initial={"organization": _acting_for(request, organizations).pk},
    )
    if request.method == "POST" and form.is_valid():
        organization = form.cleaned_data["organization"]
        try:
            analysis = imports.dry_run(organization, actor=request.user, upload=form.cleaned_data["file"])
        except DomainError as error:
            apply_to_form(form, error)
        else:
            return _render_analysis(request, organization, analysis)
    return render(
        request,
        "supplies/stock/import.html",
        {
            "form": form,
            "columns": imports.COLUMNS,
            "max_rows": imports.max_import_rows(),
            "max_megabytes": f"{imports.max_import_bytes() / 1_048_576:g}",
            "sites": _visible_sites(request.user),
            "only_organization": organizations[0] if len(organizations) == 1 else None,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The import file's header and one example row, as a formula-safe CSV."""
    return csv_response(
        "lots-import-template.csv", imports.COLUMN_NAMES, [[column.example for column in imports.COLUMNS]]
    )


# --- Movements of a lot at a site --------------------------------------------------------------------


def _lot_at_site(request: AuthenticatedHttpRequest, pk: int, site_pk: int) -> tuple[Lot, StockBalance]:
    """The lot and its balance at the site; 404 unless the person sees both."""
    lot = get_lot_or_404(request.user, pk)
    balance = (
        stock.visible_balances(request.user)
        .filter(lot=lot, site_id=site_pk)
        .select_related("site__host_organization")
        .first()
    )
    if balance is None:
        raise Http404(_("Not found."))
    return lot, balance


def _require_manager(request: AuthenticatedHttpRequest, lot: Lot) -> None:
    if not can_manage_stock(request.user, lot.owner_id):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])


def _movement_page(
    request: AuthenticatedHttpRequest,
    template: str,
    lot: Lot,
    balance: StockBalance,
    form: Any,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        template,
        {"lot": lot, "balance": balance, "site": balance.site, "form": form, **extra},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def consume(request: AuthenticatedHttpRequest, pk: int, site_pk: int) -> HttpResponse:
    """Record units used at a site (members of the owner or of the site's host)."""
    lot, balance = _lot_at_site(request, pk, site_pk)
    if not can_record_use(request.user, lot, balance.site.host_organization_id):
        raise NotAllowed(_("Only members of the lot’s owner or of the site’s host record what was used."))
    missions = Mission.objects.filter(
        pk__in=Mission.objects.visible_to(request.user).filter(site=balance.site).values("pk")
    ).order_by("-starts_on")
    form = ConsumeForm(request.POST if request.method == "POST" else None, missions=missions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stock.consume(
                lot,
                balance.site,
                actor=request.user,
                quantity=data["quantity"],
                occurred_on=data["occurred_on"],
                mission=data["mission"],
                note=data["note"],
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("Recorded %(quantity)s used at %(site)s.")
                % {"quantity": data["quantity"], "site": balance.site.name},
            )
            return redirect(lot.get_absolute_url())
    return _movement_page(request, "supplies/stock/consume.html", lot, balance, form)


@login_required
@require_http_methods(["GET", "POST"])
def adjust(request: AuthenticatedHttpRequest, pk: int, site_pk: int) -> HttpResponse:
    """Correct the quantity on hand with a reason code (coordinators and admins of the owner)."""
    lot, balance = _lot_at_site(request, pk, site_pk)
    _require_manager(request, lot)
    form = AdjustForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stock.adjust(
                lot,
                balance.site,
                actor=request.user,
                change=data["change"],
                reason=data["reason"],
                note=data["note"],
                occurred_on=data["occurred_on"],
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("Adjusted lot %(lot)s at %(site)s by %(change)+d.")
                % {"lot": lot.lot_number, "site": balance.site.name, "change": data["change"]},
            )
            return redirect(lot.get_absolute_url())
    return _movement_page(request, "supplies/stock/adjust.html", lot, balance, form)


@login_required
@require_http_methods(["GET", "POST"])
def write_off(request: AuthenticatedHttpRequest, pk: int, site_pk: int) -> HttpResponse:
    """Ask, then take every unit of an expired lot at a site out of stock."""
    lot, balance = _lot_at_site(request, pk, site_pk)
    _require_manager(request, lot)
    today = timezone.localdate()
    problem = ""
    if lot.expiry_date is None or lot.expiry_date >= today:
        problem = _(
            "Only expired lots are written off; this one is still in date. Record damage or loss as an adjustment."
        )
    elif balance.on_hand == 0:
        problem = _("There is nothing of this lot left at this site.")
    form = WriteOffForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            stock.write_off_expired(lot, balance.site, actor=request.user, note=form.cleaned_data["note"])
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("Wrote off %(quantity)s of lot %(lot)s at %(site)s.")
                % {"quantity": balance.on_hand, "lot": lot.lot_number, "site": balance.site.name},
            )
            return redirect(lot.get_absolute_url())
    return _movement_page(request, "supplies/stock/write_off.html", lot, balance, form, problem=problem)


@login_required
@require_http_methods(["GET", "POST"])
def hand_over(request: AuthenticatedHttpRequest, pk: int, site_pk: int) -> HttpResponse:
    """Give units at a site to the organisation hosting it (coordinators and admins of the owner)."""
    lot, balance = _lot_at_site(request, pk, site_pk)
    _require_manager(request, lot)
    host = balance.site.host_organization
    missions = Mission.objects.filter(
        pk__in=Mission.objects.visible_to(request.user)
        .filter(partnership__parties__organization=host)
        .values("pk")
    ).order_by("-starts_on")
    form = HandOverForm(request.POST if request.method == "POST" else None, missions=missions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _host_lot, _movement = stock.hand_over(
                lot,
                balance.site,
                actor=request.user,
                quantity=data["quantity"],
                mission=data["mission"],
                note=data["note"],
                occurred_on=data["occurred_on"],
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("Handed %(quantity)s of lot %(lot)s over to %(host)s.")
                % {"quantity": data["quantity"], "lot": lot.lot_number, "host": host.name},
            )
            return redirect(lot.get_absolute_url())
    return _movement_page(
        request,
        "supplies/stock/hand_over.html",
        lot,
        balance,
        form,
        host=host,
        own_site=host.pk == lot.owner_id,
    )


# --- Ledger ----------------------------------------------------------------------------------------


def _ledger(
    request: AuthenticatedHttpRequest,
) -> tuple[LedgerFilterForm, Organization, QuerySet[LedgerEntry]]:
    """The filter form, the organisation whose ledger it is, and its entries (newest first)."""
    organizations = supply_organizations(request.user)
    if not organizations.exists():
        raise NotAllowed(_("Join an organisation to keep a stock ledger."))
    slug = request.GET.get("organization")
    named = organizations.filter(slug=slug).first() if slug else None
    if slug and named is None:
        raise Http404(_("Not found."))
    organization = named or _acting_for(request, organizations)
    query = request.GET.copy()
    query["organization"] = organization.slug  # so the form shows whose ledger this is
    form = LedgerFilterForm(query, organizations=organizations, sites=_visible_sites(request.user))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    entries = LedgerEntry.objects.filter(
        Q(transaction__organization=organization) | Q(lot__owner=organization)
    ).select_related("transaction__created_by", "transaction__organization", "lot__item", "site")
    if data.get("kind"):
        entries = entries.filter(transaction__kind=data["kind"])
    if data.get("site"):
        entries = entries.filter(site=data["site"])
    if data.get("date_from"):
        entries = entries.filter(transaction__occurred_on__gte=data["date_from"])
    if data.get("date_to"):
        entries = entries.filter(transaction__occurred_on__lte=data["date_to"])
    return form, organization, entries.order_by("-transaction__occurred_on", "-transaction_id", "pk")


@login_required
@require_GET
def ledger(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's stock transactions, line by line, filtered by kind, site and dates."""
    form, organization, entries = _ledger(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query["organization"] = organization.slug
    return render(
        request,
        "supplies/stock/ledger.html",
        {"form": form, "organization": organization, "page_obj": page, "csv_query": query.urlencode()},
    )


@login_required
@require_GET
def ledger_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The same entries as the ledger page, oldest first, as a formula-safe CSV download."""
    _form, organization, entries = _ledger(request)
    header = [
        _("Date"),
        _("Transaction"),
        _("Kind"),
        _("Reason"),
        _("Lot"),
        _("Item code"),
        _("Item"),
        _("Site"),
        _("Change on hand"),
        _("Change reserved"),
        _("Organisation"),
        _("Recorded by"),
        _("Note"),
    ]

    def rows() -> Any:
        for entry in entries.order_by("transaction__occurred_on", "transaction_id", "pk").iterator(
            chunk_size=2000
        ):
            movement = entry.transaction
            yield [
                movement.occurred_on,
                movement.pk,
                movement.get_kind_display(),
                movement.get_reason_display() if movement.reason else "",
                entry.lot.lot_number,
                entry.lot.item.code,
                entry.lot.item.label,
                entry.site.name,
                entry.on_hand_change,
                entry.reserved_change,
                movement.organization.name,
                movement.created_by.full_name if movement.created_by else "",
                movement.note,
            ]

    filename = f"stock-ledger-{organization.slug}-{timezone.localdate().isoformat()}.csv"
    return csv_response(filename, header, rows())
