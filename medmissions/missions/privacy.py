"""The missions side of a person's data export and account erasure (volunteers/privacy.py calls these).

Applications, invitations, assignments (with hours), course completions, saved searches and the
messages a person wrote are theirs and exported; on erasure the free text they wrote (motivations,
notes with their answers to invitations, messages, notes on hours) is removed, also from the audit
trail, pending invitations are withdrawn (nobody can answer them now, and they hold places),
saved searches and the calendar feed are deleted, and assignments stay, attached to the
anonymised profile, so missions keep their history and totals.

Merging two records of a person moves the merged-away record's invitations with the rest
(:func:`merge_invitations`, called by volunteers/merge.py).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext

from medmissions.accounts.models import User
from medmissions.missions.choices import AssignmentStatus, InvitationStatus
from medmissions.missions.models import (
    Application,
    Assignment,
    CalendarFeed,
    Completion,
    Invitation,
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
        "invitations": [
            {
                "person": invitation.person_id,
                "mission": invitation.role.mission.title,
                "role": invitation.role.title,
                "status": invitation.status,
                "message_from_coordinator": invitation.message,
                "response_note": invitation.response_note,
                "invited_at": _iso(invitation.created_at),
                "answered_at": _iso(invitation.responded_at),
            }
            for invitation in Invitation.objects.filter(person__in=people)
            .select_related("role__mission")
            .order_by("created_at", "pk")
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
    _scrub_invitation_answers(people)
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


def _scrub_invitation_answers(people: list[Person]) -> None:
    """Blank the notes the person sent with their answers, here and in the audit trail (which
    keeps the status changes, not the words), and withdraw what they can no longer answer."""
    from django.contrib.contenttypes.models import ContentType

    from medmissions.audit.models import AuditEntry

    invitations = Invitation.objects.filter(person__in=people)
    invitation_ids = [str(pk) for pk in invitations.values_list("pk", flat=True)]
    invitations.update(response_note="")
    invitations.filter(status=InvitationStatus.PENDING).update(status=InvitationStatus.WITHDRAWN)
    from medmissions.volunteers.privacy import erased_person_label

    labels = {person.full_name: erased_person_label(person.pk) for person in people if person.full_name}
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Invitation), object_id__in=invitation_ids
    )
    for entry in entries:
        if "response_note" in entry.changes:
            entry.changes["response_note"] = ["", ""]
        for name, label in labels.items():
            # The entry's label is "person ← role": keep the role, drop the name.
            entry.object_repr = entry.object_repr.replace(name, label)
        entry.save(update_fields=["changes", "object_repr"])


def merge_invitations(keep: Person, merge: Person) -> int:
    """Move ``merge``'s invitations to ``keep``; returns how many moved.

    Where both records were invited to the same role (one row per role and person), ``keep``'s
    invitation stays and ``merge``'s stays with the merged-away record, withdrawn if it was
    pending: nobody can answer it there. A pending invitation that moves is withdrawn too when
    ``keep`` already holds a place on that mission or has another pending invitation to it, so a
    person never holds two places on one mission.
    """
    kept_roles = Invitation.objects.filter(person=keep).values("role_id")
    Invitation.objects.filter(person=merge, role_id__in=kept_roles, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.WITHDRAWN
    )
    moved = Invitation.objects.filter(person=merge).exclude(role_id__in=kept_roles)
    moved_ids = list(moved.values_list("pk", flat=True))
    moved.update(person=keep)
    placed = Assignment.objects.filter(person=keep, status=AssignmentStatus.ACTIVE).values("mission_id")
    Invitation.objects.filter(
        pk__in=moved_ids, status=InvitationStatus.PENDING, role__mission_id__in=placed
    ).update(status=InvitationStatus.WITHDRAWN)
    pending = Invitation.objects.filter(person=keep, status=InvitationStatus.PENDING).select_related("role")
    # The kept record's own invitations first: on a clash, a moved one gives way.
    seen: set[int] = set()
    for invitation in sorted(pending, key=lambda each: (each.pk in moved_ids, each.created_at, each.pk)):
        if invitation.role.mission_id in seen:
            invitation.status = InvitationStatus.WITHDRAWN
            invitation.save(update_fields=["status", "updated_at"])
        seen.add(invitation.role.mission_id)
    return len(moved_ids)
