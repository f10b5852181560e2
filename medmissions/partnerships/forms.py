from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from medmissions.organizations.models import Capability, Organization
from medmissions.partnerships.choices import ActionItemStatus, PartnershipStatus, PartyRole, Principle


class DateInput(forms.DateInput):
    input_type = "date"


class PartnershipForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    shared_goals = forms.CharField(label=_("Shared goals"), widget=forms.Textarea)
    focus_areas = forms.ModelMultipleChoiceField(
        label=_("Focus areas"),
        queryset=Capability.objects.select_related("parent"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput)
    next_review_date = forms.DateField(label=_("Next review date"), required=False, widget=DateInput)
    is_public = forms.BooleanField(
        label=_("Public: visible to everyone signed in, not only the parties"), required=False
    )
    mou = forms.FileField(
        label=_("Memorandum of understanding"),
        required=False,
        help_text=_("PDF or office document (Word, Excel, OpenDocument), at most 10 MB."),
    )

    def service_data(self) -> dict:
        return {
            key: self.cleaned_data.get(key)
            for key in ("title", "shared_goals", "start_date", "end_date", "next_review_date", "is_public")
        }


class ProposalForm(PartnershipForm):
    proposer_role = forms.ChoiceField(
        label=_("Your organisation's role"), choices=PartyRole.choices, initial=PartyRole.SENDING
    )

    field_order = ["title", "proposer_role"]


class PartyForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.all(), required=False
    )
    role = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *PartyRole.choices], required=False)

    def clean(self):
        data = super().clean() or {}
        if data.get("organization") and not data.get("role"):
            self.add_error("role", _("Choose this organisation's role."))
        return data


PartyFormSet = forms.formset_factory(PartyForm, extra=3, max_num=10)


class AddPartyForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organisation"), queryset=Organization.objects.all())
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PartnershipFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *PartnershipStatus.choices], required=False
    )
    role = forms.ChoiceField(
        label=_("Our role"), choices=[("", _("Any role")), *PartyRole.choices], required=False
    )


SCORE_CHOICES = [("", "—"), *[(str(n), str(n)) for n in range(1, 6)]]


class ScoreSheetForm(forms.Form):
    """One party's scores for every principle, filled in one go."""

    def __init__(self, *args, existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        existing = existing or {}
        for principle in Principle:
            current = existing.get(principle.value)
            self.fields[f"score_{principle.value}"] = forms.TypedChoiceField(
                label=principle.label,
                choices=SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                initial=current.score if current else "",
            )
            self.fields[f"evidence_{principle.value}"] = forms.CharField(
                label=_("Evidence"),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                initial=current.evidence if current else "",
            )

    def entries(self):
        for principle in Principle:
            score = self.cleaned_data.get(f"score_{principle.value}")
            evidence = self.cleaned_data.get(f"evidence_{principle.value}", "")
            if score is not None or evidence.strip():
                yield principle.value, score, evidence

    def rows(self):
        for principle in Principle:
            yield principle, self[f"score_{principle.value}"], self[f"evidence_{principle.value}"]


class CompleteCheckForm(forms.Form):
    summary = forms.CharField(
        label=_("Joint summary"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=200)
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    owner_organization = forms.ModelChoiceField(
        label=_("Owner organisation"), queryset=Organization.objects.none()
    )
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)
    principle = forms.TypedChoiceField(
        label=_("Principle"),
        choices=[("", "—"), *Principle.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=ActionItemStatus.choices, initial=ActionItemStatus.OPEN
    )

    def __init__(self, *args, partnership=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partnership is not None:
            owner_field = self.fields["owner_organization"]
            assert isinstance(owner_field, forms.ModelChoiceField)
            owner_field.queryset = Organization.objects.filter(partnership_parties__partnership=partnership)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionItemStatus.choices)
