"""Pages of the volunteer profile: my profile, the profile wizard, readiness, and the people of an
organisation (list, detail, registration, editing unclaimed profiles)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from medmissions.core.errors import DomainError, NotAllowed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions.discovery import set_value_tags
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, get_visible_or_404
from medmissions.organizations.current import current_organization
from medmissions.organizations.models import Organization
from medmissions.volunteers import access, services
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.forms.profile import (
    AffiliationForm,
    AvailabilityForm,
    BasicsForm,
    EmployerForm,
    LanguageFormSet,
    PeopleFilterForm,
    ProfessionForm,
    ReadinessForm,
    RegisterPersonForm,
    SpecialtyFormSet,
    ValueTagsForm,
    VisibilityForm,
)
from medmissions.volunteers.models import Affiliation, AvailabilityWindow, Credential, Person
from medmissions.volunteers.readiness import readiness
from medmissions.volunteers.status import credential_status

PAGE_SIZE = 25


@dataclass(frozen=True)
class Step:
    slug: str
    title: str | Promise
    owner_only: bool = False


STEPS = [
    Step("basics", gettext_lazy("Basics")),
    Step("specialties", gettext_lazy("Profession and specialties")),
    Step("languages", gettext_lazy("Languages")),
    Step("availability", gettext_lazy("Availability")),
    Step("employer", gettext_lazy("Employer and emergency contact")),
    # Sharing a profile and naming home organisations are the person's own decisions.
    Step("visibility", gettext_lazy("Visibility and organisations"), owner_only=True),
]

STATUS_BADGES = {
    "valid": "ok",
    "renewal_due": "warn",
    "grace": "warn",
    "unverified": "warn",
    "expired": "bad",
    "rejected": "bad",
}


def _url_or_none(name: str, *args: Any) -> str | None:
    """The URL if that name exists (other areas of the volunteers app add theirs over time)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _profile_queryset():
    return Person.objects.select_related("profession").prefetch_related(
        "specialties__specialty",
        "languages__language",
        "availability",
        "affiliations__organization",
        "value_tags",
    )


def _closed(person: Person) -> bool:
    return person.erased_at is not None or person.merged_into_id is not None


# Shared pieces of the profile pages --------------------------------------------------------------


def _paths() -> dict[int, str]:
    return {node.specialty.pk: node.path for node in services.specialty_tree()}


def _credentials(person: Person, *, organization_id: int | None, documents: bool) -> list[dict[str, Any]]:
    """The person's credentials with their status today (for ``organization_id`` when given)."""
    today = timezone.localdate()
    rows = []
    for credential in (
        Credential.objects.filter(person=person)
        .select_related("credential_type")
        .prefetch_related("verifications")
    ):
        result = credential_status(credential, on=today, organization_id=organization_id)
        rows.append(
            {
                "credential": credential,
                "status": result.status,
                "status_label": result.status.label,
                "badge": STATUS_BADGES.get(result.status, "warn"),
                "counts_until": result.counts_until,
                "document_url": (
                    _url_or_none("volunteers:credential_document", credential.pk)
                    if documents and credential.document
                    else None
                ),
            }
        )
    return rows


def _readiness(request: AuthenticatedHttpRequest, person: Person, organizations, default_org=None):
    """The readiness form (from the query string) and, when it is filled in, the results."""
    if "country" not in request.GET:
        initial = {"organization": default_org.slug} if default_org is not None else {}
        return ReadinessForm(initial=initial, organizations=organizations), None
    form = ReadinessForm(request.GET, organizations=organizations)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    organization = data.get("organization")
    result = readiness(
        person,
        data["country"],
        data["start"],
        data["end"],
        organization_id=organization.pk if organization is not None else None,
    )
    return form, result


def _sections(person: Person, *, personal: bool, own: bool = False) -> dict[str, Any]:
    paths = _paths()
    return {
        "person": person,
        "personal": personal,
        # Values can reveal beliefs ("faith-based"): only the person sees their own.
        "show_values": own,
        "value_tags": list(person.value_tags.all()) if own else [],
        "specialties": [
            {"path": paths.get(row.specialty_id, str(row.specialty)), "row": row}
            for row in person.specialties.all()
        ],
        "languages": list(person.languages.all()),
        "windows": list(person.availability.all()),
    }


# My profile --------------------------------------------------------------------------------------


