"""Referrals and follow-ups: continuity of care once a patient leaves the team's clinic.

* **Referring** — those who record consultations for the team (``TeamAccess.can_capture``) refer
  a patient to a local facility: any site in the team's country (the team's own site too: a
  hospital's outpatient post may send a patient to its wards). The facility host's coordinators
  and admins are emailed a link; the email carries neither the reason nor any patient detail.
* **Item 39.** A referral is recorded on its consultation as MDS item 39 ("referral"), so the
  daily report's referral count and the referrals agree. When the item is not ticked and the
  consultation's daily report is still open (or being corrected), referring ticks it through
  ``capture.update_consultation`` (audited like any correction) and the page says so; once the
  report is submitted it is refused, telling the team to start a correction and tick item 39
  first. Ticking for them is the clearer behaviour while nothing official changes: the person
  referring has just said the patient is referred, and a refusal would only send them to another
  page to say it again.
* **Answering** — members of the facility's host organisation (``Capability.CONTRIBUTE``) accept
  or decline a referral they received (declining needs a reason); the team lead is emailed.
* **Closing** — the facility records it completed (once accepted) or the patient lost to
  follow-up, each with an outcome; the team cancels a referral nobody has answered yet. A declined
  or cancelled referral cancels its open follow-ups.
* **Follow-ups** — the team or the facility's coordinators and admins assign a follow-up to a
  member of the facility's host organisation (host staff), due today or later; the assignee or
  the facility's coordinators record what happened (an outcome once done or missed). Assignees
  are reminded by email from two days before the due date (``send_reminders``).
* **Handing over** — a coordinator of the mission (``MissionAccess.can_manage``) copies an open
  follow-up into the mission's handover plan as a follow-up task (``closeout.add_follow_up``, whose
  rules apply). A mission cannot be completed while follow-ups of its urgent or emergency
  referrals are open and not handed over (``completion_blockers``).

Restricted items (``mds.RESTRICTED``) of a referred consultation are shown only to those who may
see them (``TeamAccess.can_see_restricted``); the facility gets the age group, the sex code, the
other items ticked, the pseudonymous patient reference, the reason and the urgency.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.clinics import mds
from medmissions.clinics.access import TeamAccess, audit_organization, is_facility_member
from medmissions.clinics.choices import (
    OPEN_REFERRAL_STATUSES,
    URGENT_REFERRALS,
    AgeGroup,
    FollowUpStatus,
    ReferralStatus,
    ReferralUrgency,
)
from medmissions.clinics.models import Consultation, FollowUp, Referral, Team
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.missions.models import Mission
from medmissions.missions.recipients import Recipient, members_of
from medmissions.organizations.access import Capability, access_for
from medmissions.organizations.choices import Role
from medmissions.sites.models import Site

REFERRAL_ITEM = 39
TEXT_LENGTH = 2000
# Assignees are reminded from this many days before a follow-up is due, and daily once overdue.
REMINDER_DAYS = 2
# Roles of a facility's host organisation whose members can be assigned follow-ups (host staff).
STAFF_ROLES = (Role.MEMBER, Role.COORDINATOR, Role.ADMIN)
# Closing statuses, and who records each: the facility or the team.
FACILITY_CLOSING = frozenset({ReferralStatus.COMPLETED, ReferralStatus.LOST})
CLOSING_STATUSES = FACILITY_CLOSING | {ReferralStatus.CANCELLED}
# A follow-up is added while the patient is on their way, in the facility's care or back home.
FOLLOW_UP_REFERRAL_STATUSES = frozenset(
    {ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED}
)
# Referrals the facility never took on: their follow-ups have nothing left to follow.
ABANDONED_STATUSES = frozenset({ReferralStatus.DECLINED, ReferralStatus.CANCELLED})
OUTCOME_FOLLOW_UP_STATUSES = frozenset({FollowUpStatus.DONE, FollowUpStatus.MISSED})
REFERRAL_FIELDS = ["status", "outcome", "urgency", "reason"]
FOLLOW_UP_FIELDS = ["description", "assignee", "due_on", "status", "outcome"]


# Reading ---------------------------------------------------------------------------------------------


def absolute_url(name: str, *args: Any) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def team_country(team: Team) -> str:
    """The country the team works in: its mission's site's, else its response's."""
    if team.mission is not None:
        return str(team.mission.site.country)
    assert team.response is not None  # a team reports to a mission or a response (constraint)
    return str(team.response.country)


