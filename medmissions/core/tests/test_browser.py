"""End to end in a real browser: a partnership is proposed, confirmed by the host and becomes active.

Runs Debian's chromium through Playwright against pytest-django's live server (see conftest.py in
this folder); skips where chromium or Playwright is missing. Run only these tests with
``pytest -m browser``. Set ``MEDMISSIONS_SCREENSHOTS=/some/dir`` to keep screenshots of each step.
"""

from __future__ import annotations

import re

import pytest

from medmissions.conftest import PASSWORD
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.models import Partnership

TITLE = "Mbale paediatric surgery exchange"
GOALS = "Train two local paediatric surgical teams and hand over the theatre checklists."
DETAIL_URL = re.compile(r"/partnerships/(\d+)/$")


def sign_in(page, user) -> None:
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.get_short_name()}")


def sign_out(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")


# The live server runs in another thread, so the data must be committed: a transactional test.
# Its teardown empties every table; serialized_rollback restores the rows the migrations seed
# (languages, capabilities) for this test even when another transactional test ran first.
@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_partnership_is_proposed_confirmed_by_host_and_becomes_active(
    # Data fixtures first: they are then created before Playwright starts its event loop.
    users,
    sending,
    host,
    live_server,
    browser_page,
    browser_problems,
    save_screenshot,
):
    from playwright.sync_api import expect

    page = browser_page
    coordinator, host_admin = users["coordinator"], users["host_admin"]

    # 1. The sending organisation's coordinator signs in through the login page.
    sign_in(page, coordinator)

    # 2. Propose a partnership with the hospital as host.
    page.get_by_role("link", name="Propose a partnership").click()
    page.wait_for_url("**/partnerships/propose/")
    expect(page.get_by_role("heading", name="Propose a partnership", level=1)).to_be_visible()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Shared goals").fill(GOALS)
    expect(page.get_by_label("Your organisation's role")).to_have_value(PartyRole.SENDING)
    first_party = page.locator(".inline-form").filter(has=page.get_by_label("Organisation 1", exact=True))
    first_party.get_by_label("Organisation 1", exact=True).select_option(label=host.name)
    first_party.get_by_label("Role", exact=True).select_option(label="Host")
    save_screenshot(page, "01-propose-filled")
    page.get_by_role("button", name="Propose partnership").click()

    # 3. The new partnership's page says it is proposed.
    page.wait_for_url(DETAIL_URL)
    partnership_url = page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.locator("#partnership-status")).to_have_text("Proposed")
    expect(page.get_by_role("status")).to_contain_text("Partnership proposed.")
    # The coordinator of the sending side cannot confirm for the host.
    expect(page.get_by_role("link", name="Confirm as host")).to_have_count(0)
    save_screenshot(page, "02-proposed")

    # 4. Sign out; the host admin signs in and confirms from the dashboard.
    sign_out(page)
    sign_in(page, host_admin)
    awaiting = page.get_by_role("region", name="Awaiting your confirmation")
    save_screenshot(page, "03-host-dashboard")
    awaiting.get_by_role("link", name=TITLE).click()
    page.wait_for_url(partnership_url)
    expect(page.locator("#partnership-status")).to_have_text("Proposed")
    page.get_by_role("link", name="Confirm as host").click()
    page.wait_for_url(re.compile(r"/partnerships/\d+/confirm/$"))
    expect(page.get_by_role("heading", name="Confirm partnership", level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(TITLE)
    save_screenshot(page, "04-confirm")
    page.get_by_role("button", name="Confirm partnership").click()

    # 5. Back on the partnership: it is active, and the database agrees.
    page.wait_for_url(partnership_url)
    expect(page.locator("#partnership-status")).to_have_text("Active")
    expect(page.get_by_role("status")).to_contain_text("the partnership is active")
    expect(page.get_by_role("link", name="Confirm as host")).to_have_count(0)
    shots = save_screenshot(page, "05-partnership-active")
    assert all(shot.stat().st_size > 0 for shot in shots)

    partnership = Partnership.objects.get(pk=int(DETAIL_URL.search(partnership_url).group(1)))
    assert partnership.title == TITLE
    assert partnership.shared_goals == GOALS
    assert partnership.status == PartnershipStatus.ACTIVE
    assert partnership.created_by == coordinator
    parties = {party.organization: party for party in partnership.parties.all()}
    assert set(parties) == {sending, host}
    assert parties[sending].role == PartyRole.SENDING
    assert parties[host].role == PartyRole.HOST
    assert parties[host].confirmed_by == host_admin
    assert parties[host].confirmed_at is not None

    # No console errors, no 4xx/5xx, nothing from a CDN; the app served its own CSS and htmx.
    browser_problems.assert_clean()
    assert "/static/core/app.css" in browser_problems.static_loaded
    assert any(
        re.fullmatch(r"/static/core/vendor/htmx-[\d.]+\.min\.js", path)
        for path in browser_problems.static_loaded
    )
    assert page.evaluate("() => typeof window.htmx") == "object"
    # The stylesheet is not only fetched but applied (the header bar is a flex row in app.css).
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('.site-header .bar')).display") == "flex"
    )
