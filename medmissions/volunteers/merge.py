"""Merging two records of the same person (found by an import, or spotted by a vetting admin).

One record is **kept**; the other is **merged away**. Everything the merged-away record holds
moves to the kept one:

* credentials, with their documents and every organisation's verifications;
* specialties (where both have one, the higher proficiency stays);
* languages (where both have one, the higher level of each skill stays);
* availability windows;
* affiliations: the kept record gains those it lacks.

The merged-away record stays as a placeholder with ``merged_into`` pointing at the kept one, its
own profile fields and affiliations untouched, so that both records' history and audit trail stay
reachable; the active lists (``Person.objects.active()``) leave it out and it can no longer change.

Who may merge, in an organisation where they vet volunteers (coordinators and admins):

* the merged-away record must be unclaimed (no account) and belong to the organisation (a home
  affiliation): it is a record the organisation itself registered or imported;
* the kept record must be affiliated with the organisation. It may be claimed by its owner; then
  nothing of theirs is overwritten (every field keeps their value), because they did not consent
  to it. An unclaimed kept record must be one the actor may edit;
* two records that both have an account cannot be merged: only one account can own a profile.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.organizations.access import Capability, require
from medmissions.organizations.models import Organization
from medmissions.volunteers.access import can_edit_profile
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import (
    Affiliation,
    AvailabilityWindow,
    Credential,
    Person,
)
from medmissions.volunteers.services import PROFILE_FIELDS

MERGED_ACTION = "volunteers.person.merged"
# Profile fields whose value the admin picks from either record.
MERGE_FIELDS = list(PROFILE_FIELDS)


def check_mergeable(*, actor: User, organization: Organization, keep: Person, merge: Person) -> None:
    """Raise the reason why ``merge`` cannot be merged into ``keep``, if there is one."""
    require(actor, organization, Capability.VET_VOLUNTEERS)
    if keep.pk == merge.pk:
        raise ValidationFailed(_("Choose two different people."), code="same_person")
    for person in (keep, merge):
        if person.merged_into_id is not None or person.erased_at is not None:
            raise Conflict(
                _("%(name)s was already merged or erased.") % {"name": person.full_name},
                code="profile_closed",
            )
    if keep.user_id and merge.user_id:
        raise Conflict(
            _(
                "Both records belong to people who signed in: only one account can own a profile, so they cannot be merged. Ask one of them to delete the duplicate details."
            ),
            code="both_claimed",
        )
    if merge.user_id:
        raise Conflict(
            _(
                "%(name)s manages this record through their account: keep it, and merge the other record into it."
            )
            % {"name": merge.full_name},
            code="claimed_must_be_kept",
        )
    if not merge.affiliations.filter(organization=organization, kind=AffiliationKind.HOME).exists():
        raise NotAllowed(
            _("Only people your organisation registered or imported can be merged into another record."),
            code="not_home_person",
        )
    if not keep.affiliations.filter(organization=organization).exists():
        raise NotAllowed(
            _("The record to keep must be affiliated with your organisation."), code="not_affiliated"
        )
    if keep.user_id is None and not can_edit_profile(actor, keep):
        raise NotAllowed(_("You may not change the record to keep."), code="not_profile_owner")


def _take_fields(take: Iterable[str], keep: Person) -> list[str]:
    fields = sorted(set(take))
    unknown = [name for name in fields if name not in MERGE_FIELDS]
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)},
            fields={"fields": ", ".join(unknown)},
        )
    if fields and keep.user_id:
        raise NotAllowed(
            _(
                "%(name)s manages their own profile: their details cannot be overwritten. Keep every field as it is."
            )
            % {"name": keep.full_name},
            code="claimed_profile",
        )
    return fields


def _move_specialties(keep: Person, merge: Person) -> int:
    kept = {row.specialty_id: row for row in keep.specialties.all()}
    moved = 0
    for row in merge.specialties.all():
        existing = kept.get(row.specialty_id)
        if existing is None:
            row.person = keep
            row.save(update_fields=["person"])
            moved += 1
            continue
        if row.proficiency > existing.proficiency:
            existing.proficiency = row.proficiency
            existing.save(update_fields=["proficiency"])
        row.delete()
    return moved


def _move_languages(keep: Person, merge: Person) -> int:
    kept = {row.language_id: row for row in keep.languages.all()}
    moved = 0
    for row in merge.languages.all():
        existing = kept.get(row.language_id)
        if existing is None:
            row.person = keep
            row.save(update_fields=["person"])
            moved += 1
            continue
        for skill in ("speaking", "reading", "writing"):
            setattr(existing, skill, max(getattr(existing, skill), getattr(row, skill)))
        existing.save(update_fields=["speaking", "reading", "writing"])
        row.delete()
    return moved


def _copy_affiliations(keep: Person, merge: Person) -> list[dict[str, Any]]:
    existing = set(keep.affiliations.values_list("organization_id", "kind"))
    added = [
        Affiliation(person=keep, organization_id=organization_id, kind=kind)
        for organization_id, kind in merge.affiliations.values_list("organization_id", "kind")
        if (organization_id, kind) not in existing
    ]
    Affiliation.objects.bulk_create(added)
    return [{"organization": row.organization_id, "kind": row.kind} for row in added]


@transaction.atomic
def _move_mission_records(keep: Person, merge: Person) -> int:
    """Applications, invitations, assignments and course completions follow the record that lives
    on, except where the kept record already has its own for the same role, mission or course date
    (those stay with the merged-away record, which keeps pointing at the kept one)."""
    from medmissions.missions.choices import AssignmentStatus
    from medmissions.missions.models import Application, Assignment, Completion
    from medmissions.missions.privacy import merge_invitations

    moved = (
        Application.objects.filter(person=merge)
        .exclude(role_id__in=Application.objects.filter(person=keep).values("role_id"))
        .update(person=keep)
    )
    moved += (
        Assignment.objects.filter(person=merge)
        .exclude(
            mission_id__in=Assignment.objects.filter(person=keep, status=AssignmentStatus.ACTIVE).values(
                "mission_id"
            )
        )
        .update(person=keep)
    )
    Assignment.objects.filter(supervisor=merge).update(supervisor=keep)
    moved += merge_invitations(keep, merge)
    for completion in Completion.objects.filter(person=merge):
        if not Completion.objects.filter(
            person=keep, course_id=completion.course_id, completed_on=completion.completed_on
        ).exists():
            completion.person = keep
            completion.save(update_fields=["person"])
            moved += 1
    return moved


def merge_people(
    *, actor: User, organization: Organization, keep: Person, merge: Person, take: Iterable[str] = ()
) -> Person:
    """Merge ``merge`` into ``keep``; ``take`` names the profile fields whose value comes from
    ``merge`` (every other field keeps the kept record's value). Returns the kept person."""
    # Lock both rows (in a fixed order, so two opposite merges cannot deadlock) and re-read them.
    locked = {
        person.pk: person
        for person in Person.objects.select_for_update().filter(pk__in=[keep.pk, merge.pk]).order_by("pk")
    }
    keep, merge = locked.get(keep.pk, keep), locked.get(merge.pk, merge)
    check_mergeable(actor=actor, organization=organization, keep=keep, merge=merge)
    fields = _take_fields(take, keep)
    before = snapshot(keep, PROFILE_FIELDS)
    for name in fields:
        setattr(keep, name, getattr(merge, name))
    keep.save()
    credentials_moved = Credential.objects.filter(person=merge).update(person=keep)
    availability_moved = AvailabilityWindow.objects.filter(person=merge).update(person=keep)
    specialties_moved = _move_specialties(keep, merge)
    languages_moved = _move_languages(keep, merge)
    affiliations_added = _copy_affiliations(keep, merge)
    keep.value_tags.add(*merge.value_tags.all())
    missions_moved = _move_mission_records(keep, merge)
    # Records merged into the merged-away one earlier now point at the record that lives on.
    Person.objects.filter(merged_into=merge).update(merged_into=keep)
    merge.merged_into = keep
    merge.save(update_fields=["merged_into", "updated_at"])
    log_action(
        MERGED_ACTION,
        actor=actor,
        organization=organization,
        obj=keep,
        before=before,
        after=snapshot(keep, PROFILE_FIELDS),
        data={
            "kept": keep.pk,
            "merged": merge.pk,
            "fields_taken": fields,
            "credentials_moved": credentials_moved,
            "specialties_moved": specialties_moved,
            "languages_moved": languages_moved,
            "availability_moved": availability_moved,
            "affiliations_added": affiliations_added,
            "mission_records_moved": missions_moved,
        },
    )
    return keep
