"""API of the referrals area: referrals (list, refer, read, answer, close, add a follow-up, completion
rates) and follow-ups (mine, read, update, hand over). ROUTES lists (prefix, router, tags) for
medmissions/api.py.

Endpoints call clinics/referrals.py, as the pages do, and load referrals, follow-ups and
consultations through clinics/access.py: what one may not see answers 404, a role too low 403.
Ids in payloads are resolved through what the caller may see: an unknown or invisible
consultation, facility or assignee is a 400 naming the field. Restricted MDS items of a referred
consultation appear only for those who may see them (``consultation.shows_restricted``).
"""

import datetime
from typing import Any, Literal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.accounts.models import User
from medmissions.clinics import follow_ups, referrals
from medmissions.clinics.access import TeamAccess, get_follow_up_or_404, get_referral_or_404
from medmissions.clinics.models import Consultation, FollowUp, Referral, Team
from medmissions.core.errors import ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.missions.access import MissionAccess, get_mission_or_404
from medmissions.organizations.access import access_for
from medmissions.partnerships.models import Partnership
from medmissions.sites.models import Site

referrals_router = Router()
follow_ups_router = Router()

REFERRAL_STATUSES = Literal["sent", "accepted", "completed", "declined", "lost", "cancelled"]
URGENCIES = Literal["routine", "urgent", "emergency"]
FOLLOW_UP_STATUSES = Literal["open", "done", "missed", "cancelled"]


# Schemas ----------------------------------------------------------------------------------------


class ConsultationOut(Schema):
    id: int
    reference: str = Field(..., description="The team's consultation number (eDATA ID)")
    patient_reference: str = Field(..., description="Pseudonymous patient reference; never a name")
    date: datetime.date
    site: str
    age_group: int = Field(
        ..., description="MDS age group: 1 <1, 2 1–4, 3 5–17, 4 18–64, 5 ≥65, 0 ≥5 unknown"
    )
    sex: int = Field(..., description="MDS items 1–3: 1 male, 2 female, 3 female and pregnant")
    items: list[int] = Field(..., description="MDS items ticked (4–50)")
    shows_restricted: bool = Field(
        ..., description="False: restricted items (28, 31, 42, 43, 47–50) are left out for this caller"
    )


class FollowUpOut(Schema):
    id: int
    referral: int
    description: str
    assignee: str = Field(..., description="Email of the host staff member")
    assignee_name: str
    due_on: datetime.date
    status: str = Field(..., description="open, done, missed or cancelled")
    outcome: str
    overdue: bool
    handover_task: int | None = Field(..., description="Id of the mission's follow-up task, once handed over")
    last_reminded_on: datetime.date | None
    created_at: datetime.datetime
    closed_at: datetime.datetime | None


class ReferralListOut(Schema):
    id: int
    team: int
    team_name: str
    consultation: int
    patient: str = Field(..., description="Pseudonymous patient reference, or the consultation number")
    facility: int = Field(..., description="Id of the site the patient is referred to")
    facility_name: str
    facility_host: str = Field(..., description="Slug of the organisation running the facility")
    urgency: str = Field(..., description="routine, urgent or emergency")
    status: str = Field(..., description="sent, accepted, completed, declined, lost or cancelled")
    referred_at: datetime.datetime
    responded_at: datetime.datetime | None
    closed_at: datetime.datetime | None


class ReferralOut(ReferralListOut):
    reason: str
    outcome: str
    referred_by: str | None
    responded_by: str | None
    consultation_details: ConsultationOut
    follow_ups: list[FollowUpOut]


class ReferralIn(Schema):
    consultation: int = Field(..., description="Id of the consultation whose patient is referred")
    facility: int = Field(..., description="Id of a site in the country where the team works")
    reason: str
    urgency: URGENCIES = "routine"


class ReferralFilters(Schema):
    show: Literal["all", "sent", "received"] = Field(
        "all", description="sent: by teams you work with; received: by facilities your organisations run"
    )
    status: REFERRAL_STATUSES | Literal["open"] | None = Field(None, description="open: sent or accepted")
    urgency: URGENCIES | None = None
    team: int | None = None


class RespondIn(Schema):
    decision: Literal["accept", "decline"]
    note: str = Field("", description="Required when declining")


class CloseIn(Schema):
    status: Literal["completed", "lost", "cancelled"] = Field(
        ..., description="completed or lost: the facility; cancelled: the referring team, while unanswered"
    )
    outcome: str = Field("", description="Required for completed and lost")


class FollowUpIn(Schema):
    description: str
    assignee: str = Field(..., description="Email of a member of the organisation running the facility")
    due_on: datetime.date


class FollowUpPatch(Schema):
    status: FOLLOW_UP_STATUSES | None = None
    outcome: str | None = Field(None, description="Required once done or missed")


class FollowUpFilters(Schema):
    show: Literal["mine", "facilities"] = Field(
        "mine", description="mine: assigned to you; facilities: at facilities whose host you coordinate"
    )
    status: FOLLOW_UP_STATUSES | None = None


