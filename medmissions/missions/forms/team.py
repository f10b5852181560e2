"""Forms: the team tab (waivers, supervisors, removal, announcements), the message thread.

Forms check shapes (required, lengths); the services in board.py and team.py check the rules, so
that the HTML pages and the API answer the same.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from medmissions.missions.team import MESSAGE_MAX_LENGTH, SUBJECT_MAX_LENGTH


class WaiveForm(forms.Form):
    """The host waives one unmet requirement of one assignment."""

    requirement_key = forms.CharField(widget=forms.HiddenInput, max_length=120)
    reason = forms.CharField(
        label=_("Reason for waiving"),
        max_length=2000,
        widget=forms.TextInput,
        help_text=_("Kept in the audit log, e.g. “The host vouches; the licence is issued on arrival.”"),
    )


class SupervisorForm(forms.Form):
    """Choose the supervisor of a trainee among the fully qualified people on the team."""

    supervisor = forms.TypedChoiceField(label=_("Supervisor"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, candidates: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["supervisor"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— nobody named —")), *candidates]


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person is told, by email, with this reason."),
    )


class AnnouncementForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Everyone on the team gets it by email and sees it here."),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by the team and the partner organisations' members."),
    )
