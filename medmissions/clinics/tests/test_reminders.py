"""Follow-up reminders (``send_reminders`` and ``medmissions send-follow-up-reminders``): one email
per assignee per day for follow-ups due within two days or overdue, and a digest of the overdue
ones to the team lead; never twice the same day."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from medmissions.clinics import follow_ups
from medmissions.clinics.choices import FollowUpStatus
from medmissions.clinics.models import FollowUp
from medmissions.clinics.tests.test_referrals_support import *  # noqa: F403
from medmissions.clinics.tests.test_referrals_support import in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def due(accepted, lead, users):
    """Three follow-ups of host_member, due today, tomorrow and in five days; one of host_admin's,
    done."""
    nurse = users["host_member"]
    made = {
        "tomorrow": follow_ups.add_follow_up(
            accepted, actor=lead, description="Change the dressing.", assignee=nurse, due_on=in_days(1)
        ),
        "later": follow_ups.add_follow_up(
            accepted, actor=lead, description="Remove the stitches.", assignee=nurse, due_on=in_days(5)
        ),
        "soonest": follow_ups.add_follow_up(
            accepted, actor=lead, description="Call the family.", assignee=nurse, due_on=in_days(0)
        ),
    }
    finished = follow_ups.add_follow_up(
        accepted, actor=lead, description="Check the labs.", assignee=users["host_admin"], due_on=in_days(0)
    )
    follow_ups.update_follow_up(
        finished, actor=users["host_admin"], status=FollowUpStatus.DONE, outcome="Labs normal."
    )
    return made


def _run(django_capture_on_commit_callbacks, today):
    with django_capture_on_commit_callbacks(execute=True):
        return follow_ups.send_reminders(today=today)


def test_assignees_get_one_email_and_the_lead_a_digest_of_overdue_ones(
    due, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    summary = _run(django_capture_on_commit_callbacks, in_days(1))
    assert (
        summary.assignees_reminded,
        summary.follow_ups_reminded,
        summary.overdue,
        summary.lead_digests,
    ) == (
        1,
        2,
        1,
        1,
    )
    reminder, digest = mailoutbox
    assert reminder.to == ["host_member@example.org"]
    assert reminder.subject == "2 follow-ups are due soon or overdue"
    assert "OVERDUE since" in reminder.body and f"/clinics/follow-ups/{due['soonest'].pk}/" in reminder.body
    assert f"/clinics/follow-ups/{due['tomorrow'].pk}/" in reminder.body
    assert f"/clinics/follow-ups/{due['later'].pk}/" not in reminder.body
    assert digest.to == ["coordinator@example.org"]
    assert digest.subject == "Bridge Health EMT: 1 follow-up is overdue"
    assert "MBL-P-0042" in digest.body and "Host Member" in digest.body
    assert set(FollowUp.objects.filter(last_reminded_on=in_days(1)).values_list("pk", flat=True)) == {
        due["soonest"].pk,
        due["tomorrow"].pk,
    }


def test_reminders_are_sent_once_a_day(due, mailoutbox, django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks, in_days(1))
    mailoutbox.clear()
    again = _run(django_capture_on_commit_callbacks, in_days(1))
    assert (again.assignees_reminded, again.lead_digests, again.already_reminded) == (0, 0, 1)
    assert mailoutbox == []
    # On a later day the overdue ones are reminded again, with the one now due within two days.
    later = _run(django_capture_on_commit_callbacks, in_days(3))
    assert (later.follow_ups_reminded, later.overdue) == (3, 2)
    assert len(mailoutbox) == 2


def test_nothing_is_due_far_ahead_and_closed_follow_ups_are_never_reminded(
    due, users, mailoutbox, django_capture_on_commit_callbacks
):
    for follow_up in due.values():
        follow_ups.update_follow_up(follow_up, actor=users["host_member"], status=FollowUpStatus.CANCELLED)
    mailoutbox.clear()
    summary = _run(django_capture_on_commit_callbacks, in_days(10))
    assert summary.assignees_reminded == 0 and mailoutbox == []


def test_the_first_reminder_comes_two_days_before_the_due_date(
    due, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    summary = _run(django_capture_on_commit_callbacks, in_days(-1))
    assert (summary.follow_ups_reminded, summary.overdue, summary.lead_digests) == (2, 0, 0)
    assert [message.to for message in mailoutbox] == [["host_member@example.org"]]


def test_the_command_reports_what_it_sent(due, mailoutbox, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_follow_up_reminders", "--today", in_days(1).isoformat(), stdout=out)
    assert "Follow-up reminders sent: 1 (2 follow-ups, 1 overdue)." in out.getvalue()
    assert "Overdue digests sent to team leads: 1." in out.getvalue()
    out = io.StringIO()
    call_command("send_follow_up_reminders", "--today", in_days(1).isoformat(), stdout=out)
    assert "Already reminded today: 1 assignees." in out.getvalue()


def test_the_command_refuses_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_follow_up_reminders", "--today", "21/11/2026")


def test_the_medmissions_console_command_runs_it_under_its_dashed_name(due, capsys):
    from medmissions import cli

    cli.main(["medmissions", "send-follow-up-reminders", "--today", in_days(1).isoformat()])
    assert "Follow-up reminders sent: 1 (2 follow-ups, 1 overdue)." in capsys.readouterr().out
