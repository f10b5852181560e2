"""Optimisation runs: what a run stores, pins and exclusions, batches of missions, and accepting a
proposal through the missions services, re-validated against the database as it is now."""

from __future__ import annotations

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.matching import services
from medmissions.matching.models import DEFAULT_WEIGHTS, MatchingWeights, OptimisationRun, RunStatus
from medmissions.matching.optimiser import InfeasiblePin
from medmissions.missions import applications
from medmissions.missions.choices import ApplicationStatus, AssignmentStatus, InvitationStatus, MissionStatus
from medmissions.missions.models import Application, Assignment, Invitation, Mission
from medmissions.volunteers.models import Credential

from .conftest import make_person
from .run_fixtures import *  # noqa: F403 - fixtures
from .run_fixtures import role_of

pytestmark = pytest.mark.django_db


def run_for(users, sending, missions, **kwargs) -> OptimisationRun:
    return services.run_optimisation(
        organization=sending, missions=missions, actor=users["coordinator"], **kwargs
    )


def placed(run: OptimisationRun) -> set[tuple[int, int]]:
    return {(row["person"], row["role"]) for row in run.result["assignments"]}


def test_a_run_places_the_best_people_and_stores_inputs_result_and_timings(
    users, sending, recruiting, people
):
    surgeon_role = role_of(recruiting, "General surgeon")
    anaesthetist_role = role_of(recruiting, "Anaesthetist")
    run = run_for(users, sending, [recruiting])

    assert placed(run) == {
        (people["senior"].pk, surgeon_role.pk),
        (people["middle"].pk, surgeon_role.pk),
        (people["anaesthetist"].pk, anaesthetist_role.pk),
    }
    assert run.status == RunStatus.PROPOSED
    assert list(run.missions.all()) == [recruiting]
    assert run.result["filled"] == run.result["places"] == 3
    assert run.result["optimal"] is True
    assert run.result["unfilled"] == []
    senior = next(row for row in run.result["assignments"] if row["person"] == people["senior"].pk)
    assert set(senior["points"]) == set(DEFAULT_WEIGHTS)
    assert senior["score"] == sum(senior["points"].values())
    assert run.total_score == sum(row["score"] for row in run.result["assignments"])
    assert run.inputs["missions"] == [recruiting.pk]
    assert {item["role"]: item["places_left"] for item in run.inputs["roles"]} == {
        surgeon_role.pk: 2,
        anaesthetist_role.pk: 1,
    }
    assert run.inputs["weights"] == {str(recruiting.pk): DEFAULT_WEIGHTS}
    assert {"load", "candidates", "store", "total_before_store"} <= set(run.timings)
    entry = AuditEntry.objects.get(action="matching.run.created")
    assert entry.actor == users["coordinator"] and entry.organization == sending


def test_unfilled_places_are_listed_with_the_reason(users, sending, recruiting, ready_person):
    ready_person("Ada Only Surgeon")
    run = run_for(users, sending, [recruiting])
    unfilled = {item["role"]: item for item in run.result["unfilled"]}
    surgeon_role = role_of(recruiting, "General surgeon")
    anaesthetist_role = role_of(recruiting, "Anaesthetist")
    assert unfilled[surgeon_role.pk]["empty_places"] == 1
    assert unfilled[surgeon_role.pk]["code"] == "too_few_candidates"
    assert unfilled[anaesthetist_role.pk]["code"] == "no_candidates"
    assert unfilled[anaesthetist_role.pk]["reason"]


def test_pins_exclusions_and_excluded_people_are_honoured(users, sending, recruiting, people):
    surgeon_role = role_of(recruiting, "General surgeon")
    run = run_for(
        users,
        sending,
        [recruiting],
        pins=[(people["junior"].pk, surgeon_role.pk)],
        exclusions=[(people["senior"].pk, surgeon_role.pk)],
    )
    surgeons = {person for person, role in placed(run) if role == surgeon_role.pk}
    assert surgeons == {people["junior"].pk, people["middle"].pk}
    assert run.inputs["pins"] == [[people["junior"].pk, surgeon_role.pk]]

    again = run_for(users, sending, [recruiting], excluded_people=[people["anaesthetist"].pk], previous=run)
    assert people["anaesthetist"].pk not in {person for person, _role in placed(again)}
    assert again.inputs["previous_run"] == run.pk


def test_a_pin_that_cannot_be_honoured_stores_nothing(users, sending, recruiting, people):
    anaesthetist_role = role_of(recruiting, "Anaesthetist")
    with pytest.raises(InfeasiblePin):
        run_for(users, sending, [recruiting], pins=[(people["senior"].pk, anaesthetist_role.pk)])
    assert not OptimisationRun.objects.exists()


