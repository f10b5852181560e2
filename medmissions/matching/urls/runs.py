"""URLs: suggestions, optimisation runs and weights. urls/__init__.py joins the areas."""

from django.urls import URLPattern, path

from medmissions.matching.views import runs as views
from medmissions.matching.views import weights as weight_views

urlpatterns: list[URLPattern] = [
    path("missions/<int:pk>/", views.mission, name="mission"),
    path("roles/<int:pk>/", views.role_suggestions, name="role"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run, name="run"),
    path("runs/<int:pk>/rerun/", views.rerun, name="rerun"),
    path("runs/<int:pk>/accept/", views.accept, name="accept"),
    path("runs/<int:pk>/discard/", views.discard, name="discard"),
    path("organisations/<slug:slug>/weights/", weight_views.weights, name="weights"),
    path("organisations/<slug:slug>/weights/reset/", weight_views.weights_reset, name="weights_reset"),
]
