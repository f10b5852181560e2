from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def for_organization(self, organization_id: int) -> AuditEntryQuerySet:
        return self.filter(organization_id=organization_id)


class AuditEntry(models.Model):
    """One change made through the product: who did what to which object, with before/after.

    Entries are append-only. ``changes`` maps each changed field to ``[before, after]``;
    ``data`` holds extra context (a reason, a role granted). The object is referenced by type
    and primary key, with its text at the time, so entries outlive deleted objects.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=255, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    action = models.CharField(_("action"), max_length=120, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="audit_org_time_idx"),
            models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"

    # Templates read these instead of ``data.items``/``changes.items``: a dictionary with a key
    # named "items" would otherwise answer that key, not its pairs.
    @property
    def data_pairs(self) -> list[tuple[str, object]]:
        return list((self.data or {}).items())

    @property
    def change_pairs(self) -> list[tuple[str, object]]:
        return list((self.changes or {}).items())
