from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from medmissions.core.errors import DomainError, NotAllowed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, get_visible_or_404
from medmissions.organizations.current import current_organization
from medmissions.organizations.models import Organization
from medmissions.partnerships import health, services
from medmissions.partnerships.choices import HealthCheckStatus, PartnershipStatus, PartyRole, Principle
from medmissions.partnerships.forms import (
    ActionItemForm,
    ActionStatusForm,
    AddPartyForm,
    CompleteCheckForm,
    PartnershipFilterForm,
    PartnershipForm,
    PartyFormSet,
    ProposalForm,
    ReasonForm,
    ScoreSheetForm,
)
from medmissions.partnerships.models import ActionItem, HealthCheck, Partnership, PartnershipParty


def _load(request: AuthenticatedHttpRequest, pk: int) -> Partnership:
    return get_visible_or_404(
        Partnership.objects.prefetch_related("parties__organization"), request.user, pk=pk
    )


def _load_as_party(request: AuthenticatedHttpRequest, pk: int) -> Partnership:
    """Pages only for the parties (MoU, health checks): others get 404 even on public partnerships."""
    partnership = _load(request, pk)
    if not _my_parties(request, partnership):
        raise Http404(_("Not found."))
    return partnership


def _my_parties(request: AuthenticatedHttpRequest, partnership: Partnership) -> list[PartnershipParty]:
    roles = access_for(request.user).roles
    return [party for party in partnership.parties.all() if party.organization_id in roles]


def _can_manage(request: AuthenticatedHttpRequest, partnership: Partnership) -> bool:
    access = access_for(request.user)
    return any(
        access.can(p.organization_id, Capability.MANAGE_PARTNERSHIPS) for p in partnership.parties.all()
    )


# Pages that ask before acting answer 403 up front to people who could not act on the answer.
def _require_manager(request: AuthenticatedHttpRequest, partnership: Partnership) -> None:
    if not _can_manage(request, partnership):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_PARTNERSHIPS])


def _require_host_admin(request: AuthenticatedHttpRequest, partnership: Partnership, message: str) -> None:
    access = access_for(request.user)
    if not any(
        p.is_host and access.can(p.organization_id, Capability.CONFIRM_AS_HOST)
        for p in partnership.parties.all()
    ):
        raise NotAllowed(message)


def _require_check_runner(request: AuthenticatedHttpRequest, partnership: Partnership) -> None:
    access = access_for(request.user)
    if not any(
        access.can(p.organization_id, Capability.RUN_HEALTH_CHECKS) for p in partnership.parties.all()
    ):
        raise NotAllowed(_("Only coordinators and admins of a party run health checks."))


