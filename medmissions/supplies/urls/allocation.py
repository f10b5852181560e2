"""URLs of the allocation area: optimiser runs, allocating by hand, releasing."""

from django.urls import URLPattern, path

from medmissions.supplies.views import allocation as views

urlpatterns: list[URLPattern] = [
    path("allocate/", views.allocate, name="allocate"),
    path("allocate/runs/", views.run_list, name="runs"),
    path("allocate/runs/<int:pk>/", views.run_detail, name="run"),
    path("allocate/runs/<int:pk>/rerun/", views.run_rerun, name="run_rerun"),
    path("allocate/runs/<int:pk>/accept/", views.run_accept, name="run_accept"),
    path("allocate/runs/<int:pk>/discard/", views.run_discard, name="run_discard"),
    path("requests/<int:pk>/lines/<int:line_pk>/allocate/", views.allocate_line, name="allocate_line"),
    path("allocations/<int:pk>/release/", views.allocation_release, name="allocation_release"),
]