def test_a_batch_never_places_a_person_on_overlapping_missions(users, sending, second_mission, people):
    recruiting = Mission.objects.get(title="Mbale surgical camp, May 2027")
    run = run_for(users, sending, [recruiting, second_mission])
    by_person: dict[int, int] = {}
    for person, _role in placed(run):
        by_person[person] = by_person.get(person, 0) + 1
    assert max(by_person.values()) == 1
    # Three surgeons for three surgeon places across the two missions: all placed.
    assert run.result["filled"] == run.result["places"] == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("none", "Choose at least one mission"),
        ("draft", "only recruiting and ready missions"),
        ("outsider", "is not a party"),
        ("bad_pair", "names a person and a role"),
        ("foreign_role", "is not a role of the missions"),
        ("both", "both pinned to and excluded"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(users, sending, other, recruiting, people, change, message):
    kwargs: dict = {"missions": [recruiting]}
    organization = sending
    surgeon_role = role_of(recruiting, "General surgeon")
    if change == "none":
        kwargs["missions"] = []
    elif change == "draft":
        Mission.objects.filter(pk=recruiting.pk).update(status=MissionStatus.DRAFT)
        kwargs["missions"] = [Mission.objects.get(pk=recruiting.pk)]
    elif change == "outsider":
        organization = other
    elif change == "bad_pair":
        kwargs["pins"] = [("x", surgeon_role.pk)]
    elif change == "foreign_role":
        kwargs["pins"] = [(people["senior"].pk, 999_999)]
    elif change == "both":
        kwargs["pins"] = kwargs["exclusions"] = [(people["senior"].pk, surgeon_role.pk)]
    actor = users["outsider"] if change == "outsider" else users["coordinator"]
    with pytest.raises(ValidationFailed, match=message):
        services.run_optimisation(organization=organization, actor=actor, **kwargs)
    assert not OptimisationRun.objects.exists()


def test_only_coordinators_and_admins_run_the_optimiser(users, sending, recruiting, people):
    with pytest.raises(NotAllowed):
        services.run_optimisation(organization=sending, missions=[recruiting], actor=users["member"])


# Accepting -----------------------------------------------------------------------------------------


def test_accepting_gives_applicants_their_place_and_invites_everyone_else(
    users, sending, recruiting, people, django_capture_on_commit_callbacks, mailoutbox
):
    surgeon_role = role_of(recruiting, "General surgeon")
    senior_user = users["member"]
    people["senior"].user = senior_user
    people["senior"].save(update_fields=["user"])
    application = applications.apply(surgeon_role, actor=senior_user, motivation="Twenty years of surgery.")
    run = run_for(users, sending, [recruiting])
    assert (people["senior"].pk, surgeon_role.pk) in placed(run)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.accept_run(run, actor=users["coordinator"], message="Welcome aboard.")

    assert (outcome.accepted_applications, outcome.invitations) == (1, 2)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert Assignment.objects.filter(
        person=people["senior"], role=surgeon_role, status=AssignmentStatus.ACTIVE
    ).exists()
    invited = Invitation.objects.filter(optimisation_run_id=run.pk, status=InvitationStatus.PENDING)
    assert {invitation.person_id for invitation in invited} == {
        people["middle"].pk,
        people["anaesthetist"].pk,
    }
    run.refresh_from_db()
    assert run.status == RunStatus.ACCEPTED and run.decided_by == users["coordinator"]
    assert run.result["accepted"] == {"applications": 1, "invitations": 2}
    assert AuditEntry.objects.filter(action="matching.run.accepted").count() == 1
    assert mailoutbox  # the applicant's decision at least; invitations mail people with accounts


def test_accepting_twice_or_after_discarding_is_refused(users, sending, recruiting, people):
    run = run_for(users, sending, [recruiting])
    services.discard_run(run, actor=users["coordinator"])
    with pytest.raises(Conflict, match="already discarded"):
        services.accept_run(run, actor=users["coordinator"])
    with pytest.raises(Conflict, match="already discarded"):
        services.discard_run(run, actor=users["coordinator"])


def test_a_proposal_that_no_longer_fits_changes_nothing(users, sending, recruiting, people, ready_person):
    surgeon_role = role_of(recruiting, "General surgeon")
    run = run_for(users, sending, [recruiting])
    # Since the run: the senior surgeon's licence was withdrawn, and a coordinator filled a
    # surgeon place by hand.
    Credential.objects.filter(person=people["senior"]).delete()
    outsider = ready_person("Eve Hand Picked")
    Assignment.objects.create(
        mission=recruiting,
        role=surgeon_role,
        person=outsider,
        starts_on=recruiting.starts_on,
        ends_on=recruiting.ends_on,
    )
    with pytest.raises(Conflict) as caught:
        services.accept_run(run, actor=users["coordinator"])
    assert caught.value.code == "proposal_stale"
    assert "Ada Senior is no longer eligible" in caught.value.message
    assert "1 place left; the proposal fills 2" in caught.value.message
    assert not Invitation.objects.exists()
    assert not Application.objects.filter(status=ApplicationStatus.ACCEPTED).exists()
    run.refresh_from_db()
    assert run.status == RunStatus.PROPOSED


def test_a_clash_found_while_acting_rolls_everything_back(users, sending, recruiting, people, monkeypatch):
    run = run_for(users, sending, [recruiting])
    from medmissions.missions import invitations

    calls = []
    original = invitations.invite

    def fail_second(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise Conflict("The role is full.", code="role_full")
        return original(*args, **kwargs)

    monkeypatch.setattr(invitations, "invite", fail_second)
    with pytest.raises(Conflict, match=r"Nothing was sent: .* The role is full"):
        services.accept_run(run, actor=users["coordinator"])
    assert not Invitation.objects.exists()
    assert OptimisationRun.objects.get(pk=run.pk).status == RunStatus.PROPOSED


def test_an_empty_proposal_cannot_be_accepted(users, sending, recruiting):
    run = run_for(users, sending, [recruiting])
    assert run.result["assignments"] == []
    with pytest.raises(Conflict, match="places nobody"):
        services.accept_run(run, actor=users["coordinator"])


def test_members_cannot_decide_runs(users, sending, recruiting, people):
    run = run_for(users, sending, [recruiting])
    with pytest.raises(NotAllowed):
        services.accept_run(run, actor=users["member"])
    with pytest.raises(NotAllowed):
        services.discard_run(run, actor=users["member"])


# Weights ---------------------------------------------------------------------------------------------


def test_admins_tune_and_reset_the_weights_and_runs_use_them(users, sending, recruiting, people):
    weights = services.set_weights(sending, actor=users["admin"], values={"experience": 90, "interest": 0})
    assert (
        weights.experience == 90 and weights.interest == 0 and weights.language == DEFAULT_WEIGHTS["language"]
    )
    run = run_for(users, sending, [recruiting])
    assert run.inputs["weights"][str(recruiting.pk)]["experience"] == 90
    entry = AuditEntry.objects.get(action="matching.weights.changed")
    assert entry.changes["experience"] == [DEFAULT_WEIGHTS["experience"], 90]
    services.reset_weights(sending, actor=users["admin"])
    assert not MatchingWeights.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"experience": 101}, "experience"),
        ({"experience": -1}, "experience"),
        ({"experience": "ten"}, "experience"),
        ({"experience": 1.5}, "experience"),
        ({"unknown": 3}, "unknown"),
        (dict.fromkeys(DEFAULT_WEIGHTS, 0), "interest"),
    ],
)
def test_bad_weights_are_refused(users, sending, values, field):
    with pytest.raises(ValidationFailed) as caught:
        services.set_weights(sending, actor=users["admin"], values=values)
    assert field in caught.value.fields
    assert not MatchingWeights.objects.exists()


