"""URLs of the daily reports area: a team's reports and opening a day, the Daily Report with its
issues, submission and corrections, its versions, the restricted details and the printable PDF."""

from django.urls import URLPattern, path

from medmissions.clinics.views import reports as views

urlpatterns: list[URLPattern] = [
    path("teams/<int:pk>/reports/", views.team_reports, name="team_reports"),
    path("teams/<int:pk>/reports/open/", views.report_open, name="report_open"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/issues/", views.report_issues, name="report_issues"),
    path("reports/<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("reports/<int:pk>/correct/", views.report_correct, name="report_correct"),
    path("reports/<int:pk>/versions/<int:number>/", views.report_version, name="report_version"),
    path("reports/<int:pk>/restricted/", views.report_restricted, name="report_restricted"),
    path("reports/<int:pk>/daily-report.pdf", views.report_pdf, name="report_pdf"),
]
