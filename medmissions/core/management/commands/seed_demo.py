"""``medmissions seed-demo``: load a believable demo network and print its logins.

The data and the builder live in :mod:`medmissions.core.demo`; this command adds the transaction,
the email suppression, the "already loaded" handling and the output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction
from django.test.utils import override_settings

from medmissions.core import demo, demo_missions, demo_volunteers
from medmissions.core.errors import DomainError

# The services email hosts and parties as they would in real use (proposals, activations, status
# changes). In development the default backend prints every message to the console, which would
# bury the login table under dozens of emails to fictional people, and a configured SMTP server
# would really send them. Seeding therefore swaps in the dummy backend, which discards them.
SILENT_EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

Built = TypeVar("Built")


def _add_volunteers_and_missions() -> tuple[list, list]:
    people = demo_volunteers.build_into_loaded_demo()
    missions = [] if demo_missions.is_loaded() else demo_missions.build_into_loaded_demo()
    return people, missions


class Command(BaseCommand):
    help = (
        "Load a demo network of organisations, sites, partnerships, health checks, people, "
        "volunteer profiles, needs and missions (one shared password), then print the demo logins. Running it again "
        "creates nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--skip-if-loaded",
            action="store_true",
            help="If the demo is already loaded, say so in one line and only print the logins (used by `make run`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        if demo.is_loaded() and not demo_volunteers.is_loaded():
            # A network loaded before the demo had volunteers (or missions): add them, once.
            added = self._in_transaction(_add_volunteers_and_missions, demo_volunteers.is_loaded)
            if added is None:
                message = "The demo volunteers were added by another run meanwhile; nothing was created."
            else:
                people, missions = added
                message = (
                    f"The demo network was already loaded; its {len(people)} volunteer profiles were added"
                )
                message += f" (with its {len(missions)} missions)." if missions else "."
            self._say(verbosity, message)
        elif demo.is_loaded() and not demo_missions.is_loaded():
            # A network loaded before the demo had missions: add its needs and missions, once.
            added_missions = self._in_transaction(
                demo_missions.build_into_loaded_demo, demo_missions.is_loaded
            )
            if added_missions is None:
                message = "The demo missions were added by another run meanwhile; nothing was created."
            else:
                message = (
                    f"The demo network was already loaded; its {len(added_missions)} missions were added."
                )
            self._say(verbosity, message)
        elif demo.is_loaded():
            if options["skip_if_loaded"]:
                message = "Demo data already loaded; skipping."
            else:
                message = "The demo network is already loaded; it was left as it is and nothing was created."
            self._say(verbosity, message)
        else:
            summary = self._build()
            if summary is None:
                self._say(
                    verbosity, "The demo network was loaded by another run meanwhile; nothing was created."
                )
            else:
                self._say(
                    verbosity,
                    self.style.SUCCESS(
                        f"Demo network loaded: {summary.organizations} organisations, {summary.people} people, "
                        f"{summary.sites} sites, {summary.partnerships} partnerships, "
                        f"{summary.health_checks} health-check rounds, {summary.action_items} action items, "
                        f"{summary.volunteers} volunteer profiles, {summary.missions} missions, "
                        f"{summary.lots} lots of supplies, {summary.shipments} shipments, "
                        f"{summary.clinic_teams} clinic teams with {summary.consultations} consultations. "
                        "Emails were suppressed while seeding."
                    ),
                )
        self._say(verbosity, demo.format_logins(settings.SITE_URL))

    def _build(self) -> demo.DemoSummary | None:
        return self._in_transaction(demo.build, demo.is_loaded)

    def _in_transaction(self, build: Callable[[], Built], done: Callable[[], bool]) -> Built | None:
        """Build in one transaction with email suppressed; None if a parallel run won the race."""
        try:
            # The override must enclose the commit: services send email in on-commit callbacks,
            # which run when this (outermost) atomic block commits.
            with override_settings(EMAIL_BACKEND=SILENT_EMAIL_BACKEND), transaction.atomic():
                return build()
        except demo.DemoNotPossible as error:
            raise CommandError(str(error)) from error
        except DomainError as error:  # a service refused part of the demo: a bug in the demo data
            raise CommandError(f"Could not build the demo: {error.message}") from error
        except IntegrityError:
            # Two runs at once (e.g. two `make run`): the loser hits the unique constraints and
            # rolls back. That is fine if the winner completed the demo.
            if done():
                return None
            raise

    def _say(self, verbosity: int, text: str) -> None:
        if verbosity > 0:
            self.stdout.write(text)
