"""URLs of the interop area: a response's DHIS2 codes, the DHIS2 exports of a daily report and of
a response over a period, and a referral's FHIR bundle."""

from django.urls import URLPattern, path

from medmissions.clinics.views import interop as views

urlpatterns: list[URLPattern] = [
    path("responses/<int:pk>/dhis2/", views.response_dhis2, name="response_dhis2"),
    path("responses/<int:pk>/dhis2.json", views.response_dhis2_export, name="response_dhis2_export"),
    path("reports/<int:pk>/dhis2.json", views.report_dhis2, name="report_dhis2"),
    path("referrals/<int:pk>/fhir.json", views.referral_fhir, name="referral_fhir"),
]
