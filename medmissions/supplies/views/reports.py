"""Pages of the reports area: expiring stock, low stock with the minimum levels (set, remove),
where a donor's goods went, the stock at one site with the leftovers handed to its host, and the
OpenBoxes exports.

Reports read; the only changes (minimum levels) go through supplies/levels.py. Reports are for
members of the organisations concerned, viewers included: an organisation named with
``?organization=<slug>`` that the person does not belong to answers 404, as does a site they
cannot see; someone who belongs to no organisation gets 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medmissions.core.errors import DomainError, NotAllowed, ValidationFailed, apply_to_form
from medmissions.lib.csv import csv_response
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.organizations.access import (
    CAPABILITY_MESSAGES,
    Capability,
    access_for,
    can,
    get_visible_or_404,
)
from medmissions.organizations.current import current_organization
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import exports, levels, reports, stock
from medmissions.supplies.access import supply_organizations
from medmissions.supplies.forms.reports import (
    DonorForm,
    ExportForm,
    LowStockFilterForm,
    ReportFilterForm,
    StockLevelForm,
)
from medmissions.supplies.models import Item, Lot, StockLevel

DONATIONS_PAGE_SIZE = 20
SITE_STOCK_PAGE_SIZE = 100
# The site page lists this many of the latest hand-overs.
HANDOVERS_SHOWN = 100


# --- Helpers -------------------------------------------------------------------------------------


def _member_organizations(request: AuthenticatedHttpRequest) -> QuerySet[Organization]:
    """The person's organisations (403 when there is none)."""
    organizations = supply_organizations(request.user)
    if not organizations.exists():
        raise NotAllowed(_("Join an organisation to see its supplies reports."))
    return organizations


def _named(request: AuthenticatedHttpRequest, organizations: QuerySet[Organization]) -> Organization | None:
    """The organisation of ``?organization=<slug>``, which must be one of ``organizations`` (404
    otherwise); None when none is named."""
    slug = request.GET.get("organization")
    if not slug:
        return None
    organization = organizations.filter(slug=slug).first()
    if organization is None:
        raise Http404(_("Not found."))
    return organization


def _acting_for(request: AuthenticatedHttpRequest, organizations: QuerySet[Organization]) -> Organization:
    """The named organisation, else the one the person acts for, else their first."""
    named = _named(request, organizations)
    if named is not None:
        return named
    current, _memberships = current_organization(request)
    chosen = organizations.filter(pk=current.pk).first() if current is not None else None
    first = organizations.first()
    assert first is not None  # callers pass a non-empty queryset
    return chosen or first


def _visible_sites(user: Any) -> QuerySet[Site]:
    return (
        Site.objects.filter(pk__in=Site.objects.visible_to(user).values("pk"))
        .select_related("host_organization")
        .order_by("name", "pk")
    )


