"""THET Partnership Health Check: rounds, scores, side-by-side results, gaps, trend, action plan."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.organizations.access import Capability, can, require
from medmissions.organizations.models import Organization
from medmissions.partnerships.choices import (
    LOW_SCORE,
    PRINCIPLE_GUIDANCE,
    SPREAD_GAP,
    ActionItemStatus,
    HealthCheckStatus,
    PartnershipStatus,
    Principle,
)
from medmissions.partnerships.models import ActionItem, HealthCheck, Partnership, PrincipleScore
from medmissions.partnerships.services import party_organizations


def _manager_in(partnership: Partnership, actor: User, capability: Capability) -> Organization:
    organizations = party_organizations(partnership)
    for organization in organizations:
        if can(actor, organization, capability):
            return organization
    messages = {
        Capability.RUN_HEALTH_CHECKS: _("Only coordinators and admins of a party run health checks."),
        Capability.CONTRIBUTE: _("Only members of a party can do this."),
    }
    raise NotAllowed(messages.get(capability, _("You cannot do this.")))


def _refuse_if_closed(partnership: Partnership) -> None:
    # A closed partnership's record is final: a round left open when it closed stays as it was.
    if partnership.status == PartnershipStatus.CLOSED:
        raise Conflict(
            _("The partnership is closed; its health check can no longer change."), code="partnership_closed"
        )


@transaction.atomic
def open_health_check(partnership: Partnership, *, actor: User) -> HealthCheck:
    organization = _manager_in(partnership, actor, Capability.RUN_HEALTH_CHECKS)
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if partnership.status not in (PartnershipStatus.ACTIVE, PartnershipStatus.PAUSED):
        raise Conflict(
            _("Health checks are for active or paused partnerships."), code="partnership_not_active"
        )
    if partnership.health_checks.filter(status=HealthCheckStatus.OPEN).exists():
        raise Conflict(
            _("A health check is already open. Complete it before starting another."), code="check_open"
        )
    last = partnership.health_checks.aggregate(last=Max("round_number"))["last"] or 0
    try:
        with transaction.atomic():
            check = HealthCheck.objects.create(
                partnership=partnership, round_number=last + 1, opened_by=actor
            )
    except IntegrityError as error:
        raise Conflict(_("A health check is already open."), code="check_open") from error
    log_action(
        "partnerships.health_check.opened",
        actor=actor,
        organization=organization,
        obj=check,
        after={"round_number": check.round_number},
    )
    return check


@transaction.atomic
def score_principle(
    check: HealthCheck, *, actor: User, organization: Organization, principle: int, score: int, evidence: str
) -> PrincipleScore:
    """Record (or revise) a party's score of one principle while the round is open."""
    require(
        actor,
        organization,
        Capability.CONTRIBUTE,
        _("Only members of %(organization)s can score for it.") % {"organization": organization},
    )
    check = HealthCheck.objects.select_for_update().get(pk=check.pk)
    if not check.partnership.parties.filter(organization=organization).exists():
        raise ValidationFailed(
            _("%(organization)s is not a party to this partnership.") % {"organization": organization}
        )
    if check.status != HealthCheckStatus.OPEN:
        raise Conflict(
            _("This health check is completed; start a new round to score again."), code="check_completed"
        )
    _refuse_if_closed(check.partnership)
    errors = {}
    if principle not in Principle.values:
        errors["principle"] = _("Choose one of the principles.")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = _("Score from 1 (weak) to 5 (strong).")
    evidence = (evidence or "").strip()
    if not evidence:
        errors["evidence"] = _("Give the evidence behind the score.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    existing = PrincipleScore.objects.filter(
        health_check=check, organization=organization, principle=principle
    ).first()
    before = snapshot(existing, ["score", "evidence"]) if existing else {}
    if existing is None:
        existing = PrincipleScore(health_check=check, organization=organization, principle=principle)
    existing.score, existing.evidence, existing.scored_by = score, evidence, actor
    existing.save()
    log_action(
        "partnerships.health_check.scored",
        actor=actor,
        organization=organization,
        obj=check,
        before=before,
        after=snapshot(existing, ["score", "evidence"]),
        data={"principle": principle},
    )
    return existing


