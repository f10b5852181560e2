"""Pages: partner recommendations for a host's need, and the open needs an organisation could
answer. Pure reads through matching/recommendations.py; objects are loaded through the access
helpers (the need as its own page loads it, the organisation for its members only)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.matching import recommendations
from medmissions.matching.access import get_member_organization_or_404
from medmissions.missions.access import get_need_or_404
from medmissions.missions.choices import NeedStatus

NEEDS_PER_PAGE = 20
# The partner page shows the best organisations; the API offers up to recommendations.MAX_LIMIT.
PARTNERS_SHOWN = 30

NEED_BADGES = {
    NeedStatus.AWAITING_HOST: "warn",
    NeedStatus.OPEN: "open",
    NeedStatus.PARTLY_MET: "warn",
    NeedStatus.MET: "ok",
    NeedStatus.WITHDRAWN: "closed",
}


class PartnerFilterForm(forms.Form):
    new_partners_only = forms.BooleanField(
        label=_("Only organisations we do not work with yet"),
        required=False,
        help_text=_("Hides organisations already in a partnership with the host or answering this need."),
    )


@login_required
@require_GET
def need_partners(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Sending organisations ranked for a need: for whoever may open the need's page."""
    need = get_need_or_404(request.user, pk)
    form = PartnerFilterForm(request.GET or None)
    new_only = bool(form.is_valid() and form.cleaned_data["new_partners_only"])
    result = recommendations.recommend_partners(need, limit=PARTNERS_SHOWN, new_partners_only=new_only)
    return render(
        request,
        "matching/recommendations/need_partners.html",
        {
            "need": need,
            "form": form,
            "result": result,
            "badge": NEED_BADGES[result.status],
            "new_only": new_only,
            "weights": recommendations.RECOMMENDATION_WEIGHTS,
        },
    )


@login_required
@require_GET
def organization_needs(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Open needs an organisation could answer: for its members (any role)."""
    organization = get_member_organization_or_404(request.user, slug)
    result = recommendations.recommend_needs(
        organization, viewer=request.user, limit=recommendations.MAX_LIMIT
    )
    page = Paginator(result.ranked, NEEDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/recommendations/organization_needs.html",
        {
            "organization": organization,
            "result": result,
            "page_obj": page,
            "badges": NEED_BADGES,
        },
    )
