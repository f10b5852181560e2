"""Planning pages: needs and missions written, edited and moved through their lifecycle through the
forms, with refusals shown as the service's reason."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medmissions.conftest import make_user
from medmissions.missions import applications, services
from medmissions.missions.choices import MissionStatus, NeedStatus
from medmissions.missions.models import Assignment, Mission, Need, Role
from medmissions.organizations.models import Capability as CapabilityTerm
from medmissions.sites.models import Site
from medmissions.volunteers.models import Person

from .conftest import END, START, specialty

pytestmark = pytest.mark.django_db


def errors(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request) if message.level_tag == "error"]


def act(client, url: str, data: dict | None = None) -> tuple[int, list[str]]:
    """POST; the status and the error messages of this request (the redirect is followed, as a browser
    would, so that the next request starts without them)."""
    response = client.post(url, data or {})
    found = errors(response)
    if response.status_code == 302:
        client.get(response["Location"])
    return response.status_code, found


def lines(*rows: tuple[str, int]) -> dict[str, str]:
    data = {
        "lines-TOTAL_FORMS": str(len(rows) + 1),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
    }
    for number, (slug, people) in enumerate(rows):
        data[f"lines-{number}-specialty"] = str(specialty(slug).pk)
        data[f"lines-{number}-people"] = str(people)
    return data


def need_form(site, *rows: tuple[str, int], **extra) -> dict:
    return {
        "site": site.pk,
        "title": "Emergency obstetric care mentoring",
        "description": "Mentor our midwives on emergency obstetric care.",
        "priority": "3",
        "earliest_start": "2027-09-01",
        "latest_end": "2027-10-31",
        **lines(*rows),
        **extra,
    }


def mission_form(active_partnership, site, need, **extra) -> dict:
    return {
        "partnership": active_partnership.pk,
        "site": site.pk,
        "needs": [need.pk],
        "title": "Mbale surgical camp, June 2027",
        "starts_on": "2027-06-07",
        "ends_on": "2027-06-18",
        "time_zone": "Africa/Kampala",
        "team_type": "not_emergency",
        "capacity": "6",
        **extra,
    }


@pytest.fixture
def recruiting(mission, role, users):
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    return services.host_confirm(mission, actor=users["host_admin"])


@pytest.fixture
def assignment(recruiting, role):
    person = Person.objects.create(full_name="Dr Achieng Odhiambo")
    return Assignment.objects.create(
        mission=recruiting, role=role, person=person, starts_on=START, ends_on=END
    )


# Needs ------------------------------------------------------------------------------------------


def test_the_host_writes_a_need_confirmed_at_once(users, site, client_for):
    client = client_for(users["host_admin"])
    page = client.get(reverse("missions:need_add"))
    assert page.status_code == 200
    assert "Mbale outpatient clinic" in page.content.decode()
    response = client.post(
        reverse("missions:need_add"), need_form(site, ("midwifery", 2), ("obstetrics-gynaecology", 1))
    )
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("missions:need", args=[need.pk])
    assert need.host_confirmed_at is not None
    assert sorted((line.specialty.slug, line.people) for line in need.lines.all()) == [
        ("midwifery", 2),
        ("obstetrics-gynaecology", 1),
    ]
    detail = client.get(response["Location"]).content.decode()
    assert 'class="badge open"' in detail
    assert "2 people: " in detail


def test_a_partner_proposes_a_need_and_the_host_admin_is_emailed(
    users, site, active_partnership, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(users["coordinator"]).post(
            reverse("missions:need_add"), need_form(site, ("midwifery", 1))
        )
    assert response.status_code == 302
    assert services.need_status(Need.objects.get()) == NeedStatus.AWAITING_HOST
    assert [message.to for message in mailoutbox] == [["host_admin@example.org"]]


def test_a_need_without_lines_is_refused_on_the_form(users, site, client_for):
    response = client_for(users["host_admin"]).post(reverse("missions:need_add"), need_form(site))
    assert response.status_code == 400
    assert "Say which specialties are needed" in response.content.decode()
    assert not Need.objects.exists()


def test_the_needs_list_costs_the_same_for_one_need_or_many(
    need, users, host, site, active_partnership, client_for, django_assert_max_num_queries
):
    client = client_for(users["coordinator"])
    client.get(reverse("missions:needs"))  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("missions:needs")).status_code == 200
    for number in range(5):
        services.create_need(
            actor=users["host_admin"],
            author=host,
            site=site,
            data={
                "title": f"Need {number}",
                "description": "More.",
                "earliest_start": datetime.date(2027, 1, 1),
                "latest_end": datetime.date(2027, 2, 1),
            },
            lines=[(specialty("midwifery"), 1), (specialty("nursing"), 2)],
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("missions:needs"))
    assert page.content.decode().count('class="badge open"') == 6


def test_the_needs_list_filters_by_status_host_and_site(
    need, users, client_for, host, site, active_partnership
):
    client = client_for(users["coordinator"])
    assert "Surgical backlog" in client.get(reverse("missions:needs"), {"status": "open"}).content.decode()
    assert "Surgical backlog" not in client.get(reverse("missions:needs"), {"status": "met"}).content.decode()
    assert (
        "Surgical backlog"
        in client.get(reverse("missions:needs"), {"host": host.slug, "site": site.pk}).content.decode()
    )
    ward = Site.objects.create(
        name="Mbale maternity ward", kind="hospital", host_organization=host, country="UG"
    )
    at_ward = client.get(reverse("missions:needs"), {"site": ward.pk}).content.decode()
    assert "No needs match these filters." in at_ward
    empty = client_for(users["outsider"]).get(reverse("missions:needs"))
    assert empty.status_code == 200 and "No needs yet" in empty.content.decode()


def test_the_host_edits_a_need_and_a_partners_edit_returns_it_to_the_host(
    users, site, active_partnership, client_for
):
    proposal = services.create_need(
        actor=users["coordinator"],
        author=active_partnership.parties.get(role="sending").organization,
        site=site,
        data={
            "title": "Anaesthesia training",
            "description": "Train anaesthetic officers.",
            "earliest_start": datetime.date(2027, 7, 1),
            "latest_end": datetime.date(2027, 8, 31),
        },
        lines=[(specialty("anaesthesia"), 1)],
    )
    services.confirm_need(proposal, actor=users["host_admin"])
    url = reverse("missions:need_edit", args=[proposal.pk])
    form = client_for(users["coordinator"]).get(url)
    assert form.status_code == 200 and "confirm it again" in form.content.decode()
    response = client_for(users["coordinator"]).post(url, need_form(site, ("anaesthesia", 2)))
    assert response.status_code == 302
    assert Need.objects.get(pk=proposal.pk).host_confirmed_at is None
    confirm = client_for(users["host_admin"]).post(reverse("missions:need_confirm", args=[proposal.pk]))
    assert confirm.status_code == 302 and not errors(confirm)
    again = client_for(users["host_admin"]).post(reverse("missions:need_confirm", args=[proposal.pk]))
    assert errors(again) == ["This need is already confirmed."]


def test_withdrawing_asks_for_a_reason(need, users, client_for):
    client = client_for(users["host_admin"])
    url = reverse("missions:need_withdraw", args=[need.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "The ministry sent a team."})
    assert response.status_code == 302
    assert services.need_status(Need.objects.get(pk=need.pk)) == NeedStatus.WITHDRAWN
    assert client.get(reverse("missions:need_edit", args=[need.pk])).status_code == 409


# Missions ---------------------------------------------------------------------------------------


def test_a_coordinator_plans_a_mission(users, active_partnership, site, need, client_for):
    client = client_for(users["coordinator"])
    page = client.get(reverse("missions:add"), {"need": need.pk})
    assert page.status_code == 200
    assert f'name="needs" value="{need.pk}" id="id_needs_0" checked' in page.content.decode()
    response = client.post(reverse("missions:add"), mission_form(active_partnership, site, need))
    mission = Mission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("missions:detail", args=[mission.pk])
    assert (mission.status, mission.time_zone, list(mission.needs.all())) == (
        MissionStatus.DRAFT,
        "Africa/Kampala",
        [need],
    )


def test_spiritual_care_without_the_hosts_agreement_is_refused_on_the_form(
    users, active_partnership, site, need, client_for
):
    spiritual = CapabilityTerm.objects.get(slug="spiritual-care")
    response = client_for(users["coordinator"]).post(
        reverse("missions:add"), mission_form(active_partnership, site, need, services=[spiritual.pk])
    )
    assert response.status_code == 400
    assert "The host has not agreed to spiritual-care services." in response.content.decode()
    assert not Mission.objects.exists()


def test_the_missions_list_has_a_clear_empty_state_and_a_status_filter(mission, users, client_for):
    client = client_for(users["coordinator"])
    listing = client.get(reverse("missions:list")).content.decode()
    assert "Mbale surgical camp, May 2027" in listing and reverse("missions:add") in listing
    assert (
        "Mbale surgical camp"
        not in client.get(reverse("missions:list"), {"status": "recruiting"}).content.decode()
    )
    outsider = client_for(users["outsider"]).get(reverse("missions:list")).content.decode()
    assert "No missions yet." in outsider and "Mbale" not in outsider


def test_the_overview_shows_roles_needs_and_the_actions_of_each_viewer(mission, role, users, client_for):
    manager = (
        client_for(users["coordinator"]).get(reverse("missions:detail", args=[mission.pk])).content.decode()
    )
    assert "0 of 2 filled" in manager
    assert "Surgical backlog at Mbale" in manager
    assert reverse("missions:transition", args=[mission.pk, "submit"]) in manager
    assert reverse("missions:role_edit", args=[role.pk]) in manager
    viewer = client_for(users["member"]).get(reverse("missions:detail", args=[mission.pk])).content.decode()
    assert "0 of 2 filled" in viewer
    assert reverse("missions:transition", args=[mission.pk, "submit"]) not in viewer
    assert reverse("missions:edit", args=[mission.pk]) not in viewer


def test_dates_cannot_change_once_someone_is_assigned(
    assignment, users, client_for, active_partnership, site, need
):
    mission = assignment.mission
    url = reverse("missions:edit", args=[mission.pk])
    response = client_for(users["coordinator"]).post(
        url, mission_form(active_partnership, site, need, starts_on="2027-05-10", ends_on="2027-05-24")
    )
    assert response.status_code == 400
    assert (
        "The dates cannot change: 1 person already holds a place on this mission."
        in response.content.decode()
    )
    assert Mission.objects.get(pk=mission.pk).starts_on == START


# Lifecycle --------------------------------------------------------------------------------------


def test_a_refused_transition_comes_back_with_the_services_reason(mission, users, client_for):
    client = client_for(users["coordinator"])
    response = client.post(reverse("missions:transition", args=[mission.pk, "submit"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("missions:detail", args=[mission.pk])
    assert errors(response) == ["Add at least one role before asking the host to confirm."]
    page = client.get(response["Location"]).content.decode()
    assert "Add at least one role before asking the host to confirm." in page


def test_the_lifecycle_through_the_pages(mission, role, users, client_for):
    coordinator, host_admin = client_for(users["coordinator"]), client_for(users["host_admin"])

    def url(transition: str) -> str:
        return reverse("missions:transition", args=[mission.pk, transition])

    assert act(coordinator, url("submit")) == (302, [])
    assert coordinator.post(url("confirm")).status_code == 403
    assert act(host_admin, url("confirm")) == (302, [])
    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.RECRUITING
    assert act(coordinator, url("ready")) == (302, ["Nobody is assigned yet."])
    # Out of order: the confirmation page is not offered, the reason is.
    complete = coordinator.get(url("complete"))
    assert complete.status_code == 302
    assert errors(complete) == ["This cannot be done while the mission is recruiting."]
    coordinator.get(complete["Location"])
    assert act(coordinator, url("complete")) == (
        302,
        ["Only a closing mission can be completed; this one is recruiting."],
    )


def test_completing_without_a_handover_plan_shows_why(mission, users, client_for):
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.CLOSING)
    response = client_for(users["coordinator"]).post(
        reverse("missions:transition", args=[mission.pk, "complete"])
    )
    assert errors(response) == [
        "Write the handover plan first: the local lead, referral pathways and follow-up tasks."
    ]


def test_cancelling_asks_for_a_reason_and_tells_everyone(
    mission, users, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    client = client_for(users["coordinator"])
    url = reverse("missions:transition", args=[mission.pk, "cancel"])
    page = client.get(url)
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "Give a reason." in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Security advisory for the region."})
    assert response.status_code == 302 and not errors(response)
    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.CANCELLED
    assert "host_admin@example.org" in {address for message in mailoutbox for address in message.to}


def test_an_unknown_transition_is_not_found(mission, users, client_for):
    assert (
        client_for(users["coordinator"])
        .get(reverse("missions:transition", args=[mission.pk, "launch"]))
        .status_code
        == 404
    )


# Roles ------------------------------------------------------------------------------------------


def test_roles_are_added_and_edited_through_the_forms(mission, users, client_for):
    client = client_for(users["coordinator"])
    form = {
        "title": "Scrub nurse",
        "specialty": str(specialty("theatre-nursing").pk),
        "minimum_proficiency": "2",
        "people_needed": "2",
        "scope_of_practice": "Scrubs for hernia repair.",
        "supervisor_required_for_trainees": "on",
    }
    page = client.get(reverse("missions:role_add", args=[mission.pk]))
    assert page.status_code == 200 and "Theatre nursing" in page.content.decode()
    assert client.post(reverse("missions:role_add", args=[mission.pk]), form).status_code == 302
    role = Role.objects.get()
    over = client.post(reverse("missions:role_edit", args=[role.pk]), {**form, "people_needed": "9"})
    assert over.status_code == 400 and "capacity is 6" in over.content.decode()
    saved = client.post(reverse("missions:role_edit", args=[role.pk]), {**form, "title": "Scrub nurses"})
    assert saved.status_code == 302
    assert Role.objects.get().title == "Scrub nurses"


def test_a_held_role_is_neither_shrunk_nor_deleted(assignment, users, client_for):
    role = assignment.role
    client = client_for(users["coordinator"])
    form = {
        "title": role.title,
        "specialty": str(role.specialty_id),
        "minimum_proficiency": str(role.minimum_proficiency),
        "people_needed": "0",
        "scope_of_practice": role.scope_of_practice,
    }
    assert client.post(reverse("missions:role_edit", args=[role.pk]), form).status_code == 400
    Assignment.objects.create(
        mission=assignment.mission,
        role=role,
        person=Person.objects.create(full_name="Dr Two"),
        starts_on=START,
        ends_on=END,
    )
    shrink = client.post(reverse("missions:role_edit", args=[role.pk]), {**form, "people_needed": "1"})
    assert shrink.status_code == 400
    assert "2 people already hold this role; it cannot offer fewer places." in shrink.content.decode()
    response = client.post(reverse("missions:role_delete", args=[role.pk]))
    assert response.status_code == 302
    assert errors(response) == ["People are assigned to this role; remove or move them first."]
    assert Role.objects.filter(pk=role.pk).exists()


def test_a_role_people_left_is_kept_for_the_record(assignment, users, client_for):
    Assignment.objects.filter(pk=assignment.pk).update(status="withdrawn")
    response = client_for(users["coordinator"]).post(
        reverse("missions:role_delete", args=[assignment.role_id])
    )
    assert errors(response) == ["People have held this role before; it stays for the record."]
    assert Role.objects.filter(pk=assignment.role_id).exists()


def test_a_volunteer_lists_only_the_missions_they_applied_to(
    recruiting, role, users, client_for, active_partnership, site, need
):
    services.create_mission(
        actor=users["coordinator"],
        partnership=active_partnership,
        site=site,
        data={"title": "Another draft", "starts_on": START, "ends_on": END, "capacity": 2},
        needs=[need],
    )
    surgeon = make_user("amina@example.org", "Amina Surgeon")
    applications.apply(role, actor=surgeon, motivation="Ten years of general surgery.")
    listing = client_for(surgeon).get(reverse("missions:list")).content.decode()
    assert "Mbale surgical camp, May 2027" in listing and "Another draft" not in listing
    assert reverse("missions:add") not in listing
    detail = client_for(surgeon).get(reverse("missions:detail", args=[recruiting.pk])).content.decode()
    assert reverse("missions:edit", args=[recruiting.pk]) not in detail
    assert reverse("missions:need", args=[need.pk]) not in detail  # the need itself is the partners' to read


def test_a_mission_in_the_field_is_no_longer_edited(mission, users, client_for):
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.IN_FIELD)
    client = client_for(users["coordinator"])
    assert client.get(reverse("missions:edit", args=[mission.pk])).status_code == 409
    assert client.get(reverse("missions:role_add", args=[mission.pk])).status_code == 409
