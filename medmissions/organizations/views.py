from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import DomainError, NotAllowed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.organizations import services
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, get_visible_or_404
from medmissions.organizations.choices import ROLE_DESCRIPTIONS, Role
from medmissions.organizations.current import current_organization, switch_organization
from medmissions.organizations.forms import DirectorySearchForm, InvitationForm, OrganizationForm, RoleForm
from medmissions.organizations.models import Invitation, Membership, Organization
from medmissions.partnerships.models import Partnership

PAGE_SIZE = 20


def load_organization(
    request: AuthenticatedHttpRequest, slug: str, capability: Capability | None = None
) -> Organization:
    """The organisation at ``slug`` if the user may see it (and holds ``capability`` in it).

    Non-members asking for a members-only page get 404, as if the page did not exist; members
    whose role is too low get 403 with the reason.
    """
    organization = get_visible_or_404(Organization, request.user, slug=slug)
    if capability is not None:
        access = access_for(request.user)
        if access.role_in(organization) is None:
            raise Http404(_("Not found."))
        if not access.can(organization, capability):
            raise NotAllowed(CAPABILITY_MESSAGES[capability])
    return organization


@login_required
def directory(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    mine, _memberships = current_organization(request)
    results: QuerySet[Organization] = Organization.objects.none()
    if form.is_valid() or not request.GET:
        filters = form.cleaned_data if form.is_bound else {}
        results = services.search_directory(
            Organization.objects.visible_to(request.user),
            kind=filters.get("kind"),
            country=filters.get("country"),
            capabilities=list(filters.get("capabilities") or []),
            value_tags=list(filters.get("value_tags") or []),
            languages=list(filters.get("languages") or []),
            text=filters.get("q"),
            verified_only=bool(filters.get("verified")),
            for_organization=mine,
        ).prefetch_related("value_tags", "capabilities__parent", "languages")
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    my_tags = set(mine.value_tags.values_list("pk", flat=True)) if mine else set()
    can_propose = mine is not None and access_for(request.user).can(mine, Capability.MANAGE_PARTNERSHIPS)
    context = {"form": form, "page_obj": page, "my_tags": my_tags, "mine": mine, "can_propose": can_propose}
    template = (
        "organizations/includes/directory_results.html"
        if request.headers.get("HX-Request")
        else "organizations/directory.html"
    )
    response = render(request, template, context)
    # The partial and the full page share a URL (hx-push-url); caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None, request.FILES or None)
    del form.fields["clear_logo"]
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.create_organization(actor=request.user, data=form.service_data())
        except DomainError as error:
            apply_to_form(form, error)
        else:
            switch_organization(request, organization)
            messages.success(
                request, _("%(name)s is registered and you are its admin.") % {"name": organization.name}
            )
            return redirect(organization.get_absolute_url())
    return render(
        request,
        "organizations/form.html",
        {"form": form, "creating": True},
        status=400 if form.errors else 200,
    )


@login_required
def detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = load_organization(request, slug)
    access = access_for(request.user)
    role = access.role_in(organization)
    partnerships = (
        Partnership.objects.visible_to(request.user).filter(parties__organization=organization).distinct()
    )
    context = {
        "organization": organization,
        "role": role,
        "can_manage": access.can(organization, Capability.MANAGE_ORGANIZATION),
        "can_manage_members": access.can(organization, Capability.MANAGE_MEMBERS),
        "can_view_audit": access.can(organization, Capability.VIEW_AUDIT),
        "partnerships": partnerships.prefetch_related("parties__organization")[:20],
        "sites": organization.sites.visible_to(request.user)[:20],
        "mine": current_organization(request)[0],
        "can_propose": any(access.can(org_id, Capability.MANAGE_PARTNERSHIPS) for org_id in access.roles),
    }
    return render(request, "organizations/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = load_organization(request, slug, Capability.MANAGE_ORGANIZATION)
    initial = {
        "name": organization.name,
        "kind": organization.kind,
        "country": organization.country.code,
        "area": organization.area,
        "website": organization.website,
        "contact_email": organization.contact_email,
        "description": organization.description,
        "values_statement": organization.values_statement,
        "value_tags": organization.value_tags.all(),
        "capabilities": organization.capabilities.all(),
        "languages": organization.languages.all(),
    }
    form = OrganizationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(organization, actor=request.user, data=form.service_data())
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(organization.get_absolute_url())
    return render(
        request,
        "organizations/form.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )


@login_required
def logo(request: AuthenticatedHttpRequest, slug: str) -> FileResponse:
    organization = load_organization(request, slug)
    if not organization.logo:
        raise Http404(_("No logo."))
    return FileResponse(organization.logo.open("rb"))


@login_required
@require_POST
def switch(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = get_object_or_404(
        Membership, user=request.user, organization__slug=request.POST.get("organization", "")
    )
    switch_organization(request, membership.organization)
    next_url = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    return redirect(next_url or "core:dashboard")


@login_required
@require_POST
def set_verified(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = load_organization(request, slug)
    try:
        services.set_verified(organization, actor=request.user, verified=request.POST.get("verified") == "1")
    except DomainError as error:
        raise NotAllowed(error.message) from error
    messages.success(request, _("Verification updated."))
    return redirect(organization.get_absolute_url())


@login_required
def members(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = load_organization(request, slug, Capability.VIEW)
    can_manage = access_for(request.user).can(organization, Capability.MANAGE_MEMBERS)
    context = {
        "organization": organization,
        "memberships": organization.memberships.select_related("user").order_by("user__full_name"),
        "invitations": organization.invitations.pending().select_related("invited_by") if can_manage else [],
        "can_manage": can_manage,
        "invite_form": InvitationForm(),
        "roles": Role.choices,
        "role_descriptions": [(Role(value).label, ROLE_DESCRIPTIONS[Role(value)]) for value in Role.values],
    }
    return render(request, "organizations/members.html", context)


@login_required
@require_POST
def invite(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = load_organization(request, slug, Capability.MANAGE_MEMBERS)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invite_member(organization, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("organizations:members", slug=organization.slug)
    context = {
        "organization": organization,
        "memberships": organization.memberships.select_related("user"),
        "invitations": organization.invitations.pending(),
        "can_manage": True,
        "invite_form": form,
        "roles": Role.choices,
        "role_descriptions": [(Role(value).label, ROLE_DESCRIPTIONS[Role(value)]) for value in Role.values],
    }
    return render(request, "organizations/members.html", context, status=400)


def _membership(
    request: AuthenticatedHttpRequest, organization: Organization, membership_id: int
) -> Membership:
    return get_object_or_404(Membership, pk=membership_id, organization=organization)


@login_required
@require_POST
def change_role(request: AuthenticatedHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    organization = load_organization(request, slug, Capability.MANAGE_MEMBERS)
    membership = _membership(request, organization, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
    else:
        try:
            membership = services.change_role(membership, actor=request.user, role=form.cleaned_data["role"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s.")
                % {"person": membership.user, "role": membership.get_role_display()},
            )
    return redirect("organizations:members", slug=organization.slug)


@login_required
@require_http_methods(["GET", "POST"])
def remove_member(request: AuthenticatedHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    organization = load_organization(request, slug, Capability.VIEW)
    membership = _membership(request, organization, membership_id)
    leaving = membership.user_id == request.user.pk
    if not leaving and not access_for(request.user).can(organization, Capability.MANAGE_MEMBERS):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MEMBERS])
    if request.method == "POST":
        try:
            services.remove_member(membership, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("organizations:members", slug=organization.slug)
        if leaving:
            messages.success(request, _("You left %(organization)s.") % {"organization": organization})
            return redirect("core:dashboard")
        messages.success(request, _("%(person)s was removed.") % {"person": membership.user})
        return redirect("organizations:members", slug=organization.slug)
    question = (
        _("Leave %(organization)s?") % {"organization": organization}
        if leaving
        else _("Remove %(person)s from %(organization)s?")
        % {"person": membership.user, "organization": organization}
    )
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Leave organisation") if leaving else _("Remove member"),
            "question": question,
            "consequence": (
                _("You lose access to the organisation's private records straight away.")
                if leaving
                else _("They lose access to the organisation's private records straight away.")
            ),
            "confirm_label": _("Leave") if leaving else _("Remove"),
            "danger": True,
            "cancel_url": reverse("organizations:members", args=[organization.slug]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def revoke_invitation(request: AuthenticatedHttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    organization = load_organization(request, slug, Capability.MANAGE_MEMBERS)
    invitation = get_object_or_404(Invitation, pk=invitation_id, organization=organization)
    if request.method == "POST":
        try:
            services.revoke_invitation(invitation, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
            )
        return redirect("organizations:members", slug=organization.slug)
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Withdraw invitation"),
            "question": _("Withdraw the invitation to %(email)s?") % {"email": invitation.email},
            "consequence": _("The link in their email will stop working."),
            "confirm_label": _("Withdraw"),
            "danger": True,
            "cancel_url": reverse("organizations:members", args=[organization.slug]),
        },
    )


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.pending_invitation(token)
    except DomainError as error:
        return render(request, "organizations/invitation.html", {"error": error.message}, status=error.status)
    if not request.user.is_authenticated:
        return render(
            request, "organizations/invitation.html", {"invitation": invitation, "needs_login": True}
        )
    if request.method == "POST":
        try:
            membership = services.accept_invitation(token, actor=request.user)
        except DomainError as error:
            return render(
                request,
                "organizations/invitation.html",
                {"invitation": invitation, "error": error.message},
                status=error.status,
            )
        switch_organization(request, membership.organization)
        messages.success(
            request, _("Welcome to %(organization)s.") % {"organization": membership.organization}
        )
        return redirect(membership.organization.get_absolute_url())
    return render(request, "organizations/invitation.html", {"invitation": invitation})


@login_required
def audit_trail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = load_organization(request, slug, Capability.VIEW_AUDIT)
    entries = AuditEntry.objects.for_organization(organization.pk)
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    actions = sorted(
        set(AuditEntry.objects.for_organization(organization.pk).values_list("action", flat=True))
    )
    return render(
        request,
        "organizations/audit.html",
        {"organization": organization, "page_obj": page, "actions": actions, "action": action},
    )
