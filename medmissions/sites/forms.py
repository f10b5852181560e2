from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from medmissions.core.models import Language
from medmissions.sites.models import SiteKind


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *SiteKind.choices])
    country = forms.ChoiceField(label=_("Country"), choices=lambda: [("", "—"), *list(countries)])
    admin_level_1 = forms.CharField(
        label=_("Region or province (admin level 1)"), max_length=120, required=False
    )
    admin_level_2 = forms.CharField(label=_("District (admin level 2)"), max_length=120, required=False)
    town = forms.CharField(label=_("Town or village"), max_length=120, required=False)
    # Coordinates are validated by the service (range and both-or-neither) so the API says the same.
    latitude = forms.CharField(
        label=_("Latitude"), required=False, help_text=_("Decimal degrees, -90 to 90, e.g. 0.3476.")
    )
    longitude = forms.CharField(
        label=_("Longitude"), required=False, help_text=_("Decimal degrees, -180 to 180, e.g. 32.5825.")
    )
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages spoken"),
        queryset=Language.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    culture_guidance = forms.CharField(label=_("Culture"), widget=forms.Textarea, required=False)
    customs_guidance = forms.CharField(
        label=_("Customs and etiquette"), widget=forms.Textarea, required=False
    )
    security_guidance = forms.CharField(
        label=_("Security"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Visible to the host and its partners only."),
    )


class SiteFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *SiteKind.choices], required=False
    )
    country = forms.ChoiceField(
        label=_("Country"), choices=lambda: [("", _("Any country")), *list(countries)], required=False
    )
