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


def assert_api_error(response, status: int, code: str | None = None) -> dict:
    """The API answered ``status`` with exactly ``{"error": {"code", "message", "fields"}}``."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]
