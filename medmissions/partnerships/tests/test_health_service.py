"""Health checks: opening rounds, scoring, results with gaps, completion and the trend."""

from __future__ import annotations

import pytest

from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.partnerships import health, services
from medmissions.partnerships.choices import HealthCheckStatus, Principle
from medmissions.partnerships.models import HealthCheck, PrincipleScore
from medmissions.partnerships.tests.support import audit_entries, counts

# Opening a round ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "admin", "host_admin"])
def test_coordinators_and_admins_of_a_party_open_a_round(persona, users, active_partnership):
    check = health.open_health_check(active_partnership, actor=users[persona])

    assert (check.round_number, check.status, check.opened_by) == (1, HealthCheckStatus.OPEN, users[persona])
    [entry] = audit_entries("partnerships.health_check.opened")
    assert entry.actor == users[persona]
    assert entry.changes == {"round_number": [None, 1]}


def test_a_round_may_be_opened_while_paused(users, paused_partnership):
    assert health.open_health_check(paused_partnership, actor=users["coordinator"]).round_number == 1


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member", "outsider"])
def test_members_viewers_and_outsiders_cannot_open_a_round(persona, users, active_partnership):
    before = counts()
    with pytest.raises(NotAllowed, match="Only coordinators and admins of a party run health checks"):
        health.open_health_check(active_partnership, actor=users[persona])
    assert counts() == before


@pytest.mark.parametrize("fixture", ["proposed_partnership", "closed_partnership"])
def test_rounds_are_only_for_active_or_paused_partnerships(fixture, users, request):
    partnership = request.getfixturevalue(fixture)
    before = counts()
    with pytest.raises(Conflict, match="Health checks are for active or paused partnerships") as caught:
        health.open_health_check(partnership, actor=users["coordinator"])
    assert caught.value.code == "partnership_not_active"
    assert counts() == before


def test_only_one_round_is_open_at_a_time(users, active_partnership, open_check):
    before = counts()
    with pytest.raises(Conflict, match="already open") as caught:
        health.open_health_check(active_partnership, actor=users["host_admin"])
    assert caught.value.code == "check_open"
    assert counts() == before


def test_the_next_round_is_numbered_after_the_last(
    users, sending, host, active_partnership, open_check, score_all
):
    score_all(open_check, sending, users["member"])
    score_all(open_check, host, users["host_member"])
    health.complete_health_check(open_check, actor=users["coordinator"])

    second = health.open_health_check(active_partnership, actor=users["coordinator"])

    assert second.round_number == 2


# Scoring ------------------------------------------------------------------------------------------


def score(check, actor, organization, principle=Principle.STRATEGIC, value=4, evidence="Agreed plan."):
    return health.score_principle(
        check, actor=actor, organization=organization, principle=principle, score=value, evidence=evidence
    )


@pytest.mark.parametrize("persona", ["member", "coordinator", "admin"])
def test_members_and_up_score_for_their_organisation(persona, users, sending, open_check):
    result = score(open_check, users[persona], sending, value=3, evidence="  Joint plan signed.  ")

    assert (result.organization, result.principle, result.score) == (sending, 1, 3)
    assert result.evidence == "Joint plan signed."
    assert result.scored_by == users[persona]
    [entry] = audit_entries("partnerships.health_check.scored")
    assert entry.actor == users[persona]
    assert entry.organization == sending
    assert entry.object_id == str(open_check.pk)
    assert entry.data == {"principle": 1}
    assert entry.changes == {"score": [None, 3], "evidence": [None, "Joint plan signed."]}


def test_a_score_can_be_revised_while_the_round_is_open(users, sending, open_check):
    score(open_check, users["member"], sending, value=2, evidence="Weak.")
    revised = score(open_check, users["coordinator"], sending, value=4, evidence="Better after review.")

    assert PrincipleScore.objects.filter(health_check=open_check).count() == 1
    assert (revised.score, revised.evidence, revised.scored_by) == (
        4,
        "Better after review.",
        users["coordinator"],
    )
    revision = audit_entries("partnerships.health_check.scored")[-1]
    assert revision.changes == {"score": [2, 4], "evidence": ["Weak.", "Better after review."]}


@pytest.mark.parametrize("persona", ["viewer", "host_member", "outsider"])
def test_viewers_and_non_members_cannot_score_for_an_organisation(persona, users, sending, open_check):
    before = counts()
    with pytest.raises(NotAllowed, match="Only members of Bridge Health UK can score for it"):
        score(open_check, users[persona], sending)
    assert counts() == before


