from django.contrib import admin

from medmissions.audit.admin import AuditedModelAdmin
from medmissions.core.models import Language


@admin.register(Language)
class LanguageAdmin(AuditedModelAdmin):
    audit_prefix = "core.language"
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
