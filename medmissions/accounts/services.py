"""Account operations: sign-up, email verification, throttled sign-in, profile and API tokens."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.accounts.models import ApiToken, LoginFailure, User, hash_token, new_raw_token
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, Throttled, ValidationFailed
from medmissions.core.mail import send_on_commit

VERIFY_SALT = "medmissions.accounts.verify-email"
PROFILE_FIELDS = ["full_name", "language", "time_zone"]


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_email(email: str) -> str:
    email = normalise_email(email)
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationFailed(
            _("Enter a valid email address."), fields={"email": _("Enter a valid email address.")}
        ) from error
    return email


def verification_link(user: User) -> str:
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=VERIFY_SALT)
    return settings.SITE_URL + reverse("accounts:verify_email", args=[token])


def _send_verification(user: User) -> None:
    send_on_commit(
        "verify_email",
        {"user": user, "link": verification_link(user)},
        [(user.email, user.language)],
    )


@transaction.atomic
def sign_up(*, email: str, full_name: str, password: str, language: str = settings.LANGUAGE_CODE) -> User:
    """Create an account that must verify its email before signing in."""
    email = _check_email(email)
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationFailed(_("Enter your full name."), fields={"full_name": _("Enter your full name.")})
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            _("An account with this email address already exists. Sign in or reset your password."),
            code="email_taken",
            fields={"email": _("An account with this email address already exists.")},
        )
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    candidate = User(email=email, full_name=full_name)
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        message = " ".join(error.messages)
        raise ValidationFailed(message, fields={"password": message}) from error
    user = User.objects.create_user(email=email, password=password, full_name=full_name, language=language)
    log_action(
        "accounts.user.signed_up", actor=user, obj=user, after=snapshot(user, ["email", *PROFILE_FIELDS])
    )
    _send_verification(user)
    return user


@transaction.atomic
def verify_email(token: str) -> User:
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE_SECONDS)
    except signing.SignatureExpired as error:
        raise ValidationFailed(
            _("This verification link has expired. Ask for a new one."), code="link_expired"
        ) from error
    except signing.BadSignature as error:
        raise ValidationFailed(_("This verification link is not valid."), code="link_invalid") from error
    user = (
        User.objects.select_for_update()
        .filter(pk=payload.get("user"), email__iexact=payload.get("email", ""))
        .first()
    )
    if user is None:
        raise ValidationFailed(_("This verification link is not valid."), code="link_invalid")
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        log_action("accounts.user.email_verified", actor=user, obj=user)
    return user


def resend_verification(email: str) -> None:
    """Send a new link if an unverified account exists; say nothing either way (no account probing)."""
    user = User.objects.filter(email__iexact=normalise_email(email), email_verified_at__isnull=True).first()
    if user is not None:
        with transaction.atomic():
            _send_verification(user)


def _recent_failures(email: str) -> int:
    since = timezone.now() - datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    return LoginFailure.objects.filter(email=email, created_at__gte=since).count()


def sign_in(request: Any, *, email: str, password: str) -> User:
    """Check the credentials, refusing after too many recent failures for this address.

    Throttling is per email address so that one attacker cannot lock many accounts from one IP
    address without it also being visible; the window and limit are settings.
    """
    email = normalise_email(email)
    if _recent_failures(email) >= settings.LOGIN_FAILURE_LIMIT:
        minutes = settings.LOGIN_FAILURE_WINDOW_SECONDS // 60
        raise Throttled(
            _("Too many failed sign-in attempts. Wait %(minutes)d minutes or reset your password.")
            % {"minutes": minutes}
        )
    user = authenticate(request, username=email, password=password)
    if user is None:
        with transaction.atomic():
            cutoff = timezone.now() - datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
            LoginFailure.objects.filter(created_at__lt=cutoff).delete()
            LoginFailure.objects.create(email=email, ip_address=request.META.get("REMOTE_ADDR") or None)
        raise ValidationFailed(_("The email address or password is not correct."), code="invalid_credentials")
    if not user.email_verified:
        raise NotAllowed(
            _(
                "Please confirm your email address first: we sent you a link. You can ask for a new one below."
            ),
            code="email_unverified",
        )
    LoginFailure.objects.filter(email=email).delete()
    return user


@transaction.atomic
def update_profile(user: User, *, actor: User, full_name: str, language: str, time_zone: str) -> User:
    if actor.pk != user.pk:
        raise NotAllowed(_("You can only edit your own profile."))
    errors = {}
    if not (full_name or "").strip():
        errors["full_name"] = _("Enter your full name.")
    if language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose one of the offered languages.")
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = _("Choose a time zone from the list.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    before = snapshot(user, PROFILE_FIELDS)
    user.full_name, user.language, user.time_zone = full_name.strip(), language, time_zone
    user.save(update_fields=PROFILE_FIELDS)
    log_action(
        "accounts.user.profile_updated",
        actor=actor,
        obj=user,
        before=before,
        after=snapshot(user, PROFILE_FIELDS),
    )
    return user


@transaction.atomic
def create_api_token(user: User, *, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is never stored or shown again."""
    if actor.pk != user.pk:
        raise NotAllowed(_("You can only create tokens for yourself."))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the token a name."), fields={"name": _("Give the token a name.")})
    if user.api_tokens.active().filter(name__iexact=name).exists():
        raise Conflict(
            _("You already have an active token with this name."), fields={"name": _("Name already in use.")}
        )
    raw = new_raw_token()
    token = ApiToken.objects.create(user=user, name=name, token_hash=hash_token(raw), prefix=raw[:10])
    log_action(
        "accounts.api_token.created", actor=actor, obj=token, after={"name": name, "prefix": token.prefix}
    )
    return token, raw


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User) -> ApiToken:
    if token.user_id != actor.pk:
        raise NotAllowed(_("You can only revoke your own tokens."))
    if token.revoked_at is not None:
        raise Conflict(_("This token is already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    log_action("accounts.api_token.revoked", actor=actor, obj=token)
    return token


def user_for_token(raw: str) -> User | None:
    """The active, verified user owning ``raw``, or None. Records the last use (at most once a minute)."""
    if not raw or not raw.startswith("mm_"):
        return None
    token = ApiToken.objects.active().select_related("user").filter(token_hash=hash_token(raw)).first()
    if token is None or not token.user.is_active or not token.user.email_verified:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def clear_login_failures(email: str) -> None:
    """After a password reset the person may sign in again straight away."""
    LoginFailure.objects.filter(email=normalise_email(email)).delete()
