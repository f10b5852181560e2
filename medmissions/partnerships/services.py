"""Partnership lifecycle: proposal, host confirmation, pause, resume, close; parties and the MoU."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.lib.uploads import DOCUMENT_TYPES, check_upload
from medmissions.organizations.access import Capability, access_for, can, require, require_any
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership, Organization
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.models import Partnership, PartnershipParty

FIELDS = ["title", "shared_goals", "start_date", "end_date", "next_review_date", "is_public"]
AUDITED_FIELDS = [*FIELDS, "focus_areas", "mou", "status"]


def party_organizations(partnership: Partnership) -> list[Organization]:
    return [party.organization for party in partnership.parties.select_related("organization")]


def _clean_fields(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned = {field: data.get(field) for field in FIELDS}
    cleaned["title"] = (cleaned["title"] or "").strip()
    cleaned["shared_goals"] = (cleaned["shared_goals"] or "").strip()
    cleaned["is_public"] = bool(cleaned["is_public"])
    if not cleaned["title"]:
        errors["title"] = _("Give the partnership a title.")
    if not cleaned["shared_goals"]:
        errors["shared_goals"] = _("Describe the goals the partners share.")
    for field in ("start_date", "end_date", "next_review_date"):
        if cleaned[field] is not None and not isinstance(cleaned[field], datetime.date):
            errors[field] = _("Enter a valid date.")
    start, end = cleaned["start_date"], cleaned["end_date"]
    if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
        errors["end_date"] = _("The end date is before the start date.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return cleaned


def _store_mou(partnership: Partnership, upload: Any) -> None:
    detected = check_upload(
        upload,
        allowed=DOCUMENT_TYPES,
        max_bytes=settings.MAX_DOCUMENT_UPLOAD_BYTES,
        label=_("memorandum of understanding"),
    )
    partnership.mou.save(
        f"mou-{partnership.pk}-{secrets.token_hex(6)}.{detected.extension}", upload, save=False
    )
    partnership.mou_content_type = detected.content_type


def _host_admin_recipients(partnership: Partnership) -> list[tuple[str, str]]:
    host_ids = [party.organization_id for party in partnership.parties.all() if party.role == PartyRole.HOST]
    admins = Membership.objects.filter(organization_id__in=host_ids, role=Role.ADMIN).select_related("user")
    return sorted({(member.user.email, member.user.language) for member in admins})


def _party_admin_recipients(partnership: Partnership) -> list[tuple[str, str]]:
    ids = [party.organization_id for party in partnership.parties.all()]
    admins = Membership.objects.filter(
        organization_id__in=ids, role__in=[Role.ADMIN, Role.COORDINATOR]
    ).select_related("user")
    return sorted({(member.user.email, member.user.language) for member in admins})


@transaction.atomic
def propose_partnership(
    *,
    actor: User,
    proposer: Organization,
    data: dict[str, Any],
    parties: list[tuple[Organization, str]],
    focus_areas: list[Any] | None = None,
    mou: Any = None,
) -> Partnership:
    """Propose a partnership between ``proposer`` and the other ``parties``.

    ``parties`` lists ``(organisation, role)`` and must include the proposer. At least two
    organisations and at least one host are required. The hosts' admins are emailed to confirm.
    """
    require(actor, proposer, Capability.MANAGE_PARTNERSHIPS)
    cleaned = _clean_fields(data)
    errors: dict[str, str] = {}
    seen: dict[int, str] = {}
    for organization, role in parties:
        if role not in PartyRole.values:
            errors["parties"] = _("Each party needs a role.")
        elif organization.pk in seen:
            errors["parties"] = _("%(organization)s is listed twice.") % {"organization": organization}
        seen.setdefault(organization.pk, role)
    if errors:
        pass  # Say what is wrong with the list itself before counting organisations and hosts.
    elif proposer.pk not in seen:
        errors["parties"] = _("Your organisation must be one of the parties.")
    elif len(seen) < 2:
        errors["parties"] = _("A partnership needs at least two organisations.")
    elif PartyRole.HOST not in seen.values():
        errors["parties"] = _("A partnership needs at least one host organisation.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    partnership = Partnership.objects.create(created_by=actor, status=PartnershipStatus.PROPOSED, **cleaned)
    for organization, role in parties:
        PartnershipParty.objects.create(partnership=partnership, organization=organization, role=role)
    if focus_areas:
        partnership.focus_areas.set(focus_areas)
    if mou:
        _store_mou(partnership, mou)
        partnership.save(update_fields=["mou", "mou_content_type"])
    log_action(
        "partnerships.partnership.proposed",
        actor=actor,
        organization=proposer,
        obj=partnership,
        after=snapshot(partnership, AUDITED_FIELDS),
        data={"parties": [{"organization": org.pk, "role": role} for org, role in parties]},
    )
    send_on_commit(
        "partnership_proposed",
        {"partnership": partnership, "proposer": proposer, "actor": actor},
        _host_admin_recipients(partnership),
    )
    return partnership


def _lock(partnership: Partnership) -> Partnership:
    return Partnership.objects.select_for_update().get(pk=partnership.pk)


def _require_party_manager(partnership: Partnership, actor: User) -> Organization:
    """The first party organisation in which ``actor`` may manage partnerships (for the audit entry)."""
    organizations = party_organizations(partnership)
    require_any(actor, organizations, Capability.MANAGE_PARTNERSHIPS)
    return next(org for org in organizations if can(actor, org, Capability.MANAGE_PARTNERSHIPS))


@transaction.atomic
def update_partnership(
    partnership: Partnership,
    *,
    actor: User,
    data: dict[str, Any],
    focus_areas: list[Any] | None = None,
    mou: Any = None,
) -> Partnership:
    organization = _require_party_manager(partnership, actor)
    partnership = _lock(partnership)
    if partnership.status == PartnershipStatus.CLOSED:
        raise Conflict(_("A closed partnership cannot be edited."), code="partnership_closed")
    merged = {field: data.get(field, getattr(partnership, field)) for field in FIELDS}
    cleaned = _clean_fields(merged)
    before = snapshot(partnership, AUDITED_FIELDS)
    for field, value in cleaned.items():
        setattr(partnership, field, value)
    if mou:
        _store_mou(partnership, mou)
    partnership.save()
    if focus_areas is not None:
        partnership.focus_areas.set(focus_areas)
    log_action(
        "partnerships.partnership.updated",
        actor=actor,
        organization=organization,
        obj=partnership,
        before=before,
        after=snapshot(partnership, AUDITED_FIELDS),
    )
    return partnership


@transaction.atomic
def confirm_partnership(partnership: Partnership, *, actor: User) -> Partnership:
    """A host admin confirms for their organisation; the last host confirmation activates it."""
    partnership = _lock(partnership)
    parties = list(partnership.parties.select_related("organization"))
    confirmable = [
        p
        for p in parties
        if p.is_host and p.confirmed_at is None and can(actor, p.organization, Capability.CONFIRM_AS_HOST)
    ]
    if not confirmable:
        if any(p.is_host and can(actor, p.organization, Capability.CONFIRM_AS_HOST) for p in parties):
            raise Conflict(
                _("Your organisation has already confirmed this partnership."), code="already_confirmed"
            )
        raise NotAllowed(
            _("Only an admin of a host organisation can confirm this partnership."), code="not_host_admin"
        )
    if partnership.status != PartnershipStatus.PROPOSED:
        raise Conflict(
            _("Only a proposed partnership can be confirmed; this one is %(status)s.")
            % {"status": partnership.get_status_display().lower()},
            code="not_proposed",
        )
    now = timezone.now()
    for party in confirmable:
        party.confirmed_at, party.confirmed_by = now, actor
        party.save(update_fields=["confirmed_at", "confirmed_by"])
        log_action(
            "partnerships.partnership.confirmed",
            actor=actor,
            organization=party.organization,
            obj=partnership,
            data={"party": party.organization_id, "confirmed_at": now},
        )
    if all(p.confirmed_at is not None for p in parties if p.is_host):
        _activate(partnership, actor=actor, organization=confirmable[0].organization)
    return partnership


def _activate(partnership: Partnership, *, actor: User, organization: Organization) -> None:
    """Every host has confirmed: the partnership starts (today, unless agreed otherwise)."""
    partnership.status = PartnershipStatus.ACTIVE
    today = timezone.localdate()
    # A proposal may carry an end date that has already passed; never start after the end.
    if partnership.start_date is None and (partnership.end_date is None or partnership.end_date >= today):
        partnership.start_date = today
    partnership.save(update_fields=["status", "start_date", "updated_at"])
    log_action(
        "partnerships.partnership.activated",
        actor=actor,
        organization=organization,
        obj=partnership,
        before={"status": PartnershipStatus.PROPOSED},
        after={"status": PartnershipStatus.ACTIVE},
    )
    send_on_commit(
        "partnership_activated", {"partnership": partnership}, _party_admin_recipients(partnership)
    )


TRANSITIONS = {
    "pause": ({PartnershipStatus.ACTIVE}, PartnershipStatus.PAUSED),
    "resume": ({PartnershipStatus.PAUSED}, PartnershipStatus.ACTIVE),
    "close": (
        {PartnershipStatus.PROPOSED, PartnershipStatus.ACTIVE, PartnershipStatus.PAUSED},
        PartnershipStatus.CLOSED,
    ),
}
TRANSITION_ERRORS = {
    "pause": gettext_lazy("Only an active partnership can be paused."),
    "resume": gettext_lazy("Only a paused partnership can be resumed."),
    "close": gettext_lazy("This partnership is already closed."),
}


@transaction.atomic
def change_status(partnership: Partnership, *, actor: User, transition: str, reason: str = "") -> Partnership:
    """Pause, resume or close. Any party's coordinator or admin may; a reason is kept."""
    if transition not in TRANSITIONS:
        raise ValidationFailed(_("Unknown status change."))
    organization = _require_party_manager(partnership, actor)
    partnership = _lock(partnership)
    allowed_from, target = TRANSITIONS[transition]
    if partnership.status not in allowed_from:
        raise Conflict(str(TRANSITION_ERRORS[transition]), code="invalid_transition")
    reason = (reason or "").strip()
    if transition in ("pause", "close") and not reason:
        raise ValidationFailed(
            _("Give a reason; the other parties will see it."), fields={"reason": _("Give a reason.")}
        )
    before = {"status": partnership.status, "status_reason": partnership.status_reason}
    partnership.status, partnership.status_reason = target, reason
    if target == PartnershipStatus.CLOSED and partnership.end_date is None:
        partnership.end_date = max(timezone.localdate(), partnership.start_date or timezone.localdate())
    partnership.save(update_fields=["status", "status_reason", "end_date", "updated_at"])
    action = {"pause": "paused", "resume": "resumed", "close": "closed"}[transition]
    log_action(
        f"partnerships.partnership.{action}",
        actor=actor,
        organization=organization,
        obj=partnership,
        before=before,
        after={"status": target, "status_reason": reason},
    )
    send_on_commit(
        "partnership_status",
        {"partnership": partnership, "actor": actor, "organization": organization, "reason": reason},
        _party_admin_recipients(partnership),
    )
    return partnership


