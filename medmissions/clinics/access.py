"""Who may see and do what in field clinics. Every view and API endpoint loads clinic objects
through the helpers here, never by bare id; what one may not see answers 404.

* A **team** is seen by the parties of its mission, its assigned members, its lead and the
  organisation coordinating its response (``Team.visible_to``); its consultations, daily reports
  and referrals likewise.
* **Capture** (recording and correcting consultations, flagging items 51–65, referring): the team
  lead, the mission's assigned members and contributors of its parties; for a team registered by
  the coordination cell (no mission), contributors of the coordinating organisation.
* **Managing** the team and **submitting** its reports: the lead and coordinators of the mission's
  parties (``Capability.MANAGE_MISSIONS``); for a team without a mission, coordinators of the
  coordinating organisation.
* **The health authority** of a team is its response's coordinating organisation, or for a mission
  outside any response, the mission's host. Its coordinators and admins
  (``Capability.COORDINATE_RESPONSES``) and the team lead alone see **restricted items** (28, 31,
  42, 43, 47–50) at consultation level; everyone else sees them as counts only.
* A **response** is seen by members of its coordinating organisation (who alone see the
  coordination view) and by those of its teams; its coordinators run it.
* **Referrals** are also seen by members of the receiving facility's host, who accept and close
  them, and by the host staff a follow-up is assigned to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.http import Http404

from medmissions.clinics.models import (
    Consultation,
    DailyReport,
    FollowUp,
    Referral,
    Response,
    Team,
)
from medmissions.missions.choices import AssignmentStatus
from medmissions.organizations.access import Capability, access_for
from medmissions.partnerships.choices import PartyRole


def _signed_in(user: Any) -> None:
    if user is None or not user.is_authenticated:
        raise Http404


@dataclass
class TeamAccess:
    """What ``user`` may do with ``team``; computed once per request."""

    user: Any
    team: Team

    @classmethod
    def of(cls, user: Any, team: Team) -> TeamAccess:
        return cls(user=user, team=team)

    @cached_property
    def _access(self):
        return access_for(self.user)

    @cached_property
    def _parties(self) -> dict[int, str]:
        mission = self.team.mission
        if mission is None:
            return {}
        return dict(mission.partnership.parties.values_list("organization_id", "role"))

    def _party_with(self, capability: Capability) -> bool:
        return any(self._access.can(organization_id, capability) for organization_id in self._parties)

    @cached_property
    def _coordinating_id(self) -> int | None:
        response = self.team.response
        return response.coordinating_organization_id if response is not None else None

    @property
    def signed_in(self) -> bool:
        return self.user is not None and self.user.is_authenticated

    @cached_property
    def is_lead(self) -> bool:
        return self.signed_in and self.team.lead_id == self.user.pk

    @cached_property
    def is_assigned(self) -> bool:
        mission = self.team.mission
        if not self.signed_in or mission is None:
            return False
        return mission.assignments.filter(person__user=self.user, status=AssignmentStatus.ACTIVE).exists()

    @cached_property
    def health_authority_ids(self) -> set[int]:
        if self._coordinating_id is not None:
            return {self._coordinating_id}
        return {organization_id for organization_id, role in self._parties.items() if role == PartyRole.HOST}

    def _authority_with(self, capability: Capability) -> bool:
        return any(
            self._access.can(organization_id, capability) for organization_id in self.health_authority_ids
        )

    @cached_property
    def is_coordinator(self) -> bool:
        """A member of the organisation coordinating the team's response."""
        return self._coordinating_id is not None and self._access.can(self._coordinating_id, Capability.VIEW)

    @cached_property
    def can_view(self) -> bool:
        return self.is_lead or self.is_assigned or self._party_with(Capability.VIEW) or self.is_coordinator

    @cached_property
    def can_capture(self) -> bool:
        if self.is_lead or self.is_assigned:
            return True
        if self.team.mission_id is None:
            return self._coordinating_id is not None and self._access.can(
                self._coordinating_id, Capability.CONTRIBUTE
            )
        return self._party_with(Capability.CONTRIBUTE)

    @cached_property
    def can_manage(self) -> bool:
        """Submit and correct reports, edit the team, import files."""
        if self.is_lead:
            return True
        if self.team.mission_id is None:
            return self._coordinating_id is not None and self._access.can(
                self._coordinating_id, Capability.COORDINATE_RESPONSES
            )
        return self._party_with(Capability.MANAGE_MISSIONS)

    @cached_property
    def can_see_restricted(self) -> bool:
        """Consultation-level detail of restricted items: the lead and the health authority's coordinators."""
        return self.is_lead or self._authority_with(Capability.COORDINATE_RESPONSES)

    def require_view(self) -> None:
        if not self.can_view:
            raise Http404


