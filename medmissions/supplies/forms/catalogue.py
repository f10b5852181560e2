"""Forms of the catalogue area: searching and filtering the shared catalogue of items."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from medmissions.supplies.choices import ItemCategory
from medmissions.supplies.models import Item


class CatalogueFilterForm(forms.Form):
    """The catalogue page's search box and filters (all optional; invalid values are ignored)."""

    q = forms.CharField(
        label=_("Name or code"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. amoxicillin")}),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *ItemCategory.choices], required=False
    )
    essential = forms.BooleanField(label=_("On the WHO Essential Medicines List"), required=False)
    cold_chain = forms.BooleanField(label=_("Cold chain"), required=False)
    controlled = forms.BooleanField(label=_("Controlled substances"), required=False)

    def filter(self, items: QuerySet[Item]) -> QuerySet[Item]:
        """``items`` narrowed by the valid filters."""
        if not self.is_valid():
            return items
        return filter_items(items, **self.cleaned_data)

    @property
    def filtered(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


def filter_items(
    items: QuerySet[Item],
    *,
    q: str = "",
    category: str = "",
    essential: bool = False,
    cold_chain: bool = False,
    controlled: bool = False,
    **_ignored: Any,
) -> QuerySet[Item]:
    """The catalogue search shared by the page and the API: every word of ``q`` must appear in
    the name, strength or code."""
    for word in (q or "").split():
        items = items.filter(Q(name__icontains=word) | Q(code__icontains=word) | Q(strength__icontains=word))
    if category:
        items = items.filter(category=category)
    if essential:
        items = items.filter(essential_medicine=True)
    if cold_chain:
        items = items.filter(cold_chain=True)
    if controlled:
        items = items.filter(controlled_substance=True)
    return items
