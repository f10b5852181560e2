"""Needs, missions and roles: authoring, host confirmation and the mission lifecycle.

Applications and assignments (capacity, overlap, concurrency) come in applications.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.missions import recipients
from medmissions.missions.choices import (
    OPEN_MISSION_STATUSES,
    AssignmentStatus,
    EvaluationSide,
    InvitationStatus,
    MissionStatus,
    NeedPriority,
    NeedStatus,
    TeamType,
)
from medmissions.missions.models import Assignment, Invitation, Mission, Need, NeedLine, Role
from medmissions.organizations.access import Capability, can, require
from medmissions.organizations.models import Organization
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.models import Partnership, PartnershipParty
from medmissions.sites.models import Site
from medmissions.volunteers.models import Person

NEED_FIELDS = ["title", "description", "national_plan_reference", "priority", "earliest_start", "latest_end"]
MISSION_FIELDS = [
    "title",
    "description",
    "starts_on",
    "ends_on",
    "time_zone",
    "team_type",
    "capacity",
    "spiritual_care_agreed",
]


# Needs ------------------------------------------------------------------------------------------


def _are_active_partners(first: Organization, second: Organization) -> bool:
    return PartnershipParty.objects.filter(
        organization=second,
        partnership__status=PartnershipStatus.ACTIVE,
        partnership__parties__organization=first,
    ).exists()


def _clean_need(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned = {name: data.get(name) for name in NEED_FIELDS}
    for name in ("title", "description", "national_plan_reference"):
        cleaned[name] = (cleaned[name] or "").strip()
    if not cleaned["title"]:
        errors["title"] = _("Give the need a title.")
    if not cleaned["description"]:
        errors["description"] = _("Describe the need in the host's words.")
    if cleaned["priority"] in (None, ""):
        cleaned["priority"] = NeedPriority.NORMAL
    if cleaned["priority"] not in NeedPriority.values:
        errors["priority"] = _("Choose a priority.")
    start, end = cleaned["earliest_start"], cleaned["latest_end"]
    if not isinstance(start, datetime.date):
        errors["earliest_start"] = _("Enter the earliest start date.")
    if not isinstance(end, datetime.date):
        errors["latest_end"] = _("Enter the latest end date.")
    elif isinstance(start, datetime.date) and end < start:
        errors["latest_end"] = _("The window ends before it starts.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return cleaned


def _check_lines(lines: list[tuple[Any, int]]) -> None:
    """At least one line; each a specialty, listed once, for at least one person."""
    if not lines:
        raise ValidationFailed(
            _("Say which specialties are needed, and how many people."),
            fields={"lines": _("Add at least one line.")},
        )
    seen: set[int] = set()
    for specialty, people in lines:
        if not isinstance(people, int) or people < 1:
            raise ValidationFailed(
                _("Each line needs at least one person."), fields={"lines": str(specialty)}
            )
        if specialty.pk in seen:
            raise ValidationFailed(
                _("%(specialty)s is listed twice.") % {"specialty": specialty},
                fields={"lines": str(specialty)},
            )
        seen.add(specialty.pk)


@transaction.atomic
def create_need(
    *,
    actor: User,
    author: Organization,
    site: Site,
    data: dict[str, Any],
    lines: list[tuple[Any, int]],
    languages: list[Any] | None = None,
) -> Need:
    """A host writes a need for one of its sites, or an active partner proposes one for the host.

    A need written by the host is confirmed at once; a partner's proposal waits for a host admin.
    """
    require(actor, author, Capability.MANAGE_MISSIONS)
    host = site.host_organization
    if author.pk != host.pk and not _are_active_partners(author, host):
        raise NotAllowed(
            _(
                "Only the host, or an organisation in an active partnership with it, can propose needs for its sites."
            ),
            code="not_partner",
        )
    cleaned = _clean_need(data)
    _check_lines(lines)
    by_host = author.pk == host.pk
    need = Need.objects.create(
        host_organization=host,
        authored_by=author,
        site=site,
        created_by=actor,
        host_confirmed_by=actor if by_host else None,
        host_confirmed_at=timezone.now() if by_host else None,
        **cleaned,
    )
    NeedLine.objects.bulk_create(
        [NeedLine(need=need, specialty=specialty, people=people) for specialty, people in lines]
    )
    if languages:
        need.languages.set(languages)
    log_action(
        "missions.need.created",
        actor=actor,
        organization=author,
        obj=need,
        after=snapshot(need, NEED_FIELDS),
        data={"lines": [(specialty.slug, people) for specialty, people in lines], "host": host.pk},
    )
    if not by_host:
        send_on_commit(
            "need_proposed",
            {"need": need, "author": author, "actor": actor},
            recipients.members_of([host.pk], recipients.ADMINS),
        )
    return need


@transaction.atomic
def confirm_need(need: Need, *, actor: User) -> Need:
    """A host admin confirms a need a partner proposed; only then can missions answer it."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    require(
        actor,
        need.host_organization_id,
        Capability.CONFIRM_AS_HOST,
        _("Only an admin of the host organisation confirms its needs."),
    )
    if need.withdrawn_at is not None:
        raise Conflict(_("This need was withdrawn."), code="need_withdrawn")
    if need.host_confirmed_at is not None:
        raise Conflict(_("This need is already confirmed."), code="need_confirmed")
    need.host_confirmed_by, need.host_confirmed_at = actor, timezone.now()
    need.save(update_fields=["host_confirmed_by", "host_confirmed_at", "updated_at"])
    log_action("missions.need.confirmed", actor=actor, organization=need.host_organization, obj=need)
    return need


