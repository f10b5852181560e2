"""End to end in a real browser: a new volunteer completes the profile wizard, then checks their
readiness for Kenya. Skips where chromium or Playwright is missing (see core/tests/conftest.py)."""

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
from medmissions.core.tests.test_browser import sign_in
from medmissions.volunteers.models import Person


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_volunteer_completes_the_wizard_and_checks_readiness(
    # Data fixtures first: they are then created before Playwright starts its event loop.
    host,
    live_server,
    browser_page,  # noqa: F811
    browser_problems,  # noqa: F811
    save_screenshot,  # noqa: F811
):
    from playwright.sync_api import expect

    user = make_user("amina@example.org", "Amina Diallo")
    page = browser_page
    sign_in(page, user)

    # 1. My profile is created on the first visit and lists what is missing.
    page.goto("/volunteers/me/")
    expect(page.get_by_role("heading", name="My volunteer profile", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Completion checklist")).to_contain_text("Missing")
    page.get_by_role("link", name="Edit my profile").click()

    # 2. Basics.
    page.wait_for_url("**/volunteers/me/edit/basics/")
    expect(page.get_by_text("Step 1 of 6")).to_be_visible()
    page.get_by_label("Phone").fill("+221 77 000 00 00")
    page.get_by_label("Nationality").select_option(label="Senegal")
    page.get_by_role("button", name="Save and continue").click()

    # 3. Profession and specialties, chosen from the tree.
    page.wait_for_url("**/volunteers/me/edit/specialties/")
    page.locator("#id_profession-profession").select_option(label="Medicine")
    page.get_by_label("Trainee or student").check()
    page.locator("#id_specialty-0-specialty").select_option(label="Medicine › Anaesthesia")
    page.locator("#id_specialty-0-proficiency").select_option(label="Competent")
    save_screenshot(page, "profile-01-specialties")
    page.get_by_role("button", name="Save and continue").click()

    # 4. Languages with three levels.
    page.wait_for_url("**/volunteers/me/edit/languages/")
    page.locator("#id_language-0-language").select_option(label="French")
    page.locator("#id_language-0-speaking").select_option(label="Native")
    page.locator("#id_language-0-reading").select_option(label="Native")
    page.locator("#id_language-0-writing").select_option(label="Fluent")
    page.get_by_role("button", name="Save and continue").click()

    # 5. Availability: add dates, then move on.
    page.wait_for_url("**/volunteers/me/edit/availability/")
    page.get_by_label("From").fill("2030-06-01")
    page.get_by_label("To").fill("2030-06-30")
    page.get_by_role("button", name="Add dates").click()
    expect(page.get_by_role("status")).to_contain_text("Dates added.")
    expect(page.get_by_role("main")).to_contain_text("1 June 2030 – 30 June 2030")
    page.get_by_role("link", name="Next").click()

    # 6. Employer and emergency contact.
    page.wait_for_url("**/volunteers/me/edit/employer/")
    page.get_by_label("Home employer").fill("Hôpital Principal de Dakar")
    page.get_by_label("My employer approved my leave for missions").check()
    page.locator("#id_emergency_contact_name").fill("Moussa Diallo")
    page.get_by_label("Emergency contact phone").fill("+221 77 111 11 11")
    page.get_by_role("button", name="Save and continue").click()

    # 7. Organisations, then visibility, and back to the profile.
    page.wait_for_url("**/volunteers/me/edit/visibility/")
    page.locator("#id_organization").select_option(label=host.name)
    page.get_by_label("Share my profile with it for vetting").check()
    page.get_by_role("button", name="Add organisation").click()
    expect(page.get_by_role("status")).to_contain_text(f"Your profile is shared with {host.name}.")
    page.get_by_label("Also the active partners of my home organisations").check()
    save_screenshot(page, "profile-02-visibility")
    page.get_by_role("button", name="Save and finish").click()
    page.wait_for_url("**/volunteers/me/")
    expect(page.get_by_role("region", name="Languages")).to_contain_text("French")
    expect(page.get_by_role("region", name="Profession and specialties")).to_contain_text(
        "Medicine › Anaesthesia"
    )

    # 8. Readiness for Kenya: every requirement with its reason.
    start = timezone.localdate() + datetime.timedelta(days=200)
    page.get_by_label("Country").select_option(label="Kenya")
    page.get_by_label("Arrival").fill(start.isoformat())
    page.get_by_label("Departure").fill((start + datetime.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Check readiness").click()
    readiness = page.get_by_role("region", name="Readiness check")
    expect(readiness).to_contain_text("Not ready")
    expect(readiness).to_contain_text("Host-country temporary licence (Kenya)")
    save_screenshot(page, "profile-03-readiness")

    person = Person.objects.get(user=user)
    assert person.profession.slug == "medicine"
    assert person.is_trainee is True
    assert person.visibility == "partners"
    assert [row.specialty.slug for row in person.specialties.all()] == ["anaesthesia"]
    assert person.affiliations.get().organization == host
    browser_problems.assert_clean()
