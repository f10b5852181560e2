"""Forms of the eDATA area: the file of an import's dry run, the token that commits it, and the
period of a team's eDATA download.

Forms check shapes only; clinics/edata.py checks the file and the period, so that the pages and
the API answer the same.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("eDATA file to check"),
        help_text=_("A CSV file in UTF-8, separated by commas or semicolons (WHO 1.0 or JPN1.00 layout)."),
    )


class ImportCommitForm(forms.Form):
    """The signed token of a dry run without errors: committing it imports the file."""

    token = forms.CharField(widget=forms.HiddenInput)


class PeriodForm(forms.Form):
    """The days of a team's eDATA download (sent by GET to ``clinics:team_csv``)."""

    start = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)
