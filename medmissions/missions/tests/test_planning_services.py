"""Planning services: editing needs, missions and roles, spiritual care only where the host agreed,
derived need statuses in batches, and the lifecycle table."""

import datetime

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.models import Language
from medmissions.missions import services
from medmissions.missions.choices import MissionStatus, NeedStatus
from medmissions.missions.models import Assignment, Mission, Need, NeedLine, Role
from medmissions.organizations.models import Capability as CapabilityTerm
from medmissions.sites.models import Site
from medmissions.volunteers.models import CredentialType, Person

from .conftest import END, START, specialty

pytestmark = pytest.mark.django_db

MISSION_DATA = {"title": "Mbale eye camp", "starts_on": START, "ends_on": END, "capacity": 4}


def capability(slug: str) -> CapabilityTerm:
    return CapabilityTerm.objects.get(slug=slug)


def counts() -> tuple[int, ...]:
    return (
        Need.objects.count(),
        NeedLine.objects.count(),
        Mission.objects.count(),
        Role.objects.count(),
        AuditEntry.objects.count(),
    )


def assign(mission: Mission, role: Role, name: str = "Dr Achieng Odhiambo") -> Assignment:
    person = Person.objects.create(full_name=name)
    return Assignment.objects.create(mission=mission, role=role, person=person, starts_on=START, ends_on=END)


@pytest.fixture
def proposed(users, sending, site, active_partnership):
    return services.create_need(
        actor=users["coordinator"],
        author=sending,
        site=site,
        data={
            "title": "Anaesthesia training",
            "description": "Train two anaesthetic officers.",
            "earliest_start": datetime.date(2027, 7, 1),
            "latest_end": datetime.date(2027, 8, 31),
        },
        lines=[(specialty("anaesthesia"), 1)],
    )


# Spiritual care ---------------------------------------------------------------------------------


def test_spiritual_care_needs_the_hosts_agreement(users, active_partnership, site, need):
    before = counts()
    with pytest.raises(ValidationFailed) as error:
        services.create_mission(
            actor=users["coordinator"],
            partnership=active_partnership,
            site=site,
            data=MISSION_DATA,
            needs=[need],
            services=[capability("surgery"), capability("spiritual-care")],
        )
    assert set(error.value.fields) == {"services"}
    assert counts() == before
    mission = services.create_mission(
        actor=users["coordinator"],
        partnership=active_partnership,
        site=site,
        data={**MISSION_DATA, "spiritual_care_agreed": True},
        needs=[need],
        services=[capability("spiritual-care")],
    )
    assert list(mission.services.values_list("slug", flat=True)) == ["spiritual-care"]


def test_a_service_below_spiritual_care_counts_as_spiritual_care(users, active_partnership, site, need):
    chaplaincy = CapabilityTerm.objects.create(
        slug="hospital-chaplaincy", name="Chaplaincy", parent=capability("spiritual-care")
    )
    with pytest.raises(ValidationFailed, match="only where the host has agreed"):
        services.create_mission(
            actor=users["coordinator"],
            partnership=active_partnership,
            site=site,
            data=MISSION_DATA,
            needs=[need],
            services=[chaplaincy],
        )


def test_editing_keeps_the_spiritual_care_rule(mission, users):
    with pytest.raises(ValidationFailed) as error:
        services.update_mission(
            mission, actor=users["coordinator"], data={}, services=[capability("spiritual-care")]
        )
    assert "services" in error.value.fields
    services.update_mission(
        mission,
        actor=users["coordinator"],
        data={"spiritual_care_agreed": True},
        services=[capability("spiritual-care")],
    )
    # Withdrawing the agreement while the service is still offered is refused too.
    with pytest.raises(ValidationFailed):
        services.update_mission(mission, actor=users["coordinator"], data={"spiritual_care_agreed": False})


