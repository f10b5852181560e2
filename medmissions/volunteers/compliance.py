"""An organisation's compliance report on the people affiliated with it.

Three sections:

* **expiring** — credentials that expire within N days (90 by default);
* **awaiting verification** — uploaded documents the organisation has neither verified nor
  rejected;
* **missing** — for a country and dates, every required credential a person does not meet, with
  the reason from :mod:`medmissions.volunteers.readiness` (computed in batches, never per person).

"Affiliated" means a home organisation or one the person shared their profile with; erased and
merged people are left out. The report only reads. Its public functions check that the actor vets
volunteers for the organisation, so the page, its CSV downloads and the API answer alike;
``send-reminders`` uses the unchecked building blocks (it acts for the platform, not for a person).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from medmissions.core.errors import ValidationFailed
from medmissions.organizations.access import Capability, require
from medmissions.organizations.models import Organization
from medmissions.volunteers.models import (
    Affiliation,
    Credential,
    CredentialType,
    CredentialVerification,
    Person,
)
from medmissions.volunteers.readiness import readiness_for_people
from medmissions.volunteers.status import StatusResult, credential_status

DEFAULT_EXPIRING_DAYS = 90
MAX_EXPIRING_DAYS = 730
DEFAULT_PERIOD_DAYS = 30
# Readiness loads everything about the people it judges; batches bound the memory and the size of
# the IN (...) lists whatever the number of people affiliated with an organisation.
READINESS_BATCH = 2000
SECTIONS = ("expiring", "awaiting-verification", "missing")


@dataclass(frozen=True)
class ComplianceFilters:
    days: int
    country: str
    start: datetime.date
    end: datetime.date
    today: datetime.date

    @property
    def country_name(self) -> str:
        return str(dict(countries).get(self.country, self.country))


@dataclass(frozen=True)
class MissingCredential:
    """One required credential that one person does not meet (yet)."""

    person: Person
    requirement: str  # the readiness key, e.g. "credential:host-temporary-licence"
    label: str
    reason: str
    due_by: datetime.date | None
    credential_id: int | None


def require_access(actor: Any, organization: Organization) -> None:
    require(actor, organization, Capability.VET_VOLUNTEERS)


def clean_filters(
    organization: Organization,
    *,
    days: Any = None,
    country: Any = None,
    start: Any = None,
    end: Any = None,
    today: datetime.date | None = None,
) -> ComplianceFilters:
    """The report's filters, with defaults: 90 days, the organisation's country, today + 30 days."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if days in (None, ""):
        days = DEFAULT_EXPIRING_DAYS
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_EXPIRING_DAYS:
        errors["days"] = _("Enter a number of days between 1 and %(maximum)d.") % {
            "maximum": MAX_EXPIRING_DAYS
        }
    country = str(country or organization.country or "").upper()
    if country not in dict(countries):
        errors["country"] = _("Choose a country.")
    if start in (None, ""):
        start = today
    if end in (None, ""):
        end = (
            start + datetime.timedelta(days=DEFAULT_PERIOD_DAYS) if isinstance(start, datetime.date) else None
        )
    if not isinstance(start, datetime.date):
        errors["start"] = _("Enter a valid date.")
    if not isinstance(end, datetime.date):
        errors["end"] = _("Enter a valid date.")
    elif isinstance(start, datetime.date) and end < start:
        errors["end"] = _("The end is before the start.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return ComplianceFilters(days=days, country=country, start=start, end=end, today=today)


# Building blocks (no permission check) --------------------------------------------------------


def affiliated_people(organization: Organization | int) -> QuerySet[Person]:
    """Active people whose home organisation this is, or who shared their profile with it."""
    return Person.objects.active().filter(
        pk__in=Affiliation.objects.filter(organization=organization).values("person_id")
    )


def not_lapsed(today: datetime.date) -> Q:
    """Credentials that still count on ``today`` as far as dates go (expiry plus the type's grace).

    One small query for the grace periods in use keeps the condition portable (no date arithmetic
    in SQL, which SQLite and PostgreSQL spell differently).
    """
    condition = Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    graces = CredentialType.objects.filter(grace_days__gt=0).values_list("grace_days", flat=True).distinct()
    for grace in graces:
        condition |= Q(
            credential_type__grace_days=grace, expires_on__gte=today - datetime.timedelta(days=grace)
        )
    return condition


def renewed() -> Exists:
    """The person holds a later credential of the same type (from the same country, for types that
    only count in the country that issued them): the old one needs no reminder any more."""
    return Exists(
        Credential.objects.filter(person=OuterRef("person"), credential_type=OuterRef("credential_type"))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
        .filter(Q(credential_type__issued_by_host_country=False) | Q(country=OuterRef("country")))
        .exclude(pk=OuterRef("pk"))
    )


def expiring_queryset(organization: Organization, *, days: int, today: datetime.date) -> QuerySet[Credential]:
    """Credentials of the organisation's people that expire between today and today + ``days``,
    soonest first, with the organisation's own verification prefetched."""
    return (
        Credential.objects.filter(
            person__in=affiliated_people(organization).values("pk"),
            expires_on__gte=today,
            expires_on__lte=today + datetime.timedelta(days=days),
        )
        .exclude(renewed())
        .select_related("person", "credential_type")
        .prefetch_related(
            Prefetch(
                "verifications",
                queryset=CredentialVerification.objects.filter(organization=organization),
                to_attr="organization_verifications",
            )
        )
        .order_by("expires_on", "person__full_name", "pk")
    )


def awaiting_queryset(organization: Organization, *, today: datetime.date) -> QuerySet[Credential]:
    """Uploaded documents of the organisation's people that it has neither verified nor rejected,
    oldest first. Credentials already past their expiry (and grace) are left out: verifying them
    would change nothing."""
    return (
        Credential.objects.filter(person__in=affiliated_people(organization).values("pk"))
        .exclude(document="")
        .filter(not_lapsed(today))
        .filter(
            ~Exists(
                CredentialVerification.objects.filter(credential=OuterRef("pk"), organization=organization)
            )
        )
        .select_related("person", "credential_type")
        .order_by("updated_at", "pk")
    )


@dataclass
class AwaitingSummary:
    """What one organisation has waiting for verification (for the daily digest)."""

    organization_id: int
    documents: int = 0
    people: int = 0
    oldest: datetime.datetime | None = None
    by_type: dict[int, int] | None = None


def awaiting_by_organization(today: datetime.date) -> dict[int, AwaitingSummary]:
    """:func:`awaiting_queryset` for every organisation at once, counted in two grouped queries."""
    pairs = (
        Credential.objects.filter(person__erased_at__isnull=True, person__merged_into__isnull=True)
        .exclude(document="")
        .filter(not_lapsed(today))
        .annotate(vetting_organization=F("person__affiliations__organization_id"))
        .filter(vetting_organization__isnull=False)
        .filter(
            ~Exists(
                CredentialVerification.objects.filter(
                    credential=OuterRef("pk"), organization=OuterRef("vetting_organization")
                )
            )
        )
    )
    summaries: dict[int, AwaitingSummary] = {}
    for row in pairs.values("vetting_organization").annotate(
        documents=Count("pk", distinct=True), people=Count("person", distinct=True), oldest=Min("updated_at")
    ):
        summaries[row["vetting_organization"]] = AwaitingSummary(
            row["vetting_organization"], row["documents"], row["people"], row["oldest"], {}
        )
    by_type: dict[int, dict[int, int]] = defaultdict(dict)
    for row in pairs.values("vetting_organization", "credential_type_id").annotate(
        documents=Count("pk", distinct=True)
    ):
        by_type[row["vetting_organization"]][row["credential_type_id"]] = row["documents"]
    for organization_id, counts in by_type.items():
        summaries[organization_id].by_type = counts
    return summaries


def missing_for_people(
    people: list[Person],
    *,
    country: str,
    start: datetime.date,
    end: datetime.date,
    organization_id: int | None,
    today: datetime.date,
) -> list[MissingCredential]:
    """Unmet credential requirements of ``people`` (in their order), from readiness in batches."""
    missing: list[MissingCredential] = []
    for first in range(0, len(people), READINESS_BATCH):
        batch = people[first : first + READINESS_BATCH]
        results = readiness_for_people(
            [person.pk for person in batch], country, start, end, organization_id=organization_id, today=today
        )
        for person in batch:
            result = results.get(person.pk)
            if result is None:
                continue
            for check in result.unmet:
                # Availability, specialty and language checks belong to missions, not to compliance.
                if check.key.startswith("credential:"):
                    missing.append(
                        MissingCredential(
                            person=person,
                            requirement=check.key,
                            label=check.label,
                            reason=check.reason,
                            due_by=check.due_by,
                            credential_id=check.credential_id,
                        )
                    )
    return missing


def organization_status(credential: Credential, organization_id: int, today: datetime.date) -> StatusResult:
    """The credential's status for the organisation (uses the verifications prefetched by
    :func:`expiring_queryset` when present)."""
    verifications = getattr(credential, "organization_verifications", None)
    return credential_status(
        credential, on=today, verifications=verifications, organization_id=organization_id
    )


# The report (checked) -------------------------------------------------------------------------


def expiring_credentials(
    organization: Organization,
    *,
    actor: Any,
    days: int | None = DEFAULT_EXPIRING_DAYS,
    today: datetime.date | None = None,
) -> QuerySet[Credential]:
    require_access(actor, organization)
    filters = clean_filters(organization, days=days, today=today)
    return expiring_queryset(organization, days=filters.days, today=filters.today)


def awaiting_verification(
    organization: Organization, *, actor: Any, today: datetime.date | None = None
) -> QuerySet[Credential]:
    require_access(actor, organization)
    return awaiting_queryset(organization, today=today or timezone.localdate())


def missing_credentials(
    organization: Organization,
    *,
    actor: Any,
    country: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    today: datetime.date | None = None,
) -> list[MissingCredential]:
    """People affiliated with the organisation who miss a credential ``country`` requires for
    serving between ``start`` and ``end``; only the organisation's own verifications count."""
    require_access(actor, organization)
    filters = clean_filters(organization, country=country, start=start, end=end, today=today)
    return _missing(organization, filters)


def _missing(organization: Organization, filters: ComplianceFilters) -> list[MissingCredential]:
    people = list(
        affiliated_people(organization).only("pk", "full_name", "email").order_by("full_name", "pk")
    )
    return missing_for_people(
        people,
        country=filters.country,
        start=filters.start,
        end=filters.end,
        organization_id=organization.pk,
        today=filters.today,
    )


class ComplianceReport:
    """The three sections for one organisation and one set of filters, each computed when first
    read (a CSV download of one section does not compute the others)."""

    def __init__(self, organization: Organization, filters: ComplianceFilters):
        self.organization = organization
        self.filters = filters

    @cached_property
    def expiring(self) -> QuerySet[Credential]:
        return expiring_queryset(self.organization, days=self.filters.days, today=self.filters.today)

    @cached_property
    def awaiting(self) -> QuerySet[Credential]:
        return awaiting_queryset(self.organization, today=self.filters.today)

    @cached_property
    def missing(self) -> list[MissingCredential]:
        return _missing(self.organization, self.filters)

    @cached_property
    def counts(self) -> dict[str, int]:
        return {
            "expiring": self.expiring.count(),
            "awaiting": self.awaiting.count(),
            "missing": len(self.missing),
            "missing_people": len({row.person.pk for row in self.missing}),
        }


def compliance_report(
    organization: Organization, *, actor: Any, filters: ComplianceFilters
) -> ComplianceReport:
    """The report for ``filters`` (see :func:`clean_filters`), if ``actor`` vets volunteers there."""
    require_access(actor, organization)
    return ComplianceReport(organization, filters)
