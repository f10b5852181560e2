"""Opportunity discovery: search, "N of your tags match", the viewer's requirement checks, saved
searches and their email alerts.

* **Search** (:func:`search_opportunities`) looks only at recruiting, host-confirmed missions
  (``access.opportunities()``) that have not ended. Filters are cleaned once by
  :func:`clean_filters` from a query string, an API call or a saved search's JSON, so all three
  agree on what a filter means.
* **Results** (:func:`build_results`) are built one page at a time with a fixed number of
  queries whatever the page size: the parties, their value tags and the roles are prefetched, and
  the viewer's requirement checks for every role on the page come from one batch
  (:func:`requirement_checks`).
* **Saved searches** store the cleaned filters as codes. The missions matching when a search is
  saved (or its filters change) are recorded as seen, so the first alert lists only new ones.
* **Alerts** (:func:`send_opportunity_alerts`, run by ``medmissions send-opportunity-alerts``)
  claim each new match by inserting a :class:`SavedSearchMatch` row (unique per search and
  mission) in the same transaction that queues the email, so overlapping runs send each match once.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DurationField, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_countries import countries

from medmissions.accounts.models import User
from medmissions.audit.services import log_action
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.core.models import Language
from medmissions.missions.access import get_mission_or_404, opportunities
from medmissions.missions.board import course_checks
from medmissions.missions.models import Completion, Mission, Role, SavedSearch, SavedSearchMatch
from medmissions.missions.regions import WhoRegion, countries_in, region_label, region_of
from medmissions.organizations.models import Organization, ValueTag
from medmissions.partnerships.choices import PartyRole
from medmissions.partnerships.models import PartnershipParty
from medmissions.sites.models import Site
from medmissions.volunteers import readiness as readiness_rules
from medmissions.volunteers.access import is_owner, require_edit
from medmissions.volunteers.choices import AvailabilityKind, Proficiency
from medmissions.volunteers.models import (
    AvailabilityWindow,
    CountryRequirement,
    Credential,
    CredentialType,
    CredentialVerification,
    Person,
    PersonLanguage,
    PersonSpecialty,
    Specialty,
)
from medmissions.volunteers.readiness import RequirementCheck, SpecialtyTree

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
MAX_SEARCH_WORDS = 8
MAX_TEXT_LENGTH = 200
MAX_DURATION_DAYS = 3660
MAX_SAVED_SEARCHES = 50
FILTER_KEYS = (
    "q",
    "specialty",
    "country",
    "region",
    "available_from",
    "available_until",
    "min_days",
    "max_days",
    "language",
    "value_tags",
)


# Filters -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    """Cleaned search filters: objects instead of codes. Empty values mean "any"."""

    q: str = ""
    specialty: Specialty | None = None
    country: str = ""
    region: str = ""
    available_from: datetime.date | None = None
    available_until: datetime.date | None = None
    min_days: int | None = None
    max_days: int | None = None
    language: Language | None = None
    value_tags: tuple[ValueTag, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe codes, empty filters left out: what a saved search stores and a link carries."""
        data: dict[str, Any] = {
            "q": self.q,
            "specialty": self.specialty.slug if self.specialty is not None else "",
            "country": self.country,
            "region": self.region,
            "available_from": self.available_from.isoformat() if self.available_from else "",
            "available_until": self.available_until.isoformat() if self.available_until else "",
            "min_days": self.min_days,
            "max_days": self.max_days,
            "language": self.language.code if self.language is not None else "",
            "value_tags": sorted(tag.slug for tag in self.value_tags),
        }
        return {key: value for key, value in data.items() if value not in ("", None, [])}

    def query_string(self) -> str:
        return query_string(self.as_dict())

    @property
    def is_empty(self) -> bool:
        return not self.as_dict()


def query_string(filters: Mapping[str, Any]) -> str:
    """Filters (as stored) as a query string, in a stable order: PostgreSQL's jsonb keeps no key order."""
    return urlencode([(key, filters[key]) for key in FILTER_KEYS if key in filters], doseq=True)


def _first(value: Any) -> Any:
    """A query string may repeat a parameter; single-valued filters take the last one."""
    if isinstance(value, list | tuple):
        return value[-1] if value else None
    return value