def teams(user: Any):
    return Team.objects.visible_to(user).select_related("response", "mission")


def get_team_or_404(user: Any, pk: int) -> Team:
    _signed_in(user)
    team = (
        Team.objects.visible_to(user)
        .filter(pk=pk)
        .select_related("response", "mission__partnership", "mission__site", "lead")
        .first()
    )
    if team is None:
        raise Http404
    return team


def get_report_or_404(user: Any, pk: int) -> DailyReport:
    _signed_in(user)
    report = (
        DailyReport.objects.visible_to(user)
        .filter(pk=pk)
        .select_related(
            "team__response", "team__mission__partnership", "team__lead", "site", "current_version"
        )
        .first()
    )
    if report is None:
        raise Http404
    return report


def get_consultation_or_404(user: Any, pk: int) -> Consultation:
    _signed_in(user)
    consultation = (
        Consultation.objects.visible_to(user)
        .filter(pk=pk)
        .select_related("team__response", "team__mission__partnership", "report__site")
        .first()
    )
    if consultation is None:
        raise Http404
    return consultation


def responses(user: Any):
    return Response.objects.visible_to(user).select_related("coordinating_organization")


def get_response_or_404(user: Any, pk: int) -> Response:
    _signed_in(user)
    response = responses(user).filter(pk=pk).first()
    if response is None:
        raise Http404
    return response


def is_coordinating_member(user: Any, response: Response, capability: Capability = Capability.VIEW) -> bool:
    return access_for(user).can(response.coordinating_organization_id, capability)


def get_coordinated_response_or_404(user: Any, pk: int) -> Response:
    """A response whose coordinating organisation the user belongs to (the coordination view)."""
    response = get_response_or_404(user, pk)
    if not is_coordinating_member(user, response):
        raise Http404
    return response


def get_referral_or_404(user: Any, pk: int) -> Referral:
    _signed_in(user)
    referral = (
        Referral.objects.visible_to(user)
        .filter(pk=pk)
        .select_related(
            "team__response", "team__mission__partnership", "facility__host_organization", "consultation"
        )
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def get_follow_up_or_404(user: Any, pk: int) -> FollowUp:
    _signed_in(user)
    follow_up = (
        FollowUp.objects.filter(pk=pk, referral__in=Referral.objects.visible_to(user).values("pk"))
        .select_related("referral__team", "referral__facility", "assignee")
        .first()
    )
    if follow_up is None:
        raise Http404
    return follow_up


def is_facility_member(user: Any, referral: Referral, capability: Capability = Capability.CONTRIBUTE) -> bool:
    """A member of the organisation hosting the facility the patient was referred to."""
    return access_for(user).can(referral.facility.host_organization_id, capability)


def audit_organization(team: Team):
    """The organisation whose audit trail records a team's events: the mission's host (whose
    patients they are), or for a team without a mission, the coordinating organisation."""
    from medmissions.organizations.models import Organization

    if team.mission is not None:
        party = (
            team.mission.partnership.parties.filter(role=PartyRole.HOST)
            .select_related("organization")
            .first()
        )
        if party is not None:
            return party.organization
    if team.response is not None:
        return Organization.objects.filter(pk=team.response.coordinating_organization_id).first()
    return None