@transaction.atomic
def withdraw_need(need: Need, *, actor: User, reason: str) -> Need:
    need = Need.objects.select_for_update().get(pk=need.pk)
    if not (
        can(actor, need.host_organization_id, Capability.MANAGE_MISSIONS)
        or can(actor, need.authored_by_id, Capability.MANAGE_MISSIONS)
    ):
        raise NotAllowed(_("Only coordinators and admins of the host or of the author withdraw a need."))
    if need.withdrawn_at is not None:
        raise Conflict(_("This need is already withdrawn."), code="need_withdrawn")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the need is withdrawn."), fields={"reason": _("Give a reason.")})
    need.withdrawn_at, need.withdrawn_reason = timezone.now(), reason
    need.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
    log_action(
        "missions.need.withdrawn",
        actor=actor,
        organization=need.host_organization,
        obj=need,
        data={"reason": reason},
    )
    return need


def need_status(need: Need) -> NeedStatus:
    """Open / partly met / met, from the active assignments of live missions answering the need.

    A line counts as met by active assignments whose role specialty is the line's specialty or
    lies below it in the taxonomy.
    """
    return need_statuses([need])[need.pk]


# Missions whose assignments count towards their needs: all but cancelled ones.
_COUNTING_MISSION_STATUSES = [
    *OPEN_MISSION_STATUSES,
    MissionStatus.CLOSING,
    MissionStatus.COMPLETED,
    MissionStatus.EVALUATED,
]


def need_statuses(needs: Iterable[Need]) -> dict[int, NeedStatus]:
    """``need_status`` of many needs at once (need id → status) in a fixed number of queries.

    List pages and the API call it once per page instead of once per need.
    """
    from medmissions.volunteers.models import PersonSpecialty
    from medmissions.volunteers.readiness import SpecialtyTree

    needs = list(needs)
    result: dict[int, NeedStatus] = {}
    live = []
    for need in needs:
        if need.withdrawn_at is not None:
            result[need.pk] = NeedStatus.WITHDRAWN
        elif need.host_confirmed_at is None:
            result[need.pk] = NeedStatus.AWAITING_HOST
        else:
            live.append(need.pk)
    if not live:
        return result
    lines: dict[int, list[NeedLine]] = {pk: [] for pk in live}
    for line in NeedLine.objects.filter(need_id__in=live).order_by("pk"):
        lines[line.need_id].append(line)
    missions_of: dict[int, set[int]] = {pk: set() for pk in live}
    for need_id, mission_id in Mission.needs.through.objects.filter(need_id__in=live).values_list(
        "need_id", "mission_id"
    ):
        missions_of[need_id].add(mission_id)
    tree = SpecialtyTree()
    # Per active assignment, the specialties it brings: the role's, and the person's own ones
    # within it (a "Surgery" role filled by a general surgeon meets a "General surgery" line).
    assigned: dict[int, list[frozenset[int]]] = {}
    mission_ids = set().union(*missions_of.values())
    if mission_ids:
        rows = list(
            Assignment.objects.filter(
                mission_id__in=mission_ids,
                status=AssignmentStatus.ACTIVE,
                mission__status__in=_COUNTING_MISSION_STATUSES,
            ).values_list("mission_id", "role__specialty_id", "person_id")
        )
        own: dict[int, set[int]] = {}
        for person_id, specialty_id in PersonSpecialty.objects.filter(
            person_id__in={person_id for _mission, _specialty, person_id in rows}
        ).values_list("person_id", "specialty_id"):
            own.setdefault(person_id, set()).add(specialty_id)
        for mission_id, role_specialty_id, person_id in rows:
            brought = {role_specialty_id} | {
                specialty_id
                for specialty_id in own.get(person_id, set())
                if role_specialty_id in tree.ancestors_and_self(specialty_id)
            }
            covered = frozenset().union(*(tree.ancestors_and_self(specialty_id) for specialty_id in brought))
            assigned.setdefault(mission_id, []).append(covered)
    for pk in live:
        coverage = [covered for mission_id in missions_of[pk] for covered in assigned.get(mission_id, [])]
        met_lines = 0
        any_progress = False
        for line in lines[pk]:
            count = sum(1 for covered in coverage if line.specialty_id in covered)
            any_progress = any_progress or count > 0
            if count >= line.people:
                met_lines += 1
        if lines[pk] and met_lines == len(lines[pk]):
            result[pk] = NeedStatus.MET
        else:
            result[pk] = NeedStatus.PARTLY_MET if any_progress else NeedStatus.OPEN
    return result


# Missions ---------------------------------------------------------------------------------------