def test_spiritual_care_cannot_be_added_after_the_host_confirmed(mission, role, users):
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    services.host_confirm(mission, actor=users["host_admin"])
    with pytest.raises(Conflict, match="before the host confirms"):
        services.update_mission(
            mission,
            actor=users["coordinator"],
            data={"spiritual_care_agreed": True},
            services=[capability("spiritual-care")],
        )
    assert not Mission.objects.get(pk=mission.pk).spiritual_care_agreed


# Needs ------------------------------------------------------------------------------------------


def test_the_host_edits_its_need_with_an_audited_before_and_after(need, users):
    french = Language.objects.get(code="fr")
    services.update_need(
        need,
        actor=users["host_admin"],
        data={"title": "Surgical backlog at Mbale (hernia)", "priority": 4},
        lines=[(specialty("general-surgery"), 3)],
        languages=[french],
    )
    need = Need.objects.get(pk=need.pk)
    assert need.title == "Surgical backlog at Mbale (hernia)"
    assert need.description.startswith("Two surgeons")  # fields not sent keep their value
    assert [(line.specialty.slug, line.people) for line in need.lines.all()] == [("general-surgery", 3)]
    assert list(need.languages.all()) == [french]
    assert need.host_confirmed_at is not None
    entry = AuditEntry.objects.get(action="missions.need.updated")
    assert entry.changes["title"] == ["Surgical backlog at Mbale", "Surgical backlog at Mbale (hernia)"]
    assert entry.changes["priority"] == [2, 4]
    assert entry.changes["lines"] == [[["anaesthesia", 1], ["general-surgery", 2]], [["general-surgery", 3]]]
    assert entry.organization_id == need.host_organization_id


@pytest.mark.parametrize("persona", ["coordinator", "host_member", "outsider"])
def test_only_coordinators_of_the_host_or_the_author_edit_a_need(need, users, persona):
    before = counts()
    with pytest.raises(NotAllowed):
        services.update_need(need, actor=users[persona], data={"title": "Changed"})
    assert counts() == before


def test_bad_input_changes_nothing(need, users, other):
    before = counts()
    with pytest.raises(ValidationFailed) as error:
        services.update_need(need, actor=users["host_admin"], data={"latest_end": datetime.date(2027, 1, 1)})
    assert "latest_end" in error.value.fields
    with pytest.raises(ValidationFailed):
        services.update_need(need, actor=users["host_admin"], data={}, lines=[])
    elsewhere = Site.objects.create(
        name="Nairobi clinic", kind="clinic", host_organization=other, country="KE"
    )
    with pytest.raises(ValidationFailed) as error:
        services.update_need(need, actor=users["host_admin"], data={}, site=elsewhere)
    assert "site" in error.value.fields
    assert counts() == before
    assert Need.objects.get(pk=need.pk).lines.count() == 2


def test_a_withdrawn_need_no_longer_changes(need, users):
    services.withdraw_need(need, actor=users["host_admin"], reason="The ministry sent a team.")
    with pytest.raises(Conflict):
        services.update_need(need, actor=users["host_admin"], data={"title": "Again"})


def test_the_partners_change_returns_a_confirmed_need_to_the_host(
    proposed, users, django_capture_on_commit_callbacks, mailoutbox
):
    services.confirm_need(proposed, actor=users["host_admin"])
    # Saving without a change keeps the confirmation.
    services.update_need(proposed, actor=users["coordinator"], data={})
    assert Need.objects.get(pk=proposed.pk).host_confirmed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.update_need(proposed, actor=users["coordinator"], data={"priority": 4})
    proposed = Need.objects.get(pk=proposed.pk)
    assert proposed.host_confirmed_at is None
    assert services.need_status(proposed) == NeedStatus.AWAITING_HOST
    assert [message.to for message in mailoutbox] == [["host_admin@example.org"]]
    entry = AuditEntry.objects.filter(action="missions.need.updated").latest("pk")
    assert entry.data == {"returned_to_host": True}
    # The host's own change does not ask the host again.
    services.confirm_need(proposed, actor=users["host_admin"])
    services.update_need(proposed, actor=users["host_admin"], data={"priority": 3})
    assert Need.objects.get(pk=proposed.pk).host_confirmed_at is not None


