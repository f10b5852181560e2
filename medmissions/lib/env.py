"""Typed, fail-fast readers for configuration from environment variables.

Every setting that varies between deployments is read here so that a typo such as
``DEBUG=flase`` stops the process with a clear message instead of silently meaning "off".
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    """Return a variable's value; ``NAME_FILE`` (a path, as with Docker secrets) wins if set."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE points at {file_path!r}, which cannot be read: {error}"
            ) from error
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from error


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a number; got {raw!r}.") from error


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated list, blank items dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_day_counts(name: str, default: dict[str, int]) -> dict[str, int]:
    """Whole numbers of days by key, as ``key=days,key=days``; keys not named keep their default."""
    counts = dict(default)
    for item in env_list(name):
        key, separator, value = item.partition("=")
        key = key.strip()
        if not separator or not key:
            raise ImproperlyConfigured(f"{name} must look like medicine=365,vaccine=180; got {item!r}.")
        try:
            days = int(value)
        except ValueError as error:
            raise ImproperlyConfigured(
                f"{name}: {key} must be a whole number of days; got {value!r}."
            ) from error
        if days < 0:
            raise ImproperlyConfigured(f"{name}: {key} cannot be negative; got {days}.")
        counts[key] = days
    return counts
