"""Helpers shared by the test suites of every app (API requests and the API error shape)."""

from __future__ import annotations

from typing import Any


def post_json(client: Any, address: str, data: Any) -> Any:
    return client.post(address, data, content_type="application/json")


def put_json(client: Any, address: str, data: Any) -> Any:
    return client.put(address, data, content_type="application/json")


def patch_json(client: Any, address: str, data: Any) -> Any:
    return client.patch(address, data, content_type="application/json")


def assert_api_error(
    response: Any, status: int, code: str | None = None, fields: Any = None, *, exact: bool = False
) -> dict[str, Any]:
    """The API answered ``status`` with exactly ``{"error": {"code", "message", "fields"}}``.

    ``fields`` names fields that must carry a message (all of them, and only them, with ``exact``).
    """
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code
    if fields is not None:
        if exact:
            assert set(error["fields"]) == set(fields), error["fields"]
        else:
            assert set(error["fields"]) >= set(fields), error["fields"]
    return error
