"""Pages and downloads of the interop area: a response's DHIS2 codes (the mapping page), the DHIS2
data value sets of one daily report and of a response over a period, and the FHIR bundle of a
referral.

Objects load through clinics/access.py, so what one may not see answers 404. The mapping page is
for coordinators and admins of the coordinating organisation (its other members get 403); the
response export for every member of the coordinating organisation; a report's export for whoever
sees the report; a referral's bundle for whoever sees the referral, with restricted items only
for those clinics/fhir.py lets see them. The downloads are JSON files, and so are their errors
(``{"error": {"code", "message", "fields"}}``, with the status of the error), since whoever asked
for them is usually a script.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from medmissions.clinics import dhis2, fhir
from medmissions.clinics.access import (
    get_coordinated_response_or_404,
    get_referral_or_404,
    get_report_or_404,
)
from medmissions.clinics.forms.interop import PREFIXES, Dhis2MappingForm, ExportPeriodForm
from medmissions.core.errors import DomainError, ValidationFailed, refuse_if_not_allowed
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.organizations.access import Capability, require

SECTION_TITLES = {
    "data_elements": gettext_lazy("Data elements"),
    "category_option_combos": gettext_lazy("Category option combos"),
    "org_units": gettext_lazy("Org units (sites)"),
    "attribute_option_combos": gettext_lazy("Attribute option combos (teams)"),
}


def _json_file(
    payload: dict[str, Any], file_name: str, content_type: str = "application/json"
) -> HttpResponse:
    response = JsonResponse(
        payload,
        content_type=f"{content_type}; charset=utf-8",
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def _json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A download answers its domain errors as JSON, with their status."""

    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return JsonResponse(error.as_dict(), status=error.status)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _version(request: AuthenticatedHttpRequest) -> int | None:
    raw = request.GET.get("version", "")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        message = _("The version is a number, 1 or more.")
        raise ValidationFailed(message, code="invalid_version", fields={"version": message})
    return int(raw)


@login_required
@require_GET
@_json_errors
def report_dhis2(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The official version of a submitted daily report (or ``?version=n``) as a DHIS2 data value set."""
    report = get_report_or_404(request.user, pk)
    payload = dhis2.report_data_value_set(report, version=_version(request))
    name = slugify(f"{report.team.name} {report.site.name}") or "report"
    return _json_file(payload, f"mds-{name}-{report.date.isoformat()}.dhis2.json")


@login_required
@require_GET
@_json_errors
def response_dhis2_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The response's submitted daily reports from ``?start=`` to ``?end=`` in DHIS2's bulk shape
    (this month to date when they are left out)."""
    response = get_coordinated_response_or_404(request.user, pk)
    start, end = dhis2.clean_range(response, request.GET.get("start"), request.GET.get("end"))
    payload = dhis2.response_data_value_set(response, start, end)
    name = slugify(response.name) or "response"
    return _json_file(payload, f"mds-{name}-{start.isoformat()}-{end.isoformat()}.dhis2.json")


@login_required
@require_GET
@_json_errors
def referral_fhir(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The referral as a FHIR R4 bundle (collection) for the receiving facility's system."""
    referral = get_referral_or_404(request.user, pk)
    bundle = fhir.referral_bundle(referral, request.user)
    return _json_file(bundle, f"referral-{referral.pk}.fhir.json", "application/fhir+json")


@login_required
@require_http_methods(["GET", "POST"])
def response_dhis2(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The response's DHIS2 codes: every item, cell, site and team with its code, the sites still
    to map, the export and how to push it."""
    response = get_coordinated_response_or_404(request.user, pk)
    require(request.user, response.coordinating_organization_id, Capability.COORDINATE_RESPONSES)
    layout = dhis2.layout(response)
    form = Dhis2MappingForm(request.POST if request.method == "POST" else None, layout=layout)
    if request.method == "POST" and form.is_valid():
        try:
            dhis2.save_dhis2_mapping(response, request.user, form.service_data())
        except DomainError as error:
            refuse_if_not_allowed(error)
            form.apply_error(error)
        else:
            messages.success(request, _("DHIS2 codes saved."))
            return redirect(reverse("clinics:response_dhis2", args=[response.pk]))
    start, end = dhis2.default_period(response)
    export_form = ExportPeriodForm(start=start, end=end)
    return render(
        request,
        "clinics/interop/dhis2_mapping.html",
        {
            "response": response,
            "form": form,
            "layout": layout,
            "sections": [(section, SECTION_TITLES[section], form.rows(section)) for section in PREFIXES],
            "unmapped_sites": layout.unmapped_sites,
            "export_form": export_form,
            "push_command": dhis2.push_command(),
        },
        status=400 if form.errors else 200,
    )
