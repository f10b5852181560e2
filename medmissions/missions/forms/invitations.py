"""Forms: inviting a person to a role, and the person's answer.

Forms check shapes (lengths, choices); who may be invited and when an answer is possible are
decided in missions.invitations, so the API gives the same answers.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medmissions.missions.invitations import MESSAGE_MAX_LENGTH

ACCEPT = "accept"
DECLINE = "decline"


class InviteForm(forms.Form):
    """Posted by the Applications tab and by the suggestions page of matching."""

    person = forms.IntegerField(label=_("Person"), min_value=1, widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Message to the person"),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Emailed with the invitation."),
    )


class RespondForm(forms.Form):
    """Accept or decline (two buttons named ``decision``), with an optional note."""

    decision = forms.ChoiceField(
        choices=[
            (ACCEPT, pgettext_lazy("answer to an invitation", "Accept")),
            (DECLINE, pgettext_lazy("answer to an invitation", "Decline")),
        ],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=_("Note to the coordinators"),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional. Sent to the coordinators with your answer."),
    )

    @property
    def accepts(self) -> bool:
        return self.cleaned_data.get("decision") == ACCEPT
