"""End to end in a real browser (issue 7): the team lead records a day's consultations with the
keyboard alone, submits the daily report and downloads its eDATA CSV.

Runs Debian's chromium through Playwright against pytest-django's live server (see
core/tests/conftest.py); skips where chromium or Playwright is missing. Set
``MEDMISSIONS_SCREENSHOTS=/some/dir`` to keep screenshots of each step.
"""

from __future__ import annotations

import csv
import io

import pytest

from medmissions.clinics.choices import ReportStatus
from medmissions.clinics.models import Consultation, DailyReport
from medmissions.core.tests.conftest import (  # noqa: F401 - fixtures used by name
    _allow_async_unsafe,
    browser_page,
    browser_problems,
    chromium,
    save_screenshot,
)
from medmissions.core.tests.test_browser import sign_in

# (keys typed, the items they tick)
CONSULTATIONS = (
    ("4 f r e d", {9, 44, 36}),  # an adult woman, respiratory infection, event-related, discharged
    ("2 m w e g", {10, 44, 37}),  # a toddler, watery diarrhoea, discharged with follow-up
    ("5 m i n t", {8, 45, 39}),  # an older man, minor injury, indirectly related, referred
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_lead_records_a_day_by_keyboard_submits_it_and_downloads_the_csv(
    # Data fixtures first: they are then created before Playwright starts its event loop.
    users,
    team,
    site,
    live_server,
    browser_page,  # noqa: F811
    browser_problems,  # noqa: F811
    save_screenshot,  # noqa: F811
):
    from playwright.sync_api import expect

    page = browser_page
    lead = users["coordinator"]

    # 1. The lead opens the capture page and records three consultations without the mouse.
    sign_in(page, lead)
    page.goto(f"/clinics/teams/{team.pk}/capture/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record consultations")
    status = page.locator("#capture-status")
    for number, (keys, _items) in enumerate(CONSULTATIONS, start=1):
        page.locator("#capture-form").focus()
        for key in keys.split():
            page.keyboard.press(key)
        page.keyboard.press("Enter")
        expect(status).to_contain_text(f"-{number:03d}")
    save_screenshot(page, "clinics-1-captured")
    recorded = list(Consultation.objects.filter(team=team).order_by("reference"))
    assert [set(consultation.ticked()) for consultation in recorded] == [
        items for _keys, items in CONSULTATIONS
    ]
    assert [(consultation.age_group, consultation.sex) for consultation in recorded] == [
        (4, 2),
        (2, 1),
        (5, 1),
    ]

    # 2. They open the day's report, check it and submit it.
    report = DailyReport.objects.get(team=team)
    page.goto(f"/clinics/reports/{report.pk}/")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Acute respiratory infection")
    page.get_by_role("link", name="Check and submit").click()
    page.get_by_role("button", name="Submit the report").click()
    expect(page.get_by_role("main")).to_contain_text("Version 1")
    save_screenshot(page, "clinics-2-submitted")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.current_version.consultations == 3

    # 3. They download the eDATA CSV: one row per consultation, in the WHO layout.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the eDATA file (CSV)").click()
    path = download_info.value.path()
    with open(path, encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert [row["ID"] for row in rows] == [consultation.reference for consultation in recorded]
    assert [row["MDS1-3"] for row in rows] == ["2", "1", "1"]
    assert rows[0]["MDS9"] == "1" and rows[0]["MDS44"] == "1" and rows[0]["MDS10"] == "0"
    assert rows[0]["h"] == report.date.isoformat()
