"""A mission is ready only when every assignment is ready or the host waived the gap with a reason."""

import pytest

from medmissions.core.errors import ValidationFailed
from medmissions.missions import services
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Assignment, Mission, RequirementWaiver
from medmissions.volunteers.models import Person, PersonSpecialty

from .conftest import END, START, specialty

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiting(mission, role, users):
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    return services.host_confirm(mission, actor=users["host_admin"])


@pytest.fixture
def assignment(recruiting, role):
    person = Person.objects.create(full_name="Dr Achieng Odhiambo", profession=specialty("medicine"))
    PersonSpecialty.objects.create(person=person, specialty=specialty("general-surgery"), proficiency=3)
    return Assignment.objects.create(
        mission=recruiting, role=role, person=person, starts_on=START, ends_on=END
    )


def test_unmet_requirements_block_ready_until_the_host_waives_each(recruiting, assignment, users):
    blocking = services.unready_assignments(recruiting)
    assert "credential:passport" in blocking[assignment.pk]
    with pytest.raises(ValidationFailed, match="not ready"):
        services.mark_ready(recruiting, actor=users["coordinator"])
    for key in blocking[assignment.pk]:
        RequirementWaiver.objects.create(
            assignment=assignment,
            requirement_key=key,
            reason="Host vouches; documents at the border.",
            waived_by=users["host_admin"],
        )
    services.mark_ready(recruiting, actor=users["coordinator"])
    assert Mission.objects.get(pk=recruiting.pk).status == MissionStatus.READY


def test_a_trainee_without_a_named_supervisor_blocks_ready(recruiting, assignment):
    Person.objects.filter(pk=assignment.person_id).update(is_trainee=True)
    assert "supervisor" in services.unready_assignments(recruiting)[assignment.pk]
