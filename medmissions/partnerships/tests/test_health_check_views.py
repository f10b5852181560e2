"""HTML pages of health checks and the action plan."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from medmissions.partnerships import health
from medmissions.partnerships.choices import ActionItemStatus, HealthCheckStatus, Principle
from medmissions.partnerships.models import ActionItem, HealthCheck, PrincipleScore
from medmissions.partnerships.tests.support import counts


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def check_url(name, check, *args):
    return reverse(f"partnerships:{name}", args=[check.partnership_id, check.pk, *args])


def sheet(organization, entries):
    """POST data of one party's score sheet: ``{principle: (score, evidence)}``."""
    data = {}
    for principle, (value, evidence) in entries.items():
        data[f"org{organization.pk}-score_{principle}"] = str(value) if value is not None else ""
        data[f"org{organization.pk}-evidence_{principle}"] = evidence
    return data


# Opening a round ----------------------------------------------------------------------------------


def test_a_coordinator_opens_a_round_and_lands_on_it(users, client_for, active_partnership):
    response = client_for(users["coordinator"]).post(
        reverse("partnerships:open_health_check", args=[active_partnership.pk])
    )
    check = HealthCheck.objects.get()
    assert response.status_code == 302
    assert response["Location"] == check.get_absolute_url()
    assert messages_of(response) == ["Health check round 1 is open. Each party now scores every principle."]


def test_opening_a_round_needs_a_post(users, client_for, active_partnership):
    response = client_for(users["coordinator"]).get(
        reverse("partnerships:open_health_check", args=[active_partnership.pk])
    )
    assert response.status_code == 405


def test_opening_a_round_on_a_proposal_is_refused_with_the_reason(users, client_for, proposed_partnership):
    response = client_for(users["coordinator"]).post(
        reverse("partnerships:open_health_check", args=[proposed_partnership.pk])
    )
    assert response.status_code == 302
    assert messages_of(response) == ["Health checks are for active or paused partnerships."]
    assert not HealthCheck.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("member", 403), ("viewer", 403), ("host_member", 403)])
def test_members_and_viewers_cannot_open_a_round(persona, status, users, client_for, active_partnership):
    response = client_for(users[persona]).post(
        reverse("partnerships:open_health_check", args=[active_partnership.pk])
    )
    assert response.status_code == status
    assert not HealthCheck.objects.exists()


def test_outsiders_cannot_open_a_round_even_on_a_public_partnership(users, client_for, public_partnership):
    response = client_for(users["outsider"]).post(
        reverse("partnerships:open_health_check", args=[public_partnership.pk])
    )
    assert response.status_code == 404
    assert not HealthCheck.objects.exists()


# The round's page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["viewer", "member", "host_member", "host_admin"])
def test_every_party_member_sees_the_round(persona, users, client_for, open_check):
    response = client_for(users[persona]).get(open_check.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["results"].rows) == 10


def test_members_get_a_score_sheet_for_their_organisation_and_viewers_do_not(
    users, client_for, sending, host, open_check
):
    member = client_for(users["member"]).get(open_check.get_absolute_url())
    assert [organization for organization, _sheet in member.context["scoring"]] == [sending]
    host_member = client_for(users["host_member"]).get(open_check.get_absolute_url())
    assert [organization for organization, _sheet in host_member.context["scoring"]] == [host]
    viewer = client_for(users["viewer"]).get(open_check.get_absolute_url())
    assert viewer.context["scoring"] == []
    assert viewer.context["can_run"] is False


def test_a_round_is_404_for_outsiders_even_on_a_public_partnership(users, client_for, public_partnership):
    check = health.open_health_check(public_partnership, actor=users["coordinator"])
    client = client_for(users["outsider"])
    assert client.get(reverse("partnerships:detail", args=[public_partnership.pk])).status_code == 200
    assert client.get(check.get_absolute_url()).status_code == 404


def test_a_round_of_another_partnership_is_404(users, client_for, open_check, public_partnership):
    response = client_for(users["coordinator"]).get(
        reverse("partnerships:health_check", args=[public_partnership.pk, open_check.pk])
    )
    assert response.status_code == 404


# Scoring ------------------------------------------------------------------------------------------


def test_a_member_saves_scores_for_their_organisation(users, client_for, sending, open_check):
    response = client_for(users["member"]).post(
        check_url("score", open_check, sending.slug),
        sheet(sending, {1: (4, "Joint plan."), 2: (2, "Not aligned yet.")}),
    )
    assert response.status_code == 302
    assert response["Location"] == open_check.get_absolute_url()
    assert messages_of(response) == ["2 scores saved for Bridge Health UK."]
    saved = {s.principle: (s.score, s.evidence) for s in PrincipleScore.objects.filter(organization=sending)}
    assert saved == {1: (4, "Joint plan."), 2: (2, "Not aligned yet.")}


