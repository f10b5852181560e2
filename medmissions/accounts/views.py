from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from medmissions.accounts import services
from medmissions.accounts.forms import (
    ApiTokenForm,
    ProfileForm,
    ResendVerificationForm,
    SignInForm,
    SignUpForm,
)
from medmissions.accounts.models import ApiToken
from medmissions.core.errors import DomainError, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_up(**form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            return render(request, "accounts/check_email.html", {"email": user.email})
    return render(request, "accounts/signup.html", {"form": form})


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.verify_email(token)
    except DomainError as error:
        return render(request, "accounts/verify_failed.html", {"message": error.message}, status=400)
    messages.success(request, _("Your email address is confirmed. You can sign in now."))
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def resend_verification(request: HttpRequest) -> HttpResponse:
    form = ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.resend_verification(form.cleaned_data["email"])
        return render(request, "accounts/check_email.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/resend_verification.html", {"form": form})


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or "core:dashboard")
    form = SignInForm(request.POST or None)
    unverified = False
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in(request, **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
            unverified = error.code == "email_unverified"
            status = error.status
        else:
            login(request, user)
            return redirect(next_url or "core:dashboard")
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": next_url, "unverified": unverified},
        status=status,
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"full_name": user.full_name, "language": user.language, "time_zone": user.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user, actor=user, **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            response = redirect("accounts:profile")
            from django.conf import settings

            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
            return response
    tokens = user.api_tokens.all()
    return render(
        request, "accounts/profile.html", {"form": form, "tokens": tokens, "token_form": ApiTokenForm()}
    )


@login_required
@require_POST
def create_token(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, raw = services.create_api_token(
                request.user, actor=request.user, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            return render(request, "accounts/token_created.html", {"token": token, "raw_token": raw})
    tokens = request.user.api_tokens.all()
    profile_form = ProfileForm(
        initial={
            "full_name": request.user.full_name,
            "language": request.user.language,
            "time_zone": request.user.time_zone,
        }
    )
    return render(
        request,
        "accounts/profile.html",
        {"form": profile_form, "tokens": tokens, "token_form": form},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def revoke_token(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    from django.shortcuts import get_object_or_404

    # Tokens are personal: the lookup starts from the signed-in user, so others' tokens are 404.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    if request.method == "POST":
        try:
            services.revoke_api_token(token, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("accounts:profile")
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Revoke API token"),
            "question": _("Revoke the token “%(name)s”?") % {"name": token.name},
            "consequence": _("Any program using it will stop working at once. This cannot be undone."),
            "confirm_label": _("Revoke"),
            "danger": True,
            "cancel_url": reverse("accounts:profile"),
        },
    )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "email/password_reset.txt"
    subject_template_name = "email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        from django.conf import settings

        # Links in the email point at the public address, not the address the request came in on.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        from medmissions.audit.services import log_action

        response = super().form_valid(form)
        log_action("accounts.user.password_reset", actor=form.user, obj=form.user)
        services.clear_login_failures(form.user.email)
        return response