def _text(data: Mapping[str, Any], name: str) -> str:
    value = _first(data.get(name))
    return "" if value is None else str(value).strip()


def _date(data: Mapping[str, Any], name: str, errors: dict[str, str]) -> datetime.date | None:
    value = _first(data.get(name))
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = _("Enter a date in the form YYYY-MM-DD.")
        return None


def _days(data: Mapping[str, Any], name: str, errors: dict[str, str]) -> int | None:
    value = _first(data.get(name))
    if value in (None, ""):
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DURATION_DAYS:
        errors[name] = _("Enter a number of days between 1 and %(max)d.") % {"max": MAX_DURATION_DAYS}
        return None
    return days


def _codes(value: Any) -> list[str]:
    """Value-tag codes from a list, a repeated parameter or a comma-separated string."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else [value]
    codes: list[str] = []
    for item in items:
        codes.extend(part.strip() for part in str(item).split(",") if part.strip())
    return list(dict.fromkeys(codes))


def clean_filters(data: Mapping[str, Any]) -> SearchFilters:
    """Check raw filters (codes and ISO dates) and turn codes into objects.

    Raises ValidationFailed naming every wrong filter, e.g. an unknown specialty code or a window
    that ends before it starts. Keys other than :data:`FILTER_KEYS` are ignored.
    """
    errors: dict[str, str] = {}
    q = _text(data, "q")
    if len(q) > MAX_TEXT_LENGTH:
        errors["q"] = _("Use at most %(limit)d characters.") % {"limit": MAX_TEXT_LENGTH}
    specialty = None
    if slug := _text(data, "specialty"):
        specialty = Specialty.objects.filter(slug=slug).first()
        if specialty is None:
            errors["specialty"] = _("Unknown specialty.")
    country = _text(data, "country").upper()
    if country and country not in dict(countries):
        errors["country"] = _("Choose a country.")
    region = _text(data, "region").upper()
    if region and region not in WhoRegion.values:
        errors["region"] = _("Choose a WHO region.")
    available_from = _date(data, "available_from", errors)
    available_until = _date(data, "available_until", errors)
    if available_from and available_until and available_until < available_from:
        errors["available_until"] = _("The window ends before it starts.")
    min_days = _days(data, "min_days", errors)
    max_days = _days(data, "max_days", errors)
    if min_days and max_days and max_days < min_days:
        errors["max_days"] = _("The longest duration is shorter than the shortest.")
    language = None
    if code := _text(data, "language"):
        language = Language.objects.filter(code=code).first()
        if language is None:
            errors["language"] = _("Unknown language.")
    tags: tuple[ValueTag, ...] = ()
    if slugs := _codes(data.get("value_tags")):
        found = {tag.slug: tag for tag in ValueTag.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            errors["value_tags"] = _("Unknown value tags: %(codes)s.") % {"codes": ", ".join(unknown)}
        tags = tuple(found[slug] for slug in sorted(found))
    if errors:
        raise ValidationFailed(_("Please correct the highlighted filters."), fields=errors)
    return SearchFilters(
        q=q,
        specialty=specialty,
        country=country,
        region=region,
        available_from=available_from,
        available_until=available_until,
        min_days=min_days,
        max_days=max_days,
        language=language,
        value_tags=tags,
    )


def _related_specialty_ids(specialty_id: int) -> set[int]:
    """The node, its ancestors (a "Surgery" role takes a general surgeon) and its descendants
    (a search for "Surgery" finds the general-surgery roles), from one query on the tree."""
    parent = dict(Specialty.objects.values_list("pk", "parent_id"))
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in parent.items():
        children[parent_id].append(pk)
    found: set[int] = set()
    node: int | None = specialty_id
    while node is not None and node not in found:
        found.add(node)
        node = parent.get(node)
    pending = list(children.get(specialty_id, []))
    while pending:
        pk = pending.pop()
        if pk not in found:
            found.add(pk)
            pending.extend(children.get(pk, []))
    return found


def search_opportunities(filters: SearchFilters, *, today: datetime.date | None = None) -> QuerySet[Mission]:
    """Recruiting, host-confirmed missions ending today or later that match every filter.

    Multi-valued filters (value tags) match any chosen value; different filters must all hold.
    A mission matches the dates when it lies entirely inside the window.
    """
    today = today or timezone.localdate()
    missions = opportunities().filter(ends_on__gte=today)
    if filters.specialty is not None:
        ids = _related_specialty_ids(filters.specialty.pk)
        missions = missions.filter(pk__in=Role.objects.filter(specialty_id__in=ids).values("mission_id"))
    if filters.country:
        missions = missions.filter(site__country=filters.country)
    if filters.region:
        missions = missions.filter(site__country__in=countries_in(filters.region))
    if filters.available_from:
        missions = missions.filter(starts_on__gte=filters.available_from)
    if filters.available_until:
        missions = missions.filter(ends_on__lte=filters.available_until)
    if filters.min_days or filters.max_days:
        # Both ends count: a mission from the 3rd to the 17th lasts 15 days.
        missions = missions.annotate(
            span=ExpressionWrapper(F("ends_on") - F("starts_on"), output_field=DurationField())
        )
        if filters.min_days:
            missions = missions.filter(span__gte=datetime.timedelta(days=filters.min_days - 1))
        if filters.max_days:
            missions = missions.filter(span__lte=datetime.timedelta(days=filters.max_days - 1))
    if filters.language is not None:
        missions = missions.filter(
            Q(
                pk__in=Role.languages.through.objects.filter(language=filters.language).values(
                    "role__mission_id"
                )
            )
            | Q(site__in=Site.languages.through.objects.filter(language=filters.language).values("site_id"))
        )
    if filters.value_tags:
        missions = missions.filter(
            partnership__in=PartnershipParty.objects.filter(
                organization__value_tags__in=[tag.pk for tag in filters.value_tags]
            ).values("partnership_id")
        )
    for word in filters.q.split()[:MAX_SEARCH_WORDS]:
        missions = missions.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(site__name__icontains=word)
            | Q(site__town__icontains=word)
            | Q(
                partnership__in=PartnershipParty.objects.filter(organization__name__icontains=word).values(
                    "partnership_id"
                )
            )
        )
    return missions.order_by("starts_on", "title", "pk")


def get_opportunity_or_404(user: Any, pk: int) -> Mission:
    """A mission the user may see, or any opportunity (recruiting and host-confirmed)."""
    return get_mission_or_404(user, pk, include_opportunities=True)


# Results -----------------------------------------------------------------------------------------


def with_details(missions: QuerySet[Mission]) -> QuerySet[Mission]:
    """Everything a result shows, prefetched: a page costs the same few queries whatever its size."""
    roles = (
        Role.objects.select_related("specialty")
        .with_places()
        .prefetch_related("languages", "extra_credentials", "required_courses")
        .order_by("title", "pk")
    )
    parties = PartnershipParty.objects.select_related("organization").prefetch_related(
        "organization__value_tags"
    )
    return missions.select_related("site", "site__host_organization", "partnership").prefetch_related(
        Prefetch("roles", queryset=roles),
        Prefetch("partnership__parties", queryset=parties),
        "site__languages",
    )


@dataclass
class Viewer:
    """The signed-in person looking at opportunities: their profile (if any) and value tags."""

    person: Person | None
    tags: list[ValueTag]


def viewer_for(user: Any) -> Viewer:
    """The user's own Person (never created on a read; the page prompts instead) and their tags."""
    person = Person.objects.filter(user=user).first() if user is not None and user.is_authenticated else None
    tags = list(person.value_tags.all()) if person is not None else []
    return Viewer(person=person, tags=tags)


