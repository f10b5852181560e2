"""URLs: imports. Each area of the volunteers app keeps its own list; urls/__init__.py joins them."""

from django.urls import URLPattern, path

from medmissions.volunteers.views import imports as views

urlpatterns: list[URLPattern] = [
    path("import/", views.import_people, name="import"),
    path("import/commit/", views.import_commit, name="import_commit"),
    path("import/template/", views.import_template, name="import_template"),
    path("merge/", views.merge_people, name="merge"),
]