@login_required
def partnership_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PartnershipFilterForm(request.GET or None)
    my_ids = access_for(request.user).organization_ids()
    partnerships = Partnership.objects.visible_to(request.user).prefetch_related("parties__organization")
    scope = request.GET.get("scope", "mine")
    if scope == "mine":
        partnerships = partnerships.filter(parties__organization_id__in=my_ids)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            partnerships = partnerships.filter(status=data["status"])
        if data["role"]:
            partnerships = partnerships.filter(
                pk__in=PartnershipParty.objects.filter(organization_id__in=my_ids, role=data["role"]).values(
                    "partnership_id"
                )
            )
        if data["q"]:
            partnerships = partnerships.filter(
                Q(title__icontains=data["q"])
                | Q(shared_goals__icontains=data["q"])
                | Q(parties__organization__name__icontains=data["q"])
            )
    page = Paginator(partnerships.distinct().order_by("-created_at"), 20).get_page(request.GET.get("page"))
    return render(request, "partnerships/list.html", {"form": form, "page_obj": page, "scope": scope})


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization, _memberships = current_organization(request)
    if organization is None:
        raise NotAllowed(_("Join or register an organisation before proposing a partnership."))
    if not access_for(request.user).can(organization, Capability.MANAGE_PARTNERSHIPS):
        raise NotAllowed(
            _("Only coordinators and admins of %(organization)s propose partnerships.")
            % {"organization": organization}
        )
    initial_parties = []
    with_slug = request.GET.get("with")
    if with_slug:
        partner = Organization.objects.filter(slug=with_slug).first()
        if partner and partner.pk != organization.pk:
            initial_parties.append({"organization": partner, "role": PartyRole.HOST})
    form = ProposalForm(request.POST or None, request.FILES or None)
    formset = PartyFormSet(request.POST or None, initial=initial_parties, prefix="party")
    for party_form in formset.forms:
        organization_field = party_form.fields["organization"]
        assert isinstance(organization_field, forms.ModelChoiceField)
        organization_field.queryset = Organization.objects.exclude(pk=organization.pk)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        parties = [(organization, form.cleaned_data["proposer_role"])]
        parties += [
            (f.cleaned_data["organization"], f.cleaned_data["role"])
            for f in formset.forms
            if f.cleaned_data.get("organization")
        ]
        try:
            partnership = services.propose_partnership(
                actor=request.user,
                proposer=organization,
                data=form.service_data(),
                parties=parties,
                focus_areas=list(form.cleaned_data["focus_areas"]),
                mou=form.cleaned_data.get("mou"),
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request, _("Partnership proposed. The host organisations have been asked to confirm it.")
            )
            return redirect(partnership.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "partnerships/propose.html",
        {"form": form, "formset": formset, "organization": organization},
        status=status,
    )


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    partnership = _load(request, pk)
    access = access_for(request.user)
    my_parties = _my_parties(request, partnership)
    is_party = bool(my_parties)
    can_confirm = partnership.status == PartnershipStatus.PROPOSED and any(
        p.is_host and p.confirmed_at is None and access.can(p.organization_id, Capability.CONFIRM_AS_HOST)
        for p in partnership.parties.all()
    )
    can_manage = _can_manage(request, partnership)
    can_run_checks = any(
        access.can(p.organization_id, Capability.RUN_HEALTH_CHECKS) for p in partnership.parties.all()
    )
    context = {
        "partnership": partnership,
        "parties": partnership.parties.all(),
        "is_party": is_party,
        "can_confirm": can_confirm,
        "can_manage": can_manage,
        "can_run_checks": can_run_checks,
        "health_checks": partnership.health_checks.all() if is_party else [],
        "open_check": partnership.health_checks.filter(status=HealthCheckStatus.OPEN).first()
        if is_party
        else None,
        "action_items": partnership.action_items.select_related("owner_organization") if is_party else [],
        "add_party_form": AddPartyForm(),
        "status_choices": PartnershipStatus,
        "missions": _missions_of(request, partnership) if is_party else [],
        "can_plan_missions": partnership.status == PartnershipStatus.ACTIVE
        and any(access.can(p.organization_id, Capability.MANAGE_MISSIONS) for p in partnership.parties.all()),
    }
    if is_party:
        rounds, rows = health.trend(partnership)
        context.update({"trend_rounds": rounds, "trend_rows": rows})
    return render(request, "partnerships/detail.html", context)


