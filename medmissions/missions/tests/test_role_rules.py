"""Roles keep their history, and spiritual-care roles need the host's agreement."""

import pytest

from medmissions.core.errors import Conflict, ValidationFailed
from medmissions.missions import applications, services
from medmissions.missions.models import Role

from .conftest import specialty

pytestmark = pytest.mark.django_db


def test_a_role_someone_held_stays_for_the_record(mission, role, users):
    from medmissions.conftest import make_user

    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    services.host_confirm(mission, actor=users["host_admin"])
    volunteer = make_user("nadia@example.org", "Nadia Okafor")
    application = applications.apply(role, actor=volunteer, motivation="Hernia camps in Tororo.")
    applications.accept(application, actor=users["coordinator"])
    applications.withdraw(application, actor=volunteer)

    with pytest.raises(Conflict, match="stays for the record"):
        services.delete_role(role, actor=users["coordinator"])
    assert Role.objects.filter(pk=role.pk).exists()


def test_roles_cannot_be_deleted_once_the_mission_is_ready(mission, role, users):
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    services.host_confirm(mission, actor=users["host_admin"])
    type(mission).objects.filter(pk=mission.pk).update(status="ready")

    with pytest.raises(Conflict, match="can no longer change"):
        services.delete_role(role, actor=users["coordinator"])


def test_a_chaplaincy_role_needs_the_host_s_agreement_to_spiritual_care(mission, users):
    data = {
        "title": "Chaplain",
        "specialty": specialty("chaplaincy"),
        "people_needed": 1,
        "scope_of_practice": "Pastoral support for staff on request only.",
    }
    with pytest.raises(ValidationFailed) as refused:
        services.add_role(mission, actor=users["coordinator"], data=data)
    assert "specialty" in refused.value.fields

    type(mission).objects.filter(pk=mission.pk).update(spiritual_care_agreed=True)
    mission.refresh_from_db()
    assert services.add_role(mission, actor=users["coordinator"], data=data).title == "Chaplain"


def test_a_role_can_prefer_local_health_workers(mission, users):
    role = services.add_role(
        mission,
        actor=users["coordinator"],
        data={
            "title": "Midwife",
            "specialty": specialty("midwifery"),
            "people_needed": 1,
            "scope_of_practice": "Antenatal clinics with the host's midwives.",
            "prefers_local_health_workers": True,
        },
    )
    assert role.prefers_local_health_workers
    role = services.update_role(
        role, actor=users["coordinator"], data={"prefers_local_health_workers": False}
    )
    assert not role.prefers_local_health_workers


def test_a_cancelled_mission_no_longer_holds_the_person_s_dates(
    mission, role, users, active_partnership, site
):
    from medmissions.conftest import make_user
    from medmissions.missions.applications import overlapping_assignment

    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    services.host_confirm(mission, actor=users["host_admin"])
    volunteer = make_user("nadia@example.org", "Nadia Okafor")
    assignment = applications.accept(
        applications.apply(role, actor=volunteer, motivation="Tororo."), actor=users["coordinator"]
    )
    person = assignment.person
    assert overlapping_assignment(person, mission.starts_on, mission.ends_on) is not None

    services.cancel(mission, actor=users["coordinator"], reason="The host asked us to postpone.")
    assert overlapping_assignment(person, mission.starts_on, mission.ends_on) is None