@dataclass
class PrincipleRow:
    principle: int
    label: str
    guidance: str
    cells: list[PrincipleScore | None]
    is_gap: bool
    spread: int | None
    average: float | None
    open_actions: list[ActionItem] = field(default_factory=list)


@dataclass
class HealthCheckResults:
    organizations: list[Organization]
    rows: list[PrincipleRow]
    missing: dict[int, list[int]]  # organization id → principles not yet scored

    @property
    def complete(self) -> bool:
        return not any(self.missing.values())

    @property
    def gaps(self) -> list[PrincipleRow]:
        return [row for row in self.rows if row.is_gap]


def results(check: HealthCheck) -> HealthCheckResults:
    """Every party's scores side by side; a principle is a gap if scored low or far apart."""
    organizations = party_organizations(check.partnership)
    scores = {(s.organization_id, s.principle): s for s in check.scores.all()}
    actions: dict[int, list[ActionItem]] = {}
    for item in check.partnership.action_items.outstanding().select_related("owner_organization"):
        if item.principle:
            actions.setdefault(item.principle, []).append(item)
    rows = []
    for principle in Principle:
        cells = [scores.get((org.pk, principle.value)) for org in organizations]
        values = [cell.score for cell in cells if cell is not None]
        spread = max(values) - min(values) if len(values) > 1 else None
        is_gap = bool(values) and (min(values) <= LOW_SCORE or (spread is not None and spread >= SPREAD_GAP))
        rows.append(
            PrincipleRow(
                principle=principle.value,
                label=str(principle.label),
                guidance=str(PRINCIPLE_GUIDANCE[principle]),
                cells=cells,
                is_gap=is_gap,
                spread=spread,
                average=round(sum(values) / len(values), 1) if values else None,
                open_actions=actions.get(principle.value, []),
            )
        )
    missing = {
        org.pk: [p.value for p in Principle if (org.pk, p.value) not in scores] for org in organizations
    }
    return HealthCheckResults(organizations=organizations, rows=rows, missing=missing)


@transaction.atomic
def complete_health_check(check: HealthCheck, *, actor: User, summary: str = "") -> HealthCheck:
    organization = _manager_in(check.partnership, actor, Capability.RUN_HEALTH_CHECKS)
    check = HealthCheck.objects.select_for_update().get(pk=check.pk)
    if check.status != HealthCheckStatus.OPEN:
        raise Conflict(_("This health check is already completed."), code="check_completed")
    _refuse_if_closed(check.partnership)
    outcome = results(check)
    if not outcome.complete:
        names = {org.pk: org.name for org in outcome.organizations}
        waiting = ", ".join(
            ngettext(
                "%(organization)s (%(count)d principle)",
                "%(organization)s (%(count)d principles)",
                len(principles),
            )
            % {"organization": names[org_id], "count": len(principles)}
            for org_id, principles in outcome.missing.items()
            if principles
        )
        raise ValidationFailed(
            _(
                "Every party must score every principle before the check is completed. Still to score: %(waiting)s."
            )
            % {"waiting": waiting},
            code="scores_missing",
        )
    check.status = HealthCheckStatus.COMPLETED
    check.completed_at = timezone.now()
    check.summary = (summary or "").strip()
    check.save(update_fields=["status", "completed_at", "summary"])
    log_action(
        "partnerships.health_check.completed",
        actor=actor,
        organization=organization,
        obj=check,
        before={"status": HealthCheckStatus.OPEN},
        after={"status": HealthCheckStatus.COMPLETED},
        data={"gaps": [row.principle for row in outcome.gaps]},
    )
    return check


@dataclass
class TrendRow:
    principle: int
    label: str
    averages: list[float | None]  # one per completed round, oldest first

    @property
    def change(self) -> float | None:
        known = [value for value in self.averages if value is not None]
        return round(known[-1] - known[0], 1) if len(known) > 1 else None