@login_required
def my_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    own = services.get_or_create_own_person(request.user)
    person = _profile_queryset().get(pk=own.pk)
    affiliations = list(person.affiliations.all())
    organizations = Organization.objects.filter(pk__in=[a.organization_id for a in affiliations]).order_by(
        "name"
    )
    form, result = _readiness(request, person, organizations)
    checklist = services.completion_checklist(person)
    context = {
        **_sections(person, personal=True, own=True),
        "affiliations": affiliations,
        "closed": _closed(person),
        "checklist": checklist,
        "missing": [item for item in checklist if not item.done],
        "credentials": _credentials(person, organization_id=None, documents=False),
        "credentials_url": _url_or_none("volunteers:credentials"),
        "readiness_form": form,
        "readiness": result,
        "first_step": STEPS[0].slug,
    }
    return render(request, "volunteers/profile/my_profile.html", context, status=400 if form.errors else 200)


# The wizard --------------------------------------------------------------------------------------


class _Wizard:
    """One step of the profile wizard, for one's own profile or an unclaimed one."""

    def __init__(self, request: AuthenticatedHttpRequest, person: Person, slug: str, *, own: bool):
        self.request = request
        self.person = person
        self.own = own
        self.steps = [step for step in STEPS if own or not step.owner_only]
        index = next((i for i, step in enumerate(self.steps) if step.slug == slug), None)
        if index is None:
            raise Http404(_("Not found."))
        self.index = index
        self.step = self.steps[index]
        self.failed = False

    def url(self, slug: str) -> str:
        if self.own:
            return reverse("volunteers:wizard", args=[slug])
        return reverse("volunteers:person_wizard", args=[self.person.pk, slug])

    @property
    def done_url(self) -> str:
        return reverse("volunteers:my_profile") if self.own else self.person.get_absolute_url()

    @property
    def next_url(self) -> str:
        if self.index + 1 < len(self.steps):
            return self.url(self.steps[self.index + 1].slug)
        return self.done_url

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "person": self.person,
            "own": self.own,
            "step": self.step,
            "steps": [{"step": step, "url": self.url(step.slug)} for step in self.steps],
            "number": self.index + 1,
            "total": len(self.steps),
            "back_url": self.url(self.steps[self.index - 1].slug) if self.index else None,
            "next_url": self.next_url,
            "is_last": self.index + 1 == len(self.steps),
            "done_url": self.done_url,
            **extra,
        }

    def render(self, **extra: Any) -> HttpResponse:
        return render(
            self.request,
            f"volunteers/profile/wizard_{self.step.slug}.html",
            self.context(**extra),
            status=400 if self.failed else 200,
        )

    def saved(self) -> HttpResponse:
        messages.success(self.request, _("Saved."))
        return redirect(self.next_url)

    # Steps ---------------------------------------------------------------------------------------

    def run(self) -> HttpResponse:
        return getattr(self, f"step_{self.step.slug}")()

    def _profile_form(self, form: forms.Form, extra: Any = dict) -> HttpResponse:
        """Save a form of profile fields; ``extra()`` adds to the page when it is shown."""
        if self.request.method == "POST":
            if form.is_valid():
                try:
                    services.update_profile(self.person, actor=self.request.user, data=form.cleaned_data)
                except DomainError as error:
                    apply_to_form(form, error)
                else:
                    return self.saved()
            self.failed = True
        return self.render(form=form, **extra())

    def step_basics(self) -> HttpResponse:
        person = self.person
        initial = {
            "full_name": person.full_name,
            "email": person.email,
            "phone": person.phone,
            "date_of_birth": person.date_of_birth,
            "nationality": person.nationality.code or "",
        }
        form = BasicsForm(self.request.POST or None, initial=initial, email_editable=person.user_id is None)
        return self._profile_form(form)

    def step_specialties(self) -> HttpResponse:
        person = self.person
        tree = services.specialty_tree()
        form = ProfessionForm(
            self.request.POST or None,
            prefix="profession",
            initial={
                "profession": person.profession_id,
                "years_of_experience": person.years_of_experience,
                "is_trainee": person.is_trainee,
            },
        )
        formset = SpecialtyFormSet(
            self.request.POST or None,
            prefix="specialty",
            initial=[
                {"specialty": str(row.specialty_id), "proficiency": row.proficiency}
                for row in person.specialties.all()
            ],
            form_kwargs={"tree": tree},
        )
        if self.request.method == "POST":
            if form.is_valid() and formset.is_valid():
                try:
                    with transaction.atomic():
                        services.update_profile(person, actor=self.request.user, data=form.cleaned_data)
                        services.set_specialties(
                            person,
                            actor=self.request.user,
                            entries=[(row["specialty"], row["proficiency"]) for row in formset.entries()],
                        )
                except DomainError as error:
                    _show_on_formset(form, formset, error)
                else:
                    return self.saved()
            self.failed = True
        return self.render(form=form, formset=formset)

    def step_languages(self) -> HttpResponse:
        person = self.person
        formset = LanguageFormSet(
            self.request.POST or None,
            prefix="language",
            initial=[
                {
                    "language": row.language_id,
                    "speaking": row.speaking,
                    "reading": row.reading,
                    "writing": row.writing,
                }
                for row in person.languages.all()
            ],
        )
        if self.request.method == "POST":
            if formset.is_valid():
                entries = [
                    (row["language"], row["speaking"], row["reading"], row["writing"])
                    for row in formset.entries()
                ]
                try:
                    services.set_languages(person, actor=self.request.user, entries=entries)
                except DomainError as error:
                    _show_on_formset(None, formset, error)
                else:
                    return self.saved()
            self.failed = True
        return self.render(formset=formset)

    def step_availability(self) -> HttpResponse:
        person = self.person
        form = AvailabilityForm(self.request.POST or None)
        if self.request.method == "POST":
            if form.is_valid():
                try:
                    services.add_availability(person, actor=self.request.user, **form.cleaned_data)
                except DomainError as error:
                    apply_to_form(form, error)
                else:
                    messages.success(self.request, _("Dates added."))
                    return redirect(self.url(self.step.slug))
            self.failed = True
        return self.render(form=form, windows=list(person.availability.all()))

    def step_employer(self) -> HttpResponse:
        person = self.person
        form = EmployerForm(
            self.request.POST or None,
            initial={name: getattr(person, name) for name in EmployerForm.base_fields},
        )
        return self._profile_form(form)

    def step_visibility(self) -> HttpResponse:
        person = self.person
        form = VisibilityForm(self.request.POST or None, initial={"visibility": person.visibility})
        values_form = ValueTagsForm(
            self.request.POST or None, prefix="values", initial={"value_tags": list(person.value_tags.all())}
        )
        if self.request.method == "POST":
            if form.is_valid() and values_form.is_valid():
                try:
                    with transaction.atomic():
                        services.update_profile(person, actor=self.request.user, data=form.cleaned_data)
                        if values_form.cleaned_data["shown"]:
                            set_value_tags(
                                person, actor=self.request.user, tags=values_form.cleaned_data["value_tags"]
                            )
                except DomainError as error:
                    apply_to_form(form, error)
                else:
                    return self.saved()
            self.failed = True
        return self.render(
            form=form,
            values_form=values_form,
            affiliations=list(
                person.affiliations.select_related("organization").order_by("organization__name")
            ),
            affiliation_form=AffiliationForm(),
        )


