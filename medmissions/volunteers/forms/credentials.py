"""Forms: credentials, their verification, and country requirements.

Forms check shapes (required, lengths, choices); the services in credentials.py and
requirements.py check the rules, so that the HTML pages and the API answer the same.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from medmissions.organizations.models import Organization
from medmissions.volunteers.choices import VerificationOutcome
from medmissions.volunteers.models import CountryRequirement, CredentialType, Specialty

ACCEPTED_DOCUMENTS = "application/pdf,image/png,image/jpeg,image/webp"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def specialty_choices(empty_label: Any) -> list[tuple[str, Any]]:
    """The specialty tree as indented choices, keyed by slug ("— — General surgery")."""
    from medmissions.volunteers.services import specialty_tree

    return [("", empty_label)] + [
        (node.specialty.slug, f"{'— ' * node.depth}{node.specialty}") for node in specialty_tree()
    ]


class SpecialtyField(forms.ChoiceField):
    """A profession or specialty chosen from the tree by slug; cleans to the Specialty (or None)."""

    def __init__(self, *, empty_label: Any, **kwargs: Any):
        super().__init__(choices=lambda: specialty_choices(empty_label), **kwargs)

    def clean(self, value: Any) -> Specialty | None:
        slug = super().clean(value)
        return Specialty.objects.filter(slug=slug).first() if slug else None


class CredentialForm(forms.Form):
    credential_type = forms.ModelChoiceField(
        label=_("Type"), queryset=CredentialType.objects.all(), to_field_name="slug", empty_label="—"
    )
    issuing_body = forms.CharField(
        label=_("Issuing body"),
        max_length=200,
        help_text=_("E.g. General Medical Council, Kenya Medical Practitioners and Dentists Council."),
    )
    country = forms.ChoiceField(
        label=_("Country of issue"),
        choices=lambda: [("", "—"), *list(countries)],
        required=False,
        help_text=_("Required for a host-country licence or a work permit: it only counts there."),
    )
    state = forms.CharField(label=_("State or province"), max_length=100, required=False)
    number = forms.CharField(label=_("Number"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=_date_input())
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=_date_input(),
        help_text=_("Leave empty only for what never expires, such as a yellow fever vaccination."),
    )
    document = forms.FileField(
        label=_("Document"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPTED_DOCUMENTS}),
        help_text=_(
            "A PDF or a picture (PNG, JPEG or WebP) of at most 10 MB. Organisations verify the "
            "credential against it; only you and their vetting admins can open it."
        ),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["document"].help_text = _(
                "Leave empty to keep the current document. A new one replaces it: a PDF or a picture "
                "(PNG, JPEG or WebP) of at most 10 MB."
            )

    def service_data(self) -> dict[str, Any]:
        """The cleaned fields as the credentials service takes them (the document travels apart)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "document"}


class VerificationForm(forms.Form):
    """An organisation's check of a credential. The outcome comes from the button pressed."""

    organization: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("Checking for"), queryset=None, to_field_name="slug", empty_label=None
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VerificationOutcome.choices)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when rejecting: the person reads it to fix the problem."),
    )
    # When the checker opened the credential: a change since then makes the check stale.
    seen = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = organizations  # type: ignore[attr-defined]
        if len(organizations) == 1:
            field.widget = forms.HiddenInput()

    @staticmethod
    def seen_value(moment: datetime.datetime) -> str:
        # ISO format keeps the microseconds that updated_at has, so the comparison is exact.
        return moment.isoformat()


def countries_with_requirements() -> list[tuple[str, Any]]:
    """Only countries that have rules: filtering by any other would always show nothing."""
    present = set(CountryRequirement.objects.order_by().values_list("country", flat=True).distinct())
    return [("", _("Any country"))] + [(code, name) for code, name in countries if code in present]


class RequirementFilterForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=countries_with_requirements, required=False)
    specialty = SpecialtyField(label=_("Profession or specialty"), empty_label=_("Any"), required=False)


class RequirementForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=())
    specialty = SpecialtyField(
        label=_("Profession or specialty"),
        empty_label=_("Everyone"),
        required=False,
        help_text=_(
            "Leave “Everyone” for a rule that applies to everyone; a profession covers its specialties."
        ),
    )
    credential_type = forms.ModelChoiceField(
        label=_("Required credential"),
        queryset=CredentialType.objects.all(),
        to_field_name="slug",
        empty_label="—",
    )
    lead_time_days = forms.IntegerField(
        label=_("Lead time (days)"),
        min_value=0,
        max_value=365,
        initial=0,
        help_text=_("How many days before arrival it must be in hand, e.g. 60 for a temporary licence."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Where and how to apply, fees, contacts."),
    )

    def __init__(self, *args: Any, editable_countries: set[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Offer only the countries the person may edit; the service checks again.
        if "*" in editable_countries:
            choices = [("", "—"), *list(countries)]
        else:
            choices = [(code, name) for code, name in countries if code in editable_countries]
        self.fields["country"].choices = choices  # type: ignore[attr-defined]
