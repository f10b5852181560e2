"""URLs: compliance. Each area of the volunteers app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
