"""The readiness board of a mission, and the host's waivers.

Each active assignment is checked through the mission's end: the volunteers app's ``readiness``
(country rules with their lead times, the role's extra credentials such as insurance, specialty,
proficiency, languages, availability), plus the role's required courses and, for trainees, a named
supervisor. A requirement the host waived (with a reason, audited) no longer blocks.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action
from medmissions.core.errors import Conflict, ValidationFailed
from medmissions.missions.choices import OPEN_MISSION_STATUSES, AssignmentStatus
from medmissions.missions.models import Assignment, Completion, Course, Mission, RequirementWaiver
from medmissions.missions.services import host_admin_organization
from medmissions.organizations.models import Organization
from medmissions.volunteers.readiness import RequirementCheck, RoleRequirements, readiness_for_people


@dataclass
class BoardRow:
    """One assignment's checks; ``blocking`` are the unmet ones the host has not waived."""

    assignment: Assignment
    checks: list[RequirementCheck]
    waivers: dict[str, RequirementWaiver] = field(default_factory=dict)

    @property
    def blocking(self) -> list[RequirementCheck]:
        return [check for check in self.checks if not check.met and check.key not in self.waivers]

    @property
    def waived(self) -> list[tuple[RequirementCheck, RequirementWaiver]]:
        return [
            (check, self.waivers[check.key])
            for check in self.checks
            if not check.met and check.key in self.waivers
        ]

    @property
    def ready(self) -> bool:
        return not self.blocking


def course_checks(
    courses: Iterable[Course], completions: dict[int, list[datetime.date]], end: datetime.date
) -> list[RequirementCheck]:
    """One check per required course: completed, and (for courses that lapse) still valid at ``end``.

    ``completions`` maps a course id to the dates one person completed it. The readiness board
    and the opportunity pages (discovery.py) both use this, so they cannot disagree.
    """
    checks = []
    for course in courses:
        label = _("Course: %(course)s") % {"course": course.title}
        latest = max(completions.get(course.pk, []), default=None)
        key = f"course:{course.slug}"
        if latest is None:
            checks.append(RequirementCheck(key, label, False, _("Not completed yet.")))
        elif course.valid_for_days and latest + datetime.timedelta(days=course.valid_for_days) < end:
            checks.append(
                RequirementCheck(
                    key,
                    label,
                    False,
                    _("Completed on %(date)s; it lapses before the mission ends. Take it again.")
                    % {"date": date_format(latest, "j F Y")},
                )
            )
        else:
            checks.append(
                RequirementCheck(
                    key, label, True, _("Completed on %(date)s.") % {"date": date_format(latest, "j F Y")}
                )
            )
    return checks


def _supervisor_check(assignment: Assignment) -> list[RequirementCheck]:
    if not (assignment.role.supervisor_required_for_trainees and assignment.person.is_trainee):
        return []
    label = _("Supervisor for a trainee")
    if assignment.supervisor_id is None:
        return [RequirementCheck("supervisor", label, False, _("Name a supervisor on the team."))]
    return [
        RequirementCheck(
            "supervisor", label, True, _("Supervised by %(name)s.") % {"name": assignment.supervisor}
        )
    ]


