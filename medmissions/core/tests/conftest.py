"""Fixtures for the end-to-end browser tests (``@pytest.mark.browser``).

The browser is Debian's chromium at ``/usr/bin/chromium``, driven by Playwright's sync API. No
browser is ever downloaded: where chromium or the ``playwright`` package is missing, the tests that
use these fixtures skip with the reason.

Nothing here is imported at module level from Playwright, so the other tests in this folder run
whether or not Playwright is installed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Debian's chromium is not installed at /usr/bin/chromium; .ci/run installs it"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000
STATIC_SUFFIXES = (".css", ".js", ".png", ".svg", ".ico", ".woff", ".woff2", ".webp", ".jpg", ".gif")


@dataclass
class BrowserProblems:
    """What went wrong in the browser while a test ran, collected from page events."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    static_loaded: set[str] = field(default_factory=set)
    ignored: list[str] = field(default_factory=list)

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        # Chromium asks for /favicon.ico on its own (no page references it) and logs the 404 as a
        # console error. The app has no favicon yet; that is cosmetic, not a broken page asset.
        if urlsplit(url).path == "/favicon.ico" and "404" in message.text:
            self.ignored.append(f"{message.text} ({url})")
            return
        self.console_errors.append(f"{message.text} ({url or '?'})")

    def on_page_error(self, error) -> None:
        self.page_errors.append(str(error))

    def on_request(self, request) -> None:
        # htmx and the stylesheet are served by the app itself: nothing may come from a CDN.
        if not request.url.startswith(("data:", "about:")) and not request.url.startswith(self.origin):
            self.foreign_requests.append(request.url)

    def on_request_failed(self, request) -> None:
        self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(self, response) -> None:
        path = urlsplit(response.url).path
        if response.status >= 400:
            self.bad_responses.append(f"{response.status} {response.request.method} {response.url}")
        elif path.startswith("/static/") or path.endswith(STATIC_SUFFIXES):
            self.static_loaded.add(path)

    def assert_clean(self) -> None:
        assert not self.console_errors, f"browser console errors: {self.console_errors}"
        assert not self.page_errors, f"uncaught JavaScript errors: {self.page_errors}"
        assert not self.bad_responses, f"4xx/5xx responses: {self.bad_responses}"
        assert not self.failed_requests, f"failed requests: {self.failed_requests}"
        assert not self.foreign_requests, f"requests to other hosts (CDN?): {self.foreign_requests}"


@pytest.fixture
def _allow_async_unsafe(monkeypatch):
    # Playwright's sync API runs an asyncio event loop in the test thread (inside a greenlet), so
    # Django sees a "running event loop" and raises SynchronousOnlyOperation when the test itself
    # touches the ORM (fixtures, final DB assertions). The test is still plain synchronous code, so
    # this is safe here; monkeypatch restores the previous value afterwards, keeping the relaxation
    # confined to the browser tests.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium(transactional_db, _allow_async_unsafe):
    """A headless Debian chromium, or a skip where it (or Playwright) is missing.

    Requesting ``transactional_db`` first makes the database teardown (the flush) run only after
    Playwright has stopped and its event loop is gone.
    """
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="the playwright Python package is not importable; install the dev extras (pip install -e '.[dev]')",
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop runs, asgiref gives Django's thread-critical connection
            # storage a separate, context-local slot: ORM calls from the test body open a second
            # connection that the test database teardown never sees, and PostgreSQL then refuses
            # to drop the test database ("being accessed by other users"). Close it here, while
            # that slot is still the current one.
            from django.db import connections

            connections.close_all()


@pytest.fixture
def browser_problems(live_server) -> BrowserProblems:
    """Console errors, uncaught exceptions and bad responses seen by ``browser_page``."""
    return BrowserProblems(origin=live_server.url)


@pytest.fixture
def browser_page(chromium, live_server, browser_problems):
    """A fresh page (own cookies) against the live server, reporting into ``browser_problems``."""
    from playwright.sync_api import expect

    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    page.on("console", browser_problems.on_console)
    page.on("pageerror", browser_problems.on_page_error)
    page.on("request", browser_problems.on_request)
    page.on("requestfailed", browser_problems.on_request_failed)
    page.on("response", browser_problems.on_response)
    try:
        yield page
    finally:
        expect.set_options(timeout=5_000)
        context.close()


@pytest.fixture
def save_screenshot(tmp_path):
    """``save_screenshot(page, "name")`` → saved in tmp_path, and in $MEDMISSIONS_SCREENSHOTS if set."""

    def save(page, name: str) -> list[Path]:
        png = page.screenshot(full_page=True)
        folders = [tmp_path / "screenshots"]
        if os.environ.get("MEDMISSIONS_SCREENSHOTS"):
            folders.append(Path(os.environ["MEDMISSIONS_SCREENSHOTS"]))
        saved = []
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{name}.png"
            target.write_bytes(png)
            saved.append(target)
        return saved

    return save
