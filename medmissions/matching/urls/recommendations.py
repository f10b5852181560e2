"""URLs: partner recommendations (for a need, and for an organisation). urls/__init__.py joins the areas."""

from django.urls import URLPattern, path

from medmissions.matching.views import recommendations as views

urlpatterns: list[URLPattern] = [
    path("needs/<int:pk>/partners/", views.need_partners, name="need_partners"),
    path("organisations/<slug:slug>/needs/", views.organization_needs, name="organization_needs"),
]
