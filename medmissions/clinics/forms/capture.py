"""Forms of the capture area: the day being captured (site and date), one consultation (recorded
or corrected) and the reason for deleting one.

Forms check shapes only (choices offered, lengths, numbers); clinics/capture.py checks the rules
of the Minimum Data Set (one sex code, one age group given or derived, nothing obstetric under 5,
duplicate references), so that the pages and the API answer the same. Every field is optional
here for that reason: a missing age group or sex code is the service's error, with its message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medmissions.clinics import mds
from medmissions.clinics.capture import NOTE_LENGTH
from medmissions.clinics.choices import AgeGroup, AgeUnit, SexCode
from medmissions.sites.models import Site

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The five MDS age groups a consultation is captured with (the legacy "5 and over, band unknown"
# only arrives in imported files).
CAPTURE_AGE_GROUPS = [(value, label) for value, label in AgeGroup.choices if value != 0]
# An age beyond any person's, in months (the largest unit-less number the form accepts).
MAX_AGE = 1600


def _site_choices(sites: Iterable[Site]) -> list[tuple[int, str]]:
    return [(site.pk, site.name) for site in sites]


class DayForm(forms.Form):
    """Which of the team's sites and which day the consultations are recorded for."""

    site = forms.TypedChoiceField(label=_("Site"), coerce=int, choices=())
    date = forms.DateField(label=_("Date of activity"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, sites: Iterable[Site], **kwargs: Any) -> None:
        # Its own ids: the consultation form below carries the same names as hidden fields.
        kwargs.setdefault("auto_id", "day-%s")
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["site"]).choices = _site_choices(sites)


class ConsultationForm(forms.Form):
    """One consultation. On the capture page it carries the day (hidden: chosen above the form)
    and the device's client id; when correcting, the site, day and reference stay as they are."""

    site = forms.TypedChoiceField(coerce=int, choices=(), widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.HiddenInput)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    age_group = forms.TypedChoiceField(
        label=_("Age group"),
        choices=CAPTURE_AGE_GROUPS,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    age = forms.IntegerField(label=_("or the age"), min_value=0, max_value=MAX_AGE, required=False)
    age_unit = forms.ChoiceField(
        label=_("in"), choices=[(AgeUnit.YEARS, _("years")), (AgeUnit.MONTHS, _("months"))], required=False
    )
    sex = forms.TypedChoiceField(
        label=_("Sex and pregnancy"),
        choices=SexCode.choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    items = forms.TypedMultipleChoiceField(
        label=pgettext_lazy("MDS items", "Items"),
        coerce=int,
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reference = forms.CharField(
        label=_("Consultation reference"),
        max_length=40,
        required=False,
        help_text=_("Leave empty to number it automatically, or type the number on the paper form."),
    )
    patient_reference = forms.CharField(
        label=_("Pseudonymous patient reference"),
        max_length=40,
        required=False,
        help_text=_("Only to find the patient again for follow-up. Never a name or an identity number."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("No names or other details that identify the patient."),
    )

    def __init__(
        self,
        *args: Any,
        items: Iterable[int],
        sites: Iterable[Site] | None = None,
        **kwargs: Any,
    ) -> None:
        """``items``: the tick items offered (4–50, without unused context slots and, when
        correcting for someone who may not see them, without restricted items); ``sites``: the
        team's sites when capturing, None when correcting (the site and day stay)."""
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["items"]).choices = [
            (number, str(number)) for number in items
        ]
        if sites is None:
            for name in ("site", "date", "client_id", "reference"):
                del self.fields[name]
        else:
            cast(forms.TypedChoiceField, self.fields["site"]).choices = _site_choices(sites)
        self.fields["age_unit"].initial = AgeUnit.YEARS

    def checked_items(self) -> set[int]:
        """The items ticked as the form shows them (posted values, or the initial ones)."""
        value = self["items"].value() or []
        checked = set()
        for raw in value:
            try:
                checked.add(int(raw))
            except (TypeError, ValueError):
                continue
        return checked

    def chosen(self, name: str) -> int | None:
        """The age group or sex code the form shows as chosen."""
        try:
            return int(self[name].value())
        except (TypeError, ValueError):
            return None

    def service_data(self) -> dict[str, Any]:
        """The consultation as clinics/capture.py takes it."""
        data = self.cleaned_data
        age = data.get("age")
        service: dict[str, Any] = {
            "age_group": data.get("age_group"),
            "age": age,
            # A unit without an age is no age at all (the unit list always sends one).
            "age_unit": (data.get("age_unit") or AgeUnit.YEARS) if age is not None else "",
            "sex": data.get("sex"),
            "items": sorted(data.get("items") or []),
            "patient_reference": data.get("patient_reference", ""),
            "note": data.get("note", ""),
        }
        if "site" in self.fields:
            service.update(
                site=data.get("site"),
                date=data.get("date"),
                reference=data.get("reference", ""),
                client_id=data.get("client_id"),
            )
        return service


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Why delete it?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example “recorded twice” or “wrong site”. Kept in the audit trail."),
    )


def tick_items(used_slots: Iterable[int], *, restricted: bool = True, keep: Iterable[int] = ()) -> list[int]:
    """The tick items (4–50) a form offers: context slots only when the response uses them,
    restricted items only when ``restricted``; ``keep`` are offered whatever (already ticked)."""
    used = set(used_slots)
    kept = set(keep)
    return [
        number
        for number in mds.TICK_ITEMS
        if number in kept
        or (
            (number not in mds.CONTEXT_SLOTS or number in used)
            and (restricted or number not in mds.RESTRICTED)
        )
    ]
