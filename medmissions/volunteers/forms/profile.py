"""Forms of the volunteer profile: the wizard's steps, the readiness check, the people list.

Forms check shapes (required, lengths, choices); the services in volunteers/services.py check the
rules, so the API gives the same answers.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from medmissions.core.models import Language
from medmissions.organizations.models import Organization, ValueTag
from medmissions.volunteers.choices import (
    AffiliationKind,
    AvailabilityKind,
    LanguageLevel,
    Proficiency,
    ProfileVisibility,
)
from medmissions.volunteers.models import Specialty
from medmissions.volunteers.services import SpecialtyNode, specialty_tree

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _country_choices(empty_label: Any = "—") -> list[tuple[str, Any]]:
    return [("", empty_label), *list(countries)]


def specialty_choices(tree: list[SpecialtyNode], empty_label: Any = "—") -> list[tuple[Any, Any]]:
    """Options grouped by profession, each labelled with its full path ("Medicine › Surgery")."""
    groups: list[tuple[Any, Any]] = []
    for node in tree:
        if node.depth == 0:
            groups.append((str(node.specialty), []))
        groups[-1][1].append((str(node.specialty.pk), node.path))
    return [("", empty_label), *groups]


class TreeChoiceField(forms.TypedChoiceField):
    """A choice of one node of the specialty tree, cleaned into the Specialty."""

    def __init__(self, *, tree: list[SpecialtyNode] | None = None, empty_label: Any = "—", **kwargs):
        self.nodes = {str(node.specialty.pk): node.specialty for node in tree or []}
        super().__init__(
            choices=specialty_choices(tree or [], empty_label), coerce=self._node, empty_value=None, **kwargs
        )

    def _node(self, value: str) -> Specialty:
        try:
            return self.nodes[str(value)]
        except KeyError as error:
            # has_changed() coerces unvalidated input; a ValueError there means "changed".
            raise ValueError(value) from error


# Wizard steps ------------------------------------------------------------------------------------


class BasicsForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        help_text=_("When the person signs up with this (verified) address, they take over this profile."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("With the country code, e.g. +44 7700 900123."),
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE_WIDGET)
    nationality = forms.ChoiceField(label=_("Nationality"), choices=_country_choices, required=False)

    def __init__(self, *args, email_editable: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not email_editable:
            # A signed-in person's profile follows their account's address.
            del self.fields["email"]


class ProfessionForm(forms.Form):
    profession = forms.ModelChoiceField(
        label=_("Profession"),
        queryset=Specialty.objects.filter(parent__isnull=True),
        required=False,
        empty_label="—",
    )
    years_of_experience = forms.IntegerField(
        label=_("Years of experience"), min_value=0, max_value=70, required=False
    )
    is_trainee = forms.BooleanField(
        label=_("Trainee or student"),
        required=False,
        help_text=_(
            "Trainees and students serve only under a named supervisor, who is agreed for each mission."
        ),
    )


class SpecialtyRowForm(forms.Form):
    specialty = TreeChoiceField(label=_("Specialty"), required=False)
    proficiency = forms.TypedChoiceField(
        label=_("Proficiency"),
        choices=[("", "—"), *Proficiency.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, tree: list[SpecialtyNode] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"] = TreeChoiceField(label=_("Specialty"), required=False, tree=tree)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("specialty") is not None and data.get("proficiency") is None:
            self.add_error("proficiency", _("Choose a proficiency level."))
        return data


class _NoDuplicatesFormSet(forms.BaseFormSet):
    key = ""
    duplicate_message: Any = ""

    def entries(self) -> list[dict[str, Any]]:
        """The filled-in rows (blank rows are ignored; clearing a row removes it)."""
        return [
            form.cleaned_data
            for form in self.forms
            if getattr(form, "cleaned_data", None) and form.cleaned_data.get(self.key) is not None
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        seen = set()
        for entry in self.entries():
            value = entry[self.key]
            if value.pk in seen:
                raise forms.ValidationError(self.duplicate_message % {"name": value})
            seen.add(value.pk)


class BaseSpecialtyFormSet(_NoDuplicatesFormSet):
    key = "specialty"
    duplicate_message = _("%(name)s is listed twice.")


class BaseLanguageFormSet(_NoDuplicatesFormSet):
    key = "language"
    duplicate_message = _("%(name)s is listed twice.")


SpecialtyFormSet = cast(
    type[BaseSpecialtyFormSet],
    forms.formset_factory(
        SpecialtyRowForm, formset=BaseSpecialtyFormSet, extra=3, max_num=30, validate_max=True
    ),
)


def _level_field(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=LanguageLevel.choices, coerce=int, initial=LanguageLevel.NONE
    )


class LanguageRowForm(forms.Form):
    language = forms.ModelChoiceField(
        label=_("Language"), queryset=Language.objects.all(), required=False, empty_label="—"
    )
    speaking = _level_field(_("Speaking"))
    reading = _level_field(_("Reading"))
    writing = _level_field(_("Writing"))


LanguageFormSet = cast(
    type[BaseLanguageFormSet],
    forms.formset_factory(
        LanguageRowForm, formset=BaseLanguageFormSet, extra=2, max_num=30, validate_max=True
    ),
)


class AvailabilityForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("I am"), choices=AvailabilityKind.choices, initial=AvailabilityKind.AVAILABLE
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("To"), widget=DATE_WIDGET)
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("E.g. “Only two weeks at a time” or “Exams”."),
    )


class EmployerForm(forms.Form):
    home_employer = forms.CharField(
        label=_("Home employer"),
        max_length=200,
        required=False,
        help_text=_("The hospital, trust or practice you work for at home."),
    )
    employer_leave_approved = forms.BooleanField(
        label=_("My employer approved my leave for missions"), required=False
    )
    emergency_contact_name = forms.CharField(label=_("Emergency contact"), max_length=150, required=False)
    emergency_contact_relationship = forms.CharField(
        label=_("Relationship"), max_length=80, required=False, help_text=_("E.g. spouse, parent, friend.")
    )
    emergency_contact_phone = forms.CharField(
        label=_("Emergency contact phone"), max_length=40, required=False
    )
    emergency_contact_email = forms.EmailField(label=_("Emergency contact email"), required=False)


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("Who can see my profile"),
        choices=ProfileVisibility.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Partners see your profession, specialties, languages, availability and organisations, "
            "never your contact details or documents."
        ),
    )


class ValueTagsForm(forms.Form):
    """The values that matter to the person, matched against organisations' value tags."""

    # Only a form that was shown changes the values: a post without it leaves them alone.
    shown = forms.BooleanField(widget=forms.HiddenInput, required=False, initial=True)
    value_tags = forms.ModelMultipleChoiceField(
        label=_("Values that matter to me"),
        queryset=ValueTag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Opportunity search shows how many of these each mission's organisations share. "
            "Only you see them."
        ),
    )


class AffiliationForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.order_by("name"), empty_label="—"
    )
    kind = forms.ChoiceField(
        label=_("How"),
        choices=[
            (AffiliationKind.HOME, _("It is my home organisation (I work or volunteer for it)")),
            (AffiliationKind.VETTING, _("Share my profile with it for vetting")),
        ],
        initial=AffiliationKind.VETTING,
        widget=forms.RadioSelect,
        help_text=_("Its coordinators and admins will see your profile and your credential documents."),
    )


# Readiness ---------------------------------------------------------------------------------------


class ReadinessForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=_country_choices)
    start = forms.DateField(label=_("Arrival"), widget=DATE_WIDGET)
    end = forms.DateField(label=_("Departure"), widget=DATE_WIDGET)
    organization = forms.ModelChoiceField(
        label=_("Verified by"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Any organisation"),
        to_field_name="slug",
        help_text=_("Count only this organisation's verifications."),
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organizations if organizations is not None else Organization.objects.none()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The departure is before the arrival."))
        return data


# The people of an organisation -------------------------------------------------------------------


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or email"), required=False)
    specialty = TreeChoiceField(label=_("Profession or specialty"), required=False)
    language = forms.ModelChoiceField(
        label=_("Language"), queryset=Language.objects.all(), required=False, empty_label=_("Any language")
    )
    trainee = forms.TypedChoiceField(
        label=_("Trainees"),
        choices=[("", _("Everyone")), ("yes", _("Trainees only")), ("no", _("Not trainees"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Affiliation"), choices=[("", _("Any")), *AffiliationKind.choices], required=False
    )

    def __init__(self, *args, tree: list[SpecialtyNode] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"] = TreeChoiceField(
            label=_("Profession or specialty"),
            required=False,
            tree=tree if tree is not None else specialty_tree(),
            empty_label=_("Any"),
        )


class RegisterPersonForm(BasicsForm):
    profession = ProfessionForm.base_fields["profession"]
    years_of_experience = ProfessionForm.base_fields["years_of_experience"]
    is_trainee = ProfessionForm.base_fields["is_trainee"]
    home_employer = EmployerForm.base_fields["home_employer"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("email_editable", True)
        super().__init__(*args, **kwargs)
        self.fields["home_employer"].help_text = ""
