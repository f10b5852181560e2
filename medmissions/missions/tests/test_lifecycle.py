"""Every refused transition gives a clear reason; only the host confirms; close-out needs a handover plan."""

import pytest

from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.missions import services
from medmissions.missions.choices import EvaluationSide, MissionStatus
from medmissions.missions.models import Evaluation, HandoverPlan, Mission, Role

from .conftest import specialty

pytestmark = pytest.mark.django_db


def status(mission):
    return Mission.objects.get(pk=mission.pk).status


def test_a_mission_cannot_go_to_the_host_without_roles(mission, users):
    with pytest.raises(ValidationFailed, match="at least one role"):
        services.submit_for_host_confirmation(mission, actor=users["coordinator"])


def test_it_cannot_recruit_before_a_host_admin_confirms(
    mission, role, users, django_capture_on_commit_callbacks, mailoutbox
):
    with pytest.raises(Conflict, match="awaiting the host"):
        services.host_confirm(mission, actor=users["host_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    assert [m.to for m in mailoutbox] == [["host_admin@example.org"]]
    for person in ("coordinator", "admin", "host_member"):
        with pytest.raises(NotAllowed):
            services.host_confirm(mission, actor=users[person])
    services.host_confirm(mission, actor=users["host_admin"])
    assert status(mission) == MissionStatus.RECRUITING


def test_the_host_can_send_it_back_with_a_reason(mission, role, users):
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    with pytest.raises(ValidationFailed):
        services.return_to_draft(mission, actor=users["host_admin"], reason="")
    services.return_to_draft(mission, actor=users["host_admin"], reason="Move it after the rainy season.")
    assert status(mission) == MissionStatus.DRAFT


def test_it_cannot_be_ready_without_assignments(mission, role, users):
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    services.host_confirm(mission, actor=users["host_admin"])
    with pytest.raises(ValidationFailed, match="Nobody is assigned"):
        services.mark_ready(mission, actor=users["coordinator"])


@pytest.mark.parametrize(
    ("transition", "message"),
    [
        (services.mark_ready, "Only a recruiting mission"),
        (services.start_field_work, "Only a ready mission"),
        (services.start_closing, "Only a mission in the field"),
        (services.complete, "Only a closing mission"),
        (services.mark_evaluated, "Only a completed mission"),
    ],
)
def test_each_out_of_order_transition_is_refused_with_its_reason(mission, users, transition, message):
    with pytest.raises(Conflict, match=message):
        transition(mission, actor=users["coordinator"])
    assert status(mission) == MissionStatus.DRAFT


def test_completion_needs_a_handover_plan_and_evaluation_needs_both_sides(mission, users, sending, host):
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.CLOSING)
    with pytest.raises(ValidationFailed, match="handover plan"):
        services.complete(mission, actor=users["coordinator"])
    HandoverPlan.objects.create(
        mission=mission,
        local_lead="Dr Namono, head of surgery",
        referral_pathways="Mbale RRH surgical clinic, Tuesdays.",
    )
    services.complete(mission, actor=users["coordinator"])
    Evaluation.objects.create(
        mission=mission,
        side=EvaluationSide.VISITING,
        organization=sending,
        what_went_well="a",
        what_to_change="b",
        overall_score=4,
    )
    with pytest.raises(ValidationFailed, match="Host"):
        services.mark_evaluated(mission, actor=users["coordinator"])
    Evaluation.objects.create(
        mission=mission,
        side=EvaluationSide.HOST,
        organization=host,
        what_went_well="a",
        what_to_change="b",
        overall_score=4,
    )
    services.mark_evaluated(mission, actor=users["coordinator"])
    assert status(mission) == MissionStatus.EVALUATED


def test_cancelling_tells_everyone_on_commit_only(
    mission, users, django_capture_on_commit_callbacks, mailoutbox
):
    with pytest.raises(ValidationFailed):
        services.cancel(mission, actor=users["coordinator"], reason="")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.cancel(mission, actor=users["coordinator"], reason="Security advisory for the region.")
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    recipients = {address for message in mailoutbox for address in message.to}
    assert {"admin@example.org", "coordinator@example.org", "host_admin@example.org"} <= recipients
    with pytest.raises(Conflict):
        services.cancel(mission, actor=users["coordinator"], reason="Again.")


def test_missions_need_an_active_partnership_and_a_hosts_site(users, proposed_partnership, site, need, other):
    data = {"title": "x", "starts_on": need.earliest_start, "ends_on": need.latest_end, "capacity": 2}
    with pytest.raises(Conflict, match="active partnership"):
        services.create_mission(
            actor=users["coordinator"], partnership=proposed_partnership, site=site, data=data, needs=[need]
        )
    with pytest.raises(NotAllowed):
        services.create_mission(
            actor=users["member"], partnership=proposed_partnership, site=site, data=data, needs=[need]
        )
    assert not Mission.objects.exists()


def test_roles_respect_capacity_and_cannot_be_deleted_with_people_on_them(mission, role, users):
    with pytest.raises(ValidationFailed, match="capacity"):
        services.add_role(
            mission,
            actor=users["coordinator"],
            data={
                "title": "Nurses",
                "specialty": specialty("theatre-nursing"),
                "people_needed": 5,
                "scope_of_practice": "Theatre.",
            },
        )
    assert Role.objects.count() == 1
    services.delete_role(role, actor=users["coordinator"])
    assert not Role.objects.exists()
