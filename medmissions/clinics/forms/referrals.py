"""Forms of referrals and follow-ups. They check the shape of the input; the rules (who, when,
which facility or assignee) are the services' (clinics/referrals.py)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from medmissions.clinics.choices import FollowUpStatus, ReferralStatus, ReferralUrgency
from medmissions.clinics.referrals import TEXT_LENGTH
from medmissions.sites.models import Site

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        site: Site = obj
        place = f", {site.town}" if site.town else ""
        return f"{site.name}{place} ({site.host_organization.name})"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name or obj.email)


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), ("open", _("Sent or accepted")), *ReferralStatus.choices],
        required=False,
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=[("", _("Any urgency")), *ReferralUrgency.choices], required=False
    )


class ReferralForm(forms.Form):
    facility = FacilityChoiceField(
        label=_("Refer to"),
        queryset=Site.objects.none(),
        empty_label="—",
        help_text=_("A facility in the country where the team works."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=ReferralUrgency.choices, initial=ReferralUrgency.ROUTINE
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=TEXT_LENGTH,
        widget=TEXTAREA,
        help_text=_(
            "What the facility needs to know to take the patient on. Never the patient's name or an identity number."
        ),
    )

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["facility"]).queryset = facilities


class RespondForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept the patient")), ("decline", _("Decline the referral"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note for the team"),
        max_length=TEXT_LENGTH,
        widget=TEXTAREA,
        required=False,
        help_text=_("Required when declining: tell the team why, and where the patient could go instead."),
    )


class CloseForm(forms.Form):
    status = forms.ChoiceField(label=_("What happened"), choices=[])
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=TEXT_LENGTH,
        widget=TEXTAREA,
        required=False,
        help_text=_("Required once completed or lost to follow-up: what happened to the patient."),
    )

    def __init__(self, *args: Any, statuses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer(statuses)

    def offer(self, statuses: list[str]) -> None:
        """Offer these statuses (those the person may close the referral with now)."""
        labels = dict(ReferralStatus.choices)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (status, labels[status]) for status in statuses
        ]


class FollowUpForm(forms.Form):
    description = forms.CharField(
        label=_("What to do"),
        max_length=TEXT_LENGTH,
        widget=TEXTAREA,
        help_text=_("No patient names or identity numbers: the referral carries the pseudonymous reference."),
    )
    assignee = StaffChoiceField(
        label=_("Host staff member"),
        queryset=Site.objects.none(),
        empty_label="—",
        help_text=_("A member of the organisation running the facility."),
    )
    due_on = forms.DateField(label=_("Due on"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = staff


class FollowUpUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FollowUpStatus.choices)
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=TEXT_LENGTH,
        widget=TEXTAREA,
        required=False,
        help_text=_("Required once done or missed: what happened."),
    )


class FollowUpFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *FollowUpStatus.choices], required=False
    )
