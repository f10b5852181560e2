"""Forms of the reports area: the report filters, setting a minimum stock level, and the
choices of the OpenBoxes exports. Forms check shapes; supplies/levels.py checks the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies.levels import MAX_MINIMUM
from medmissions.supplies.models import Item


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        site: Site = obj
        return f"{site.name} ({site.host_organization.name})"


class ItemCodeField(forms.ModelChoiceField):
    """An active catalogue item, posted as its code."""

    def label_from_instance(self, obj: Any) -> str:
        item: Item = obj
        return f"{item.label} — {_(item.unit)}"


def _organizations(form: forms.Form, organizations: QuerySet[Organization], empty_label: Any) -> None:
    field = cast(forms.ModelChoiceField, form.fields["organization"])
    field.queryset = organizations
    field.empty_label = empty_label


def _sites(form: forms.Form, sites: QuerySet[Site], name: str = "site") -> None:
    cast(forms.ModelChoiceField, form.fields[name]).queryset = sites


class ReportFilterForm(forms.Form):
    """Whose stock (one of the person's organisations, or all of them) and where."""

    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none(), to_field_name="slug", required=False
    )
    site = SiteChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("All sites")
    )

    def __init__(
        self, *args: Any, organizations: QuerySet[Organization], sites: QuerySet[Site], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        _organizations(self, organizations, _("All your organisations"))
        _sites(self, sites)


class LowStockFilterForm(ReportFilterForm):
    all = forms.BooleanField(
        label=_("Show every minimum level, met or not"), required=False, widget=forms.CheckboxInput
    )


class StockLevelForm(forms.Form):
    """Set (or change) the minimum of an item an organisation wants available at a site."""

    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none(), to_field_name="slug"
    )
    site = SiteChoiceField(label=_("Site"), queryset=Site.objects.none(), empty_label=_("Choose a site"))
    item = ItemCodeField(
        label=_("Item"), queryset=Item.objects.none(), to_field_name="code", empty_label=_("Choose an item")
    )
    minimum = forms.IntegerField(
        label=_("Minimum available"),
        min_value=1,
        max_value=MAX_MINIMUM,
        help_text=_("Units that should always be available there; below it, coordinators are alerted."),
    )

    def __init__(
        self,
        *args: Any,
        organizations: QuerySet[Organization],
        sites: QuerySet[Site],
        items: QuerySet[Item],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        _organizations(self, organizations, None)
        _sites(self, sites)
        cast(forms.ModelChoiceField, self.fields["item"]).queryset = items


class DonorForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Donor"), queryset=Organization.objects.none(), to_field_name="slug"
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _organizations(self, organizations, None)


class ExportForm(forms.Form):
    """Whose lots and stock to export, and, for the stock, at which site."""

    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none(), to_field_name="slug"
    )
    site = SiteChoiceField(label=_("Site"), queryset=Site.objects.none(), empty_label=_("Choose a site"))

    def __init__(
        self, *args: Any, organizations: QuerySet[Organization], sites: QuerySet[Site], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        _organizations(self, organizations, None)
        _sites(self, sites)
