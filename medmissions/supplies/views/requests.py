"""Pages: supply requests (list with tabs and filters, draft, edit, lines and kits, submit, cancel,
close, the host's shelf-life exception) and donation offers (list, make, read, accept or
decline, withdraw). Every change goes through supplies/services.py; requests, lines and offers
load through supplies/access.py, so what one may not see answers 404.

Pages and buttons only coordinators and admins may use answer 403 with the reason to members and
viewers; a refusal by the rules of the domain (a closed request, stock still allocated) comes
back as an error on the form (400) or as a message on the page it came from.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import (
    DomainError,
    NotAllowed,
    ValidationFailed,
    apply_to_form,
    refuse_if_not_allowed,
)
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions.models import Mission, Need
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, can
from medmissions.organizations.current import current_organization
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import services
from medmissions.supplies.access import (
    get_line_or_404,
    get_offer_or_404,
    get_request_or_404,
    items,
    supply_organizations,
)
from medmissions.supplies.choices import OfferStatus, RequestStatus
from medmissions.supplies.forms.requests import (
    AddKitForm,
    AddLineForm,
    CancelForm,
    ChangeLineForm,
    CloseForm,
    DecideForm,
    OfferFilterForm,
    OfferForm,
    OfferLineFormSet,
    RequestFilterForm,
    RequestForm,
    ShelfLifeForm,
)
from medmissions.supplies.models import DonationOffer, Kit, SupplyRequest

PAGE_SIZE = 25
REQUEST_BADGES = {
    RequestStatus.DRAFT: "draft",
    RequestStatus.SUBMITTED: "submitted",
    RequestStatus.CLOSED: "closed",
    RequestStatus.CANCELLED: "cancelled",
}
OFFER_BADGES = {
    OfferStatus.OFFERED: "open",
    OfferStatus.ACCEPTED: "accepted",
    OfferStatus.DECLINED: "declined",
    OfferStatus.WITHDRAWN: "withdrawn",
}
REQUEST_TABS = {
    "all": gettext_lazy("All I can see"),
    "mine": gettext_lazy("My organisations’ requests"),
    "sites": gettext_lazy("For my sites"),
    "donors": gettext_lazy("Open to donors"),
}
OFFER_TABS = {
    "all": gettext_lazy("All I can see"),
    "made": gettext_lazy("Made by my organisations"),
    "received": gettext_lazy("Offered to my organisations"),
}


def _manager_organizations(request: AuthenticatedHttpRequest) -> Any:
    organizations = supply_organizations(request.user, Capability.MANAGE_SUPPLIES)
    if not organizations.exists():
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])
    return organizations


def _require_manager(request: AuthenticatedHttpRequest, supply_request: SupplyRequest) -> None:
    if not can(request.user, supply_request.organization_id, Capability.MANAGE_SUPPLIES):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SUPPLIES])


def _tab(value: str | None, tabs: dict[str, Any]) -> str:
    return value if value in tabs else "all"


# Requests: list ----------------------------------------------------------------------------------


@login_required
@require_GET
def request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    tab = _tab(request.GET.get("show"), REQUEST_TABS)
    own = access_for(request.user).organization_ids()
    queryset = SupplyRequest.objects.visible_to(request.user)
    if tab == "mine":
        queryset = queryset.filter(organization_id__in=own)
    elif tab == "sites":
        queryset = queryset.filter(destination__host_organization_id__in=own)
    elif tab == "donors":
        queryset = queryset.filter(open_to_donors=True, status=RequestStatus.SUBMITTED)
    form = RequestFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"] == "open":
            queryset = queryset.filter(status__in=services.OPEN_STATUSES)
        elif data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["priority"] is not None:
            queryset = queryset.filter(priority=data["priority"])
        if data["needed_by"] is not None:
            queryset = queryset.filter(needed_by__lte=data["needed_by"])
    queryset = queryset.select_related("organization", "destination__host_organization", "mission").order_by(
        "needed_by", "-priority", "pk"
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    progress = services.fulfilment(row.pk for row in rows)
    return render(
        request,
        "supplies/requests/list.html",
        {
            "form": form,
            "page_obj": page,
            "rows": [(row, progress[row.pk], REQUEST_BADGES[RequestStatus(row.status)]) for row in rows],
            "tab": tab,
            "tabs": REQUEST_TABS,
            "filtered": any(request.GET.get(name) for name in ("status", "priority", "needed_by")),
            "can_create": bool(access_for(request.user).organization_ids(Capability.MANAGE_SUPPLIES)),
        },
    )


# Requests: create and edit ---------------------------------------------------------------------


def _prefill(request: AuthenticatedHttpRequest, missions: Any, needs: Any) -> dict[str, Any]:
    """Initial values from ``?mission=`` and ``?need=``, used only when offered to this person."""
    initial: dict[str, Any] = {}
    mission_pk, need_pk = request.GET.get("mission", ""), request.GET.get("need", "")
    mission = missions.filter(pk=mission_pk).first() if mission_pk.isdigit() else None
    need = needs.filter(pk=need_pk).first() if need_pk.isdigit() else None
    if mission is not None:
        initial.update(mission=mission.pk, destination=mission.site_id)
        party = mission.partnership.parties.filter(
            organization_id__in=access_for(request.user).organization_ids(Capability.MANAGE_SUPPLIES)
        ).first()
        if party is not None:
            initial["organization"] = party.organization_id
    if need is not None:
        initial["need"] = need.pk
        initial.setdefault("destination", need.site_id)
        initial.setdefault("title", need.title)
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organizations = _manager_organizations(request)
    ids = list(organizations.values_list("pk", flat=True))
    missions = services.missions_for(ids)
    needs = services.needs_for(ids)
    current, _memberships = current_organization(request)
    initial: dict[str, Any] = {"organization": current.pk if current and current.pk in ids else ids[0]}
    initial.update(_prefill(request, missions, needs))
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organizations=organizations,
        destinations=services.destinations_for(ids),
        missions=missions,
        needs=needs,
    )
    if request.method == "POST" and form.is_valid():
        try:
            supply_request = services.create_request(
                actor=request.user, organization=form.cleaned_data["organization"], data=form.service_data()
            )
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(request, _("Request drafted. Add the items it asks for, then submit it."))
            return redirect(supply_request.get_absolute_url())
    return render(
        request,
        "supplies/requests/form.html",
        {"form": form, "supply_request": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    supply_request = get_request_or_404(request.user, pk)
    _require_manager(request, supply_request)
    if supply_request.status not in services.OPEN_STATUSES:
        messages.error(request, _("This request is closed; it can no longer be changed."))
        return redirect(supply_request.get_absolute_url())
    ids = [supply_request.organization_id]
    initial = {name: getattr(supply_request, name) for name in services.REQUEST_FIELDS}
    initial.update(
        destination=supply_request.destination_id,
        mission=supply_request.mission_id,
        need=supply_request.need_id,
    )
    # The current destination, mission and need stay choices even when they would no longer be offered.
    destinations = Site.objects.filter(
        Q(pk__in=services.destinations_for(ids).values("pk")) | Q(pk=supply_request.destination_id)
    )
    missions = Mission.objects.filter(
        Q(pk__in=services.missions_for(ids).values("pk")) | Q(pk=supply_request.mission_id)
    )
    needs = Need.objects.filter(Q(pk__in=services.needs_for(ids).values("pk")) | Q(pk=supply_request.need_id))
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        destinations=destinations.select_related("host_organization").order_by(
            "host_organization__name", "name"
        ),
        missions=missions.select_related("site").order_by("starts_on", "pk"),
        needs=needs.select_related("host_organization").order_by("title", "pk"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_request(supply_request, actor=request.user, data=form.service_data())
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(supply_request.get_absolute_url())
    return render(
        request,
        "supplies/requests/form.html",
        {"form": form, "supply_request": supply_request},
        status=400 if form.errors else 200,
    )


# Requests: the page and its forms ------------------------------------------------------------


def _ending(supply_request: SupplyRequest) -> dict[str, Any] | None:
    """Who closed or cancelled the request, when and why (from its audit entry)."""
    if supply_request.status not in (RequestStatus.CLOSED, RequestStatus.CANCELLED):
        return None
    entry = (
        AuditEntry.objects.filter(
            action__in=["supplies.request.closed", "supplies.request.cancelled"],
            object_id=str(supply_request.pk),
            content_type__app_label="supplies",
            content_type__model="supplyrequest",
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if entry is None:
        return None
    return {
        "when": entry.created_at,
        "who": entry.actor_label,
        "reason": (entry.data or {}).get("reason", ""),
    }


def _donor_organizations(user: Any, supply_request: SupplyRequest) -> list[Organization]:
    """The user's organisations that may offer goods answering the request."""
    if supply_request.status != RequestStatus.SUBMITTED:
        return []
    return [
        organization
        for organization in supply_organizations(user, Capability.MANAGE_SUPPLIES)
        if organization.pk != supply_request.organization_id
        and services.can_offer_to(organization.pk, supply_request)
    ]


