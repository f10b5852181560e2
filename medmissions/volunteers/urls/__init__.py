"""The volunteers app's URLs, one module per area (profile, credentials, compliance, imports, privacy)."""

from medmissions.volunteers.urls import compliance, credentials, imports, privacy, profile

app_name = "volunteers"

urlpatterns = [
    *profile.urlpatterns,
    *credentials.urlpatterns,
    *compliance.urlpatterns,
    *imports.urlpatterns,
    *privacy.urlpatterns,
]
