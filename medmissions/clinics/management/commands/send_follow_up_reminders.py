"""``medmissions send-follow-up-reminders``: reminders of clinical follow-ups due within two days
or overdue, one email per host staff member per day, and a digest of the overdue ones to each
referring team's lead.

Meant for cron (daily, or more often: an assignee reminded today is not reminded again until
tomorrow); see ``send_reminders`` in medmissions/clinics/follow_ups.py.
"""

from __future__ import annotations

import argparse
import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from medmissions.clinics import follow_ups


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from error


class Command(BaseCommand):
    help = (
        "Email each host staff member one reminder of their open clinical follow-ups due within "
        f"{follow_ups.REMINDER_DAYS} days or overdue, and each referring team's lead a digest of the "
        "overdue ones. Safe to run from cron as often as you like: each assignee is reminded at most "
        "once a day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=_date,
            metavar="YYYY-MM-DD",
            help="Act as if today were this date (for tests and backfills). Defaults to the local date.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = follow_ups.send_reminders(today=options["today"])
        if options["verbosity"] >= 2:
            for line in summary.lines:
                self.stdout.write(f"  {line}")
        self.stdout.write(
            f"Follow-up reminders sent: {summary.assignees_reminded} "
            f"({summary.follow_ups_reminded} follow-ups, {summary.overdue} overdue)."
        )
        self.stdout.write(f"Overdue digests sent to team leads: {summary.lead_digests}.")
        if summary.already_reminded:
            self.stdout.write(f"Already reminded today: {summary.already_reminded} assignees.")
        if summary.without_recipient:
            self.stdout.write(
                f"Overdue follow-ups of teams with neither a lead nor a contact address: {summary.without_recipient}."
            )