@transaction.atomic
def decline_partnership(partnership: Partnership, *, actor: User, reason: str) -> Partnership:
    """A host admin turns a proposal down; the partnership closes with the reason."""
    partnership = _lock(partnership)
    hosts = [p for p in partnership.parties.select_related("organization") if p.is_host]
    mine = [p for p in hosts if can(actor, p.organization, Capability.CONFIRM_AS_HOST)]
    if not mine:
        raise NotAllowed(
            _("Only an admin of a host organisation can decline this partnership."), code="not_host_admin"
        )
    if partnership.status != PartnershipStatus.PROPOSED:
        raise Conflict(_("Only a proposed partnership can be declined."), code="not_proposed")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Tell the other parties why."), fields={"reason": _("Give a reason.")})
    partnership.status, partnership.status_reason = PartnershipStatus.CLOSED, reason
    partnership.save(update_fields=["status", "status_reason", "updated_at"])
    log_action(
        "partnerships.partnership.declined",
        actor=actor,
        organization=mine[0].organization,
        obj=partnership,
        before={"status": PartnershipStatus.PROPOSED},
        after={"status": PartnershipStatus.CLOSED, "status_reason": reason},
    )
    send_on_commit(
        "partnership_status",
        {"partnership": partnership, "actor": actor, "organization": mine[0].organization, "reason": reason},
        _party_admin_recipients(partnership),
    )
    return partnership