@dataclass
class TagMatch:
    """How many of the viewer's value tags the mission's organisations share, and which."""

    count: int
    of: int
    tags: list[ValueTag]

    @property
    def names(self) -> str:
        return ", ".join(str(tag) for tag in self.tags)


def tag_match(viewer_tags: Sequence[ValueTag], organizations: Iterable[Organization]) -> TagMatch:
    """``viewer_tags`` ∩ the union of the organisations' (prefetched) value tags."""
    theirs = {tag.pk for organization in organizations for tag in organization.value_tags.all()}
    shared = sorted((tag for tag in viewer_tags if tag.pk in theirs), key=lambda tag: str(tag).casefold())
    return TagMatch(count=len(shared), of=len(viewer_tags), tags=shared)


@dataclass
class RoleFit:
    """A role with its places left and the viewer's checks (empty without a profile)."""

    role: Role
    places_left: int
    checks: list[RequirementCheck] = field(default_factory=list)

    @property
    def met(self) -> list[RequirementCheck]:
        return [check for check in self.checks if check.met]

    @property
    def unmet(self) -> list[RequirementCheck]:
        return [check for check in self.checks if not check.met]

    @property
    def is_open(self) -> bool:
        return self.places_left > 0

    @property
    def specialty_met(self) -> bool:
        return any(check.key == "specialty" and check.met for check in self.checks)


