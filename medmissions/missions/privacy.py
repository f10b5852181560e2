"""The missions side of a person's data export and account erasure (volunteers/privacy.py calls these).

Applications, assignments (with hours), course completions, saved searches and the messages a
person wrote are theirs and exported; on erasure the free text they wrote (motivations, messages,
notes on hours) is removed, saved searches and the calendar feed are deleted, and assignments stay,
attached to the anonymised profile, so missions keep their history and totals.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext

from medmissions.accounts.models import User
from medmissions.missions.models import (
    Application,
    Assignment,
    CalendarFeed,
    Completion,
    MissionMessage,
    SavedSearch,
)
from medmissions.volunteers.models import Person


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_for(user: User, people: list[Person]) -> dict[str, Any]:
    applications = Application.objects.filter(person__in=people).select_related("role__mission")
    assignments = Assignment.objects.filter(person__in=people).select_related("role", "mission")
    return {
        "applications": [
            {
                "person": application.person_id,
                "mission": application.role.mission.title,
                "role": application.role.title,
                "status": application.status,
                "motivation": application.motivation,
                "message_from_coordinator": application.message,
                "applied_at": _iso(application.created_at),
                "decided_at": _iso(application.decided_at),
            }
            for application in applications.order_by("created_at")
        ],
        "assignments": [
            {
                "person": assignment.person_id,
                "mission": assignment.mission.title,
                "role": assignment.role.title,
                "starts_on": _iso(assignment.starts_on),
                "ends_on": _iso(assignment.ends_on),
                "status": assignment.status,
                "removed_reason": assignment.removed_reason,
                "hours": str(assignment.hours) if assignment.hours is not None else None,
                "hours_note": assignment.hours_note,
                "hours_approved_at": _iso(assignment.hours_approved_at),
            }
            for assignment in assignments.order_by("starts_on")
        ],
        "course_completions": [
            {
                "person": completion.person_id,
                "course": completion.course.slug,
                "title": completion.course.title,
                "completed_on": _iso(completion.completed_on),
            }
            for completion in Completion.objects.filter(person__in=people)
            .select_related("course")
            .order_by("completed_on")
        ],
        "saved_searches": [
            {
                "name": search.name,
                "filters": search.filters,
                "email_alerts": search.email_alerts,
                "created_at": _iso(search.created_at),
            }
            for search in SavedSearch.objects.filter(user=user)
        ],
        "mission_messages": [
            {"mission": message.mission.title, "message": message.body, "posted_at": _iso(message.created_at)}
            for message in MissionMessage.objects.filter(author=user).select_related("mission")
        ],
        "calendar_feed": CalendarFeed.objects.filter(user=user).exists(),
    }


def erase_for(user: User, people: list[Person]) -> None:
    """Remove what the person wrote and their own settings; keep the missions' structure."""
    _scrub_hours_notes(people)
    Application.objects.filter(person__in=people).update(motivation="")
    Assignment.objects.filter(person__in=people).update(hours_note="")
    Completion.objects.filter(person__in=people).delete()
    SavedSearch.objects.filter(user=user).delete()
    CalendarFeed.objects.filter(user=user).delete()
    MissionMessage.objects.filter(author=user).update(
        body=gettext("(Message removed: its author erased their account.)")
    )


def _scrub_hours_notes(people: list[Person]) -> None:
    """The audit trail of hours keeps the figures (what was approved) but not the person's notes."""
    from django.contrib.contenttypes.models import ContentType

    from medmissions.audit.models import AuditEntry

    assignment_ids = [
        str(pk) for pk in Assignment.objects.filter(person__in=people).values_list("pk", flat=True)
    ]
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Assignment),
        object_id__in=assignment_ids,
        changes__has_key="hours_note",
    )
    for entry in entries:
        entry.changes["hours_note"] = ["", ""]
        entry.save(update_fields=["changes"])
