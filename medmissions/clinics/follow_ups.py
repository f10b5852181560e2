"""Follow-ups of referred patients: host staff see them through, and missions hand them over.

* **Follow-ups** — the referring team or the facility's coordinators and admins assign a follow-up
  to a member of the facility's host organisation (host staff), due today or later; the assignee
  or the facility's coordinators record what happened (an outcome once done or missed). Assignees
  are reminded by email from two days before the due date (``send_reminders``), and the team lead
  gets a digest of the overdue ones. A declined or cancelled referral cancels its open follow-ups
  (``referrals``).
* **Handing over** — a coordinator of the mission (``MissionAccess.can_manage``) copies an open
  follow-up into the mission's handover plan as a follow-up task (``closeout.add_follow_up``, whose
  rules apply). A mission cannot be completed while follow-ups of its urgent or emergency
  referrals are open and not handed over (``completion_blockers``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.clinics.access import audit_organization
from medmissions.clinics.choices import URGENT_REFERRALS, FollowUpStatus
from medmissions.clinics.models import FollowUp, Referral
from medmissions.clinics.referrals import (
    ABANDONED_STATUSES,
    FOLLOW_UP_REFERRAL_STATUSES,
    ReferralAccess,
    absolute_url,
    clean_date,
    clean_text,
    email_context,
    lock_referral,
    patient_label,
    team_recipients,
    user_recipient,
)
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.missions.models import Mission
from medmissions.organizations.access import Capability, access_for
from medmissions.organizations.choices import Role
from medmissions.sites.models import Site

# Assignees are reminded from this many days before a follow-up is due, and daily once overdue.
REMINDER_DAYS = 2
# Roles of a facility's host organisation whose members can be assigned follow-ups (host staff).
STAFF_ROLES = (Role.MEMBER, Role.COORDINATOR, Role.ADMIN)
OUTCOME_FOLLOW_UP_STATUSES = frozenset({FollowUpStatus.DONE, FollowUpStatus.MISSED})
FOLLOW_UP_FIELDS = ["description", "assignee", "due_on", "status", "outcome"]


# Reading -----------------------------------------------------------------------------------------------


def facility_staff(facility: Site) -> QuerySet[User]:
    """Host staff a follow-up may be assigned to: members of the facility's host organisation."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organization_id=facility.host_organization_id,
            memberships__role__in=STAFF_ROLES,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def follow_ups_for(user: Any, show: str = "mine", today: datetime.date | None = None) -> QuerySet[FollowUp]:
    """``mine``: follow-ups assigned to ``user``; ``facilities``: those of referrals to facilities
    whose host they coordinate. Open and overdue first, then open by due date, then closed ones."""
    today = today or timezone.localdate()
    if show == "facilities":
        hosts = access_for(user).organization_ids(Capability.COORDINATE_RESPONSES)
        queryset = FollowUp.objects.filter(referral__facility__host_organization_id__in=hosts)
    else:
        queryset = FollowUp.objects.filter(assignee=user)
    return (
        queryset.annotate(
            urgency_order=Case(
                When(status=FollowUpStatus.OPEN, due_on__lt=today, then=Value(0)),
                When(status=FollowUpStatus.OPEN, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .select_related(
            "assignee", "referral__team", "referral__facility", "referral__consultation", "handover_task"
        )
        .order_by("urgency_order", "due_on", "pk")
    )


def is_overdue(follow_up: FollowUp, today: datetime.date | None = None) -> bool:
    return follow_up.status == FollowUpStatus.OPEN and follow_up.due_on < (today or timezone.localdate())


def _lock_follow_up(follow_up: FollowUp) -> FollowUp:
    return (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("assignee", "referral__team__lead", "referral__facility", "referral__consultation")
        .get(pk=follow_up.pk)
    )


# Completion of a mission ---------------------------------------------------------------------------


def completion_blockers(mission: Mission) -> QuerySet[FollowUp]:
    """Open follow-ups of the urgent and emergency referrals of the mission's team that are not
    handed over in its handover plan: the mission cannot be completed while any remain."""
    return (
        FollowUp.objects.filter(
            referral__team__mission=mission,
            referral__urgency__in=URGENT_REFERRALS,
            status=FollowUpStatus.OPEN,
            handover_task__isnull=True,
        )
        .select_related("referral__facility", "referral__consultation", "assignee")
        .order_by("due_on", "pk")
    )


# Permission checks (the services and the pages that offer them) ---------------------------------------


def check_may_add(actor: Any, referral: Referral) -> ReferralAccess:
    access = ReferralAccess(actor, referral)
    if not access.may_add_follow_ups:
        raise NotAllowed(
            _("Only the referring team and the coordinators of %(host)s add follow-ups.")
            % {"host": referral.facility.host_organization.name}
        )
    return access


def check_may_update(actor: Any, follow_up: FollowUp) -> None:
    referral = follow_up.referral
    if not ReferralAccess(actor, referral).may_update(follow_up):
        raise NotAllowed(
            _(
                "Only the host staff member it is assigned to and the coordinators of %(host)s update a follow-up."
            )
            % {"host": referral.facility.host_organization.name}
        )


# Follow-ups -------------------------------------------------------------------------------------------------


@transaction.atomic
def add_follow_up(
    referral: Referral, *, actor: User, description: str, assignee: User | None, due_on: Any
) -> FollowUp:
    """Assign a follow-up of the referred patient to a member of the facility's host organisation."""
    access = check_may_add(actor, referral)
    referral = lock_referral(referral)
    if referral.status not in FOLLOW_UP_REFERRAL_STATUSES:
        raise Conflict(
            _("This referral is %(status)s: there is no patient to follow up.")
            % {"status": referral.get_status_display().lower()},
            code="referral_closed",
        )
    description = clean_text(
        description, "description", required=_("Say what the host staff member should do.")
    )
    if assignee is None or not facility_staff(referral.facility).filter(pk=assignee.pk).exists():
        message = _("Choose a member of %(host)s, who runs %(facility)s.") % {
            "host": referral.facility.host_organization.name,
            "facility": referral.facility.name,
        }
        raise ValidationFailed(message, code="invalid_assignee", fields={"assignee": message})
    due_on = clean_date(due_on, "due_on")
    if due_on < timezone.localdate():
        message = _("The due date cannot be in the past.")
        raise ValidationFailed(message, code="due_in_past", fields={"due_on": message})
    follow_up = FollowUp.objects.create(
        referral=referral, description=description, assignee=assignee, due_on=due_on, created_by=actor
    )
    facility_side = access.is_facility_coordinator and not access.team.can_capture
    log_action(
        "clinics.follow_up.created",
        actor=actor,
        organization=referral.facility.host_organization
        if facility_side
        else audit_organization(referral.team),
        obj=follow_up,
        after=snapshot(follow_up, FOLLOW_UP_FIELDS),
        data={"referral": referral.pk},
    )
    send_on_commit(
        "clinics_follow_up_assigned",
        email_context(
            referral,
            actor,
            follow_up=follow_up,
            follow_up_url=absolute_url("clinics:follow_up_update", follow_up.pk),
        ),
        user_recipient(assignee),
    )
    return follow_up


@transaction.atomic
def update_follow_up(follow_up: FollowUp, *, actor: User, status: str, outcome: str = "") -> FollowUp:
    """The assignee or the facility's coordinators record the follow-up's status and outcome; the
    team lead is told once it is done or missed."""
    check_may_update(actor, follow_up)
    follow_up = _lock_follow_up(follow_up)
    referral = follow_up.referral
    if referral.status in ABANDONED_STATUSES:
        raise Conflict(
            _("The referral was %(status)s: its follow-ups are closed.")
            % {"status": referral.get_status_display().lower()},
            code="referral_closed",
        )
    if status not in FollowUpStatus.values:
        message = _("Choose open, done, missed or cancelled.")
        raise ValidationFailed(message, code="invalid_status", fields={"status": message})
    outcome = clean_text(
        outcome,
        "outcome",
        required=_("Say what happened: an outcome is required once a follow-up is done or missed.")
        if status in OUTCOME_FOLLOW_UP_STATUSES
        else None,
    )
    before = snapshot(follow_up, FOLLOW_UP_FIELDS)
    if status == FollowUpStatus.OPEN:
        follow_up.closed_at = None
    elif status != follow_up.status or follow_up.closed_at is None:
        follow_up.closed_at = timezone.now()
    follow_up.status, follow_up.outcome = status, outcome
    follow_up.save(update_fields=["status", "outcome", "closed_at"])
    log_action(
        "clinics.follow_up.updated",
        actor=actor,
        organization=referral.facility.host_organization,
        obj=follow_up,
        before=before,
        after=snapshot(follow_up, FOLLOW_UP_FIELDS),
        data={"referral": referral.pk},
    )
    if status in OUTCOME_FOLLOW_UP_STATUSES and before["status"] != status:
        send_on_commit(
            "clinics_follow_up_closed",
            email_context(
                referral,
                actor,
                follow_up=follow_up,
                follow_up_url=absolute_url("clinics:follow_up_update", follow_up.pk),
            ),
            team_recipients(referral.team),
        )
    return follow_up


def handover_description(follow_up: FollowUp) -> str:
    """The handover task's text: who the patient is (pseudonymously), where they were referred,
    what to do, by whom and by when, and where the record is kept."""
    referral = follow_up.referral
    return _(
        "Clinical follow-up of patient %(patient)s, referred to %(facility)s on %(date)s (%(urgency)s): "
        "%(description)s\nHost staff member: %(assignee)s. Due on %(due)s.\nRecord the outcome on %(url)s"
    ) % {
        "patient": patient_label(referral.consultation),
        "facility": referral.facility.name,
        "date": referral.referred_at.date().isoformat(),
        "urgency": referral.get_urgency_display().lower(),
        "description": follow_up.description,
        "assignee": follow_up.assignee.full_name,
        "due": follow_up.due_on.isoformat(),
        "url": absolute_url("clinics:follow_up_update", follow_up.pk),
    }


@transaction.atomic
def hand_over(follow_up: FollowUp, *, actor: User) -> FollowUp:
    """Copy an open follow-up into the mission's handover plan as a follow-up task."""
    from medmissions.missions import closeout
    from medmissions.missions.access import MissionAccess
    from medmissions.missions.models import HandoverPlan

    team = follow_up.referral.team
    mission = team.mission
    if mission is None:
        raise Conflict(
            _(
                "This team has no mission on medmissions, so there is no handover plan to hand the follow-up over to."
            ),
            code="no_mission",
        )
    if not MissionAccess.of(actor, mission).can_manage:
        raise NotAllowed(_("Only coordinators and admins of a party to the mission hand follow-ups over."))
    follow_up = _lock_follow_up(follow_up)
    if follow_up.handover_task_id is not None:
        raise Conflict(
            _("This follow-up is already in the mission's handover plan."), code="already_handed_over"
        )
    if follow_up.status != FollowUpStatus.OPEN:
        raise Conflict(
            _("This follow-up is %(status)s: only open follow-ups are handed over.")
            % {"status": follow_up.get_status_display().lower()},
            code="follow_up_closed",
        )
    if not HandoverPlan.objects.filter(mission=mission).exists():
        raise Conflict(
            _(
                "The mission %(mission)s has no handover plan yet. Write it on the mission's close-out tab "
                "(local lead and referral pathways), then hand this follow-up over."
            )
            % {"mission": mission.title},
            code="no_handover_plan",
        )
    task = closeout.add_follow_up(
        mission,
        actor=actor,
        data={
            "description": handover_description(follow_up),
            "assignee": follow_up.assignee.full_name[:200],
            "due_on": follow_up.due_on,
        },
    )
    follow_up.handover_task = task
    follow_up.save(update_fields=["handover_task"])
    log_action(
        "clinics.follow_up.handed_over",
        actor=actor,
        organization=audit_organization(team),
        obj=follow_up,
        data={"referral": follow_up.referral_id, "mission": mission.pk, "task": task.pk},
    )
    return follow_up


# Reminders ------------------------------------------------------------------------------------------------------


@dataclass
class ReminderSummary:
    """What one run of ``send_reminders`` did."""

    assignees_reminded: int = 0
    follow_ups_reminded: int = 0
    overdue: int = 0
    lead_digests: int = 0
    already_reminded: int = 0  # assignees who had their reminder today already
    without_recipient: int = 0  # overdue follow-ups of teams with neither lead nor contact address
    lines: list[str] = field(default_factory=list)


def _due_follow_ups(today: datetime.date) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(
            status=FollowUpStatus.OPEN, due_on__lte=today + datetime.timedelta(days=REMINDER_DAYS)
        )
        .exclude(referral__status__in=ABANDONED_STATUSES)
        .select_related("assignee", "referral__team__lead", "referral__facility", "referral__consultation")
        .order_by("due_on", "pk")
    )


def _reminder_rows(follow_ups: list[FollowUp], today: datetime.date) -> list[dict[str, Any]]:
    return [
        {
            "follow_up": follow_up,
            "patient": patient_label(follow_up.referral.consultation),
            "overdue": follow_up.due_on < today,
            "days": (follow_up.due_on - today).days,
            "url": absolute_url("clinics:follow_up_update", follow_up.pk),
        }
        for follow_up in follow_ups
    ]


def send_reminders(*, today: datetime.date | None = None) -> ReminderSummary:
    """Remind each assignee of their open follow-ups due within two days or overdue (one email per
    assignee per day), and send each team lead a digest of the overdue ones.

    A follow-up's ``last_reminded_on`` records the day it was last reminded: an assignee who was
    reminded today is skipped, so running twice a day sends nothing twice. The follow-ups are
    claimed under a row lock in the transaction that queues the email, so two overlapping runs
    never both send them; the lead's digest lists the overdue follow-ups this run reminded.
    """
    today = today or timezone.localdate()
    summary = ReminderSummary()
    by_assignee: dict[int, list[FollowUp]] = defaultdict(list)
    for follow_up in _due_follow_ups(today):
        by_assignee[follow_up.assignee_id].append(follow_up)
    reminded_today = set(
        FollowUp.objects.filter(assignee_id__in=list(by_assignee), last_reminded_on=today).values_list(
            "assignee_id", flat=True
        )
    )
    overdue_by_team: dict[int, list[FollowUp]] = defaultdict(list)
    for assignee_id, follow_ups in by_assignee.items():
        if assignee_id in reminded_today:
            summary.already_reminded += 1
            continue
        with transaction.atomic():
            claimed = list(
                FollowUp.objects.select_for_update()
                .filter(pk__in=[follow_up.pk for follow_up in follow_ups], status=FollowUpStatus.OPEN)
                .exclude(last_reminded_on=today)
                .values_list("pk", flat=True)
            )
            if not claimed:
                summary.already_reminded += 1
                continue
            FollowUp.objects.filter(pk__in=claimed).update(last_reminded_on=today)
            mine = [follow_up for follow_up in follow_ups if follow_up.pk in set(claimed)]
            assignee = mine[0].assignee
            send_on_commit(
                "clinics_follow_up_reminder",
                {
                    "assignee": assignee,
                    "rows": _reminder_rows(mine, today),
                    "today": today,
                    "follow_ups_url": absolute_url("clinics:follow_ups"),
                },
                user_recipient(assignee),
            )
        summary.assignees_reminded += 1
        summary.follow_ups_reminded += len(mine)
        summary.lines.append(f"{assignee.email}: {len(mine)} follow-ups")
        for follow_up in mine:
            if follow_up.due_on < today:
                summary.overdue += 1
                overdue_by_team[follow_up.referral.team_id].append(follow_up)
    for follow_ups in overdue_by_team.values():
        team = follow_ups[0].referral.team
        recipients = team_recipients(team)
        if not recipients:
            summary.without_recipient += len(follow_ups)
            continue
        send_on_commit(
            "clinics_follow_up_overdue_digest",
            {
                "team": team,
                "rows": _reminder_rows(follow_ups, today),
                "today": today,
                "referrals_url": absolute_url("clinics:referrals") + "?show=sent",
            },
            recipients,
        )
        summary.lead_digests += 1
        summary.lines.append(f"team {team.pk}: digest of {len(follow_ups)} overdue follow-ups")
    return summary
