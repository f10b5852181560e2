"""API: runs. ROUTES lists (prefix, router, tags) for medmissions/api.py to mount."""

from typing import Any

ROUTES: list[tuple[str, Any, list[str]]] = []
