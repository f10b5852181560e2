"""Who gets the missions app's emails: one place for the (address, language) pairs that
``core.mail.send_on_commit`` takes."""

from __future__ import annotations

from collections.abc import Iterable

from medmissions.organizations.choices import Role as MembershipRole
from medmissions.organizations.models import Membership
from medmissions.volunteers.models import Person
from medmissions.volunteers.reminders import person_recipient

Recipient = tuple[str, str | None]
MANAGERS = (MembershipRole.ADMIN, MembershipRole.COORDINATOR)
ADMINS = (MembershipRole.ADMIN,)


def members_of(organization_ids: Iterable[int], roles: Iterable[str] = MANAGERS) -> list[Recipient]:
    """The members of these organisations who hold one of ``roles``, once each, sorted by address."""
    memberships = Membership.objects.filter(
        organization_id__in=list(organization_ids), role__in=list(roles)
    ).select_related("user")
    return sorted({(membership.user.email, membership.user.language) for membership in memberships})


def people(persons: Iterable[Person]) -> list[Recipient]:
    """Each person's address (their account's, else their profile's); people without one are left out."""
    found = {recipient for person in persons if (recipient := person_recipient(person)) is not None}
    return sorted(found, key=lambda recipient: recipient[0])
