from django.contrib import admin
from django.urls import include, path

from medmissions.api import api

admin.site.site_header = "medmissions — platform staff"

urlpatterns = [
    path("", include("medmissions.core.urls")),
    path("accounts/", include("medmissions.accounts.urls")),
    path("organisations/", include("medmissions.organizations.urls")),
    path("sites/", include("medmissions.sites.urls")),
    path("partnerships/", include("medmissions.partnerships.urls")),
    path("volunteers/", include("medmissions.volunteers.urls")),
    path("missions/", include("medmissions.missions.urls")),
    path("matching/", include("medmissions.matching.urls")),
    path("supplies/", include("medmissions.supplies.urls")),
    path("clinics/", include("medmissions.clinics.urls")),
    path("api/v1/", api.urls),
    path("staff/admin/", admin.site.urls),
]
