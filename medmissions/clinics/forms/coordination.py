"""Forms of the coordination area: a response, its item labels (items 19–22 and one item's
replacement label), a team opened for a mission or registered by the coordination cell, and the
date range of the coordination view and the periodic reports.

Forms check shapes (required fields, lengths, the choices offered to this person); the services
in clinics/responses.py check the rules, so that the pages and the API answer the same.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from medmissions.accounts.models import User, time_zone_choices
from medmissions.clinics import mds
from medmissions.clinics.choices import ResponseStatus
from medmissions.clinics.models import ItemLabel, Response
from medmissions.clinics.responses import LABEL_LENGTH
from medmissions.missions.choices import TeamType
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The longest range a periodic report or the coordination view covers: a year of daily reports.
MAX_PERIOD_DAYS = 366
ICD_LENGTH = 20


def _set_queryset(form: forms.Form, name: str, queryset: Any) -> None:
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


class SiteChoiceField(forms.ModelMultipleChoiceField):
    """Sites named with their host and administrative areas (the coordination view groups by them)."""

    def label_from_instance(self, obj: Any) -> str:
        site: Site = obj
        areas = ", ".join(part for part in (site.admin_level_2, site.admin_level_1) if part)
        label = f"{site.name} ({site.host_organization.name})"
        return f"{label} — {areas}" if areas else label


class ResponseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        response: Response = obj
        return _("%(name)s — coordinated by %(organization)s") % {
            "name": response.name,
            "organization": response.coordinating_organization.name,
        }


class LeadChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.email


# Responses ----------------------------------------------------------------------------------------


class ResponseForm(forms.Form):
    """A response's fields; the coordinating organisation only when creating, the status only when
    changing."""

    organization = forms.ModelChoiceField(
        label=_("Coordinated by"),
        queryset=Organization.objects.none(),
        empty_label=None,
        help_text=_("The health authority or coordination cell that receives the teams' daily reports."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=lambda: [("", "—"), *list(countries)])
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE_WIDGET, required=False)
    time_zone = forms.ChoiceField(
        label=_("Local time zone"),
        choices=time_zone_choices,
        initial="UTC",
        required=False,
        help_text=_("Teams without a mission report the day as it is here."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=ResponseStatus.choices,
        help_text=_("Teams join active responses only."),
    )

    def __init__(self, *args: Any, organizations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["organization"]
        else:
            _set_queryset(self, "organization", organizations)
            del self.fields["status"]

    def service_data(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "organization"}


class SlotLabelForm(forms.Form):
    """The label of one context-specific item (19–22) in a response."""

    label = forms.CharField(label=_("Label"), max_length=LABEL_LENGTH, required=False)
    icd_code = forms.CharField(label=_("ICD-10 or ICD-11 code"), max_length=ICD_LENGTH, required=False)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    effective_from = forms.DateField(label=_("In use from"), widget=DATE_WIDGET, required=False)

    def __init__(self, *args: Any, number: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"item-{number}")
        super().__init__(*args, **kwargs)
        self.number = number


class OverrideLabelForm(SlotLabelForm):
    """Another item's replacement label (the item keeps its number and its reporting rules)."""

    item = forms.TypedChoiceField(label=_("Item"), coerce=int, empty_value=None, required=False)

    field_order = ["item", "label", "icd_code", "active", "effective_from"]

    def __init__(self, *args: Any, prefix: str, **kwargs: Any) -> None:
        super().__init__(*args, number=0, prefix=prefix, **kwargs)
        cast(forms.TypedChoiceField, self.fields["item"]).choices = [
            ("", "—"),
            *[
                (number, f"{number}. {mds.ITEMS[number].label}")
                for number in mds.TICK_ITEMS
                if number not in mds.CONTEXT_SLOTS
            ],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("label") and data.get("item") is None and "item" not in self.errors:
            self.add_error("item", _("Choose the item whose label is replaced."))
        return data


class ItemLabelsForm:
    """The four context-specific items and the replacement labels of other items, edited together:
    the service replaces all of a response's labels at once."""

    EXTRA_OVERRIDES = 1

    def __init__(self, data: Any = None, *, labels: list[ItemLabel]) -> None:
        existing = {label.item: label for label in labels}

        def initial(label: ItemLabel | None) -> dict[str, Any]:
            if label is None:
                return {"active": True}
            return {
                "item": label.item,
                "label": label.label,
                "icd_code": label.icd_code,
                "active": label.active,
                "effective_from": label.effective_from,
            }

        self.is_bound = data is not None
        self.slots = [
            SlotLabelForm(data, number=number, initial=initial(existing.get(number)))
            for number in mds.CONTEXT_SLOTS
        ]
        overrides = [label for number, label in sorted(existing.items()) if number not in mds.CONTEXT_SLOTS]
        count = len(overrides) + self.EXTRA_OVERRIDES
        if data is not None:
            # Read as many rows as the page drew (it says how many), even if someone else changed
            # the labels in the meantime; never more rows than there are items.
            drawn = str(data.get("overrides", "")).strip()
            count = int(drawn) if drawn.isdigit() else count
        self.override_count = min(count, len(mds.TICK_ITEMS))
        self.overrides = [
            OverrideLabelForm(
                data,
                prefix=f"override-{index}",
                initial=initial(overrides[index] if index < len(overrides) else None),
            )
            for index in range(self.override_count)
        ]
        self.non_field_errors: list[str] = []

    def is_valid(self) -> bool:
        valid = all(form.is_valid() for form in [*self.slots, *self.overrides])
        if not valid:
            return False
        chosen: dict[int, OverrideLabelForm] = {}
        for form in self.overrides:
            number = form.cleaned_data.get("item")
            if number is None:
                continue
            if number in chosen:
                form.add_error("item", _("This item already has a replacement label above."))
                return False
            chosen[number] = form
        return True

    def labels(self) -> dict[int, dict[str, Any]]:
        """What ``responses.set_item_labels`` takes; rows left blank are dropped (removing a label)."""
        values: dict[int, dict[str, Any]] = {}
        for form in self.slots:
            values[form.number] = self._values(form)
        for form in self.overrides:
            number = form.cleaned_data.get("item")
            if number is not None:
                values[number] = self._values(form)
        return {number: value for number, value in values.items() if value["label"]}

    @staticmethod
    def _values(form: forms.Form) -> dict[str, Any]:
        return {
            "label": form.cleaned_data.get("label", ""),
            "icd_code": form.cleaned_data.get("icd_code", ""),
            "active": form.cleaned_data.get("active", False),
            "effective_from": form.cleaned_data.get("effective_from"),
        }

    def apply_error(self, fields: dict[str, str], message: str) -> None:
        """Place a service's field errors (``item_19``, ``item_19_icd``, ``item_19_from``) on the
        rows they concern; anything else goes on top of the form."""
        rows: dict[int, forms.Form] = {slot.number: slot for slot in self.slots}
        for override in self.overrides:
            number = override.cleaned_data.get("item") if hasattr(override, "cleaned_data") else None
            if number is not None:
                rows[number] = override
        placed = False
        for key, text in fields.items():
            name, _separator, suffix = key.removeprefix("item_").partition("_")
            row = rows.get(int(name)) if name.isdigit() else None
            field = {"": "label", "icd": "icd_code", "from": "effective_from"}.get(suffix)
            if row is not None and field is not None:
                row.add_error(field, text)
                placed = True
        if not placed:
            self.non_field_errors.append(message)

    @property
    def errors(self) -> bool:
        return bool(self.non_field_errors) or any(form.errors for form in [*self.slots, *self.overrides])


# Teams --------------------------------------------------------------------------------------------


class TeamForm(forms.Form):
    """A team's fields. Which are shown depends on the page: opening a mission's team offers the
    active responses of the mission's country; registering a team for a response asks for its
    organisation; changing a team offers both."""

    name = forms.CharField(label=_("Team name"), max_length=200)
    organization_name = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        help_text=_("The organisation the team belongs to, as it appears on the daily report."),
    )
    emt_type = forms.ChoiceField(
        label=_("Team type"),
        choices=[choice for choice in TeamType.choices if choice[0] != TeamType.NOT_EMERGENCY],
        initial=TeamType.TYPE_1_FIXED,
    )
    response = ResponseChoiceField(
        label=_("Reports to the response"),
        queryset=Response.objects.none(),
        required=False,
        empty_label=_("No response: the host receives the reports"),
        help_text=_("Active responses in the mission's country; their coordinators see the team's reports."),
    )
    lead = LeadChoiceField(
        label=_("Team lead"),
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("Submits the daily reports and, with the health authority, sees restricted items."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=60, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    departs_on = forms.DateField(label=_("Estimated departure"), widget=DATE_WIDGET, required=False)
    working_hours = forms.CharField(
        label=_("Working hours"), max_length=60, required=False, help_text=_("For example 08:00–17:00.")
    )
    sites = SiteChoiceField(
        label=_("Facilities and sites"),
        queryset=Site.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Where the team works; it reports one daily report per site and day."),
    )

    def __init__(
        self,
        *args: Any,
        leads: Any,
        sites: Any,
        responses: Any = None,
        ask_organization: bool = True,
        require_sites: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "lead", leads)
        _set_queryset(self, "sites", sites)
        if responses is None:
            del self.fields["response"]
        else:
            _set_queryset(self, "response", responses)
        if not ask_organization:
            del self.fields["organization_name"]
        self.fields["sites"].required = require_sites

    def service_data(self) -> dict[str, Any]:
        """The team's fields for the services; the sites travel separately."""
        return {name: value for name, value in self.cleaned_data.items() if name != "sites"}


# Date ranges --------------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    """The days a coordination view or periodic report covers (both ends included)."""

    start = forms.DateField(label=_("From"), widget=DATE_WIDGET, required=False)
    end = forms.DateField(label=_("To"), widget=DATE_WIDGET, required=False)
    submitted_only = forms.BooleanField(
        label=_("Submitted reports only"),
        required=False,
        help_text=_("Leave it unticked to include the days still being recorded."),
    )

    def __init__(
        self,
        *args: Any,
        default_days: int,
        today: datetime.date,
        offer_submitted_only: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault(
            "initial", {"start": today - datetime.timedelta(days=default_days - 1), "end": today}
        )
        super().__init__(*args, **kwargs)
        self.today = today
        self.default_days = default_days
        if not offer_submitted_only:
            del self.fields["submitted_only"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or self.today
        start = data.get("start") or end - datetime.timedelta(days=self.default_days - 1)
        if start > end:
            self.add_error("end", _("The end of the period cannot be before its start."))
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            self.add_error("start", _("A period covers at most %(days)s days.") % {"days": MAX_PERIOD_DAYS})
        data["start"], data["end"] = start, end
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The valid range asked for, or the default one (the last days up to today)."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.today - datetime.timedelta(days=self.default_days - 1), self.today