def best_fit(fits: Sequence[RoleFit]) -> RoleFit | None:
    """The open role the viewer fits best: their specialty first, then the fewest unmet checks."""
    candidates = [fit for fit in fits if fit.is_open] or list(fits)
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda fit: (not fit.specialty_met, len(fit.unmet), fit.role.title.casefold(), fit.role.pk),
    )


@dataclass
class OpportunityResult:
    mission: Mission
    hosts: list[Organization]
    partners: list[Organization]  # every non-host party: sending, supply, funding, training…
    roles: list[RoleFit]
    best: RoleFit | None
    tag_match: TagMatch

    @property
    def duration_days(self) -> int:
        return (self.mission.ends_on - self.mission.starts_on).days + 1

    @property
    def open_roles(self) -> list[RoleFit]:
        return [fit for fit in self.roles if fit.is_open]

    @property
    def region(self) -> str:
        return region_label(region_of(self.mission.site.country.code))


def build_results(
    missions: Sequence[Mission], viewer: Viewer, *, today: datetime.date | None = None
) -> list[OpportunityResult]:
    """Results for missions loaded through :func:`with_details`, checks batched for the whole page."""
    pairs = [(mission, role) for mission in missions for role in mission.roles.all()]
    checks = requirement_checks(viewer.person, pairs, today=today) if viewer.person is not None else {}
    results = []
    for mission in missions:
        parties = list(mission.partnership.parties.all())
        hosts = [party.organization for party in parties if party.role == PartyRole.HOST]
        partners = [party.organization for party in parties if party.role != PartyRole.HOST]
        fits = [RoleFit(role, role.places_left(), checks.get(role.pk, [])) for role in mission.roles.all()]
        results.append(
            OpportunityResult(
                mission=mission,
                hosts=hosts,
                partners=partners,
                roles=fits,
                best=best_fit(fits),
                tag_match=tag_match(viewer.tags, [party.organization for party in parties]),
            )
        )
    return results


# The viewer's requirements, for many roles at once -----------------------------------------------


