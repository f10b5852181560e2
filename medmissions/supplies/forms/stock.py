"""Forms of the stock area: the lot and ledger filters, receiving a lot, importing lots, and the
movements of a lot at a site (consume, adjust, write off, hand over).

Forms check shapes (required, lengths, choices offered to this person); the services in
supplies/stock.py and supplies/imports.py check the rules, so the pages and the API answer alike.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from medmissions.core.models import Language
from medmissions.missions.models import Mission
from medmissions.organizations.choices import OrganizationKind
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import stock
from medmissions.supplies.choices import AdjustmentReason, LotSource, MovementKind
from medmissions.supplies.models import Item

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The longest expiry horizon a filter accepts: ten years.
MAX_EXPIRY_DAYS = 3650


class SiteChoiceField(forms.ModelChoiceField):
    """Sites named with their host, since partners' sites are offered too."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.host_organization.name})"


class MissionChoiceField(forms.ModelChoiceField):
    """Missions named with their dates, which tell two visits to one site apart."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.starts_on:%Y-%m-%d} – {obj.ends_on:%Y-%m-%d})"


def _set_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


# --- Filters -----------------------------------------------------------------------------------


class LotFilterForm(forms.Form):
    """Filters of the lots list; each is optional and an invalid value is ignored."""

    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("All your organisations"),
        help_text=_("Lots it owns or donated, and lots held at its sites."),
    )
    site = SiteChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("All sites")
    )
    q = forms.CharField(
        label=_("Item or lot number"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("Donated or procured")), *LotSource.choices], required=False
    )
    expiring_within = forms.IntegerField(
        label=_("Expiring within (days)"),
        min_value=0,
        max_value=MAX_EXPIRY_DAYS,
        required=False,
        help_text=_("Lots still in date that expire within this many days."),
    )
    expired = forms.BooleanField(label=_("Expired only"), required=False)
    include_empty = forms.BooleanField(label=_("Include lots with nothing left"), required=False)

    def __init__(
        self, *args: Any, organizations: QuerySet[Organization], sites: QuerySet[Site], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "organization", organizations)
        _set_queryset(self, "site", sites)

    def values(self) -> dict[str, Any]:
        """The valid filters (an invalid one is left out rather than refusing the page)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        # 0 days is a valid horizon (expiring today): test for emptiness, not falsiness.
        return {
            name: value
            for name, value in cleaned.items()
            if not (value is None or value is False or value == "")
        }


class LedgerFilterForm(forms.Form):
    """Whose ledger, and which of its transactions."""

    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none(), to_field_name="slug", required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *MovementKind.choices], required=False
    )
    site = SiteChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("All sites")
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)

    def __init__(
        self, *args: Any, organizations: QuerySet[Organization], sites: QuerySet[Site], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["organization"])
        field.queryset = organizations
        field.empty_label = None
        _set_queryset(self, "site", sites)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end comes before the start."))
        return cleaned


# --- Receiving -----------------------------------------------------------------------------------


def _single_organization(form: forms.Form, organizations: QuerySet[Organization]) -> None:
    """Offer ``organizations`` in the form's ``organization`` field; with only one there is no
    choice to make, so the field is hidden and may be left out."""
    field = cast(forms.ModelChoiceField, form.fields["organization"])
    field.queryset = organizations
    form._only_organization = organizations[0] if len(organizations) == 1 else None  # type: ignore[attr-defined]
    if form._only_organization is not None:  # type: ignore[attr-defined]
        field.widget = forms.HiddenInput()
        field.required = False
        field.initial = form._only_organization.pk  # type: ignore[attr-defined]


def _only_or_chosen(form: forms.Form) -> Organization:
    chosen = form.cleaned_data.get("organization") or form._only_organization  # type: ignore[attr-defined]
    if chosen is None:
        raise forms.ValidationError(_("Choose the organisation whose stock this is."))
    return cast(Organization, chosen)


class ItemCodeInput(forms.TextInput):
    """A text box for an item code with a ``<datalist>`` of the catalogue, so that browsers offer
    matching items (by name or code) while one types; works without JavaScript."""

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs)
        self.items: list[Item] = []

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}_options"
        attrs = {**(attrs or {}), "list": list_id, "autocomplete": "off"}
        options = format_html_join(
            "", '<option value="{}">{}</option>', ((item.code, item.label) for item in self.items)
        )
        return format_html(
            '{}<datalist id="{}">{}</datalist>',
            super().render(name, value, attrs, renderer),
            list_id,
            options,
        )


