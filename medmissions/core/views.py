from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from medmissions.accounts.services import update_profile
from medmissions.audit.models import AuditEntry
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.organizations.access import Capability, access_for
from medmissions.partnerships.models import ActionItem, Partnership, PartnershipStatus
from medmissions.partnerships.services import awaiting_confirmation_by

UPCOMING_REVIEW_DAYS = 60


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:dashboard")
    return render(request, "core/home.html")


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    access = access_for(request.user)
    my_ids = access.organization_ids()
    today = timezone.localdate()
    mine = Partnership.objects.involving(my_ids)
    awaiting = awaiting_confirmation_by(request.user)
    context = {
        "awaiting_confirmation": awaiting.prefetch_related("parties__organization"),
        # Proposals waiting on someone else; those waiting on this person are listed above.
        "proposed_by_us": mine.filter(status=PartnershipStatus.PROPOSED)
        .exclude(pk__in=awaiting.values("pk"))
        .prefetch_related("parties__organization")[:10],
        "upcoming_reviews": mine.filter(
            status__in=[PartnershipStatus.ACTIVE, PartnershipStatus.PAUSED],
            next_review_date__isnull=False,
            next_review_date__lte=today + datetime.timedelta(days=UPCOMING_REVIEW_DAYS),
        ).order_by("next_review_date")[:10],
        "my_actions": ActionItem.objects.outstanding()
        .filter(owner_organization_id__in=my_ids)
        .select_related("partnership", "owner_organization")
        .order_by("due_date")[:10],
        "recent_activity": AuditEntry.objects.filter(
            organization_id__in=access.organization_ids(Capability.VIEW_AUDIT)
        ).select_related("organization")[:12],
        "can_read_activity": bool(access.organization_ids(Capability.VIEW_AUDIT)),
        "active_count": mine.filter(status=PartnershipStatus.ACTIVE).count(),
        "today": today,
    }
    context.update(_volunteer_summary(request, access, today))
    context.update(_missions_summary(request, access, today))
    return render(request, "core/dashboard.html", context)


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """The footer language switch. Signed-in people's profile language wins on every page, so
    for them the choice is saved to the profile too; everyone else gets Django's cookie."""
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and language != user.language:
        update_profile(
            user, actor=user, full_name=user.full_name, language=language, time_zone=user.time_zone
        )
    return set_language(request)


def _volunteer_summary(request: AuthenticatedHttpRequest, access, today: datetime.date) -> dict:
    """The volunteer side of the dashboard: the person's own credentials needing attention and,
    for vetting admins, the documents waiting for their organisation."""
    from medmissions.organizations.current import current_organization
    from medmissions.volunteers.compliance import awaiting_queryset
    from medmissions.volunteers.models import Person
    from medmissions.volunteers.status import credential_status

    summary: dict = {"my_credential_alerts": [], "awaiting_verification": None}
    person = Person.objects.filter(user=request.user).first()
    if person is not None:
        for credential in person.credentials.select_related("credential_type").prefetch_related(
            "verifications"
        ):
            result = credential_status(credential, on=today)
            if result.status != "valid":
                summary["my_credential_alerts"].append((credential, result))
    organization, _memberships = current_organization(request)
    if organization is not None and access.can(organization, Capability.VET_VOLUNTEERS):
        summary["awaiting_verification"] = awaiting_queryset(organization, today=today).count()
        summary["vetting_organization"] = organization
    return summary


def _missions_summary(request: AuthenticatedHttpRequest, access, today: datetime.date) -> dict:
    """The missions side of the dashboard: the person's own applications, upcoming assignments and
    team announcements; what waits for them as a host admin or a coordinator."""
    from medmissions.missions import closeout, invitations, team
    from medmissions.missions.choices import ApplicationStatus, AssignmentStatus, MissionStatus
    from medmissions.missions.models import Application, Assignment, Mission, Need
    from medmissions.partnerships.choices import PartyRole

    user = request.user
    host_admin_ids = access.organization_ids(Capability.CONFIRM_AS_HOST)
    return {
        "my_open_applications": Application.objects.filter(
            person__user=user,
            status__in=[
                ApplicationStatus.SUBMITTED,
                ApplicationStatus.SHORTLISTED,
                ApplicationStatus.WAITLISTED,
            ],
        ).count(),
        "my_upcoming_assignments": Assignment.objects.filter(
            person__user=user, status=AssignmentStatus.ACTIVE, ends_on__gte=today
        )
        .exclude(mission__status=MissionStatus.CANCELLED)
        .select_related("mission", "role")
        .order_by("starts_on")[:5],
        "team_announcements": team.recent_announcements_for(user),
        "my_pending_invitations": list(invitations.pending_invitations_of(user)[:10]),
        "missions_awaiting_host": Mission.objects.filter(
            status=MissionStatus.AWAITING_HOST,
            partnership__parties__role=PartyRole.HOST,
            partnership__parties__organization_id__in=host_admin_ids,
        ).distinct()[:10]
        if host_admin_ids
        else [],
        "needs_awaiting_host": Need.objects.filter(
            host_organization_id__in=host_admin_ids, host_confirmed_at__isnull=True, withdrawn_at__isnull=True
        )[:10]
        if host_admin_ids
        else [],
        "hours_to_approve": list(
            closeout.hours_awaiting_approval(user).select_related("mission", "person")[:10]
        ),
        "open_follow_ups": list(closeout.open_follow_ups_for_host(user)[:10]),
    }
