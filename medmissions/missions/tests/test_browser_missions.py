"""End to end in a real browser (issue 4): a volunteer finds an opportunity and applies, a
coordinator accepts, and the readiness board shows what the volunteer still lacks.

Runs Debian's chromium through Playwright against pytest-django's live server (see
core/tests/conftest.py); skips where chromium or Playwright is missing. Set
``MEDMISSIONS_SCREENSHOTS=/some/dir`` to keep screenshots of each step.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from medmissions.conftest import make_user
from medmissions.core.tests.conftest import (  # noqa: F401 - fixtures used by name
    _allow_async_unsafe,
    browser_page,
    browser_problems,
    chromium,
    save_screenshot,
)
from medmissions.core.tests.test_browser import sign_in, sign_out
from medmissions.missions import services
from medmissions.missions.choices import ApplicationStatus, AssignmentStatus
from medmissions.missions.models import Application, Assignment
from medmissions.organizations.models import ValueTag
from medmissions.volunteers.choices import AffiliationKind, Proficiency
from medmissions.volunteers.models import Affiliation, Person, PersonSpecialty, Specialty

MISSION = "Mbale hernia camp"
MOTIVATION = "I ran hernia lists in Tororo twice and teach the WHO checklist."


@pytest.fixture
def recruiting(users, sending, host, active_partnership, site):
    """A recruiting mission in Uganda, far enough ahead that no lead time has passed."""
    sending.value_tags.set(ValueTag.objects.filter(slug__in=["host-led", "teaching"]))
    today = timezone.localdate()
    need = services.create_need(
        actor=users["host_admin"],
        author=host,
        site=site,
        data={
            "title": "Hernia backlog",
            "description": "Two surgeons to operate alongside our team.",
            "earliest_start": today + datetime.timedelta(days=90),
            "latest_end": today + datetime.timedelta(days=180),
        },
        lines=[(Specialty.objects.get(slug="general-surgery"), 2)],
    )
    mission = services.create_mission(
        actor=users["coordinator"],
        partnership=active_partnership,
        site=site,
        data={
            "title": MISSION,
            "starts_on": today + datetime.timedelta(days=120),
            "ends_on": today + datetime.timedelta(days=133),
            "capacity": 4,
            "time_zone": "Africa/Kampala",
        },
        needs=[need],
    )
    services.add_role(
        mission,
        actor=users["coordinator"],
        data={
            "title": "General surgeon",
            "specialty": Specialty.objects.get(slug="surgery"),
            "people_needed": 2,
            "scope_of_practice": "Adult elective hernia repair with a Mbale surgeon.",
        },
    )
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    return services.host_confirm(mission, actor=users["host_admin"])


@pytest.fixture
def volunteer(sending):
    """An experienced general surgeon of ``sending`` who shares two of its values and holds no
    credentials yet: the board will list what Uganda requires."""
    user = make_user("kamau@example.org", "Grace Kamau")
    person = Person.objects.create(
        user=user,
        full_name=user.full_name,
        email=user.email,
        profession=Specialty.objects.get(slug="medicine"),
    )
    PersonSpecialty.objects.create(
        person=person, specialty=Specialty.objects.get(slug="general-surgery"), proficiency=Proficiency.EXPERT
    )
    person.value_tags.set(ValueTag.objects.filter(slug__in=["host-led", "teaching", "faith-based"]))
    Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
    return person


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_volunteer_applies_coordinator_accepts_and_the_board_shows_what_is_missing(
    # Data fixtures first: they are then created before Playwright starts its event loop.
    users,
    recruiting,
    volunteer,
    live_server,
    browser_page,  # noqa: F811
    browser_problems,  # noqa: F811
    save_screenshot,  # noqa: F811
):
    from playwright.sync_api import expect

    page = browser_page

    # 1. The volunteer searches the opportunities for their specialty.
    sign_in(page, volunteer.user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Opportunities").click()
    page.wait_for_url("**/missions/opportunities/")
    search = page.get_by_role("search", name="Opportunities")
    search.get_by_label("Specialty").select_option(label="Medicine › Surgery › General surgery")
    search.get_by_role("button", name="Search").click()
    result = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=MISSION))
    expect(result).to_have_count(1)
    expect(result).to_contain_text("2 of your 3 tags match")
    save_screenshot(page, "missions-01-opportunity-found")

    # 2. The opportunity shows what they already meet; they apply with a motivation.
    result.get_by_role("link", name=MISSION).click()
    expect(page.get_by_role("heading", name=MISSION, level=1)).to_be_visible()
    role = page.get_by_role("article").filter(has=page.get_by_role("heading", name="General surgeon"))
    expect(role).to_contain_text("Specialty: Surgery")
    role.get_by_label("Why you, for this role").fill(MOTIVATION)
    role.get_by_role("button", name="Apply as General surgeon").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator("#my-applications")).to_contain_text("Submitted")
    save_screenshot(page, "missions-02-applied")
    application = Application.objects.get(person=volunteer)
    assert application.status == ApplicationStatus.SUBMITTED
    sign_out(page)

    # 3. The coordinator opens the mission's applications and accepts.
    sign_in(page, users["coordinator"])
    page.goto(f"/missions/{recruiting.pk}/")
    page.get_by_role("navigation", name="Mission sections").get_by_role("link", name="Applications").click()
    entry = page.locator(f"#application-{application.pk}")
    expect(entry).to_contain_text(MOTIVATION)
    accept_form = entry.locator("form").filter(has=page.get_by_role("button", name="Accept"))
    accept_form.get_by_label("Message to the applicant").fill("Welcome! Briefing on the 3rd.")
    accept_form.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator(f"#application-{application.pk}")).to_contain_text("Accepted")
    assignment = Assignment.objects.get(person=volunteer)
    assert assignment.status == AssignmentStatus.ACTIVE

    # 4. The readiness board shows the volunteer is not ready, and why.
    page.get_by_role("navigation", name="Mission sections").get_by_role(
        "link", name="Team and readiness"
    ).click()
    row = page.locator(f"#assignment-{assignment.pk}")
    expect(row.get_by_role("heading", name="Grace Kamau")).to_contain_text("Not ready")
    expect(row).to_contain_text("Passport")
    expect(row).to_contain_text("Not met")
    save_screenshot(page, "missions-03-readiness-board")
    sign_out(page)

    # 5. The volunteer sees the same gaps on their own row.
    sign_in(page, volunteer.user)
    page.goto(f"/missions/{recruiting.pk}/team/")
    expect(page.get_by_role("heading", name="Your readiness")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Passport")
