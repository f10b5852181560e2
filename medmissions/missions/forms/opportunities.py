"""Forms: opportunity search, applying, reviewing applications and saved searches.

Forms check shapes (lengths, choices, dates); the rules live in missions.discovery and
missions.applications, so the API gives the same answers.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from medmissions.core.models import Language
from medmissions.missions.choices import ApplicationStatus
from medmissions.missions.discovery import MAX_DURATION_DAYS, MAX_TEXT_LENGTH
from medmissions.missions.regions import WhoRegion
from medmissions.organizations.models import ValueTag
from medmissions.volunteers.models import Person
from medmissions.volunteers.services import specialty_tree

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MOTIVATION_MAX_LENGTH = 5000
MESSAGE_MAX_LENGTH = 5000


def _specialty_choices() -> list[tuple[Any, Any]]:
    """Codes as values (links and saved searches carry codes), grouped by profession, full paths."""
    groups: list[tuple[Any, Any]] = []
    for node in specialty_tree():
        if node.depth == 0:
            groups.append((str(node.specialty), []))
        groups[-1][1].append((node.specialty.slug, node.path))
    return [("", _("Any specialty")), *groups]


class OpportunitySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=MAX_TEXT_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title, place, organisation…")}),
    )
    specialty = forms.ChoiceField(
        label=_("Specialty"),
        required=False,
        help_text=_("Roles for this specialty, a broader one or a narrower one."),
    )
    country = forms.ChoiceField(
        label=_("Country"), choices=lambda: [("", _("Any country")), *list(countries)], required=False
    )
    region = forms.ChoiceField(
        label=_("WHO region"), choices=[("", _("Any region")), *WhoRegion.choices], required=False
    )
    available_from = forms.DateField(label=_("Available from"), required=False, widget=DATE_WIDGET)
    available_until = forms.DateField(label=_("Available until"), required=False, widget=DATE_WIDGET)
    min_days = forms.IntegerField(
        label=_("At least (days)"), min_value=1, max_value=MAX_DURATION_DAYS, required=False
    )
    max_days = forms.IntegerField(
        label=_("At most (days)"), min_value=1, max_value=MAX_DURATION_DAYS, required=False
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    value_tags = forms.MultipleChoiceField(
        label=_("Organisation values"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Missions where a partner organisation holds any of these values."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("specialty", _specialty_choices())
        self._choices(
            "language",
            [
                ("", _("Any language")),
                *((language.code, str(language)) for language in Language.objects.all()),
            ],
        )
        self._choices("value_tags", [(tag.slug, str(tag)) for tag in ValueTag.objects.all()])

    def _choices(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filter_data(self) -> dict[str, Any]:
        """The cleaned filters as discovery.clean_filters takes them (codes and dates)."""
        return {name: self.cleaned_data.get(name) for name in self.fields}


class ApplyForm(forms.Form):
    motivation = forms.CharField(
        label=_("Why you, for this role"),
        max_length=MOTIVATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Your experience of similar work, what you would bring, and what you hope to learn."),
    )


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", pgettext_lazy("application status filter", "All")), *ApplicationStatus.choices],
        required=False,
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ApplicationStatus.SHORTLISTED, pgettext_lazy("review decision", "Shortlist")),
            (ApplicationStatus.WAITLISTED, pgettext_lazy("review decision", "Waitlist")),
            (ApplicationStatus.DECLINED, pgettext_lazy("review decision", "Decline")),
        ],
    )
    message = forms.CharField(
        label=_("Message to the applicant"),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Emailed with the decision."),
    )


class AcceptForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the applicant"),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Emailed with the acceptance."),
    )
    supervisor = forms.TypedChoiceField(
        label=_("Supervisor"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Someone already on the team who is not a trainee. Trainees need one."),
    )

    def __init__(self, *args: Any, supervisors: list[Person] | None = None, **kwargs: Any) -> None:
        # A list, not a queryset: the applications page shows one form per applicant and a
        # queryset would be read again for each of them.
        super().__init__(*args, **kwargs)
        self.supervisors = {person.pk: person for person in supervisors or []}
        field = self.fields["supervisor"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("", _("No supervisor")),
            *((str(person.pk), person.full_name) for person in self.supervisors.values()),
        ]

    def chosen_supervisor(self) -> Person | None:
        pk = self.cleaned_data.get("supervisor")
        return self.supervisors.get(pk) if pk is not None else None


class SavedSearchForm(forms.Form):
    name = forms.CharField(
        label=_("Name this search"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Surgery in East Africa")}),
    )
    email_alerts = forms.BooleanField(label=_("Email me new matches"), required=False, initial=True)
