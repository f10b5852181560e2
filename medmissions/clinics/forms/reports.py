"""Forms of the daily reports area: opening a day, the issues of items 51–65 with their comments,
and submission with the reasons it may need.

Forms check shapes (choices offered, lengths); clinics/reports.py checks the rules (a flagged
item needs a comment, warnings need a reason, a correction needs its reason), so that the pages
and the API answer the same.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from medmissions.clinics import mds
from medmissions.clinics.models import Team
from medmissions.clinics.reports import COMMENT_LENGTH, REASON_LENGTH
from medmissions.core.errors import DomainError

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class OpenDayForm(forms.Form):
    """A site of the team and a day: the report is opened even if nobody came."""

    site = SiteChoiceField(label=_("Site"), queryset=None, empty_label=None)
    date = forms.DateField(label=_("Date of activity"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, team: Team, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = team.sites.order_by("name")


def flag_name(number: int) -> str:
    return f"flagged_{number}"


def comment_name(number: int) -> str:
    return f"comment_{number}"


class IssuesForm(forms.Form):
    """A flag and a comment for each of items 51–65 (``flagged_51``, ``comment_51`` …)."""

    def __init__(self, *args: Any, labels: dict[int, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for number in mds.ISSUE_ITEMS:
            label = (labels or {}).get(number) or str(mds.ITEMS[number].label)
            self.fields[flag_name(number)] = forms.BooleanField(
                label=_("%(number)s. %(label)s") % {"number": number, "label": label}, required=False
            )
            self.fields[comment_name(number)] = forms.CharField(
                label=_("Comment on item %(number)s") % {"number": number},
                required=False,
                max_length=COMMENT_LENGTH,
                # One line per item keeps the fifteen items on one screen; a comment may still be long.
                widget=forms.TextInput(),
            )

    @classmethod
    def initial_from(cls, issues: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for number in mds.ISSUE_ITEMS:
            value = issues.get(str(number)) or {}
            initial[flag_name(number)] = bool(value.get("flagged"))
            initial[comment_name(number)] = value.get("comment", "")
        return initial

    def groups(self) -> list[tuple[str, list[tuple[int, Any, Any]]]]:
        """(group title, [(item number, flag field, comment field)]) in the form's order."""
        return [
            (
                str(mds.GROUP_LABELS[group]),
                [
                    (item.number, self[flag_name(item.number)], self[comment_name(item.number)])
                    for item in items
                ],
            )
            for group, items in mds.issue_groups()
        ]

    def service_data(self) -> dict[int, dict[str, Any]]:
        return {
            number: {
                "flagged": self.cleaned_data[flag_name(number)],
                "comment": self.cleaned_data[comment_name(number)],
            }
            for number in mds.ISSUE_ITEMS
        }

    def apply_error(self, error: DomainError) -> None:
        """The service names an item's problem ``issue_<n>``: show it on that item's comment."""
        placed = False
        for name, text in error.fields.items():
            number = name.removeprefix("issue_")
            if number.isdigit() and comment_name(int(number)) in self.fields:
                self.add_error(comment_name(int(number)), text)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class SubmitForm(forms.Form):
    """Why the warnings are acceptable (only when there are warnings) and, for a correction, why
    it was made."""

    warnings_reason = forms.CharField(
        label=_("Why the report can be submitted with these warnings"),
        required=False,
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The coordination cell reads this with the warnings."),
    )
    correction_reason = forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The coordination cell sees it with the changes from the previous version."),
    )

    def __init__(self, *args: Any, warnings: bool, correcting: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not warnings:
            del self.fields["warnings_reason"]
        if not correcting:
            del self.fields["correction_reason"]

    def service_data(self) -> dict[str, str]:
        return {
            "warnings_reason": self.cleaned_data.get("warnings_reason", ""),
            "correction_reason": self.cleaned_data.get("correction_reason", ""),
        }
