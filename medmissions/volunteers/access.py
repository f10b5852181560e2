"""Who may see, edit, vet and read documents of a person. Builds on organizations.access."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from medmissions.core.errors import NotAllowed
from medmissions.organizations.access import Capability, access_for
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Person


def is_owner(user: Any, person: Person) -> bool:
    return user is not None and user.is_authenticated and person.user_id == user.pk


def vetting_organization_ids(user: Any, person: Person) -> set[int]:
    """Organisations the person is affiliated with in which ``user`` may vet volunteers."""
    mine = access_for(user).organization_ids(Capability.VET_VOLUNTEERS)
    if not mine:
        return set()
    return set(person.affiliations.filter(organization_id__in=mine).values_list("organization_id", flat=True))


def home_organization_ids(user: Any, person: Person) -> set[int]:
    mine = access_for(user).organization_ids(Capability.VET_VOLUNTEERS)
    return set(
        person.affiliations.filter(kind=AffiliationKind.HOME, organization_id__in=mine).values_list(
            "organization_id", flat=True
        )
    )


def can_edit_profile(user: Any, person: Person) -> bool:
    """The person edits their own profile; a home organisation's vetting admins edit only profiles
    nobody has claimed yet (people the organisation imported or registered)."""
    if is_owner(user, person):
        return True
    return person.user_id is None and bool(home_organization_ids(user, person))


def require_edit(user: Any, person: Person) -> None:
    if person.erased_at is not None or person.merged_into_id is not None:
        raise NotAllowed(_("This profile was erased or merged and cannot change."), code="profile_closed")
    if not can_edit_profile(user, person):
        raise NotAllowed(_("Only the person themself can change this profile."), code="not_profile_owner")


def can_read_documents(user: Any, person: Person) -> bool:
    """Credential documents: the owner, and vetting admins of organisations the person is affiliated with."""
    return is_owner(user, person) or bool(vetting_organization_ids(user, person))


def require_vetting(user: Any, person: Person, organization_id: int) -> None:
    if organization_id not in vetting_organization_ids(user, person):
        raise NotAllowed(
            _(
                "Only coordinators and admins of an organisation the person is affiliated with verify their credentials."
            ),
            code="not_vetting_admin",
        )
