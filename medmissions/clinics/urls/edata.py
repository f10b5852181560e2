"""URLs of the eDATA area: eDATA files of a daily report and of a team, and a team's import."""

from django.urls import URLPattern, path

from medmissions.clinics.views import edata as views

urlpatterns: list[URLPattern] = [
    path("reports/<int:pk>/edata.csv", views.report_csv, name="report_csv"),
    path("teams/<int:pk>/edata.csv", views.team_csv, name="team_csv"),
    path("teams/<int:pk>/import/", views.team_import, name="team_import"),
]
