"""Forms of the allocation area: starting a run, adjusting it for a re-run, accepting it with
lowered quantities, and allocating by hand."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies.models import StockBalance, SupplyRequest


class RequestChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        request: SupplyRequest = obj
        return _("%(title)s — %(organization)s, to %(site)s by %(date)s (%(priority)s)") % {
            "title": request.title,
            "organization": request.organization.name,
            "site": request.destination.name,
            "date": date_format(request.needed_by, "j M Y"),
            "priority": request.get_priority_display(),
        }


class RunForm(forms.Form):
    """Whose stock, which submitted requests, and from which of its sites."""

    # Chosen with the page's "Stock of" selector, which also lists that organisation's warehouses.
    organization = forms.ModelChoiceField(
        label=_("Stock of"), queryset=Organization.objects.none(), empty_label=None, widget=forms.HiddenInput
    )
    requests = RequestChoiceField(
        label=_("Requests"),
        queryset=SupplyRequest.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Submitted requests you can see, earliest needed first."),
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("From"),
        queryset=Site.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave empty to use every warehouse holding the organisation's stock."),
    )

    def __init__(self, *args: Any, organizations: Any, requests: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = organizations
        cast(forms.ModelMultipleChoiceField, self.fields["requests"]).queryset = requests
        cast(forms.ModelMultipleChoiceField, self.fields["sites"]).queryset = sites


def _numbers(value: str, count: int) -> tuple[int, ...] | None:
    parts = value.split(":")
    if len(parts) != count:
        return None
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        return None


class AdjustForm(forms.Form):
    """A re-run's changes: "lot:site:line" pairings to leave out and "lot:site" stock to keep out."""

    exclude = forms.MultipleChoiceField(required=False)
    keep_out = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any well-formed value is a choice: the service checks what it refers to.
        for name in ("exclude", "keep_out"):
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            cast(forms.MultipleChoiceField, self.fields[name]).choices = [(value, value) for value in values]

    def clean_exclude(self) -> list[tuple[int, int, int]]:
        parsed = [_numbers(value, 3) for value in self.cleaned_data["exclude"]]
        if any(value is None for value in parsed):
            raise forms.ValidationError(_("A pairing to leave out is not valid."))
        return [cast(tuple[int, int, int], value) for value in parsed]

    def clean_keep_out(self) -> list[tuple[int, int]]:
        parsed = [_numbers(value, 2) for value in self.cleaned_data["keep_out"]]
        if any(value is None for value in parsed):
            raise forms.ValidationError(_("Stock to keep out is not valid."))
        return [cast(tuple[int, int], value) for value in parsed]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("exclude") and not cleaned.get("keep_out"):
            raise forms.ValidationError(_("Tick what to leave out of the next run."))
        return cleaned


class AcceptForm(forms.Form):
    """The proposal's picks, each with the quantity to accept (the proposed one by default)."""

    def __init__(self, *args: Any, picks: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index, pick in enumerate(picks):
            self.fields[f"quantity_{index}"] = forms.IntegerField(
                label=_("Quantity"), min_value=0, max_value=pick["quantity"], initial=pick["quantity"]
            )

    def quantities(self) -> dict[int, int]:
        return {int(name.removeprefix("quantity_")): value for name, value in self.cleaned_data.items()}


class BalanceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        balance: StockBalance = obj
        expiry = date_format(balance.lot.expiry_date, "j M Y") if balance.lot.expiry_date else _("no expiry")
        return _("Lot %(lot)s at %(site)s — expires %(expiry)s, %(available)s available") % {
            "lot": balance.lot.lot_number,
            "site": balance.site.name,
            "expiry": expiry,
            "available": balance.available,
        }


class ManualAllocationForm(forms.Form):
    """Reserve units of one lot at one site for a request line."""

    balance = BalanceChoiceField(label=_("Stock"), queryset=StockBalance.objects.none(), empty_label=None)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)

    def __init__(self, *args: Any, balances: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["balance"]).queryset = balances