def test_an_organisation_that_is_not_a_party_cannot_score(users, other, open_check):
    before = counts()
    with pytest.raises(ValidationFailed, match="Unrelated Clinic is not a party to this partnership"):
        score(open_check, users["outsider"], other)
    assert counts() == before


@pytest.mark.parametrize("value", [0, 6, -1, None, "4", 4.5, True])
def test_scores_run_from_1_to_5(value, users, sending, open_check):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        score(open_check, users["member"], sending, value=value)
    assert caught.value.fields == {"score": "Score from 1 (weak) to 5 (strong)."}
    assert counts() == before


@pytest.mark.parametrize("value", [1, 5])
def test_the_ends_of_the_scale_are_accepted(value, users, sending, open_check):
    assert score(open_check, users["member"], sending, value=value).score == value


@pytest.mark.parametrize("principle", [0, 11, None])
def test_only_the_ten_principles_can_be_scored(principle, users, sending, open_check):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        score(open_check, users["member"], sending, principle=principle)
    assert caught.value.fields == {"principle": "Choose one of the principles."}
    assert counts() == before


@pytest.mark.parametrize("evidence", ["", "   ", None])
def test_every_score_needs_evidence(evidence, users, sending, open_check):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        score(open_check, users["member"], sending, evidence=evidence)
    assert caught.value.fields == {"evidence": "Give the evidence behind the score."}
    assert counts() == before


def test_a_completed_round_is_frozen(users, sending, host, open_check, score_all):
    score_all(open_check, sending, users["member"], 4)
    score_all(open_check, host, users["host_member"], 4)
    health.complete_health_check(open_check, actor=users["coordinator"])
    before = counts()

    with pytest.raises(Conflict, match="start a new round to score again") as caught:
        score(open_check, users["member"], sending, value=1, evidence="Changed my mind.")

    assert caught.value.code == "check_completed"
    assert PrincipleScore.objects.get(health_check=open_check, organization=sending, principle=1).score == 4
    assert counts() == before


# Results ------------------------------------------------------------------------------------------


def row(outcome, principle):
    return next(r for r in outcome.rows if r.principle == principle)


def test_results_show_every_partys_scores_side_by_side(users, sending, host, open_check):
    score(open_check, users["member"], sending, Principle.STRATEGIC, 4)
    score(open_check, users["host_member"], host, Principle.STRATEGIC, 5)

    outcome = health.results(open_check)

    assert outcome.organizations == [host, sending]  # parties ordered by role: host first
    strategic = row(outcome, Principle.STRATEGIC)
    assert [cell.score for cell in strategic.cells] == [5, 4]
    assert (strategic.spread, strategic.average, strategic.is_gap) == (1, 4.5, False)
    assert strategic.label == "Strategic"
    assert strategic.guidance
    assert len(outcome.rows) == 10


def test_a_score_of_two_or_lower_is_a_gap(users, sending, host, open_check):
    score(open_check, users["member"], sending, Principle.EQUITY, 2)
    score(open_check, users["host_member"], host, Principle.EQUITY, 3)
    score(open_check, users["member"], sending, Principle.CLIMATE, 3)
    score(open_check, users["host_member"], host, Principle.CLIMATE, 3)

    outcome = health.results(open_check)

    assert row(outcome, Principle.EQUITY).is_gap is True
    assert row(outcome, Principle.CLIMATE).is_gap is False
    assert [r.principle for r in outcome.gaps] == [Principle.EQUITY]


def test_a_spread_of_two_or_more_is_a_gap(users, sending, host, open_check):
    score(open_check, users["member"], sending, Principle.RESPECTFUL, 5)
    score(open_check, users["host_member"], host, Principle.RESPECTFUL, 3)

    respectful = row(health.results(open_check), Principle.RESPECTFUL)

    assert respectful.spread == 2
    assert respectful.is_gap is True
    assert respectful.average == 4.0


def test_a_single_low_score_is_a_gap_before_the_other_party_scored(users, sending, open_check):
    score(open_check, users["member"], sending, Principle.FLEXIBLE, 1)
    flexible = row(health.results(open_check), Principle.FLEXIBLE)
    assert (flexible.is_gap, flexible.spread, flexible.average) == (True, None, 1.0)


