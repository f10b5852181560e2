"""Small assertions and parsers shared by the account and organisation tests."""

from __future__ import annotations

import re
from urllib.parse import urlparse


def path_of_link(body: str, marker: str) -> str:
    """The path of the first absolute link in an email body whose path contains ``marker``."""
    for url in re.findall(r"https?://\S+", body):
        path = urlparse(url).path
        if marker in path:
            return path
    raise AssertionError(f"no link containing {marker!r} in:\n{body}")


# Shared by every app's API tests; re-exported for the account and organisation tests.
from medmissions.testing import assert_api_error  # noqa: E402

__all__ = ["assert_api_error", "path_of_link"]
