"""A queryset view whose rows are turned into API dicts only for the page being served."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import QuerySet


class MappedQuerySet:
    """Wrap ``queryset`` so django-ninja's paginator slices it first and maps only that slice.

    Building the output dict of every row before paginating would make each page cost as much
    as the whole list.
    """

    def __init__(self, queryset: QuerySet[Any], transform: Callable[[Any], Any]):
        self.queryset = queryset
        self.transform = transform

    def all(self) -> QuerySet[Any]:
        # The paginator counts through ``.all().count()``.
        return self.queryset.all()

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, index: slice | int) -> Any:
        if isinstance(index, slice):
            return [self.transform(row) for row in self.queryset[index]]
        return self.transform(self.queryset[index])

    def __iter__(self) -> Iterator[Any]:
        return (self.transform(row) for row in self.queryset)
