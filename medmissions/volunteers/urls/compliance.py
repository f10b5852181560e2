"""URLs: compliance. Each area of the volunteers app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern, path

from medmissions.volunteers.views import compliance as views

urlpatterns: list[URLPattern] = [
    path("compliance/", views.compliance_report, name="compliance"),
    path("compliance/<slug:section>.csv", views.compliance_csv, name="compliance_csv"),
]
