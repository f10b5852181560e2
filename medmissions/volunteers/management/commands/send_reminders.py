"""``medmissions send-reminders``: credential expiry reminders and verification digests.

Meant for cron (daily, or more often: nothing is sent twice); see medmissions/volunteers/reminders.py.
"""

from __future__ import annotations

import argparse
import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from medmissions.volunteers import reminders


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from error


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


class Command(BaseCommand):
    help = (
        "Email people whose credentials expire in 90, 30 or 7 days (CREDENTIAL_REMINDER_DAYS), and the vetting admins of "
        "organisations with documents awaiting verification (one digest a day). Safe to run from "
        "cron as often as you like: every email is recorded and never sent twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be sent; send and record nothing.",
        )
        parser.add_argument(
            "--today",
            type=_date,
            metavar="YYYY-MM-DD",
            help="Act as if today were this date (for tests and backfills). Defaults to the local date.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = reminders.send_reminders(today=options["today"], dry_run=options["dry_run"])
        verb = "would be sent" if summary.dry_run else "sent"
        if options["verbosity"] >= 2:
            for line in summary.lines:
                self.stdout.write(f"  {line}")
        self.stdout.write(
            f"Credential expiry reminders {verb}: {summary.expiry_sent} "
            f"(already sent earlier: {summary.expiry_already_sent}; "
            f"skipped, the person has no email address: {summary.expiry_without_email})."
        )
        self.stdout.write(
            f"Verification digests {verb}: {summary.digests_sent} to vetting admins of "
            f"{_plural(len(summary.digest_organizations), 'organisation', 'organisations')} "
            f"(already sent today: {summary.digests_already_sent})."
        )
        if summary.dry_run:
            self.stdout.write("Dry run: nothing was sent or recorded.")
