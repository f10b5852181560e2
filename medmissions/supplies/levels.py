"""Minimum stock levels: the least of an item an organisation wants available at a site.

Below it, the site shows on the low-stock report (``reports.low_stock``) and its coordinators
get an alert (``alerts.send_alerts``). Setting a level again for the same organisation, site and
item changes its minimum. Both services are for the organisation's coordinators and admins
(``Capability.MANAGE_SUPPLIES``), at sites they can see (their own and their partners').
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import ValidationFailed
from medmissions.organizations.access import Capability, require
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies.models import Item, StockLevel

# As for movements (stock.MAX_QUANTITY): far above any real minimum, far below the column's limit.
MAX_MINIMUM = 10_000_000
AUDITED_FIELDS = ["organization", "site", "item", "minimum"]


def _clean_minimum(minimum: Any) -> int:
    if not isinstance(minimum, int) or isinstance(minimum, bool) or not 1 <= minimum <= MAX_MINIMUM:
        message = _("Enter the minimum as a whole number of units, from 1 to %(limit)s.") % {
            "limit": f"{MAX_MINIMUM:,}"
        }
        raise ValidationFailed(message, code="invalid_minimum", fields={"minimum": message})
    return minimum


@transaction.atomic
def set_stock_level(
    *, actor: Any, organization: Organization, site: Site, item: Item, minimum: int
) -> tuple[StockLevel, bool]:
    """Set the organisation's minimum of ``item`` at ``site``; returns the level and whether it
    is new. Setting the same minimum again changes nothing and writes no audit entry."""
    require(actor, organization, Capability.MANAGE_SUPPLIES)
    errors: dict[str, str] = {}
    if not Site.objects.visible_to(actor).filter(pk=site.pk).exists():
        errors["site"] = _("Choose one of your sites or a partner's site.")
    if not item.active:
        errors["item"] = _("This item is no longer in the catalogue.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    minimum = _clean_minimum(minimum)

    level = (
        StockLevel.objects.select_for_update().filter(organization=organization, site=site, item=item).first()
    )
    created = level is None
    if level is None:
        try:
            with transaction.atomic():
                level = StockLevel.objects.create(
                    organization=organization, site=site, item=item, minimum=minimum, updated_by=actor
                )
        except IntegrityError:
            # Set at the same moment by someone else: change theirs.
            level = StockLevel.objects.select_for_update().get(
                organization=organization, site=site, item=item
            )
            created = False
    if created:
        log_action(
            "supplies.stock_level.set",
            actor=actor,
            organization=organization,
            obj=level,
            after=snapshot(level, AUDITED_FIELDS),
            data={"created": True},
        )
        return level, True
    if level.minimum == minimum:
        return level, False
    before = snapshot(level, AUDITED_FIELDS)
    level.minimum = minimum
    level.updated_by = actor
    level.save(update_fields=["minimum", "updated_by", "updated_at"])
    log_action(
        "supplies.stock_level.set",
        actor=actor,
        organization=organization,
        obj=level,
        before=before,
        after=snapshot(level, AUDITED_FIELDS),
        data={"created": False},
    )
    return level, False


@transaction.atomic
def remove_stock_level(level: StockLevel, *, actor: Any) -> None:
    """Stop watching the organisation's stock of the item at the site."""
    require(actor, level.organization_id, Capability.MANAGE_SUPPLIES)
    level = StockLevel.objects.select_for_update().select_related("organization").get(pk=level.pk)
    log_action(
        "supplies.stock_level.removed",
        actor=actor,
        organization=level.organization,
        obj=level,
        before=snapshot(level, AUDITED_FIELDS),
    )
    level.delete()
