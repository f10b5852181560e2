"""Forms: the compliance report's filters (shapes only; compliance.clean_filters checks the rules)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from medmissions.volunteers.compliance import MAX_EXPIRING_DAYS

FILTER_FIELDS = ("days", "country", "start", "end")


class ComplianceFilterForm(forms.Form):
    days = forms.IntegerField(
        label=_("Expiring within (days)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_EXPIRING_DAYS}),
        help_text=_("Credentials that expire between today and this many days from now."),
    )
    country = forms.ChoiceField(
        label=_("Country served"),
        required=False,
        choices=lambda: [("", _("My organisation's country")), *list(countries)],
        help_text=_("Whose requirements people are checked against."),
    )
    start = forms.DateField(
        label=_("Serving from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Serving until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
