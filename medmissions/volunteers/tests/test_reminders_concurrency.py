"""Two send-reminders runs at the same moment (overlapping cron jobs) send every email once.

This needs a database that serves two connections at once and really commits, so it runs on
PostgreSQL only (CI runs the suite there too).
"""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection

from medmissions.volunteers import reminders
from medmissions.volunteers.models import ReminderLog

TODAY = datetime.date(2027, 3, 1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_overlapping_runs_send_each_reminder_once(volunteer, make_credential, users, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two connections committing concurrently")
    make_credential(volunteer, "passport", expires_on=TODAY + datetime.timedelta(days=30))
    # Both runs look for existing keys before either records anything: the worst interleaving.
    barrier = threading.Barrier(2, timeout=20)
    original = reminders._existing_keys

    def both_look_first(keys):
        found = original(keys)
        barrier.wait()
        return found

    monkeypatch.setattr(reminders, "_existing_keys", both_look_first)
    summaries = []
    errors = []

    def run() -> None:
        try:
            summaries.append(reminders.send_reminders(today=TODAY))
        except Exception as error:  # reported below; a thread cannot fail the test by itself
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # One passport reminder, and one digest for each of sending's two vetting admins.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@example.org",
        "coordinator@example.org",
        "volunteer@example.org",
    ]
    assert ReminderLog.objects.count() == 3
    assert sum(summary.expiry_sent for summary in summaries) == 1
    assert sum(summary.expiry_already_sent for summary in summaries) == 1
    assert sum(summary.digests_sent for summary in summaries) == 2
