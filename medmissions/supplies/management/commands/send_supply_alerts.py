"""``medmissions send-supply-alerts``: expiring lots and unmet minimum levels, one digest per
organisation to its coordinators and admins.

Meant for cron (daily, or more often: nothing is sent twice); see medmissions/supplies/alerts.py.
"""

from __future__ import annotations

import argparse
import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from medmissions.supplies import alerts


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from error


class Command(BaseCommand):
    help = (
        "Email each organisation's coordinators and admins one digest of its lots expiring within 90, 60 "
        "or 30 days (each lot and site once per threshold) and of its sites below a minimum stock level "
        "(at most once a week per level). Safe to run from cron as often as you like: every alert is "
        "recorded and never sent twice."
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
        summary = alerts.send_alerts(today=options["today"], dry_run=options["dry_run"])
        verb = "would be sent" if summary.dry_run else "sent"
        if options["verbosity"] >= 2:
            for line in summary.lines:
                self.stdout.write(f"  {line}")
        self.stdout.write(
            f"Supply alert digests {verb}: {summary.digests_sent} "
            f"({summary.expiry_alerts} expiring lots, {summary.low_stock_alerts} levels below minimum)."
        )
        self.stdout.write(
            f"Already sent earlier: {summary.expiry_already_sent} expiring lots, "
            f"{summary.low_stock_already_sent} levels below minimum this week."
        )
        if summary.without_recipients:
            self.stdout.write(
                f"Skipped, no coordinator or admin to tell: {summary.without_recipients} organisations."
            )
        if summary.lost_race:
            self.stdout.write(f"Claimed by another run at the same time: {summary.lost_race} digests.")
        if summary.dry_run:
            self.stdout.write("Dry run: nothing was sent or recorded.")
