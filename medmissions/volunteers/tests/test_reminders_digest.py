"""send-reminders, verification digest: the vetting admins of each organisation hear once a day
about the documents awaiting its verification."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.volunteers import reminders
from medmissions.volunteers.choices import AffiliationKind, VerificationOutcome
from medmissions.volunteers.compliance import awaiting_by_organization, awaiting_queryset
from medmissions.volunteers.models import Affiliation, CredentialVerification, Person, ReminderLog

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2027, 3, 1)


@pytest.fixture
def run(django_capture_on_commit_callbacks, mailoutbox):
    def go(today: datetime.date = TODAY, *extra: str) -> tuple[list, str]:
        before = len(mailoutbox)
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", "--today", today.isoformat(), *extra, stdout=out)
        return mailoutbox[before:], out.getvalue()

    return go


def digests(emails) -> dict[str, str]:
    """Recipient → subject of the verification digests among ``emails``."""
    return {email.to[0]: email.subject for email in emails if "await" in email.subject}


@pytest.fixture
def waiting(volunteer, make_credential):
    """Two unverified documents of the volunteer (home organisation: sending), far from expiry."""
    make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1))
    make_credential(volunteer, "bls", expires_on=datetime.date(2029, 1, 1))
    return volunteer


def test_the_vetting_admins_of_the_organisation_get_a_digest_with_counts_and_a_link(
    run, users, waiting, settings
):
    settings.SITE_URL = "https://medmissions.example"
    sent, output = run()
    assert digests(sent) == {
        "admin@example.org": "Bridge Health UK: 2 documents await verification",
        "coordinator@example.org": "Bridge Health UK: 2 documents await verification",
    }
    body = sent[0].body
    assert "Credentials of 1 person affiliated with Bridge Health UK" in body
    assert "- Basic life support (BLS): 1" in body
    assert "- Passport: 1" in body
    assert reminders.verification_queue_url() in body
    assert reminders.verification_queue_url().startswith("https://medmissions.example/volunteers/")
    assert "Verification digests sent: 2 to vetting admins of 1 organisation" in output
    logs = ReminderLog.objects.filter(kind="verification_digest")
    assert sorted(logs.values_list("recipient", flat=True)) == [
        "admin@example.org",
        "coordinator@example.org",
    ]
    assert {log.organization_id for log in logs} == {waiting.affiliations.get().organization_id}


def test_members_viewers_other_organisations_and_deactivated_admins_get_no_digest(run, users, waiting):
    users["coordinator"].is_active = False
    users["coordinator"].save(update_fields=["is_active"])
    sent, _output = run()
    assert set(digests(sent)) == {"admin@example.org"}


def test_the_digest_is_sent_at_most_once_a_day_and_again_the_next_day(run, users, waiting, make_credential):
    assert len(digests(run()[0])) == 2
    make_credential(waiting, "acls", expires_on=datetime.date(2029, 1, 1))
    sent, output = run()
    assert digests(sent) == {}
    assert "already sent today: 2" in output
    tomorrow = digests(run(TODAY + datetime.timedelta(days=1))[0])
    assert tomorrow["admin@example.org"] == "Bridge Health UK: 3 documents await verification"
    assert ReminderLog.objects.filter(kind="verification_digest").count() == 4


def test_an_admin_who_joins_later_in_the_day_gets_that_days_digest_once(run, users, waiting):
    run()
    newcomer = users["member"]
    Membership.objects.filter(user=newcomer).update(role=Role.COORDINATOR)
    assert set(digests(run()[0])) == {"member@example.org"}
    assert digests(run()[0]) == {}


def test_verified_or_rejected_documents_no_longer_count_and_nothing_waiting_means_no_digest(
    run, users, waiting, sending
):
    passport, bls = waiting.credentials.order_by("pk")
    CredentialVerification.objects.create(
        credential=passport,
        organization=sending,
        outcome=VerificationOutcome.VERIFIED,
        verified_at=timezone.now(),
    )
    assert digests(run()[0])["admin@example.org"] == "Bridge Health UK: 1 document awaits verification"
    CredentialVerification.objects.create(
        credential=bls,
        organization=sending,
        outcome=VerificationOutcome.REJECTED,
        notes="Unreadable scan.",
        verified_at=timezone.now(),
    )
    assert digests(run(TODAY + datetime.timedelta(days=1))[0]) == {}


def test_each_organisation_the_person_shared_with_verifies_for_itself(run, users, waiting, sending, host):
    Affiliation.objects.create(person=waiting, organization=host, kind=AffiliationKind.VETTING)
    for credential in waiting.credentials.all():
        CredentialVerification.objects.create(
            credential=credential, organization=sending, outcome="verified", verified_at=timezone.now()
        )
    assert digests(run()[0]) == {
        "host_admin@example.org": "Mbale Regional Hospital: 2 documents await verification"
    }


def test_credentials_without_a_document_expired_ones_and_erased_people_are_not_waiting(
    run, users, volunteer, make_credential, sending
):
    make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1), document=False)
    make_credential(volunteer, "bls", expires_on=TODAY - datetime.timedelta(days=1))
    erased = Person.objects.create(full_name="Erased", erased_at=timezone.now())
    Affiliation.objects.create(person=erased, organization=sending, kind=AffiliationKind.HOME)
    make_credential(erased, "passport", expires_on=datetime.date(2031, 1, 1))
    assert digests(run()[0]) == {}


def test_the_digest_counts_agree_with_the_compliance_section(users, waiting, sending, host, make_credential):
    Affiliation.objects.create(person=waiting, organization=sending, kind=AffiliationKind.VETTING)
    Affiliation.objects.create(person=waiting, organization=host, kind=AffiliationKind.VETTING)
    other = Person.objects.create(full_name="Second Person", email="second@example.org")
    Affiliation.objects.create(person=other, organization=sending, kind=AffiliationKind.HOME)
    make_credential(other, "passport", expires_on=datetime.date(2030, 1, 1), verified_by=host)
    summaries = awaiting_by_organization(TODAY)
    for organization in (sending, host):
        section = awaiting_queryset(organization, today=TODAY)
        assert summaries[organization.pk].documents == section.count()
        assert summaries[organization.pk].people == len({credential.person_id for credential in section})
    assert (summaries[sending.pk].documents, summaries[sending.pk].people) == (3, 2)
    assert (summaries[host.pk].documents, summaries[host.pk].people) == (2, 1)


def test_a_dry_run_sends_no_digest(run, users, waiting):
    sent, output = run(TODAY, "--dry-run")
    assert sent == []
    assert "Verification digests would be sent: 2" in output
    assert not ReminderLog.objects.exists()


def test_the_digest_links_to_the_verification_queue_by_its_url_name_once_it_exists(monkeypatch):
    monkeypatch.setattr(reminders, "VERIFICATION_QUEUE_URL_NAME", "volunteers:compliance")
    assert reminders.verification_queue_url().endswith("/volunteers/compliance/")
