"""Pages: the opportunity search (with a bounded number of queries), an opportunity and applying,
withdrawing, my missions, the Applications tab with coordinator review, and saved searches."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medmissions.missions import applications, discovery
from medmissions.missions.choices import ApplicationStatus, AssignmentStatus, MissionStatus
from medmissions.missions.models import Application, Assignment, Course, SavedSearch
from medmissions.volunteers.models import CredentialType, Person

from .test_opportunities_support import (
    END,
    START,
    credential,
    language,
    opportunity,
    partnership_abroad,
    tags,
    volunteer,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("missions:opportunities")
MINE = reverse("missions:mine")


@pytest.fixture
def camp(active_partnership, site):
    site.culture_guidance = "Greet elders first."
    site.customs_guidance = "Modest dress on the wards."
    site.save()
    return opportunity(active_partnership, site, title="Mbale surgical camp", description="Hernia repair.")


@pytest.fixture
def surgeon():
    return volunteer(value_tags=["host-led", "teaching", "faith-based"])


def page(response) -> str:
    return response.content.decode()


def apply_to(camp, user, motivation="I have run hernia camps before."):
    return applications.apply(camp.roles.get(), actor=user, motivation=motivation)


# Search ---------------------------------------------------------------------------------------------


def test_the_search_shows_each_result_with_tags_and_requirements(camp, surgeon, client_for, sending, host):
    user, person = surgeon
    host.value_tags.set(tags("host-led"))
    sending.value_tags.set(tags("teaching", "secular"))
    credential(person, "passport", expires_on=datetime.date(2031, 1, 1), verified_by=sending)
    response = client_for(user).get(SEARCH)
    assert response.status_code == 200
    html = page(response)
    assert "Mbale surgical camp" in html
    assert "Mbale outpatient clinic, Mbale · Uganda · Africa" in html
    assert "15 days" in html
    assert "Mbale Regional Hospital" in html and "Bridge Health UK" in html
    assert "General surgeon · 2 places left" in html
    assert "2 of your 3 tags match: Host-led, Teaching and training" in html
    (result,) = response.context["results"]
    assert result.best.role.title == "General surgeon"
    met = len(result.best.met)
    assert f"you meet {met} of {len(result.best.checks)} requirements" in html
    assert "Passport" in html


def test_people_without_a_profile_or_tags_are_prompted(camp, users, client_for):
    response = client_for(users["viewer"]).get(SEARCH)
    html = page(response)
    assert "Create your volunteer profile" in html
    assert "Add the values that matter to you" in html
    assert not Person.objects.filter(user=users["viewer"]).exists()  # reading creates nothing


def test_the_filters_narrow_the_results_and_wrong_ones_answer_400(camp, surgeon, client_for, sending):
    peru, lima, _host = partnership_abroad(
        sending, host_name="Loayza", slug="loayza", country="PE", site_name="Loayza"
    )
    opportunity(peru, lima, title="Lima cleft camp")
    client = client_for(surgeon[0])
    titles = lambda response: [result.mission.title for result in response.context["results"]]  # noqa: E731
    assert titles(client.get(SEARCH)) == ["Lima cleft camp", "Mbale surgical camp"]
    assert titles(client.get(SEARCH, {"region": "AFRO"})) == ["Mbale surgical camp"]
    assert titles(client.get(SEARCH, {"q": "cleft", "specialty": "general-surgery"})) == ["Lima cleft camp"]
    bad = client.get(SEARCH, {"available_from": "2027-06-01", "available_until": "2027-05-01"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["available_until"]
    assert bad.context["results"] == []
    assert client.get(SEARCH, {"region": "MARS"}).status_code == 400


def test_htmx_gets_only_the_results(camp, surgeon, client_for):
    response = client_for(surgeon[0]).get(SEARCH, {"q": "mbale"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in page(response) and "Mbale surgical camp" in page(response)
    assert "HX-Request" in response["Vary"]
    # The save form carries the filters of the results it is shown with.
    assert '<input type="hidden" name="q" value="mbale">' in page(response)


def _rich_opportunity(partnership, site, number):
    mission = opportunity(
        partnership,
        site,
        title=f"Camp {number}",
        roles=[("Surgeon", "surgery", 2), ("Nurse", "nursing", 1)],
        role_languages=["sw", "fr"],
    )
    course = Course.objects.create(slug=f"course-{number}", title=f"Course {number}")
    for role in mission.roles.all():
        role.required_courses.set([course])
        role.extra_credentials.set([CredentialType.objects.get(slug="acls")])
    return mission


def test_the_search_page_costs_the_same_queries_for_few_or_many_results(
    camp, surgeon, client_for, sending, host, active_partnership, site
):
    user, person = surgeon
    host.value_tags.set(tags("host-led"))
    credential(person, "passport", expires_on=datetime.date(2031, 1, 1), verified_by=sending)
    site.languages.set([language("lg")])
    client = client_for(user)
    client.get(SEARCH)  # warm caches (content types, sessions) outside the measurement
    with CaptureQueriesContext(connection) as few:
        response = client.get(SEARCH)
    assert len(response.context["results"]) == 1
    peru, lima, _host = partnership_abroad(
        sending, host_name="Loayza", slug="loayza", country="PE", site_name="L"
    )
    for number in range(4):
        _rich_opportunity(active_partnership, site, number)
        _rich_opportunity(peru, lima, number + 10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(SEARCH)
    assert len(response.context["results"]) == 9
    assert len(many) == len(few), "\n".join(query["sql"] for query in many.captured_queries)
    assert len(many) <= 30, len(many)


# One opportunity ------------------------------------------------------------------------------------


def test_the_opportunity_page_shows_roles_checks_guidance_and_the_sharing_notice(camp, surgeon, client_for):
    role = camp.roles.get()
    role.languages.set([language("sw")])
    role.required_courses.set([Course.objects.create(slug="ug-orientation", title="Uganda orientation")])
    response = client_for(surgeon[0]).get(reverse("missions:opportunity", args=[camp.pk]))
    assert response.status_code == 200
    html = page(response)
    assert "Surgery, Competent or above" in html
    assert "Swahili" in html and "Uganda orientation" in html
    assert "Elective work alongside" in html
    assert (
        "Language: Swahili" in html and "Course: Uganda orientation" in html and "Not completed yet." in html
    )
    assert "Greet elders first." in html and "Modest dress on the wards." in html
    assert "Travel by day only." not in html  # security notes are for the partners and the team
    assert "with Bridge Health UK, the partner organisations that vet volunteers" in html
    assert 'action="{}"'.format(reverse("missions:apply", args=[role.pk])) in html


def test_party_members_see_the_security_notes(camp, users, client_for):
    html = page(client_for(users["host_member"]).get(reverse("missions:opportunity", args=[camp.pk])))
    assert "Travel by day only." in html


def test_missions_that_are_not_opportunities_answer_404_to_others(
    active_partnership, site, surgeon, users, client_for
):
    draft = opportunity(active_partnership, site, status=MissionStatus.DRAFT, confirmed=False)
    address = reverse("missions:opportunity", args=[draft.pk])
    assert client_for(surgeon[0]).get(address).status_code == 404
    assert client_for(users["outsider"]).get(address).status_code == 404
    response = client_for(users["member"]).get(address)
    assert response.status_code == 200 and response.context["recruiting"] is False
    assert client_for(None).get(address).status_code == 302


def test_applying_creates_the_application_and_shows_it(camp, surgeon, client_for):
    user, person = surgeon
    role = camp.roles.get()
    client = client_for(user)
    response = client.post(reverse("missions:apply", args=[role.pk]), {"motivation": "Ten years of surgery."})
    assert response.status_code == 302
    assert response["Location"].endswith("#my-applications")
    application = Application.objects.get(role=role, person=person)
    html = page(client.get(reverse("missions:opportunity", args=[camp.pk])))
    assert "You applied:" in html
    assert reverse("missions:application_withdraw", args=[application.pk]) in html


def test_applying_without_a_motivation_or_twice_is_refused_on_the_page(camp, surgeon, client_for):
    role = camp.roles.get()
    client = client_for(surgeon[0])
    address = reverse("missions:apply", args=[role.pk])
    empty = client.post(address, {"motivation": " "})
    assert empty.status_code == 400
    assert not Application.objects.exists()
    assert client.post(address, {"motivation": "Surgery."}).status_code == 302
    again = client.post(address, {"motivation": "Again."})
    assert again.status_code == 409
    assert "already applied" in page(again)


def test_a_role_of_a_mission_one_cannot_see_answers_404_and_a_draft_409(
    active_partnership, site, surgeon, users, client_for
):
    draft = opportunity(active_partnership, site, status=MissionStatus.DRAFT, confirmed=False)
    address = reverse("missions:apply", args=[draft.roles.get().pk])
    assert client_for(surgeon[0]).post(address, {"motivation": "Me."}).status_code == 404
    assert client_for(users["member"]).post(address, {"motivation": "Me."}).status_code == 409
    assert client_for(surgeon[0]).get(address).status_code == 405
    assert (
        client_for(surgeon[0]).post(reverse("missions:apply", args=[99999]), {"motivation": "x"}).status_code
        == 404
    )


def test_withdrawing_asks_first_and_only_the_applicant_may(camp, surgeon, users, client_for):
    user, _person = surgeon
    application = apply_to(camp, user)
    address = reverse("missions:application_withdraw", args=[application.pk])
    assert client_for(user).get(address).status_code == 200
    assert client_for(users["coordinator"]).get(address).status_code == 403
    assert client_for(users["coordinator"]).post(address).status_code == 403
    assert client_for(users["outsider"]).post(address).status_code == 404
    back = reverse("missions:opportunity", args=[camp.pk])
    response = client_for(user).post(f"{address}?next={back}")
    assert response.status_code == 302 and response["Location"] == back
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    again = client_for(user).post(address, follow=True)
    assert "already closed" in page(again)
    assert client_for(user).post(f"{address}?next=https://evil.example/").get("Location") == MINE


# My missions ----------------------------------------------------------------------------------------


def test_my_missions_lists_applications_and_assignments(camp, surgeon, users, client_for):
    user, _person = surgeon
    application = apply_to(camp, user)
    applications.review(
        application,
        actor=users["coordinator"],
        decision=ApplicationStatus.SHORTLISTED,
        message="Call on Monday.",
    )
    applications.accept(application, actor=users["coordinator"], message="Welcome aboard.")
    response = client_for(user).get(MINE)
    assert response.status_code == 200
    html = page(response)
    assert "Welcome aboard." in html and "Accepted" in html
    assert reverse("missions:application_withdraw", args=[application.pk]) in html
    assert reverse("missions:detail", args=[camp.pk]) in html
    assert reverse("missions:calendar") in html
    assert "3 May 2027 – 17 May 2027" in html
    assert client_for(users["viewer"]).get(MINE).status_code == 200


# The Applications tab ---------------------------------------------------------------------------------


def test_the_applications_tab_groups_by_role_with_readiness(camp, surgeon, users, client_for):
    application = apply_to(camp, surgeon[0])
    address = reverse("missions:applications", args=[camp.pk])
    response = client_for(users["coordinator"]).get(address)
    assert response.status_code == 200
    html = page(response)
    assert "Amina Okello" in html and reverse("volunteers:person", args=[application.person_id]) in html
    assert "I have run hernia camps before." in html
    assert "requirements not met" in html
    assert "2 of 2 places left" in html
    assert reverse("missions:application_review", args=[application.pk]) in html
    assert reverse("missions:application_accept", args=[application.pk]) in html
    (group,) = response.context["groups"]
    assert group["rows"][0]["readiness"].person_id == application.person_id
    member = page(client_for(users["member"]).get(address))
    assert "Amina Okello" in member
    assert reverse("missions:application_review", args=[application.pk]) not in member
    assert client_for(users["host_member"]).get(address).status_code == 200
    assert client_for(users["outsider"]).get(address).status_code == 404
    assert client_for(surgeon[0]).get(address).status_code == 404  # the applicant is not a party
    filtered = client_for(users["coordinator"]).get(address, {"status": "declined"})
    assert filtered.context["total"] == 0


def test_a_coordinator_shortlists_with_a_message_and_the_applicant_hears(
    camp, surgeon, users, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    application = apply_to(camp, surgeon[0])
    address = reverse("missions:application_review", args=[application.pk])
    assert client_for(users["member"]).post(address, {"decision": "shortlisted"}).status_code == 403
    assert client_for(users["viewer"]).post(address, {"decision": "shortlisted"}).status_code == 403
    assert client_for(users["outsider"]).post(address, {"decision": "shortlisted"}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(users["host_admin"]).post(
            address, {"decision": "shortlisted", "message": "Call us."}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("missions:applications", args=[camp.pk])
    application.refresh_from_db()
    assert (application.status, application.message) == (ApplicationStatus.SHORTLISTED, "Call us.")
    assert mailoutbox[-1].to == ["amina@example.org"]
    bad = client_for(users["coordinator"]).post(address, {"decision": "accepted"}, follow=True)
    assert [str(m) for m in bad.context["messages"]] and "Select a valid choice" in page(bad)
    client_for(users["coordinator"]).post(address, {"decision": "declined"})
    closed = client_for(users["coordinator"]).post(address, {"decision": "waitlisted"}, follow=True)
    assert "can no longer be reviewed" in page(closed)


def test_accepting_creates_the_assignment_with_a_supervisor_from_the_team(camp, surgeon, users, client_for):
    _lead_user, lead = volunteer("lead@example.org", "Lead Surgeon")
    Assignment.objects.create(mission=camp, role=camp.roles.get(), person=lead, starts_on=START, ends_on=END)
    _trainee_user, trainee = volunteer("trainee@example.org", "Trainee")
    trainee.is_trainee = True
    trainee.save()
    Assignment.objects.create(
        mission=camp, role=camp.roles.get(), person=trainee, starts_on=START, ends_on=END
    )
    application = apply_to(camp, surgeon[0])
    tab = client_for(users["coordinator"]).get(reverse("missions:applications", args=[camp.pk]))
    form = tab.context["groups"][0]["rows"][0]["accept_form"]
    assert [label for value, label in form.fields["supervisor"].choices if value] == ["Lead Surgeon"]
    address = reverse("missions:application_accept", args=[application.pk])
    assert client_for(users["member"]).post(address, {}).status_code == 403
    not_on_team = client_for(users["coordinator"]).post(address, {"supervisor": trainee.pk}, follow=True)
    assert "Select a valid choice" in page(not_on_team)
    # The role is full (two places, two taken): the refusal comes back as a message.
    full = client_for(users["coordinator"]).post(address, {"supervisor": lead.pk}, follow=True)
    assert "The role is full" in page(full)
    Assignment.objects.filter(person=trainee).update(status=AssignmentStatus.REMOVED)
    response = client_for(users["coordinator"]).post(address, {"supervisor": lead.pk, "message": "Welcome."})
    assert response.status_code == 302
    assignment = Assignment.objects.get(application=application)
    assert (assignment.supervisor, assignment.status) == (lead, AssignmentStatus.ACTIVE)


# Saved searches ---------------------------------------------------------------------------------------


def test_a_search_is_saved_from_the_search_page_and_managed(camp, surgeon, users, client_for):
    user, _person = surgeon
    client = client_for(user)
    response = client.post(
        reverse("missions:saved_search_add"),
        {"name": "Surgery in Africa", "email_alerts": "on", "specialty": "surgery", "region": "AFRO"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("missions:saved_searches")
    saved = SavedSearch.objects.get(user=user)
    assert saved.filters == {"specialty": "surgery", "region": "AFRO"}
    assert list(saved.matches.values_list("mission_id", flat=True)) == [camp.pk]
    listing = page(client.get(reverse("missions:saved_searches")))
    assert "Surgery in Africa" in listing and "Region: Africa" in listing
    assert f"{SEARCH}?specialty=surgery&amp;region=AFRO" in listing
    edit = reverse("missions:saved_search_edit", args=[saved.pk])
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"name": "Surgery in Africa"}).status_code == 302  # alerts unticked: off
    saved.refresh_from_db()
    assert saved.email_alerts is False
    assert client.post(edit, {"name": ""}).status_code == 400
    other = client_for(users["admin"])
    delete = reverse("missions:saved_search_delete", args=[saved.pk])
    assert other.get(edit).status_code == 404 and other.post(delete).status_code == 404
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert not SavedSearch.objects.exists()


def test_saving_without_a_name_or_with_bad_filters_is_refused(surgeon, client_for):
    client = client_for(surgeon[0])
    response = client.post(reverse("missions:saved_search_add"), {"name": "", "region": "AFRO"}, follow=True)
    assert "This field is required." in page(response)
    response = client.post(reverse("missions:saved_search_add"), {"name": "X", "region": "MARS"}, follow=True)
    assert "Select a valid choice" in page(response)
    assert not SavedSearch.objects.exists()
    assert discovery.saved_searches_of(surgeon[0]).count() == 0


def test_host_members_see_applicants_without_a_link_to_a_profile_they_cannot_open(
    recruiting_world_for_links, client_for, users
):
    mission, application = recruiting_world_for_links
    page = client_for(users["host_member"]).get(reverse("missions:applications", args=[mission.pk]))
    profile = reverse("volunteers:person", args=[application.person_id])
    assert application.person.full_name in page.content.decode()
    assert profile not in page.content.decode()
    page = client_for(users["coordinator"]).get(reverse("missions:applications", args=[mission.pk]))
    assert profile in page.content.decode()


@pytest.fixture
def recruiting_world_for_links(mission, role, users):
    from medmissions.conftest import make_user
    from medmissions.missions import applications, services

    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    services.host_confirm(mission, actor=users["host_admin"])
    volunteer = make_user("nadia@example.org", "Nadia Okafor")
    return mission, applications.apply(role, actor=volunteer, motivation="Hernia camps in Tororo.")