def _missions_of(request: AuthenticatedHttpRequest, partnership: Partnership) -> list:
    from medmissions.missions.models import Mission

    return list(
        Mission.objects.visible_to(request.user)
        .filter(partnership=partnership)
        .select_related("site")
        .order_by("-starts_on")[:20]
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    partnership = _load_as_party(request, pk)
    if not _can_manage(request, partnership):
        raise NotAllowed(_("Only coordinators and admins of a party edit the partnership."))
    initial = {field: getattr(partnership, field) for field in services.FIELDS}
    initial["focus_areas"] = partnership.focus_areas.all()
    form = PartnershipForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_partnership(
                partnership,
                actor=request.user,
                data=form.service_data(),
                focus_areas=list(form.cleaned_data["focus_areas"]),
                mou=form.cleaned_data.get("mou"),
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(partnership.get_absolute_url())
    return render(
        request,
        "partnerships/edit.html",
        {"form": form, "partnership": partnership},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    partnership = _load(request, pk)
    _require_host_admin(
        request, partnership, _("Only an admin of a host organisation can confirm this partnership.")
    )
    if request.method == "POST":
        try:
            partnership = services.confirm_partnership(partnership, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(partnership.get_absolute_url())
        if partnership.status == PartnershipStatus.ACTIVE:
            messages.success(
                request, _("Confirmed. Every host has now confirmed, so the partnership is active.")
            )
        else:
            messages.success(
                request, _("Confirmed for your organisation. Other hosts still have to confirm.")
            )
        return redirect(partnership.get_absolute_url())
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Confirm partnership"),
            "question": _("Confirm “%(title)s” on behalf of your organisation as host?")
            % {"title": partnership.title},
            "consequence": _(
                "Your name and the time are recorded. The partnership becomes active once every host has confirmed."
            ),
            "confirm_label": _("Confirm partnership"),
            "cancel_url": partnership.get_absolute_url(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    partnership = _load(request, pk)
    _require_host_admin(
        request, partnership, _("Only an admin of a host organisation can decline this partnership.")
    )
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decline_partnership(partnership, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request, _("You declined the partnership. The other parties have been told why.")
            )
            return redirect(partnership.get_absolute_url())
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Decline partnership"),
            "question": _("Decline “%(title)s”?") % {"title": partnership.title},
            "consequence": _("The proposal closes. Tell the other parties why."),
            "confirm_label": _("Decline"),
            "danger": True,
            "form": form,
            "cancel_url": partnership.get_absolute_url(),
        },
        status=400 if form.errors else 200,
    )


TRANSITION_TEXT = {
    "pause": (_("Pause partnership"), _("Pause “%(title)s”?"), _("Pause")),
    "resume": (_("Resume partnership"), _("Resume “%(title)s”?"), _("Resume")),
    "close": (_("Close partnership"), _("Close “%(title)s”?"), _("Close")),
}


@login_required
@require_http_methods(["GET", "POST"])
def change_status(request: AuthenticatedHttpRequest, pk: int, transition: str) -> HttpResponse:
    if transition not in TRANSITION_TEXT:
        raise Http404(_("Not found."))
    partnership = _load_as_party(request, pk)
    _require_manager(request, partnership)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_status(
                partnership, actor=request.user, transition=transition, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Status changed. The other parties have been told."))
            return redirect(partnership.get_absolute_url())
    title, question, label = TRANSITION_TEXT[transition]
    return render(
        request,
        "core/confirm.html",
        {
            "title": title,
            "question": question % {"title": partnership.title},
            "consequence": _("The parties' coordinators and admins are emailed.")
            if transition != "close"
            else _("A closed partnership cannot be reopened."),
            "confirm_label": label,
            "danger": transition == "close",
            "form": form,
            "cancel_url": partnership.get_absolute_url(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def add_party(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    partnership = _load_as_party(request, pk)
    _require_manager(request, partnership)
    form = AddPartyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an organisation and its role."))
    else:
        try:
            services.add_party(partnership, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(organization)s added.") % {"organization": form.cleaned_data["organization"]}
            )
    return redirect(partnership.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def remove_party(request: AuthenticatedHttpRequest, pk: int, party_id: int) -> HttpResponse:
    partnership = _load_as_party(request, pk)
    _require_manager(request, partnership)
    party = get_object_or_404(PartnershipParty, pk=party_id, partnership=partnership)
    if request.method == "POST":
        try:
            services.remove_party(party, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(organization)s removed.") % {"organization": party.organization})
        return redirect(partnership.get_absolute_url())
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Remove party"),
            "question": _("Remove %(organization)s from “%(title)s”?")
            % {"organization": party.organization, "title": partnership.title},
            "confirm_label": _("Remove"),
            "danger": True,
            "cancel_url": partnership.get_absolute_url(),
        },
    )


@login_required
def mou(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    partnership = _load_as_party(request, pk)
    if not partnership.mou:
        raise Http404(_("No memorandum uploaded."))
    extension = partnership.mou.name.rsplit(".", 1)[-1]
    return FileResponse(
        partnership.mou.open("rb"),
        as_attachment=True,
        filename=f"mou-partnership-{partnership.pk}.{extension}",
        content_type=partnership.mou_content_type or "application/octet-stream",
    )


@login_required
@require_POST
def open_health_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    partnership = _load_as_party(request, pk)
    _require_check_runner(request, partnership)
    try:
        check = health.open_health_check(partnership, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(partnership.get_absolute_url())
    messages.success(
        request,
        _("Health check round %(round)s is open. Each party now scores every principle.")
        % {"round": check.round_number},
    )
    return redirect(check.get_absolute_url())


def _load_check(request: AuthenticatedHttpRequest, pk: int, check_id: int) -> tuple[Partnership, HealthCheck]:
    partnership = _load_as_party(request, pk)
    check = get_visible_or_404(HealthCheck, request.user, pk=check_id, partnership=partnership)
    return partnership, check


def _check_context(
    request: AuthenticatedHttpRequest, partnership: Partnership, check: HealthCheck, sheets=None
) -> dict:
    access = access_for(request.user)
    outcome = health.results(check)
    existing: dict[int, dict] = {}
    for score in check.scores.all():
        existing.setdefault(score.organization_id, {})[score.principle] = score
    if sheets is None:
        sheets = {}
    scoring = []
    if check.status == HealthCheckStatus.OPEN:
        for party in _my_parties(request, partnership):
            if access.can(party.organization_id, Capability.CONTRIBUTE):
                form = sheets.get(party.organization_id) or ScoreSheetForm(
                    prefix=f"org{party.organization_id}", existing=existing.get(party.organization_id)
                )
                scoring.append((party.organization, form))
    can_run = any(
        access.can(p.organization_id, Capability.RUN_HEALTH_CHECKS) for p in partnership.parties.all()
    )
    return {
        "partnership": partnership,
        "check": check,
        "results": outcome,
        "scoring": scoring,
        "can_run": can_run,
        "complete_form": CompleteCheckForm(),
        "principles": Principle,
    }


@login_required
def health_check_detail(request: AuthenticatedHttpRequest, pk: int, check_id: int) -> HttpResponse:
    partnership, check = _load_check(request, pk, check_id)
    return render(request, "partnerships/health_check.html", _check_context(request, partnership, check))


@login_required
@require_POST
def score(request: AuthenticatedHttpRequest, pk: int, check_id: int, organization_slug: str) -> HttpResponse:
    partnership, check = _load_check(request, pk, check_id)
    party = next((p for p in partnership.parties.all() if p.organization.slug == organization_slug), None)
    if party is None:
        raise Http404(_("Not found."))
    if not access_for(request.user).can(party.organization_id, Capability.CONTRIBUTE):
        raise NotAllowed(
            _("Only members of %(organization)s can score for it.") % {"organization": party.organization}
        )
    existing = {s.principle: s for s in check.scores.filter(organization=party.organization)}
    form = ScoreSheetForm(request.POST, prefix=f"org{party.organization_id}", existing=existing)
    saved = 0
    if form.is_valid():
        for principle, value, evidence in form.entries():
            try:
                health.score_principle(
                    check,
                    actor=request.user,
                    organization=party.organization,
                    principle=principle,
                    score=value,
                    evidence=evidence,
                )
                saved += 1
            except DomainError as error:
                field = "evidence" if "evidence" in error.fields else "score"
                form.add_error(f"{field}_{principle}", error.fields.get(field, error.message))
    if form.errors:
        messages.error(request, _("Some scores were not saved; see the highlighted principles."))
        return render(
            request,
            "partnerships/health_check.html",
            _check_context(request, partnership, check, {party.organization_id: form}),
            status=400,
        )
    messages.success(
        request,
        ngettext(
            "%(count)d score saved for %(organization)s.",
            "%(count)d scores saved for %(organization)s.",
            saved,
        )
        % {"count": saved, "organization": party.organization},
    )
    return redirect(check.get_absolute_url())


@login_required
@require_POST
def complete_health_check(request: AuthenticatedHttpRequest, pk: int, check_id: int) -> HttpResponse:
    _partnership, check = _load_check(request, pk, check_id)
    form = CompleteCheckForm(request.POST)
    form.is_valid()
    try:
        health.complete_health_check(check, actor=request.user, summary=form.cleaned_data.get("summary", ""))
    except DomainError as error:
        if error.status == 403:
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("Health check completed. Turn the highlighted gaps into actions."))
    return redirect(check.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def create_action_item(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    partnership = _load_as_party(request, pk)
    _require_check_runner(request, partnership)
    check = None
    check_id = request.GET.get("check") or request.POST.get("check")
    if check_id:
        check = get_visible_or_404(HealthCheck, request.user, pk=check_id, partnership=partnership)
    initial = {"principle": request.GET.get("principle")}
    form = ActionItemForm(request.POST or None, partnership=partnership, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            health.create_action_item(
                partnership, actor=request.user, data=form.cleaned_data, health_check=check
            )
        except DomainError as error:
            if error.status == 403:
                raise
            apply_to_form(form, error)
        else:
            messages.success(request, _("Action added to the plan."))
            return redirect(reverse("partnerships:detail", args=[partnership.pk]) + "#action-plan")
    return render(
        request,
        "partnerships/action_item_form.html",
        {"form": form, "partnership": partnership, "check": check},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_action_item(request: AuthenticatedHttpRequest, pk: int, item_id: int) -> HttpResponse:
    partnership = _load_as_party(request, pk)
    item = get_visible_or_404(
        ActionItem.objects.select_related("owner_organization"),
        request.user,
        pk=item_id,
        partnership=partnership,
    )
    access = access_for(request.user)
    is_manager = any(
        access.can(p.organization_id, Capability.RUN_HEALTH_CHECKS) for p in partnership.parties.all()
    )
    if not (is_manager or access.can(item.owner_organization_id, Capability.CONTRIBUTE)):
        raise NotAllowed(_("Only the owner organisation or a party's coordinators can update this action."))
    form: forms.Form
    if is_manager:
        initial = {name: getattr(item, name) for name in health.ACTION_FIELDS}
        form = ActionItemForm(request.POST or None, partnership=partnership, initial=initial)
    else:
        form = ActionStatusForm(request.POST or None, initial={"status": item.status})
    if request.method == "POST" and form.is_valid():
        try:
            health.update_action_item(item, actor=request.user, data=form.cleaned_data)
        except DomainError as error:
            if error.status == 403:
                raise
            apply_to_form(form, error)
        else:
            messages.success(request, _("Action updated."))
            return redirect(reverse("partnerships:detail", args=[partnership.pk]) + "#action-plan")
    return render(
        request,
        "partnerships/action_item_form.html",
        {"form": form, "partnership": partnership, "item": item},
        status=400 if form.errors else 200,
    )
