from django.contrib import admin

from medmissions.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_label", "organization", "object_repr"]
    list_filter = ["action"]
    search_fields = ["action", "object_repr", "actor_label"]
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

    # The trail is evidence; nobody edits or deletes it, not even platform staff.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin changes by platform staff land in the audit trail like any other change."""

    audit_prefix = ""

    def _organization_of(self, obj):
        return getattr(obj, "organization", None) if hasattr(obj, "organization_id") else None

    def save_model(self, request, obj, form, change):
        from medmissions.audit.services import log_action, snapshot

        fields = [name for name in form.changed_data if name in {f.name for f in obj._meta.get_fields()}]
        before = {}
        if change and obj.pk:
            original = type(obj).objects.get(pk=obj.pk)
            before = snapshot(original, [f for f in fields if not obj._meta.get_field(f).many_to_many])
        super().save_model(request, obj, form, change)
        after = snapshot(obj, [f for f in fields if not obj._meta.get_field(f).many_to_many])
        log_action(
            f"{self.audit_prefix}.{'updated' if change else 'created'}",
            actor=request.user,
            organization=self._organization_of(obj),
            obj=obj,
            before=before,
            after=after,
            data={"via": "admin"},
        )

    def delete_model(self, request, obj):
        from medmissions.audit.services import log_action

        log_action(
            f"{self.audit_prefix}.deleted",
            actor=request.user,
            organization=self._organization_of(obj),
            obj=obj,
            data={"via": "admin"},
        )
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows (partnership parties, scores…) are audited one by one like the parent."""
        from medmissions.audit.services import log_action, snapshot

        organization = self._organization_of(form.instance)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            log_action(
                f"{obj._meta.app_label}.{obj._meta.model_name}.deleted",
                actor=request.user,
                organization=organization,
                obj=obj,
                data={"via": "admin"},
            )
            obj.delete()
        for obj in instances:
            fields = [f.name for f in obj._meta.concrete_fields if not f.primary_key]
            creating = obj.pk is None
            before = {} if creating else snapshot(type(obj).objects.get(pk=obj.pk), fields)
            obj.save()
            log_action(
                f"{obj._meta.app_label}.{obj._meta.model_name}.{'created' if creating else 'updated'}",
                actor=request.user,
                organization=organization,
                obj=obj,
                before=before,
                after=snapshot(obj, fields),
                data={"via": "admin"},
            )
        formset.save_m2m()

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
