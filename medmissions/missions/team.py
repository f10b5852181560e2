"""The team of a mission: removing people, naming supervisors for trainees, announcements, the
message thread, and each person's calendar feed of their assignments.

The readiness board and the host's waivers live in board.py; accepting and withdrawing
applications (which create and free places) in applications.py.
"""

from __future__ import annotations

import datetime
import secrets
import urllib.parse
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.missions import recipients
from medmissions.missions.access import MissionAccess
from medmissions.missions.choices import AssignmentStatus, MissionStatus
from medmissions.missions.models import Announcement, Assignment, CalendarFeed, Mission, MissionMessage
from medmissions.missions.services import _party_organization
from medmissions.organizations.access import Capability
from medmissions.volunteers.models import Person
from medmissions.volunteers.reminders import person_recipient

# Once a mission is over (or called off) its team is history: nobody is removed or re-supervised.
CLOSED_MISSION_STATUSES = {MissionStatus.COMPLETED, MissionStatus.EVALUATED, MissionStatus.CANCELLED}
# Statuses in which the visit is certain enough for calendars to show it as confirmed.
CONFIRMED_MISSION_STATUSES = {
    MissionStatus.READY,
    MissionStatus.IN_FIELD,
    MissionStatus.CLOSING,
    MissionStatus.COMPLETED,
    MissionStatus.EVALUATED,
}
SUBJECT_MAX_LENGTH = 200
ANNOUNCEMENT_MAX_LENGTH = 10000
MESSAGE_MAX_LENGTH = 5000


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def mission_path(mission: Mission) -> str:
    """The mission's overview page."""
    return reverse("missions:detail", args=[mission.pk])


def active_assignments(mission: Mission) -> QuerySet[Assignment]:
    return mission.assignments.filter(status=AssignmentStatus.ACTIVE)


def team_recipients(mission: Mission) -> list[tuple[str, str | None]]:
    """One address per person actively assigned: their account's (in their language), else their
    profile's (in the site's language). Erased people are left out."""
    return recipients.people(
        Person.objects.filter(
            assignments__mission=mission, assignments__status=AssignmentStatus.ACTIVE, erased_at__isnull=True
        ).select_related("user")
    )


def _lock_assignment(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("mission__partnership", "mission__site", "role", "person__user", "supervisor")
        .get(pk=assignment.pk)
    )


def _refuse_closed(mission: Mission, message: str) -> None:
    if mission.status in CLOSED_MISSION_STATUSES:
        raise Conflict(message % {"status": mission.get_status_display().lower()}, code="mission_closed")


# Removing people ---------------------------------------------------------------------------------


@transaction.atomic
def remove_assignment(assignment: Assignment, *, actor: User, reason: str) -> Assignment:
    """A coordinator takes a person off the mission, with a reason the person is told.

    The place is freed (only active assignments count against a role), while the application
    stays accepted: it records the decision made at the time. Trainees the person supervised on
    this mission lose their named supervisor, so the board shows the gap again.
    """
    assignment = _lock_assignment(assignment)
    mission = assignment.mission
    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    _refuse_closed(mission, _("Nobody is removed from a mission that is %(status)s."))
    if assignment.status != AssignmentStatus.ACTIVE:
        raise Conflict(
            _("This person is no longer on the team (%(status)s).")
            % {"status": assignment.get_status_display().lower()},
            code="assignment_closed",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the person is removed; they will be told."), fields={"reason": _("Give a reason.")}
        )
    assignment.status = AssignmentStatus.REMOVED
    assignment.removed_reason = reason
    assignment.removed_at = timezone.now()
    assignment.save(update_fields=["status", "removed_reason", "removed_at"])
    unsupervised = list(
        active_assignments(mission).filter(supervisor=assignment.person).values_list("pk", flat=True)
    )
    if unsupervised:
        Assignment.objects.filter(pk__in=unsupervised).update(supervisor=None)
    log_action(
        "missions.assignment.removed",
        actor=actor,
        organization=organization,
        obj=assignment,
        before={"status": AssignmentStatus.ACTIVE},
        after={"status": AssignmentStatus.REMOVED},
        data={
            "mission": mission.pk,
            "role": assignment.role_id,
            "person": assignment.person_id,
            "reason": reason,
            "supervisor_cleared_for": unsupervised,
        },
    )
    recipient = person_recipient(assignment.person)
    if recipient is not None:
        send_on_commit(
            "assignment_removed",
            {
                "assignment": assignment,
                "mission": mission,
                "reason": reason,
                "organization": organization,
                "mission_url": absolute_url(mission_path(mission)),
            },
            [recipient],
        )
    return assignment