def test_unscored_principles_are_not_gaps_and_are_listed_as_missing(users, sending, host, open_check):
    score(open_check, users["member"], sending, Principle.STRATEGIC, 4)

    outcome = health.results(open_check)

    assert row(outcome, Principle.HARMONISED).is_gap is False
    assert row(outcome, Principle.HARMONISED).average is None
    assert outcome.missing[sending.pk] == list(range(2, 11))
    assert outcome.missing[host.pk] == list(range(1, 11))
    assert outcome.complete is False


def test_open_action_items_are_shown_next_to_their_principle(users, host, active_partnership, open_check):
    item = health.create_action_item(
        active_partnership,
        actor=users["coordinator"],
        data={
            "title": "Agree a joint safeguarding policy",
            "owner_organization": host,
            "due_date": open_check.opened_at.date(),
            "principle": Principle.RESPONSIBLE,
        },
    )
    outcome = health.results(open_check)
    assert row(outcome, Principle.RESPONSIBLE).open_actions == [item]
    assert row(outcome, Principle.STRATEGIC).open_actions == []


# Completing a round -------------------------------------------------------------------------------


def test_a_round_completes_once_every_party_scored_every_principle(
    users, sending, host, open_check, score_all
):
    score_all(open_check, sending, users["member"], {Principle.EQUITY: 2})
    score_all(open_check, host, users["host_member"], {Principle.RESPECTFUL: 2, Principle.EQUITY: 4})

    check = health.complete_health_check(open_check, actor=users["host_admin"], summary="  Good year.  ")

    check.refresh_from_db()
    assert check.status == HealthCheckStatus.COMPLETED
    assert check.completed_at is not None
    assert check.summary == "Good year."
    [entry] = audit_entries("partnerships.health_check.completed")
    assert entry.actor == users["host_admin"]
    assert entry.organization == host
    assert entry.changes == {"status": ["open", "completed"]}
    assert entry.data == {"gaps": [Principle.RESPECTFUL, Principle.EQUITY]}


def test_completion_with_missing_scores_says_who_still_has_to_score(
    users, sending, host, open_check, score_all
):
    score_all(open_check, sending, users["member"])
    for principle in list(Principle)[:9]:
        score(open_check, users["host_member"], host, principle.value, 3)
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        health.complete_health_check(open_check, actor=users["coordinator"])

    assert caught.value.code == "scores_missing"
    assert caught.value.message.startswith(
        "Every party must score every principle before the check is completed. "
        "Still to score: Mbale Regional Hospital (1 principle"
    )
    assert "Bridge Health UK" not in caught.value.message
    open_check.refresh_from_db()
    assert open_check.status == HealthCheckStatus.OPEN
    assert counts() == before


def test_the_missing_scores_message_lists_every_party_still_to_score(users, sending, open_check):
    score(open_check, users["member"], sending, Principle.STRATEGIC, 4)
    with pytest.raises(ValidationFailed) as caught:
        health.complete_health_check(open_check, actor=users["coordinator"])
    assert "Mbale Regional Hospital (10 principles)" in caught.value.message
    assert "Bridge Health UK (9 principles)" in caught.value.message


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member", "outsider"])
def test_only_coordinators_and_admins_of_a_party_complete_a_round(
    persona, users, sending, host, open_check, score_all
):
    score_all(open_check, sending, users["member"])
    score_all(open_check, host, users["host_member"])
    before = counts()
    with pytest.raises(NotAllowed):
        health.complete_health_check(open_check, actor=users[persona])
    open_check.refresh_from_db()
    assert open_check.status == HealthCheckStatus.OPEN
    assert counts() == before


def test_a_round_cannot_be_completed_twice(users, sending, host, open_check, score_all):
    score_all(open_check, sending, users["member"])
    score_all(open_check, host, users["host_member"])
    health.complete_health_check(open_check, actor=users["coordinator"], summary="First.")
    with pytest.raises(Conflict, match="already completed"):
        health.complete_health_check(open_check, actor=users["coordinator"], summary="Second.")
    open_check.refresh_from_db()
    assert open_check.summary == "First."


# Trend --------------------------------------------------------------------------------------------


