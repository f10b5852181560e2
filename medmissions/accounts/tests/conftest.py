"""Fixtures shared by the account tests (the personas live in medmissions/conftest.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone, translation


@pytest.fixture(autouse=True)
def _default_language_and_time_zone():
    """A request by a French user activates French for the thread; never let that leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
