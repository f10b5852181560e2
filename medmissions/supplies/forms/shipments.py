"""Forms of the shipments area: filtering the list, starting a shipment, picking items, packing
them into parcels, sending, marking in transit, receiving and cancelling. The rules are the
services' (supplies/shipments.py); these forms only parse what a person typed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from medmissions.missions.models import Mission
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies.choices import ShipmentStatus
from medmissions.supplies.models import Parcel, ShipmentItem, StockBalance
from medmissions.supplies.shipments import OpenAllocation, ParcelPlan

DIRECTIONS = [
    ("", _("All shipments")),
    ("outgoing", _("Sent by my organisations")),
    ("incoming", _("Coming to my sites")),
    ("donations", _("Carrying my donations")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ShipmentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ShipmentStatus.choices]
    )
    direction = forms.ChoiceField(label=_("Shipments"), required=False, choices=DIRECTIONS)


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        site: Site = obj
        return _("%(site)s — %(host)s") % {"site": site.name, "host": site.host_organization.name}


class ShipmentForm(forms.Form):
    """Whose stock, from where, to where and when; mission and carrier are optional."""

    organization = forms.ModelChoiceField(
        label=_("Sender"), queryset=Organization.objects.none(), empty_label=None
    )
    origin = SiteChoiceField(
        label=_("From"),
        queryset=Site.objects.none(),
        help_text=_("A site where your organisation holds stock."),
    )
    destination = SiteChoiceField(
        label=_("To"), queryset=Site.objects.none(), help_text=_("One of your sites or a partner’s site.")
    )
    planned_arrival = forms.DateField(
        label=_("Planned arrival"),
        widget=DateInput(),
        help_text=_("Shelf life is checked on this date (WHO guidelines, article 6)."),
    )
    mission = forms.ModelChoiceField(label=_("Mission"), queryset=Mission.objects.none(), required=False)
    carrier = forms.CharField(label=_("Carrier"), max_length=120, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(
        self, *args: Any, organizations: Any, origins: Any, destinations: Any, missions: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = organizations
        cast(forms.ModelChoiceField, self.fields["origin"]).queryset = origins
        cast(forms.ModelChoiceField, self.fields["destination"]).queryset = destinations
        cast(forms.ModelChoiceField, self.fields["mission"]).queryset = missions


def _expiry(lot: Any) -> str:
    """“expires 20 Nov 2029”, or “no expiry”."""
    if lot.expiry_date is None:
        return str(_("no expiry"))
    return str(_("expires %(date)s") % {"date": date_format(lot.expiry_date, "j M Y")})


class AddAllocationForm(forms.Form):
    """Put units of an accepted allocation on the shipment (all that is outstanding by default)."""

    allocation = forms.TypedChoiceField(label=_("Allocation"), coerce=int)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        required=False,
        help_text=_("Leave empty to ship every unit still outstanding."),
    )

    def __init__(self, *args: Any, rows: Sequence[OpenAllocation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["allocation"]).choices = [
            (
                row.allocation.pk,
                _("%(request)s: %(item)s, lot %(lot)s (%(expiry)s) — %(free)s outstanding")
                % {
                    "request": row.allocation.line.request.title,
                    "item": row.allocation.lot.item.label,
                    "lot": row.allocation.lot.lot_number,
                    "expiry": _expiry(row.allocation.lot),
                    "free": row.free,
                },
            )
            for row in rows
        ]


class BalanceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        balance: StockBalance = obj
        return _("%(item)s, lot %(lot)s (%(expiry)s) — %(available)s available") % {
            "item": balance.lot.item.label,
            "lot": balance.lot.lot_number,
            "expiry": _expiry(balance.lot),
            "available": balance.available,
        }


class AddLotForm(forms.Form):
    """Pick units of a lot held at the origin, without an allocation."""

    balance = BalanceChoiceField(label=_("Lot"), queryset=StockBalance.objects.none(), empty_label=None)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)

    def __init__(self, *args: Any, balances: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["balance"]).queryset = balances


class PackForm(forms.Form):
    """Numbered parcels with their weight and description, and for each item the parcel it goes
    in. Works without JavaScript: there are ``rows`` parcel rows, and rows nobody uses are
    ignored as long as the parcels in use are numbered 1, 2, 3… without gaps."""

    def __init__(
        self,
        *args: Any,
        items: Sequence[ShipmentItem],
        rows: int,
        parcels: Sequence[Parcel] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.rows = rows
        existing = list(parcels)
        numbers = {parcel.pk: index for index, parcel in enumerate(existing, start=1)}
        for number in range(1, rows + 1):
            parcel = existing[number - 1] if number <= len(existing) else None
            self.fields[f"parcel_{number}_weight_kg"] = forms.DecimalField(
                label=_("Weight of parcel %(number)s (kg)") % {"number": number},
                required=False,
                min_value=Decimal("0.01"),
                max_digits=7,
                decimal_places=2,
                initial=parcel.weight_kg if parcel else None,
            )
            self.fields[f"parcel_{number}_description"] = forms.CharField(
                label=_("Description of parcel %(number)s") % {"number": number},
                required=False,
                max_length=200,
                initial=parcel.description if parcel else "",
            )
        choices = [("", "—")] + [
            (str(number), _("Parcel %(number)s") % {"number": number}) for number in range(1, rows + 1)
        ]
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.TypedChoiceField(
                label=_("Parcel for %(item)s, lot %(lot)s")
                % {"item": item.lot.item.label, "lot": item.lot.lot_number},
                choices=choices,
                coerce=int,
                initial=str(numbers[item.parcel_id])
                if item.parcel_id in numbers
                else ("1" if rows == 1 else ""),
            )
        self.plans: list[ParcelPlan] = []

    def parcel_rows(self) -> list[tuple[int, Any, Any]]:
        return [
            (number, self[f"parcel_{number}_weight_kg"], self[f"parcel_{number}_description"])
            for number in range(1, self.rows + 1)
        ]

    def item_rows(self) -> list[tuple[ShipmentItem, Any]]:
        return [(item, self[f"item_{item.pk}"]) for item in self.items]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        contents: dict[int, list[int]] = defaultdict(list)
        for item in self.items:
            contents[cleaned[f"item_{item.pk}"]].append(item.pk)
        used = max(contents, default=0)
        plans = []
        for number in range(1, used + 1):
            weight = cleaned.get(f"parcel_{number}_weight_kg")
            if not contents.get(number):
                raise forms.ValidationError(
                    _("Parcel %(number)s has no items: number the parcels 1, 2, 3… without gaps.")
                    % {"number": number}
                )
            if weight is None:
                self.add_error(f"parcel_{number}_weight_kg", _("Weigh the parcel."))
                continue
            plans.append(
                ParcelPlan(
                    weight_kg=weight,
                    item_ids=contents[number],
                    description=cleaned.get(f"parcel_{number}_description") or "",
                )
            )
        self.plans = plans
        return cleaned


class SendForm(forms.Form):
    sent_on = forms.DateField(label=_("Sent on"), widget=DateInput(), required=False)
    carrier = forms.CharField(label=_("Carrier"), max_length=120, required=False)
    tracking_reference = forms.CharField(label=_("Tracking reference"), max_length=120, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sent_on"].initial = timezone.localdate()


class InTransitForm(forms.Form):
    tracking_reference = forms.CharField(
        label=_("Tracking reference"),
        max_length=120,
        required=False,
        help_text=_("Leave empty to keep the one recorded."),
    )


class ReceiveForm(forms.Form):
    """Per item the units that arrived in this delivery, the date, a note, and whether to close
    the receipt with units missing."""

    received_on = forms.DateField(label=_("Received on"), widget=DateInput(), required=False)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Damage, shortages, what happened to missing units."),
    )
    close = forms.BooleanField(label=_("Close the receipt even though units are missing"), required=False)

    def __init__(self, *args: Any, items: Sequence[ShipmentItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        self.items = [item for item in items if item.quantity > item.received_quantity]
        for item in self.items:
            left = item.quantity - item.received_quantity
            self.fields[f"item_{item.pk}"] = forms.IntegerField(
                label=_("Units of %(item)s, lot %(lot)s received now")
                % {"item": item.lot.item.label, "lot": item.lot.lot_number},
                min_value=0,
                max_value=left,
                required=False,
                initial=left,
            )

    def item_rows(self) -> list[tuple[ShipmentItem, Any]]:
        return [(item, self[f"item_{item.pk}"]) for item in self.items]

    def quantities(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data.get(f"item_{item.pk}") or 0 for item in self.items}


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The receiving organisation sees it if it was told the shipment was coming."),
    )