def requirement_checks(
    person: Person, pairs: Sequence[tuple[Mission, Role]], *, today: datetime.date | None = None
) -> dict[int, list[RequirementCheck]]:
    """The person's requirement checks for each role (keyed by role id), in nine queries however many
    roles, missions and countries there are.

    ``readiness_for_people`` answers many people for one country, window and role; a page of
    opportunities asks the opposite (one person, many missions), which would cost its queries once
    per role. So the person's rows are read once here and judged per role with the same rules and
    messages: the country's rules for the person's profession and specialties, the role's extra
    credentials (judged by readiness's own credential check), specialty and proficiency, languages
    and availability — plus the role's required courses, as on the readiness board. A test keeps
    the two in step (test_opportunities_services.py).
    """
    if not pairs:
        return {}
    today = today or timezone.localdate()
    tree = SpecialtyTree()
    own_specialties = list(
        PersonSpecialty.objects.filter(person=person).values_list("specialty_id", "proficiency")
    )
    own_nodes: set[int] = set(tree.ancestors_and_self(person.profession_id))
    for specialty_id, _level in own_specialties:
        own_nodes |= tree.ancestors_and_self(specialty_id)
    type_models = {credential_type.pk: credential_type for credential_type in CredentialType.objects.all()}
    types = {
        pk: readiness_rules._TypeRow(pk, model.slug, model.grace_days, model.issued_by_host_country)
        for pk, model in type_models.items()
    }
    credentials: dict[int, list[Any]] = defaultdict(list)
    for pk, type_id, country_code, expires_on, document in Credential.objects.filter(
        person=person
    ).values_list("pk", "credential_type_id", "country", "expires_on", "document"):
        credentials[type_id].append(
            readiness_rules._CredentialRow(
                pk, person.pk, types[type_id], country_code or "", expires_on, bool(document)
            )
        )
    verifications: dict[int, list[Any]] = defaultdict(list)
    for credential_id, organization_id, outcome in CredentialVerification.objects.filter(
        credential__person=person
    ).values_list("credential_id", "organization_id", "outcome"):
        verifications[credential_id].append(readiness_rules._VerificationRow(organization_id, outcome))
    spoken = {row.language_id: row for row in PersonLanguage.objects.filter(person=person)}
    unavailable = list(AvailabilityWindow.objects.filter(person=person, kind=AvailabilityKind.UNAVAILABLE))
    country_codes = {mission.site.country.code for mission, _role in pairs}
    rules: dict[str, list[tuple[int | None, int, int]]] = defaultdict(list)
    for country, specialty_id, type_id, lead_days in CountryRequirement.objects.filter(
        country__in=country_codes
    ).values_list("country", "specialty_id", "credential_type_id", "lead_time_days"):
        rules[str(country)].append((specialty_id, type_id, lead_days))
    completions: dict[int, list[datetime.date]] = defaultdict(list)
    for course_id, completed_on in Completion.objects.filter(person=person).values_list(
        "course_id", "completed_on"
    ):
        completions[course_id].append(completed_on)

    labels: dict[tuple[str, int], str] = {}

    def label_for(country: str, type_id: int) -> str:
        if (country, type_id) not in labels:
            model = type_models[type_id]
            labels[country, type_id] = (
                _("%(credential)s (%(country)s)")
                % {"credential": model, "country": readiness_rules._country_name(country)}
                if model.issued_by_host_country
                else str(model)
            )
        return labels[country, type_id]

    results: dict[int, list[RequirementCheck]] = {}
    for mission, role in pairs:
        country, start, end = mission.site.country.code, mission.starts_on, mission.ends_on
        checks: list[RequirementCheck] = []
        wanted: dict[int, int] = {}
        for rule_specialty_id, type_id, lead_days in rules.get(country, []):
            if (rule_specialty_id is None or rule_specialty_id in own_nodes) and lead_days >= wanted.get(
                type_id, -1
            ):
                wanted[type_id] = lead_days
        for extra in role.extra_credentials.all():
            wanted.setdefault(extra.pk, 0)
        for type_id, lead_days in sorted(wanted.items(), key=lambda item: label_for(country, item[0])):
            checks.append(
                readiness_rules._credential_check(
                    label_for(country, type_id),
                    f"credential:{types[type_id].slug}",
                    types[type_id],
                    credentials.get(type_id, []),
                    verifications,
                    country=country,
                    start=start,
                    end=end,
                    lead_days=lead_days,
                    today=today,
                    organization_id=None,
                )
            )
        checks.append(_specialty_check(role, own_specialties, tree))
        checks.extend(_language_checks(role, spoken))
        checks.append(_availability_check(unavailable, start, end))
        checks.extend(course_checks(role.required_courses.all(), completions, end))
        results[role.pk] = checks
    return results


def _day(value: datetime.date) -> str:
    return date_format(value, "j F Y")


def _specialty_check(
    role: Role, own_specialties: list[tuple[int, int]], tree: SpecialtyTree
) -> RequirementCheck:
    minimum = role.minimum_proficiency or Proficiency.TRAINEE
    best_level = max(
        (
            level
            for specialty_id, level in own_specialties
            if role.specialty_id in tree.ancestors_and_self(specialty_id)
        ),
        default=None,
    )
    label = _("Specialty: %(specialty)s") % {"specialty": role.specialty}
    if best_level is None:
        return RequirementCheck("specialty", label, False, _("Not in your profile."))
    if best_level < minimum:
        return RequirementCheck(
            "specialty",
            label,
            False,
            _("Your level is %(level)s; the role needs %(minimum)s or above.")
            % {"level": Proficiency(best_level).label, "minimum": Proficiency(minimum).label},
        )
    return RequirementCheck(
        "specialty",
        label,
        True,
        _("In your profile at %(level)s.") % {"level": Proficiency(best_level).label},
    )