class RateFilters(Schema):
    mission: int | None = Field(None, description="Rate of the mission's clinic team")
    partnership: int | None = Field(None, description="Rate of the teams of all the partnership's missions")


class RateOut(Schema):
    completed: int
    open: int = Field(..., description="Sent or accepted")
    declined: int
    lost: int
    cancelled: int
    counted: int = Field(..., description="Every referral except cancelled ones")
    rate: float | None = Field(..., description="completed / counted; null without referrals")


# Helpers ----------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: message})


def _follow_up_out(follow_up: FollowUp, today: datetime.date) -> dict[str, Any]:
    return {
        "id": follow_up.pk,
        "referral": follow_up.referral_id,
        "description": follow_up.description,
        "assignee": follow_up.assignee.email,
        "assignee_name": follow_up.assignee.full_name,
        "due_on": follow_up.due_on,
        "status": follow_up.status,
        "outcome": follow_up.outcome,
        "overdue": follow_ups.is_overdue(follow_up, today),
        "handover_task": follow_up.handover_task_id,
        "last_reminded_on": follow_up.last_reminded_on,
        "created_at": follow_up.created_at,
        "closed_at": follow_up.closed_at,
    }


def _list_out(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "team": referral.team_id,
        "team_name": referral.team.name,
        "consultation": referral.consultation_id,
        "patient": referrals.patient_label(referral.consultation),
        "facility": referral.facility_id,
        "facility_name": referral.facility.name,
        "facility_host": referral.facility.host_organization.slug,
        "urgency": referral.urgency,
        "status": referral.status,
        "referred_at": referral.referred_at,
        "responded_at": referral.responded_at,
        "closed_at": referral.closed_at,
    }


def _referral_out(user: Any, referral: Referral) -> dict[str, Any]:
    # Reloaded: the services may have changed it, and the output needs its related rows.
    referral = get_referral_or_404(user, referral.pk)
    summary = referrals.consultation_summary(referral, user)
    today = timezone.localdate()
    referral_follow_ups = referral.follow_ups.select_related("assignee").order_by("due_on", "pk")
    return {
        **_list_out(referral),
        "reason": referral.reason,
        "outcome": referral.outcome,
        "referred_by": referral.referred_by.full_name if referral.referred_by else None,
        "responded_by": referral.responded_by.full_name if referral.responded_by else None,
        "consultation_details": {
            "id": referral.consultation_id,
            "reference": summary.reference,
            "patient_reference": summary.patient_reference,
            "date": summary.date,
            "site": summary.site,
            "age_group": summary.age_group,
            "sex": summary.sex,
            "items": [number for number, _label in summary.items],
            "shows_restricted": summary.shows_restricted,
        },
        "follow_ups": [_follow_up_out(follow_up, today) for follow_up in referral_follow_ups],
    }


def _rate_out(rate: referrals.CompletionRate) -> dict[str, Any]:
    return {
        "completed": rate.completed,
        "open": rate.open,
        "declined": rate.declined,
        "lost": rate.lost,
        "cancelled": rate.cancelled,
        "counted": rate.counted,
        "rate": rate.rate,
    }


# Referrals ----------------------------------------------------------------------------------------


@referrals_router.get(
    "",
    response=list[ReferralListOut],
    summary="Referrals you can see: of teams you work with, and to facilities your organisations run",
)
@paginate(PageNumberPagination, page_size=50)
def list_referrals(request, filters: Query[ReferralFilters]):
    queryset = referrals.referrals_for(request.user, filters.show)
    if filters.status == "open":
        queryset = queryset.filter(status__in=referrals.OPEN_REFERRAL_STATUSES)
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.urgency:
        queryset = queryset.filter(urgency=filters.urgency)
    if filters.team is not None:
        queryset = queryset.filter(team_id=filters.team)
    return MappedQuerySet(queryset.order_by("-referred_at", "-pk"), _list_out)


@referrals_router.post(
    "",
    response={201: ReferralOut},
    summary="Refer a consultation's patient to a facility (those who record the team's consultations); "
    "item 39 is ticked if its daily report is open",
)
def create_referral(request, payload: ReferralIn):
    consultation = Consultation.objects.visible_to(request.user).filter(pk=payload.consultation).first()
    if consultation is None:
        raise _invalid(
            "consultation", _("Consultation %(id)s does not exist.") % {"id": payload.consultation}
        )
    facility = Site.objects.filter(pk=payload.facility).first()
    if facility is None:
        raise _invalid("facility", _("Site %(id)s does not exist.") % {"id": payload.facility})
    referral = referrals.refer(
        consultation, actor=request.user, facility=facility, reason=payload.reason, urgency=payload.urgency
    )
    return Status(201, _referral_out(request.user, referral))