# Supervisors for trainees -------------------------------------------------------------------------


def supervisor_candidates(assignment: Assignment) -> QuerySet[Person]:
    """Fully qualified people actively assigned to the same mission, other than the trainee."""
    return (
        Person.objects.filter(
            assignments__mission_id=assignment.mission_id,
            assignments__status=AssignmentStatus.ACTIVE,
            is_trainee=False,
        )
        .exclude(pk=assignment.person_id)
        .distinct()
        .order_by("full_name", "pk")
    )


@transaction.atomic
def set_supervisor(assignment: Assignment, *, actor: User, supervisor: Person | None) -> Assignment:
    """Name (or clear, with ``None``) the supervisor of a trainee's assignment.

    The supervisor must be a person who is not a trainee and holds an active assignment on the
    same mission; the trainee is told by email.
    """
    assignment = _lock_assignment(assignment)
    mission = assignment.mission
    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    _refuse_closed(mission, _("Supervisors are not changed on a mission that is %(status)s."))
    if assignment.status != AssignmentStatus.ACTIVE:
        raise Conflict(_("This person is no longer on the team."), code="assignment_closed")
    if supervisor is not None:
        if not assignment.person.is_trainee:
            raise ValidationFailed(
                _("Only trainees serve under a named supervisor."),
                fields={"supervisor": _("This person is not a trainee.")},
            )
        if supervisor.pk == assignment.person_id or supervisor.is_trainee:
            raise ValidationFailed(
                _("The supervisor must be another, fully qualified person."),
                fields={"supervisor": _("Choose someone who is not a trainee.")},
            )
        if not active_assignments(mission).filter(person=supervisor).exists():
            raise ValidationFailed(
                _("The supervisor must be on this mission's team."),
                fields={"supervisor": _("Choose a person assigned to this mission.")},
            )
    before = assignment.supervisor
    if (before.pk if before else None) == (supervisor.pk if supervisor else None):
        return assignment
    assignment.supervisor = supervisor
    assignment.save(update_fields=["supervisor"])
    log_action(
        "missions.assignment.supervisor_named" if supervisor else "missions.assignment.supervisor_cleared",
        actor=actor,
        organization=organization,
        obj=assignment,
        before={"supervisor": before.pk if before else None},
        after={"supervisor": supervisor.pk if supervisor else None},
        data={
            "mission": mission.pk,
            "supervisor_name": supervisor.full_name if supervisor else None,
            "previous_supervisor_name": before.full_name if before else None,
        },
    )
    recipient = person_recipient(assignment.person)
    if supervisor is not None and recipient is not None:
        send_on_commit(
            "supervisor_named",
            {
                "assignment": assignment,
                "mission": mission,
                "supervisor": supervisor,
                "mission_url": absolute_url(reverse("missions:team", args=[mission.pk])),
            },
            [recipient],
        )
    return assignment


# Announcements --------------------------------------------------------------------------------------


@transaction.atomic
def post_announcement(mission: Mission, *, actor: User, subject: str, body: str) -> Announcement:
    """A coordinator writes to everyone actively assigned: one email each (after commit), and the
    announcement stays on the team tab and the team's dashboards."""
    organization = _party_organization(mission, actor, Capability.MANAGE_MISSIONS)
    subject, body = (subject or "").strip(), (body or "").strip()
    errors: dict[str, str] = {}
    if not subject:
        errors["subject"] = _("Write a subject.")
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = _("Keep the subject under %(count)d characters.") % {"count": SUBJECT_MAX_LENGTH}
    if not body:
        errors["body"] = _("Write the message.")
    elif len(body) > ANNOUNCEMENT_MAX_LENGTH:
        errors["body"] = _("Keep the message under %(count)d characters.") % {
            "count": ANNOUNCEMENT_MAX_LENGTH
        }
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    announcement = Announcement.objects.create(mission=mission, subject=subject, body=body, author=actor)
    team = team_recipients(mission)
    log_action(
        "missions.announcement.posted",
        actor=actor,
        organization=organization,
        obj=announcement,
        data={"mission": mission.pk, "subject": subject, "recipients": len(team)},
    )
    send_on_commit(
        "announcement",
        {
            "announcement": announcement,
            "mission": mission,
            "author": actor,
            "mission_url": absolute_url(reverse("missions:team", args=[mission.pk])),
        },
        team,
    )
    return announcement