def test_a_sheet_with_a_score_but_no_evidence_re_renders_with_the_error(
    users, client_for, sending, open_check
):
    response = client_for(users["member"]).post(
        check_url("score", open_check, sending.slug),
        sheet(sending, {1: (4, "Joint plan."), 3: (5, "  ")}),
    )
    assert response.status_code == 400
    [(organization, form)] = response.context["scoring"]
    assert organization == sending
    assert form.errors == {"evidence_3": ["Give the evidence behind the score."]}
    assert "Some scores were not saved" in messages_of(response)[0]


def test_evidence_without_a_score_is_an_error_on_the_score(users, client_for, sending, open_check):
    before = counts()
    response = client_for(users["member"]).post(
        check_url("score", open_check, sending.slug), sheet(sending, {5: (None, "We think so.")})
    )
    assert response.status_code == 400
    assert response.context["scoring"][0][1].errors == {"score_5": ["Score from 1 (weak) to 5 (strong)."]}
    assert counts() == before


def test_a_score_outside_the_scale_is_an_error(users, client_for, sending, open_check):
    before = counts()
    response = client_for(users["member"]).post(
        check_url("score", open_check, sending.slug), sheet(sending, {1: (7, "Great.")})
    )
    assert response.status_code == 400
    assert "score_1" in response.context["scoring"][0][1].errors
    assert counts() == before


def test_viewers_cannot_score(users, client_for, sending, open_check):
    before = counts()
    response = client_for(users["viewer"]).post(
        check_url("score", open_check, sending.slug), sheet(sending, {1: (4, "Joint plan.")})
    )
    assert response.status_code == 403
    assert counts() == before


def test_nobody_scores_for_another_party_they_do_not_belong_to(users, client_for, host, open_check):
    before = counts()
    response = client_for(users["member"]).post(
        check_url("score", open_check, host.slug), sheet(host, {1: (5, "Great.")})
    )
    assert response.status_code == 403
    assert counts() == before


def test_scoring_for_an_organisation_that_is_not_a_party_is_404(users, client_for, other, open_check):
    response = client_for(users["member"]).post(
        check_url("score", open_check, other.slug), sheet(other, {1: (5, "Great.")})
    )
    assert response.status_code == 404


def test_outsiders_cannot_score(users, client_for, other, open_check):
    response = client_for(users["outsider"]).post(
        check_url("score", open_check, other.slug), sheet(other, {1: (5, "Great.")})
    )
    assert response.status_code == 404


def test_a_completed_round_takes_no_more_scores(users, client_for, sending, host, open_check, score_all):
    score_all(open_check, sending, users["member"], 3)
    score_all(open_check, host, users["host_member"], 3)
    health.complete_health_check(open_check, actor=users["coordinator"])
    before = counts()
    response = client_for(users["member"]).post(
        check_url("score", open_check, sending.slug), sheet(sending, {1: (5, "Changed my mind.")})
    )
    assert response.status_code == 400
    assert PrincipleScore.objects.get(organization=sending, principle=1).score == 3
    assert counts() == before


# Completing ---------------------------------------------------------------------------------------


def test_a_coordinator_completes_a_fully_scored_round(
    users, client_for, sending, host, open_check, score_all
):
    score_all(open_check, sending, users["member"])
    score_all(open_check, host, users["host_member"])
    response = client_for(users["coordinator"]).post(
        check_url("complete_health_check", open_check), {"summary": "A good year."}
    )
    assert response.status_code == 302
    open_check.refresh_from_db()
    assert (open_check.status, open_check.summary) == (HealthCheckStatus.COMPLETED, "A good year.")


def test_completing_with_missing_scores_says_who_still_has_to_score(
    users, client_for, sending, open_check, score_all
):
    score_all(open_check, sending, users["member"])
    response = client_for(users["coordinator"]).post(check_url("complete_health_check", open_check))
    assert response.status_code == 302
    [message] = messages_of(response)
    assert "Still to score: Mbale Regional Hospital (10 principles)" in message
    open_check.refresh_from_db()
    assert open_check.status == HealthCheckStatus.OPEN


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_members_and_viewers_cannot_complete_a_round(
    persona, users, client_for, sending, host, open_check, score_all
):
    score_all(open_check, sending, users["member"])
    score_all(open_check, host, users["host_member"])
    response = client_for(users[persona]).post(check_url("complete_health_check", open_check))
    assert response.status_code == 403
    open_check.refresh_from_db()
    assert open_check.status == HealthCheckStatus.OPEN


def test_the_partnership_page_shows_the_trend_after_two_rounds(
    users, client_for, sending, host, active_partnership, open_check, score_all
):
    score_all(open_check, sending, users["member"], 2)
    score_all(open_check, host, users["host_member"], 2)
    health.complete_health_check(open_check, actor=users["coordinator"])
    second = health.open_health_check(active_partnership, actor=users["coordinator"])
    score_all(second, sending, users["member"], 4)
    score_all(second, host, users["host_member"], 5)
    health.complete_health_check(second, actor=users["coordinator"])

    response = client_for(users["viewer"]).get(reverse("partnerships:detail", args=[active_partnership.pk]))

    assert response.status_code == 200
    assert [check.round_number for check in response.context["trend_rounds"]] == [1, 2]
    assert response.context["trend_rows"][0].averages == [2.0, 4.5]
    assert "Trend across rounds" in response.content.decode()