def test_only_admins_change_weights(users, sending):
    with pytest.raises(NotAllowed):
        services.set_weights(sending, actor=users["coordinator"], values={"experience": 20})
    with pytest.raises(NotAllowed):
        services.reset_weights(sending, actor=users["coordinator"])


def test_people_outside_the_partnership_are_never_proposed(users, sending, other, recruiting, people):
    stranger = make_person("Zed Stranger", organizations=(other,), years_of_experience=30, proficiency=4)
    run = run_for(users, sending, [recruiting])
    assert stranger.pk not in {person for person, _role in placed(run)}


def test_a_pending_invitation_holds_its_place_and_its_person_is_not_proposed_again(
    users, sending, recruiting, people
):
    from medmissions.missions import invitations

    surgeon_role = role_of(recruiting, "General surgeon")
    invitations.invite(surgeon_role, people["senior"], actor=users["coordinator"])
    run = run_for(users, sending, [recruiting])
    places = {item["role"]: item["places_left"] for item in run.inputs["roles"]}
    assert places[surgeon_role.pk] == 1
    surgeons = {person for person, role in placed(run) if role == surgeon_role.pk}
    assert surgeons == {people["middle"].pk}
    assert people["senior"].pk not in {person for person, _role in placed(run)}
    outcome = services.accept_run(run, actor=users["coordinator"])
    assert outcome.invitations == 2