@transaction.atomic
def add_party(
    partnership: Partnership, *, actor: User, organization: Organization, role: str
) -> PartnershipParty:
    manager = _require_party_manager(partnership, actor)
    partnership = _lock(partnership)
    if partnership.status != PartnershipStatus.PROPOSED:
        raise Conflict(_("Parties can only change while the partnership is proposed."), code="not_proposed")
    if role not in PartyRole.values:
        raise ValidationFailed(_("Choose a role."), fields={"role": _("Choose a role.")})
    if partnership.parties.filter(organization=organization).exists():
        raise Conflict(
            _("%(organization)s is already a party.") % {"organization": organization}, code="duplicate_party"
        )
    party = PartnershipParty.objects.create(partnership=partnership, organization=organization, role=role)
    log_action(
        "partnerships.party.added",
        actor=actor,
        organization=manager,
        obj=partnership,
        data={"party": organization.pk, "role": role},
    )
    if role == PartyRole.HOST:
        send_on_commit(
            "partnership_proposed",
            {"partnership": partnership, "proposer": manager, "actor": actor},
            sorted(
                {
                    (m.user.email, m.user.language)
                    for m in Membership.objects.filter(
                        organization=organization, role=Role.ADMIN
                    ).select_related("user")
                }
            ),
        )
    return party


