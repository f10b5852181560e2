"""Pages: the mission's matching tab, a role's suggestions, runs (start, adjust, accept, discard)
and the weights page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.matching.models import MatchingWeights, OptimisationRun, RunStatus
from medmissions.missions.models import Assignment, Invitation
from medmissions.volunteers.models import Credential

from .run_fixtures import *  # noqa: F403 - fixtures
from .run_fixtures import role_of

pytestmark = pytest.mark.django_db


def test_the_matching_tab_shows_each_role_with_its_best_people(client_for, users, recruiting, people):
    response = client_for(users["coordinator"]).get(reverse("matching:mission", args=[recruiting.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Suggested people" in page  # the tab
    assert "General surgeon" in page and "Anaesthetist" in page
    assert page.index("Ada Senior") < page.index("Ben Middle") < page.index("Cai Junior")
    assert "Run the optimiser for this mission" in page


def test_the_tab_is_only_offered_to_coordinators(client_for, users, recruiting):
    detail = reverse("missions:detail", args=[recruiting.pk])
    assert (
        reverse("matching:mission", args=[recruiting.pk])
        in client_for(users["coordinator"]).get(detail).content.decode()
    )
    assert (
        reverse("matching:mission", args=[recruiting.pk])
        not in client_for(users["member"]).get(detail).content.decode()
    )


def test_a_role_page_explains_scores_and_near_misses(client_for, users, recruiting, people, ready_person):
    unverified = ready_person("Eve Unverified")
    Credential.objects.filter(person=unverified).first().verifications.all().delete()
    role = role_of(recruiting, "General surgeon")
    page = client_for(users["coordinator"]).get(reverse("matching:role", args=[role.pk])).content.decode()
    assert "3 eligible people" in page
    assert "20 years of experience" in page  # a component's sentence
    assert "Eve Unverified" in page and "Would fit if" in page and "were verified" in page
    assert f'action="{reverse("missions:invite", args=[role.pk])}"' in page


def test_running_adjusting_and_accepting_a_proposal(client_for, users, sending, recruiting, people):
    client = client_for(users["coordinator"])
    surgeon_role = role_of(recruiting, "General surgeon")
    response = client.post(
        reverse("matching:runs"), {"organization": sending.pk, "missions": [recruiting.pk]}
    )
    run = OptimisationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("matching:run", args=[run.pk])

    page = client.get(reverse("matching:run", args=[run.pk])).content.decode()
    assert "3 / 3" in page and "best possible" in page
    assert "Ada Senior" in page and f'value="{people["senior"].pk}:{surgeon_role.pk}"' in page

    response = client.post(
        reverse("matching:rerun", args=[run.pk]), {"exclude": [f"{people['senior'].pk}:{surgeon_role.pk}"]}
    )
    rerun = OptimisationRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == reverse("matching:run", args=[rerun.pk])
    assert people["senior"].pk not in {row["person"] for row in rerun.result["assignments"]}
    page = client.get(reverse("matching:run", args=[rerun.pk])).content.decode()
    assert "Ada Senior excluded from General surgeon" in page

    response = client.post(reverse("matching:accept", args=[rerun.pk]), {"message": "Welcome."}, follow=True)
    assert "3 invitations sent" in response.content.decode()
    assert Invitation.objects.filter(optimisation_run_id=rerun.pk).count() == 3
    assert OptimisationRun.objects.get(pk=rerun.pk).status == RunStatus.ACCEPTED

    response = client.post(reverse("matching:discard", args=[run.pk]))
    assert response.status_code == 302
    assert OptimisationRun.objects.get(pk=run.pk).status == RunStatus.DISCARDED


def test_a_stale_proposal_is_explained_and_nothing_is_sent(client_for, users, sending, recruiting, people):
    client = client_for(users["coordinator"])
    client.post(reverse("matching:runs"), {"organization": sending.pk, "missions": [recruiting.pk]})
    run = OptimisationRun.objects.get()
    anaesthetist_role = role_of(recruiting, "Anaesthetist")
    Assignment.objects.create(
        mission=recruiting,
        role=anaesthetist_role,
        person=people["junior"],
        starts_on=recruiting.starts_on,
        ends_on=recruiting.ends_on,
    )
    response = client.post(reverse("matching:accept", args=[run.pk]), {"message": ""})
    assert response.status_code == 400
    assert "Nothing was sent" in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_run_form_reports_bad_choices(client_for, users, sending, recruiting):
    response = client_for(users["coordinator"]).post(reverse("matching:runs"), {"organization": sending.pk})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not OptimisationRun.objects.exists()


def test_the_runs_page_preselects_a_mission(client_for, users, sending, recruiting):
    response = client_for(users["coordinator"]).get(reverse("matching:runs") + f"?mission={recruiting.pk}")
    assert f'value="{recruiting.pk}"' in response.content.decode()
    assert "checked" in response.content.decode()


def test_the_weights_page(client_for, users, sending):
    url = reverse("matching:weights", args=[sending.slug])
    member_page = client_for(users["member"]).get(url).content.decode()
    assert "The default weights" in member_page and "Save the weights" not in member_page
    admin = client_for(users["admin"])
    data = {
        "interest": 40,
        "language": 20,
        "continuity": 15,
        "experience": 30,
        "proficiency": 10,
        "local": 15,
        "first_timer": 5,
    }
    assert admin.post(url, data).status_code == 302
    assert MatchingWeights.objects.get(organization=sending).experience == 30
    response = admin.post(url, {**data, "experience": 300})
    assert response.status_code == 400
    assert MatchingWeights.objects.get(organization=sending).experience == 30
    assert admin.post(reverse("matching:weights_reset", args=[sending.slug])).status_code == 302
    assert not MatchingWeights.objects.exists()


def test_a_proposal_short_of_the_bound_says_how_close_it_is(client_for, users, sending, recruiting, people):
    client = client_for(users["coordinator"])
    client.post(reverse("matching:runs"), {"organization": sending.pk, "missions": [recruiting.pk]})
    run = OptimisationRun.objects.get()
    # As CP-SAT leaves it when its time runs out a few points short of the bound.
    run.result = {**run.result, "optimal": False, "bound": run.result["total_score"] * 1000}
    run.save(update_fields=["result"])
    page = client.get(reverse("matching:run", args=[run.pk])).content.decode()
    assert "within 99.9% of the best possible" in page and "best possible</span>" not in page.replace(
        "of the best possible", ""
    )
    run.result = {**run.result, "total_score": 1_171_215, "bound": 1_171_230}
    run.save(update_fields=["result"])
    assert (
        "within 0.01% of the best possible"
        in client.get(reverse("matching:run", args=[run.pk])).content.decode()
    )