def _detail(
    request: AuthenticatedHttpRequest, supply_request: SupplyRequest, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    is_open = supply_request.status in services.OPEN_STATUSES
    can_manage = can(user, supply_request.organization_id, Capability.MANAGE_SUPPLIES)
    editable = is_open and can_manage
    lines = list(supply_request.lines.select_related("item", "kit").order_by("item__name", "pk"))
    progress = services.line_progress(line.pk for line in lines)
    rows = [
        {
            "line": line,
            "allocated": progress.get(line.pk, (0, 0))[0],
            "shipped": progress.get(line.pk, (0, 0))[1],
            "form": forms.get("change_forms", {}).get(line.pk)
            or ChangeLineForm(initial={"quantity": line.quantity}, prefix=f"line-{line.pk}"),
        }
        for line in lines
    ]
    can_shelf_life = is_open and services.can_record_shelf_life_exception(user, supply_request)
    offers = (
        DonationOffer.objects.visible_to(user)
        .filter(request=supply_request)
        .select_related("donor")
        .order_by("-created_at", "-pk")
    )
    context = {
        "supply_request": supply_request,
        "badge": REQUEST_BADGES[RequestStatus(supply_request.status)],
        "rows": rows,
        "fulfilment": services.fulfilment([supply_request.pk])[supply_request.pk],
        "editable": editable,
        "can_manage": can_manage,
        "can_submit": editable and supply_request.status == RequestStatus.DRAFT,
        "can_close": can_manage and supply_request.status == RequestStatus.SUBMITTED,
        "can_allocate": supply_request.status == RequestStatus.SUBMITTED
        and bool(access_for(user).organization_ids(Capability.MANAGE_SUPPLIES)),
        "can_offer": bool(_donor_organizations(user, supply_request)),
        "can_shelf_life": can_shelf_life,
        "ending": _ending(supply_request),
        "offers": [(offer, OFFER_BADGES[OfferStatus(offer.status)]) for offer in offers],
        "longest_shelf_life": services.longest_minimum_shelf_life(),
    }
    if editable:
        context["add_line_form"] = forms.get("add_line_form") or AddLineForm(items=items(user), prefix="line")
        context["add_kit_form"] = forms.get("add_kit_form") or AddKitForm(
            kits=Kit.objects.all(), prefix="kit"
        )
    if can_shelf_life:
        context["shelf_life_form"] = forms.get("shelf_life_form") or ShelfLifeForm(
            initial={
                "days": supply_request.shorter_shelf_life_days,
                "acknowledged_by": supply_request.shelf_life_acknowledged_by,
            }
        )
    return render(request, "supplies/requests/detail.html", context, status=status)


@login_required
@require_GET
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_request_or_404(request.user, pk))


