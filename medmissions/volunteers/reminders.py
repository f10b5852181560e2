"""Reminders emailed by ``medmissions send-reminders`` (run daily, or more often, from cron).

* **Credential expiry**: the person is emailed 90, 30 and 7 days before a credential expires
  (``settings.CREDENTIAL_REMINDER_DAYS``). A run that missed days sends the most urgent reminder
  that is due, once: a credential found 25 days before expiry gets the 30-day reminder, and never
  the 90-day one after it. Keys carry the expiry date, so a renewed credential (a new expiry date)
  is reminded afresh; a credential the person has already replaced with a later one of the same
  type is not reminded at all.
* **Verification digest**: the vetting admins (coordinators and admins) of each organisation whose
  people's documents await its verification get one digest a day with the counts and a link to
  the verification queue.

**Sent at most once.** Every email is claimed by inserting a :class:`ReminderLog` row with a unique
key in its own transaction, and is sent only when that transaction commits. Two overlapping runs
race on the insert: the loser gets an IntegrityError and sends nothing. The price is "at most
once": should the mail server refuse a message after the commit, it is logged (core.mail) and not
retried, which is better than reminding people twice a day.

The command writes nothing but ReminderLog rows (no audit entries: it changes no record).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from medmissions.core.mail import send_on_commit
from medmissions.organizations.access import ROLE_CAPABILITIES, Capability
from medmissions.organizations.models import Membership, Organization
from medmissions.volunteers.compliance import awaiting_by_organization, renewed
from medmissions.volunteers.models import Credential, CredentialType, Person, ReminderLog

CREDENTIAL_EXPIRY = "credential_expiry"
VERIFICATION_DIGEST = "verification_digest"
# Existing keys are looked up this many at a time (bounded IN lists, bounded memory).
CHUNK = 500
# Both pages belong to other areas of the app; until their URL names exist the emails link to the
# paths they are planned at.
VERIFICATION_QUEUE_URL_NAME = "volunteers:verification_queue"
VERIFICATION_QUEUE_FALLBACK_PATH = "/volunteers/verification/"
OWN_PROFILE_URL_NAME = "volunteers:my_profile"
OWN_PROFILE_FALLBACK_PATH = "/volunteers/me/"


@dataclass
class ReminderSummary:
    """What one run sent (or, in a dry run, would have sent)."""

    dry_run: bool = False
    expiry_sent: int = 0
    expiry_already_sent: int = 0
    expiry_without_email: int = 0
    digests_sent: int = 0
    digests_already_sent: int = 0
    digest_organizations: set[int] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)  # one per email, for --verbosity 2


def reminder_days() -> list[int]:
    """The reminder thresholds, most distant first (e.g. [90, 30, 7])."""
    return sorted({int(days) for days in settings.CREDENTIAL_REMINDER_DAYS if int(days) >= 0}, reverse=True)


def due_threshold(days_left: int, thresholds: Iterable[int]) -> int | None:
    """The most urgent threshold reached ``days_left`` days before expiry, or None.

    25 days before expiry with thresholds 90/30/7 → 30; 7 days or fewer (down to the expiry day
    itself) → 7; after expiry → None.
    """
    if days_left < 0:
        return None
    reached = [threshold for threshold in thresholds if days_left <= threshold]
    return min(reached) if reached else None


def expiry_key(credential_id: int, expires_on: datetime.date, threshold: int) -> str:
    return f"credential-expiry:{credential_id}:{expires_on.isoformat()}:{threshold}"


def digest_key(organization_id: int, day: datetime.date, user_id: int) -> str:
    return f"verification-digest:{organization_id}:{day.isoformat()}:{user_id}"


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def _path(name: str, args: list[Any], fallback: str) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def verification_queue_url() -> str:
    return absolute_url(_path(VERIFICATION_QUEUE_URL_NAME, [], VERIFICATION_QUEUE_FALLBACK_PATH))


def person_recipient(person: Person) -> tuple[str, str | None] | None:
    """Where to write to the person: their account's address (in their language), else the
    address on the profile (in the site's language), else nowhere."""
    user = person.user if person.user_id else None
    if user is not None and user.email:
        return user.email, user.language
    if person.email:
        return person.email, None
    return None


def _claim_and_send(
    *,
    key: str,
    kind: str,
    recipient: tuple[str, str | None],
    template: str,
    context: dict[str, Any],
    person: Person | None = None,
    organization_id: int | None = None,
) -> bool:
    """Record ``key`` and queue the email in one transaction; False if another run recorded it first."""
    address, language = recipient
    try:
        with transaction.atomic():
            ReminderLog.objects.create(
                key=key, kind=kind, person=person, organization_id=organization_id, recipient=address
            )
            send_on_commit(template, context, [(address, language)])
    except IntegrityError:
        return False
    return True


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for first in range(0, len(keys), CHUNK):
        found.update(
            ReminderLog.objects.filter(key__in=keys[first : first + CHUNK]).values_list("key", flat=True)
        )
    return found


def _chunks(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _expiry_candidates(today: datetime.date, horizon: datetime.date) -> Iterator[Credential]:
    return (
        Credential.objects.filter(
            expires_on__gte=today,
            expires_on__lte=horizon,
            person__erased_at__isnull=True,
            person__merged_into__isnull=True,
        )
        .exclude(renewed())
        .select_related("person__user", "credential_type")
        .order_by("expires_on", "pk")
        .iterator(chunk_size=CHUNK)
    )


def send_expiry_reminders(today: datetime.date, summary: ReminderSummary) -> None:
    thresholds = reminder_days()
    if not thresholds:
        return
    horizon = today + datetime.timedelta(days=thresholds[0])
    for chunk in _chunks(_expiry_candidates(today, horizon), CHUNK):
        plans = []
        keys: list[str] = []
        for credential in chunk:
            assert credential.expires_on is not None  # filtered above
            days_left = (credential.expires_on - today).days
            threshold = due_threshold(days_left, thresholds)
            if threshold is None:
                continue
            # The due reminder and every more urgent one: if any of those went out (a backfill
            # run with an earlier --today, say), a less urgent one must not follow it.
            due_key = expiry_key(credential.pk, credential.expires_on, threshold)
            covering = [
                expiry_key(credential.pk, credential.expires_on, value)
                for value in thresholds
                if value <= threshold
            ]
            plans.append((credential, days_left, threshold, due_key, covering))
            keys.extend(covering)
        existing = _existing_keys(keys)
        for credential, days_left, threshold, due_key, covering in plans:
            if existing.intersection(covering):
                summary.expiry_already_sent += 1
                continue
            recipient = person_recipient(credential.person)
            if recipient is None:
                summary.expiry_without_email += 1
                continue
            line = f"credential expiry ({threshold} days) to {recipient[0]}: credential {credential.pk}, expires {credential.expires_on}"
            if summary.dry_run:
                summary.expiry_sent += 1
                summary.lines.append(line)
                continue
            sent = _claim_and_send(
                key=due_key,
                kind=CREDENTIAL_EXPIRY,
                recipient=recipient,
                template="credential_expiry",
                context=_expiry_context(credential, days_left, threshold),
                person=credential.person,
            )
            if sent:
                summary.expiry_sent += 1
                summary.lines.append(line)
            else:
                summary.expiry_already_sent += 1


def _expiry_context(credential: Credential, days_left: int, threshold: int) -> dict[str, Any]:
    from medmissions.volunteers.status import counts_until

    last_day = counts_until(credential)
    return {
        "person": credential.person,
        "credential": credential,
        "credential_type": credential.credential_type,
        "days_left": days_left,
        "threshold": threshold,
        "counts_until": last_day if last_day != credential.expires_on else None,
        # People without an account reach it by signing up with this address, which claims the profile.
        "link": absolute_url(_path(OWN_PROFILE_URL_NAME, [], OWN_PROFILE_FALLBACK_PATH)),
    }


def vetting_roles() -> list[str]:
    return [
        role for role, capabilities in ROLE_CAPABILITIES.items() if Capability.VET_VOLUNTEERS in capabilities
    ]


def send_verification_digests(today: datetime.date, summary: ReminderSummary) -> None:
    waiting = awaiting_by_organization(today)
    if not waiting:
        return
    organizations = Organization.objects.in_bulk(list(waiting))
    type_ids = {type_id for item in waiting.values() for type_id in (item.by_type or {})}
    types = CredentialType.objects.in_bulk(list(type_ids))
    admins = (
        Membership.objects.filter(
            organization_id__in=list(waiting), role__in=vetting_roles(), user__is_active=True
        )
        .select_related("user")
        .order_by("organization_id", "user_id")
    )
    plans = [
        (membership, digest_key(membership.organization_id, today, membership.user_id))
        for membership in admins
    ]
    existing = _existing_keys([key for _membership, key in plans])
    link = verification_queue_url()
    for membership, key in plans:
        if key in existing:
            summary.digests_already_sent += 1
            continue
        item = waiting[membership.organization_id]
        organization = organizations[membership.organization_id]
        user = membership.user
        line = f"verification digest ({item.documents} documents of {organization.slug}) to {user.email}"
        if summary.dry_run:
            sent = True
        else:
            by_type = sorted(
                ((types[type_id], count) for type_id, count in (item.by_type or {}).items()),
                key=lambda pair: (-pair[1], pair[0].name),
            )
            sent = _claim_and_send(
                key=key,
                kind=VERIFICATION_DIGEST,
                recipient=(user.email, user.language),
                template="documents_awaiting_verification",
                context={
                    "organization": organization,
                    "recipient": user,
                    "documents": item.documents,
                    "people": item.people,
                    "oldest": item.oldest,
                    "by_type": by_type,
                    "link": link,
                },
                organization_id=organization.pk,
            )
        if sent:
            summary.digests_sent += 1
            summary.digest_organizations.add(organization.pk)
            summary.lines.append(line)
        else:
            summary.digests_already_sent += 1


def send_reminders(*, today: datetime.date | None = None, dry_run: bool = False) -> ReminderSummary:
    """Send every reminder due on ``today`` (the local date by default) that was not sent yet."""
    today = today or timezone.localdate()
    summary = ReminderSummary(dry_run=dry_run)
    send_expiry_reminders(today, summary)
    send_verification_digests(today, summary)
    return summary