def _language_checks(role: Role, spoken: dict[int, PersonLanguage]) -> list[RequirementCheck]:
    checks = []
    for language in role.languages.all():
        row = spoken.get(language.pk)
        label = _("Language: %(language)s") % {"language": language}
        key = f"language:{language.code}"
        if row is None or row.speaking < 2:
            checks.append(RequirementCheck(key, label, False, _("Working speaking level or better needed.")))
        else:
            checks.append(
                RequirementCheck(
                    key, label, True, _("Spoken at %(level)s level.") % {"level": row.get_speaking_display()}
                )
            )
    return checks


def _availability_check(
    unavailable: list[AvailabilityWindow], start: datetime.date, end: datetime.date
) -> RequirementCheck:
    clashes = [window for window in unavailable if window.starts_on <= end and window.ends_on >= start]
    if clashes:
        window = clashes[0]
        return RequirementCheck(
            "availability",
            _("Availability"),
            False,
            _("You marked yourself unavailable from %(start)s to %(end)s.")
            % {"start": _day(window.starts_on), "end": _day(window.ends_on)},
        )
    return RequirementCheck(
        "availability", _("Availability"), True, _("No unavailability declared for these dates.")
    )


# The person's own value tags ---------------------------------------------------------------------


@transaction.atomic
def set_value_tags(person: Person, *, actor: User, tags: Iterable[ValueTag]) -> list[ValueTag]:
    """Replace the values that matter to the person (matched against organisations' value tags).

    Only the person themself chooses their values: they can reveal beliefs (e.g. "faith-based"),
    so vetting admins who complete an unclaimed profile do not set them.
    """
    require_edit(actor, person)
    if not is_owner(actor, person):
        raise NotAllowed(_("Only the person themself chooses their values."), code="not_profile_owner")
    chosen = {tag.pk: tag for tag in tags}
    before = sorted(person.value_tags.values_list("slug", flat=True))
    after = sorted(tag.slug for tag in chosen.values())
    if before != after:
        person.value_tags.set(list(chosen.values()))
        log_action(
            "volunteers.person.value_tags_set",
            actor=actor,
            obj=person,
            before={"value_tags": before},
            after={"value_tags": after},
        )
    return sorted(chosen.values(), key=lambda tag: str(tag).casefold())


# Saved searches ----------------------------------------------------------------------------------


def saved_searches_of(user: Any) -> QuerySet[SavedSearch]:
    if user is None or not user.is_authenticated:
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(user=user).order_by("name", "pk")


def get_saved_search_or_404(user: Any, pk: int) -> SavedSearch:
    """One's own saved search; anyone else's answers 404 like a missing one."""
    saved = saved_searches_of(user).filter(pk=pk).first()
    if saved is None:
        raise Http404
    return saved


def _clean_name(name: Any) -> str:
    cleaned = str(name or "").strip()
    if not cleaned:
        raise ValidationFailed(_("Name the search."), fields={"name": _("Name the search.")})
    limit = SavedSearch._meta.get_field("name").max_length or 120
    if len(cleaned) > limit:
        message = _("Use at most %(limit)d characters.") % {"limit": limit}
        raise ValidationFailed(message, fields={"name": message})
    return cleaned


def _as_filters(filters: SearchFilters | Mapping[str, Any]) -> SearchFilters:
    return filters if isinstance(filters, SearchFilters) else clean_filters(filters)


def _mark_current_matches_seen(saved: SavedSearch, filters: SearchFilters) -> int:
    """What matches now is not news: only missions found later are emailed."""
    ids = list(search_opportunities(filters).values_list("pk", flat=True))
    SavedSearchMatch.objects.bulk_create(
        [SavedSearchMatch(saved_search=saved, mission_id=pk) for pk in ids], ignore_conflicts=True
    )
    return len(ids)


