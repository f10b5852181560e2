from django.contrib import admin

from medmissions.audit.admin import AuditedModelAdmin
from medmissions.matching.models import MatchingWeights, OptimisationRun


@admin.register(MatchingWeights)
class MatchingWeightsAdmin(AuditedModelAdmin):
    audit_prefix = "matching.weights"
    list_display = ["organization", "interest", "language", "continuity", "experience", "local", "updated_at"]

    def _organization_of(self, obj):
        return obj.organization


@admin.register(OptimisationRun)
class OptimisationRunAdmin(admin.ModelAdmin):
    """Read-only: runs are written by the matching services and kept for review."""

    list_display = ["organization", "created_at", "status", "total_score"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in OptimisationRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
