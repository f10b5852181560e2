from django.contrib import admin

from medmissions.audit.admin import AuditedModelAdmin
from medmissions.partnerships.models import (
    ActionItem,
    HealthCheck,
    Partnership,
    PartnershipParty,
    PrincipleScore,
)


class PartyInline(admin.TabularInline):
    model = PartnershipParty
    extra = 0
    autocomplete_fields = ["organization"]
    readonly_fields = ["confirmed_at", "confirmed_by"]


@admin.register(Partnership)
class PartnershipAdmin(AuditedModelAdmin):
    audit_prefix = "partnerships.partnership"
    list_display = ["title", "status", "is_public", "next_review_date", "created_at"]
    list_filter = ["status", "is_public"]
    search_fields = ["title", "parties__organization__name"]
    inlines = [PartyInline]
    filter_horizontal = ["focus_areas"]


class ScoreInline(admin.TabularInline):
    model = PrincipleScore
    extra = 0


@admin.register(HealthCheck)
class HealthCheckAdmin(AuditedModelAdmin):
    audit_prefix = "partnerships.health_check"
    list_display = ["partnership", "round_number", "status", "opened_at", "completed_at"]
    list_filter = ["status"]
    inlines = [ScoreInline]


@admin.register(ActionItem)
class ActionItemAdmin(AuditedModelAdmin):
    audit_prefix = "partnerships.action_item"
    list_display = ["title", "partnership", "owner_organization", "due_date", "status"]
    list_filter = ["status"]
    search_fields = ["title"]

    def _organization_of(self, obj):
        return obj.owner_organization