def test_the_trend_compares_average_scores_across_completed_rounds(
    users, sending, host, active_partnership, open_check, score_all
):
    score_all(open_check, sending, users["member"], {Principle.STRATEGIC: 2, Principle.EQUITY: 3})
    score_all(open_check, host, users["host_member"], {Principle.STRATEGIC: 3, Principle.EQUITY: 1})
    health.complete_health_check(open_check, actor=users["coordinator"])
    second = health.open_health_check(active_partnership, actor=users["coordinator"])
    score_all(second, sending, users["member"], {Principle.STRATEGIC: 4, Principle.EQUITY: 3})
    score_all(second, host, users["host_member"], {Principle.STRATEGIC: 5, Principle.EQUITY: 2})
    health.complete_health_check(second, actor=users["coordinator"])
    health.open_health_check(active_partnership, actor=users["coordinator"])  # a third, open round

    rounds, rows = health.trend(active_partnership)

    assert [check.round_number for check in rounds] == [1, 2]
    by_principle = {r.principle: r for r in rows}
    assert by_principle[Principle.STRATEGIC].averages == [2.5, 4.5]
    assert by_principle[Principle.STRATEGIC].change == 2.0
    assert by_principle[Principle.EQUITY].averages == [2.0, 2.5]
    assert by_principle[Principle.EQUITY].change == 0.5
    assert by_principle[Principle.CLIMATE].averages == [4.0, 4.0]
    assert by_principle[Principle.CLIMATE].change == 0.0
    assert len(rows) == 10


def test_the_trend_of_a_single_round_has_no_change(
    users, sending, host, active_partnership, open_check, score_all
):
    score_all(open_check, sending, users["member"])
    score_all(open_check, host, users["host_member"])
    health.complete_health_check(open_check, actor=users["coordinator"])
    rounds, rows = health.trend(active_partnership)
    assert len(rounds) == 1
    assert all(r.change is None for r in rows)


def test_open_rounds_are_not_part_of_the_trend(users, sending, active_partnership, open_check):
    score(open_check, users["member"], sending)
    rounds, rows = health.trend(active_partnership)
    assert rounds == []
    assert all(r.averages == [] for r in rows)


def test_health_checks_are_visible_to_the_parties_only_even_when_public(
    users, active_partnership, open_check
):
    services.update_partnership(active_partnership, actor=users["coordinator"], data={"is_public": True})
    assert list(HealthCheck.objects.visible_to(users["viewer"])) == [open_check]
    assert list(HealthCheck.objects.visible_to(users["host_member"])) == [open_check]
    assert list(HealthCheck.objects.visible_to(users["outsider"])) == []
    assert list(HealthCheck.objects.visible_to(None)) == []


def test_a_round_left_open_when_the_partnership_closed_can_no_longer_be_scored_or_completed(
    active_partnership, users, sending, host
):
    from medmissions.core.errors import Conflict
    from medmissions.partnerships.health import complete_health_check, open_health_check, score_principle
    from medmissions.partnerships.models import PrincipleScore
    from medmissions.partnerships.services import change_status

    check = open_health_check(active_partnership, actor=users["coordinator"])
    change_status(active_partnership, actor=users["coordinator"], transition="close", reason="Funding ended.")
    with pytest.raises(Conflict, match="closed"):
        score_principle(
            check, actor=users["member"], organization=sending, principle=1, score=4, evidence="Plan agreed."
        )
    with pytest.raises(Conflict, match="closed"):
        complete_health_check(check, actor=users["coordinator"])
    assert not PrincipleScore.objects.filter(health_check=check).exists()


def test_an_action_item_cannot_point_at_another_partnerships_health_check(
    active_partnership, users, sending, host, other
):
    import datetime

    from medmissions.core.errors import ValidationFailed
    from medmissions.partnerships.choices import PartyRole
    from medmissions.partnerships.health import create_action_item, open_health_check
    from medmissions.partnerships.models import ActionItem
    from medmissions.partnerships.services import confirm_partnership, propose_partnership

    second = propose_partnership(
        actor=users["coordinator"],
        proposer=sending,
        data={"title": "Second", "shared_goals": "Other goals."},
        parties=[(sending, PartyRole.SENDING), (host, PartyRole.HOST)],
    )
    confirm_partnership(second, actor=users["host_admin"])
    foreign_check = open_health_check(second, actor=users["coordinator"])
    with pytest.raises(ValidationFailed):
        create_action_item(
            active_partnership,
            actor=users["coordinator"],
            data={"title": "Fix it", "owner_organization": sending, "due_date": datetime.date(2027, 1, 1)},
            health_check=foreign_check,
        )
    assert not ActionItem.objects.exists()