# Action items -------------------------------------------------------------------------------------


def action_post(owner, **extra):
    data = {"title": "Joint safeguarding policy", "owner_organization": owner.pk, "due_date": "2027-01-31"}
    data["status"] = ActionItemStatus.OPEN
    data.update(extra)
    return data


def test_a_coordinator_adds_an_action_from_a_gap(
    users, client_for, sending, host, active_partnership, open_check
):
    client = client_for(users["coordinator"])
    address = reverse("partnerships:create_action_item", args=[active_partnership.pk])
    page = client.get(address, {"check": open_check.pk, "principle": Principle.EQUITY})
    assert page.status_code == 200
    assert page.context["check"] == open_check
    assert page.context["form"].initial["principle"] == str(Principle.EQUITY.value)
    assert set(page.context["form"].fields["owner_organization"].queryset) == {sending, host}

    response = client.post(address, action_post(host, check=open_check.pk, principle=Principle.EQUITY))

    assert response.status_code == 302
    assert response["Location"].endswith("#action-plan")
    item = ActionItem.objects.get()
    assert (item.owner_organization, item.health_check, item.principle) == (
        host,
        open_check,
        Principle.EQUITY,
    )
    assert item.due_date == datetime.date(2027, 1, 31)


def test_a_bad_action_re_renders_with_errors_and_creates_nothing(
    users, client_for, other, active_partnership
):
    before = counts()
    response = client_for(users["coordinator"]).post(
        reverse("partnerships:create_action_item", args=[active_partnership.pk]),
        action_post(other, title="", due_date="soon"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"title", "owner_organization", "due_date"}
    assert counts() == before


def test_an_action_on_a_closed_partnership_is_refused_on_the_form(
    users, client_for, host, closed_partnership
):
    before = counts()
    response = client_for(users["coordinator"]).post(
        reverse("partnerships:create_action_item", args=[closed_partnership.pk]), action_post(host)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["__all__"] == [
        "A closed partnership has no action plan to add to."
    ]
    assert counts() == before


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_members_and_viewers_cannot_add_actions(persona, users, client_for, host, active_partnership):
    client = client_for(users[persona])
    address = reverse("partnerships:create_action_item", args=[active_partnership.pk])
    assert client.get(address).status_code == 403
    assert client.post(address, action_post(host)).status_code == 403
    assert not ActionItem.objects.exists()


def test_outsiders_get_404_on_the_action_plan_of_a_public_partnership(
    users, client_for, host, public_partnership
):
    address = reverse("partnerships:create_action_item", args=[public_partnership.pk])
    assert client_for(users["outsider"]).get(address).status_code == 404


@pytest.mark.parametrize("check", ["999999", "not-a-number"])
def test_an_unknown_check_in_the_address_is_404(check, users, client_for, active_partnership):
    address = reverse("partnerships:create_action_item", args=[active_partnership.pk])
    assert client_for(users["coordinator"]).get(address, {"check": check}).status_code == 404


@pytest.fixture
def item(users, host, active_partnership):
    return health.create_action_item(
        active_partnership,
        actor=users["coordinator"],
        data={
            "title": "Joint safeguarding policy",
            "owner_organization": host,
            "due_date": datetime.date(2027, 1, 31),
        },
    )


def item_url(item):
    return reverse("partnerships:edit_action_item", args=[item.partnership_id, item.pk])


def test_a_coordinator_edits_every_field_of_an_action(users, client_for, sending, item):
    client = client_for(users["coordinator"])
    assert "title" in client.get(item_url(item)).context["form"].fields
    response = client.post(
        item_url(item), action_post(sending, title="Adopt the policy", status="in_progress")
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.owner_organization, item.status) == ("Adopt the policy", sending, "in_progress")


def test_an_owner_member_gets_a_status_only_form_and_updates_the_status(users, client_for, item):
    client = client_for(users["host_member"])
    page = client.get(item_url(item))
    assert page.status_code == 200
    assert list(page.context["form"].fields) == ["status"]
    response = client.post(item_url(item), {"status": ActionItemStatus.DONE, "title": "Ignored"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.title) == (ActionItemStatus.DONE, "Joint safeguarding policy")


def test_an_invalid_status_re_renders_with_the_error(users, client_for, item):
    response = client_for(users["host_member"]).post(item_url(item), {"status": "cancelled"})
    assert response.status_code == 400
    assert "status" in response.context["form"].errors
    item.refresh_from_db()
    assert item.status == ActionItemStatus.OPEN


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_members_of_a_party_that_does_not_own_the_action_cannot_update_it(persona, users, client_for, item):
    before = counts()
    assert client_for(users[persona]).get(item_url(item)).status_code == 403
    response = client_for(users[persona]).post(item_url(item), {"status": ActionItemStatus.DONE})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == ActionItemStatus.OPEN
    assert counts() == before


def test_outsiders_get_404_on_an_action(users, client_for, item):
    assert client_for(users["outsider"]).get(item_url(item)).status_code == 404
