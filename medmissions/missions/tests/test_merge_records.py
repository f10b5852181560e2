"""Merging two records of one person carries their mission history and values to the kept one."""

import pytest

from medmissions.missions.models import Application, Assignment, Completion, Course
from medmissions.organizations.models import ValueTag
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.merge import merge_people
from medmissions.volunteers.models import Affiliation, Person

from .conftest import END, START

pytestmark = pytest.mark.django_db


def registered(organization, name: str) -> Person:
    person = Person.objects.create(full_name=name, email="achieng@example.org")
    Affiliation.objects.create(person=person, organization=organization, kind=AffiliationKind.HOME)
    return person


def test_applications_assignments_completions_and_values_follow_the_kept_record(sending, role, users):
    kept = registered(sending, "Achieng Odhiambo")
    duplicate = registered(sending, "A. Odhiambo")
    application = Application.objects.create(role=role, person=duplicate, motivation="Paper form.")
    assignment = Assignment.objects.create(
        mission=role.mission,
        role=role,
        person=duplicate,
        application=application,
        starts_on=START,
        ends_on=END,
    )
    Completion.objects.create(
        person=duplicate, course=Course.objects.create(slug="security", title="Security"), completed_on=START
    )
    duplicate.value_tags.set(ValueTag.objects.filter(slug="host-led"))

    merge_people(actor=users["coordinator"], organization=sending, keep=kept, merge=duplicate)

    assert Application.objects.get(pk=application.pk).person == kept
    assert Assignment.objects.get(pk=assignment.pk).person == kept
    assert Completion.objects.get().person == kept
    assert list(kept.value_tags.values_list("slug", flat=True)) == ["host-led"]
