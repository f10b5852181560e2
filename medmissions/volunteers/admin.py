from django.contrib import admin

from medmissions.audit.admin import AuditedModelAdmin
from medmissions.volunteers.models import (
    CountryRequirement,
    CredentialType,
    Person,
    ReminderLog,
    Specialty,
)


@admin.register(CredentialType)
class CredentialTypeAdmin(AuditedModelAdmin):
    """Platform staff tune grace periods and the host-country rule here."""

    audit_prefix = "volunteers.credential_type"
    list_display = ["name", "slug", "category", "grace_days", "issued_by_host_country", "has_expiry"]
    list_filter = ["category", "issued_by_host_country"]
    search_fields = ["name", "slug"]


@admin.register(Specialty)
class SpecialtyAdmin(AuditedModelAdmin):
    audit_prefix = "volunteers.specialty"
    list_display = ["name", "parent", "slug"]
    search_fields = ["name", "slug"]


@admin.register(CountryRequirement)
class CountryRequirementAdmin(AuditedModelAdmin):
    audit_prefix = "volunteers.country_requirement"
    list_display = ["country", "specialty", "credential_type", "lead_time_days", "updated_at"]
    list_filter = ["country", "credential_type"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Read-only for staff support: people change their own profiles; documents are never shown here."""

    list_display = ["full_name", "email", "user", "merged_into", "erased_at", "created_at"]
    search_fields = ["full_name", "email"]
    readonly_fields = [field.name for field in Person._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "kind", "recipient", "key"]
    list_filter = ["kind"]
    search_fields = ["recipient", "key"]
    readonly_fields = [field.name for field in ReminderLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
