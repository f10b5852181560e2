"""End to end in a real browser (issue 3): a volunteer uploads a licence, an admin verifies it,
readiness turns green.

The volunteer, a doctor of ``sending``, already holds every credential Kenya asks of a doctor except
the professional licence. They see it missing in their readiness check, upload it, see it still
unmet while it awaits verification, sending's admin verifies it from the verification queue, and
the readiness check then says the volunteer is ready.

Runs Debian's chromium through Playwright against pytest-django's live server (see conftest.py in
this folder); skips where chromium or Playwright is missing. Set ``MEDMISSIONS_SCREENSHOTS=/some/dir``
to keep screenshots of each step.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.core.tests.test_browser import sign_in, sign_out
from medmissions.volunteers.choices import AffiliationKind, Proficiency, VerificationOutcome
from medmissions.volunteers.models import (
    Affiliation,
    Credential,
    CredentialType,
    CredentialVerification,
    Person,
    PersonSpecialty,
    Specialty,
)
from medmissions.volunteers.readiness import readiness

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LICENCE = "Professional registration or licence"
LICENCE_BODY = "General Medical Council"
LICENCE_NUMBER = "GMC-7654321"
NOTE = "Checked against the GMC register: licensed, no conditions."
READY_TEXT = "Every requirement is met."
# A two-week mission in Kenya, far enough ahead that every lead time (60 days for the host-country
# temporary licence) is still ahead.
START_IN_DAYS, END_IN_DAYS = 120, 134
# What Kenya asks of a doctor (reference_data.country_requirements), all held except the licence:
# (credential type slug, issuing body, country of issue).
HELD = [
    ("passport", "HM Passport Office", "GB"),
    ("visa-work-permit", "Kenya Department of Immigration Services", "KE"),
    ("host-temporary-licence", "Kenya Medical Practitioners and Dentists Council", "KE"),
    ("malpractice-insurance", "Medical Defence Union", "GB"),
    ("yellow-fever-vaccination", "Travel clinic, London", "GB"),
    ("hepatitis-b-vaccination", "Occupational health, St Thomas' Hospital", "GB"),
]


@pytest.fixture
def mission_dates() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today + datetime.timedelta(days=START_IN_DAYS), today + datetime.timedelta(days=END_IN_DAYS)


@pytest.fixture
def volunteer(users, sending, mission_dates) -> Person:
    """A surgeon of ``sending`` with every credential Kenya requires, verified by ``sending``,
    except the professional licence."""
    user = make_user("kamau@example.org", "Grace Kamau")
    person = Person.objects.create(
        user=user,
        full_name=user.full_name,
        email=user.email,
        profession=Specialty.objects.get(slug="medicine"),
        years_of_experience=9,
    )
    PersonSpecialty.objects.create(
        person=person,
        specialty=Specialty.objects.get(slug="general-surgery"),
        proficiency=Proficiency.EXPERIENCED,
    )
    Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
    today = timezone.localdate()
    for slug, issuing_body, country in HELD:
        credential_type = CredentialType.objects.get(slug=slug)
        credential = Credential(
            person=person,
            credential_type=credential_type,
            issuing_body=issuing_body,
            country=country,
            number=f"{slug.upper()}-1",
            issued_on=today - datetime.timedelta(days=200),
            # Valid well beyond the mission; vaccinations do not expire.
            expires_on=today + datetime.timedelta(days=3 * 365) if credential_type.has_expiry else None,
            document_content_type="application/pdf",
        )
        credential.document.save(f"{slug}.pdf", ContentFile(PDF_BYTES), save=False)
        credential.save()
        CredentialVerification.objects.create(
            credential=credential,
            organization=sending,
            outcome=VerificationOutcome.VERIFIED,
            verified_by=users["admin"],
            verified_at=timezone.now(),
        )
    # The precondition the scenario rests on: only the licence stands between them and Kenya.
    start, end = mission_dates
    result = readiness(person, "KE", start, end, organization_id=sending.pk)
    assert [check.key for check in result.unmet] == ["credential:professional-licence"]
    return person


def check_readiness(page, sending, mission_dates):
    """Open my profile, run the readiness check for Kenya; returns the readiness region."""
    from playwright.sync_api import expect

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My volunteer profile").click()
    page.wait_for_url("**/volunteers/me/")
    expect(page.get_by_role("heading", name="My volunteer profile", level=1)).to_be_visible()
    region = page.get_by_role("region", name="Readiness check")
    start, end = mission_dates
    region.get_by_label("Country").select_option(label="Kenya")
    region.get_by_label("Arrival").fill(start.isoformat())
    region.get_by_label("Departure").fill(end.isoformat())
    region.get_by_label("Verified by").select_option(label=sending.name)
    region.get_by_role("button", name="Check readiness").click()
    page.wait_for_url(re.compile(r"/volunteers/me/\?country=KE&"))
    expect(region.get_by_role("table")).to_be_visible()
    return region


def requirement_row(region, label: str):
    return region.get_by_role("row").filter(has=region.page.get_by_role("cell", name=label, exact=True))


# The live server runs in another thread, so the data must be committed: a transactional test.
# serialized_rollback restores the rows the migrations seed (specialties, credential types,
# country requirements) even when another transactional test ran first.
@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_volunteer_uploads_a_licence_admin_verifies_it_and_readiness_turns_green(
    # Data fixtures first: they are then created before Playwright starts its event loop.
    users,
    sending,
    mission_dates,
    volunteer,
    tmp_path,
    live_server,
    browser_page,
    browser_problems,
    save_screenshot,
):
    from playwright.sync_api import expect

    page = browser_page
    admin = users["admin"]
    volunteer_user = volunteer.user
    start, end = mission_dates
    today = timezone.localdate()
    pdf = tmp_path / "gmc-licence.pdf"
    pdf.write_bytes(PDF_BYTES)

    # 1. The volunteer signs in and checks readiness for Kenya: only the licence is missing.
    sign_in(page, volunteer_user)
    region = check_readiness(page, sending, mission_dates)
    expect(region).to_contain_text("1 requirement is not met.")
    licence_row = requirement_row(region, LICENCE)
    expect(licence_row.get_by_text("Not met", exact=True)).to_be_visible()
    expect(licence_row).to_contain_text("Missing.")
    for label in ("Passport", "Host-country temporary licence (Kenya)", "Availability"):
        expect(requirement_row(region, label).get_by_text("Met", exact=True)).to_be_visible()
    expect(region.get_by_text("Not met", exact=True)).to_have_count(1)
    save_screenshot(page, "01-readiness-licence-missing")

    # 2. They add the licence with its document.
    page.get_by_role("link", name="Manage your credentials and upload documents").click()
    page.wait_for_url("**/volunteers/me/credentials/")
    page.get_by_role("link", name="Add a credential").click()
    page.wait_for_url("**/volunteers/me/credentials/add/")
    expect(page.get_by_role("heading", name="Add a credential", level=1)).to_be_visible()
    page.get_by_label("Type").select_option(label=LICENCE)
    page.get_by_label("Issuing body").fill(LICENCE_BODY)
    page.get_by_label("Country of issue").select_option(label="United Kingdom")
    page.get_by_label("Number").fill(LICENCE_NUMBER)
    page.get_by_label("Issued on").fill((today - datetime.timedelta(days=400)).isoformat())
    licence_expiry = today + datetime.timedelta(days=2 * 365)
    page.get_by_label("Expires on").fill(licence_expiry.isoformat())
    page.get_by_label("Document").set_input_files(pdf)
    save_screenshot(page, "02-licence-form-filled")
    page.get_by_role("button", name="Save").click()

    # 3. The list shows it, not verified yet.
    page.wait_for_url("**/volunteers/me/credentials/")
    expect(page.get_by_role("status")).to_contain_text("Credential added.")
    listed = page.get_by_role("row").filter(has=page.get_by_role("cell", name=LICENCE, exact=True))
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(LICENCE_BODY)
    expect(listed).to_contain_text("United Kingdom")
    expect(listed).to_contain_text(LICENCE_NUMBER)
    expect(listed).to_contain_text("Not verified")
    save_screenshot(page, "03-credentials-licence-not-verified")

    # ... and readiness still says no, because nobody has verified it.
    region = check_readiness(page, sending, mission_dates)
    licence_row = requirement_row(region, LICENCE)
    expect(licence_row.get_by_text("Not met", exact=True)).to_be_visible()
    expect(licence_row).to_contain_text("Uploaded, but not yet verified.")
    expect(region).to_contain_text("1 requirement is not met.")
    save_screenshot(page, "04-readiness-licence-unverified")

    # 4. Sending's admin verifies it from the verification queue.
    sign_out(page)
    sign_in(page, admin)
    expect(page.get_by_role("region", name="Volunteering")).to_contain_text(
        f"1 document awaits verification by {sending.name}."
    )
    page.get_by_role("link", name="Verification queue").click()
    page.wait_for_url("**/volunteers/verification/")
    expect(page.get_by_role("heading", name="Verification queue", level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("1 credential awaits a check.")
    item = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=f"{LICENCE} · {volunteer.full_name}")
    )
    expect(item).to_have_count(1)
    expect(item).to_contain_text(LICENCE_NUMBER)
    expect(item).to_contain_text("Not verified")
    item.get_by_label("Notes").fill(NOTE)
    save_screenshot(page, "05-verification-queue")
    item.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Credential verified. {volunteer.full_name} is told by email."
    )
    expect(page.get_by_text("Nothing awaits verification.")).to_be_visible()
    save_screenshot(page, "06-verification-queue-empty")

    # 5. The volunteer signs in again: every requirement is met.
    sign_out(page)
    sign_in(page, volunteer_user)
    region = check_readiness(page, sending, mission_dates)
    expect(region).to_contain_text(READY_TEXT)
    expect(region.get_by_text("Ready", exact=True)).to_be_visible()
    expect(region.get_by_text("Not met", exact=True)).to_have_count(0)
    licence_row = requirement_row(region, LICENCE)
    expect(licence_row.get_by_text("Met", exact=True)).to_be_visible()
    expect(licence_row).to_contain_text("Valid and verified until")
    shots = save_screenshot(page, "07-readiness-ready")
    assert all(shot.stat().st_size > 0 for shot in shots)

    # The database agrees.
    licence = Credential.objects.get(person=volunteer, credential_type__slug="professional-licence")
    assert licence.issuing_body == LICENCE_BODY
    assert licence.country == "GB"
    assert licence.number == LICENCE_NUMBER
    assert licence.expires_on == licence_expiry
    assert licence.document_content_type == "application/pdf"
    with licence.document.open("rb") as stored:
        assert stored.read() == PDF_BYTES
    verification = CredentialVerification.objects.get(credential=licence)
    assert verification.organization == sending
    assert verification.outcome == VerificationOutcome.VERIFIED
    assert verification.verified_by == admin
    assert verification.notes == NOTE
    result = readiness(volunteer, "KE", start, end, organization_id=sending.pk)
    assert result.ready, [(check.label, check.reason) for check in result.unmet]
    assert AuditEntry.objects.filter(
        action="volunteers.credential.verified",
        actor=admin,
        organization=sending,
        object_id=str(licence.pk),
    ).exists()
    assert AuditEntry.objects.filter(
        action="volunteers.credential.created", actor=volunteer_user, object_id=str(licence.pk)
    ).exists()
    assert [message.to for message in mail.outbox] == [[volunteer_user.email]]

    # No console errors, no 4xx/5xx (but the favicon), nothing from a CDN.
    browser_problems.assert_clean()
