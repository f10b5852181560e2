"""Field clinics in the platform staff's admin: read-mostly.

Responses and teams may have their descriptive fields corrected (audited like every admin
change); their teams, sites, labels and every clinical record change only through the services
(clinics/responses.py, capture.py, reports.py…), which check the rules and write the audit
trail. Consultations are listed without their restricted items (28, 31, 42, 43, 47–50), notes or
patient pseudonyms: platform staff are not the health authority.
"""

from django.contrib import admin

from medmissions.audit.admin import AuditedModelAdmin
from medmissions.clinics.models import (
    Consultation,
    DailyReport,
    DailyReportVersion,
    Dhis2Mapping,
    FollowUp,
    ImportBatch,
    ItemLabel,
    Referral,
    Response,
    Team,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed and read, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ItemLabelInline(admin.TabularInline):
    model = ItemLabel
    extra = 0
    fields = ("item", "label", "icd_code", "active", "effective_from")
    readonly_fields = ("item", "label", "icd_code", "active", "effective_from")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(AuditedModelAdmin):
    audit_prefix = "clinics.response"
    list_display = ["name", "country", "coordinating_organization", "starts_on", "ends_on", "status"]
    list_filter = ["status", "country"]
    search_fields = ["name", "coordinating_organization__name"]
    list_select_related = ["coordinating_organization"]
    fields = [
        "name",
        "country",
        "coordinating_organization",
        "description",
        "starts_on",
        "ends_on",
        "status",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [
        "country",
        "coordinating_organization",
        "starts_on",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [ItemLabelInline]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _organization_of(self, obj):
        return obj.coordinating_organization


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    audit_prefix = "clinics.team"
    list_display = ["name", "organization_name", "emt_type", "response", "mission", "lead", "departs_on"]
    list_filter = ["emt_type"]
    search_fields = ["name", "organization_name", "response__name", "mission__title"]
    list_select_related = ["response", "mission", "lead"]
    fields = [
        "name",
        "organization_name",
        "emt_type",
        "response",
        "mission",
        "lead",
        "contact_name",
        "contact_phone",
        "contact_email",
        "departs_on",
        "working_hours",
        "sites",
        "created_by",
        "created_at",
    ]
    readonly_fields = ["emt_type", "response", "mission", "lead", "sites", "created_by", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _organization_of(self, obj):
        from medmissions.clinics.access import audit_organization

        return audit_organization(obj)


@admin.register(DailyReport)
class DailyReportAdmin(ReadOnlyAdmin):
    list_display = ["date", "team", "site", "status", "current_version", "updated_at"]
    list_filter = ["status"]
    search_fields = ["team__name", "site__name"]
    list_select_related = ["team", "site", "current_version"]
    date_hierarchy = "date"


@admin.register(DailyReportVersion)
class DailyReportVersionAdmin(ReadOnlyAdmin):
    list_display = ["report", "number", "consultations", "submitted_by", "submitted_at"]
    search_fields = ["report__team__name", "report__site__name"]
    list_select_related = ["report__team", "report__site", "submitted_by"]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "team", "report", "age_group", "sex", "source", "recorded_at"]
    list_filter = ["source", "age_group", "sex"]
    search_fields = ["reference", "team__name"]
    list_select_related = ["team", "report__site"]
    # No restricted item, note or patient pseudonym: counts only outside the health authority.
    fields = [
        "reference",
        "team",
        "report",
        "age_group",
        "sex",
        "source",
        "import_batch",
        "recorded_by",
        "recorded_at",
    ]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "team", "format_version", "rows", "imported_by", "imported_at"]
    search_fields = ["file_name", "team__name"]
    list_select_related = ["team", "imported_by"]
    # The original file holds every row, restricted items included.
    exclude = ["original"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "team", "facility", "urgency", "status", "referred_at", "closed_at"]
    list_filter = ["status", "urgency"]
    search_fields = ["consultation__reference", "team__name", "facility__name"]
    list_select_related = ["consultation", "team", "facility"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["referral", "assignee", "due_on", "status", "closed_at"]
    list_filter = ["status"]
    list_select_related = ["referral__consultation", "referral__facility", "assignee"]


@admin.register(Dhis2Mapping)
class Dhis2MappingAdmin(ReadOnlyAdmin):
    list_display = ["response", "data_set", "updated_by", "updated_at"]
    list_select_related = ["response", "updated_by"]