def test_statuses_of_many_needs_take_a_fixed_number_of_queries(
    need, proposed, mission, role, users, django_assert_num_queries
):
    surgeon = services.add_role(
        mission,
        actor=users["coordinator"],
        data={
            "title": "Hernia surgeon",
            "specialty": specialty("general-surgery"),
            "people_needed": 1,
            "scope_of_practice": "Hernia repair.",
        },
    )
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    services.host_confirm(mission, actor=users["host_admin"])
    assign(mission, surgeon)
    withdrawn = services.create_need(
        actor=users["host_admin"],
        author=need.host_organization,
        site=need.site,
        data={**{name: getattr(need, name) for name in services.NEED_FIELDS}, "title": "Old"},
        lines=[(specialty("midwifery"), 1)],
    )
    services.withdraw_need(withdrawn, actor=users["host_admin"], reason="Done.")
    needs = list(Need.objects.order_by("pk"))
    with django_assert_num_queries(5):
        statuses = services.need_statuses(needs)
    assert statuses == {
        need.pk: NeedStatus.PARTLY_MET,
        proposed.pk: NeedStatus.AWAITING_HOST,
        withdrawn.pk: NeedStatus.WITHDRAWN,
    }
    assert all(services.need_status(item) == statuses[item.pk] for item in needs)
    assert list(services.filter_needs(Need.objects.all(), status=NeedStatus.PARTLY_MET)) == [need]
    assert list(services.filter_needs(Need.objects.all(), status=NeedStatus.OPEN)) == []
    assert list(services.filter_needs(Need.objects.all(), status=NeedStatus.AWAITING_HOST)) == [proposed]


# Missions ---------------------------------------------------------------------------------------


def test_a_draft_mission_is_edited_and_audited(mission, users, need):
    services.update_mission(mission, actor=users["admin"], data={"title": "Mbale camp", "capacity": 8})
    mission = Mission.objects.get(pk=mission.pk)
    assert (mission.title, mission.capacity, mission.starts_on) == ("Mbale camp", 8, START)
    entry = AuditEntry.objects.get(action="missions.mission.updated")
    assert entry.changes == {"title": ["Mbale surgical camp, May 2027", "Mbale camp"], "capacity": [6, 8]}


def test_only_party_managers_edit_missions(mission, users):
    for persona in ("member", "viewer", "host_member", "outsider"):
        with pytest.raises(NotAllowed):
            services.update_mission(mission, actor=users[persona], data={"title": "x"})
    assert Mission.objects.get(pk=mission.pk).title == "Mbale surgical camp, May 2027"


@pytest.mark.parametrize("status", [MissionStatus.READY, MissionStatus.IN_FIELD, MissionStatus.CANCELLED])
def test_missions_past_recruiting_are_not_edited(mission, users, status):
    Mission.objects.filter(pk=mission.pk).update(status=status)
    with pytest.raises(Conflict, match="can be edited"):
        services.update_mission(mission, actor=users["coordinator"], data={"title": "x"})


def test_dates_are_frozen_once_someone_holds_a_place(mission, role, users):
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    services.host_confirm(mission, actor=users["host_admin"])
    assign(mission, role)
    before = counts()
    with pytest.raises(Conflict, match="1 person already holds a place") as error:
        services.update_mission(
            mission, actor=users["coordinator"], data={"ends_on": END + datetime.timedelta(days=3)}
        )
    assert error.value.code == "dates_locked"
    assert set(error.value.fields) == {"ends_on"}
    assert counts() == before
    # Everything else still changes, and sending the same dates back is no change.
    services.update_mission(
        mission, actor=users["coordinator"], data={"description": "Bring loupes.", "starts_on": START}
    )
    assert Mission.objects.get(pk=mission.pk).description == "Bring loupes."


def test_capacity_stays_above_the_roles_places(mission, role, users):
    with pytest.raises(ValidationFailed) as error:
        services.update_mission(mission, actor=users["coordinator"], data={"capacity": 1})
    assert "capacity" in error.value.fields


