"""Pages: bulk import of people (dry run, then commit), the import templates, and the merge screen."""

from __future__ import annotations

import csv
import io
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medmissions.core.errors import DomainError, NotAllowed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, get_visible_or_404
from medmissions.organizations.current import current_organization
from medmissions.organizations.models import Organization
from medmissions.volunteers import imports, merge
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.forms.imports import (
    KEEP,
    TAKE,
    ImportCommitForm,
    ImportUploadForm,
    MergeChooserForm,
    MergeForm,
    merge_field_name,
)
from medmissions.volunteers.models import Affiliation, CredentialType, Person, Specialty

RESULT_SESSION_KEY = "volunteers_last_import"
CHOOSER_LIMIT = 50


def _vetting_organization(request: AuthenticatedHttpRequest) -> Organization:
    """The organisation the person acts for, provided they vet volunteers there (else 403)."""
    organization, _memberships = current_organization(request)
    if organization is None:
        raise NotAllowed(_("Join or register an organisation before importing or merging people."))
    if not access_for(request.user).can(organization, Capability.VET_VOLUNTEERS):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.VET_VOLUNTEERS])
    return organization


def _member_organization(request: AuthenticatedHttpRequest, pk: int) -> Organization:
    """An organisation named by a token: 404 to non-members, 403 to members who do not vet."""
    access = access_for(request.user)
    if access.role_in(pk) is None:
        raise Http404(_("Not found."))
    if not access.can(pk, Capability.VET_VOLUNTEERS):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.VET_VOLUNTEERS])
    return Organization.objects.get(pk=pk)


def _merge_url(keep: Person | int, merged: Person | int) -> str:
    keep_id = keep if isinstance(keep, int) else keep.pk
    merge_id = merged if isinstance(merged, int) else merged.pk
    return reverse("volunteers:merge") + "?" + urlencode({"keep": keep_id, "merge": merge_id})


# --------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------


def _reference_lists() -> dict[str, Any]:
    return {
        "columns": imports.COLUMNS,
        "credential_types": CredentialType.objects.order_by("slug"),
        "professions": Specialty.objects.filter(parent__isnull=True).order_by("slug"),
        "specialties": Specialty.objects.filter(parent__isnull=False).order_by("slug"),
        "max_rows": imports.MAX_IMPORT_ROWS,
        "max_megabytes": imports.MAX_IMPORT_BYTES // 1_048_576,
    }


def _last_result(request: AuthenticatedHttpRequest, organization: Organization) -> dict[str, Any] | None:
    stored = request.session.pop(RESULT_SESSION_KEY, None)
    if not stored or stored.get("organization") != organization.pk:
        return None
    ids = {pk for pair in stored["pairs"] for pk in pair}
    people = {person.pk: person for person in Person.objects.visible_to(request.user).filter(pk__in=ids)}
    stored["pairs"] = [
        {"imported": people[new], "existing": people[existing], "merge_url": _merge_url(existing, new)}
        for new, existing in stored["pairs"]
        if new in people and existing in people
    ]
    return stored


