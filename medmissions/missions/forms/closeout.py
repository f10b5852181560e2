"""Forms: the handover plan, follow-up tasks, evaluations and volunteer hours.

Forms check shapes (required, lengths, choices); the services in missions/closeout.py check the
rules, so that the HTML pages and the API answer the same.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from medmissions.missions.choices import EvaluationSide, FollowUpStatus

NO_PATIENT_DATA = _(
    "Never write patient names or identifiers (hospital numbers, dates of birth, addresses): a "
    "pseudonymous reference the host can match in its own records at most."
)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class HandoverPlanForm(forms.Form):
    local_lead = forms.CharField(
        label=_("Local lead"),
        max_length=200,
        help_text=_("The host staff member who leads what continues after the team leaves."),
    )
    referral_pathways = forms.CharField(
        label=_("Referral pathways"),
        widget=_text(),
        help_text=_("Where patients seen by the team go for follow-up, complications and further care."),
    )
    medicines_left = forms.CharField(
        label=_("Medicines left with the host"),
        required=False,
        widget=_text(3),
        help_text=_("Names (INN), quantities and expiry dates."),
    )
    equipment_left = forms.CharField(label=_("Equipment left with the host"), required=False, widget=_text(3))


class FollowUpForm(forms.Form):
    """A new follow-up task for host staff."""

    description = forms.CharField(label=_("Task"), widget=_text(3), help_text=NO_PATIENT_DATA)
    assignee = forms.CharField(
        label=_("Host staff member"),
        max_length=200,
        help_text=_("Name and position; host staff need no account."),
    )
    due_on = forms.DateField(label=_("Due on"), widget=_date_input())
    notify_host = forms.BooleanField(
        label=_("Email the host's admins about this task"), required=False, initial=True
    )

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("description", "assignee", "due_on")}


class FollowUpUpdateForm(forms.Form):
    """Coordinators edit the whole task (``full``); host staff record its status and outcome."""

    description = forms.CharField(label=_("Task"), widget=_text(3), help_text=NO_PATIENT_DATA)
    assignee = forms.CharField(label=_("Host staff member"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=_date_input())
    status = forms.ChoiceField(label=_("Status"), choices=FollowUpStatus.choices)
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        widget=_text(3),
        help_text=_("Required once the task is done or cancelled. No patient names or identifiers."),
    )

    def __init__(self, *args: Any, full: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not full:
            for name in ("description", "assignee", "due_on"):
                del self.fields[name]


class EvaluationForm(forms.Form):
    side = forms.ChoiceField(label=_("Evaluating for"), choices=EvaluationSide.choices)
    what_went_well = forms.CharField(label=_("What went well"), widget=_text(5))
    what_to_change = forms.CharField(label=_("What to change next time"), widget=_text(5))
    overall_score = forms.TypedChoiceField(
        label=_("Overall (1–5)"),
        coerce=int,
        choices=[
            (1, _("1 — poor")),
            (2, "2"),
            (3, "3"),
            (4, "4"),
            (5, _("5 — excellent")),
        ],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, sides: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["side"]
        field.choices = [(value, label) for value, label in EvaluationSide.choices if value in sides]  # type: ignore[attr-defined]
        if len(sides) == 1:
            field.initial = sides[0]
            field.widget = forms.HiddenInput()

    def service_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in ("what_went_well", "what_to_change", "overall_score")
        }


class HoursForm(forms.Form):
    hours = forms.DecimalField(
        label=_("Hours served"),
        max_digits=6,
        decimal_places=1,
        help_text=_("One decimal place at most, e.g. 37.5; at most 24 hours a day of the assignment."),
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0.1"}),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=_text(2))


class ReopenHoursForm(forms.Form):
    reason = forms.CharField(label=_("Why re-open them?"), required=False, max_length=1000)