@transaction.atomic
def create_saved_search(
    *, actor: User, name: str, filters: SearchFilters | Mapping[str, Any], email_alerts: bool = True
) -> SavedSearch:
    """Save the filters under a name; the missions they match today are recorded as already seen."""
    cleaned_name = _clean_name(name)
    cleaned = _as_filters(filters)
    # The user's row is locked so that two quick saves cannot both pass the limit.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    if saved_searches_of(actor).count() >= MAX_SAVED_SEARCHES:
        raise Conflict(
            _("You can keep at most %(count)d saved searches; delete one first.")
            % {"count": MAX_SAVED_SEARCHES},
            code="too_many_saved_searches",
        )
    saved = SavedSearch.objects.create(
        user=actor, name=cleaned_name, filters=cleaned.as_dict(), email_alerts=bool(email_alerts)
    )
    seen = _mark_current_matches_seen(saved, cleaned)
    log_action(
        "missions.saved_search.created",
        actor=actor,
        obj=saved,
        after={"name": saved.name, "filters": saved.filters, "email_alerts": saved.email_alerts},
        data={"already_matching": seen},
    )
    return saved


def _require_owner(saved: SavedSearch, actor: User) -> None:
    if saved.user_id != actor.pk:
        raise NotAllowed(_("Only its owner can change a saved search."), code="not_owner")


@transaction.atomic
def update_saved_search(
    saved: SavedSearch,
    *,
    actor: User,
    name: str | None = None,
    email_alerts: bool | None = None,
    filters: SearchFilters | Mapping[str, Any] | None = None,
) -> SavedSearch:
    """Rename, switch alerts on or off, or change the filters (whose current matches become seen)."""
    saved = SavedSearch.objects.select_for_update().get(pk=saved.pk)
    _require_owner(saved, actor)
    before = {"name": saved.name, "filters": saved.filters, "email_alerts": saved.email_alerts}
    changed: list[str] = []
    if name is not None:
        saved.name = _clean_name(name)
        changed.append("name")
    if email_alerts is not None:
        saved.email_alerts = bool(email_alerts)
        changed.append("email_alerts")
    if filters is not None:
        cleaned = _as_filters(filters)
        if cleaned.as_dict() != saved.filters:
            saved.filters = cleaned.as_dict()
            changed.append("filters")
            _mark_current_matches_seen(saved, cleaned)
    if changed:
        saved.save(update_fields=changed)
    after = {"name": saved.name, "filters": saved.filters, "email_alerts": saved.email_alerts}
    if after != before:
        log_action("missions.saved_search.updated", actor=actor, obj=saved, before=before, after=after)
    return saved


@transaction.atomic
def delete_saved_search(saved: SavedSearch, *, actor: User) -> None:
    _require_owner(saved, actor)
    log_action(
        "missions.saved_search.deleted",
        actor=actor,
        obj=saved,
        before={"name": saved.name, "filters": saved.filters, "email_alerts": saved.email_alerts},
    )
    saved.delete()


def describe_filters(saved_searches: Sequence[SavedSearch]) -> dict[int, list[str]]:
    """Readable filters of each saved search ("Specialty: Surgery", "Region: Africa"…), in three
    queries for the whole list. Codes that no longer exist are shown as they are."""
    specialties = {node.slug: str(node) for node in Specialty.objects.all()}
    languages = {language.code: str(language) for language in Language.objects.all()}
    tags = {tag.slug: str(tag) for tag in ValueTag.objects.all()}
    country_names = dict(countries)
    described: dict[int, list[str]] = {}
    for saved in saved_searches:
        data = saved.filters or {}
        lines = []
        if data.get("q"):
            lines.append(_("Words: %(value)s") % {"value": data["q"]})
        if data.get("specialty"):
            lines.append(
                _("Specialty: %(value)s") % {"value": specialties.get(data["specialty"], data["specialty"])}
            )
        if data.get("country"):
            lines.append(
                _("Country: %(value)s") % {"value": country_names.get(data["country"], data["country"])}
            )
        if data.get("region"):
            lines.append(_("Region: %(value)s") % {"value": region_label(data["region"]) or data["region"]})
        if data.get("available_from"):
            lines.append(_("From: %(value)s") % {"value": data["available_from"]})
        if data.get("available_until"):
            lines.append(_("Until: %(value)s") % {"value": data["available_until"]})
        if data.get("min_days"):
            lines.append(_("At least %(days)s days") % {"days": data["min_days"]})
        if data.get("max_days"):
            lines.append(_("At most %(days)s days") % {"days": data["max_days"]})
        if data.get("language"):
            lines.append(
                _("Language: %(value)s") % {"value": languages.get(data["language"], data["language"])}
            )
        if data.get("value_tags"):
            names = ", ".join(tags.get(slug, slug) for slug in data["value_tags"])
            lines.append(_("Values: %(value)s") % {"value": names})
        described[saved.pk] = lines or [_("All opportunities")]
    return described


