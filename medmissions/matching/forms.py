"""Forms of the matching app: starting a run, adjusting it, accepting it, and the weights."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from medmissions.matching.models import DEFAULT_WEIGHTS, MatchingWeights
from medmissions.matching.services import MAX_WEIGHT
from medmissions.missions.models import Mission
from medmissions.organizations.models import Organization


class MissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        mission: Mission = obj
        return _("%(title)s — %(site)s, %(start)s to %(end)s (%(status)s)") % {
            "title": mission.title,
            "site": mission.site.name,
            "start": date_format(mission.starts_on, "j M Y"),
            "end": date_format(mission.ends_on, "j M Y"),
            "status": mission.get_status_display(),
        }


class RunForm(forms.Form):
    """Which organisation runs the optimiser, over which of its recruiting and ready missions."""

    organization = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Organization.objects.none(), empty_label=None
    )
    missions = MissionChoiceField(
        label=_("Missions"),
        queryset=Mission.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Recruiting and ready missions of your organisations' partnerships."),
    )

    def __init__(self, *args: Any, organizations: Any, missions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = organizations
        cast(forms.ModelMultipleChoiceField, self.fields["missions"]).queryset = missions


def _pair(value: str) -> tuple[int, int] | None:
    person, _sep, role = value.partition(":")
    try:
        return int(person), int(role)
    except ValueError:
        return None


class AdjustForm(forms.Form):
    """Pins and exclusions for a re-run, as "person:role" values (person ids for whole-run exclusions)."""

    pin = forms.MultipleChoiceField(required=False)
    exclude = forms.MultipleChoiceField(required=False)
    exclude_person = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: Any, pairs: list[tuple[int, int]], people: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(f"{person}:{role}", f"{person}:{role}") for person, role in pairs]
        cast(forms.ChoiceField, self.fields["pin"]).choices = choices
        cast(forms.ChoiceField, self.fields["exclude"]).choices = choices
        cast(forms.ChoiceField, self.fields["exclude_person"]).choices = [
            (str(person), str(person)) for person in people
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        pins = {_pair(value) for value in cleaned.get("pin", [])} - {None}
        exclusions = {_pair(value) for value in cleaned.get("exclude", [])} - {None}
        both = pins & exclusions
        if both:
            raise forms.ValidationError(
                _("A person cannot be both pinned to and excluded from the same role.")
            )
        cleaned["pins"] = sorted(pins)
        cleaned["exclusions"] = sorted(exclusions)
        cleaned["excluded_people"] = sorted({int(value) for value in cleaned.get("exclude_person", [])})
        return cleaned


class AcceptForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the people placed (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Added to the emails: acceptance for applicants, invitation for everyone else."),
    )


class WeightsForm(forms.ModelForm):
    class Meta:
        model = MatchingWeights
        fields = list(DEFAULT_WEIGHTS)
        widgets = {
            name: forms.NumberInput(attrs={"min": 0, "max": MAX_WEIGHT, "step": 1})
            for name in DEFAULT_WEIGHTS
        }
