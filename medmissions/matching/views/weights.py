"""Pages: an organisation's matching weights (how much each soft preference counts)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from medmissions.core.errors import DomainError, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.matching import services
from medmissions.matching.access import get_member_organization_or_404
from medmissions.matching.candidates import COMPONENT_LABELS
from medmissions.matching.forms import WeightsForm
from medmissions.matching.models import DEFAULT_WEIGHTS, MatchingWeights
from medmissions.organizations.access import Capability, can


@login_required
@require_http_methods(["GET", "POST"])
def weights(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Members read the weights; admins change them."""
    organization = get_member_organization_or_404(request.user, slug)
    may_edit = can(request.user, organization, Capability.MANAGE_ORGANIZATION)
    if request.method == "POST":
        services.require_weights_editor(organization, request.user)
    current, tuned = services.weights_of(organization)
    instance = MatchingWeights(organization=organization, **current)
    form = WeightsForm(request.POST if request.method == "POST" else None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_weights(
                organization,
                actor=request.user,
                values={name: form.cleaned_data[name] for name in DEFAULT_WEIGHTS},
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request, _("The weights were saved; they apply to the next suggestions and runs.")
            )
            return redirect("matching:weights", organization.slug)
    rows = [(str(COMPONENT_LABELS[name]), current[name], DEFAULT_WEIGHTS[name]) for name in DEFAULT_WEIGHTS]
    return render(
        request,
        "matching/weights.html",
        {
            "organization": organization,
            "form": form if may_edit else None,
            "rows": rows,
            "tuned": tuned,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def weights_reset(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = get_member_organization_or_404(request.user, slug)
    services.reset_weights(organization, actor=request.user)
    messages.success(request, _("The weights are back to the defaults."))
    return redirect("matching:weights", organization.slug)
