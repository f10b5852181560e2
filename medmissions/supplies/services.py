"""Supply requests and donation offers.

A **request** is drafted by an organisation for a destination site (its own, or a site of an
organisation it is in an active or paused partnership with, such as the host of its mission),
gathers lines (a kit becomes one line per item of the kit, merged with lines already asking for
the same item), and is submitted. Submitted requests are answered by allocations of stock
(allocation.py) and, when opened to donors, by **donation offers**. A request ends **closed**
(fully met, or what is left is no longer needed) or **cancelled** (its open allocations are
released); either way its pending offers are declined and it changes no more.

Who may do what: coordinators and admins of the requesting organisation
(``Capability.MANAGE_SUPPLIES``) edit, submit, cancel and close its requests; coordinators and
admins of the destination site's host record a WHO article 6 shelf-life exception; a donor's
coordinators make and withdraw offers; the receiving organisation's coordinators accept or
decline them. An offer answering no request is flagged as unrequested (WHO guidelines for
medicine donations, article 1: donations are based on an expressed need).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.missions.discovery import absolute_url
from medmissions.missions.recipients import members_of
from medmissions.organizations.access import Capability, can, require
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies.choices import OfferStatus, Priority, RequestStatus
from medmissions.supplies.models import (
    Allocation,
    DonationOffer,
    Item,
    Kit,
    OfferLine,
    RequestLine,
    SupplyRequest,
    latest_planning_date,
    minimum_shelf_life_days,
)

REQUEST_FIELDS = [
    "title",
    "destination",
    "mission",
    "need",
    "needed_by",
    "priority",
    "note",
    "open_to_donors",
]
MAX_QUANTITY = 10_000_000
MAX_OFFER_LINES = 100
TITLE_LENGTH = 200
NAME_LENGTH = 200
OPEN_STATUSES = (RequestStatus.DRAFT, RequestStatus.SUBMITTED)
# Categories whose offered lots must give an expiry date.
EXPIRY_REQUIRED = ("medicine", "vaccine")

OfferLineData = tuple[Item, int, datetime.date | None]


# --- Choices offered to an organisation -----------------------------------------------------------


def destinations_for(organization_ids: Iterable[int]) -> QuerySet[Site]:
    """Sites a request of these organisations may deliver to: their own sites and those of the
    organisations they are in an active or paused partnership with."""
    from medmissions.partnerships.models import partner_organization_ids

    ids = list(organization_ids)
    return (
        Site.objects.filter(
            Q(host_organization_id__in=ids) | Q(host_organization_id__in=partner_organization_ids(ids))
        )
        .select_related("host_organization")
        .distinct()
        .order_by("host_organization__name", "name")
    )


def missions_for(organization_ids: Iterable[int]) -> Any:
    """Missions a request may be for: those of partnerships these organisations are party to,
    not yet in close-out or cancelled."""
    from medmissions.missions.choices import OPEN_MISSION_STATUSES
    from medmissions.missions.models import Mission

    return (
        Mission.objects.filter(
            partnership__parties__organization_id__in=list(organization_ids),
            status__in=list(OPEN_MISSION_STATUSES),
        )
        .select_related("site")
        .distinct()
        .order_by("starts_on", "pk")
    )


def needs_for(organization_ids: Iterable[int]) -> Any:
    """Needs a request may answer: host-confirmed, not withdrawn, written by or for these
    organisations or by a host they are actively partnered with."""
    from medmissions.missions.models import Need
    from medmissions.partnerships.models import partner_organization_ids

    ids = list(organization_ids)
    return (
        Need.objects.filter(
            Q(host_organization_id__in=ids)
            | Q(authored_by_id__in=ids)
            | Q(host_organization_id__in=partner_organization_ids(ids)),
            host_confirmed_at__isnull=False,
            withdrawn_at__isnull=True,
        )
        .select_related("site", "host_organization")
        .distinct()
        .order_by("host_organization__name", "-priority", "earliest_start", "pk")
    )


# --- Fulfilment (read only) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Fulfilment:
    """Units asked, allocated (open allocations, shipped ones included) and shipped."""

    asked: int = 0
    allocated: int = 0
    shipped: int = 0
    lines: int = 0

    @property
    def percent(self) -> int:
        return 0 if not self.asked else min(100, (self.allocated * 100) // self.asked)

    @property
    def met(self) -> bool:
        return self.asked > 0 and self.allocated >= self.asked


def line_progress(line_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Line id → (units allocated, units shipped) by its open allocations."""
    rows = (
        Allocation.objects.open()
        .filter(line_id__in=list(line_ids))
        .values("line_id")
        .annotate(allocated=Sum("quantity"), shipped=Sum("shipped"))
    )
    return {row["line_id"]: (row["allocated"] or 0, row["shipped"] or 0) for row in rows}