class ReceiveForm(forms.Form):
    """Goods arriving into an organisation's stock at a site (one lot)."""

    organization = forms.ModelChoiceField(
        label=_("Into the stock of"), queryset=Organization.objects.none(), empty_label=None
    )
    site = SiteChoiceField(label=_("Site"), queryset=Site.objects.none(), empty_label="—")
    item = forms.CharField(
        label=_("Item"),
        max_length=80,
        widget=ItemCodeInput(),
        help_text=_("Type part of the generic name or the code, and pick the item from the list."),
    )
    lot_number = forms.CharField(
        label=_("Lot number"),
        max_length=stock.LOT_NUMBER_MAX_LENGTH,
        help_text=_("As printed on the label (also called batch number)."),
    )
    expiry_date = forms.DateField(
        label=_("Expiry date"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Required for medicines and vaccines."),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=stock.MAX_QUANTITY,
        help_text=_("In units of issue of the item (tablets, vials, boxes…)."),
    )
    source = forms.ChoiceField(label=_("Source"), choices=LotSource.choices)
    donor = forms.ChoiceField(
        label=_("Donor"),
        required=False,
        help_text=_("Required for donated goods, so the donor can follow where they went."),
    )
    unit_value = forms.DecimalField(
        label=_("Value per unit"),
        min_value=0,
        max_digits=12,
        decimal_places=4,
        help_text=_("Wholesale price of the generic equivalent in the recipient country (WHO article 11)."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    manufacturer = forms.CharField(
        label=_("Manufacturer"), max_length=stock.MANUFACTURER_MAX_LENGTH, required=False
    )
    label_language = forms.ModelChoiceField(
        label=_("Language of the label"),
        queryset=Language.objects.all(),
        required=False,
        help_text=_(
            "WHO article 7: labels in a language health workers in the recipient country understand."
        ),
    )
    occurred_on = forms.DateField(label=_("Received on"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self,
        *args: Any,
        organizations: QuerySet[Organization],
        sites: QuerySet[Site],
        items: list[Item],
        **kwargs: Any,
    ):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("currency", settings.SUPPLIES_DEFAULT_CURRENCY)
        kwargs["initial"].setdefault("occurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _single_organization(self, organizations)
        _set_queryset(self, "site", sites)
        cast(ItemCodeInput, self.fields["item"].widget).items = items
        self._items = {item.code.lower(): item for item in items}
        donors = Organization.objects.annotate(
            donor_first=Case(
                When(kind=OrganizationKind.SUPPLY_DONOR, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("donor_first", "name")
        supply_donors = [(str(org.pk), org.name) for org in donors if org.donor_first == 0]  # type: ignore[attr-defined]
        others = [(str(org.pk), org.name) for org in donors if org.donor_first == 1]  # type: ignore[attr-defined]
        self._donors = {str(org.pk): org for org in donors}
        cast(forms.ChoiceField, self.fields["donor"]).choices = [
            ("", "—"),
            (_("Medical-supply donors"), supply_donors),
            (_("Other organisations"), others),
        ]

    def clean_organization(self) -> Organization:
        return _only_or_chosen(self)

    def clean_item(self) -> Item:
        code = self.cleaned_data["item"].strip()
        item = self._items.get(code.lower())
        if item is None:
            raise forms.ValidationError(
                _(
                    "No catalogue item has the code “%(code)s”. Type part of its name and pick it from the list."
                ),
                params={"code": code},
            )
        return item

    def clean_donor(self) -> Organization | None:
        value = self.cleaned_data.get("donor") or ""
        return self._donors.get(value)

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()


class ImportUploadForm(forms.Form):
    """The file of a dry run, and the organisation whose stock it is for."""

    organization = forms.ModelChoiceField(
        label=_("Into the stock of"), queryset=Organization.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("File to check"),
        help_text=_("A CSV file (UTF-8, comma or semicolon separated) or an XLSX workbook."),
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _single_organization(self, organizations)

    def clean_organization(self) -> Organization:
        return _only_or_chosen(self)


class ImportCommitForm(forms.Form):
    """The signed token of a dry run without errors: committing it receives the file."""

    token = forms.CharField(widget=forms.HiddenInput)


# --- Movements of a lot at a site ---------------------------------------------------------------


class ConsumeForm(forms.Form):
    """Units used at a site, optionally for a mission held there."""

    quantity = forms.IntegerField(label=_("Units used"), min_value=1, max_value=stock.MAX_QUANTITY)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    mission = MissionChoiceField(
        label=_("Mission"), queryset=Mission.objects.none(), required=False, empty_label=_("No mission")
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the clinic day or ward."),
    )

    def __init__(self, *args: Any, missions: QuerySet[Any], **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault("occurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _set_queryset(self, "mission", missions)


class AdjustForm(forms.Form):
    """A signed correction of the quantity on hand, with its reason code."""

    change = forms.IntegerField(
        label=_("Change on hand"),
        min_value=-stock.MAX_QUANTITY,
        max_value=stock.MAX_QUANTITY,
        help_text=_(
            "Positive to add units (found, recounted up), negative to remove them (damaged, missing…)."
        ),
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *AdjustmentReason.choices])
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the reason is “Other”."),
    )
    occurred_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault("occurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)

    def clean_change(self) -> int:
        change = int(self.cleaned_data["change"])
        if change == 0:
            raise forms.ValidationError(_("Enter how many units to add (positive) or remove (negative)."))
        return change


class WriteOffForm(forms.Form):
    """The confirmation of an expiry write-off, with an optional note."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example how the goods will be destroyed."),
    )


class HandOverForm(forms.Form):
    """Units given to the site's host, optionally as the leftovers of a mission."""

    quantity = forms.IntegerField(label=_("Units handed over"), min_value=1, max_value=stock.MAX_QUANTITY)
    mission = MissionChoiceField(
        label=_("Mission"),
        queryset=Mission.objects.none(),
        required=False,
        empty_label=_("No mission"),
        help_text=_("The mission whose leftovers these are, if any."),
    )
    occurred_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, missions: QuerySet[Any], **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault("occurred_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _set_queryset(self, "mission", missions)