def facilities_for(team: Team) -> QuerySet[Site]:
    """Where the team may refer patients: every site in its country."""
    return (
        Site.objects.filter(country=team_country(team))
        .select_related("host_organization")
        .order_by("name", "pk")
    )


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


def referrals_for(user: Any, show: str = "all") -> QuerySet[Referral]:
    """Referrals ``user`` may see; ``show`` narrows them to those ``sent`` by teams they work with
    or ``received`` by facilities their organisations host."""
    queryset = Referral.objects.visible_to(user)
    if show == "sent":
        queryset = queryset.filter(team__in=Team.objects.visible_to(user).values("pk"))
    elif show == "received":
        queryset = queryset.filter(facility__host_organization_id__in=access_for(user).organization_ids())
    return queryset.select_related(
        "team", "facility__host_organization", "consultation__report__site", "referred_by"
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


def has_referral_item(consultation: Consultation) -> bool:
    """Whether MDS item 39 (referral) is ticked on the consultation."""
    return bool(getattr(consultation, mds.ITEMS[REFERRAL_ITEM].field))


def patient_label(consultation: Consultation) -> str:
    """The pseudonymous patient reference, or the team's consultation number when none was given."""
    return consultation.patient_reference or consultation.reference


@dataclass(frozen=True)
class ConsultationSummary:
    """What a reader of a referral sees of its consultation. ``items`` are (number, label) of the
    items ticked; restricted ones only when ``shows_restricted``."""

    reference: str
    patient_reference: str
    date: datetime.date
    site: str
    age_group: int
    age_group_label: str
    sex: int
    sex_label: str
    items: list[tuple[int, str]]
    shows_restricted: bool


def consultation_summary(referral: Referral, user: Any) -> ConsultationSummary:
    from medmissions.clinics.responses import item_labels

    consultation = referral.consultation
    shows_restricted = TeamAccess.of(user, referral.team).can_see_restricted
    labels = item_labels(referral.team.response)
    return ConsultationSummary(
        reference=consultation.reference,
        patient_reference=consultation.patient_reference,
        date=consultation.report.date,
        site=consultation.report.site.name,
        age_group=consultation.age_group,
        age_group_label=str(AgeGroup(consultation.age_group).label),
        sex=consultation.sex,
        sex_label=str(consultation.get_sex_display()),
        items=[
            (number, labels[number])
            for number in consultation.ticked()
            if shows_restricted or number not in mds.RESTRICTED
        ],
        shows_restricted=shows_restricted,
    )


@dataclass
class ReferralAccess:
    """What ``user`` may do with ``referral``; computed once per request."""

    user: Any
    referral: Referral

    @cached_property
    def team(self) -> TeamAccess:
        return TeamAccess.of(self.user, self.referral.team)

    @cached_property
    def is_facility_member(self) -> bool:
        return is_facility_member(self.user, self.referral, Capability.CONTRIBUTE)

    @cached_property
    def is_facility_coordinator(self) -> bool:
        return is_facility_member(self.user, self.referral, Capability.COORDINATE_RESPONSES)

    @property
    def can_respond(self) -> bool:
        return self.is_facility_member and self.referral.status == ReferralStatus.SENT

    @property
    def closing_statuses(self) -> list[str]:
        """The statuses this user may close the referral with now."""
        status = self.referral.status
        allowed: list[str] = []
        if self.is_facility_member:
            if status == ReferralStatus.ACCEPTED:
                allowed.append(ReferralStatus.COMPLETED)
            if status in OPEN_REFERRAL_STATUSES:
                allowed.append(ReferralStatus.LOST)
        if self.team.can_capture and status == ReferralStatus.SENT:
            allowed.append(ReferralStatus.CANCELLED)
        return allowed

    @property
    def may_add_follow_ups(self) -> bool:
        return self.team.can_capture or self.is_facility_coordinator

    @property
    def can_add_follow_up(self) -> bool:
        return self.may_add_follow_ups and self.referral.status in FOLLOW_UP_REFERRAL_STATUSES

    def can_update(self, follow_up: FollowUp) -> bool:
        return (
            follow_up.assignee_id == getattr(self.user, "pk", None) or self.is_facility_coordinator
        ) and self.referral.status not in ABANDONED_STATUSES

    @cached_property
    def can_manage_mission(self) -> bool:
        from medmissions.missions.access import MissionAccess

        mission = self.referral.team.mission
        return mission is not None and MissionAccess.of(self.user, mission).can_manage

    def can_hand_over(self, follow_up: FollowUp) -> bool:
        return (
            self.can_manage_mission
            and follow_up.status == FollowUpStatus.OPEN
            and follow_up.handover_task_id is None
        )


# Rates -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompletionRate:
    """Completed referrals out of all referrals except cancelled ones (a cancelled referral never
    reached the facility; a declined or lost one did and counts against the rate)."""

    completed: int = 0
    open: int = 0
    declined: int = 0
    lost: int = 0
    cancelled: int = 0

    @property
    def counted(self) -> int:
        return self.completed + self.open + self.declined + self.lost

    @property
    def total(self) -> int:
        return self.counted + self.cancelled

    @property
    def rate(self) -> float | None:
        return self.completed / self.counted if self.counted else None

    @property
    def percent(self) -> int | None:
        return round(self.completed * 100 / self.counted) if self.counted else None


def _rate_aggregates() -> dict[str, Any]:
    # Distinct: the querysets given (``visible_to``) may join follow-ups, one row per follow-up.
    return {
        "completed": Count("pk", filter=Q(status=ReferralStatus.COMPLETED), distinct=True),
        "open": Count("pk", filter=Q(status__in=OPEN_REFERRAL_STATUSES), distinct=True),
        "declined": Count("pk", filter=Q(status=ReferralStatus.DECLINED), distinct=True),
        "lost": Count("pk", filter=Q(status=ReferralStatus.LOST), distinct=True),
        "cancelled": Count("pk", filter=Q(status=ReferralStatus.CANCELLED), distinct=True),
    }


def completion_rate(referrals: QuerySet[Referral]) -> CompletionRate:
    """The completion rate of ``referrals`` (one query)."""
    return CompletionRate(**referrals.order_by().aggregate(**_rate_aggregates()))


def completion_rates_by_team(referrals: QuerySet[Referral]) -> dict[int, CompletionRate]:
    """Team id → the completion rate of that team's referrals among ``referrals`` (one query)."""
    rows = referrals.order_by().values("team_id").annotate(**_rate_aggregates())
    return {
        row["team_id"]: CompletionRate(**{name: row[name] for name in _rate_aggregates()}) for row in rows
    }


def mission_completion_rate(mission: Mission) -> CompletionRate:
    return completion_rate(Referral.objects.filter(team__mission=mission))


def partnership_completion_rate(partnership: Any) -> CompletionRate:
    """All referrals of the teams of the partnership's missions."""
    return completion_rate(Referral.objects.filter(team__mission__partnership=partnership))


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


# Recipients --------------------------------------------------------------------------------------------


def _team_recipients(team: Team) -> list[Recipient]:
    """The team lead, or the team's contact address when it has no lead on medmissions."""
    if team.lead_id is not None and team.lead is not None and team.lead.is_active:
        return [(team.lead.email, team.lead.language)]
    if team.contact_email:
        return [(team.contact_email, None)]
    return []


def _facility_recipients(referral: Referral) -> list[Recipient]:
    return members_of([referral.facility.host_organization_id])


def _user_recipient(user: User) -> list[Recipient]:
    return [(user.email, user.language)] if user.is_active else []


# Cleaning ------------------------------------------------------------------------------------------------


def _text(value: Any, name: str, *, required: str | None = None) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(required, code="required", fields={name: required})
    if len(text) > TEXT_LENGTH:
        message = _("At most %(count)s characters.") % {"count": TEXT_LENGTH}
        raise ValidationFailed(message, code="too_long", fields={name: message})
    return text


def _date(value: Any, name: str) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError as error:
        message = _("Enter a date as YYYY-MM-DD.")
        raise ValidationFailed(message, code="invalid_date", fields={name: message}) from error


def _lock_referral(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related(
            "team__lead",
            "team__response",
            "team__mission__site",
            "facility__host_organization",
            "consultation__report",
        )
        .get(pk=referral.pk)
    )


def _lock_follow_up(follow_up: FollowUp) -> FollowUp:
    return (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("assignee", "referral__team__lead", "referral__facility", "referral__consultation")
        .get(pk=follow_up.pk)
    )


def _cancel_open_follow_ups(referral: Referral, actor: User, organization: Any) -> int:
    """Cancel the open follow-ups of a referral the facility never took on."""
    cancelled = 0
    for follow_up in FollowUp.objects.select_for_update().filter(
        referral=referral, status=FollowUpStatus.OPEN
    ):
        follow_up.status = FollowUpStatus.CANCELLED
        follow_up.closed_at = timezone.now()
        follow_up.save(update_fields=["status", "closed_at"])
        log_action(
            "clinics.follow_up.cancelled",
            actor=actor,
            organization=organization,
            obj=follow_up,
            before={"status": FollowUpStatus.OPEN},
            after={"status": FollowUpStatus.CANCELLED},
            data={"referral": referral.pk, "because": referral.status},
        )
        cancelled += 1
    return cancelled


def _email_context(referral: Referral, actor: User | None, **extra: Any) -> dict[str, Any]:
    return {
        "referral": referral,
        "team": referral.team,
        "facility": referral.facility,
        "patient": patient_label(referral.consultation),
        "actor": actor,
        "referral_url": absolute_url("clinics:referral", referral.pk),
        **extra,
    }


# Referring -------------------------------------------------------------------------------------------------


@transaction.atomic
def refer(
    consultation: Consultation,
    actor: User,
    facility: Site,
    reason: str,
    urgency: str = ReferralUrgency.ROUTINE,
) -> Referral:
    """Refer the patient of ``consultation`` to ``facility`` (see the module docstring for item 39)."""
    from medmissions.clinics.capture import CAPTURE_STATUSES, update_consultation

    team = consultation.team
    if not TeamAccess.of(actor, team).can_capture:
        raise NotAllowed(_("Only the team and its organisations' members refer patients."))
    reason = _text(reason, "reason", required=_("Say why the patient is referred."))
    if urgency not in ReferralUrgency.values:
        message = _("Choose routine, urgent or emergency.")
        raise ValidationFailed(message, code="invalid_urgency", fields={"urgency": message})
    country = team_country(team)
    if not isinstance(facility, Site) or str(facility.country) != country:
        message = _("Choose a facility in the country where the team works.")
        raise ValidationFailed(message, code="invalid_facility", fields={"facility": message})
    consultation = (
        Consultation.objects.select_for_update(of=("self",)).select_related("report").get(pk=consultation.pk)
    )
    if Referral.objects.filter(
        consultation=consultation, facility=facility, status__in=OPEN_REFERRAL_STATUSES
    ).exists():
        raise Conflict(
            _("This patient is already referred to %(facility)s; that referral is still open.")
            % {"facility": facility.name},
            code="already_referred",
        )
    ticked = False
    if not has_referral_item(consultation):
        if consultation.report.status not in CAPTURE_STATUSES:
            raise Conflict(
                _(
                    "Item 39 (referral) is not ticked on consultation %(reference)s, and its daily report "
                    "of %(date)s is submitted. Ask the team lead to start a correction of that report, "
                    "tick item 39 on the consultation, then refer the patient."
                )
                % {"reference": consultation.reference, "date": consultation.report.date.isoformat()},
                code="referral_item_not_ticked",
            )
        update_consultation(
            consultation, actor=actor, data={"items": [*consultation.ticked(), REFERRAL_ITEM]}
        )
        ticked = True
    referral = Referral.objects.create(
        consultation=consultation,
        team=team,
        facility=facility,
        reason=reason,
        urgency=urgency,
        referred_by=actor,
    )
    log_action(
        "clinics.referral.sent",
        actor=actor,
        organization=audit_organization(team),
        obj=referral,
        after=snapshot(referral, REFERRAL_FIELDS),
        data={
            "team": team.pk,
            "consultation": consultation.pk,
            "facility": facility.pk,
            "ticked_item_39": ticked,
        },
    )
    send_on_commit("clinics_referral_sent", _email_context(referral, actor), _facility_recipients(referral))
    return referral


@transaction.atomic
def respond(referral: Referral, actor: User, accept: bool, note: str = "") -> Referral:
    """The facility accepts the referral, or declines it with a reason; the team lead is told."""
    if not is_facility_member(actor, referral, Capability.CONTRIBUTE):
        raise NotAllowed(
            _("Only members of %(host)s answer referrals to %(facility)s.")
            % {"host": referral.facility.host_organization.name, "facility": referral.facility.name}
        )
    referral = _lock_referral(referral)
    if referral.status != ReferralStatus.SENT:
        raise Conflict(
            _("This referral is already %(status)s.") % {"status": referral.get_status_display().lower()},
            code="already_answered",
        )
    note = _text(
        note,
        "note",
        required=None if accept else _("Tell the team why the facility cannot take the patient."),
    )
    before = snapshot(referral, REFERRAL_FIELDS)
    now = timezone.now()
    referral.status = ReferralStatus.ACCEPTED if accept else ReferralStatus.DECLINED
    referral.responded_by, referral.responded_at = actor, now
    fields = ["status", "responded_by", "responded_at"]
    if not accept:
        referral.outcome, referral.closed_at = note, now
        fields += ["outcome", "closed_at"]
    referral.save(update_fields=fields)
    organization = referral.facility.host_organization
    log_action(
        f"clinics.referral.{referral.status}",
        actor=actor,
        organization=organization,
        obj=referral,
        before=before,
        after=snapshot(referral, REFERRAL_FIELDS),
        data={"note": note},
    )
    if not accept:
        _cancel_open_follow_ups(referral, actor, organization)
    send_on_commit(
        "clinics_referral_answered",
        _email_context(referral, actor, accepted=accept, note=note),
        _team_recipients(referral.team),
    )
    return referral


@transaction.atomic
def close(referral: Referral, actor: User, status: str, outcome: str = "") -> Referral:
    """Completed or lost (the facility, with an outcome), or cancelled (the team, while unanswered)."""
    if status not in CLOSING_STATUSES:
        message = _("Choose completed, lost to follow-up or cancelled.")
        raise ValidationFailed(message, code="invalid_status", fields={"status": message})
    if status in FACILITY_CLOSING:
        if not is_facility_member(actor, referral, Capability.CONTRIBUTE):
            raise NotAllowed(
                _("Only members of %(host)s record what happened to a patient referred to %(facility)s.")
                % {"host": referral.facility.host_organization.name, "facility": referral.facility.name}
            )
        organization = referral.facility.host_organization
    else:
        if not TeamAccess.of(actor, referral.team).can_capture:
            raise NotAllowed(_("Only the referring team cancels a referral."))
        organization = audit_organization(referral.team)
    referral = _lock_referral(referral)
    current = referral.status
    if status == ReferralStatus.COMPLETED and current != ReferralStatus.ACCEPTED:
        raise Conflict(
            _("Only an accepted referral is completed; this one is %(status)s. Accept it first.")
            % {"status": referral.get_status_display().lower()},
            code="not_accepted",
        )
    if status == ReferralStatus.LOST and current not in OPEN_REFERRAL_STATUSES:
        raise Conflict(
            _("This referral is already %(status)s.") % {"status": referral.get_status_display().lower()},
            code="referral_closed",
        )
    if status == ReferralStatus.CANCELLED and current != ReferralStatus.SENT:
        raise Conflict(
            _(
                "Only a referral the facility has not answered yet can be cancelled; this one is %(status)s. "
                "Ask the facility to record what happened instead."
            )
            % {"status": referral.get_status_display().lower()},
            code="already_answered",
        )
    outcome = _text(
        outcome,
        "outcome",
        required=_("Say what happened to the patient.") if status in FACILITY_CLOSING else None,
    )
    before = snapshot(referral, REFERRAL_FIELDS)
    referral.status, referral.outcome, referral.closed_at = status, outcome, timezone.now()
    referral.save(update_fields=["status", "outcome", "closed_at"])
    log_action(
        f"clinics.referral.{status}",
        actor=actor,
        organization=organization,
        obj=referral,
        before=before,
        after=snapshot(referral, REFERRAL_FIELDS),
    )
    if status == ReferralStatus.CANCELLED:
        _cancel_open_follow_ups(referral, actor, organization)
        send_on_commit(
            "clinics_referral_cancelled", _email_context(referral, actor), _facility_recipients(referral)
        )
    else:
        send_on_commit(
            "clinics_referral_closed", _email_context(referral, actor), _team_recipients(referral.team)
        )
    return referral


# Follow-ups -------------------------------------------------------------------------------------------------


@transaction.atomic
def add_follow_up(
    referral: Referral, actor: User, description: str, assignee: User | None, due_on: Any
) -> FollowUp:
    """Assign a follow-up of the referred patient to a member of the facility's host organisation."""
    access = ReferralAccess(actor, referral)
    if not access.may_add_follow_ups:
        raise NotAllowed(
            _("Only the referring team and the coordinators of %(host)s add follow-ups.")
            % {"host": referral.facility.host_organization.name}
        )
    referral = _lock_referral(referral)
    if referral.status not in FOLLOW_UP_REFERRAL_STATUSES:
        raise Conflict(
            _("This referral is %(status)s: there is no patient to follow up.")
            % {"status": referral.get_status_display().lower()},
            code="referral_closed",
        )
    description = _text(description, "description", required=_("Say what the host staff member should do."))
    if assignee is None or not facility_staff(referral.facility).filter(pk=assignee.pk).exists():
        message = _("Choose a member of %(host)s, who runs %(facility)s.") % {
            "host": referral.facility.host_organization.name,
            "facility": referral.facility.name,
        }
        raise ValidationFailed(message, code="invalid_assignee", fields={"assignee": message})
    due_on = _date(due_on, "due_on")
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
        _email_context(
            referral,
            actor,
            follow_up=follow_up,
            follow_up_url=absolute_url("clinics:follow_up_update", follow_up.pk),
        ),
        _user_recipient(assignee),
    )
    return follow_up


@transaction.atomic
def update_follow_up(follow_up: FollowUp, actor: User, status: str, outcome: str = "") -> FollowUp:
    """The assignee or the facility's coordinators record the follow-up's status and outcome; the
    team lead is told once it is done or missed."""
    referral = follow_up.referral
    if not (
        follow_up.assignee_id == actor.pk
        or is_facility_member(actor, referral, Capability.COORDINATE_RESPONSES)
    ):
        raise NotAllowed(
            _(
                "Only the host staff member it is assigned to and the coordinators of %(host)s update a follow-up."
            )
            % {"host": referral.facility.host_organization.name}
        )
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
    outcome = _text(
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
            _email_context(
                referral,
                actor,
                follow_up=follow_up,
                follow_up_url=absolute_url("clinics:follow_up_update", follow_up.pk),
            ),
            _team_recipients(referral.team),
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
def hand_over(follow_up: FollowUp, actor: User) -> FollowUp:
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


def send_reminders(today: datetime.date | None = None) -> ReminderSummary:
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
                _user_recipient(assignee),
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
        recipients = _team_recipients(team)
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
