"""URLs of the catalogue area: the searchable catalogue with its kits, one item, one kit."""

from django.urls import URLPattern, path

from medmissions.supplies.views import catalogue as views

urlpatterns: list[URLPattern] = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<slug:code>/", views.item, name="item"),
    path("kits/<slug:code>/", views.kit, name="kit"),
]