def _show_on_formset(form: forms.Form | None, formset: forms.BaseFormSet, error: DomainError) -> None:
    """A service's refusal: field messages on the form, the rest above the rows."""
    if form is not None and any(name in form.fields for name in error.fields):
        apply_to_form(form, error)
    else:
        formset.non_form_errors().append(error.message)


def _start(request: AuthenticatedHttpRequest, person: Person, step: str, *, own: bool) -> HttpResponse:
    wizard = _Wizard(request, person, step, own=own)
    # The same refusal the services would give, before showing a form that could not be saved.
    access.require_edit(request.user, person)
    return wizard.run()


@login_required
@require_http_methods(["GET", "POST"])
def wizard(request: AuthenticatedHttpRequest, step: str) -> HttpResponse:
    person = services.get_or_create_own_person(request.user)
    return _start(request, person, step, own=True)


@login_required
@require_http_methods(["GET", "POST"])
def person_wizard(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """Vetting admins of a home organisation complete the profile of someone without an account."""
    person = get_visible_or_404(Person, request.user, pk=pk)
    if access.is_owner(request.user, person):
        return redirect("volunteers:wizard", step)
    return _start(request, person, step, own=False)


@login_required
@require_http_methods(["GET", "POST"])
def remove_availability(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    window = get_object_or_404(
        AvailabilityWindow.objects.select_related("person").filter(
            person__in=Person.objects.visible_to(request.user).values("pk")
        ),
        pk=pk,
    )
    person = window.person
    access.require_edit(request.user, person)
    own = access.is_owner(request.user, person)
    back = (
        reverse("volunteers:wizard", args=["availability"])
        if own
        else reverse("volunteers:person_wizard", args=[person.pk, "availability"])
    )
    if request.method == "POST":
        services.remove_availability(window, actor=request.user)
        messages.success(request, _("Dates removed."))
        return redirect(back)
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Remove dates"),
            "question": _("Remove “%(window)s” from the profile?") % {"window": window},
            "consequence": _("Missions no longer see these dates."),
            "confirm_label": _("Remove"),
            "danger": True,
            "cancel_url": back,
        },
    )


