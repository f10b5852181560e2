"""URLs of the capture area: the capture page of a team, the consultations of a daily report, and
one consultation with its correction and deletion."""

from django.urls import URLPattern, path

from medmissions.clinics.views import capture as views

urlpatterns: list[URLPattern] = [
    path("teams/<int:pk>/capture/", views.team_capture, name="team_capture"),
    path("reports/<int:pk>/consultations/", views.report_consultations, name="report_consultations"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation"),
    path("consultations/<int:pk>/edit/", views.consultation_edit, name="consultation_edit"),
    path("consultations/<int:pk>/delete/", views.consultation_delete, name="consultation_delete"),
]
