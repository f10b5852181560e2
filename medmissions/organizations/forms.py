from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from medmissions.core.models import Language
from medmissions.organizations.choices import OrganizationKind, Role
from medmissions.organizations.models import Capability, ValueTag


def _country_choices(blank_label):
    return [("", blank_label), *list(countries)]


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *OrganizationKind.choices])
    country = forms.ChoiceField(label=_("Country"), choices=lambda: _country_choices("—"))
    area = forms.CharField(
        label=_("Sub-national area"),
        max_length=120,
        required=False,
        help_text=_("Region, province, state or district."),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    values_statement = forms.CharField(
        label=_("Values statement"),
        widget=forms.Textarea,
        required=False,
        help_text=_("What your organisation stands for in partnership work."),
    )
    value_tags = forms.ModelMultipleChoiceField(
        label=_("Value tags"),
        queryset=ValueTag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capabilities = forms.ModelMultipleChoiceField(
        label=_("Capabilities and services"),
        queryset=Capability.objects.select_related("parent"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    languages = forms.ModelMultipleChoiceField(
        label=_("Working languages"),
        queryset=Language.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    logo = forms.FileField(label=_("Logo"), required=False, help_text=_("PNG, JPEG or WebP, at most 2 MB."))
    clear_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        clear = data.pop("clear_logo", False)
        if clear:
            data["logo"] = False
        return data


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, description, values…")}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *OrganizationKind.choices], required=False
    )
    country = forms.ChoiceField(
        label=_("Country"), choices=lambda: _country_choices(_("Any country")), required=False
    )
    capabilities = forms.ModelMultipleChoiceField(
        label=_("Capabilities"), queryset=Capability.objects.select_related("parent"), required=False
    )
    value_tags = forms.ModelMultipleChoiceField(
        label=_("Value tags"), queryset=ValueTag.objects.all(), required=False
    )
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages"), queryset=Language.objects.all(), required=False
    )
    verified = forms.BooleanField(label=_("Verified organisations only"), required=False)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
