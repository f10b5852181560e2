from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from medmissions.core.errors import DomainError, NotAllowed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, get_visible_or_404
from medmissions.organizations.current import current_organization
from medmissions.sites import services
from medmissions.sites.forms import SiteFilterForm, SiteForm
from medmissions.sites.models import Site


def _load(request: AuthenticatedHttpRequest, pk: int, capability: Capability | None = None) -> Site:
    site = get_visible_or_404(Site.objects.select_related("host_organization"), request.user, pk=pk)
    if capability and not access_for(request.user).can(site.host_organization_id, capability):
        raise NotAllowed(CAPABILITY_MESSAGES[capability])
    return site


@login_required
def site_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SiteFilterForm(request.GET or None)
    sites = Site.objects.visible_to(request.user).select_related("host_organization")
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            sites = sites.filter(kind=data["kind"])
        if data["country"]:
            sites = sites.filter(country=data["country"])
        if data["q"]:
            sites = sites.filter(
                Q(name__icontains=data["q"])
                | Q(town__icontains=data["q"])
                | Q(admin_level_1__icontains=data["q"])
                | Q(admin_level_2__icontains=data["q"])
            )
    page = Paginator(sites.order_by("name"), 25).get_page(request.GET.get("page"))
    organization, _memberships = current_organization(request)
    can_add = organization is not None and access_for(request.user).can(organization, Capability.MANAGE_SITES)
    return render(
        request,
        "sites/list.html",
        {"form": form, "page_obj": page, "can_add": can_add, "organization": organization},
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization, _memberships = current_organization(request)
    if organization is None:
        raise NotAllowed(_("Join or register an organisation before adding sites."))
    if not access_for(request.user).can(organization, Capability.MANAGE_SITES):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_SITES])
    form = SiteForm(request.POST or None, initial={"country": organization.country.code})
    if request.method == "POST" and form.is_valid():
        try:
            site = services.create_site(
                actor=request.user, host_organization=organization, data=form.cleaned_data
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Site added."))
            return redirect(site.get_absolute_url())
    return render(
        request,
        "sites/form.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    site = _load(request, pk)
    can_manage = access_for(request.user).can(site.host_organization_id, Capability.MANAGE_SITES)
    return render(request, "sites/detail.html", {"site": site, "can_manage": can_manage})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    site = _load(request, pk, Capability.MANAGE_SITES)
    initial = {field: getattr(site, field) for field in services.FIELDS}
    initial["country"] = site.country.code
    initial["languages"] = site.languages.all()
    form = SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_site(site, actor=request.user, data=form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(site.get_absolute_url())
    return render(
        request,
        "sites/form.html",
        {"form": form, "site": site, "organization": site.host_organization},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    site = _load(request, pk, Capability.MANAGE_SITES)
    if request.method == "POST":
        try:
            services.delete_site(site, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(site.get_absolute_url())
        messages.success(request, _("Site deleted."))
        return redirect("sites:list")
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Delete site"),
            "question": _("Delete the site “%(name)s”?") % {"name": site.name},
            "consequence": _("Its guidance for visiting teams is lost. This cannot be undone."),
            "confirm_label": _("Delete"),
            "danger": True,
            "cancel_url": reverse("sites:detail", args=[site.pk]),
        },
    )
