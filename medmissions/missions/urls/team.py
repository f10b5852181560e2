"""URLs: team. Each area of the missions app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