@referrals_router.get(
    "/rates",
    response=RateOut,
    summary="Referral completion rate of a mission's clinic team, or of all the teams of a partnership's missions",
)
def referral_rates(request, filters: Query[RateFilters]):
    if (filters.mission is None) == (filters.partnership is None):
        message = _("Give either a mission or a partnership.")
        raise ValidationFailed(message, code="mission_or_partnership", fields={"mission": message})
    if filters.mission is not None:
        mission = get_mission_or_404(request.user, filters.mission)
        access = MissionAccess.of(request.user, mission)
        team = Team.objects.filter(mission=mission).first()
        if not (access.is_party_member or (team is not None and TeamAccess.of(request.user, team).can_view)):
            raise Http404
        return _rate_out(referrals.mission_completion_rate(mission))
    assert filters.partnership is not None
    # Rates are the parties' business, as health checks are, even for a public partnership.
    partnership = (
        Partnership.objects.filter(
            pk=filters.partnership, parties__organization_id__in=access_for(request.user).organization_ids()
        )
        .distinct()
        .first()
    )
    if partnership is None:
        raise Http404
    return _rate_out(referrals.partnership_completion_rate(partnership))


@referrals_router.get(
    "/{referral_id}",
    response=ReferralOut,
    summary="One referral, with what the caller may see of its consultation and its follow-ups",
)
def get_referral(request, referral_id: int):
    return _referral_out(request.user, get_referral_or_404(request.user, referral_id))


@referrals_router.post(
    "/{referral_id}/respond",
    response=ReferralOut,
    summary="Accept, or decline with a note (members of the organisation running the facility)",
)
def respond_to_referral(request, referral_id: int, payload: RespondIn):
    referral = referrals.respond(
        get_referral_or_404(request.user, referral_id),
        actor=request.user,
        accept=payload.decision == "accept",
        note=payload.note,
    )
    return _referral_out(request.user, referral)


@referrals_router.post(
    "/{referral_id}/close",
    response=ReferralOut,
    summary="Completed or lost to follow-up, with the outcome (the facility); cancelled (the referring team)",
)
def close_referral(request, referral_id: int, payload: CloseIn):
    referral = referrals.close(
        get_referral_or_404(request.user, referral_id),
        actor=request.user,
        status=payload.status,
        outcome=payload.outcome,
    )
    return _referral_out(request.user, referral)


@referrals_router.post(
    "/{referral_id}/follow-ups",
    response={201: FollowUpOut},
    summary="Assign a follow-up to host staff (the referring team, or the facility's coordinators and admins)",
)
def add_follow_up(request, referral_id: int, payload: FollowUpIn):
    referral = get_referral_or_404(request.user, referral_id)
    assignee = User.objects.filter(email__iexact=payload.assignee.strip()).first()
    follow_up = follow_ups.add_follow_up(
        referral,
        actor=request.user,
        description=payload.description,
        assignee=assignee,
        due_on=payload.due_on,
    )
    follow_up = FollowUp.objects.select_related("assignee").get(pk=follow_up.pk)
    return Status(201, _follow_up_out(follow_up, timezone.localdate()))


# Follow-ups -----------------------------------------------------------------------------------------


@follow_ups_router.get(
    "",
    response=list[FollowUpOut],
    summary="Follow-ups assigned to you (or at the facilities whose host you coordinate), overdue first",
)
@paginate(PageNumberPagination, page_size=50)
def list_follow_ups(request, filters: Query[FollowUpFilters]):
    today = timezone.localdate()
    queryset = follow_ups.follow_ups_for(request.user, filters.show, today)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    return MappedQuerySet(queryset, lambda follow_up: _follow_up_out(follow_up, today))


@follow_ups_router.get("/{follow_up_id}", response=FollowUpOut, summary="One follow-up")
def get_follow_up(request, follow_up_id: int):
    return _follow_up_out(get_follow_up_or_404(request.user, follow_up_id), timezone.localdate())


@follow_ups_router.patch(
    "/{follow_up_id}",
    response=FollowUpOut,
    summary="Record a follow-up's status and outcome (its assignee, or the facility's coordinators and admins)",
)
def update_follow_up(request, follow_up_id: int, payload: FollowUpPatch):
    follow_up = get_follow_up_or_404(request.user, follow_up_id)
    data = payload.dict(exclude_unset=True)
    follow_up = follow_ups.update_follow_up(
        follow_up,
        actor=request.user,
        status=data.get("status") or follow_up.status,
        outcome=data["outcome"] if data.get("outcome") is not None else follow_up.outcome,
    )
    return _follow_up_out(get_follow_up_or_404(request.user, follow_up.pk), timezone.localdate())


@follow_ups_router.post(
    "/{follow_up_id}/handover",
    response=FollowUpOut,
    summary="Hand an open follow-up over as a task of the mission's handover plan (the mission's coordinators)",
)
def hand_over_follow_up(request, follow_up_id: int):
    follow_up = follow_ups.hand_over(get_follow_up_or_404(request.user, follow_up_id), actor=request.user)
    return _follow_up_out(get_follow_up_or_404(request.user, follow_up.pk), timezone.localdate())


ROUTES = [
    ("/clinics/referrals", referrals_router, ["Clinics: referrals"]),
    ("/clinics/follow-ups", follow_ups_router, ["Clinics: follow-ups"]),
]