def fulfilment(request_ids: Iterable[int]) -> dict[int, Fulfilment]:
    """Request id → its :class:`Fulfilment`, in two queries for any number of requests."""
    ids = list(request_ids)
    asked = {
        row["request_id"]: row
        for row in RequestLine.objects.filter(request_id__in=ids)
        .values("request_id")
        .annotate(total=Sum("quantity"), count=Count("pk"))
    }
    given = {
        row["line__request_id"]: row
        for row in Allocation.objects.open()
        .filter(line__request_id__in=ids)
        .values("line__request_id")
        .annotate(allocated=Sum("quantity"), shipped=Sum("shipped"))
    }
    return {
        pk: Fulfilment(
            asked=(asked.get(pk) or {}).get("total") or 0,
            allocated=(given.get(pk) or {}).get("allocated") or 0,
            shipped=(given.get(pk) or {}).get("shipped") or 0,
            lines=(asked.get(pk) or {}).get("count") or 0,
        )
        for pk in ids
    }


# --- Requests -----------------------------------------------------------------------------------


def _lock_request(request: SupplyRequest) -> SupplyRequest:
    return (
        SupplyRequest.objects.select_for_update(of=("self",), no_key=True)
        .select_related("organization", "destination")
        .get(pk=request.pk)
    )


def _priority(value: Any) -> int | None:
    if value is None or value == "":
        return Priority.NORMAL
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number in Priority.values else None


def _clean_request(
    organization: Organization, data: dict[str, Any], current: SupplyRequest | None = None
) -> dict[str, Any]:
    """Check a request's fields for ``organization``. On an update (``current``), the mission,
    need and destination are checked only when they change, and a date in the past only when
    the date changes, so that an old request's note can still be edited."""
    errors: dict[str, str] = {}

    def changed(name: str, value: Any) -> bool:
        if current is None:
            return True
        if name in ("destination", "mission", "need"):
            return getattr(current, f"{name}_id") != getattr(value, "pk", None)
        return bool(getattr(current, name) != value)

    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Give the request a title, such as “Clinic medicines for the May camp”.")
    elif len(title) > TITLE_LENGTH:
        errors["title"] = _("Keep the title under %(length)s characters.") % {"length": TITLE_LENGTH}
    destination = data.get("destination")
    mission = data.get("mission")
    need = data.get("need")
    if (
        mission is not None
        and changed("mission", mission)
        and not missions_for([organization.pk]).filter(pk=mission.pk).exists()
    ):
        errors["mission"] = _(
            "Choose a mission of a partnership your organisation is party to, not yet closing or cancelled."
        )
    if mission is not None and destination is None:
        destination = mission.site
    if (
        need is not None
        and changed("need", need)
        and not needs_for([organization.pk]).filter(pk=need.pk).exists()
    ):
        errors["need"] = _("Choose a need your organisation or its partners wrote, confirmed by the host.")
    elif (
        need is not None
        and mission is not None
        and (changed("need", need) or changed("mission", mission))
        and "mission" not in errors
        and not mission.needs.filter(pk=need.pk).exists()
    ):
        errors["need"] = _("Choose one of the needs the mission answers.")
    if destination is None:
        errors["destination"] = _("Choose where the supplies should go.")
    elif (
        changed("destination", destination)
        and not destinations_for([organization.pk]).filter(pk=destination.pk).exists()
    ):
        errors["destination"] = _("Choose one of your organisation’s sites or a site of an active partner.")
    needed_by = data.get("needed_by")
    if not isinstance(needed_by, datetime.date):
        errors["needed_by"] = _("Enter the date the supplies are needed by.")
    elif changed("needed_by", needed_by) and needed_by < timezone.localdate():
        errors["needed_by"] = _("The date the supplies are needed by cannot be in the past.")
    elif changed("needed_by", needed_by) and needed_by > latest_planning_date(timezone.localdate()):
        errors["needed_by"] = _("Plan at most ten years ahead.")
    priority = _priority(data.get("priority"))
    if priority is None:
        errors["priority"] = _("Choose a priority: 1 low, 2 normal, 3 high or 4 critical.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    return {
        "title": title,
        "destination": destination,
        "mission": mission,
        "need": need,
        "needed_by": needed_by,
        "priority": priority,
        "note": (data.get("note") or "").strip(),
        "open_to_donors": bool(data.get("open_to_donors", False)),
    }