@login_required
@require_POST
def request_add_line(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    supply_request = get_request_or_404(request.user, pk)
    _require_manager(request, supply_request)
    form = AddLineForm(request.POST, items=items(request.user), prefix="line")
    if form.is_valid():
        try:
            line = services.add_line(
                supply_request,
                actor=request.user,
                item=form.cleaned_data["item"],
                quantity=form.cleaned_data["quantity"],
            )
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("%(item)s: %(quantity)s asked.") % {"item": line.item.label, "quantity": line.quantity},
            )
            return redirect(supply_request.get_absolute_url())
    return _detail(request, supply_request, status=400, add_line_form=form)


@login_required
@require_POST
def request_add_kit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    supply_request = get_request_or_404(request.user, pk)
    _require_manager(request, supply_request)
    form = AddKitForm(request.POST, kits=Kit.objects.all(), prefix="kit")
    if form.is_valid():
        try:
            lines = services.add_kit(
                supply_request,
                actor=request.user,
                kit=form.cleaned_data["kit"],
                count=form.cleaned_data["count"],
            )
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "The kit added %(count)s item to the request.",
                    "The kit added %(count)s items to the request.",
                    len(lines),
                )
                % {"count": len(lines)},
            )
            return redirect(supply_request.get_absolute_url())
    return _detail(request, supply_request, status=400, add_kit_form=form)