def trend(partnership: Partnership) -> tuple[list[HealthCheck], list[TrendRow]]:
    """Average score per principle in each completed round, oldest first."""
    rounds = list(
        partnership.health_checks.filter(status=HealthCheckStatus.COMPLETED).order_by("round_number")
    )
    by_round: dict[tuple[int, int], list[int]] = {}
    for score in PrincipleScore.objects.filter(health_check__in=rounds):
        by_round.setdefault((score.health_check_id, score.principle), []).append(score.score)
    rows = []
    for principle in Principle:
        averages = []
        for check in rounds:
            values = by_round.get((check.pk, principle.value))
            averages.append(round(sum(values) / len(values), 1) if values else None)
        rows.append(TrendRow(principle=principle.value, label=str(principle.label), averages=averages))
    return rounds, rows


ACTION_FIELDS = ["title", "description", "owner_organization", "due_date", "principle", "status"]


def _clean_action(partnership: Partnership, data: dict[str, Any]) -> dict[str, Any]:
    errors = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Describe the action.")
    owner = data.get("owner_organization")
    if owner is None or not partnership.parties.filter(organization=owner).exists():
        errors["owner_organization"] = _("The owner must be one of the parties.")
    due = data.get("due_date")
    if not isinstance(due, datetime.date):
        errors["due_date"] = _("Enter a due date.")
    principle: Any = data.get("principle")
    if principle in ("", None):
        principle = None
    elif str(principle).isdigit() and int(principle) in Principle.values:
        principle = int(principle)
    else:
        errors["principle"] = _("Choose one of the principles.")
    status = data.get("status") or ActionItemStatus.OPEN
    if status not in ActionItemStatus.values:
        errors["status"] = _("Choose a status.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    return {
        "title": title,
        "description": (data.get("description") or "").strip(),
        "owner_organization": owner,
        "due_date": due,
        "principle": principle,
        "status": status,
    }


@transaction.atomic
def create_action_item(
    partnership: Partnership, *, actor: User, data: dict[str, Any], health_check: HealthCheck | None = None
) -> ActionItem:
    """Add a step to the action plan, typically to close a gap found by a health check."""
    organization = _manager_in(partnership, actor, Capability.RUN_HEALTH_CHECKS)
    if partnership.status == PartnershipStatus.CLOSED:
        raise Conflict(_("A closed partnership has no action plan to add to."), code="partnership_closed")
    if health_check is not None and health_check.partnership_id != partnership.pk:
        raise ValidationFailed(
            _("That health check belongs to another partnership."), code="wrong_health_check"
        )
    cleaned = _clean_action(partnership, data)
    item = ActionItem.objects.create(
        partnership=partnership, health_check=health_check, created_by=actor, **cleaned
    )
    log_action(
        "partnerships.action_item.created",
        actor=actor,
        organization=organization,
        obj=item,
        after=snapshot(item, ACTION_FIELDS),
    )
    return item


@transaction.atomic
def update_action_item(item: ActionItem, *, actor: User, data: dict[str, Any]) -> ActionItem:
    """Coordinators of any party edit everything; members of the owner organisation update the status."""
    partnership = item.partnership
    is_manager = any(
        can(actor, org, Capability.RUN_HEALTH_CHECKS) for org in party_organizations(partnership)
    )
    is_owner_member = can(actor, item.owner_organization_id, Capability.CONTRIBUTE)
    if not (is_manager or is_owner_member):
        raise NotAllowed(_("Only the owner organisation or a party's coordinators can update this action."))
    if not is_manager and set(data) - {"status"}:
        raise NotAllowed(_("Members of the owner organisation can change the status only."))
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    merged = {name: data.get(name, getattr(item, name)) for name in ACTION_FIELDS}
    cleaned = _clean_action(partnership, merged)
    before = snapshot(item, ACTION_FIELDS)
    for name, value in cleaned.items():
        setattr(item, name, value)
    item.save()
    log_action(
        "partnerships.action_item.updated",
        actor=actor,
        organization=item.owner_organization,
        obj=item,
        before=before,
        after=snapshot(item, ACTION_FIELDS),
    )
    return item