@transaction.atomic
def create_request(*, actor: Any, organization: Organization, data: dict[str, Any]) -> SupplyRequest:
    """Draft a request of ``organization``; without a destination, a mission's site is used."""
    require(actor, organization, Capability.MANAGE_SUPPLIES)
    cleaned = _clean_request(organization, data)
    request = SupplyRequest.objects.create(organization=organization, created_by=actor, **cleaned)
    log_action(
        "supplies.request.created",
        actor=actor,
        organization=organization,
        obj=request,
        after=snapshot(request, REQUEST_FIELDS),
    )
    return request


def _editable(request: SupplyRequest, actor: Any) -> SupplyRequest:
    """The request locked for a change by its organisation's coordinators, while it is open."""
    require(actor, request.organization_id, Capability.MANAGE_SUPPLIES)
    request = _lock_request(request)
    if request.status not in OPEN_STATUSES:
        raise Conflict(
            _("This request is %(status)s; it can no longer be changed.")
            % {"status": str(request.get_status_display()).lower()},
            code="request_closed",
        )
    return request


def _request_data(request: SupplyRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in REQUEST_FIELDS}


def _open_allocations(request: SupplyRequest) -> int:
    return (
        Allocation.objects.open().filter(line__request=request).aggregate(total=Sum("quantity"))["total"] or 0
    )


@transaction.atomic
def update_request(request: SupplyRequest, *, actor: Any, data: dict[str, Any]) -> SupplyRequest:
    """Change a draft or submitted request; only the fields named in ``data`` change."""
    request = _editable(request, actor)
    before = snapshot(request, REQUEST_FIELDS)
    cleaned = _clean_request(request.organization, {**_request_data(request), **data}, current=request)
    if cleaned["destination"].pk != request.destination_id and _open_allocations(request):
        raise Conflict(
            _(
                "Stock is already allocated for delivery to %(site)s; release it before changing the destination."
            )
            % {"site": request.destination.name},
            code="request_allocated",
            fields={"destination": _("Stock is allocated for the current destination.")},
        )
    for name, value in cleaned.items():
        setattr(request, name, value)
    request.save(update_fields=[*REQUEST_FIELDS, "updated_at"])
    after = snapshot(request, REQUEST_FIELDS)
    if after != before:
        log_action(
            "supplies.request.updated",
            actor=actor,
            organization=request.organization,
            obj=request,
            before=before,
            after=after,
        )
    return request


