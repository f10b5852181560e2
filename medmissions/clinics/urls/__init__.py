"""The field clinics app's URLs, one module per area: consultation capture, daily reports, eDATA
files, responses and the coordination view, referrals and follow-ups, and DHIS2/FHIR exports."""

from medmissions.clinics.urls import capture, coordination, edata, interop, referrals, reports

app_name = "clinics"

urlpatterns = [
    *coordination.urlpatterns,
    *capture.urlpatterns,
    *reports.urlpatterns,
    *edata.urlpatterns,
    *referrals.urlpatterns,
    *interop.urlpatterns,
]