@login_required
@require_POST
def request_change_line(request: AuthenticatedHttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = get_line_or_404(request.user, pk, line_pk)
    supply_request = line.request
    _require_manager(request, supply_request)
    form = ChangeLineForm(request.POST, prefix=f"line-{line.pk}")
    if form.is_valid():
        try:
            services.change_line(line, actor=request.user, quantity=form.cleaned_data["quantity"])
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(request, _("Quantity changed."))
            return redirect(supply_request.get_absolute_url())
    return _detail(request, supply_request, status=400, change_forms={line.pk: form})


@login_required
@require_POST
def request_remove_line(request: AuthenticatedHttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = get_line_or_404(request.user, pk, line_pk)
    _require_manager(request, line.request)
    try:
        services.remove_line(line, actor=request.user)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(item)s taken off the request.") % {"item": line.item.label})
    return redirect(line.request.get_absolute_url())


@login_required
@require_POST
def request_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    supply_request = get_request_or_404(request.user, pk)
    _require_manager(request, supply_request)
    try:
        services.submit_request(supply_request, actor=request.user)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(request, _("Request submitted. It can now be allocated stock."))
    return redirect(supply_request.get_absolute_url())


def _confirm(
    request: AuthenticatedHttpRequest, supply_request: SupplyRequest, form: Any, **text: Any
) -> HttpResponse:
    return render(
        request,
        "core/confirm.html",
        {"form": form, "cancel_url": supply_request.get_absolute_url(), **text},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    supply_request = get_request_or_404(request.user, pk)
    _require_manager(request, supply_request)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_request(supply_request, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(request, _("Request cancelled. Its allocated stock is available again."))
            return redirect(supply_request.get_absolute_url())
    return _confirm(
        request,
        supply_request,
        form,
        title=_("Cancel request"),
        question=_("Cancel “%(title)s”?") % {"title": supply_request.title},
        consequence=_(
            "Stock allocated to it is released, offers waiting on it are declined, and it can no longer change."
        ),
        confirm_label=_("Cancel the request"),
        danger=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    supply_request = get_request_or_404(request.user, pk)
    _require_manager(request, supply_request)
    form = CloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_request(
                supply_request,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                release_unshipped=form.cleaned_data["release_unshipped"],
            )
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(request, _("Request closed."))
            return redirect(supply_request.get_absolute_url())
    state = services.fulfilment([supply_request.pk])[supply_request.pk]
    return _confirm(
        request,
        supply_request,
        form,
        title=_("Close request"),
        question=_("Close “%(title)s”?") % {"title": supply_request.title},
        consequence=(
            _("Every line is fully allocated. Offers still waiting on it are declined.")
            if state.met
            else _(
                "%(allocated)s of %(asked)s units are allocated. Closing says the rest is no longer needed; offers still waiting on it are declined."
            )
            % {"allocated": state.allocated, "asked": state.asked}
        ),
        confirm_label=_("Close the request"),
        danger=False,
    )


@login_required
@require_POST
def request_shelf_life(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    supply_request = get_request_or_404(request.user, pk)
    if not services.can_record_shelf_life_exception(request.user, supply_request):
        raise NotAllowed(
            _(
                "Only coordinators and admins of the receiving site’s organisation accept a shorter shelf life."
            )
        )
    form = ShelfLifeForm(request.POST)
    if form.is_valid():
        days = form.cleaned_data["days"]
        try:
            services.set_shelf_life_exception(
                supply_request,
                actor=request.user,
                days=days,
                acknowledged_by=form.cleaned_data["acknowledged_by"],
            )
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("Shorter shelf life recorded.")
                if days is not None
                else _("Shelf-life exception withdrawn."),
            )
            return redirect(supply_request.get_absolute_url())
    return _detail(request, supply_request, status=400, shelf_life_form=form)


# Offers ----------------------------------------------------------------------------------------


@login_required
@require_GET
def offer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    tab = _tab(request.GET.get("show"), OFFER_TABS)
    own = access_for(request.user).organization_ids()
    queryset = DonationOffer.objects.visible_to(request.user)
    if tab == "made":
        queryset = queryset.filter(donor_id__in=own)
    elif tab == "received":
        queryset = queryset.filter(recipient_id__in=own)
    form = OfferFilterForm(request.GET or None)
    if form.is_valid():
        if form.cleaned_data["status"]:
            queryset = queryset.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["unrequested"]:
            queryset = queryset.filter(request__isnull=True)
    queryset = queryset.select_related("donor", "recipient", "request").prefetch_related("lines")
    page = Paginator(queryset.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supplies/offers/list.html",
        {
            "form": form,
            "page_obj": page,
            "rows": [(offer, OFFER_BADGES[OfferStatus(offer.status)]) for offer in page.object_list],
            "tab": tab,
            "tabs": OFFER_TABS,
            "filtered": bool(request.GET.get("status") or request.GET.get("unrequested")),
            "can_offer": bool(access_for(request.user).organization_ids(Capability.MANAGE_SUPPLIES)),
            "unrequested_reason": services.unrequested_reason(),
        },
    )


def _apply_line_errors(formset: Any, error: DomainError, indexes: list[int], form: Any) -> None:
    """Put ``lines.<n>.<field>`` messages on the formset rows they name, the rest on the form."""
    other: dict[str, str] = {}
    for name, text in error.fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit() and int(parts[1]) < len(indexes):
            row = formset.forms[indexes[int(parts[1])]]
            row.add_error(parts[2] if parts[2] in row.fields else None, text)
        else:
            other[name] = text
    placed = len(other) != len(error.fields)
    if other or not placed:
        apply_to_form(form, type(error)(error.message, code=error.code, fields=other))


@login_required
@require_http_methods(["GET", "POST"])
def offer_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    wanted = request.POST.get("request") or request.GET.get("request") or ""
    supply_request = get_request_or_404(request.user, int(wanted)) if wanted.isdigit() else None
    donors = _manager_organizations(request)
    if supply_request is not None:
        allowed = [organization.pk for organization in _donor_organizations(request.user, supply_request)]
        if supply_request.status != RequestStatus.SUBMITTED:
            messages.error(request, _("Only submitted requests take offers."))
            return redirect(supply_request.get_absolute_url())
        if not allowed:
            raise NotAllowed(_("None of your organisations may offer goods answering this request."))
        donors = donors.filter(pk__in=allowed)
    catalogue = items(request.user)
    data = request.POST if request.method == "POST" else None
    form = OfferForm(
        data,
        donors=donors,
        recipients=None if supply_request else Organization.objects.order_by("name"),
        initial={"recipient": request.GET.get("recipient", "")},
    )
    initial_lines = []
    if supply_request is not None:
        asked = supply_request.lines.select_related("item").order_by("item__name", "pk")
        catalogue = catalogue.filter(pk__in=asked.values("item_id"))
        initial_lines = [{"item": line.item.code, "quantity": line.quantity} for line in asked]
    formset = OfferLineFormSet(
        data, prefix="lines", initial=initial_lines or None, form_kwargs={"items": catalogue}
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        filled = formset.filled()
        try:
            offer = services.make_offer(
                actor=request.user,
                donor=form.cleaned_data["donor"],
                lines=[line for _index, line in filled],
                request=supply_request,
                recipient=form.cleaned_data.get("recipient"),
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            refuse_if_not_allowed(error)
            _apply_line_errors(formset, error, [index for index, _line in filled], form)
        else:
            messages.success(request, _("Offer sent. The recipient’s coordinators have been emailed."))
            return redirect(offer.get_absolute_url())
    invalid = bool(form.errors) or any(formset.errors) or bool(formset.non_form_errors())
    return render(
        request,
        "supplies/offers/form.html",
        {
            "form": form,
            "formset": formset,
            "supply_request": supply_request,
            "unrequested_reason": services.unrequested_reason(),
        },
        status=400 if invalid else 200,
    )


def _offer_detail(
    request: AuthenticatedHttpRequest, offer: DonationOffer, *, status: int = 200, decide_form: Any = None
) -> HttpResponse:
    user = request.user
    is_open = offer.status == OfferStatus.OFFERED
    can_decide = is_open and can(user, offer.recipient_id, Capability.MANAGE_SUPPLIES)
    return render(
        request,
        "supplies/offers/detail.html",
        {
            "offer": offer,
            "badge": OFFER_BADGES[OfferStatus(offer.status)],
            "lines": offer.lines.select_related("item").order_by("item__name", "pk"),
            "can_decide": can_decide,
            "decide_form": decide_form or (DecideForm() if can_decide else None),
            "can_withdraw": is_open and can(user, offer.donor_id, Capability.MANAGE_SUPPLIES),
            "can_receive": offer.status == OfferStatus.ACCEPTED
            and can(user, offer.recipient_id, Capability.MANAGE_SUPPLIES),
            "request_visible": offer.request_id is not None
            and SupplyRequest.objects.visible_to(user).filter(pk=offer.request_id).exists(),
            "unrequested_reason": services.unrequested_reason(),
        },
        status=status,
    )


@login_required
@require_GET
def offer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _offer_detail(request, get_offer_or_404(request.user, pk))


@login_required
@require_POST
def offer_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    offer = get_offer_or_404(request.user, pk)
    if not can(request.user, offer.recipient_id, Capability.MANAGE_SUPPLIES):
        raise NotAllowed(
            _("Only coordinators and admins of the organisation the goods are offered to decide.")
        )
    form = DecideForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            services.decide_offer(offer, actor=request.user, accept=accept, note=form.cleaned_data["note"])
        except ValidationFailed as error:
            apply_to_form(form, error)
        except DomainError as error:
            refuse_if_not_allowed(error)
            messages.error(request, error.message)
            return redirect(offer.get_absolute_url())
        else:
            messages.success(
                request,
                _("Offer accepted. The donor has been emailed; record the goods when they arrive.")
                if accept
                else _("Offer declined. The donor has been emailed your reason."),
            )
            return redirect(offer.get_absolute_url())
    return _offer_detail(request, offer, status=400, decide_form=form)


@login_required
@require_POST
def offer_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    offer = get_offer_or_404(request.user, pk)
    try:
        services.withdraw_offer(offer, actor=request.user)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(request, _("Offer withdrawn."))
    return redirect(offer.get_absolute_url())