def test_needs_must_be_the_hosts_confirmed_ones_but_withdrawn_ones_may_stay(mission, need, proposed, users):
    with pytest.raises(ValidationFailed) as error:
        services.update_mission(mission, actor=users["coordinator"], data={}, needs=[need, proposed])
    assert "needs" in error.value.fields
    with pytest.raises(ValidationFailed):
        services.update_mission(mission, actor=users["coordinator"], data={}, needs=[])
    need = services.withdraw_need(need, actor=users["host_admin"], reason="Met by the ministry.")
    proposed = services.confirm_need(proposed, actor=users["host_admin"])
    services.update_mission(mission, actor=users["coordinator"], data={}, needs=[need, proposed])
    assert set(Mission.objects.get(pk=mission.pk).needs.all()) == {need, proposed}


# Roles ------------------------------------------------------------------------------------------


def test_a_role_is_edited_within_the_rules_of_add_role(role, users):
    course_types = [CredentialType.objects.get(slug="bls")]
    services.update_role(
        role,
        actor=users["coordinator"],
        data={"title": "General surgeons", "people_needed": 3},
        extra_credentials=course_types,
        languages=[Language.objects.get(code="en")],
    )
    role = Role.objects.get(pk=role.pk)
    assert (role.title, role.people_needed, role.specialty.slug) == ("General surgeons", 3, "surgery")
    assert [kind.slug for kind in role.extra_credentials.all()] == ["bls"]
    entry = AuditEntry.objects.get(action="missions.role.updated")
    assert entry.changes["people_needed"] == [2, 3]
    with pytest.raises(ValidationFailed, match="capacity is 6"):
        services.update_role(role, actor=users["coordinator"], data={"people_needed": 7})
    with pytest.raises(NotAllowed):
        services.update_role(role, actor=users["member"], data={"people_needed": 1})


def test_a_role_cannot_offer_fewer_places_than_people_hold(mission, role, users):
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.RECRUITING)
    assign(mission, role, "Dr One")
    assign(mission, role, "Dr Two")
    with pytest.raises(Conflict, match="2 people already hold this role") as error:
        services.update_role(role, actor=users["coordinator"], data={"people_needed": 1})
    assert set(error.value.fields) == {"people_needed"}
    with pytest.raises(Conflict, match="specialty cannot change"):
        services.update_role(role, actor=users["coordinator"], data={"specialty": specialty("anaesthesia")})
    assert Role.objects.get(pk=role.pk).people_needed == 2


def test_roles_of_a_ready_mission_no_longer_change(mission, role, users):
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.READY)
    with pytest.raises(Conflict, match="no longer change"):
        services.update_role(role, actor=users["coordinator"], data={"title": "x"})


# The lifecycle table --------------------------------------------------------------------------------


def test_the_transitions_offered_follow_the_status_and_the_role(mission):
    assert services.allowed_transitions(mission, can_manage=True, is_host_admin=False) == ["submit", "cancel"]
    assert services.allowed_transitions(mission, can_manage=False, is_host_admin=False) == []
    mission.status = MissionStatus.AWAITING_HOST
    assert services.allowed_transitions(mission, can_manage=True, is_host_admin=True) == [
        "confirm",
        "return",
        "cancel",
    ]
    mission.status = MissionStatus.EVALUATED
    assert services.allowed_transitions(mission, can_manage=True, is_host_admin=True) == []


def test_run_transition_dispatches_and_refuses_unknown_slugs(mission, role, users):
    with pytest.raises(ValidationFailed) as error:
        services.run_transition(mission, "launch", actor=users["coordinator"])
    assert "transition" in error.value.fields
    services.run_transition(mission, "submit", actor=users["coordinator"])
    with pytest.raises(ValidationFailed):
        services.run_transition(mission, "return", actor=users["host_admin"], reason=" ")
    services.run_transition(mission, "return", actor=users["host_admin"], reason="Later, please.")
    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.DRAFT
