from django.contrib import admin

from medmissions.audit.admin import AuditedModelAdmin
from medmissions.missions.models import Course, Mission, Need


@admin.register(Need)
class NeedAdmin(AuditedModelAdmin):
    audit_prefix = "missions.need"
    list_display = ["title", "host_organization", "authored_by", "priority", "earliest_start", "withdrawn_at"]
    search_fields = ["title"]

    def _organization_of(self, obj):
        return obj.host_organization


@admin.register(Mission)
class MissionAdmin(AuditedModelAdmin):
    audit_prefix = "missions.mission"
    list_display = ["title", "partnership", "site", "starts_on", "status"]
    list_filter = ["status", "team_type"]
    search_fields = ["title"]


@admin.register(Course)
class CourseAdmin(AuditedModelAdmin):
    audit_prefix = "missions.course"
    list_display = ["title", "slug", "organization", "valid_for_days"]
    search_fields = ["title", "slug"]
