"""End to end in a real browser (issue 6): a donor lists the lots it gave, a coordinator
allocates them to a mission's request with the optimiser, picks, packs and sends the shipment,
and the host confirms receipt.

Runs Debian's chromium through Playwright against pytest-django's live server (see
core/tests/conftest.py); skips where chromium or Playwright is missing. Set
``MEDMISSIONS_SCREENSHOTS=/some/dir`` to keep screenshots of each step.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from medmissions.core.tests.conftest import (  # noqa: F401 - fixtures used by name
    _allow_async_unsafe,
    browser_page,
    browser_problems,
    chromium,
    save_screenshot,
)
from medmissions.core.tests.test_browser import sign_in, sign_out
from medmissions.missions import services as mission_services
from medmissions.supplies import services
from medmissions.supplies.choices import ShipmentStatus
from medmissions.supplies.models import Shipment, StockBalance
from medmissions.volunteers.models import Specialty

REQUEST_TITLE = "Antibiotics for the Mbale camp"


@pytest.fixture
def mission_request(users, sending, host, active_partnership, site, amoxicillin):
    """A confirmed mission at the host's clinic and its submitted request for 600 capsules."""
    today = timezone.localdate()
    need = mission_services.create_need(
        actor=users["host_admin"],
        author=host,
        site=site,
        data={
            "title": "Hernia backlog",
            "description": "Surgeons to operate alongside our team.",
            "earliest_start": today + datetime.timedelta(days=30),
            "latest_end": today + datetime.timedelta(days=120),
        },
        lines=[(Specialty.objects.get(slug="general-surgery"), 2)],
    )
    mission = mission_services.create_mission(
        actor=users["coordinator"],
        partnership=active_partnership,
        site=site,
        data={
            "title": "Mbale surgical camp",
            "starts_on": today + datetime.timedelta(days=60),
            "ends_on": today + datetime.timedelta(days=70),
            "capacity": 4,
            "time_zone": "Africa/Kampala",
        },
        needs=[need],
    )
    request = services.create_request(
        actor=users["coordinator"],
        organization=sending,
        data={"title": REQUEST_TITLE, "mission": mission, "needed_by": today + datetime.timedelta(days=50)},
    )
    services.add_line(request, actor=users["coordinator"], item=amoxicillin, quantity=600)
    return services.submit_request(request, actor=users["coordinator"])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_donor_lists_lots_coordinator_allocates_and_ships_host_confirms_receipt(
    # Data fixtures first: they are then created before Playwright starts its event loop.
    users,
    donor_admin,
    lot,
    warehouse,
    site,
    mission_request,
    live_server,
    browser_page,  # noqa: F811
    browser_problems,  # noqa: F811
    save_screenshot,  # noqa: F811
):
    from playwright.sync_api import expect

    page = browser_page

    # 1. The donor lists the lots it gave: the amoxicillin is at Bridge Health's depot.
    sign_in(page, donor_admin)
    page.goto("/supplies/lots/")
    main = page.get_by_role("main")
    expect(main).to_contain_text("AMX-2401")
    expect(main).to_contain_text("Bridge Health depot")
    save_screenshot(page, "supplies-1-donor-lots")
    sign_out(page)

    # 2. The coordinator runs the optimiser for the mission's request and accepts the proposal.
    sign_in(page, users["coordinator"])
    page.goto(f"/supplies/allocate/?request={mission_request.pk}")
    page.get_by_label(REQUEST_TITLE, exact=False).check()
    page.get_by_role("button", name="Propose an allocation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Allocation of")
    expect(page.get_by_role("main")).to_contain_text("AMX-2401")
    expect(page.get_by_role("main")).to_contain_text("600 of 600 asked")
    save_screenshot(page, "supplies-2-proposal")
    page.get_by_role("button", name="Accept and reserve the stock").click()
    expect(page.get_by_role("status")).to_contain_text("1 allocation accepted")

    # 3. They start a shipment to the clinic, add the allocation, pack it and send it.
    page.goto(f"/supplies/shipments/new/?request={mission_request.pk}")
    page.get_by_label("From:", exact=True).select_option(value=str(warehouse.pk))
    page.get_by_label("Planned arrival").fill(
        (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    )
    page.get_by_role("button", name="Start the shipment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SH-")
    page.get_by_role("button", name="Add to the shipment").click()
    expect(page.get_by_role("main")).to_contain_text("AMX-2401")
    page.get_by_label("Weight of parcel 1 (kg)").fill("2.5")
    page.get_by_role("button", name="Save the packing list").click()
    expect(page.get_by_role("main")).to_contain_text("Packed")
    save_screenshot(page, "supplies-3-packed")
    page.get_by_role("button", name="Record as sent").click()
    expect(page.get_by_role("main")).to_contain_text("Sent")
    shipment = Shipment.objects.get()
    assert shipment.status == ShipmentStatus.SENT
    sign_out(page)

    # 4. The host counts what arrived and confirms receipt.
    sign_in(page, users["host_admin"])
    page.goto(f"/supplies/shipments/{shipment.pk}/")
    page.get_by_label("Units of amoxicillin 500 mg capsule, lot AMX-2401 received now").fill("600")
    page.get_by_role("button", name="Record what arrived").click()
    expect(page.get_by_role("main")).to_contain_text("Received")
    save_screenshot(page, "supplies-4-received")
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.RECEIVED
    assert StockBalance.objects.get(lot=lot, site=site).on_hand == 600
    assert StockBalance.objects.get(lot=lot, site=warehouse).on_hand == 400