def _query_without(request: AuthenticatedHttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _filters(
    request: AuthenticatedHttpRequest, form_class: type[ReportFilterForm]
) -> tuple[ReportFilterForm, list[int], Site | None, dict[str, Any]]:
    """The filter form, the ids of the organisations asked for, the site, and the cleaned data."""
    organizations = _member_organizations(request)
    named = _named(request, organizations)
    form = form_class(request.GET or None, organizations=organizations, sites=_visible_sites(request.user))
    data: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    ids = [named.pk] if named is not None else list(organizations.values_list("pk", flat=True))
    return form, ids, data.get("site"), data


# --- Expiring stock --------------------------------------------------------------------------------


@login_required
@require_GET
def expiring(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Lots of the person's organisations expired or expiring within 90 days, by bucket and site;
    ``?format=csv`` downloads the same rows."""
    form, ids, site, _data = _filters(request, ReportFilterForm)
    today = timezone.localdate()
    groups = reports.expiring_report(ids, today, site=site)
    if request.GET.get("format") == "csv":
        return csv_response(
            f"expiring-stock-{today.isoformat()}.csv",
            reports.EXPIRING_CSV_HEADER,
            reports.expiring_csv_rows(groups),
        )
    return render(
        request,
        "supplies/reports/expiring.html",
        {
            "form": form,
            "groups": groups,
            "counts": reports.alert_counts(ids, today),
            "today": today,
            "csv_query": _query_without(request, "format", "page"),
            "empty": not any(group.rows for group in groups),
        },
        status=400 if form.errors else 200,
    )


# --- Low stock and minimum levels --------------------------------------------------------------------


def _level_form(request: AuthenticatedHttpRequest, data: Any = None) -> StockLevelForm | None:
    manageable = supply_organizations(request.user, Capability.MANAGE_SUPPLIES)
    if not manageable.exists():
        return None
    return StockLevelForm(
        data,
        organizations=manageable,
        sites=_visible_sites(request.user),
        items=Item.objects.filter(active=True).order_by("name", "strength", "dosage_form", "code"),
        # The page also has the filter form: distinct ids keep every label tied to its own field.
        auto_id="level-%s",
    )


def _low_stock_page(
    request: AuthenticatedHttpRequest, level_form: StockLevelForm | None, *, status: int = 200
) -> HttpResponse:
    form, ids, site, data = _filters(request, LowStockFilterForm)
    today = timezone.localdate()
    found = StockLevel.objects.filter(organization_id__in=ids)
    if site is not None:
        found = found.filter(site=site)
    rows = reports.low_stock(found, today, include_all=bool(data.get("all")))
    manageable = access_for(request.user).organization_ids(Capability.MANAGE_SUPPLIES)
    return render(
        request,
        "supplies/reports/low_stock.html",
        {
            "form": form,
            "rows": rows,
            "show_all": bool(data.get("all")),
            "manageable": manageable,
            "level_form": level_form,
            "counts": reports.alert_counts(ids, today),
        },
        status=400 if status == 200 and form.errors else status,
    )


@login_required
@require_GET
def low_stock(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Minimum levels of the person's organisations not met now (all of them with ``?all=1``),
    and the form to set one."""
    return _low_stock_page(request, _level_form(request))


@login_required
@require_POST
def stock_level_set(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set (or change) a minimum level; coordinators and admins."""
    form = _level_form(request, request.POST)
    if form is None:
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    if form.is_valid():
        data = form.cleaned_data
        try:
            level, created = levels.set_stock_level(
                actor=request.user,
                organization=data["organization"],
                site=data["site"],
                item=data["item"],
                minimum=data["minimum"],
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            message = (
                _("%(organization)s now keeps at least %(minimum)s of %(item)s at %(site)s.")
                if created
                else _("The minimum of %(item)s at %(site)s for %(organization)s is now %(minimum)s.")
            )
            messages.success(
                request,
                message
                % {
                    "organization": level.organization.name,
                    "minimum": level.minimum,
                    "item": level.item.label,
                    "site": level.site.name,
                },
            )
            return redirect(reverse("supplies:low_stock") + "?all=1")
    return _low_stock_page(request, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def stock_level_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Stop watching a minimum level (GET asks for confirmation); coordinators and admins."""
    level = get_visible_or_404(
        StockLevel.objects.select_related("organization", "site", "item"), request.user, pk=pk
    )
    if not can(request.user, level.organization_id, Capability.MANAGE_SUPPLIES):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    back = reverse("supplies:low_stock") + "?all=1"
    names = {"item": level.item.label, "site": level.site.name, "organization": level.organization.name}
    if request.method == "POST":
        try:
            levels.remove_stock_level(level, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(organization)s no longer watches %(item)s at %(site)s.") % names)
        return redirect(back)
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Remove a minimum stock level"),
            "question": _(
                "Stop watching the stock of %(item)s at %(site)s for %(organization)s (minimum %(minimum)s)?"
            )
            % {**names, "minimum": level.minimum},
            "consequence": _("The site will no longer show as low on this item, and no alert will be sent."),
            "confirm_label": _("Remove the minimum"),
            "danger": True,
            "cancel_url": back,
        },
    )


# --- Donor traceability ----------------------------------------------------------------------------


@login_required
@require_GET
def donations(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where the goods of a donor (one of the person's organisations) went, lot by lot;
    ``?format=csv`` downloads every lot."""
    organizations = _member_organizations(request)
    donors = organizations.filter(pk__in=Lot.objects.filter(donor__isnull=False).values("donor_id"))
    donor = _named(request, organizations)
    if donor is None:
        current, _memberships = current_organization(request)
        donor = (donors.filter(pk=current.pk).first() if current is not None else None) or donors.first()
    if request.GET.get("format") == "csv":
        traces = reports.donor_trace(donor) if donor is not None else []
        slug = donor.slug if donor is not None else "none"
        return csv_response(
            f"donations-{slug}.csv", reports.DONATIONS_CSV_HEADER, reports.donations_csv_rows(traces)
        )
    choices = organizations.filter(Q(pk__in=donors.values("pk")) | Q(pk=getattr(donor, "pk", None)))
    form = DonorForm(initial={"organization": donor}, organizations=choices)
    page = None
    traces = []
    if donor is not None:
        page = Paginator(reports.root_lots(donor), DONATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
        traces = reports.donor_trace(donor, list(page))
    return render(
        request,
        "supplies/reports/donations.html",
        {
            "form": form,
            "donor": donor,
            "page_obj": page,
            "traces": traces,
            "csv_query": _query_without(request, "format", "page", "organization"),
        },
    )


# --- Stock at a site ---------------------------------------------------------------------------------


@login_required
@require_GET
def site_stock(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Stock the person may see at a site, per owner and item, and the leftovers handed to the
    site's host."""
    user = request.user
    site = get_visible_or_404(Site.objects.select_related("host_organization"), user, pk=pk)
    balances = reports.site_balances(stock.visible_balances(user), site)
    page = Paginator(balances, SITE_STOCK_PAGE_SIZE).get_page(request.GET.get("page"))
    handovers = list(
        reports.handover_entries(site=site, lots=stock.visible_lots(user))[: HANDOVERS_SHOWN + 1]
    )
    today = timezone.localdate()
    return render(
        request,
        "supplies/reports/site.html",
        {
            "site": site,
            "page_obj": page,
            "groups": reports.site_stock(page),
            "handovers": handovers[:HANDOVERS_SHOWN],
            "more_handovers": len(handovers) > HANDOVERS_SHOWN,
            "handovers_shown": HANDOVERS_SHOWN,
            "today": today,
            "counts": reports.alert_counts(access_for(user).organization_ids(), today),
        },
    )


# --- OpenBoxes exports -------------------------------------------------------------------------------


@login_required
@require_GET
def export_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The OpenBoxes downloads: the catalogue, an organisation's lots, its stock at a site."""
    organizations = _member_organizations(request)
    sites = _visible_sites(request.user)
    initial = {"organization": _acting_for(request, organizations)}
    # Two forms on one page: distinct ids keep every label tied to its own field.
    lots_form, stock_form = (
        ExportForm(initial=initial, organizations=organizations, sites=sites, auto_id=f"{prefix}-%s")
        for prefix in ("lots", "stock")
    )
    return render(
        request, "supplies/reports/exports.html", {"lots_form": lots_form, "stock_form": stock_form}
    )


def _download(export: exports.Export) -> HttpResponse:
    return csv_response(export.filename, export.header, export.rows)


@login_required
@require_GET
def export_products(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The shared catalogue in OpenBoxes' product import layout (everyone signed in)."""
    return _download(exports.openboxes_export(exports.PRODUCTS))


@login_required
@require_GET
def export_lots(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The lots with stock of ``?organization=<slug>`` (by default the one the person acts for)."""
    organization = _acting_for(request, _member_organizations(request))
    return _download(exports.openboxes_export(exports.LOTS, organization=organization))


@login_required
@require_GET
def export_stock(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's stock at ``?site=<pk>`` (required) in OpenBoxes' inventory import layout."""
    organization = _acting_for(request, _member_organizations(request))
    site_pk = request.GET.get("site", "")
    if not site_pk.isdigit():
        raise ValidationFailed(_("Choose the site whose stock to export."), fields={"site": _("Required.")})
    site = get_visible_or_404(Site, request.user, pk=int(site_pk))
    return _download(exports.openboxes_export(exports.STOCK, organization=organization, site=site))
