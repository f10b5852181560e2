"""URLs: runs. urls/__init__.py joins the areas."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
