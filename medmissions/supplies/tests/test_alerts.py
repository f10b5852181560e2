"""Supply alerts (supplies/alerts.py) and the ``send-supply-alerts`` command: one digest per
organisation, each expiring lot × site × threshold once ever, each unmet level once a week."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from medmissions.core.mail import render_email
from medmissions.supplies import alerts
from medmissions.supplies.models import StockLevel, SupplyAlertLog
from medmissions.supplies.tests.reports_support import days, receive, today


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [(-1, None), (0, 30), (30, 30), (31, 60), (60, 60), (61, 90), (90, 90), (91, None)],
)
def test_due_threshold(days_left, threshold):
    assert alerts.due_threshold(days_left) == threshold


@pytest.fixture
def expiring(users, sending, warehouse, amoxicillin):
    coordinator = users["coordinator"]
    return {
        "soon": receive(coordinator, sending, warehouse, amoxicillin, "AMX-SOON", days(20), 30),
        "later": receive(coordinator, sending, warehouse, amoxicillin, "AMX-LATER", days(75), 40),
        "far": receive(coordinator, sending, warehouse, amoxicillin, "AMX-FAR", days(200), 50),
    }


def _send(mailoutbox, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return alerts.send_alerts(**kwargs)


def test_one_digest_per_organisation_to_its_coordinators_and_admins(
    expiring, users, mailoutbox, django_capture_on_commit_callbacks
):
    summary = _send(mailoutbox, django_capture_on_commit_callbacks)
    assert (summary.digests_sent, summary.expiry_alerts, summary.low_stock_alerts) == (1, 2, 0)
    assert sorted(message.to[0] for message in mailoutbox) == ["admin@example.org", "coordinator@example.org"]
    message = mailoutbox[0]
    assert message.subject == "Bridge Health UK: supplies that need attention"
    assert "1 lot expires within 30 days:" in message.body
    assert "amoxicillin 500 mg capsule, lot AMX-SOON at Bridge Health depot: 30 capsule" in message.body
    assert "1 lot expires within 90 days:" in message.body
    assert "AMX-FAR" not in message.body
    assert set(SupplyAlertLog.objects.values_list("key", flat=True)) == {
        alerts.expiry_key(expiring["soon"].pk, expiring["soon"].balances.get().site_id, 30),
        alerts.expiry_key(expiring["later"].pk, expiring["later"].balances.get().site_id, 90),
    }


def test_alerts_are_never_sent_twice(expiring, mailoutbox, django_capture_on_commit_callbacks):
    _send(mailoutbox, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    again = _send(mailoutbox, django_capture_on_commit_callbacks)
    assert (again.digests_sent, again.expiry_already_sent) == (0, 2)
    assert mailoutbox == []


def test_each_threshold_is_sent_once_as_the_expiry_comes_closer(
    expiring, mailoutbox, django_capture_on_commit_callbacks
):
    _send(mailoutbox, django_capture_on_commit_callbacks)
    # 15 days later AMX-LATER has 60 days left: its 60-day alert is due, AMX-SOON's 30 was sent.
    later = _send(mailoutbox, django_capture_on_commit_callbacks, today=today() + datetime.timedelta(days=15))
    assert (later.expiry_alerts, later.expiry_already_sent) == (1, 1)
    assert "1 lot expires within 60 days:" in mailoutbox[-1].body
    assert "AMX-LATER" in mailoutbox[-1].body and "AMX-SOON" not in mailoutbox[-1].body


def test_a_missed_run_sends_only_the_most_urgent_threshold_and_never_a_less_urgent_one_after(
    expiring, mailoutbox, django_capture_on_commit_callbacks
):
    # First run when AMX-LATER has 25 days left: its 30-day alert, not 90 or 60.
    _send(mailoutbox, django_capture_on_commit_callbacks, today=today() + datetime.timedelta(days=50))
    keys = set(SupplyAlertLog.objects.values_list("key", flat=True))
    lot = expiring["later"]
    assert alerts.expiry_key(lot.pk, lot.balances.get().site_id, 30) in keys
    assert alerts.expiry_key(lot.pk, lot.balances.get().site_id, 90) not in keys
    mailoutbox.clear()
    # A backfill run for an earlier day must not send AMX-LATER's 90-day alert afterwards (AMX-SOON,
    # already expired on the first run's day, gets its 30-day alert now).
    backfill = _send(mailoutbox, django_capture_on_commit_callbacks)
    assert (backfill.expiry_alerts, backfill.expiry_already_sent) == (1, 1)
    assert "AMX-SOON" in mailoutbox[0].body and "AMX-LATER" not in mailoutbox[0].body


def test_expired_lots_are_not_alerted(expiring, mailoutbox, django_capture_on_commit_callbacks):
    summary = _send(
        mailoutbox, django_capture_on_commit_callbacks, today=today() + datetime.timedelta(days=250)
    )
    assert summary.digests_sent == 0 and mailoutbox == []


def test_low_stock_is_alerted_once_per_iso_week_while_below(
    users, sending, warehouse, amoxicillin, mailoutbox, django_capture_on_commit_callbacks
):
    receive(users["coordinator"], sending, warehouse, amoxicillin, "AMX-OK", days(400), 30)
    level = StockLevel.objects.create(organization=sending, site=warehouse, item=amoxicillin, minimum=100)
    monday = today() - datetime.timedelta(days=today().weekday())
    first = _send(mailoutbox, django_capture_on_commit_callbacks, today=monday)
    assert (first.digests_sent, first.low_stock_alerts) == (1, 1)
    assert "1 minimum stock level is not met:" in mailoutbox[0].body
    assert "at Bridge Health depot: 30 capsule available, minimum 100" in mailoutbox[0].body
    same_week = _send(
        mailoutbox, django_capture_on_commit_callbacks, today=monday + datetime.timedelta(days=6)
    )
    assert (same_week.digests_sent, same_week.low_stock_already_sent) == (0, 1)
    next_week = _send(
        mailoutbox, django_capture_on_commit_callbacks, today=monday + datetime.timedelta(days=7)
    )
    assert next_week.low_stock_alerts == 1
    assert SupplyAlertLog.objects.filter(kind=alerts.LOW_STOCK).count() == 2
    level.minimum = 30
    level.save(update_fields=["minimum"])
    met = _send(mailoutbox, django_capture_on_commit_callbacks, today=monday + datetime.timedelta(days=14))
    assert met.low_stock_alerts == 0


def test_a_dry_run_counts_and_records_nothing(expiring, mailoutbox, django_capture_on_commit_callbacks):
    summary = _send(mailoutbox, django_capture_on_commit_callbacks, dry_run=True)
    assert (summary.digests_sent, summary.expiry_alerts) == (1, 2)
    assert mailoutbox == [] and not SupplyAlertLog.objects.exists()


def test_an_organisation_without_coordinators_gets_nothing_recorded(
    expiring, sending, mailoutbox, django_capture_on_commit_callbacks
):
    sending.memberships.filter(role__in=["admin", "coordinator"]).delete()
    summary = _send(mailoutbox, django_capture_on_commit_callbacks)
    assert (summary.digests_sent, summary.without_recipients) == (0, 1)
    assert mailoutbox == [] and not SupplyAlertLog.objects.exists()


def test_a_digest_another_run_claimed_first_is_not_sent(
    expiring, sending, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    claimed = alerts.expiry_key(expiring["soon"].pk, expiring["soon"].balances.get().site_id, 30)
    # The other run records its key between this run's reading of the keys and its claim.
    real_existing = alerts._existing_keys

    def stale(keys):
        found = real_existing(keys)
        SupplyAlertLog.objects.get_or_create(key=claimed, kind=alerts.EXPIRY, organization=sending)
        return found

    monkeypatch.setattr(alerts, "_existing_keys", stale)
    summary = _send(mailoutbox, django_capture_on_commit_callbacks)
    assert (summary.digests_sent, summary.lost_race) == (0, 1)
    assert mailoutbox == []
    assert list(SupplyAlertLog.objects.values_list("key", flat=True)) == [claimed]


def test_keys_are_unique_in_the_database(sending):
    SupplyAlertLog.objects.create(key="supply-expiry:1:1:30", kind=alerts.EXPIRY, organization=sending)
    with pytest.raises(IntegrityError):
        SupplyAlertLog.objects.create(key="supply-expiry:1:1:30", kind=alerts.EXPIRY, organization=sending)


def test_the_digest_renders_as_plain_text_in_the_recipients_language(expiring, sending):
    summary = alerts.AlertSummary()
    due = alerts._expiry_alerts(today(), summary)
    digest = alerts.Digest(sending, due[sending.pk], [])
    sending.name = "O'Brien & Partners"
    subject, body = render_email(alerts.TEMPLATE, digest.context(today()), "fr")
    assert "O'Brien & Partners" in subject
    assert "AMX-SOON" in body and "&#x27;" not in body


def test_the_command_prints_counts(expiring, mailoutbox):
    out = io.StringIO()
    call_command("send_supply_alerts", "--dry-run", f"--today={today().isoformat()}", stdout=out)
    text = out.getvalue()
    assert "Supply alert digests would be sent: 1 (2 expiring lots, 0 levels below minimum)." in text
    assert "Dry run: nothing was sent or recorded." in text
    assert not SupplyAlertLog.objects.exists()
    out = io.StringIO()
    call_command("send_supply_alerts", stdout=out, verbosity=2)
    assert "Supply alert digests sent: 1" in out.getvalue()
    assert "bridge-health: 2 expiring, 0 below minimum, to 2 people" in out.getvalue()
    assert SupplyAlertLog.objects.count() == 2


def test_the_command_refuses_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_supply_alerts", "--today=15/01/2027")
