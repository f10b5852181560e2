"""Pages: my credentials and a person's, add/edit/delete, the document, the verification queue and
country requirements. Every change goes through volunteers.credentials / volunteers.requirements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from medmissions.core.errors import Conflict, DomainError, NotAllowed, ValidationFailed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, get_visible_or_404
from medmissions.organizations.current import current_organization
from medmissions.organizations.models import Organization
from medmissions.volunteers import credentials as credential_services
from medmissions.volunteers import requirements as requirement_services
from medmissions.volunteers.access import (
    can_edit_profile,
    can_read_documents,
    is_owner,
    vetting_organization_ids,
)
from medmissions.volunteers.choices import CredentialStatus, VerificationOutcome
from medmissions.volunteers.forms.credentials import (
    CredentialForm,
    RequirementFilterForm,
    RequirementForm,
    VerificationForm,
)
from medmissions.volunteers.models import CountryRequirement, Credential, CredentialVerification, Person
from medmissions.volunteers.services import get_or_create_own_person
from medmissions.volunteers.status import StatusResult, credential_status

# Badge classes of core/static/core/app.css for each status.
STATUS_BADGES = {
    CredentialStatus.VALID: "ok",
    CredentialStatus.RENEWAL_DUE: "warn",
    CredentialStatus.GRACE: "warn",
    CredentialStatus.EXPIRED: "bad",
    CredentialStatus.UNVERIFIED: "open",
    CredentialStatus.REJECTED: "bad",
}
# Inline display is safe only for what the browser shows itself; anything else downloads.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/webp"}


@dataclass
class VerificationLine:
    verification: CredentialVerification
    show_notes: bool

    @property
    def verified(self) -> bool:
        return self.verification.outcome == VerificationOutcome.VERIFIED


@dataclass
class CredentialRow:
    """A credential with what the page shows about it: its status today and the checks made."""

    credential: Credential
    status: StatusResult
    verifications: list[VerificationLine]
    can_edit: bool
    can_read_document: bool
    can_verify: bool = False

    @property
    def badge(self) -> str:
        return STATUS_BADGES[self.status.status]

    @property
    def status_label(self) -> str:
        return str(self.status.status.label)


def _with_checks(queryset: QuerySet[Credential]) -> QuerySet[Credential]:
    return queryset.select_related("credential_type", "person").prefetch_related(
        "verifications__organization"
    )


def _rows(
    credentials: Iterable[Credential],
    request: AuthenticatedHttpRequest,
    *,
    organization_id: int | None = None,
) -> list[CredentialRow]:
    """Status for ``organization_id`` when given (the queue), else across organisations (a person's
    list, where each organisation's check is listed separately)."""
    today = timezone.localdate()
    access = access_for(request.user)
    rows: list[CredentialRow] = []
    editable: dict[int, bool] = {}
    readable: dict[int, bool] = {}
    vetting: dict[int, bool] = {}
    for credential in credentials:
        person = credential.person
        owner = is_owner(request.user, person)
        if person.pk not in editable:
            editable[person.pk] = can_edit_profile(request.user, person)
            readable[person.pk] = can_read_documents(request.user, person)
            vetting[person.pk] = not owner and bool(vetting_organization_ids(request.user, person))
        checks = list(credential.verifications.all())
        rows.append(
            CredentialRow(
                credential=credential,
                status=credential_status(
                    credential, on=today, verifications=checks, organization_id=organization_id
                ),
                verifications=[
                    # A rejection's reason is for the person and the organisation that wrote it.
                    VerificationLine(check, owner or access.role_in(check.organization_id) is not None)
                    for check in sorted(checks, key=lambda item: item.verified_at)
                ],
                can_edit=editable[person.pk],
                can_read_document=readable[person.pk] and bool(credential.document),
                can_verify=vetting[person.pk],
            )
        )
    return rows


def _credentials_page(request: AuthenticatedHttpRequest, person: Person | None, *, own: bool) -> HttpResponse:
    credentials = _with_checks(person.credentials.all()) if person is not None else Credential.objects.none()
    rows = _rows(credentials, request)
    return render(
        request,
        "volunteers/credentials/list.html",
        {
            "person": person,
            "own": own,
            "rows": rows,
            "can_add": own or (person is not None and can_edit_profile(request.user, person)),
            "can_act": any(row.can_edit or row.can_verify for row in rows),
            "add_url": (
                reverse("volunteers:credential_add")
                if own or person is None
                else reverse("volunteers:person_credential_add", args=[person.pk])
            ),
        },
    )


@login_required
def my_credentials(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The profile is created when the first credential is added, not by looking at an empty list.
    person = Person.objects.filter(user=request.user).first()
    return _credentials_page(request, person, own=True)


@login_required
def person_credentials(request: AuthenticatedHttpRequest, person_pk: int) -> HttpResponse:
    person = get_visible_or_404(Person, request.user, pk=person_pk)
    return _credentials_page(request, person, own=is_owner(request.user, person))


def _list_url(request: AuthenticatedHttpRequest, person: Person) -> str:
    if is_owner(request.user, person):
        return reverse("volunteers:credentials")
    return reverse("volunteers:person_credentials", args=[person.pk])


def _editable_person(request: AuthenticatedHttpRequest, person: Person) -> Person:
    if not can_edit_profile(request.user, person):
        raise NotAllowed(
            _(
                "Only the person themself, or a vetting admin of their home organisation for a profile nobody has claimed, adds and changes credentials."
            )
        )
    return person


def _add(request: AuthenticatedHttpRequest, person: Person | None) -> HttpResponse:
    form = CredentialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            target = person if person is not None else get_or_create_own_person(request.user)
            credential_services.add_credential(
                target,
                actor=request.user,
                data=form.service_data(),
                document=form.cleaned_data["document"],
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Credential added."))
            return redirect(_list_url(request, target))
    cancel_url = reverse("volunteers:credentials") if person is None else _list_url(request, person)
    return render(
        request,
        "volunteers/credentials/form.html",
        {"form": form, "person": person, "cancel_url": cancel_url},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def add(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _add(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def add_for_person(request: AuthenticatedHttpRequest, person_pk: int) -> HttpResponse:
    person = _editable_person(request, get_visible_or_404(Person, request.user, pk=person_pk))
    return _add(request, person)


def _load(request: AuthenticatedHttpRequest, pk: int) -> Credential:
    return get_visible_or_404(_with_checks(Credential.objects.all()), request.user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    credential = _load(request, pk)
    _editable_person(request, credential.person)
    initial = {name: getattr(credential, name) for name in credential_services.FIELDS}
    initial["country"] = credential.country.code
    form = CredentialForm(request.POST or None, request.FILES or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            credential_services.update_credential(
                credential,
                actor=request.user,
                data=form.service_data(),
                document=form.cleaned_data["document"],
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_list_url(request, credential.person))
    return render(
        request,
        "volunteers/credentials/form.html",
        {
            "form": form,
            "person": credential.person,
            "credential": credential,
            "withdrawn": [check.organization.name for check in credential.verifications.all()],
            "cancel_url": _list_url(request, credential.person),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    credential = _load(request, pk)
    person = _editable_person(request, credential.person)
    if request.method == "POST":
        try:
            credential_services.delete_credential(credential, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Credential deleted."))
        return redirect(_list_url(request, person))
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Delete credential"),
            "question": _("Delete the credential “%(name)s” issued by %(issuer)s?")
            % {"name": credential, "issuer": credential.issuing_body},
            "consequence": _(
                "Its document and every organisation's verification are deleted. This cannot be undone."
            ),
            "confirm_label": _("Delete"),
            "danger": True,
            "cancel_url": _list_url(request, person),
        },
    )


@login_required
@require_http_methods(["GET"])
def document(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    credential = _load(request, pk)
    if not credential.document:
        raise Http404(_("No document was uploaded."))
    organization, _memberships = current_organization(request)
    handle = credential_services.open_document(credential, actor=request.user, organization=organization)
    return document_response(credential, handle)


def document_response(credential: Credential, handle) -> FileResponse:
    """Stream a credential document: inline for PDFs and pictures, never sniffed, never cached."""
    content_type = credential.document_content_type or "application/octet-stream"
    extension = credential.document.name.rsplit(".", 1)[-1] if "." in credential.document.name else "bin"
    response = FileResponse(
        handle,
        as_attachment=content_type not in INLINE_TYPES,
        filename=f"credential-{credential.pk}.{extension}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# Verification -----------------------------------------------------------------------------------


def _vetting_organization(request: AuthenticatedHttpRequest) -> Organization:
    organization, _memberships = current_organization(request)
    if organization is None:
        raise NotAllowed(_("Join an organisation to vet volunteers."))
    if not access_for(request.user).can(organization, Capability.VET_VOLUNTEERS):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.VET_VOLUNTEERS])
    return organization


@login_required
def verification_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = _vetting_organization(request)
    page = Paginator(
        credential_services.awaiting_verification(organization).prefetch_related("verifications"), 25
    ).get_page(request.GET.get("page"))
    rows = _rows(page.object_list, request, organization_id=organization.pk)
    return render(
        request,
        "volunteers/credentials/queue.html",
        {
            "organization": organization,
            "page_obj": page,
            "rows": rows,
            "queue_url": request.get_full_path(),
        },
    )


def _safe_next(request: AuthenticatedHttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Review one credential and verify or reject it for one of the checker's organisations."""
    credential = _load(request, pk)
    person = credential.person
    organization_ids = vetting_organization_ids(request.user, person)
    if not organization_ids:
        raise NotAllowed(
            _(
                "Only coordinators and admins of an organisation the person is affiliated with verify their credentials."
            )
        )
    if is_owner(request.user, person):
        raise NotAllowed(_("You cannot verify your own credentials."))
    organizations = Organization.objects.filter(pk__in=organization_ids).order_by("name")
    current, _memberships = current_organization(request)
    chosen = current if current is not None and current.pk in organization_ids else organizations.first()
    form = VerificationForm(
        request.POST or None,
        organizations=organizations,
        initial={
            "organization": chosen.slug if chosen is not None else None,
            "seen": VerificationForm.seen_value(credential.updated_at),
        },
    )
    next_url = _safe_next(request, reverse("volunteers:verification_queue"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            credential_services.verify_credential(
                credential,
                actor=request.user,
                organization=data["organization"],
                outcome=data["outcome"],
                notes=data["notes"],
                seen_updated_at=data["seen"],
            )
        except (ValidationFailed, Conflict) as error:
            apply_to_form(form, error)
        else:
            if data["outcome"] == VerificationOutcome.VERIFIED:
                messages.success(
                    request, _("Credential verified. %(name)s is told by email.") % {"name": person}
                )
            else:
                messages.success(
                    request, _("Credential rejected. %(name)s is told why by email.") % {"name": person}
                )
            return redirect(next_url)
    [row] = _rows([credential], request)
    return render(
        request,
        "volunteers/credentials/verify.html",
        {"row": row, "person": person, "form": form, "next_url": next_url},
        status=400 if form.errors else 200,
    )


# Country requirements -----------------------------------------------------------------------------


@login_required
def requirements(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RequirementFilterForm(request.GET or None)
    rules: QuerySet[CountryRequirement] = CountryRequirement.objects.select_related(
        "specialty", "credential_type"
    )
    if form.is_valid():
        rules = requirement_services.filter_requirements(
            rules, country=form.cleaned_data["country"], specialty=form.cleaned_data["specialty"]
        )
    page = Paginator(
        rules.order_by("country", "specialty__name", "credential_type__name", "pk"), 50
    ).get_page(request.GET.get("page"))
    editable = requirement_services.editable_countries(request.user)
    for rule in page.object_list:
        rule.can_edit = "*" in editable or rule.country.code in editable
    return render(
        request,
        "volunteers/credentials/requirements.html",
        {"form": form, "page_obj": page, "can_add": bool(editable)},
    )


def _editable_requirement(request: AuthenticatedHttpRequest, pk: int) -> CountryRequirement:
    requirement = get_object_or_404(
        CountryRequirement.objects.select_related("specialty", "credential_type"), pk=pk
    )
    if not requirement_services.can_edit_country(request.user, requirement.country.code):
        raise NotAllowed(
            _(
                "Only platform staff and coordinators of a ministry of health or district health office in that country edit its requirements."
            )
        )
    return requirement


def _requirements_url(country: str) -> str:
    return f"{reverse('volunteers:requirements')}?country={country}"


@login_required
@require_http_methods(["GET", "POST"])
def requirement_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    requirement_services.require_editor(request.user)
    editable = requirement_services.editable_countries(request.user)
    initial = {"country": next(iter(editable))} if len(editable) == 1 and "*" not in editable else {}
    form = RequirementForm(request.POST or None, initial=initial, editable_countries=editable)
    if request.method == "POST" and form.is_valid():
        try:
            requirement = requirement_services.create_requirement(actor=request.user, data=form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Requirement added."))
            return redirect(_requirements_url(requirement.country.code))
    return render(
        request,
        "volunteers/credentials/requirement_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def requirement_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    requirement = _editable_requirement(request, pk)
    initial = {
        "country": requirement.country.code,
        "specialty": requirement.specialty.slug if requirement.specialty else "",
        "credential_type": requirement.credential_type,
        "lead_time_days": requirement.lead_time_days,
        "notes": requirement.notes,
    }
    form = RequirementForm(
        request.POST or None,
        initial=initial,
        editable_countries=requirement_services.editable_countries(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            requirement_services.update_requirement(requirement, actor=request.user, data=form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_requirements_url(requirement.country.code))
    return render(
        request,
        "volunteers/credentials/requirement_form.html",
        {"form": form, "requirement": requirement},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def requirement_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    requirement = _editable_requirement(request, pk)
    country = requirement.country.code
    if request.method == "POST":
        try:
            requirement_services.delete_requirement(requirement, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Requirement deleted."))
        return redirect(_requirements_url(country))
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Delete requirement"),
            "question": _("Delete the rule “%(rule)s”?") % {"rule": requirement},
            "consequence": _(
                "Readiness checks for %(country)s stop asking for this credential. This cannot be undone."
            )
            % {"country": requirement.country.name},
            "confirm_label": _("Delete"),
            "danger": True,
            "cancel_url": _requirements_url(country),
        },
    )