def readiness_board(
    mission: Mission, *, today: datetime.date | None = None, person_user: User | None = None
) -> list[BoardRow]:
    """Rows for the mission's active assignments (only the one of ``person_user`` if given).

    Readiness is evaluated in one batch per role and date range, not once per person.
    """
    assignments_query = (
        mission.assignments.filter(status=AssignmentStatus.ACTIVE)
        .select_related("role__specialty", "person", "supervisor")
        .prefetch_related(
            "waivers__waived_by", "role__extra_credentials", "role__languages", "role__required_courses"
        )
        .order_by("role__title", "person__full_name")
    )
    if person_user is not None:
        assignments_query = assignments_query.filter(person__user=person_user)
    assignments = list(assignments_query)
    groups: dict[tuple[int, datetime.date, datetime.date], list[Assignment]] = {}
    for assignment in assignments:
        groups.setdefault((assignment.role_id, assignment.starts_on, assignment.ends_on), []).append(
            assignment
        )
    results = {}
    for (_role_id, starts_on, ends_on), members in groups.items():
        role = members[0].role
        requirements = RoleRequirements(
            credential_types=list(role.extra_credentials.all()),
            specialty=role.specialty,
            minimum_proficiency=role.minimum_proficiency,
            languages=list(role.languages.all()),
        )
        batch = readiness_for_people(
            [member.person_id for member in members],
            mission.site.country.code,
            starts_on,
            ends_on,
            requirements,
            today=today,
        )
        results.update({member.pk: batch[member.person_id] for member in members})
    completions: dict[int, dict[int, list[datetime.date]]] = {}
    for person_id, course_id, completed_on in Completion.objects.filter(
        person_id__in={a.person_id for a in assignments}
    ).values_list("person_id", "course_id", "completed_on"):
        completions.setdefault(person_id, {}).setdefault(course_id, []).append(completed_on)
    rows = []
    for assignment in assignments:
        checks = [
            *results[assignment.pk].checks,
            *course_checks(
                assignment.role.required_courses.all(),
                completions.get(assignment.person_id, {}),
                assignment.ends_on,
            ),
            *_supervisor_check(assignment),
        ]
        waivers = {waiver.requirement_key: waiver for waiver in assignment.waivers.all()}
        rows.append(BoardRow(assignment, checks, waivers))
    return rows


def unready_assignments(mission: Mission, *, today: datetime.date | None = None) -> dict[int, list[str]]:
    """Assignment id → unmet, unwaived requirement keys."""
    return {
        row.assignment.pk: [check.key for check in row.blocking]
        for row in readiness_board(mission, today=today)
        if row.blocking
    }


def _host_admin_organization(actor: User, mission: Mission) -> Organization:
    return host_admin_organization(
        mission, actor, _("Only an admin of the host organisation waives a requirement.")
    )


@transaction.atomic
def waive_requirement(
    assignment: Assignment, *, actor: User, requirement_key: str, reason: str
) -> RequirementWaiver:
    """The host waives one unmet requirement of one assignment, with a reason (audited)."""
    assignment = Assignment.objects.select_related("mission__partnership", "mission__site").get(
        pk=assignment.pk
    )
    mission = assignment.mission
    organization = _host_admin_organization(actor, mission)
    if mission.status not in OPEN_MISSION_STATUSES or assignment.status != AssignmentStatus.ACTIVE:
        raise Conflict(
            _("Requirements are waived only for active assignments of open missions."), code="not_open"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the host waives this requirement; the reason is kept in the audit log."),
            fields={"reason": _("Give a reason.")},
        )
    rows = readiness_board(mission, person_user=None)
    row = next((row for row in rows if row.assignment.pk == assignment.pk), None)
    unmet = {check.key: check for check in (row.checks if row else []) if not check.met}
    if requirement_key not in unmet:
        raise ValidationFailed(
            _("That requirement is met or does not apply; only unmet requirements can be waived."),
            fields={"requirement_key": _("Choose an unmet requirement.")},
        )
    try:
        with transaction.atomic():
            waiver = RequirementWaiver.objects.create(
                assignment=assignment, requirement_key=requirement_key, reason=reason, waived_by=actor
            )
    except IntegrityError as error:
        raise Conflict(_("This requirement is already waived."), code="already_waived") from error
    log_action(
        "missions.requirement.waived",
        actor=actor,
        organization=organization,
        obj=assignment,
        data={
            "mission": mission.pk,
            "requirement": requirement_key,
            "label": unmet[requirement_key].label,
            "unmet_because": unmet[requirement_key].reason,
            "reason": reason,
        },
    )
    return waiver


@transaction.atomic
def revoke_waiver(waiver: RequirementWaiver, *, actor: User) -> None:
    """The host takes a waiver back; a ready mission keeps its status, the board shows the gap again."""
    waiver = RequirementWaiver.objects.select_related("assignment__mission__partnership").get(pk=waiver.pk)
    organization = _host_admin_organization(actor, waiver.assignment.mission)
    log_action(
        "missions.requirement.waiver_revoked",
        actor=actor,
        organization=organization,
        obj=waiver.assignment,
        data={
            "mission": waiver.assignment.mission_id,
            "requirement": waiver.requirement_key,
            "reason": waiver.reason,
            "waived_at": timezone.localtime(waiver.waived_at).isoformat(),
        },
    )
    waiver.delete()
