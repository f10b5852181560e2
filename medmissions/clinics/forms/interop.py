"""Forms of the interop area: a response's DHIS2 codes and the dates of a DHIS2 export.

Forms check shapes (lengths); clinics/dhis2.py checks the rules (known keys, codes that would
merge figures), so that the page and the API answer the same.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from medmissions.clinics import dhis2
from medmissions.core.errors import DomainError, apply_to_form

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Form field prefix of each section of the mapping (``de_4``, ``coc_lt1_male``, ``ou_12``, ``aoc_3``).
PREFIXES = {
    "data_elements": "de",
    "category_option_combos": "coc",
    "org_units": "ou",
    "attribute_option_combos": "aoc",
}


def _code_field(label: str, default: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=dhis2.CODE_LENGTH,
        required=False,
        strip=True,
        widget=forms.TextInput(
            attrs={"placeholder": default, "autocomplete": "off", "spellcheck": "false", "class": "code"}
        ),
    )


class Dhis2MappingForm(forms.Form):
    """One text field per data element, category option combo, site and team; a blank field
    takes the default code shown as its placeholder (a site has no default: blank is unmapped)."""

    data_set = forms.CharField(
        label=_("Data set code"),
        max_length=dhis2.CODE_LENGTH,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": dhis2.DEFAULT_DATA_SET, "class": "code"}),
    )

    def __init__(self, *args: Any, layout: dhis2.Layout, **kwargs: Any):
        self.layout = layout
        kwargs["initial"] = {"data_set": layout.data_set}
        super().__init__(*args, **kwargs)
        self.fields["data_set"].help_text = gettext("Blank: %(code)s.") % {"code": dhis2.DEFAULT_DATA_SET}
        for section, prefix in PREFIXES.items():
            for entry in getattr(layout, section):
                name = f"{prefix}_{entry.key}"
                self.fields[name] = _code_field(entry.label, entry.default)
                self.initial[name] = entry.code

    def rows(self, section: str) -> list[tuple[dhis2.Entry, forms.BoundField]]:
        prefix = PREFIXES[section]
        return [(entry, self[f"{prefix}_{entry.key}"]) for entry in getattr(self.layout, section)]

    def service_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"data_set": self.cleaned_data["data_set"]}
        for section, prefix in PREFIXES.items():
            data[section] = {
                entry.key: self.cleaned_data.get(f"{prefix}_{entry.key}", "")
                for entry in getattr(self.layout, section)
            }
        return data

    def apply_error(self, error: DomainError) -> None:
        """Place the service's ``<section>.<key>`` field errors on this form's fields."""
        renamed = {}
        for path, message in error.fields.items():
            section, _dot, key = path.partition(".")
            renamed[f"{PREFIXES[section]}_{key}" if section in PREFIXES and key else path] = message
        error.fields = renamed
        apply_to_form(self, error)


class ExportPeriodForm(forms.Form):
    """The days of a response's DHIS2 export (submitted reports only)."""

    start = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    end = forms.DateField(label=_("To"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, start: datetime.date, end: datetime.date, **kwargs: Any):
        kwargs["initial"] = {"start": start, "end": end}
        super().__init__(*args, **kwargs)
