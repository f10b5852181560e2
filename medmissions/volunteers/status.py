"""Credential status, computed on read for a given day and (optionally) a given organisation.

Never stored: a stored status would be wrong the morning after it was written. The order of the
checks matters: an expired credential is expired whoever verified it; an unverified one does not
count however far its expiry is.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from medmissions.volunteers.choices import COUNTING_STATUSES, CredentialStatus, VerificationOutcome


@dataclass(frozen=True)
class StatusResult:
    status: CredentialStatus
    # The last day the credential counts (expiry plus grace), or None when it never expires.
    counts_until: datetime.date | None
    verified_by: int | None  # organisation id whose verification made it count

    @property
    def counts(self) -> bool:
        return self.status in COUNTING_STATUSES


def counts_until(credential, grace_days: int | None = None) -> datetime.date | None:
    """The last day the credential counts: its expiry plus the type's grace period."""
    if credential.expires_on is None:
        return None
    grace = credential.credential_type.grace_days if grace_days is None else grace_days
    return credential.expires_on + datetime.timedelta(days=grace)


def credential_status(
    credential,
    *,
    on: datetime.date,
    verifications: Iterable | None = None,
    organization_id: int | None = None,
    renewal_window_days: int | None = None,
) -> StatusResult:
    """The credential's status on day ``on``.

    ``verifications`` are the credential's CredentialVerification rows (pass them to avoid a query
    in batch work). With ``organization_id`` only that organisation's verification counts;
    without it, any organisation's does. A rejection by the organisation asked about wins.
    """
    window = settings.CREDENTIAL_RENEWAL_WINDOW_DAYS if renewal_window_days is None else renewal_window_days
    last_day = counts_until(credential)
    if credential.expires_on is not None and on > credential.expires_on:
        status = (
            CredentialStatus.GRACE if last_day is not None and on <= last_day else CredentialStatus.EXPIRED
        )
        if status == CredentialStatus.EXPIRED:
            return StatusResult(status, last_day, None)
    rows = list(credential.verifications.all() if verifications is None else verifications)
    if organization_id is not None:
        rows = [row for row in rows if row.organization_id == organization_id]
    verified = [row for row in rows if row.outcome == VerificationOutcome.VERIFIED]
    if any(row.outcome == VerificationOutcome.REJECTED for row in rows) and (
        organization_id is not None or not verified
    ):
        return StatusResult(CredentialStatus.REJECTED, last_day, None)
    if not verified:
        return StatusResult(CredentialStatus.UNVERIFIED, last_day, None)
    verifier = verified[0].organization_id
    if credential.expires_on is not None and on > credential.expires_on:
        return StatusResult(CredentialStatus.GRACE, last_day, verifier)
    if credential.expires_on is not None and (credential.expires_on - on).days <= window:
        return StatusResult(CredentialStatus.RENEWAL_DUE, last_day, verifier)
    return StatusResult(CredentialStatus.VALID, last_day, verifier)
