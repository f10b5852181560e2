"""Referrals: continuity of care once a patient leaves the team's clinic.

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
* **Follow-ups** of a referred patient by host staff, their reminders and their hand-over into a
  mission's handover plan are in ``follow_ups.py``.

Restricted items (``mds.RESTRICTED``) of a referred consultation are shown only to those who may
see them (``TeamAccess.can_see_restricted``); the facility gets the age group, the sex code, the
other items ticked, the pseudonymous patient reference, the reason and the urgency.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.clinics import mds
from medmissions.clinics.access import TeamAccess, audit_organization, is_facility_member
from medmissions.clinics.choices import (
    OPEN_REFERRAL_STATUSES,
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
from medmissions.sites.models import Site

REFERRAL_ITEM = 39
TEXT_LENGTH = 2000
# Closing statuses, and who records each: the facility or the team.
FACILITY_CLOSING = frozenset({ReferralStatus.COMPLETED, ReferralStatus.LOST})
CLOSING_STATUSES = FACILITY_CLOSING | {ReferralStatus.CANCELLED}
# A follow-up is added while the patient is on their way, in the facility's care or back home.
FOLLOW_UP_REFERRAL_STATUSES = frozenset(
    {ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED}
)
# Referrals the facility never took on: their follow-ups have nothing left to follow.
ABANDONED_STATUSES = frozenset({ReferralStatus.DECLINED, ReferralStatus.CANCELLED})
REFERRAL_FIELDS = ["status", "outcome", "urgency", "reason"]


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

    def may_update(self, follow_up: FollowUp) -> bool:
        """Whether the user records follow-ups like this one at all (the assignee, the facility's
        coordinators); ``can_update`` adds whether it can be updated now."""
        return follow_up.assignee_id == getattr(self.user, "pk", None) or self.is_facility_coordinator

    def can_update(self, follow_up: FollowUp) -> bool:
        return self.may_update(follow_up) and self.referral.status not in ABANDONED_STATUSES

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


# Recipients --------------------------------------------------------------------------------------------


def team_recipients(team: Team) -> list[Recipient]:
    """The team lead, or the team's contact address when it has no lead on medmissions."""
    if team.lead_id is not None and team.lead is not None and team.lead.is_active:
        return [(team.lead.email, team.lead.language)]
    if team.contact_email:
        return [(team.contact_email, None)]
    return []


def _facility_recipients(referral: Referral) -> list[Recipient]:
    return members_of([referral.facility.host_organization_id])


def user_recipient(user: User) -> list[Recipient]:
    return [(user.email, user.language)] if user.is_active else []


# Cleaning ------------------------------------------------------------------------------------------------


def clean_text(value: Any, name: str, *, required: str | None = None) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(required, code="required", fields={name: required})
    if len(text) > TEXT_LENGTH:
        message = _("At most %(count)s characters.") % {"count": TEXT_LENGTH}
        raise ValidationFailed(message, code="too_long", fields={name: message})
    return text


def clean_date(value: Any, name: str) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError as error:
        message = _("Enter a date as YYYY-MM-DD.")
        raise ValidationFailed(message, code="invalid_date", fields={name: message}) from error


def lock_referral(referral: Referral) -> Referral:
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


def email_context(referral: Referral, actor: User | None, **extra: Any) -> dict[str, Any]:
    return {
        "referral": referral,
        "team": referral.team,
        "facility": referral.facility,
        "patient": patient_label(referral.consultation),
        "actor": actor,
        "referral_url": absolute_url("clinics:referral", referral.pk),
        **extra,
    }


# Permission checks (the services and the pages that offer them) ---------------------------------------


def check_may_refer(actor: Any, team: Team) -> None:
    if not TeamAccess.of(actor, team).can_capture:
        raise NotAllowed(_("Only the team and its organisations' members refer patients."))


def check_may_respond(actor: Any, referral: Referral) -> None:
    if not is_facility_member(actor, referral, Capability.CONTRIBUTE):
        raise NotAllowed(
            _("Only members of %(host)s answer referrals to %(facility)s.")
            % {"host": referral.facility.host_organization.name, "facility": referral.facility.name}
        )


# Referring -------------------------------------------------------------------------------------------------


@transaction.atomic
def refer(
    consultation: Consultation,
    *,
    actor: User,
    facility: Site,
    reason: str,
    urgency: str = ReferralUrgency.ROUTINE,
) -> Referral:
    """Refer the patient of ``consultation`` to ``facility`` (see the module docstring for item 39)."""
    from medmissions.clinics.capture import CAPTURE_STATUSES, update_consultation

    team = consultation.team
    check_may_refer(actor, team)
    reason = clean_text(reason, "reason", required=_("Say why the patient is referred."))
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
    send_on_commit("clinics_referral_sent", email_context(referral, actor), _facility_recipients(referral))
    return referral


@transaction.atomic
def respond(referral: Referral, *, actor: User, accept: bool, note: str = "") -> Referral:
    """The facility accepts the referral, or declines it with a reason; the team lead is told."""
    check_may_respond(actor, referral)
    referral = lock_referral(referral)
    if referral.status != ReferralStatus.SENT:
        raise Conflict(
            _("This referral is already %(status)s.") % {"status": referral.get_status_display().lower()},
            code="already_answered",
        )
    note = clean_text(
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
        email_context(referral, actor, accepted=accept, note=note),
        team_recipients(referral.team),
    )
    return referral


@transaction.atomic
def close(referral: Referral, *, actor: User, status: str, outcome: str = "") -> Referral:
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
    referral = lock_referral(referral)
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
    outcome = clean_text(
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
            "clinics_referral_cancelled", email_context(referral, actor), _facility_recipients(referral)
        )
    else:
        send_on_commit(
            "clinics_referral_closed", email_context(referral, actor), team_recipients(referral.team)
        )
    return referral
