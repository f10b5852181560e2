"""Forms of the import and merge pages. They check shapes; imports.py and merge.py check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from medmissions.volunteers.merge import MERGE_FIELDS
from medmissions.volunteers.models import Person

KEEP = "keep"
TAKE = "merge"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File to check"),
        help_text=_("A CSV file (UTF-8, comma or semicolon separated) or an XLSX workbook, at most 10 MB."),
    )


class RowNumbersField(forms.Field):
    """Row numbers sent as repeated form values (one checkbox per duplicate)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return sorted({int(item) for item in value})
        except (TypeError, ValueError) as error:
            raise ValidationError(_("Choose rows from the list."), code="invalid") from error


class ImportCommitForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    import_duplicates = RowNumbersField(required=False)


class MergeChooserForm(forms.Form):
    q = forms.CharField(label=_("Find people by name or email"), max_length=150, required=False)


def merge_field_name(name: str) -> str:
    return f"take_{name}"


class MergeForm(forms.Form):
    """Which record to keep (``keep``), the other (``merge``), and for each profile field whose
    values differ, the record it is taken from."""

    keep = forms.IntegerField(widget=forms.HiddenInput)
    merge = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in MERGE_FIELDS:
            self.fields[merge_field_name(name)] = forms.ChoiceField(
                label=cast(models.Field, Person._meta.get_field(name)).verbose_name,
                choices=[(KEEP, _("Record kept")), (TAKE, _("Other record"))],
                required=False,
                widget=forms.RadioSelect,
            )

    def taken_fields(self) -> list[str]:
        return [name for name in MERGE_FIELDS if self.cleaned_data.get(merge_field_name(name)) == TAKE]