@transaction.atomic
def remove_party(party: PartnershipParty, *, actor: User) -> None:
    partnership = party.partnership
    manager = _require_party_manager(partnership, actor)
    partnership = _lock(partnership)
    if partnership.status != PartnershipStatus.PROPOSED:
        raise Conflict(_("Parties can only change while the partnership is proposed."), code="not_proposed")
    remaining = [p for p in partnership.parties.all() if p.pk != party.pk]
    if len(remaining) < 2:
        raise Conflict(_("A partnership needs at least two organisations."), code="too_few_parties")
    if not any(p.role == PartyRole.HOST for p in remaining):
        raise Conflict(_("A partnership needs at least one host organisation."), code="no_host")
    log_action(
        "partnerships.party.removed",
        actor=actor,
        organization=manager,
        obj=partnership,
        data={"party": party.organization_id, "role": party.role},
    )
    party.delete()
    # Removing the last unconfirmed host may leave every remaining host confirmed.
    if all(p.confirmed_at is not None for p in remaining if p.role == PartyRole.HOST):
        _activate(partnership, actor=actor, organization=manager)


def awaiting_confirmation_by(user: User):
    """Proposed partnerships in which one of ``user``'s admin organisations still has to confirm."""
    admin_orgs = access_for(user).organization_ids(Capability.CONFIRM_AS_HOST)
    return (
        Partnership.objects.filter(
            status=PartnershipStatus.PROPOSED,
            parties__organization_id__in=admin_orgs,
            parties__role=PartyRole.HOST,
            parties__confirmed_at__isnull=True,
        )
        .distinct()
        .order_by("created_at")
    )
