"""Forms: privacy (erasing one's account)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EraseAccountForm(forms.Form):
    # A plain text field: the service compares it with the account's address and explains a
    # mismatch, so the HTML page and the API give the same answer.
    confirm_email = forms.CharField(
        label=_("Your email address"),
        max_length=254,
        help_text=_(
            "Type the email address you sign in with to confirm that you want to erase your account."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