def _clean_mission(data: dict[str, Any]) -> dict[str, Any]:
    import zoneinfo

    errors: dict[str, str] = {}
    cleaned = {name: data.get(name) for name in MISSION_FIELDS}
    cleaned["title"] = (cleaned["title"] or "").strip()
    cleaned["description"] = (cleaned["description"] or "").strip()
    cleaned["spiritual_care_agreed"] = bool(cleaned["spiritual_care_agreed"])
    cleaned["time_zone"] = cleaned["time_zone"] or "UTC"
    cleaned["team_type"] = cleaned["team_type"] or TeamType.NOT_EMERGENCY
    if not cleaned["title"]:
        errors["title"] = _("Give the mission a title.")
    start, end = cleaned["starts_on"], cleaned["ends_on"]
    if not isinstance(start, datetime.date):
        errors["starts_on"] = _("Enter the start date.")
    if not isinstance(end, datetime.date):
        errors["ends_on"] = _("Enter the end date.")
    elif isinstance(start, datetime.date) and end < start:
        errors["ends_on"] = _("The mission ends before it starts.")
    if cleaned["team_type"] not in TeamType.values:
        errors["team_type"] = _("Choose a team type.")
    capacity = cleaned["capacity"]
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        errors["capacity"] = _("Capacity is a number of people, at least 1.")
    try:
        zoneinfo.ZoneInfo(str(cleaned["time_zone"]))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = _("Choose a time zone from the list.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return cleaned


def _party_organization(
    mission_or_partnership: Mission | Partnership, actor: User, capability: Capability
) -> Organization:
    partnership = (
        mission_or_partnership.partnership
        if isinstance(mission_or_partnership, Mission)
        else mission_or_partnership
    )
    for party in partnership.parties.select_related("organization"):
        if can(actor, party.organization, capability):
            return party.organization
    raise NotAllowed(
        _("Only coordinators and admins of a party to the partnership plan its missions."),
        code="not_party_manager",
    )


def _check_needs(needs: list[Need], host_ids: set[int], *, kept: Iterable[int] = ()) -> None:
    """At least one need; each an open, host-confirmed need of a host of the partnership.

    Needs in ``kept`` (already answered by the mission being edited) may stay even if the host
    has withdrawn them since: the mission did answer them.
    """
    if not needs:
        raise ValidationFailed(
            _("A mission answers at least one need defined by the host."),
            fields={"needs": _("Choose a need.")},
        )
    kept = set(kept)
    for need in needs:
        if need.pk in kept and need.host_organization_id in host_ids:
            continue
        if (
            need.host_organization_id not in host_ids
            or need.host_confirmed_at is None
            or need.withdrawn_at is not None
        ):
            raise ValidationFailed(
                _("“%(need)s” is not an open, host-confirmed need of this partnership's host.")
                % {"need": need},
                fields={"needs": str(need)},
            )


SPIRITUAL_CARE = "spiritual-care"


def spiritual_care_ids() -> set[int]:
    """The spiritual-care service and everything below it in the capability taxonomy."""
    from medmissions.organizations.models import Capability as CapabilityTerm

    return CapabilityTerm.objects.filter(slug=SPIRITUAL_CARE).with_descendants()


def _check_spiritual_care(services: Iterable[Any], *, agreed: bool) -> None:
    """Spiritual care is offered only where the host has agreed (and never as a condition of care)."""
    services = list(services)
    if not services or agreed:
        return
    chosen = [service for service in services if service.pk in spiritual_care_ids()]
    if chosen:
        raise ValidationFailed(
            _(
                "Spiritual-care services are offered only where the host has agreed. Tick the host's agreement or remove %(services)s."
            )
            % {"services": ", ".join(str(service) for service in chosen)},
            fields={"services": _("The host has not agreed to spiritual-care services.")},
        )


@transaction.atomic
def create_mission(
    *,
    actor: User,
    partnership: Partnership,
    site: Site,
    data: dict[str, Any],
    needs: list[Need],
    services: list[Any] | None = None,
) -> Mission:
    """Draft a mission of an active partnership at one of the host's sites, answering its needs."""
    organization = _party_organization(partnership, actor, Capability.MANAGE_MISSIONS)
    if partnership.status != PartnershipStatus.ACTIVE:
        raise Conflict(
            _("Missions belong to an active partnership; this one is not active."),
            code="partnership_not_active",
        )
    host_ids = set(partnership.parties.filter(role=PartyRole.HOST).values_list("organization_id", flat=True))
    if site.host_organization_id not in host_ids:
        raise ValidationFailed(
            _("The site must belong to a host of the partnership."),
            fields={"site": _("Choose a host's site.")},
        )
    _check_needs(needs, host_ids)
    cleaned = _clean_mission(data)
    _check_spiritual_care(services or [], agreed=cleaned["spiritual_care_agreed"])
    mission = Mission.objects.create(
        partnership=partnership, site=site, created_by=actor, status=MissionStatus.DRAFT, **cleaned
    )
    mission.needs.set(needs)
    if services:
        mission.services.set(services)
    log_action(
        "missions.mission.created",
        actor=actor,
        organization=organization,
        obj=mission,
        after=snapshot(mission, [*MISSION_FIELDS, "needs", "services"]),
    )
    return mission


def _lock(mission: Mission) -> Mission:
    return Mission.objects.select_for_update().get(pk=mission.pk)


def _host_ids(mission: Mission) -> set[int]:
    return set(
        mission.partnership.parties.filter(role=PartyRole.HOST).values_list("organization_id", flat=True)
    )


def _set_status(
    mission: Mission,
    *,
    actor: User,
    organization: Organization,
    target: str,
    data: dict[str, Any] | None = None,
) -> Mission:
    before = mission.status
    mission.status = target
    mission.save(update_fields=["status", "updated_at"])
    log_action(
        f"missions.mission.{target}",
        actor=actor,
        organization=organization,
        obj=mission,
        before={"status": before},
        after={"status": target},
        data=data,
    )
    return mission


def _refuse(mission: Mission, allowed: set[str], message: str) -> None:
    if mission.status not in allowed:
        raise Conflict(message % {"status": mission.get_status_display().lower()}, code="invalid_transition")


@transaction.atomic
def submit_for_host_confirmation(mission: Mission, *, actor: User) -> Mission:
    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    mission = _lock(mission)
    _refuse(
        mission, {MissionStatus.DRAFT}, _("Only a draft can be sent to the host; this mission is %(status)s.")
    )
    if not mission.roles.exists():
        raise ValidationFailed(_("Add at least one role before asking the host to confirm."), code="no_roles")
    _set_status(mission, actor=actor, organization=organization, target=MissionStatus.AWAITING_HOST)
    send_on_commit(
        "mission_awaiting_host",
        {"mission": mission, "actor": actor},
        recipients.members_of(_host_ids(mission), recipients.ADMINS),
    )
    return mission


def host_admin_organization(mission: Mission, actor: User, message: str) -> Organization:
    """The host organisation of ``mission`` in which ``actor`` is an admin, or NotAllowed(message)."""
    for party in mission.partnership.parties.filter(role=PartyRole.HOST).select_related("organization"):
        if can(actor, party.organization, Capability.CONFIRM_AS_HOST):
            return party.organization
    raise NotAllowed(message, code="not_host_admin")


@transaction.atomic
def host_confirm(mission: Mission, *, actor: User) -> Mission:
    """A host admin confirms the mission; only then does it recruit."""
    mission = _lock(mission)
    host = host_admin_organization(
        mission, actor, _("Only an admin of the host organisation confirms a mission.")
    )
    _refuse(
        mission,
        {MissionStatus.AWAITING_HOST},
        _("Only a mission awaiting the host can be confirmed; this one is %(status)s."),
    )
    mission.host_confirmed_by, mission.host_confirmed_at = actor, timezone.now()
    mission.save(update_fields=["host_confirmed_by", "host_confirmed_at", "updated_at"])
    return _set_status(mission, actor=actor, organization=host, target=MissionStatus.RECRUITING)


@transaction.atomic
def return_to_draft(mission: Mission, *, actor: User, reason: str) -> Mission:
    """The host sends a mission back for changes instead of confirming it."""
    mission = _lock(mission)
    host = host_admin_organization(
        mission, actor, _("Only an admin of the host organisation can send a mission back.")
    )
    _refuse(
        mission,
        {MissionStatus.AWAITING_HOST},
        _("Only a mission awaiting the host can be sent back; this one is %(status)s."),
    )
    if not (reason or "").strip():
        raise ValidationFailed(
            _("Tell the sending team what to change."), fields={"reason": _("Give a reason.")}
        )
    return _set_status(
        mission,
        actor=actor,
        organization=host,
        target=MissionStatus.DRAFT,
        data={"reason": reason.strip()},
    )


def unready_assignments(mission: Mission, *, today: datetime.date | None = None) -> dict[int, list[str]]:
    """Assignment id → unmet, unwaived requirement keys (see board.readiness_board)."""
    from medmissions.missions.board import unready_assignments as board_unready

    return board_unready(mission, today=today)


@transaction.atomic
def mark_ready(mission: Mission, *, actor: User) -> Mission:
    """Recruiting → ready, once every assignment is ready or its gaps were waived by the host."""
    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    mission = _lock(mission)
    _refuse(
        mission,
        {MissionStatus.RECRUITING},
        _("Only a recruiting mission can become ready; this one is %(status)s."),
    )
    if not mission.assignments.filter(status=AssignmentStatus.ACTIVE).exists():
        raise ValidationFailed(_("Nobody is assigned yet."), code="no_assignments")
    blocking = unready_assignments(mission)
    if blocking:
        raise ValidationFailed(
            _(
                "%(count)d assignment(s) are not ready; see the readiness board. The host may waive a requirement with a reason."
            )
            % {"count": len(blocking)},
            code="assignments_not_ready",
        )
    return _set_status(mission, actor=actor, organization=organization, target=MissionStatus.READY)


@transaction.atomic
def start_field_work(mission: Mission, *, actor: User) -> Mission:
    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    mission = _lock(mission)
    _refuse(
        mission, {MissionStatus.READY}, _("Only a ready mission goes into the field; this one is %(status)s.")
    )
    return _set_status(mission, actor=actor, organization=organization, target=MissionStatus.IN_FIELD)


@transaction.atomic
def start_closing(mission: Mission, *, actor: User) -> Mission:
    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    mission = _lock(mission)
    _refuse(
        mission,
        {MissionStatus.IN_FIELD},
        _("Only a mission in the field can start closing; this one is %(status)s."),
    )
    return _set_status(mission, actor=actor, organization=organization, target=MissionStatus.CLOSING)


@transaction.atomic
def complete(mission: Mission, *, actor: User) -> Mission:
    """Closing → completed; refused without a handover plan, and while follow-ups of the clinic
    team's urgent or emergency referrals are open and not handed over (continuity of care)."""
    # Imported here: the missions app does not depend on the clinics app at import time.
    from medmissions.clinics.follow_ups import completion_blockers

    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    mission = _lock(mission)
    _refuse(
        mission,
        {MissionStatus.CLOSING},
        _("Only a closing mission can be completed; this one is %(status)s."),
    )
    if not hasattr(mission, "handover_plan"):
        raise ValidationFailed(
            _("Write the handover plan first: the local lead, referral pathways and follow-up tasks."),
            code="no_handover_plan",
        )
    open_follow_ups = completion_blockers(mission).count()
    if open_follow_ups:
        raise ValidationFailed(
            ngettext(
                "%(count)d follow-up of an urgent or emergency referral is still open. Record its outcome, "
                "or hand it over in the handover plan from its referral's page, before completing the mission.",
                "%(count)d follow-ups of urgent or emergency referrals are still open. Record their outcomes, "
                "or hand them over in the handover plan from their referrals' pages, before completing the mission.",
                open_follow_ups,
            )
            % {"count": open_follow_ups},
            code="open_urgent_follow_ups",
        )
    return _set_status(mission, actor=actor, organization=organization, target=MissionStatus.COMPLETED)


@transaction.atomic
def mark_evaluated(mission: Mission, *, actor: User) -> Mission:
    """Completed → evaluated, once both the host and the visiting side have written their evaluation."""
    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    mission = _lock(mission)
    _refuse(
        mission,
        {MissionStatus.COMPLETED},
        _("Only a completed mission can be marked evaluated; this one is %(status)s."),
    )
    sides = set(mission.evaluations.values_list("side", flat=True))
    missing = [label for value, label in EvaluationSide.choices if value not in sides]
    if missing:
        raise ValidationFailed(
            _("Both sides evaluate the mission. Still missing: %(sides)s.")
            % {"sides": ", ".join(str(m) for m in missing)},
            code="evaluations_missing",
        )
    return _set_status(mission, actor=actor, organization=organization, target=MissionStatus.EVALUATED)


@transaction.atomic
def withdraw_invitations(
    invitations: Iterable[Invitation],
    *,
    actor: User,
    organization: Organization | None,
    data: dict | None = None,
) -> None:
    """Mark pending invitations withdrawn, one audit entry each. Callers lock the rows, check the
    status and tell the people (each in its own words)."""
    for invitation in invitations:
        invitation.status = InvitationStatus.WITHDRAWN
        invitation.save(update_fields=["status", "updated_at"])
        log_action(
            "missions.invitation.withdrawn",
            actor=actor,
            organization=organization,
            obj=invitation,
            before={"status": InvitationStatus.PENDING},
            after={"status": InvitationStatus.WITHDRAWN},
            data=data,
        )


def cancel(mission: Mission, *, actor: User, reason: str) -> Mission:
    """Cancel a mission that has not finished; everyone affected is told (on commit)."""
    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    mission = _lock(mission)
    _refuse(
        mission, set(OPEN_MISSION_STATUSES), _("A mission that is %(status)s can no longer be cancelled.")
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the mission is cancelled; everyone affected will be told."),
            fields={"reason": _("Give a reason.")},
        )
    mission.cancelled_reason = reason
    mission.save(update_fields=["cancelled_reason", "updated_at"])
    # Pending invitations lapse with the mission; the invited are told with everyone else.
    pending = list(
        Invitation.objects.select_for_update(of=("self",))
        .filter(role__mission=mission, status=InvitationStatus.PENDING)
        .select_related("person__user", "role")
    )
    invited = [invitation.person for invitation in pending]
    withdraw_invitations(
        pending, actor=actor, organization=organization, data={"reason": "mission_cancelled"}
    )
    applicants = Person.objects.filter(applications__role__mission=mission).select_related("user").distinct()
    party_ids = mission.partnership.parties.values_list("organization_id", flat=True)
    affected = sorted(
        {*recipients.people([*applicants, *invited]), *recipients.members_of(party_ids)},
        key=lambda recipient: recipient[0],
    )
    _set_status(
        mission,
        actor=actor,
        organization=organization,
        target=MissionStatus.CANCELLED,
        data={"reason": reason},
    )
    send_on_commit(
        "mission_cancelled",
        {"mission": mission, "reason": reason, "organization": organization},
        affected,
    )
    return mission


# Roles ------------------------------------------------------------------------------------------

ROLE_FIELDS = [
    "title",
    "specialty",
    "minimum_proficiency",
    "people_needed",
    "scope_of_practice",
    "supervisor_required_for_trainees",
    "prefers_local_health_workers",
]


def _check_role_spiritual_care(mission: Mission, specialty: Any) -> None:
    """Chaplaincy and other spiritual-care roles only where the host agreed to spiritual care."""
    from medmissions.volunteers.models import Specialty
    from medmissions.volunteers.readiness import SpecialtyTree

    if mission.spiritual_care_agreed or specialty is None:
        return
    spiritual = Specialty.objects.filter(slug=SPIRITUAL_CARE).values_list("pk", flat=True).first()
    if spiritual is not None and spiritual in SpecialtyTree().ancestors_and_self(specialty.pk):
        raise ValidationFailed(
            _("Spiritual-care roles are possible only where the host has agreed to spiritual care."),
            fields={"specialty": _("The host has not agreed to spiritual care on this mission.")},
        )


def _clean_role(data: dict[str, Any]) -> dict[str, Any]:
    from medmissions.volunteers.choices import Proficiency
    from medmissions.volunteers.models import Specialty

    errors: dict[str, str] = {}
    cleaned = {name: data.get(name) for name in ROLE_FIELDS}
    cleaned["title"] = (cleaned["title"] or "").strip()
    cleaned["scope_of_practice"] = (cleaned["scope_of_practice"] or "").strip()
    cleaned["supervisor_required_for_trainees"] = cleaned["supervisor_required_for_trainees"] is not False
    cleaned["prefers_local_health_workers"] = bool(cleaned["prefers_local_health_workers"])
    if not cleaned["title"]:
        errors["title"] = _("Give the role a title.")
    if not isinstance(cleaned["specialty"], Specialty):
        errors["specialty"] = _("Choose the specialty the role needs.")
    if cleaned["minimum_proficiency"] in (None, ""):
        cleaned["minimum_proficiency"] = Proficiency.COMPETENT
    if cleaned["minimum_proficiency"] not in Proficiency.values:
        errors["minimum_proficiency"] = _("Choose a proficiency level.")
    needed = cleaned["people_needed"]
    if not isinstance(needed, int) or isinstance(needed, bool) or needed < 1:
        errors["people_needed"] = _("At least one person.")
    if not cleaned["scope_of_practice"]:
        errors["scope_of_practice"] = _("Say what people in this role may and may not do at the site.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return cleaned


@transaction.atomic
def add_role(
    mission: Mission,
    *,
    actor: User,
    data: dict[str, Any],
    extra_credentials=None,
    courses=None,
    languages=None,
) -> Role:
    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    mission = _lock(mission)
    _refuse(
        mission,
        {MissionStatus.DRAFT, MissionStatus.AWAITING_HOST, MissionStatus.RECRUITING},
        _("Roles can no longer change: the mission is %(status)s."),
    )
    cleaned = _clean_role(data)
    _check_role_spiritual_care(mission, cleaned["specialty"])
    planned = sum(mission.roles.values_list("people_needed", flat=True)) + cleaned["people_needed"]
    if planned > mission.capacity:
        raise ValidationFailed(
            _("The roles would need %(planned)d people; the mission's capacity is %(capacity)d.")
            % {"planned": planned, "capacity": mission.capacity},
            fields={"people_needed": _("Over the mission's capacity.")},
        )
    role = Role.objects.create(mission=mission, **cleaned)
    if extra_credentials:
        role.extra_credentials.set(extra_credentials)
    if courses:
        role.required_courses.set(courses)
    if languages:
        role.languages.set(languages)
    log_action(
        "missions.role.created",
        actor=actor,
        organization=organization,
        obj=role,
        after=snapshot(role, ROLE_FIELDS),
        data={"mission": mission.pk},
    )
    return role


@transaction.atomic
def delete_role(role: Role, *, actor: User) -> None:
    """Refused while anyone holds an assignment in the role, or once anyone has (the record stays)."""
    organization = _party_organization(role.mission, actor, Capability.MANAGE_MISSIONS)
    mission = _lock(role.mission)
    _refuse(
        mission,
        {MissionStatus.DRAFT, MissionStatus.AWAITING_HOST, MissionStatus.RECRUITING},
        _("Roles can no longer change: the mission is %(status)s."),
    )
    if role.assignments.filter(status=AssignmentStatus.ACTIVE).exists():
        raise Conflict(
            _("People are assigned to this role; remove or move them first."), code="role_has_assignments"
        )
    if role.assignments.exists():
        raise Conflict(
            _("People have held this role before; it stays for the record."), code="role_has_history"
        )
    if role.invitations.filter(status=InvitationStatus.PENDING).exists():
        raise Conflict(
            _("People are invited to this role; withdraw the invitations first."), code="role_has_invitations"
        )
    log_action(
        "missions.role.deleted",
        actor=actor,
        organization=organization,
        obj=role,
        before=snapshot(role, ROLE_FIELDS),
        data={"mission": role.mission_id},
    )
    role.delete()


# Planning: editing needs, missions and roles ------------------------------------------------------


def _line_summary(need: Need) -> list[list[Any]]:
    return sorted([[line.specialty.slug, line.people] for line in need.lines.select_related("specialty")])


@transaction.atomic
def update_need(
    need: Need,
    *,
    actor: User,
    data: dict[str, Any],
    site: Site | None = None,
    lines: list[tuple[Any, int]] | None = None,
    languages: list[Any] | None = None,
) -> Need:
    """Change a need: coordinators and admins of the host or of the author, until it is withdrawn.

    Fields missing from ``data`` keep their value; ``site``, ``lines`` and ``languages`` change
    only when given. The site stays one of the host's. When the proposing partner changes a need
    the host has already confirmed, it goes back to the host for confirmation: the host
    confirmed what it read, not what it became.
    """
    need = Need.objects.select_for_update().get(pk=need.pk)
    as_host = can(actor, need.host_organization_id, Capability.MANAGE_MISSIONS)
    if not (as_host or can(actor, need.authored_by_id, Capability.MANAGE_MISSIONS)):
        raise NotAllowed(_("Only coordinators and admins of the host or of the author change a need."))
    if need.withdrawn_at is not None:
        raise Conflict(_("This need was withdrawn and can no longer change."), code="need_withdrawn")
    cleaned = _clean_need({name: data.get(name, getattr(need, name)) for name in NEED_FIELDS})
    if site is not None and site.host_organization_id != need.host_organization_id:
        raise ValidationFailed(
            _("A need stays at one of its host's sites."),
            fields={"site": _("Choose a site of %(host)s.") % {"host": need.host_organization}},
        )
    if lines is not None:
        _check_lines(lines)
    audited = [*NEED_FIELDS, "site", "languages"]
    before = {**snapshot(need, audited), "lines": _line_summary(need)}
    for name, value in cleaned.items():
        setattr(need, name, value)
    if site is not None:
        need.site = site
    need.save(update_fields=[*NEED_FIELDS, "site", "updated_at"])
    if lines is not None:
        need.lines.all().delete()
        NeedLine.objects.bulk_create(
            [NeedLine(need=need, specialty=specialty, people=people) for specialty, people in lines]
        )
    if languages is not None:
        need.languages.set(languages)
    after = {**snapshot(need, audited), "lines": _line_summary(need)}
    reconfirm = not as_host and need.host_confirmed_at is not None and before != after
    if reconfirm:
        need.host_confirmed_by, need.host_confirmed_at = None, None
        need.save(update_fields=["host_confirmed_by", "host_confirmed_at", "updated_at"])
    log_action(
        "missions.need.updated",
        actor=actor,
        organization=need.host_organization if as_host else need.authored_by,
        obj=need,
        before=before,
        after=after,
        data={"returned_to_host": True} if reconfirm else None,
    )
    if reconfirm:
        send_on_commit(
            "planning_need_changed",
            {"need": need, "author": need.authored_by, "actor": actor},
            recipients.members_of([need.host_organization_id], recipients.ADMINS),
        )
    return need


EDITABLE_MISSION_STATUSES: set[str] = {
    MissionStatus.DRAFT,
    MissionStatus.AWAITING_HOST,
    MissionStatus.RECRUITING,
}


@transaction.atomic
def update_mission(
    mission: Mission,
    *,
    actor: User,
    data: dict[str, Any],
    needs: list[Need] | None = None,
    services: list[Any] | None = None,
) -> Mission:
    """Change a mission while it is planned or recruiting (coordinators and admins of a party).

    Fields missing from ``data`` keep their value; ``needs`` and ``services`` change only when
    given. The dates are frozen once anyone holds a place: assignments carry them, and other
    missions' overlap checks were made against them.
    """
    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    mission = _lock(mission)
    _refuse(
        mission,
        EDITABLE_MISSION_STATUSES,
        _("Only a mission being planned or recruiting can be edited; this one is %(status)s."),
    )
    cleaned = _clean_mission({name: data.get(name, getattr(mission, name)) for name in MISSION_FIELDS})
    if (cleaned["starts_on"], cleaned["ends_on"]) != (mission.starts_on, mission.ends_on):
        # Lock the roles as accept() does, so nobody is accepted under the old dates meanwhile.
        list(Role.objects.select_for_update().filter(mission=mission).values_list("pk", flat=True))
        held = mission.assignments.filter(status=AssignmentStatus.ACTIVE).count()
        if held:
            message = ngettext(
                "The dates cannot change: %(count)d person already holds a place on this mission.",
                "The dates cannot change: %(count)d people already hold a place on this mission.",
                held,
            ) % {"count": held}
            changed = [name for name in ("starts_on", "ends_on") if cleaned[name] != getattr(mission, name)]
            raise Conflict(message, code="dates_locked", fields=dict.fromkeys(changed, message))
    planned = sum(mission.roles.values_list("people_needed", flat=True))
    if cleaned["capacity"] < planned:
        raise ValidationFailed(
            _("The roles already need %(planned)d people; the capacity cannot be lower.")
            % {"planned": planned},
            fields={"capacity": _("At least %(planned)d.") % {"planned": planned}},
        )
    if needs is not None:
        _check_needs(needs, _host_ids(mission), kept=mission.needs.values_list("pk", flat=True))
    current_services = list(mission.services.all())
    final_services = current_services if services is None else list(services)
    _check_spiritual_care(final_services, agreed=cleaned["spiritual_care_agreed"])
    if mission.host_confirmed_at is not None:
        spiritual = spiritual_care_ids()
        added = {s.pk for s in final_services} - {s.pk for s in current_services}
        if (added & spiritual) or (cleaned["spiritual_care_agreed"] and not mission.spiritual_care_agreed):
            raise Conflict(
                _("Spiritual care can be added only before the host confirms the mission."),
                code="host_already_confirmed",
                fields={"services": _("The host confirmed the mission without spiritual care.")},
            )
    audited = [*MISSION_FIELDS, "needs", "services"]
    before = snapshot(mission, audited)
    for name, value in cleaned.items():
        setattr(mission, name, value)
    mission.save(update_fields=[*MISSION_FIELDS, "updated_at"])
    if needs is not None:
        mission.needs.set(needs)
    if services is not None:
        mission.services.set(services)
    log_action(
        "missions.mission.updated",
        actor=actor,
        organization=organization,
        obj=mission,
        before=before,
        after=snapshot(mission, audited),
    )
    return mission


ROLE_RELATIONS = ["languages", "extra_credentials", "required_courses"]


@transaction.atomic
def update_role(
    role: Role,
    *,
    actor: User,
    data: dict[str, Any],
    extra_credentials=None,
    courses=None,
    languages=None,
) -> Role:
    """Change a role under the rules of ``add_role`` (mission status, capacity).

    It cannot offer fewer places than people already hold, nor change specialty under them.
    """
    organization = _party_organization(role.mission, actor, Capability.MANAGE_MISSIONS)
    mission = _lock(role.mission)
    _refuse(
        mission,
        {MissionStatus.DRAFT, MissionStatus.AWAITING_HOST, MissionStatus.RECRUITING},
        _("Roles can no longer change: the mission is %(status)s."),
    )
    # The same row lock as accept(), so the places counted below stay counted.
    role = Role.objects.select_for_update(of=("self",)).select_related("specialty").get(pk=role.pk)
    cleaned = _clean_role({name: data.get(name, getattr(role, name)) for name in ROLE_FIELDS})
    _check_role_spiritual_care(role.mission, cleaned["specialty"])
    held = role.places_taken()
    if cleaned["people_needed"] < held:
        raise Conflict(
            ngettext(
                "%(count)d person already holds this role; it cannot offer fewer places.",
                "%(count)d people already hold this role; it cannot offer fewer places.",
                held,
            )
            % {"count": held},
            code="role_places_taken",
            fields={"people_needed": _("At least %(count)d.") % {"count": held}},
        )
    invited = role.places_held()
    if cleaned["people_needed"] < held + invited:
        raise Conflict(
            ngettext(
                "%(count)d place of this role is taken or held by a pending invitation; withdraw invitations before offering fewer places.",
                "%(count)d places of this role are taken or held by pending invitations; withdraw invitations before offering fewer places.",
                held + invited,
            )
            % {"count": held + invited},
            code="role_places_taken",
            fields={"people_needed": _("At least %(count)d.") % {"count": held + invited}},
        )
    if held and cleaned["specialty"].pk != role.specialty_id:
        raise Conflict(
            _("People hold this role; its specialty cannot change under them."),
            code="role_has_assignments",
            fields={"specialty": _("Keep %(specialty)s.") % {"specialty": role.specialty}},
        )
    others = sum(mission.roles.exclude(pk=role.pk).values_list("people_needed", flat=True))
    planned = others + cleaned["people_needed"]
    if planned > mission.capacity:
        raise ValidationFailed(
            _("The roles would need %(planned)d people; the mission's capacity is %(capacity)d.")
            % {"planned": planned, "capacity": mission.capacity},
            fields={"people_needed": _("Over the mission's capacity.")},
        )
    audited = [*ROLE_FIELDS, *ROLE_RELATIONS]
    before = snapshot(role, audited)
    for name, value in cleaned.items():
        setattr(role, name, value)
    role.save(update_fields=ROLE_FIELDS)
    if extra_credentials is not None:
        role.extra_credentials.set(extra_credentials)
    if courses is not None:
        role.required_courses.set(courses)
    if languages is not None:
        role.languages.set(languages)
    log_action(
        "missions.role.updated",
        actor=actor,
        organization=organization,
        obj=role,
        before=before,
        after=snapshot(role, audited),
        data={"mission": mission.pk},
    )
    return role


# The lifecycle as a table: which transition runs from which statuses, and who may ask for it.
# The service functions above keep every rule; the table only lets the pages and the API offer
# the transitions that make sense and dispatch a slug to its function.


@dataclass(frozen=True)
class MissionTransition:
    slug: str
    run: Callable[..., Mission]
    sources: frozenset[str]
    host_admin_only: bool = False  # else: coordinators and admins of any party
    needs_reason: bool = False


MISSION_TRANSITIONS: dict[str, MissionTransition] = {
    transition.slug: transition
    for transition in [
        MissionTransition("submit", submit_for_host_confirmation, frozenset({MissionStatus.DRAFT})),
        MissionTransition(
            "confirm", host_confirm, frozenset({MissionStatus.AWAITING_HOST}), host_admin_only=True
        ),
        MissionTransition(
            "return",
            return_to_draft,
            frozenset({MissionStatus.AWAITING_HOST}),
            host_admin_only=True,
            needs_reason=True,
        ),
        MissionTransition("ready", mark_ready, frozenset({MissionStatus.RECRUITING})),
        MissionTransition("field", start_field_work, frozenset({MissionStatus.READY})),
        MissionTransition("closing", start_closing, frozenset({MissionStatus.IN_FIELD})),
        MissionTransition("complete", complete, frozenset({MissionStatus.CLOSING})),
        MissionTransition("evaluated", mark_evaluated, frozenset({MissionStatus.COMPLETED})),
        MissionTransition("cancel", cancel, frozenset(OPEN_MISSION_STATUSES), needs_reason=True),
    ]
}


def allowed_transitions(mission: Mission, *, can_manage: bool, is_host_admin: bool) -> list[str]:
    """The transitions someone may ask for on ``mission`` now, by its status and their role.

    The transition's own guards (roles, readiness, handover plan…) may still refuse it, with a reason.
    """
    return [
        transition.slug
        for transition in MISSION_TRANSITIONS.values()
        if mission.status in transition.sources
        and (is_host_admin if transition.host_admin_only else can_manage)
    ]


def run_transition(mission: Mission, transition: str, *, actor: User, reason: str = "") -> Mission:
    """Run the lifecycle transition named by its slug (see ``MISSION_TRANSITIONS``)."""
    found = MISSION_TRANSITIONS.get(transition)
    if found is None:
        raise ValidationFailed(
            _("Unknown transition: %(transition)s.") % {"transition": transition},
            fields={"transition": _("Choose one of: %(names)s.") % {"names": ", ".join(MISSION_TRANSITIONS)}},
        )
    if found.needs_reason:
        return found.run(mission, actor=actor, reason=reason)
    return found.run(mission, actor=actor)


def filter_needs(
    needs: Any, *, status: str = "", host: Organization | None = None, site: Site | None = None
) -> Any:
    """Narrow a queryset of needs; the derived statuses are computed for the candidates only."""
    if host is not None:
        needs = needs.filter(host_organization=host)
    if site is not None:
        needs = needs.filter(site=site)
    if status == NeedStatus.WITHDRAWN:
        return needs.filter(withdrawn_at__isnull=False)
    if status == NeedStatus.AWAITING_HOST:
        return needs.filter(withdrawn_at__isnull=True, host_confirmed_at__isnull=True)
    if status in (NeedStatus.OPEN, NeedStatus.PARTLY_MET, NeedStatus.MET):
        candidates = [
            Need(pk=pk, host_confirmed_at=confirmed_at)
            for pk, confirmed_at in needs.filter(
                withdrawn_at__isnull=True, host_confirmed_at__isnull=False
            ).values_list("pk", "host_confirmed_at")
        ]
        statuses = need_statuses(candidates)
        return needs.filter(pk__in=[pk for pk, value in statuses.items() if value == status])
    return needs