def _render_analysis(
    request: AuthenticatedHttpRequest,
    organization: Organization,
    analysis: imports.Analysis,
    *,
    status: int = 200,
    chosen: list[int] | None = None,
) -> HttpResponse:
    return render(
        request,
        "volunteers/imports/dry_run.html",
        {
            "organization": organization,
            "analysis": analysis,
            "chosen": chosen or [],
            "commit_form": ImportCommitForm(initial={"token": analysis.token}) if analysis.token else None,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_people(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = _vetting_organization(request)
    # Bound on every POST: a submission without a file must say so, not show an empty form.
    form = ImportUploadForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    if request.method == "POST" and form.is_valid():
        try:
            analysis = imports.dry_run(organization, actor=request.user, upload=form.cleaned_data["file"])
        except DomainError as error:
            apply_to_form(form, error)
        else:
            return _render_analysis(request, organization, analysis)
    context = {
        "form": form,
        "organization": organization,
        "last_result": _last_result(request, organization) if request.method == "GET" else None,
        **_reference_lists(),
    }
    return render(request, "volunteers/imports/upload.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def import_commit(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportCommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This import has expired or its link is damaged. Upload the file again."))
        return redirect("volunteers:import")
    try:
        pending = imports.read_token(form.cleaned_data["token"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("volunteers:import")
    organization = _member_organization(request, pending.organization_id)
    chosen = form.cleaned_data["import_duplicates"]
    try:
        result = imports.commit_import(
            organization, actor=request.user, token=form.cleaned_data["token"], import_duplicates=chosen
        )
    except imports.ImportRejected as error:
        messages.error(request, error.message)
        return _render_analysis(request, organization, error.analysis, status=400)
    except imports.ImportChanged as error:
        messages.warning(request, error.message)
        return _render_analysis(request, organization, error.analysis, status=409, chosen=chosen)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("volunteers:import")
    request.session[RESULT_SESSION_KEY] = {
        "organization": organization.pk,
        "people_created": result.people_created,
        "credentials_created": result.credentials_created,
        "duplicates_skipped": result.duplicates_skipped,
        "pairs": [[new.pk, existing.pk] for new, existing in result.merge_pairs],
    }
    messages.success(
        request,
        ngettext(
            "Imported %(people)d person with %(credentials)d credentials.",
            "Imported %(people)d people with %(credentials)d credentials.",
            result.people_created,
        )
        % {"people": result.people_created, "credentials": result.credentials_created},
    )
    return redirect("volunteers:import")


@login_required
@require_GET
def import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    _vetting_organization(request)
    header = imports.COLUMN_NAMES
    # A second credential of the same person: same email, person columns left empty.
    second_credential = {
        "full_name": "Amina Nakato",
        "email": "amina.nakato@example.org",
        "credential_type": "bls",
        "issuing_body": "Resuscitation Council (UK)",
        "credential_country": "GB",
        "issued_on": "2025-02-10",
        "expires_on": "2027-02-10",
    }
    rows = [
        [column.example for column in imports.COLUMNS],
        [second_credential.get(name, "") for name in header],
    ]
    if request.GET.get("format") == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.worksheets[0]
        sheet.title = "people"
        for values in [header, *rows]:
            sheet.append(values)
        # Text cells, so that spreadsheets keep leading zeros and do not turn codes into dates.
        for row in sheet.iter_rows():
            for cell in row:
                cell.number_format = "@"
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = "people-import-template.xlsx"
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(
            ("\ufeff" + text.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
        filename = "people-import-template.csv"
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    )
    return response


# --------------------------------------------------------------------------------------------
# Merge
# --------------------------------------------------------------------------------------------


def _organization_people(organization: Organization):
    # A subquery rather than a join, so that grouping below sees each person once.
    return Person.objects.active().filter(
        pk__in=Affiliation.objects.filter(organization=organization).values("person_id")
    )


def _possible_duplicates(organization: Organization) -> list[tuple[Person, Person]]:
    """Pairs of the organisation's people with the same email, or the same name and date of birth."""
    people = _organization_people(organization)
    emails = (
        people.exclude(email="")
        .annotate(email_key=Lower("email"))
        .order_by()
        .values("email_key")
        .annotate(total=Count("pk"))
        .filter(total__gt=1)
        .values_list("email_key", flat=True)[:20]
    )
    pairs: list[tuple[Person, Person]] = []
    for email in emails:
        found = list(people.annotate(email_key=Lower("email")).filter(email_key=email).order_by("pk")[:2])
        if len(found) == 2:
            pairs.append((found[0], found[1]))
    identities = (
        people.filter(date_of_birth__isnull=False)
        .annotate(name_key=Lower("full_name"))
        .order_by()
        .values("name_key", "date_of_birth")
        .annotate(total=Count("pk"))
        .filter(total__gt=1)[:20]
    )
    for identity in identities:
        found = list(
            people.annotate(name_key=Lower("full_name"))
            .filter(name_key=identity["name_key"], date_of_birth=identity["date_of_birth"])
            .order_by("pk")[:2]
        )
        if len(found) == 2 and (found[0], found[1]) not in pairs:
            pairs.append((found[0], found[1]))
    return pairs


def _display(person: Person, name: str) -> str:
    value = getattr(person, name)
    if name == "nationality":
        return str(value.name) if value else ""
    if name == "visibility":
        return str(person.get_visibility_display())
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return date_format(value)
    return str(value)


def _summary(person: Person) -> dict[str, Any]:
    return {
        "person": person,
        "credentials": list(
            person.credentials.select_related("credential_type").prefetch_related("verifications")
        ),
        "specialties": list(person.specialties.select_related("specialty")),
        "languages": list(person.languages.select_related("language")),
        "availability": list(person.availability.all()),
        "affiliations": list(person.affiliations.select_related("organization")),
    }


def _choose(request: AuthenticatedHttpRequest, *, error: str = "") -> HttpResponse:
    organization = _vetting_organization(request)
    form = MergeChooserForm(request.GET or None)
    people = _organization_people(organization)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if query:
        people = people.filter(Q(full_name__icontains=query) | Q(email__icontains=query))
    return render(
        request,
        "volunteers/imports/merge_choose.html",
        {
            "organization": organization,
            "form": form,
            "query": query,
            "people": people.order_by("full_name", "pk")[:CHOOSER_LIMIT],
            "limit": CHOOSER_LIMIT,
            "pairs": [
                {"first": first, "second": second, "merge_url": _merge_url(first, second)}
                for first, second in _possible_duplicates(organization)
            ],
            "error": error,
        },
        status=400 if error else 200,
    )


def _merge_organization(request: AuthenticatedHttpRequest, merged: Person) -> Organization:
    """The organisation to merge in: the current one where it registered the merged-away record,
    else another one of the actor's (where they vet) that did."""
    current, _memberships = current_organization(request)
    vetting = access_for(request.user).organization_ids(Capability.VET_VOLUNTEERS)
    if not vetting:
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.VET_VOLUNTEERS])
    homes = set(
        merged.affiliations.filter(kind=AffiliationKind.HOME, organization_id__in=vetting).values_list(
            "organization_id", flat=True
        )
    )
    if current is not None and (current.pk in homes or not homes) and current.pk in vetting:
        return current
    return Organization.objects.get(pk=min(homes or vetting))


def _to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def merge_people(request: AuthenticatedHttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    keep_id, merge_id = _to_int(source.get("keep")), _to_int(source.get("merge"))
    if keep_id is None and merge_id is None and request.method == "GET":
        return _choose(request)
    if keep_id is None or merge_id is None:
        return _choose(request, error=_("Choose one record to keep and one to merge into it."))
    keep = get_visible_or_404(Person, request.user, pk=keep_id)
    merged = get_visible_or_404(Person, request.user, pk=merge_id)
    organization = _merge_organization(request, merged)
    form = MergeForm(request.POST or None, initial={"keep": keep.pk, "merge": merged.pk})
    if request.method == "POST" and form.is_valid():
        try:
            merge.merge_people(
                actor=request.user,
                organization=organization,
                keep=keep,
                merge=merged,
                take=form.taken_fields(),
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("%(merged)s was merged into %(kept)s.")
                % {"merged": merged.full_name, "kept": keep.full_name},
            )
            return redirect(keep.get_absolute_url())
    problem = ""
    try:
        merge.check_mergeable(actor=request.user, organization=organization, keep=keep, merge=merged)
    except DomainError as error:
        problem = error.message
    rows = []
    for name in merge.MERGE_FIELDS:
        kept_value, other_value = _display(keep, name), _display(merged, name)
        submitted = form[merge_field_name(name)].value() if form.is_bound else None
        default = TAKE if (not kept_value and other_value and keep.user_id is None) else KEEP
        rows.append(
            {
                "name": merge_field_name(name),
                "label": cast(models.Field, Person._meta.get_field(name)).verbose_name,
                "kept": kept_value,
                "other": other_value,
                "differs": kept_value != other_value,
                "choice": submitted if submitted in (KEEP, TAKE) else default,
            }
        )
    return render(
        request,
        "volunteers/imports/merge.html",
        {
            "organization": organization,
            "form": form,
            "keep": _summary(keep),
            "other": _summary(merged),
            "rows": rows,
            "problem": problem,
            "locked_fields": keep.user_id is not None,
            "swap_url": _merge_url(merged, keep),
        },
        status=400 if form.errors else 200,
    )
