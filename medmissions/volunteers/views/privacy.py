"""Views: privacy. Download all my data; erase my account."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from medmissions.core.errors import DomainError, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.volunteers import privacy
from medmissions.volunteers.forms.privacy import EraseAccountForm


@login_required
@require_GET
def my_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everything about the signed-in person as a JSON file; ``?documents=1`` embeds the documents."""
    include_documents = request.GET.get("documents") == "1"
    data = privacy.export_personal_data(request.user, actor=request.user, include_documents=include_documents)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{privacy.export_file_name()}"'
    # Personal data: no shared or browser cache may keep a copy.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def erase_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = EraseAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.erase_account(user, actor=user, confirm_email=form.cleaned_data["confirm_email"])
        except DomainError as error:
            apply_to_form(form, error)
        else:
            logout(request)
            messages.success(
                request, _("Your account is erased. Thank you for the care you gave through medmissions.")
            )
            return redirect("core:home")
    elif request.method == "GET":
        blocking = privacy.organizations_blocking_erasure(user)
        if blocking:
            # Say so before the person types anything: the service would refuse anyway.
            messages.warning(request, privacy.last_admin_message(blocking))
    return render(
        request,
        "volunteers/privacy/erase_account.html",
        {
            "form": form,
            "title": _("Erase your account"),
            "question": _("Erase your account and your volunteer profile for good?"),
            "consequence": _(
                "Your profile, credentials and their documents are deleted and you are signed out and removed from your organisations. This cannot be undone."
            ),
            "confirm_label": _("Erase my account"),
            "danger": True,
            "cancel_url": reverse("accounts:profile"),
        },
        status=400 if form.errors and request.method == "POST" else 200,
    )
