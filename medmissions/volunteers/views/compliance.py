"""Views: the compliance report of the organisation the person acts for, and its CSV downloads."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from medmissions.core.errors import DomainError, NotAllowed, ValidationFailed, apply_to_form
from medmissions.lib.csv import csv_response
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.organizations.current import current_organization
from medmissions.organizations.models import Organization
from medmissions.volunteers import compliance
from medmissions.volunteers.choices import CredentialStatus
from medmissions.volunteers.compliance import ComplianceFilters, MissingCredential
from medmissions.volunteers.forms.compliance import FILTER_FIELDS, ComplianceFilterForm
from medmissions.volunteers.models import Credential
from medmissions.volunteers.reminders import absolute_url

PAGE_SIZE = 25
# Badge classes of core/static/core/app.css for each credential status.
STATUS_BADGES = {
    CredentialStatus.VALID: "ok",
    CredentialStatus.RENEWAL_DUE: "warn",
    CredentialStatus.GRACE: "warn",
    CredentialStatus.EXPIRED: "bad",
    CredentialStatus.UNVERIFIED: "open",
    CredentialStatus.REJECTED: "bad",
}


def _organization(request: AuthenticatedHttpRequest) -> Organization:
    organization, _memberships = current_organization(request)
    if organization is None:
        raise NotAllowed(_("Join or register an organisation to see its compliance report."))
    compliance.require_access(request.user, organization)
    return organization


def _filters(
    request: AuthenticatedHttpRequest, organization: Organization
) -> tuple[ComplianceFilterForm, ComplianceFilters | None]:
    """The filter form and, when it is valid, the filters (defaults when none were given)."""
    if not _filters_given(request):
        defaults = compliance.clean_filters(organization)
        form = ComplianceFilterForm(
            initial={
                "days": defaults.days,
                "country": defaults.country,
                "start": defaults.start,
                "end": defaults.end,
            }
        )
        return form, defaults
    form = ComplianceFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    try:
        filters = compliance.clean_filters(organization, **form.cleaned_data)
    except DomainError as error:
        apply_to_form(form, error)
        return form, None
    return form, filters


def _filters_given(request: AuthenticatedHttpRequest) -> bool:
    return any(name in request.GET for name in FILTER_FIELDS)


def _filter_query(request: AuthenticatedHttpRequest) -> str:
    """The filters of the current request as a query string (for the CSV links)."""
    query = request.GET.copy()
    for name in list(query):
        if name not in FILTER_FIELDS:
            del query[name]
    return query.urlencode()


def _expiring_row(credential: Credential, organization: Organization, today: datetime.date) -> dict[str, Any]:
    assert credential.expires_on is not None  # the section only holds credentials that expire
    status = compliance.organization_status(credential, organization.pk, today)
    return {
        "person": credential.person,
        "credential": credential,
        "days_left": (credential.expires_on - today).days,
        "status": status.status,
        "status_label": status.status.label,
        "status_badge": STATUS_BADGES.get(status.status, ""),
    }


@login_required
@require_GET
def compliance_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = _organization(request)
    form, filters = _filters(request, organization)
    section = request.GET.get("section", "")
    if section not in compliance.SECTIONS:
        section = compliance.SECTIONS[0]
    context: dict[str, Any] = {
        "organization": organization,
        "form": form,
        "filters": filters,
        "section": section,
        "filter_query": _filter_query(request),
    }
    if filters is not None:
        report = compliance.compliance_report(organization, actor=request.user, filters=filters)
        rows: Any = {
            "expiring": report.expiring,
            "awaiting-verification": report.awaiting,
            "missing": report.missing,
        }[section]
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        if section == "expiring":
            shown: list[Any] = [_expiring_row(credential, organization, filters.today) for credential in page]
        else:
            shown = list(page)
        context.update({"report": report, "counts": report.counts, "page_obj": page, "rows": shown})
    return render(
        request, "volunteers/compliance/report.html", context, status=400 if filters is None else 200
    )


# CSV ----------------------------------------------------------------------------------------------


def _person_cells(person: Any) -> list[Any]:
    return [person.full_name, person.email]


def _expiring_csv(report: compliance.ComplianceReport) -> tuple[list[str], Any]:
    header = [
        _("Person"),
        _("Email"),
        _("Credential"),
        _("Country"),
        _("Number"),
        _("Issuing body"),
        _("Expires on"),
        _("Days left"),
        _("Status"),
        _("Profile"),
    ]
    today = report.filters.today

    def rows():
        for credential in report.expiring.iterator(chunk_size=1000):
            row = _expiring_row(credential, report.organization, today)
            yield [
                *_person_cells(credential.person),
                str(credential.credential_type),
                credential.country.code,
                credential.number,
                credential.issuing_body,
                credential.expires_on,
                row["days_left"],
                row["status_label"],
                absolute_url(credential.person.get_absolute_url()),
            ]

    return header, rows()


def _awaiting_csv(report: compliance.ComplianceReport) -> tuple[list[str], Any]:
    header = [
        _("Person"),
        _("Email"),
        _("Credential"),
        _("Country"),
        _("Number"),
        _("Expires on"),
        _("Waiting since"),
        _("Profile"),
    ]

    def rows():
        for credential in report.awaiting.iterator(chunk_size=1000):
            yield [
                *_person_cells(credential.person),
                str(credential.credential_type),
                credential.country.code,
                credential.number,
                credential.expires_on,
                credential.updated_at.date(),
                absolute_url(credential.person.get_absolute_url()),
            ]

    return header, rows()


def _missing_csv(report: compliance.ComplianceReport) -> tuple[list[str], Any]:
    header = [_("Person"), _("Email"), _("Requirement"), _("Reason"), _("Needed by"), _("Profile")]

    def row(item: MissingCredential) -> list[Any]:
        return [
            *_person_cells(item.person),
            item.label,
            item.reason,
            item.due_by,
            absolute_url(item.person.get_absolute_url()),
        ]

    return header, (row(item) for item in report.missing)


CSV_BUILDERS = {
    "expiring": _expiring_csv,
    "awaiting-verification": _awaiting_csv,
    "missing": _missing_csv,
}


@login_required
@require_GET
def compliance_csv(request: AuthenticatedHttpRequest, section: str) -> HttpResponse:
    builder = CSV_BUILDERS.get(section)
    if builder is None:
        raise Http404(_("Not found."))
    organization = _organization(request)
    _form, filters = _filters(request, organization)
    if filters is None:
        raise ValidationFailed(_("The filters are not valid; correct them on the compliance page."))
    report = compliance.compliance_report(organization, actor=request.user, filters=filters)
    header, rows = builder(report)
    filename = f"compliance-{organization.slug}-{section}-{filters.today.isoformat()}.csv"
    return csv_response(filename, header, rows)