def recent_announcements_for(user: Any, limit: int = 5) -> list[Announcement]:
    """Announcements of the missions where ``user`` holds an active assignment, newest first
    (for the dashboard)."""
    if user is None or not user.is_authenticated:
        return []
    missions = Assignment.objects.filter(person__user=user, status=AssignmentStatus.ACTIVE).values(
        "mission_id"
    )
    return list(
        Announcement.objects.filter(mission_id__in=missions)
        .select_related("mission", "author")
        .order_by("-created_at", "-pk")[:limit]
    )


# The message thread ---------------------------------------------------------------------------------


@transaction.atomic
def post_message(mission: Mission, *, actor: User, body: str) -> MissionMessage:
    """Post to the mission's thread: members of its parties and the people on its team."""
    if not MissionAccess.of(actor, mission).can_see_team:
        raise NotAllowed(
            _("Only the team and the partner organisations write in this thread."), code="not_team"
        )
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Write a message first."), fields={"body": _("Write a message.")})
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationFailed(
            _("Messages are at most %(count)d characters; split it in two.") % {"count": MESSAGE_MAX_LENGTH},
            fields={"body": _("At most %(count)d characters.") % {"count": MESSAGE_MAX_LENGTH}},
        )
    message = MissionMessage.objects.create(mission=mission, author=actor, body=body)
    # The body stays out of the audit log: the thread itself is the record.
    log_action("missions.message.posted", actor=actor, obj=message, data={"mission": mission.pk})
    return message


# Calendar feeds ---------------------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def calendar_feed_url(feed: CalendarFeed) -> str:
    return absolute_url(reverse("missions:calendar_feed", args=[feed.token]))


@transaction.atomic
def create_calendar_feed(user: User) -> CalendarFeed:
    """The user's secret feed address, created the first time it is asked for."""
    existing = CalendarFeed.objects.filter(user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            feed = CalendarFeed.objects.create(user=user, token=_new_token())
    except IntegrityError:
        # Two clicks at once: the other request created it.
        return CalendarFeed.objects.get(user=user)
    # Never the token: it is the feed's only credential.
    log_action("missions.calendar_feed.created", actor=user, obj=feed)
    return feed


@transaction.atomic
def reset_calendar_feed(user: User) -> CalendarFeed:
    """Replace the feed's token: the old address stops working at once (creates the feed if none)."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return create_calendar_feed(user)
    feed.token = _new_token()
    feed.save(update_fields=["token"])
    log_action("missions.calendar_feed.reset", actor=user, obj=feed)
    return feed


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed of an active account with this token, if any."""
    if not token or len(token) > 64:
        return None
    return CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()


def calendar_assignments(user: User) -> QuerySet[Assignment]:
    """The user's active assignments on missions that are not cancelled, soonest first."""
    return (
        Assignment.objects.filter(person__user=user, status=AssignmentStatus.ACTIVE)
        .exclude(mission__status=MissionStatus.CANCELLED)
        .select_related("mission__site", "role")
        .order_by("starts_on", "pk")
    )


def _location(mission: Mission) -> str:
    site = mission.site
    parts = [site.name, site.town, str(site.country.name) if site.country else ""]
    return ", ".join(part for part in parts if part)


def build_calendar(user: User, *, now: datetime.datetime | None = None) -> bytes:
    """An iCalendar (RFC 5545) document with one all-day event per assignment of ``user``."""
    from icalendar import Calendar, Event

    stamp = now or timezone.now()
    domain = urllib.parse.urlsplit(settings.SITE_URL).hostname or "medmissions"
    calendar = Calendar()
    calendar.add("prodid", "-//medmissions//missions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    with translation.override(user.language or settings.LANGUAGE_CODE):
        calendar.add("x-wr-calname", _("My missions (medmissions)"))
        for assignment in calendar_assignments(user):
            mission = assignment.mission
            url = absolute_url(mission_path(mission))
            event = Event()
            event.add("uid", f"assignment-{assignment.pk}@{domain}")
            event.add("dtstamp", stamp)
            event.add("dtstart", assignment.starts_on)
            # All-day events end on the day after the last day (DTEND is exclusive).
            event.add("dtend", assignment.ends_on + datetime.timedelta(days=1))
            event.add("summary", f"{mission.title} — {assignment.role.title}")
            event.add("location", _location(mission))
            event.add(
                "description",
                _("Your role: %(role)s. Local time zone: %(zone)s.\n%(url)s")
                % {"role": assignment.role.title, "zone": mission.time_zone, "url": url},
            )
            event.add("url", url)
            event.add("status", "CONFIRMED" if mission.status in CONFIRMED_MISSION_STATUSES else "TENTATIVE")
            event.add("transp", "OPAQUE")
            calendar.add_component(event)
    return calendar.to_ical()
