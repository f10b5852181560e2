from django.contrib import admin

from medmissions.audit.admin import AuditedModelAdmin
from medmissions.missions.models import Course, Invitation, Mission, Need


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


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations change through missions.invitations (capacity, emails, audit)."""

    list_display = ["person", "role", "status", "organization", "invited_by", "created_at", "responded_at"]
    list_filter = ["status"]
    search_fields = ["person__full_name", "role__title", "role__mission__title"]
    list_select_related = ["person", "role__mission", "organization", "invited_by"]
    readonly_fields = [
        "role",
        "person",
        "invited_by",
        "organization",
        "message",
        "status",
        "optimisation_run_id",
        "response_note",
        "responded_at",
        "assignment",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
