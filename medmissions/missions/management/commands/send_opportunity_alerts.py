"""``medmissions send-opportunity-alerts``: email saved searches' new matching opportunities.

Meant for cron (daily, or more often: each match is sent once); see medmissions/missions/discovery.py.
"""

from __future__ import annotations

import argparse
import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from medmissions.missions import discovery


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from error


class Command(BaseCommand):
    help = (
        "Email the owner of each saved search with email alerts on the recruiting opportunities it "
        "matches that it was not sent before, one email per search. Safe to run from cron as often as "
        "you like: every match is recorded and never sent twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be sent; send and record nothing."
        )
        parser.add_argument(
            "--today",
            type=_date,
            metavar="YYYY-MM-DD",
            help="Act as if today were this date (missions that ended before it are left out).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = discovery.send_opportunity_alerts(today=options["today"], dry_run=options["dry_run"])
        verb = "would be sent" if summary.dry_run else "sent"
        if options["verbosity"] >= 2:
            for line in summary.lines:
                self.stdout.write(f"  {line}")
        self.stdout.write(
            f"Opportunity alerts {verb}: {summary.emails_sent} "
            f"({summary.missions_sent} new matches; {summary.searches_checked} saved searches checked; "
            f"already sent by another run: {summary.already_sent}; "
            f"skipped, filters no longer valid: {summary.invalid_searches})."
        )
        if summary.dry_run:
            self.stdout.write("Dry run: nothing was sent or recorded.")
