from django.contrib import admin

from medmissions.audit.admin import AuditedModelAdmin
from medmissions.sites.models import Site


@admin.register(Site)
class SiteAdmin(AuditedModelAdmin):
    audit_prefix = "sites.site"
    list_display = ["name", "kind", "host_organization", "country", "town"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "town", "host_organization__name"]
    autocomplete_fields = ["host_organization"]

    def _organization_of(self, obj):
        return obj.host_organization
