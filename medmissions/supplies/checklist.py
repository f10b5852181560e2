"""The donation acceptance checklist: a shipment against the WHO guidelines for medicine donations.

:func:`evaluate` is a pure function: it reads the shipment, its items (with their lots, catalogue
items, label languages, allocations and parcels) and its parcels as given, and returns one
:class:`Check` per rule, each ``pass``, ``warn`` or ``fail`` with details naming the items or
parcels at fault. It writes nothing and queries nothing, so it can be tried on objects that were
never saved. :func:`checklist_for` loads a stored shipment and evaluates it.

The rules (see /work/shared/reference/interop.md §6):

* **Expressed need** (article 1): every item answers a submitted request through an allocation,
  or the goods go to one of the sender's own sites.
* **Essential medicines** (article 2): medicines are on the WHO Model List of Essential
  Medicines (``Item.essential_medicine``); one that is not but was asked for in a request is a
  warning (the recipient asked for it), otherwise a failure.
* **Shelf life on arrival** (article 6): at the planned arrival every lot still has the
  category's minimum shelf life (``Item.minimum_shelf_life_days``), or the shorter one the
  receiving facility accepted on the request (a warning naming who accepted it).
* **Label language** (article 7): each medicine lot's label is in a language of the destination
  site; an unrecorded label or site language is a warning.
* **Packing list** (article 9): every item is in a numbered parcel.
* **Parcel weight** (article 9): no parcel holding medicines weighs more than
  ``SUPPLIES_MAX_PARCEL_KG``.
* **Medicines packed apart** (article 9): no parcel mixes medicines with other supplies.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from medmissions.supplies.choices import ShipmentStatus
from medmissions.supplies.models import Parcel, Shipment, ShipmentItem
from medmissions.supplies.shipments import is_medicine

PASS = "pass"
WARN = "warn"
FAIL = "fail"
# The badge class of core/static/core/app.css for each status.
BADGES = {PASS: "ok", WARN: "warn", FAIL: "bad"}
_ORDER = {PASS: 0, WARN: 1, FAIL: 2}


@dataclass(frozen=True)
class Check:
    """One rule of the checklist and how the shipment fares."""

    key: str
    label: str | Promise
    article: int
    status: str
    details: list[str] = field(default_factory=list)

    @property
    def badge(self) -> str:
        return BADGES[self.status]

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


STATUS_LABELS = {
    PASS: gettext_lazy("Pass"),
    WARN: pgettext_lazy("checklist status", "Check"),
    FAIL: gettext_lazy("Fail"),
}
LABELS = {
    "expressed_need": gettext_lazy("Based on an expressed need"),
    "essential_list": gettext_lazy("On the essential medicines list"),
    "shelf_life": gettext_lazy("Shelf life left on arrival"),
    "label_language": gettext_lazy("Labels in a language of the destination"),
    "packing_list": gettext_lazy("Packing list: every item in a numbered parcel"),
    "parcel_weight": gettext_lazy("Medicine parcels within the weight limit"),
    "not_mixed": gettext_lazy("Medicines not mixed with other supplies"),
}
ARTICLES = {
    "expressed_need": 1,
    "essential_list": 2,
    "shelf_life": 6,
    "label_language": 7,
    "packing_list": 9,
    "parcel_weight": 9,
    "not_mixed": 9,
}


def _check(key: str, status: str, details: list[str]) -> Check:
    return Check(key=key, label=LABELS[key], article=ARTICLES[key], status=status, details=details)


def worst(checks: Sequence[Check]) -> str:
    """The most serious status of ``checks`` (pass when there are none)."""
    return max((check.status for check in checks), key=_ORDER.__getitem__, default=PASS)


def _name(item: ShipmentItem) -> str:
    return _("%(item)s, lot %(lot)s") % {"item": item.lot.item.label, "lot": item.lot.lot_number}


def _request(item: ShipmentItem) -> Any:
    allocation = item.allocation
    return allocation.line.request if allocation is not None else None


def _parcel_name(parcel: Parcel) -> str:
    return _("Parcel %(number)s") % {"number": parcel.number}


def _day(day: datetime.date) -> str:
    return date_format(day, "j M Y")


def _expressed_need(shipment: Shipment, items: Sequence[ShipmentItem]) -> Check:
    if shipment.destination.host_organization_id == shipment.organization_id:
        return _check("expressed_need", PASS, [_("The goods go to a site of the sender, for its own use.")])
    if not items:
        return _check("expressed_need", WARN, [_("Nothing is on the shipment yet.")])
    unrequested = [_name(item) for item in items if _request(item) is None]
    if unrequested:
        return _check(
            "expressed_need",
            FAIL,
            [
                _(
                    "%(item)s answers no request of the receiving site; ship it only with the recipient’s consent."
                )
                % {"item": name}
                for name in unrequested
            ],
        )
    titles = sorted({str(_request(item).title) for item in items})
    return _check(
        "expressed_need",
        PASS,
        [
            _("Every item answers a request: %(requests)s.")
            % {"requests": ", ".join(f"“{t}”" for t in titles)}
        ],
    )


def _essential_list(items: Sequence[ShipmentItem]) -> Check:
    medicines = [item for item in items if is_medicine(item.lot.item)]
    if not medicines:
        return _check("essential_list", PASS, [_("No medicines on this shipment.")])
    failures, warnings = [], []
    for item in medicines:
        if item.lot.item.essential_medicine:
            continue
        request = _request(item)
        if request is None:
            failures.append(
                _("%(item)s is not on the WHO Model List of Essential Medicines and no request asked for it.")
                % {"item": _name(item)}
            )
        else:
            warnings.append(
                _(
                    "%(item)s is not on the WHO Model List of Essential Medicines; the request “%(request)s” "
                    "asked for it: check it is approved in the country."
                )
                % {"item": _name(item), "request": request.title}
            )
    if failures:
        return _check("essential_list", FAIL, failures + warnings)
    if warnings:
        return _check("essential_list", WARN, warnings)
    return _check(
        "essential_list", PASS, [_("Every medicine is on the WHO Model List of Essential Medicines.")]
    )


def _shelf_life(shipment: Shipment, items: Sequence[ShipmentItem]) -> Check:
    arrival = shipment.planned_arrival
    failures, warnings = [], []
    for item in items:
        lot = item.lot
        if lot.expiry_date is None:
            continue
        standard = lot.item.minimum_shelf_life_days
        request = _request(item)
        minimum = request.minimum_shelf_life_days(lot.item) if request is not None else standard
        if not lot.meets_shelf_life(arrival, minimum):
            failures.append(
                _(
                    "%(item)s expires on %(expiry)s: on the planned arrival (%(arrival)s) it has %(left)s days "
                    "left, less than the %(days)s required."
                )
                % {
                    "item": _name(item),
                    "expiry": _day(lot.expiry_date),
                    "arrival": _day(arrival),
                    "left": (lot.expiry_date - arrival).days,
                    "days": minimum,
                }
            )
        elif not lot.meets_shelf_life(arrival, standard):
            warnings.append(
                _(
                    "%(item)s expires on %(expiry)s, less than %(days)s days after the planned arrival; "
                    "%(person)s accepted a shorter shelf life on the request “%(request)s” (WHO article 6 "
                    "exception)."
                )
                % {
                    "item": _name(item),
                    "expiry": _day(lot.expiry_date),
                    "days": standard,
                    "person": request.shelf_life_acknowledged_by,
                    "request": request.title,
                }
            )
    if failures:
        return _check("shelf_life", FAIL, failures + warnings)
    if warnings:
        return _check("shelf_life", WARN, warnings)
    if not items:
        return _check("shelf_life", PASS, [_("Nothing is on the shipment yet.")])
    return _check(
        "shelf_life",
        PASS,
        [
            _("Every lot has the shelf life required on the planned arrival (%(arrival)s).")
            % {"arrival": _day(arrival)}
        ],
    )


def _label_language(items: Sequence[ShipmentItem], languages: Sequence[Any]) -> Check:
    medicines = [item for item in items if is_medicine(item.lot.item)]
    if not medicines:
        return _check("label_language", PASS, [_("No medicines on this shipment.")])
    if not languages:
        return _check(
            "label_language",
            WARN,
            [_("The destination site’s languages are not recorded; check the labels can be read there.")],
        )
    codes = {language.code for language in languages}
    spoken = ", ".join(str(language) for language in languages)
    failures, warnings = [], []
    for item in medicines:
        label = item.lot.label_language
        if label is None:
            warnings.append(_("The label language of %(item)s is not recorded.") % {"item": _name(item)})
        elif label.code not in codes:
            failures.append(
                _("%(item)s is labelled in %(language)s; the destination uses %(spoken)s.")
                % {"item": _name(item), "language": label, "spoken": spoken}
            )
    if failures:
        return _check("label_language", FAIL, failures + warnings)
    if warnings:
        return _check("label_language", WARN, warnings)
    return _check(
        "label_language",
        PASS,
        [_("Every medicine is labelled in a language of the destination (%(spoken)s).") % {"spoken": spoken}],
    )


def _packing_list(shipment: Shipment, items: Sequence[ShipmentItem], parcels: Sequence[Parcel]) -> Check:
    if not items:
        return _check("packing_list", WARN, [_("Nothing is on the shipment yet.")])
    loose = [_name(item) for item in items if item.parcel is None]
    if loose:
        status = WARN if shipment.status == ShipmentStatus.PICKING else FAIL
        return _check(
            "packing_list",
            status,
            [_("%(item)s is in no parcel.") % {"item": name} for name in loose],
        )
    numbers = sorted(parcel.number for parcel in parcels)
    return _check(
        "packing_list",
        PASS,
        [_("%(count)s numbered parcels hold every item.") % {"count": len(numbers)}],
    )


def _contents(parcels: Sequence[Parcel], items: Sequence[ShipmentItem]) -> dict[int, list[ShipmentItem]]:
    by_number: dict[int, list[ShipmentItem]] = {parcel.number: [] for parcel in parcels}
    for item in items:
        if item.parcel is not None:
            by_number.setdefault(item.parcel.number, []).append(item)
    return by_number


def _parcel_weight(parcels: Sequence[Parcel], items: Sequence[ShipmentItem], limit: Decimal) -> Check:
    if not parcels:
        return _check("parcel_weight", WARN, [_("Not packed yet.")])
    contents = _contents(parcels, items)
    heavy = [
        _("%(parcel)s holds medicines and weighs %(weight)s kg, more than %(limit)s kg.")
        % {"parcel": _parcel_name(parcel), "weight": parcel.weight_kg, "limit": limit}
        for parcel in sorted(parcels, key=lambda parcel: parcel.number)
        if parcel.weight_kg > limit and any(is_medicine(item.lot.item) for item in contents[parcel.number])
    ]
    if heavy:
        return _check("parcel_weight", FAIL, heavy)
    return _check(
        "parcel_weight",
        PASS,
        [_("No parcel holding medicines weighs more than %(limit)s kg.") % {"limit": limit}],
    )


def _not_mixed(parcels: Sequence[Parcel], items: Sequence[ShipmentItem]) -> Check:
    if not parcels:
        return _check("not_mixed", WARN, [_("Not packed yet.")])
    contents = _contents(parcels, items)
    mixed = []
    for parcel in sorted(parcels, key=lambda parcel: parcel.number):
        inside = contents[parcel.number]
        medicines = [item for item in inside if is_medicine(item.lot.item)]
        others = [item for item in inside if not is_medicine(item.lot.item)]
        if medicines and others:
            mixed.append(
                _("%(parcel)s mixes medicines (%(medicines)s) with other supplies (%(others)s).")
                % {
                    "parcel": _parcel_name(parcel),
                    "medicines": "; ".join(_name(item) for item in medicines),
                    "others": "; ".join(_name(item) for item in others),
                }
            )
    if mixed:
        return _check("not_mixed", FAIL, mixed)
    return _check("not_mixed", PASS, [_("Medicines travel in parcels of their own.")])


def evaluate(
    shipment: Shipment,
    items: Sequence[ShipmentItem],
    parcels: Sequence[Parcel],
    *,
    destination_languages: Sequence[Any],
    max_parcel_kg: Decimal | int,
) -> list[Check]:
    """The checklist of ``shipment`` given its items, parcels and the destination's languages.

    Items need ``lot`` (with ``item`` and ``label_language``), ``allocation`` (with
    ``line.request``) and ``parcel`` set; nothing is read from the database.
    """
    limit = Decimal(max_parcel_kg)
    return [
        _expressed_need(shipment, items),
        _essential_list(items),
        _shelf_life(shipment, items),
        _label_language(items, destination_languages),
        _packing_list(shipment, items, parcels),
        _parcel_weight(parcels, items, limit),
        _not_mixed(parcels, items),
    ]


def checklist_for(shipment: Shipment) -> list[Check]:
    """Load a stored shipment's items, parcels and destination languages, and evaluate them."""
    items = list(
        shipment.items.select_related(
            "lot__item", "lot__label_language", "allocation__line__request", "parcel"
        ).order_by("parcel__number", "lot__item__name", "pk")
    )
    parcels = list(shipment.parcels.order_by("number"))
    languages = list(shipment.destination.languages.order_by("name"))
    return evaluate(
        shipment,
        items,
        parcels,
        destination_languages=languages,
        max_parcel_kg=settings.SUPPLIES_MAX_PARCEL_KG,
    )