# Alerts ------------------------------------------------------------------------------------------


@dataclass
class AlertSummary:
    """What one run of ``send-opportunity-alerts`` sent (or, in a dry run, would have sent)."""

    dry_run: bool = False
    searches_checked: int = 0
    emails_sent: int = 0
    missions_sent: int = 0
    already_sent: int = 0  # matches another run claimed first
    invalid_searches: int = 0  # filters naming a code that no longer exists
    lines: list[str] = field(default_factory=list)


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def _alert_context(saved: SavedSearch, missions: Sequence[Mission]) -> dict[str, Any]:
    search_url = reverse("missions:opportunities")
    query = query_string(saved.filters or {})
    return {
        "user": saved.user,
        "saved_search": saved,
        "matches": [
            {"mission": mission, "url": absolute_url(reverse("missions:opportunity", args=[mission.pk]))}
            for mission in missions
        ],
        "search_url": absolute_url(f"{search_url}?{query}" if query else search_url),
        "saved_searches_url": absolute_url(reverse("missions:saved_searches")),
    }


def _claim_and_send(saved: SavedSearch, missions: Sequence[Mission]) -> tuple[list[Mission], int]:
    """Record each match and queue one email in one transaction; matches already recorded (by an
    overlapping run) are skipped. Returns the missions sent and how many were skipped."""
    claimed: list[Mission] = []
    skipped = 0
    with transaction.atomic():
        # Locks the search against an overlapping run and re-reads the switch: alerts may have
        # been turned off, or the search deleted, since the list was read.
        current = (
            SavedSearch.objects.select_for_update()
            .select_related("user")
            .filter(pk=saved.pk, email_alerts=True)
            .first()
        )
        if current is None:
            return [], 0
        for mission in missions:
            try:
                with transaction.atomic():
                    SavedSearchMatch.objects.create(saved_search=current, mission=mission)
            except IntegrityError:
                skipped += 1
                continue
            claimed.append(mission)
        if claimed:
            current.last_sent_at = timezone.now()
            current.save(update_fields=["last_sent_at"])
            send_on_commit(
                "opportunity_alert",
                _alert_context(current, claimed),
                [(current.user.email, current.user.language)],
            )
    return claimed, skipped


def send_opportunity_alerts(*, today: datetime.date | None = None, dry_run: bool = False) -> AlertSummary:
    """Email each saved search with alerts on the recruiting missions it matches that it was not
    sent before (one email per search). Idempotent: a second run sends nothing new."""
    today = today or timezone.localdate()
    summary = AlertSummary(dry_run=dry_run)
    searches = (
        SavedSearch.objects.filter(email_alerts=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    )
    for saved in searches.iterator(chunk_size=500):
        summary.searches_checked += 1
        try:
            filters = clean_filters(saved.filters or {})
        except ValidationFailed:
            summary.invalid_searches += 1
            logger.warning("Saved search %s has filters that no longer exist; skipped.", saved.pk)
            continue
        new = list(
            search_opportunities(filters, today=today)
            .exclude(pk__in=SavedSearchMatch.objects.filter(saved_search=saved).values("mission_id"))
            .select_related("site")
        )
        if not new:
            continue
        if dry_run:
            summary.emails_sent += 1
            summary.missions_sent += len(new)
            summary.lines.append(f"{saved.user.email}: {len(new)} for saved search {saved.pk}")
            continue
        claimed, skipped = _claim_and_send(saved, new)
        summary.already_sent += skipped
        if claimed:
            summary.emails_sent += 1
            summary.missions_sent += len(claimed)
            summary.lines.append(f"{saved.user.email}: {len(claimed)} for saved search {saved.pk}")
    return summary
