"""Supply alerts emailed by ``medmissions send-supply-alerts`` (run daily, or more often, from cron).

Each organisation holding stock gets **one digest** for its coordinators and admins
(``missions.recipients.members_of``) listing what is new since the last one:

* **Expiring lots** — each lot at each site with units on hand, when its expiry comes within 90,
  60 and 30 days (``EXPIRY_THRESHOLDS``): once per lot, site and threshold, ever. A run that
  missed days sends only the most urgent threshold due (a lot found 25 days before expiry is
  reported at 30 days, never at 90 or 60 afterwards). Lots already expired are not alerted:
  the expiring report shows them.
* **Low stock** — each minimum level (``StockLevel``) not met, once per ISO week while it stays
  below its minimum.

**Sent at most once.** An organisation's digest is claimed by inserting one
:class:`SupplyAlertLog` row per alert (unique keys) in one transaction, and the email is sent
only when that transaction commits. Two overlapping runs race on the inserts: the loser gets an
IntegrityError, rolls back, and sends nothing (what it missed is picked up by the next run). An
organisation without coordinators or admins gets nothing and nothing is recorded, so its alerts
go out once someone can read them. Nothing else is written: no audit entries, since no record
changes.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from medmissions.core.mail import send_on_commit
from medmissions.missions.recipients import members_of
from medmissions.organizations.models import Organization
from medmissions.supplies import reports
from medmissions.supplies.models import StockBalance, StockLevel, SupplyAlertLog

EXPIRY = "supply_expiry"
LOW_STOCK = "supply_low_stock"
EXPIRY_THRESHOLDS = (90, 60, 30)
TEMPLATE = "supplies_alert_digest"
# Existing keys are looked up this many at a time (bounded IN lists).
CHUNK = 500
# The report pages; until their URL names are registered the emails link to their planned paths.
EXPIRING_URL = ("supplies:expiring", "/supplies/reports/expiring/")
LOW_STOCK_URL = ("supplies:low_stock", "/supplies/reports/low-stock/")


def expiry_key(lot_id: int, site_id: int, threshold: int) -> str:
    return f"supply-expiry:{lot_id}:{site_id}:{threshold}"


def low_stock_key(level_id: int, day: datetime.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"supply-low-stock:{level_id}:{year}-W{week:02d}"


def due_threshold(days_left: int) -> int | None:
    """The most urgent threshold reached ``days_left`` days before expiry, or None (more than 90
    days left, or already expired). 30 → 30; 31 → 60; 61 → 90; 91 → None."""
    if days_left < 0:
        return None
    reached = [threshold for threshold in EXPIRY_THRESHOLDS if days_left <= threshold]
    return min(reached) if reached else None


def _url(name: str, fallback: str) -> str:
    try:
        path = reverse(name)
    except NoReverseMatch:
        path = fallback
    return settings.SITE_URL + path


@dataclass(frozen=True)
class ExpiryAlert:
    balance: StockBalance
    threshold: int
    days_left: int
    key: str


@dataclass(frozen=True)
class LowStockAlert:
    row: reports.LowStockRow
    key: str


@dataclass
class Digest:
    """What one organisation is told in one email."""

    organization: Organization
    expiring: list[ExpiryAlert] = field(default_factory=list)
    low_stock: list[LowStockAlert] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [alert.key for alert in self.expiring] + [alert.key for alert in self.low_stock]

    def context(self, today: datetime.date) -> dict[str, Any]:
        groups: dict[int, list[ExpiryAlert]] = defaultdict(list)
        for alert in self.expiring:
            groups[alert.threshold].append(alert)
        return {
            "organization": self.organization,
            "today": today,
            "expiry_groups": [
                {"threshold": threshold, "alerts": groups[threshold]}
                for threshold in sorted(EXPIRY_THRESHOLDS)
                if groups.get(threshold)
            ],
            "low_stock": [alert.row for alert in self.low_stock],
            "expiring_url": _url(*EXPIRING_URL),
            "low_stock_url": _url(*LOW_STOCK_URL),
        }


@dataclass
class AlertSummary:
    """What one run sent (or, in a dry run, would have sent)."""

    dry_run: bool = False
    digests_sent: int = 0
    expiry_alerts: int = 0
    low_stock_alerts: int = 0
    expiry_already_sent: int = 0
    low_stock_already_sent: int = 0
    without_recipients: int = 0  # organisations with alerts but nobody to tell
    lost_race: int = 0  # digests another run claimed first
    lines: list[str] = field(default_factory=list)  # one per digest, for --verbosity 2


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for first in range(0, len(keys), CHUNK):
        found.update(
            SupplyAlertLog.objects.filter(key__in=keys[first : first + CHUNK]).values_list("key", flat=True)
        )
    return found


def _expiry_alerts(today: datetime.date, summary: AlertSummary) -> dict[int, list[ExpiryAlert]]:
    """Organisation id → expiry alerts due and not yet sent."""
    horizon = today + datetime.timedelta(days=max(EXPIRY_THRESHOLDS))
    balances = (
        StockBalance.objects.filter(on_hand__gt=0, lot__expiry_date__gte=today, lot__expiry_date__lte=horizon)
        .select_related("lot__item", "lot__owner", "site")
        .order_by("lot__expiry_date", "site__name", "lot__item__name", "lot__lot_number", "pk")
    )
    plans = []
    keys: list[str] = []
    for balance in balances:
        expiry = balance.lot.expiry_date
        assert expiry is not None  # filtered above
        days_left = (expiry - today).days
        threshold = due_threshold(days_left)
        if threshold is None:
            continue
        # The due alert and every more urgent one: if any of those went out (a run with an
        # earlier --today, say), a less urgent one must not follow it.
        covering = [
            expiry_key(balance.lot_id, balance.site_id, value)
            for value in EXPIRY_THRESHOLDS
            if value <= threshold
        ]
        plans.append((balance, threshold, days_left, covering))
        keys.extend(covering)
    existing = _existing_keys(keys)
    due: dict[int, list[ExpiryAlert]] = defaultdict(list)
    for balance, threshold, days_left, covering in plans:
        if existing.intersection(covering):
            summary.expiry_already_sent += 1
            continue
        key = expiry_key(balance.lot_id, balance.site_id, threshold)
        due[balance.lot.owner_id].append(ExpiryAlert(balance, threshold, days_left, key))
    return due


def _low_stock_alerts(today: datetime.date, summary: AlertSummary) -> dict[int, list[LowStockAlert]]:
    """Organisation id → low-stock alerts due this ISO week and not yet sent."""
    rows = reports.low_stock(StockLevel.objects.all(), today)
    keys = [low_stock_key(row.level.pk, today) for row in rows]
    existing = _existing_keys(keys)
    due: dict[int, list[LowStockAlert]] = defaultdict(list)
    for row, key in zip(rows, keys, strict=True):
        if key in existing:
            summary.low_stock_already_sent += 1
            continue
        due[row.level.organization_id].append(LowStockAlert(row, key))
    return due


def _claim_and_send(digest: Digest, today: datetime.date, recipients: list[tuple[str, str | None]]) -> bool:
    """Record the digest's keys and queue its email in one transaction; False if another run
    recorded one of them first."""
    organization = digest.organization
    rows = [
        SupplyAlertLog(key=alert.key, kind=EXPIRY, organization=organization) for alert in digest.expiring
    ]
    rows += [
        SupplyAlertLog(key=alert.key, kind=LOW_STOCK, organization=organization) for alert in digest.low_stock
    ]
    try:
        with transaction.atomic():
            SupplyAlertLog.objects.bulk_create(rows)
            send_on_commit(TEMPLATE, digest.context(today), recipients)
    except IntegrityError:
        return False
    return True


def _recipients(organization_ids: Iterable[int]) -> dict[int, list[tuple[str, str | None]]]:
    return {organization_id: members_of([organization_id]) for organization_id in organization_ids}


def send_alerts(*, today: datetime.date | None = None, dry_run: bool = False) -> AlertSummary:
    """Send every organisation's digest of the alerts due on ``today`` (the local date by
    default) that were not sent yet. With ``dry_run``, count them and send or record nothing."""
    today = today or timezone.localdate()
    summary = AlertSummary(dry_run=dry_run)
    expiring = _expiry_alerts(today, summary)
    low = _low_stock_alerts(today, summary)
    organization_ids = sorted(set(expiring) | set(low))
    if not organization_ids:
        return summary
    organizations = Organization.objects.in_bulk(organization_ids)
    recipients = _recipients(organization_ids)
    for organization_id in organization_ids:
        digest = Digest(
            organizations[organization_id], expiring.get(organization_id, []), low.get(organization_id, [])
        )
        to = recipients[organization_id]
        if not to:
            summary.without_recipients += 1
            continue
        line = (
            f"{digest.organization.slug}: {len(digest.expiring)} expiring, {len(digest.low_stock)} "
            f"below minimum, to {len(to)} people"
        )
        if not dry_run and not _claim_and_send(digest, today, to):
            summary.lost_race += 1
            continue
        summary.digests_sent += 1
        summary.expiry_alerts += len(digest.expiring)
        summary.low_stock_alerts += len(digest.low_stock)
        summary.lines.append(line)
    return summary
