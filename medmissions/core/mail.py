"""Email side effects, always sent after the surrounding transaction commits.

A rolled-back change must never have told anyone about itself, so services call
:func:`send_on_commit` rather than sending directly.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template import Context, Engine
from django.utils import translation

logger = logging.getLogger(__name__)


@functools.cache
def _text_engine() -> Engine:
    # Emails are plain text: HTML escaping would turn "O'Brien" into "O&#x27;Brien".
    from django.template.backends.django import get_installed_libraries

    return Engine(app_dirs=True, autoescape=False, libraries=get_installed_libraries())


def render_email(template: str, context: dict[str, Any], language: str | None = None) -> tuple[str, str]:
    """Render ``email/<template>.txt`` (from any app's templates/); its first line is the subject."""
    with translation.override(language or settings.LANGUAGE_CODE):
        text = (
            _text_engine()
            .get_template(f"email/{template}.txt")
            .render(Context({"site_url": settings.SITE_URL, **context}, autoescape=False))
        )
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def send_on_commit(
    template: str, context: dict[str, Any], recipients: Iterable[tuple[str, str | None]]
) -> None:
    """Queue one email per ``(address, language)`` recipient, sent once the transaction commits."""
    messages = []
    for address, language in recipients:
        subject, body = render_email(template, context, language)
        messages.append((subject, body, address))

    def deliver() -> None:
        for subject, body, address in messages:
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
            except Exception:  # An unreachable mail server must not undo a committed change.
                logger.exception("Could not send %r to %s", template, address)

    transaction.on_commit(deliver)
