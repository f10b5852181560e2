"""send-reminders, credential expiry: 90, 30 and 7 days before, once each, the most urgent one when
runs were missed, afresh after a renewal, never for expired credentials or erased people."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from freezegun import freeze_time

from medmissions.conftest import make_user
from medmissions.volunteers import reminders
from medmissions.volunteers.models import Credential, Person, ReminderLog

pytestmark = pytest.mark.django_db
EXPIRY = datetime.date(2027, 6, 30)


def days_before(days: int) -> datetime.date:
    return EXPIRY - datetime.timedelta(days=days)


@pytest.fixture
def run(django_capture_on_commit_callbacks, mailoutbox):
    """Run the command on ``today`` (default: the real, possibly frozen, date); return the new
    emails and the printed summary."""
    # Load the URLconf (and with it the API's schemas) before any test freezes time: pydantic
    # cannot build schemas for freezegun's fake date classes.
    reverse("core:home")

    def go(today: datetime.date | None = None, *extra: str) -> tuple[list, str]:
        before = len(mailoutbox)
        out = io.StringIO()
        arguments = [*extra] if today is None else ["--today", today.isoformat(), *extra]
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", *arguments, stdout=out)
        return mailoutbox[before:], out.getvalue()

    return go


@pytest.fixture
def licence(volunteer, make_credential, sending):
    return make_credential(
        volunteer, "professional-licence", country="GB", expires_on=EXPIRY, verified_by=sending
    )


def thresholds_sent() -> list[int]:
    return [
        int(key.rsplit(":", 1)[1]) for key in ReminderLog.objects.order_by("pk").values_list("key", flat=True)
    ]


def test_the_reminder_goes_out_exactly_90_days_before_expiry_and_not_a_day_earlier(run, licence, settings):
    settings.SITE_URL = "https://medmissions.example"
    assert run(days_before(91))[0] == []
    with freeze_time(days_before(90)):
        sent, output = run()
    assert len(sent) == 1
    email = sent[0]
    assert email.to == ["volunteer@example.org"]
    assert (
        email.subject
        == "Your credential “Professional registration or licence” expires in 90 days, on 30 June 2027"
    )
    assert "Hello Nadia Okafor," in email.body
    assert "Issued by: Issuing council" in email.body
    # Numbers (a passport's, say) are not sent through email.
    assert "N-1" not in email.body
    assert "https://medmissions.example/volunteers/me/" in email.body
    assert "Credential expiry reminders sent: 1" in output
    log = ReminderLog.objects.get()
    assert log.key == f"credential-expiry:{licence.pk}:2027-06-30:90"
    assert (log.kind, log.person, log.recipient) == (
        "credential_expiry",
        licence.person,
        "volunteer@example.org",
    )


def test_a_daily_run_sends_exactly_three_reminders_on_the_90th_30th_and_7th_day(run, licence):
    sent_on = {}
    for days in range(100, -5, -1):
        sent, _output = run(days_before(days))
        if sent:
            sent_on[days] = len(sent)
    assert sent_on == {90: 1, 30: 1, 7: 1}
    assert thresholds_sent() == [90, 30, 7]


def test_runs_on_the_30th_and_7th_day_exactly_send_those_reminders(run, licence):
    assert len(run(days_before(90))[0]) == 1
    assert run(days_before(31))[0] == []
    assert len(run(days_before(30))[0]) == 1
    assert run(days_before(8))[0] == []
    assert len(run(days_before(7))[0]) == 1
    assert thresholds_sent() == [90, 30, 7]


def test_a_run_after_missed_days_sends_the_most_urgent_due_reminder_once(run, licence):
    sent, _output = run(days_before(25))
    assert len(sent) == 1
    assert sent[0].subject.startswith(
        "Your credential “Professional registration or licence” expires in 25 days"
    )
    assert thresholds_sent() == [30]
    assert run(days_before(24))[0] == []
    # The 90-day reminder is never sent after the 30-day one, even by a backfill run.
    assert run(days_before(60))[0] == []
    assert thresholds_sent() == [30]
    assert len(run(days_before(7))[0]) == 1
    assert thresholds_sent() == [30, 7]


def test_a_credential_first_seen_a_few_days_before_expiry_gets_only_the_7_day_reminder(run, licence):
    assert len(run(days_before(3))[0]) == 1
    assert run(days_before(2))[0] == []
    assert thresholds_sent() == [7]


def test_the_expiry_day_itself_still_gets_the_last_reminder(run, licence):
    sent, _output = run(EXPIRY)
    assert len(sent) == 1
    assert sent[0].subject == "Your credential “Professional registration or licence” expires today"
    assert "expires today." in sent[0].body


def test_expired_credentials_get_no_reminder(run, licence):
    assert run(EXPIRY + datetime.timedelta(days=1))[0] == []
    assert not ReminderLog.objects.exists()


def test_a_renewed_credential_is_reminded_again_for_its_new_expiry_date(run, licence):
    assert len(run(days_before(30))[0]) == 1
    renewed_expiry = EXPIRY.replace(year=2028)
    Credential.objects.filter(pk=licence.pk).update(expires_on=renewed_expiry)
    assert run(days_before(7))[0] == []
    sent, _output = run(renewed_expiry - datetime.timedelta(days=90))
    assert len(sent) == 1
    assert "30 June 2028" in sent[0].subject
    assert ReminderLog.objects.filter(key=f"credential-expiry:{licence.pk}:2028-06-30:90").exists()


def test_a_credential_replaced_by_a_later_one_of_the_same_type_is_not_reminded(
    run, licence, volunteer, make_credential
):
    make_credential(volunteer, "professional-licence", country="GB", expires_on=EXPIRY.replace(year=2030))
    assert run(days_before(30))[0] == []


def test_a_host_country_permit_is_not_replaced_by_one_from_another_country(run, volunteer, make_credential):
    make_credential(volunteer, "visa-work-permit", country="KE", expires_on=EXPIRY)
    make_credential(volunteer, "visa-work-permit", country="UG", expires_on=EXPIRY.replace(year=2030))
    sent, _output = run(days_before(30))
    assert len(sent) == 1
    assert "Country: Kenya" in sent[0].body


def test_running_twice_sends_each_reminder_once_and_records_it_once(run, licence, volunteer, make_credential):
    make_credential(volunteer, "passport", expires_on=days_before(-10))  # 40 days left on the run day
    first, output = run(days_before(30))
    assert len(first) == 2
    second, output = run(days_before(30))
    assert second == []
    assert "Credential expiry reminders sent: 0 (already sent earlier: 2;" in output
    assert ReminderLog.objects.count() == 2


def test_a_reminder_another_run_claimed_meanwhile_is_not_sent_again(run, licence, monkeypatch):
    # The other run inserted the key after this one looked for existing keys: the unique key stops it.
    ReminderLog.objects.create(
        key=f"credential-expiry:{licence.pk}:2027-06-30:30",
        kind="credential_expiry",
        person=licence.person,
        recipient="volunteer@example.org",
    )
    monkeypatch.setattr(reminders, "_existing_keys", lambda keys: set())
    sent, output = run(days_before(30))
    assert sent == []
    assert "already sent earlier: 1" in output
    assert ReminderLog.objects.count() == 1


def test_a_dry_run_sends_and_records_nothing(run, licence):
    sent, output = run(days_before(30), "--dry-run")
    assert sent == []
    assert not ReminderLog.objects.exists()
    assert "Credential expiry reminders would be sent: 1" in output
    assert "Dry run: nothing was sent or recorded." in output
    # The real run afterwards still sends it.
    assert len(run(days_before(30))[0]) == 1


def test_erased_and_merged_people_get_no_reminders(run, licence, volunteer, make_credential):
    other = Person.objects.create(full_name="Kept Record", email="kept@example.org")
    make_credential(other, "passport", expires_on=EXPIRY)
    Person.objects.filter(pk=volunteer.pk).update(
        erased_at=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    )
    Person.objects.filter(pk=other.pk).update(merged_into=volunteer)
    assert run(days_before(30))[0] == []
    assert not ReminderLog.objects.exists()


def test_a_person_without_an_account_is_written_to_at_the_profile_address(run, make_credential):
    person = Person.objects.create(full_name="Joseph Mutua", email="joseph.mutua@example.org")
    make_credential(person, "bls", expires_on=EXPIRY)
    sent, _output = run(days_before(7))
    assert [email.to for email in sent] == [["joseph.mutua@example.org"]]
    assert ReminderLog.objects.get().recipient == "joseph.mutua@example.org"


def test_a_person_without_any_email_address_is_skipped_and_counted(run, make_credential):
    person = Person.objects.create(full_name="No Address")
    make_credential(person, "bls", expires_on=EXPIRY)
    sent, output = run(days_before(7))
    assert sent == []
    assert "skipped, the person has no email address: 1" in output
    assert not ReminderLog.objects.exists()


def test_the_email_is_written_in_the_account_language(run, make_credential):
    user = make_user("amelie@example.org", "Amélie Durand", language="fr")
    person = Person.objects.create(user=user, full_name="Amélie Durand", email=user.email)
    make_credential(person, "passport", expires_on=EXPIRY)
    sent, _output = run(days_before(30))
    assert "30 juin 2027" in sent[0].subject


def test_credentials_without_an_expiry_date_are_never_reminded(run, volunteer, make_credential):
    make_credential(volunteer, "yellow-fever-vaccination")
    assert run(days_before(7))[0] == []


def test_today_must_be_a_date(run):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--today", "30/06/2027")


def test_the_reminder_days_come_from_the_settings(run, licence, settings):
    settings.CREDENTIAL_REMINDER_DAYS = [14]
    assert run(days_before(30))[0] == []
    assert len(run(days_before(14))[0]) == 1
    assert thresholds_sent() == [14]


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(120, None), (91, None), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (0, 7), (-1, None)],
)
def test_the_due_threshold_is_the_most_urgent_one_reached(days_left, expected):
    assert reminders.due_threshold(days_left, [90, 30, 7]) == expected
