from django.contrib import admin
from django.db import models

from medmissions.audit.admin import AuditedModelAdmin
from medmissions.organizations.models import Capability, Invitation, Membership, Organization, ValueTag


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(AuditedModelAdmin):
    audit_prefix = "organizations.organization"
    list_display = ["name", "kind", "country", "is_verified", "created_at"]
    list_filter = ["kind", "is_verified", "country"]
    search_fields = ["name", "slug", "area"]
    filter_horizontal = ["value_tags", "capabilities", "languages"]
    prepopulated_fields = {"slug": ["name"]}
    # Like the public form: a website typed without a scheme is https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def _organization_of(self, obj):
        return obj


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    audit_prefix = "organizations.membership"
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    readonly_fields = ["token_hash"]
    search_fields = ["email", "organization__name"]


@admin.register(Capability)
class CapabilityAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug"]
    search_fields = ["name", "slug"]


@admin.register(ValueTag)
class ValueTagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
