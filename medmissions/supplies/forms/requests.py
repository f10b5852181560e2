"""Forms of the requests area: a request and its lines (an item, a kit), the actions that take a
reason, the host's shelf-life exception, donation offers with their lines, and the decision.

Forms check shapes (required, lengths, choices offered to this person); supplies/services.py
checks the rules, so that the pages and the API answer the same.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies.choices import OfferStatus, Priority, RequestStatus
from medmissions.supplies.models import Item, Kit
from medmissions.supplies.services import MAX_OFFER_LINES, MAX_QUANTITY, NAME_LENGTH, TITLE_LENGTH

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        site: Site = obj
        return f"{site.name} ({site.host_organization.name})"


class MissionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _("%(title)s — %(site)s, from %(start)s") % {
            "title": obj.title,
            "site": obj.site.name,
            "start": date_format(obj.starts_on, "j M Y"),
        }


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.host_organization.name})"


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        item: Item = obj
        return f"{item.label} — {_(item.unit)}"


def _set_queryset(form: forms.Form, name: str, queryset: Any) -> None:
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


# Requests ---------------------------------------------------------------------------------------


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), ("open", _("Draft or submitted")), *RequestStatus.choices],
        required=False,
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", _("Any priority")), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    needed_by = forms.DateField(label=_("Needed by at the latest"), widget=DATE_WIDGET, required=False)


class RequestForm(forms.Form):
    """A request's fields; the organisation only when creating."""

    organization = forms.ModelChoiceField(
        label=_("Requested by"), queryset=Organization.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_LENGTH)
    mission = MissionChoiceField(
        label=_("For the mission"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("Optional. Without a destination, the supplies go to the mission’s site."),
    )
    need = NeedChoiceField(
        label=_("Answering the need"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("Optional: the host’s need the supplies serve."),
    )
    destination = SiteChoiceField(
        label=_("Deliver to"),
        queryset=Site.objects.none(),
        required=False,
        empty_label="—",
        help_text=_(
            "One of your organisation’s sites, or a site of an organisation you are actively partnered with."
        ),
    )
    needed_by = forms.DateField(label=_("Needed by"), widget=DATE_WIDGET)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    open_to_donors = forms.BooleanField(
        label=_("Open to donors"),
        required=False,
        help_text=_(
            "Once submitted, supply donors on medmissions can see the request and offer donations answering it."
        ),
    )

    def __init__(
        self,
        *args: Any,
        organizations: Any = None,
        destinations: Any,
        missions: Any,
        needs: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["organization"]
        else:
            _set_queryset(self, "organization", organizations)
        _set_queryset(self, "destination", destinations)
        _set_queryset(self, "mission", missions)
        _set_queryset(self, "need", needs)

    def service_data(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "organization"}


class AddLineForm(forms.Form):
    """An item chosen from the list, or typed as its catalogue code."""

    item = ItemChoiceField(
        label=_("Item"), queryset=Item.objects.none(), to_field_name="code", required=False, empty_label="—"
    )
    code = forms.SlugField(
        label=_("or its catalogue code"),
        required=False,
        max_length=80,
        help_text=_("For example amoxicillin-500mg-capsule."),
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)

    def __init__(self, *args: Any, items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "item", items)
        self.items = items

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        item, code = data.get("item"), data.get("code")
        if item is None and code:
            item = self.items.filter(code=code).first()
            if item is None:
                self.add_error("code", _("No item of the catalogue has this code."))
        elif item is None and "item" not in self.errors and "code" not in self.errors:
            self.add_error("item", _("Choose an item, or type its code."))
        elif item is not None and code and item.code != code:
            self.add_error("code", _("Choose an item or type a code, not both."))
        data["item"] = item
        return data


class AddKitForm(forms.Form):
    kit = forms.ModelChoiceField(
        label=_("Kit"), queryset=Kit.objects.none(), to_field_name="code", empty_label="—"
    )
    count = forms.IntegerField(label=_("How many kits"), min_value=1, max_value=MAX_QUANTITY, initial=1)

    def __init__(self, *args: Any, kits: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "kit", kits)


class ChangeLineForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        widget=forms.NumberInput(attrs={"style": "max-width:8rem"}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The request’s partners and the donors who offered goods read this."),
    )


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required unless every line is fully allocated: why is the rest no longer needed?"),
    )
    release_unshipped = forms.BooleanField(
        label=_("Release stock allocated but not yet shipped"),
        required=False,
        help_text=_("Leave it unticked to ship what is allocated."),
    )


class ShelfLifeForm(forms.Form):
    days = forms.IntegerField(
        label=_("Shortest shelf life accepted (days)"),
        min_value=0,
        required=False,
        help_text=_("Leave empty to withdraw the exception."),
    )
    acknowledged_by = forms.CharField(
        label=_("Accepted by"),
        max_length=NAME_LENGTH,
        required=False,
        help_text=_(
            "Name and position of the professional at the facility, for example “Dr A. Namusoke, pharmacist”."
        ),
    )


# Offers -----------------------------------------------------------------------------------------


class OfferFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *OfferStatus.choices], required=False
    )
    unrequested = forms.BooleanField(label=_("Unrequested only"), required=False)


class OfferForm(forms.Form):
    donor = forms.ModelChoiceField(
        label=_("Donated by"), queryset=Organization.objects.none(), empty_label=None
    )
    recipient = forms.ModelChoiceField(
        label=_("Offered to"),
        queryset=Organization.objects.none(),
        to_field_name="slug",
        empty_label="—",
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Manufacturer, labelling language, storage, how and when the goods could travel."),
    )

    def __init__(self, *args: Any, donors: Any, recipients: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "donor", donors)
        if recipients is None:
            del self.fields["recipient"]
        else:
            _set_queryset(self, "recipient", recipients)


class OfferLineForm(forms.Form):
    item = ItemChoiceField(
        label=_("Item"), queryset=Item.objects.none(), to_field_name="code", required=False, empty_label="—"
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, required=False)
    expiry_date = forms.DateField(label=_("Expiry date"), widget=DATE_WIDGET, required=False)

    def __init__(self, *args: Any, items: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if items is not None:
            _set_queryset(self, "item", items)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("item") is not None and data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", _("How many?"))
        if (
            data.get("item") is None
            and "item" not in self.errors
            and (data.get("quantity") or data.get("expiry_date"))
        ):
            self.add_error("item", _("Choose the item."))
        return data


class BaseOfferLineFormSet(forms.BaseFormSet):
    def filled(self) -> list[tuple[int, tuple[Any, int, Any]]]:
        """(form index, (item, quantity, expiry date)) of the rows filled in; blank rows are ignored."""
        return [
            (
                index,
                (
                    form.cleaned_data["item"],
                    form.cleaned_data["quantity"],
                    form.cleaned_data.get("expiry_date"),
                ),
            )
            for index, form in enumerate(self.forms)
            if getattr(form, "cleaned_data", None) and form.cleaned_data.get("item") is not None
        ]


OfferLineFormSet = cast(
    type[BaseOfferLineFormSet],
    forms.formset_factory(
        OfferLineForm, formset=BaseOfferLineFormSet, extra=3, max_num=MAX_OFFER_LINES, validate_max=True
    ),
)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept the offer")), ("decline", _("Decline the offer"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note for the donor"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when declining: tell the donor why."),
    )