def _quantity(quantity: Any, field: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        message = _("Enter a whole number of units between 1 and %(maximum)s.") % {
            "maximum": f"{MAX_QUANTITY:,}"
        }
        raise ValidationFailed(message, fields={field: message})
    return quantity


def _too_many(item: Item, field: str) -> ValidationFailed:
    message = _(
        "That would ask for more than %(maximum)s units of %(item)s, more than any one request may."
    ) % {
        "maximum": f"{MAX_QUANTITY:,}",
        "item": item.label,
    }
    return ValidationFailed(message, fields={field: message})


def _add(request: SupplyRequest, item: Item, quantity: int, kit: Kit | None, field: str) -> RequestLine:
    """Add ``quantity`` units of ``item``: a new line, or more on the line already asking for it
    (which keeps the kit it first came from)."""
    line = RequestLine.objects.filter(request=request, item=item).first()
    if line is None:
        if quantity > MAX_QUANTITY:
            raise _too_many(item, field)
        return RequestLine.objects.create(request=request, item=item, quantity=quantity, kit=kit)
    if line.quantity + quantity > MAX_QUANTITY:
        raise _too_many(item, field)
    RequestLine.objects.filter(pk=line.pk).update(quantity=F("quantity") + quantity)
    line.refresh_from_db(fields=["quantity"])
    return line


def _active(item: Item, field: str = "item") -> None:
    if not item.active:
        message = _("%(item)s is no longer in the catalogue.") % {"item": item.label}
        raise ValidationFailed(message, fields={field: message})


@transaction.atomic
def add_line(request: SupplyRequest, *, actor: Any, item: Item, quantity: int) -> RequestLine:
    """Ask for ``quantity`` units of an item; asking again for the same item adds to its line."""
    request = _editable(request, actor)
    _quantity(quantity)
    _active(item)
    line = _add(request, item, quantity, None, "quantity")
    log_action(
        "supplies.request.line_added",
        actor=actor,
        organization=request.organization,
        obj=request,
        data={"item": item.code, "quantity": quantity, "line_quantity": line.quantity},
    )
    return line


@transaction.atomic
def add_kit(request: SupplyRequest, *, actor: Any, kit: Kit, count: int) -> list[RequestLine]:
    """Ask for ``count`` kits: each item of the kit is added ``count`` times its kit quantity,
    on a line of its own or on the line already asking for that item."""
    request = _editable(request, actor)
    _quantity(count, "count")
    kit_lines = list(kit.lines.select_related("item").order_by("item__name", "pk"))
    if not kit_lines:
        message = _("This kit holds no items.")
        raise ValidationFailed(message, fields={"kit": message})
    for kit_line in kit_lines:
        _active(kit_line.item, "kit")
    lines = [_add(request, kit_line.item, kit_line.quantity * count, kit, "count") for kit_line in kit_lines]
    log_action(
        "supplies.request.kit_added",
        actor=actor,
        organization=request.organization,
        obj=request,
        data={"kit": kit.code, "count": count, "items": len(kit_lines)},
    )
    return lines


def _allocated_quantity(line: RequestLine) -> int:
    """Units of the line promised by allocations not released (shipped ones included)."""
    return line.allocations.open().aggregate(total=Sum("quantity"))["total"] or 0


def _line_of(request: SupplyRequest, line: RequestLine) -> RequestLine:
    found = RequestLine.objects.filter(pk=line.pk, request=request).select_related("item").first()
    if found is None:
        raise ValidationFailed(_("This line is not on the request."))
    return found


@transaction.atomic
def change_line(line: RequestLine, *, actor: Any, quantity: int) -> RequestLine:
    """Ask for another quantity of a line's item; never fewer than is already allocated."""
    request = _editable(line.request, actor)
    line = _line_of(request, line)
    _quantity(quantity)
    allocated = _allocated_quantity(line)
    if quantity < allocated:
        raise Conflict(
            _("%(allocated)s units of this line are already allocated; release them before asking for fewer.")
            % {"allocated": allocated},
            code="line_allocated",
            fields={"quantity": _("At least %(allocated)s.") % {"allocated": allocated}},
        )
    before = line.quantity
    if quantity == before:
        return line
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    log_action(
        "supplies.request.line_changed",
        actor=actor,
        organization=request.organization,
        obj=request,
        before={"quantity": before},
        after={"quantity": quantity},
        data={"item": line.item.code},
    )
    return line


@transaction.atomic
def remove_line(line: RequestLine, *, actor: Any) -> None:
    """Take a line off the request. A line stock was ever allocated to stays for the record."""
    request = _editable(line.request, actor)
    line = _line_of(request, line)
    if _allocated_quantity(line):
        raise Conflict(_("Stock is allocated to this line; release it first."), code="line_allocated")
    if line.allocations.exists():
        raise Conflict(
            _(
                "Stock was allocated to this line before; it stays on the request for the record. Lower its quantity instead."
            ),
            code="line_has_history",
        )
    if request.status == RequestStatus.SUBMITTED and not request.lines.exclude(pk=line.pk).exists():
        raise Conflict(
            _("This is the request’s last line. Cancel the request instead if nothing is needed any more."),
            code="last_line",
        )
    item_code = line.item.code
    quantity = line.quantity
    line.delete()
    log_action(
        "supplies.request.line_removed",
        actor=actor,
        organization=request.organization,
        obj=request,
        data={"item": item_code, "quantity": quantity},
    )


@transaction.atomic
def submit_request(request: SupplyRequest, *, actor: Any) -> SupplyRequest:
    """Send a draft on: allocations and (if opened to donors) offers may now answer it, and the
    destination's host is told (WHO article 10: the recipient knows of every donation planned)."""
    request = _editable(request, actor)
    if request.status != RequestStatus.DRAFT:
        raise Conflict(_("This request is already submitted."), code="already_submitted")
    if not request.lines.exists():
        raise ValidationFailed(_("Add at least one item before submitting the request."), code="no_lines")
    if request.needed_by < timezone.localdate():
        message = _("The date needed by has passed; change it before submitting.")
        raise ValidationFailed(message, fields={"needed_by": message})
    request.status = RequestStatus.SUBMITTED
    request.submitted_at = timezone.now()
    request.save(update_fields=["status", "submitted_at", "updated_at"])
    log_action(
        "supplies.request.submitted",
        actor=actor,
        organization=request.organization,
        obj=request,
        data={"lines": request.lines.count()},
    )
    _notify_host(request)
    return request


def _notify_host(request: SupplyRequest) -> None:
    """Email the coordinators and admins of the destination's host, unless it is the requester."""
    host_id = request.destination.host_organization_id
    if host_id == request.organization_id:
        return
    send_on_commit(
        "supplies_request_submitted",
        {"request": request, "request_url": absolute_url(request.get_absolute_url())},
        members_of([host_id]),
    )


def _decline_pending_offers(request: SupplyRequest, *, actor: Any, note: str) -> int:
    """Decline the offers still waiting on a request that closes, telling each donor why."""
    offers = list(
        DonationOffer.objects.select_for_update(of=("self",))
        .filter(request=request, status=OfferStatus.OFFERED)
        .select_related("donor", "recipient", "request")
        .order_by("pk")
    )
    now = timezone.now()
    for offer in offers:
        offer.status = OfferStatus.DECLINED
        offer.decided_by = actor
        offer.decided_at = now
        offer.decision_note = note
        offer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        log_action(
            "supplies.offer.declined",
            actor=actor,
            organization=offer.recipient,
            obj=offer,
            data={"note": note, "request_closed": True},
        )
        _notify_donor(offer)
    return len(offers)


@transaction.atomic
def cancel_request(request: SupplyRequest, *, actor: Any, reason: str) -> SupplyRequest:
    """Cancel a draft or submitted request: its open allocations are released (stock on a shipment
    being prepared must come off it first) and its pending offers declined."""
    request = _editable(request, actor)
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the request is cancelled.")
        raise ValidationFailed(message, fields={"reason": message})
    from medmissions.supplies.allocation import release_outstanding

    released = release_outstanding(request, actor=actor)
    was_submitted = request.status == RequestStatus.SUBMITTED
    request.status = RequestStatus.CANCELLED
    request.save(update_fields=["status", "updated_at"])
    declined = _decline_pending_offers(
        request, actor=actor, note=_("The request was cancelled: %(reason)s") % {"reason": reason}
    )
    log_action(
        "supplies.request.cancelled",
        actor=actor,
        organization=request.organization,
        obj=request,
        data={"reason": reason, "released": released, "offers_declined": declined},
    )
    host_id = request.destination.host_organization_id
    if was_submitted and host_id != request.organization_id:
        # The host was told when the request was submitted; it hears that it is off too.
        send_on_commit(
            "supplies_request_cancelled",
            {"request": request, "reason": reason, "request_url": absolute_url(request.get_absolute_url())},
            members_of([host_id]),
        )
    return request


@transaction.atomic
def close_request(
    request: SupplyRequest, *, actor: Any, reason: str = "", release_unshipped: bool = False
) -> SupplyRequest:
    """Close a submitted request: fully met, or what is still missing is no longer needed (then
    a reason is required). Allocations stay, so what is allocated can still be shipped, unless
    ``release_unshipped`` gives back what is not shipped yet. Pending offers are declined."""
    request = _editable(request, actor)
    if request.status != RequestStatus.SUBMITTED:
        raise Conflict(
            _("Only a submitted request is closed; cancel a draft instead."), code="request_not_submitted"
        )
    reason = (reason or "").strip()
    state = fulfilment([request.pk])[request.pk]
    if not state.met and not reason:
        message = _(
            "%(allocated)s of %(asked)s units are allocated. Say why the rest is no longer needed."
        ) % {"allocated": state.allocated, "asked": state.asked}
        raise ValidationFailed(message, code="request_not_met", fields={"reason": message})
    released = 0
    if release_unshipped:
        from medmissions.supplies.allocation import release_outstanding

        released = release_outstanding(request, actor=actor)
    request.status = RequestStatus.CLOSED
    request.save(update_fields=["status", "updated_at"])
    declined = _decline_pending_offers(
        request,
        actor=actor,
        note=(_("The request was closed: %(reason)s") % {"reason": reason})
        if reason
        else _("The request was closed: it is fully met."),
    )
    log_action(
        "supplies.request.closed",
        actor=actor,
        organization=request.organization,
        obj=request,
        data={
            "reason": reason,
            "fully_met": state.met,
            "asked": state.asked,
            "allocated": state.allocated,
            "released": released,
            "offers_declined": declined,
        },
    )
    return request


def can_record_shelf_life_exception(user: Any, request: SupplyRequest) -> bool:
    return can(user, request.destination.host_organization_id, Capability.MANAGE_SUPPLIES)


def longest_minimum_shelf_life() -> int:
    rules: dict[str, int] = settings.SUPPLIES_MIN_SHELF_LIFE_DAYS
    return max((int(days) for days in rules.values()), default=0)


@transaction.atomic
def set_shelf_life_exception(
    request: SupplyRequest, *, actor: Any, days: int | None, acknowledged_by: str
) -> SupplyRequest:
    """Record (or clear, with ``days=None``) that the receiving facility accepts lots with less
    shelf life left: the exception WHO article 6 allows when a professional at the facility
    knowingly accepts it. Only the destination host's coordinators and admins record it."""
    if not can_record_shelf_life_exception(actor, request):
        raise NotAllowed(
            _(
                "Only coordinators and admins of the receiving site’s organisation accept a shorter shelf life."
            )
        )
    request = _lock_request(request)
    if request.status not in OPEN_STATUSES:
        raise Conflict(
            _("This request is %(status)s; it can no longer be changed.")
            % {"status": str(request.get_status_display()).lower()},
            code="request_closed",
        )
    acknowledged_by = (acknowledged_by or "").strip()
    errors: dict[str, str] = {}
    if days is not None:
        longest = longest_minimum_shelf_life()
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days < longest:
            errors["days"] = _(
                "Enter a whole number of days from 0 to %(most)s, less than the usual minimum of %(longest)s."
            ) % {"most": max(longest - 1, 0), "longest": longest}
        if not acknowledged_by:
            errors["acknowledged_by"] = _(
                "Name the professional at the facility who accepts the shorter shelf life."
            )
        elif len(acknowledged_by) > NAME_LENGTH:
            errors["acknowledged_by"] = _("Keep the name under %(length)s characters.") % {
                "length": NAME_LENGTH
            }
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    before = {"days": request.shorter_shelf_life_days, "acknowledged_by": request.shelf_life_acknowledged_by}
    request.shorter_shelf_life_days = days
    request.shelf_life_acknowledged_by = acknowledged_by if days is not None else ""
    request.save(update_fields=["shorter_shelf_life_days", "shelf_life_acknowledged_by", "updated_at"])
    host = request.destination.host_organization
    log_action(
        "supplies.request.shelf_life_exception_recorded"
        if days is not None
        else "supplies.request.shelf_life_exception_cleared",
        actor=actor,
        organization=host,
        obj=request,
        before=before,
        after={"days": days, "acknowledged_by": request.shelf_life_acknowledged_by},
    )
    return request


# --- Donation offers ----------------------------------------------------------------------------


def shortest_expiry(
    item: Item, request: SupplyRequest | None, today: datetime.date | None = None
) -> datetime.date:
    """The earliest expiry a lot of ``item`` may have in an offer: the minimum shelf life (the
    request's exception included) after the date it is needed by, or after today."""
    today = today or timezone.localdate()
    if request is None:
        return today + datetime.timedelta(days=minimum_shelf_life_days(item.category))
    arrival = max(request.needed_by, today)
    return arrival + datetime.timedelta(days=request.minimum_shelf_life_days(item))


def _shelf_life_problem(item: Item, expiry: datetime.date, request: SupplyRequest | None) -> str | None:
    earliest = shortest_expiry(item, request)
    if expiry >= earliest:
        return None
    days = (
        request.minimum_shelf_life_days(item)
        if request is not None
        else minimum_shelf_life_days(item.category)
    )
    return _(
        "%(item)s expiring on %(expiry)s would arrive with less than %(days)s days of shelf life left; "
        "it must expire on %(earliest)s or later (WHO guidelines for medicine donations, article 6)."
    ) % {"item": item.label, "expiry": expiry.isoformat(), "days": days, "earliest": earliest.isoformat()}


def _clean_offer_lines(lines: Sequence[OfferLineData], request: SupplyRequest | None) -> None:
    """Every problem of every line, keyed ``lines.<index>.<field>``."""
    if not lines:
        message = _("An offer needs at least one item.")
        raise ValidationFailed(message, code="no_lines", fields={"lines": message})
    if len(lines) > MAX_OFFER_LINES:
        message = _("An offer has at most %(count)s lines.") % {"count": MAX_OFFER_LINES}
        raise ValidationFailed(message, fields={"lines": message})
    asked = {}
    if request is not None:
        asked = {line.item_id: line.quantity for line in request.lines.all()}
    errors: dict[str, str] = {}
    codes: list[str] = []
    seen: set[int] = set()
    for index, (item, quantity, expiry_date) in enumerate(lines):
        prefix = f"lines.{index}"
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
            errors[f"{prefix}.quantity"] = _("Enter a whole number of units between 1 and %(maximum)s.") % {
                "maximum": f"{MAX_QUANTITY:,}"
            }
        if item.pk in seen:
            errors[f"{prefix}.item"] = _("%(item)s is listed twice; give one line per item.") % {
                "item": item.label
            }
            continue
        seen.add(item.pk)
        if not item.active:
            errors[f"{prefix}.item"] = _("%(item)s is no longer in the catalogue.") % {"item": item.label}
            continue
        if request is not None:
            if item.pk not in asked:
                errors[f"{prefix}.item"] = _(
                    "The request does not ask for %(item)s. Offer it separately: it will be marked as unrequested."
                ) % {"item": item.label}
                codes.append("not_requested")
                continue
            if isinstance(quantity, int) and quantity > asked[item.pk]:
                errors[f"{prefix}.quantity"] = _(
                    "The request asks for %(asked)s of %(item)s; offer no more than that."
                ) % {"asked": asked[item.pk], "item": item.label}
        if expiry_date is None:
            if item.category in EXPIRY_REQUIRED:
                errors[f"{prefix}.expiry_date"] = _(
                    "Give the expiry date of %(item)s: medicines and vaccines need one."
                ) % {"item": item.label}
            continue
        problem = _shelf_life_problem(item, expiry_date, request)
        if problem:
            errors[f"{prefix}.expiry_date"] = problem
            codes.append("short_shelf_life")
    if errors:
        message = (
            next(iter(errors.values())) if len(errors) == 1 else _("Please correct the highlighted lines.")
        )
        raise ValidationFailed(message, code=codes[0] if codes else None, fields=errors)


def can_offer_to(donor_id: int, request: SupplyRequest) -> bool:
    """Whether ``donor`` may answer ``request``: it is open to donors, or the donor is the
    destination's host or a party to the request's mission."""
    if request.open_to_donors:
        return True
    if donor_id == request.destination.host_organization_id:
        return True
    mission = request.mission
    return mission is not None and mission.partnership.parties.filter(organization_id=donor_id).exists()


@transaction.atomic
def make_offer(
    *,
    actor: Any,
    donor: Organization,
    lines: Sequence[OfferLineData],
    request: SupplyRequest | None = None,
    recipient: Organization | None = None,
    note: str = "",
) -> DonationOffer:
    """Offer goods answering a submitted request, or (flagged as unrequested, WHO article 1)
    to an organisation directly. Lots must keep the minimum shelf life after the date needed."""
    require(actor, donor, Capability.MANAGE_SUPPLIES)
    if request is not None:
        if not SupplyRequest.objects.visible_to(actor).filter(pk=request.pk).exists():
            message = _("Choose a request you can see.")
            raise ValidationFailed(message, fields={"request": message})
        # Locked so that an offer cannot slip in while the request is being closed or cancelled.
        request = _lock_request(request)
        if request.status != RequestStatus.SUBMITTED:
            raise Conflict(_("Only submitted requests take offers."), code="request_not_open")
        if not can_offer_to(donor.pk, request):
            raise Conflict(
                _("%(organization)s has not opened this request to donors.")
                % {"organization": request.organization.name},
                code="not_open_to_donors",
            )
        if recipient is not None and recipient.pk != request.organization_id:
            message = _("An offer answering a request goes to the organisation that made it.")
            raise ValidationFailed(message, fields={"recipient": message})
        recipient = request.organization
    if recipient is None:
        message = _("Choose who the donation is offered to.")
        raise ValidationFailed(message, fields={"recipient": message})
    if recipient.pk == donor.pk:
        message = _("An organisation cannot offer a donation to itself.")
        raise ValidationFailed(message, fields={"recipient": message})
    _clean_offer_lines(lines, request)
    offer = DonationOffer.objects.create(
        donor=donor, recipient=recipient, request=request, note=(note or "").strip(), created_by=actor
    )
    OfferLine.objects.bulk_create(
        [
            OfferLine(offer=offer, item=item, quantity=quantity, expiry_date=expiry)
            for item, quantity, expiry in lines
        ]
    )
    log_action(
        "supplies.offer.made",
        actor=actor,
        organization=donor,
        obj=offer,
        data={
            "request": getattr(request, "pk", None),
            "recipient": recipient.pk,
            "unrequested": request is None,
            "lines": [
                {
                    "item": item.code,
                    "quantity": quantity,
                    "expiry_date": expiry.isoformat() if expiry else None,
                }
                for item, quantity, expiry in lines
            ],
        },
    )
    send_on_commit(
        "supplies_offer_made",
        {"offer": offer, "offer_url": absolute_url(offer.get_absolute_url())},
        members_of([recipient.pk]),
    )
    return offer


def _open_offer(offer: DonationOffer) -> DonationOffer:
    offer = (
        DonationOffer.objects.select_for_update(of=("self",))
        .select_related("donor", "recipient")
        .get(pk=offer.pk)
    )
    if offer.status != OfferStatus.OFFERED:
        raise Conflict(
            _("This offer is already %(status)s.") % {"status": str(offer.get_status_display()).lower()},
            code="offer_decided",
        )
    return offer


def _notify_donor(offer: DonationOffer) -> None:
    send_on_commit(
        "supplies_offer_decided",
        {"offer": offer, "offer_url": absolute_url(offer.get_absolute_url())},
        members_of([offer.donor_id]),
    )


@transaction.atomic
def decide_offer(offer: DonationOffer, *, actor: Any, accept: bool, note: str = "") -> DonationOffer:
    """Accept or decline (with a note for the donor) an offer made to the actor's organisation.

    An offer answering a request is accepted only while the request is submitted, and only if
    its lots still keep the shelf life for the request's date (which may have moved since)."""
    require(actor, offer.recipient_id, Capability.MANAGE_SUPPLIES)
    request = None
    if offer.request_id is not None:
        # The request first, as cancelling and closing lock it before its offers.
        request = SupplyRequest.objects.select_for_update(no_key=True).get(pk=offer.request_id)
    offer = _open_offer(offer)
    note = (note or "").strip()
    if not accept and not note:
        message = _("Tell the donor why the offer is declined.")
        raise ValidationFailed(message, fields={"note": message})
    if accept:
        if request is not None and request.status != RequestStatus.SUBMITTED:
            raise Conflict(
                _("The request this offer answers is %(status)s.")
                % {"status": str(request.get_status_display()).lower()},
                code="request_not_open",
            )
        problems = [
            problem
            for line in offer.lines.select_related("item")
            if line.expiry_date is not None
            and (problem := _shelf_life_problem(line.item, line.expiry_date, request)) is not None
        ]
        if problems:
            raise Conflict(
                _(
                    "This offer no longer meets the shelf-life rule: %(problems)s Decline it, or ask the donor for newer lots."
                )
                % {"problems": " ".join(problems)},
                code="short_shelf_life",
            )
    offer.status = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
    offer.decided_by = actor
    offer.decided_at = timezone.now()
    offer.decision_note = note
    offer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    log_action(
        "supplies.offer.accepted" if accept else "supplies.offer.declined",
        actor=actor,
        organization=offer.recipient,
        obj=offer,
        data={"note": note},
    )
    _notify_donor(offer)
    return offer


@transaction.atomic
def withdraw_offer(offer: DonationOffer, *, actor: Any) -> DonationOffer:
    """The donor takes back an offer nobody has decided on yet."""
    require(actor, offer.donor_id, Capability.MANAGE_SUPPLIES)
    offer = _open_offer(offer)
    offer.status = OfferStatus.WITHDRAWN
    offer.save(update_fields=["status"])
    log_action("supplies.offer.withdrawn", actor=actor, organization=offer.donor, obj=offer)
    send_on_commit(
        "supplies_offer_withdrawn",
        {"offer": offer, "offer_url": absolute_url(offer.get_absolute_url())},
        members_of([offer.recipient_id]),
    )
    return offer


UNREQUESTED_REASON = gettext_noop(
    "Nobody asked for this donation. The WHO guidelines for medicine donations (article 1) ask that "
    "donations answer a need the recipient expressed; accept only what you need."
)


def unrequested_reason() -> str:
    """Why an unrequested offer is flagged, for pages and the API."""
    return _(UNREQUESTED_REASON)
