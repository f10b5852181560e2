"""The single entry point for writing the audit trail.

Service functions call :func:`log_action` inside their transaction, so an entry exists if and
only if the change it describes was committed.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile

from medmissions.audit.models import AuditEntry


def _plain(value: Any) -> Any:
    """Turn a field value into something JSON can store and a person can read."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        items = [_plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set) else items
    if hasattr(value, "code") and value.__class__.__name__ == "Country":
        return value.code or None
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Current values of ``fields`` on ``instance``; many-to-many fields become sorted key lists."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(
                (instance.pk and getattr(instance, name).values_list("pk", flat=True)) or []
            )
        elif field.is_relation:
            values[name] = getattr(instance, field.get_attname())  # type: ignore[union-attr]
        else:
            values[name] = _plain(getattr(instance, name))
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs, as ``{field: [before, after]}``."""
    changed: dict[str, list[Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changed[name] = [old, new]
    return changed


def log_action(
    action: str,
    *,
    actor: Any,
    organization: Any = None,
    obj: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Record ``action`` (a dotted name such as ``partnerships.partnership.confirmed``).

    ``before``/``after`` are snapshots; only the fields that differ are stored. A created object
    passes only ``after``, a deleted one only ``before``.
    """
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditEntry(
        action=action,
        actor=actor if authenticated else None,
        actor_label=(str(actor) if authenticated else "system")[:255],
        organization=organization,
        changes=diff(before or {}, after or {}),
        data={key: _plain(value) for key, value in (data or {}).items()},
    )
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:255]
    entry.save()
    return entry
