"""End to end in a real browser (issue 5): a coordinator opens a mission's suggested people, runs
the optimiser, excludes someone and runs it again, accepts the proposal, and the invited volunteer
accepts their invitation.

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
from medmissions.matching.models import OptimisationRun, RunStatus
from medmissions.missions import services
from medmissions.missions.choices import AssignmentStatus
from medmissions.missions.models import Assignment
from medmissions.volunteers.choices import AffiliationKind, Proficiency
from medmissions.volunteers.models import (
    Affiliation,
    CountryRequirement,
    Credential,
    CredentialType,
    CredentialVerification,
    Person,
    PersonSpecialty,
    Specialty,
)

MISSION = "Mbale hernia camp"


@pytest.fixture
def recruiting(users, sending, host, active_partnership, site):
    """A recruiting mission in Uganda with two surgeon places; Uganda asks only for a verified
    temporary licence, so the people below are eligible."""
    CountryRequirement.objects.filter(country="UG").delete()
    CountryRequirement.objects.create(
        country="UG",
        specialty=Specialty.objects.get(slug="medicine"),
        credential_type=CredentialType.objects.get(slug="host-temporary-licence"),
        lead_time_days=30,
    )
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


def _surgeon(sending, name: str, years: int, *, with_account: bool = False) -> Person:
    user = make_user(f"{name.split()[0].lower()}@example.org", name) if with_account else None
    person = Person.objects.create(
        user=user,
        full_name=name,
        email=f"{name.split()[0].lower()}@example.org",
        profession=Specialty.objects.get(slug="medicine"),
        years_of_experience=years,
    )
    PersonSpecialty.objects.create(
        person=person,
        specialty=Specialty.objects.get(slug="general-surgery"),
        proficiency=Proficiency.EXPERIENCED,
    )
    Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
    credential = Credential.objects.create(
        person=person,
        credential_type=CredentialType.objects.get(slug="host-temporary-licence"),
        issuing_body="Uganda Medical and Dental Practitioners Council",
        country="UG",
        expires_on=timezone.localdate() + datetime.timedelta(days=800),
        document="credentials/licence.pdf",
    )
    CredentialVerification.objects.create(
        credential=credential, organization=sending, outcome="verified", verified_at=timezone.now()
    )
    return person


@pytest.fixture
def surgeons(sending, recruiting):
    return {
        "senior": _surgeon(sending, "Grace Kamau", 22),
        "middle": _surgeon(sending, "Samuel Okello", 12, with_account=True),
        "junior": _surgeon(sending, "Aisha Nansubuga", 3),
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_coordinator_optimises_adjusts_and_accepts_and_the_volunteer_accepts_the_invitation(
    # Data fixtures first: they are then created before Playwright starts its event loop.
    users,
    recruiting,
    surgeons,
    live_server,
    browser_page,  # noqa: F811
    browser_problems,  # noqa: F811
    save_screenshot,  # noqa: F811
):
    from playwright.sync_api import expect

    page = browser_page

    # 1. The coordinator opens the mission's suggested people: ranked, with reasons.
    sign_in(page, users["coordinator"])
    page.goto(f"/missions/{recruiting.pk}/")
    page.get_by_role("navigation", name="Mission sections").get_by_role(
        "link", name="Suggested people"
    ).click()
    role_card = page.locator(".card").filter(has=page.get_by_role("heading", name="General surgeon"))
    expect(role_card).to_contain_text("3 eligible people")
    expect(role_card.get_by_role("listitem").first).to_contain_text("Grace Kamau")
    role_card.get_by_role("listitem").first.locator("summary").click()
    expect(role_card).to_contain_text("22 years of experience (counted up to 20).")
    save_screenshot(page, "matching-1-suggestions")

    # 2. They run the optimiser for the mission: both places filled, the best possible score.
    page.get_by_role("button", name="Run the optimiser for this mission").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Proposal of")
    expect(page.get_by_role("main")).to_contain_text("2 / 2")
    expect(page.get_by_role("main")).to_contain_text("best possible")
    proposal = page.get_by_role("table", name="Proposed for General surgeon")
    expect(proposal).to_contain_text("Grace Kamau")
    expect(proposal).to_contain_text("Samuel Okello")
    save_screenshot(page, "matching-2-proposal")

    # 3. Grace is needed elsewhere: exclude her from the role and run again.
    grace_row = proposal.get_by_role("row").filter(has_text="Grace Kamau")
    grace_row.get_by_role("checkbox", name="exclude", exact=True).check()
    page.get_by_role("button", name="Run again with these pins and exclusions").click()
    expect(page.get_by_role("main")).to_contain_text("Grace Kamau excluded from General surgeon")
    proposal = page.get_by_role("table", name="Proposed for General surgeon")
    expect(proposal).to_contain_text("Aisha Nansubuga")
    expect(proposal).not_to_contain_text("Grace Kamau")
    save_screenshot(page, "matching-3-rerun")

    # 4. They accept: nobody applied, so both are invited.
    page.get_by_label("Message to the people placed (optional)").fill("We would love you on the team.")
    page.get_by_role("button", name="Accept the proposal").click()
    expect(page.get_by_role("status")).to_contain_text("2 invitations sent")
    accepted = OptimisationRun.objects.get(status=RunStatus.ACCEPTED)
    assert accepted.inputs["exclusions"] == [[surgeons["senior"].pk, recruiting.roles.get().pk]]
    save_screenshot(page, "matching-4-accepted")
    sign_out(page)

    # 5. Samuel answers his invitation and gets the place.
    sign_in(page, surgeons["middle"].user)
    page.goto("/missions/invitations/")
    page.get_by_role("link", name=f"General surgeon · {MISSION}").click()
    page.get_by_role("button", name="Accept the place as General surgeon").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert Assignment.objects.filter(
        person=surgeons["middle"], mission=recruiting, status=AssignmentStatus.ACTIVE
    ).exists()
    save_screenshot(page, "matching-5-invitation-accepted")
    browser_problems.assert_clean()