# Organisations of my profile ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def add_affiliation(request: AuthenticatedHttpRequest) -> HttpResponse:
    person = services.get_or_create_own_person(request.user)
    form = AffiliationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = form.cleaned_data["organization"]
        try:
            if form.cleaned_data["kind"] == AffiliationKind.HOME:
                services.add_home_organization(person, actor=request.user, organization=organization)
                messages.success(
                    request,
                    _("%(organization)s is now one of your home organisations.")
                    % {"organization": organization},
                )
            else:
                services.share_with_organization(person, actor=request.user, organization=organization)
                messages.success(
                    request,
                    _("Your profile is shared with %(organization)s.") % {"organization": organization},
                )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            return redirect("volunteers:wizard", "visibility")
    return render(
        request,
        "volunteers/profile/affiliation_form.html",
        {"form": form, "person": person},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw_affiliation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    affiliation = get_object_or_404(
        Affiliation.objects.select_related("organization", "person"), pk=pk, person__user=request.user
    )
    back = reverse("volunteers:wizard", args=["visibility"])
    if request.method == "POST":
        services.remove_affiliation(affiliation, actor=request.user)
        messages.success(
            request,
            _("%(organization)s no longer sees your profile through this link.")
            % {"organization": affiliation.organization},
        )
        return redirect(back)
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Withdraw access"),
            "question": _("Remove %(organization)s (%(kind)s) from your profile?")
            % {"organization": affiliation.organization, "kind": affiliation.get_kind_display()},
            "consequence": _(
                "Its coordinators and admins no longer see your profile or your documents through it; "
                "verifications it already made stay on record."
            ),
            "confirm_label": _("Withdraw"),
            "danger": True,
            "cancel_url": back,
        },
    )


# The people of an organisation -------------------------------------------------------------------


def _acting_organization(request: AuthenticatedHttpRequest, capability: Capability) -> Organization:
    organization, _memberships = current_organization(request)
    if organization is None:
        raise NotAllowed(_("Join or register an organisation to see its people."))
    if not access_for(request.user).can(organization, capability):
        raise NotAllowed(CAPABILITY_MESSAGES[capability])
    return organization


@login_required
def people(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = _acting_organization(request, Capability.VIEW)
    tree = services.specialty_tree()
    form = PeopleFilterForm(request.GET or None, tree=tree)
    found: QuerySet[Person] = Person.objects.active().filter(
        pk__in=Affiliation.objects.filter(organization=organization).values("person_id")
    )
    if form.is_valid():
        data = form.cleaned_data
        found = services.filter_people(
            found,
            q=data["q"],
            specialty=data["specialty"],
            language=data["language"],
            trainee=data["trainee"],
            organization=organization,
            kind=data["kind"],
        )
    found = found.select_related("profession").prefetch_related("specialties__specialty", "affiliations")
    page = Paginator(found.order_by("full_name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    paths = {node.specialty.pk: node.path for node in tree}
    rows = [
        {
            "person": person,
            "specialties": [
                paths.get(row.specialty_id, str(row.specialty)) for row in person.specialties.all()
            ],
            "kinds": sorted(
                {
                    a.get_kind_display()
                    for a in person.affiliations.all()
                    if a.organization_id == organization.pk
                }
            ),
        }
        for person in page.object_list
    ]
    return render(
        request,
        "volunteers/profile/people.html",
        {
            "form": form,
            "page_obj": page,
            "rows": rows,
            "organization": organization,
            "can_register": access_for(request.user).can(organization, Capability.VET_VOLUNTEERS),
        },
        status=400 if form.errors else 200,
    )


@login_required
def person_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(_profile_queryset(), request.user, pk=pk)
    organization, _memberships = current_organization(request)
    personal = services.sees_personal_details(request.user, person)
    affiliations = services.affiliations_seen_by(request.user, person)
    organizations = Organization.objects.filter(
        pk__in=[a.organization_id for a in person.affiliations.all()]
    ).order_by("name")
    default_org = organization if organization is not None and organization in organizations else None
    form, result = _readiness(request, person, organizations, default_org)
    can_edit = not _closed(person) and access.can_edit_profile(request.user, person)
    context = {
        **_sections(person, personal=personal, own=access.is_owner(request.user, person)),
        "affiliations": affiliations,
        "organization": organization,
        "is_owner": access.is_owner(request.user, person),
        "closed": _closed(person),
        "can_edit": can_edit,
        "checklist": services.completion_checklist(person) if can_edit else [],
        "credentials": _credentials(
            person,
            organization_id=organization.pk if organization is not None else None,
            documents=access.can_read_documents(request.user, person),
        ),
        # The credentials area's page for this person (verification happens there).
        "credentials_url": _url_or_none("volunteers:person_credentials", person.pk),
        "readiness_form": form,
        "readiness": result,
    }
    return render(request, "volunteers/profile/person.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def register_person(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = _acting_organization(request, Capability.VET_VOLUNTEERS)
    form = RegisterPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.register_person(organization, actor=request.user, data=form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is registered with %(organization)s.")
                % {"name": person.full_name, "organization": organization},
            )
            return redirect(person.get_absolute_url())
    return render(
        request,
        "volunteers/profile/register.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )
