"""Partner recommendations: which sending organisations could answer a host's need, and which open
needs a sending organisation could answer. Pure reads; nothing here changes the database.

Both directions score a (need, organisation) pair with the same five components, each scaled to
0..1, multiplied by its weight (``RECOMMENDATION_WEIGHTS``) and explained in a sentence, reusing
``candidates.Score`` and ``candidates.Component``:

* **capability** — for each line of the need, the organisation's people (home affiliation, active
  profiles, competent or better) holding the line's specialty or one below it (a "Surgery" line is
  met by general surgeons), up to the number of people the line asks for; a service the
  organisation only *declares* (its capabilities, mapped to specialties by
  ``CAPABILITY_SPECIALTIES``) counts for half a line. Lines are weighted by the people they ask for.
* **language** — the languages of the site and of the need spoken by the organisation's people
  (working level or better) or declared as its working languages.
* **country** — experience in the site's country: based there, or in a partnership (active,
  paused or closed) with a host there, plus missions there that reached the field.
* **site** — missions of the organisation's partnerships at this very site that reached the field.
* **values** — the host's value tags the organisation shares.

An organisation with nothing for any line of the need cannot answer it and is left out. The
flags ``works_with_host`` (an active or paused partnership with the need's host) and
``answering_need`` (party to a live mission answering the need) are shown, never scored: a host
weighs an existing partner differently from a new one, so it sees both, marked, and may hide them.

Sending organisations (``sending_organizations``) are those whose kind sends teams
(``SENDING_KINDS``) and any organisation that has been the sending party of a partnership.

Queries are per call, not per organisation or need: a need's recommendations and an
organisation's recommended needs each cost the same dozen-odd queries at any scale.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from medmissions.core.models import Language
from medmissions.matching.candidates import Component, Score
from medmissions.missions.choices import MissionStatus, NeedStatus
from medmissions.missions.models import Mission, Need, NeedLine
from medmissions.missions.services import need_statuses
from medmissions.organizations.choices import OrganizationKind
from medmissions.organizations.models import Organization, ValueTag
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.models import PartnershipParty, partner_organization_ids
from medmissions.sites.models import Site
from medmissions.volunteers.choices import AffiliationKind, LanguageLevel, Proficiency
from medmissions.volunteers.models import PersonLanguage, PersonSpecialty, Specialty
from medmissions.volunteers.readiness import SpecialtyTree

__all__ = [
    "CAPABILITY_SPECIALTIES",
    "COMPONENT_LABELS",
    "DECLARED_LINE_VALUE",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "RECOMMENDATION_WEIGHTS",
    "SENDING_KINDS",
    "NeedRecommendation",
    "NeedRecommendations",
    "PartnerRecommendation",
    "PartnerRecommendations",
    "is_sending_organization",
    "needs_visible_to_organization",
    "recommend_needs",
    "recommend_partners",
    "sending_organizations",
]

# How much each component counts (out of 100). Not tunable per organisation yet: the matching
# weights an organisation sets are about people for roles, not partners for needs.
RECOMMENDATION_WEIGHTS: dict[str, int] = {
    "capability": 40,
    "language": 15,
    "country": 15,
    "site": 15,
    "values": 15,
}

COMPONENT_LABELS = {
    "capability": gettext_lazy("Specialties for the need"),
    "language": gettext_lazy("Languages of the site"),
    "country": gettext_lazy("Experience in the country"),
    "site": gettext_lazy("Missions at this site"),
    "values": gettext_lazy("Shared values"),
}

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

# Kinds of organisation that send teams. Others (hospitals, clinics, ministries, donors, funders)
# count as sending organisations once they have been the sending party of a partnership.
SENDING_KINDS = (
    OrganizationKind.FAITH_BASED_NGO,
    OrganizationKind.SECULAR_NGO,
    OrganizationKind.UNIVERSITY,
    OrganizationKind.HEALTH_SYSTEM_EMPLOYER,
    OrganizationKind.CHURCH,
)

# Services an organisation declares (capability slugs) → the specialties they stand for. A
# declaration is a claim, not people on a roster, so it counts for ``DECLARED_LINE_VALUE`` of a line.
CAPABILITY_SPECIALTIES: dict[str, tuple[str, ...]] = {
    "primary-care": ("family-medicine",),
    "surgery": ("surgery",),
    "maternal-health": ("obstetrics-gynaecology", "midwifery"),
    "child-health": ("paediatrics",),
    "emergency-care": ("emergency-medicine",),
    "anaesthesia": ("anaesthesia",),
    "eye-care": ("optometry",),
    "dental-care": ("dentistry",),
    "mental-health": ("mental-health",),
    "rehabilitation": ("rehabilitation",),
    "public-health": ("public-health",),
    "surveillance": ("epidemiology",),
    "community-health": ("community-health-work",),
    "pharmacy": ("pharmacy",),
    "biomedical-engineering": ("biomedical-engineering",),
    "laboratory": ("laboratory",),
    "interpreting": ("interpreter",),
    "spiritual-care": ("spiritual-care",),
    "logistics": ("logistics",),
}
DECLARED_LINE_VALUE = 0.5

# Experience: missions that reached the field (or went beyond it) count; plans do not.
EXPERIENCE_STATUSES = (
    MissionStatus.IN_FIELD,
    MissionStatus.CLOSING,
    MissionStatus.COMPLETED,
    MissionStatus.EVALUATED,
)
EXPERIENCE_PARTNERSHIP_STATUSES = (
    PartnershipStatus.ACTIVE,
    PartnershipStatus.PAUSED,
    PartnershipStatus.CLOSED,
)
WORKING_PARTNERSHIP_STATUSES = (PartnershipStatus.ACTIVE, PartnershipStatus.PAUSED)
# Country: being there (based or partnered) is worth this much; missions there add the rest, full
# at ``COUNTRY_MISSIONS_CAP`` missions.
COUNTRY_PRESENCE = 0.4
COUNTRY_MISSIONS_CAP = 3
SITE_MISSIONS_CAP = 2
OPEN_STATUSES = (NeedStatus.OPEN, NeedStatus.PARTLY_MET)
_NON_HOST_ROLES = [role for role in PartyRole.values if role != PartyRole.HOST]
_LIVE_MISSION_STATUSES = [status for status in MissionStatus.values if status != MissionStatus.CANCELLED]


# Public results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartnerRecommendation:
    """A sending organisation for a need, with the score broken down."""

    organization: Organization
    score: Score
    works_with_host: bool
    answering_need: bool


@dataclass(frozen=True, slots=True)
class PartnerRecommendations:
    need: Need
    status: NeedStatus
    ranked: list[PartnerRecommendation]
    count: int = 0  # organisations that could answer, before ``limit``


@dataclass(frozen=True, slots=True)
class NeedRecommendation:
    """An open need an organisation could answer, with the score broken down."""

    need: Need
    status: NeedStatus
    score: Score
    works_with_host: bool
    answering_need: bool
    proposed_by_organization: bool
    lines: list[NeedLine] = field(default_factory=list)  # with their specialties, for display


@dataclass(frozen=True, slots=True)
class NeedRecommendations:
    organization: Organization
    is_sending: bool
    ranked: list[NeedRecommendation]
    count: int = 0  # needs it could answer, before ``limit``


# Sending organisations and visible needs ---------------------------------------------------------


def sending_organizations() -> QuerySet[Organization]:
    """Organisations that send teams: by kind, or as the sending party of any partnership."""
    return Organization.objects.filter(
        Q(kind__in=SENDING_KINDS)
        | Q(pk__in=PartnershipParty.objects.filter(role=PartyRole.SENDING).values("organization_id"))
    )


def is_sending_organization(organization: Organization) -> bool:
    return (
        organization.kind in SENDING_KINDS
        or PartnershipParty.objects.filter(organization_id=organization.pk, role=PartyRole.SENDING).exists()
    )


def needs_visible_to_organization(organization: Organization | int) -> QuerySet[Need]:
    """The needs a member of ``organization`` sees through it: ``NeedQuerySet.visible_to`` with the
    organisation in place of the user's memberships (a test keeps the two identical)."""
    own = [organization if isinstance(organization, int) else organization.pk]
    return Need.objects.filter(
        Q(host_organization_id__in=own)
        | Q(authored_by_id__in=own)
        | Q(host_organization_id__in=partner_organization_ids(own))
    ).distinct()


# Facts -------------------------------------------------------------------------------------------


@dataclass
class _NeedFacts:
    need: Need
    lines: list[NeedLine]
    language_ids: list[int]
    host_tag_ids: set[int]


@dataclass
class _OrganizationFacts:
    name: str
    country: str
    # specialty id → ids of the organisation's people holding it
    people: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    declared_specialties: set[int] = field(default_factory=set)
    spoken_languages: set[int] = field(default_factory=set)
    declared_languages: set[int] = field(default_factory=set)
    # country → partnerships with a host there; country → missions there; site → missions there
    partnerships_in: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    missions_in: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    missions_at: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    tag_ids: set[int] = field(default_factory=set)
    partner_ids: set[int] = field(default_factory=set)  # organisations it works with (active/paused)
    answering: set[int] = field(default_factory=set)  # needs it answers with a live mission


class _Vocabulary:
    """Specialties, languages and tags in memory for one call (small seeded tables)."""

    def __init__(self, language_ids: Iterable[int], tag_ids: Iterable[int]) -> None:
        self.tree = SpecialtyTree()
        self.specialty_ids = {
            slug: pk
            for pk, slug in Specialty.objects.filter(
                slug__in={slug for slugs in CAPABILITY_SPECIALTIES.values() for slug in slugs}
            ).values_list("pk", "slug")
        }
        # Seeded names are in the translation catalogue (as Language.__str__ and ValueTag.__str__).
        self.languages = {
            pk: gettext(name)
            for pk, name in Language.objects.filter(pk__in=set(language_ids)).values_list("pk", "name")
        }
        self.tags = {
            pk: gettext(name)
            for pk, name in ValueTag.objects.filter(pk__in=set(tag_ids)).values_list("pk", "name")
        }

    def below(self, roots: Iterable[int]) -> set[int]:
        """The given specialties and every specialty below them."""
        roots = set(roots)
        return {pk for pk in self.tree.parent if self.tree.ancestors_and_self(pk) & roots}


def _need_facts(needs: Sequence[Need]) -> list[_NeedFacts]:
    need_ids = [need.pk for need in needs]
    lines: dict[int, list[NeedLine]] = defaultdict(list)
    for line in NeedLine.objects.filter(need_id__in=need_ids).select_related("specialty").order_by("pk"):
        lines[line.need_id].append(line)
    site_languages: dict[int, list[int]] = defaultdict(list)
    for site_id, language_id in (
        Site.languages.through.objects.filter(site_id__in={need.site_id for need in needs})
        .order_by("language__name")
        .values_list("site_id", "language_id")
    ):
        site_languages[site_id].append(language_id)
    need_languages: dict[int, list[int]] = defaultdict(list)
    for need_id, language_id in (
        Need.languages.through.objects.filter(need_id__in=need_ids)
        .order_by("language__name")
        .values_list("need_id", "language_id")
    ):
        need_languages[need_id].append(language_id)
    host_tags: dict[int, set[int]] = defaultdict(set)
    for organization_id, tag_id in Organization.value_tags.through.objects.filter(
        organization_id__in={need.host_organization_id for need in needs}
    ).values_list("organization_id", "valuetag_id"):
        host_tags[organization_id].add(tag_id)
    facts = []
    for need in needs:
        languages = list(site_languages[need.site_id])
        languages += [pk for pk in need_languages[need.pk] if pk not in languages]
        facts.append(_NeedFacts(need, lines[need.pk], languages, host_tags[need.host_organization_id]))
    return facts


def _organization_facts(
    organizations: QuerySet[Organization],
    needs: list[_NeedFacts],
    vocabulary: _Vocabulary,
) -> dict[int, _OrganizationFacts]:
    """Everything the score needs about ``organizations``, limited to what ``needs`` ask about,
    in a fixed number of queries (each one filtered by the organisations as a subquery)."""
    organization_ids = organizations.values("pk")
    facts = {
        pk: _OrganizationFacts(name=name, country=str(country))
        for pk, name, country in organizations.values_list("pk", "name", "country")
    }
    if not facts:
        return facts
    line_specialties = vocabulary.below(line.specialty_id for need in needs for line in need.lines)
    language_ids = {pk for need in needs for pk in need.language_ids}
    countries = {need.need.site.country.code for need in needs}
    tag_ids = set().union(*(need.host_tag_ids for need in needs))
    host_ids = {need.need.host_organization_id for need in needs}

    people = Q(
        person__merged_into__isnull=True,
        person__erased_at__isnull=True,
        person__affiliations__kind=AffiliationKind.HOME,
        person__affiliations__organization_id__in=organization_ids,
    )
    for organization_id, person_id, specialty_id in (
        PersonSpecialty.objects.filter(
            people, specialty_id__in=line_specialties, proficiency__gte=Proficiency.COMPETENT
        )
        .values_list("person__affiliations__organization_id", "person_id", "specialty_id")
        .order_by()
        .distinct()
    ):
        facts[organization_id].people[specialty_id].add(person_id)
    for organization_id, slug in (
        Organization.capabilities.through.objects.filter(
            organization_id__in=organization_ids, capability__slug__in=CAPABILITY_SPECIALTIES
        )
        .values_list("organization_id", "capability__slug")
        .order_by()
    ):
        facts[organization_id].declared_specialties.update(
            vocabulary.specialty_ids[slug]
            for slug in CAPABILITY_SPECIALTIES[slug]
            if slug in vocabulary.specialty_ids
        )
    if language_ids:
        for organization_id, language_id in (
            PersonLanguage.objects.filter(
                people, language_id__in=language_ids, speaking__gte=LanguageLevel.WORKING
            )
            .values_list("person__affiliations__organization_id", "language_id")
            .order_by()
            .distinct()
        ):
            facts[organization_id].spoken_languages.add(language_id)
        for organization_id, language_id in (
            Organization.languages.through.objects.filter(
                organization_id__in=organization_ids, language_id__in=language_ids
            )
            .values_list("organization_id", "language_id")
            .order_by()
        ):
            facts[organization_id].declared_languages.add(language_id)
    # Partnerships with a host in the countries asked about (the organisation not being that host).
    for organization_id, country, partnership_id in (
        PartnershipParty.objects.filter(
            organization_id__in=organization_ids,
            partnership__status__in=EXPERIENCE_PARTNERSHIP_STATUSES,
            partnership__parties__role=PartyRole.HOST,
            partnership__parties__organization__country__in=countries,
        )
        .exclude(role=PartyRole.HOST)
        .values_list("organization_id", "partnership__parties__organization__country", "partnership_id")
        .order_by()
        .distinct()
    ):
        facts[organization_id].partnerships_in[str(country)].add(partnership_id)
    # Missions that reached the field in those countries, where the organisation was not the host.
    for organization_id, mission_id, site_id, country in (
        Mission.objects.filter(
            partnership__parties__organization_id__in=organization_ids,
            partnership__parties__role__in=_NON_HOST_ROLES,
            status__in=EXPERIENCE_STATUSES,
            site__country__in=countries,
        )
        .values_list("partnership__parties__organization_id", "pk", "site_id", "site__country")
        .order_by()
        .distinct()
    ):
        facts[organization_id].missions_in[str(country)].add(mission_id)
        facts[organization_id].missions_at[site_id].add(mission_id)
    if tag_ids:
        for organization_id, tag_id in (
            Organization.value_tags.through.objects.filter(
                organization_id__in=organization_ids, valuetag_id__in=tag_ids
            )
            .values_list("organization_id", "valuetag_id")
            .order_by()
        ):
            facts[organization_id].tag_ids.add(tag_id)
    # Working with the host: co-parties of an active or paused partnership (as partner_organization_ids).
    for organization_id, partner_id in (
        PartnershipParty.objects.filter(
            organization_id__in=organization_ids,
            partnership__status__in=WORKING_PARTNERSHIP_STATUSES,
            partnership__parties__organization_id__in=host_ids,
        )
        .values_list("organization_id", "partnership__parties__organization_id")
        .order_by()
        .distinct()
    ):
        facts[organization_id].partner_ids.add(partner_id)
    # Answering a need: party to a partnership with a mission (not cancelled) that answers it. One
    # filter() call, so the mission whose status is checked is the one answering the need.
    for organization_id, need_id in (
        PartnershipParty.objects.filter(
            organization_id__in=organization_ids,
            partnership__missions__needs__in=[need.need.pk for need in needs],
            partnership__missions__status__in=_LIVE_MISSION_STATUSES,
        )
        .values_list("organization_id", "partnership__missions__needs")
        .order_by()
        .distinct()
    ):
        facts[organization_id].answering.add(need_id)
    return facts


# Scoring -----------------------------------------------------------------------------------------


class _Scorer:
    def __init__(self, vocabulary: _Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.labels = {key: str(label) for key, label in COMPONENT_LABELS.items()}

    def _component(self, key: str, value: float, detail: str) -> Component:
        weight = RECOMMENDATION_WEIGHTS[key]
        value = min(max(value, 0.0), 1.0)
        # Half up, as candidates.py: whole points, never negative.
        return Component(key, self.labels[key], weight, value, int(weight * value + 0.5), detail)

    def score(self, need: _NeedFacts, organization: _OrganizationFacts) -> Score:
        components = [
            self.capability(need, organization),
            self.language(need, organization),
            self.country(need, organization),
            self.site(need, organization),
            self.values(need, organization),
        ]
        return Score(sum(component.points for component in components), components)

    def capability(self, need: _NeedFacts, organization: _OrganizationFacts) -> Component:
        tree = self.vocabulary.tree
        asked = sum(line.people for line in need.lines)
        if not asked:
            return self._component("capability", 0.0, _("The need lists no specialties."))
        met = 0.0
        parts = []
        for line in need.lines:
            wanted = line.specialty_id
            people: set[int] = set()
            for specialty_id, holders in organization.people.items():
                if wanted in tree.ancestors_and_self(specialty_id):
                    people |= holders
            declared = any(
                wanted in tree.ancestors_and_self(specialty_id)
                or specialty_id in tree.ancestors_and_self(wanted)
                for specialty_id in organization.declared_specialties
            )
            count = min(len(people), line.people)
            value = max(count / line.people, DECLARED_LINE_VALUE if declared else 0.0)
            met += value * line.people
            name = str(line.specialty)
            if count and declared and count < line.people:
                parts.append(
                    ngettext(
                        "%(specialty)s: their people for %(count)d of %(people)d place, and a declared service",
                        "%(specialty)s: their people for %(count)d of %(people)d places, and a declared service",
                        line.people,
                    )
                    % {"specialty": name, "count": count, "people": line.people}
                )
            elif count:
                parts.append(
                    ngettext(
                        "%(specialty)s: their people for %(count)d of %(people)d place",
                        "%(specialty)s: their people for %(count)d of %(people)d places",
                        line.people,
                    )
                    % {"specialty": name, "count": count, "people": line.people}
                )
            elif declared:
                parts.append(
                    _("%(specialty)s: a declared service, nobody on their roster yet") % {"specialty": name}
                )
            else:
                parts.append(_("%(specialty)s: nothing") % {"specialty": name})
        return self._component("capability", met / asked, "; ".join(parts) + ".")

    def language(self, need: _NeedFacts, organization: _OrganizationFacts) -> Component:
        total = len(need.language_ids)
        if not total:
            return self._component("language", 0.0, _("The site and the need list no languages."))
        names = self.vocabulary.languages
        spoken = [names.get(pk, "") for pk in need.language_ids if pk in organization.spoken_languages]
        declared = [
            names.get(pk, "")
            for pk in need.language_ids
            if pk in organization.declared_languages and pk not in organization.spoken_languages
        ]
        missing = [
            names.get(pk, "")
            for pk in need.language_ids
            if pk not in organization.spoken_languages and pk not in organization.declared_languages
        ]
        covered = len(spoken) + len(declared)
        detail = ngettext(
            "%(count)d of the %(total)d language of the site and the need.",
            "%(count)d of the %(total)d languages of the site and the need.",
            total,
        ) % {"count": covered, "total": total}
        if spoken:
            detail += " " + _("Spoken by their people: %(languages)s.") % {"languages": ", ".join(spoken)}
        if declared:
            detail += " " + _("Declared working languages: %(languages)s.") % {
                "languages": ", ".join(declared)
            }
        if missing:
            detail += " " + _("Missing: %(languages)s.") % {"languages": ", ".join(missing)}
        return self._component("language", covered / total, detail)

    def country(self, need: _NeedFacts, organization: _OrganizationFacts) -> Component:
        code = need.need.site.country.code
        name = str(need.need.site.country.name)
        partnerships = len(organization.partnerships_in.get(code, ()))
        missions = len(organization.missions_in.get(code, ()))
        based = organization.country == code
        value = (COUNTRY_PRESENCE if based or partnerships else 0.0) + (1 - COUNTRY_PRESENCE) * min(
            missions, COUNTRY_MISSIONS_CAP
        ) / COUNTRY_MISSIONS_CAP
        parts = []
        if based:
            parts.append(_("Based in %(country)s.") % {"country": name})
        if partnerships:
            parts.append(
                ngettext(
                    "%(count)d partnership with a host in %(country)s.",
                    "%(count)d partnerships with hosts in %(country)s.",
                    partnerships,
                )
                % {"count": partnerships, "country": name}
            )
        if missions:
            parts.append(
                ngettext(
                    "%(count)d mission in %(country)s that reached the field.",
                    "%(count)d missions in %(country)s that reached the field.",
                    missions,
                )
                % {"count": missions, "country": name}
            )
        if not parts:
            parts.append(_("No partnership or mission in %(country)s yet.") % {"country": name})
        return self._component("country", value, " ".join(parts))

    def site(self, need: _NeedFacts, organization: _OrganizationFacts) -> Component:
        missions = len(organization.missions_at.get(need.need.site_id, ()))
        site = need.need.site.name
        if not missions:
            return self._component("site", 0.0, _("No mission at %(site)s yet.") % {"site": site})
        detail = ngettext(
            "%(count)d mission at %(site)s that reached the field.",
            "%(count)d missions at %(site)s that reached the field.",
            missions,
        ) % {"count": missions, "site": site}
        return self._component("site", min(missions, SITE_MISSIONS_CAP) / SITE_MISSIONS_CAP, detail)

    def values(self, need: _NeedFacts, organization: _OrganizationFacts) -> Component:
        total = len(need.host_tag_ids)
        if not total:
            return self._component("values", 0.0, _("The host lists no values."))
        shared = sorted(self.vocabulary.tags.get(pk, "") for pk in need.host_tag_ids & organization.tag_ids)
        detail = ngettext(
            "Shares %(count)d of the host's %(total)d value.",
            "Shares %(count)d of the host's %(total)d values.",
            total,
        ) % {"count": len(shared), "total": total}
        if shared:
            detail += " " + ", ".join(shared) + "."
        return self._component("values", len(shared) / total, detail)


def _vocabulary_for(needs: list[_NeedFacts]) -> _Vocabulary:
    return _Vocabulary(
        language_ids={pk for need in needs for pk in need.language_ids},
        tag_ids=set().union(*(need.host_tag_ids for need in needs)),
    )


def _limit(limit: int | None) -> int:
    return DEFAULT_LIMIT if limit is None else max(1, min(limit, MAX_LIMIT))


# Public services ---------------------------------------------------------------------------------


def recommend_partners(
    need: Need, *, limit: int | None = DEFAULT_LIMIT, new_partners_only: bool = False
) -> PartnerRecommendations:
    """Sending organisations ranked for ``need`` (loaded through ``missions.access.get_need_or_404``).

    Organisations with nothing for any line are left out; with ``new_partners_only``, so are those
    already working with the host or answering the need. A withdrawn need has no recommendations.
    """
    status = need_statuses([need])[need.pk]
    if status == NeedStatus.WITHDRAWN:
        return PartnerRecommendations(need, status, [], 0)
    needs = _need_facts([need])
    vocabulary = _vocabulary_for(needs)
    candidates = sending_organizations().exclude(pk=need.host_organization_id)
    facts = _organization_facts(candidates, needs, vocabulary)
    scorer = _Scorer(vocabulary)
    scored = []
    for organization_id, organization_facts in facts.items():
        works = need.host_organization_id in organization_facts.partner_ids
        answering = need.pk in organization_facts.answering
        if new_partners_only and (works or answering):
            continue
        score = scorer.score(needs[0], organization_facts)
        if score.component("capability").value <= 0:
            continue
        scored.append((organization_id, score, works, answering))
    scored.sort(
        key=lambda row: (-row[1].total, -row[1].component("capability").points, facts[row[0]].name, row[0])
    )
    top = scored[: _limit(limit)]
    organizations = Organization.objects.in_bulk([row[0] for row in top])
    ranked = [
        PartnerRecommendation(organizations[organization_id], score, works, answering)
        for organization_id, score, works, answering in top
    ]
    return PartnerRecommendations(need, status, ranked, len(scored))


def open_needs_for_organization(
    organization: Organization, *, today: datetime.date | None = None
) -> list[Need]:
    """Needs the organisation sees, hosted by someone else, confirmed, not withdrawn and not over."""
    today = today or timezone.localdate()
    return list(
        needs_visible_to_organization(organization)
        .exclude(host_organization_id=organization.pk)
        .filter(withdrawn_at__isnull=True, host_confirmed_at__isnull=False, latest_end__gte=today)
        .select_related("site", "host_organization")
        .order_by("pk")
    )


def recommend_needs(
    organization: Organization,
    *,
    viewer: Any = None,
    limit: int | None = DEFAULT_LIMIT,
    today: datetime.date | None = None,
) -> NeedRecommendations:
    """Open needs ranked for ``organization`` (loaded through ``matching.access``; the viewer is a
    member). Only needs the organisation may see are considered, and, when ``viewer`` is given,
    only those the viewer may see too, so a mistake in one rule cannot reveal a need."""
    needs = open_needs_for_organization(organization, today=today)
    if viewer is not None:
        allowed = set(
            Need.objects.visible_to(viewer)
            .filter(pk__in=[need.pk for need in needs])
            .values_list("pk", flat=True)
        )
        needs = [need for need in needs if need.pk in allowed]
    is_sending = is_sending_organization(organization)
    statuses = need_statuses(needs)
    needs = [need for need in needs if statuses[need.pk] in OPEN_STATUSES]
    if not needs:
        return NeedRecommendations(organization, is_sending, [], 0)
    facts = _need_facts(needs)
    vocabulary = _vocabulary_for(facts)
    organization_facts = _organization_facts(
        Organization.objects.filter(pk=organization.pk), facts, vocabulary
    )[organization.pk]
    scorer = _Scorer(vocabulary)
    scored = []
    for need_facts in facts:
        score = scorer.score(need_facts, organization_facts)
        if score.component("capability").value <= 0:
            continue
        need = need_facts.need
        scored.append(
            NeedRecommendation(
                need=need,
                status=statuses[need.pk],
                score=score,
                works_with_host=need.host_organization_id in organization_facts.partner_ids,
                answering_need=need.pk in organization_facts.answering,
                proposed_by_organization=need.authored_by_id == organization.pk,
                lines=need_facts.lines,
            )
        )
    scored.sort(
        key=lambda row: (
            -row.score.total,
            -row.need.priority,
            row.need.earliest_start,
            row.need.pk,
        )
    )
    return NeedRecommendations(organization, is_sending, scored[: _limit(limit)], len(scored))
