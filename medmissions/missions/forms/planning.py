"""Forms: needs (with their lines), missions, roles, lifecycle reasons and the list filters.

Forms check shapes (required, lengths, choices offered to this person); the services in
missions/services.py check the rules, so that the HTML pages and the API answer the same.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from medmissions.accounts.models import time_zone_choices
from medmissions.core.models import Language
from medmissions.missions.choices import MissionStatus, NeedPriority, NeedStatus, TeamType
from medmissions.missions.models import Course, Need
from medmissions.organizations.models import Capability as CapabilityTerm
from medmissions.organizations.models import Organization
from medmissions.partnerships.models import Partnership
from medmissions.sites.models import Site
from medmissions.volunteers.choices import Proficiency
from medmissions.volunteers.forms.profile import TreeChoiceField
from medmissions.volunteers.models import CredentialType
from medmissions.volunteers.services import SpecialtyNode

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SEVERAL = _("Hold Ctrl (or ⌘) to choose several.")


def _languages_field(label: Any) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=Language.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=SEVERAL,
    )


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.host_organization.name})"


# Needs ------------------------------------------------------------------------------------------


class NeedForm(forms.Form):
    site = SiteChoiceField(label=_("Site"), queryset=Site.objects.none(), empty_label="—")
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The need in the host's words: what is lacking, for whom, and what would help."),
    )
    national_plan_reference = forms.CharField(
        label=_("National or district plan served"),
        max_length=300,
        required=False,
        help_text=_("E.g. the health sector strategic plan and the pillar or target this need serves."),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=NeedPriority.choices, coerce=int, initial=NeedPriority.NORMAL
    )
    earliest_start = forms.DateField(label=_("Earliest start"), widget=DATE_WIDGET)
    latest_end = forms.DateField(label=_("Latest end"), widget=DATE_WIDGET)
    languages = _languages_field(_("Languages needed"))

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = sites

    def service_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in (
                "title",
                "description",
                "national_plan_reference",
                "priority",
                "earliest_start",
                "latest_end",
            )
        }


class NeedLineForm(forms.Form):
    specialty = TreeChoiceField(label=_("Specialty"), required=False)
    people = forms.IntegerField(label=_("People"), min_value=1, max_value=500, required=False)

    def __init__(self, *args: Any, tree: list[SpecialtyNode] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["specialty"] = TreeChoiceField(label=_("Specialty"), required=False, tree=tree)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("specialty") is not None and data.get("people") is None:
            self.add_error("people", _("How many people?"))
        if data.get("specialty") is None and data.get("people") is not None:
            self.add_error("specialty", _("Choose the specialty."))
        return data


class BaseNeedLineFormSet(forms.BaseFormSet):
    def lines(self) -> list[tuple[Any, int]]:
        """The filled-in rows as (specialty, people); blank rows are ignored, so clearing removes a line."""
        return [
            (form.cleaned_data["specialty"], form.cleaned_data["people"])
            for form in self.forms
            if getattr(form, "cleaned_data", None) and form.cleaned_data.get("specialty") is not None
        ]


NeedLineFormSet = cast(
    type[BaseNeedLineFormSet],
    forms.formset_factory(NeedLineForm, formset=BaseNeedLineFormSet, extra=3, max_num=30, validate_max=True),
)


class WithdrawNeedForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("The partners planning missions for it read this."),
    )


class NeedFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *NeedStatus.choices], required=False
    )
    host = forms.ModelChoiceField(
        label=_("Host organisation"),
        queryset=Organization.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any host"),
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("Any site")
    )

    def __init__(self, *args: Any, hosts: QuerySet[Organization], sites: QuerySet[Site], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["host"]).queryset = hosts
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = sites


# Missions ---------------------------------------------------------------------------------------


class PartnershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.title


class NeedsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        window = f"{date_format(obj.earliest_start, 'j M Y')} – {date_format(obj.latest_end, 'j M Y')}"
        return f"{obj.title} — {obj.host_organization.name}, {obj.site.name} ({window})"


class MissionForm(forms.Form):
    """A new mission (with its partnership and site) or, with ``editing``, an existing one's fields."""

    partnership = PartnershipChoiceField(
        label=_("Partnership"), queryset=Partnership.objects.none(), empty_label="—"
    )
    site = SiteChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        empty_label="—",
        help_text=_("A site of the partnership's host."),
    )
    needs = NeedsChoiceField(
        label=_("Needs answered"),
        queryset=Need.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Needs the host has confirmed. A mission answers at least one."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE_WIDGET)
    time_zone = forms.ChoiceField(
        label=_("Local time zone"),
        choices=time_zone_choices,
        initial="UTC",
        help_text=_("The site's time zone: schedules are shown in it and in each person's own."),
    )
    team_type = forms.ChoiceField(
        label=_("Team type"), choices=TeamType.choices, initial=TeamType.NOT_EMERGENCY
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=1000,
        help_text=_("How many visiting people in all; the roles' places add up to at most this."),
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services"),
        queryset=CapabilityTerm.objects.select_related("parent"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=SEVERAL,
    )
    spiritual_care_agreed = forms.BooleanField(
        label=_("The host agreed to spiritual-care services"),
        required=False,
        help_text=_(
            "Needed to offer spiritual or pastoral care. It is offered only where the host has agreed, and never as a condition of care."
        ),
    )

    def __init__(
        self,
        *args: Any,
        partnerships: QuerySet[Partnership] | None = None,
        sites: QuerySet[Site] | None = None,
        needs: QuerySet[Need],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if partnerships is None:  # editing: the partnership and the site stay
            del self.fields["partnership"]
            del self.fields["site"]
        else:
            cast(forms.ModelChoiceField, self.fields["partnership"]).queryset = partnerships
            cast(forms.ModelChoiceField, self.fields["site"]).queryset = sites
        cast(forms.ModelMultipleChoiceField, self.fields["needs"]).queryset = needs

    def service_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in (
                "title",
                "description",
                "starts_on",
                "ends_on",
                "time_zone",
                "team_type",
                "capacity",
                "spiritual_care_agreed",
            )
        }


class MissionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *MissionStatus.choices], required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


# Roles ------------------------------------------------------------------------------------------


class RoleForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("E.g. General surgeon, Scrub nurse.")
    )
    specialty = TreeChoiceField(label=_("Specialty"))
    minimum_proficiency = forms.TypedChoiceField(
        label=_("Minimum proficiency"), choices=Proficiency.choices, coerce=int, initial=Proficiency.COMPETENT
    )
    people_needed = forms.IntegerField(label=_("People needed"), min_value=1, max_value=1000)
    languages = _languages_field(_("Languages"))
    extra_credentials = forms.ModelMultipleChoiceField(
        label=_("Credentials beyond the country's requirements"),
        queryset=CredentialType.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("The host country's requirements for the specialty always apply; add any others here."),
    )
    required_courses = forms.ModelMultipleChoiceField(
        label=_("Required courses"),
        queryset=Course.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=SEVERAL,
    )
    scope_of_practice = forms.CharField(
        label=_("Scope of practice"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What people in this role may and may not do at the site."),
    )
    supervisor_required_for_trainees = forms.BooleanField(
        label=_("Trainees need a named supervisor"), required=False, initial=True
    )
    prefers_local_health_workers = forms.BooleanField(
        label=_("Prefer local health workers"),
        required=False,
        help_text=_("Suggestions rank health workers from the host country higher for this role."),
    )

    def __init__(self, *args: Any, tree: list[SpecialtyNode], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["specialty"] = TreeChoiceField(label=_("Specialty"), tree=tree)
        self.fields["specialty"].help_text = _(
            "People with this specialty or any specialty below it qualify."
        )

    def service_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in (
                "title",
                "specialty",
                "minimum_proficiency",
                "people_needed",
                "scope_of_practice",
                "supervisor_required_for_trainees",
                "prefers_local_health_workers",
            )
        }
