"""propose_partnership: who may propose, what a proposal must contain, its audit entry and emails."""

from __future__ import annotations

import datetime

import pytest

from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.organizations.models import Capability
from medmissions.partnerships import services
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.models import Partnership
from medmissions.partnerships.tests.support import audit_entries, counts

GOALS = {"title": "Mbale surgical training", "shared_goals": "Train local surgical teams."}


def propose(actor, proposer, parties, data=None, **extra):
    return services.propose_partnership(
        actor=actor, proposer=proposer, data=data or dict(GOALS), parties=parties, **extra
    )


def test_a_coordinator_proposes_a_partnership_with_a_host(users, sending, host):
    partnership = propose(
        users["coordinator"],
        sending,
        [(sending, PartyRole.SENDING), (host, PartyRole.HOST)],
        data={
            **GOALS,
            "start_date": datetime.date(2026, 9, 1),
            "end_date": datetime.date(2027, 8, 31),
            "next_review_date": datetime.date(2027, 3, 1),
            "is_public": True,
        },
    )

    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.PROPOSED
    assert partnership.title == "Mbale surgical training"
    assert partnership.created_by == users["coordinator"]
    assert partnership.is_public is True
    assert partnership.start_date == datetime.date(2026, 9, 1)
    parties = {party.organization: (party.role, party.confirmed_at) for party in partnership.parties.all()}
    assert parties == {sending: (PartyRole.SENDING, None), host: (PartyRole.HOST, None)}


def test_an_admin_may_propose_too(users, sending, host):
    partnership = propose(users["admin"], sending, [(sending, PartyRole.SENDING), (host, PartyRole.HOST)])
    assert partnership.status == PartnershipStatus.PROPOSED


def test_the_proposer_may_itself_be_the_host(users, sending, host):
    partnership = propose(users["host_admin"], host, [(host, PartyRole.HOST), (sending, PartyRole.SENDING)])
    assert [party.organization for party in partnership.host_parties()] == [host]


def test_titles_and_goals_are_trimmed(users, sending, host):
    partnership = propose(
        users["coordinator"],
        sending,
        [(sending, PartyRole.SENDING), (host, PartyRole.HOST)],
        data={"title": "  Mbale  ", "shared_goals": "\nGoals\n"},
    )
    assert (partnership.title, partnership.shared_goals) == ("Mbale", "Goals")


def test_focus_areas_are_stored(users, sending, host):
    areas = list(Capability.objects.order_by("pk")[:2])
    assert len(areas) == 2, "the capability taxonomy is seeded by a migration"
    partnership = propose(
        users["coordinator"],
        sending,
        [(sending, PartyRole.SENDING), (host, PartyRole.HOST)],
        focus_areas=areas,
    )
    assert set(partnership.focus_areas.all()) == set(areas)


def test_the_proposal_is_audited_with_actor_organisation_and_parties(users, sending, host):
    partnership = propose(
        users["coordinator"], sending, [(sending, PartyRole.SENDING), (host, PartyRole.HOST)]
    )

    [entry] = audit_entries("partnerships.partnership.proposed")
    assert entry.actor == users["coordinator"]
    assert entry.organization == sending
    assert entry.object_id == str(partnership.pk)
    assert entry.changes["title"] == [None, "Mbale surgical training"]
    assert entry.changes["status"] == [None, "proposed"]
    assert entry.data["parties"] == [
        {"organization": sending.pk, "role": "sending"},
        {"organization": host.pk, "role": "host"},
    ]


def test_host_admins_are_emailed_only_once_the_proposal_commits(
    users, sending, host, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        propose(users["coordinator"], sending, [(sending, PartyRole.SENDING), (host, PartyRole.HOST)])
    assert mailoutbox == []
    assert len(callbacks) == 1

    with django_capture_on_commit_callbacks(execute=True):
        propose(users["coordinator"], sending, [(sending, PartyRole.SENDING), (host, PartyRole.HOST)])
    assert [message.to for message in mailoutbox] == [["host_admin@example.org"]]
    assert "Mbale surgical training" in mailoutbox[0].subject
    assert "Coordinator of Bridge Health UK" in mailoutbox[0].body


def test_host_members_and_the_proposer_are_not_emailed(
    users, sending, host, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        propose(users["coordinator"], sending, [(sending, PartyRole.SENDING), (host, PartyRole.HOST)])
    recipients = {address for message in mailoutbox for address in message.to}
    assert recipients == {"host_admin@example.org"}


@pytest.mark.parametrize("persona", ["viewer", "member"])
def test_viewers_and_members_cannot_propose(persona, users, sending, host):
    before = counts()
    with pytest.raises(NotAllowed, match="Only coordinators and admins manage partnerships"):
        propose(users[persona], sending, [(sending, PartyRole.SENDING), (host, PartyRole.HOST)])
    assert counts() == before


def test_nobody_proposes_on_behalf_of_an_organisation_they_do_not_belong_to(users, sending, host):
    before = counts()
    with pytest.raises(NotAllowed):
        propose(users["outsider"], sending, [(sending, PartyRole.SENDING), (host, PartyRole.HOST)])
    assert counts() == before


@pytest.mark.parametrize(
    ("parties", "message"),
    [
        pytest.param(lambda s, h, o: [(s, PartyRole.SENDING)], "at least two organisations", id="one-party"),
        pytest.param(lambda s, h, o: [], "must be one of the parties", id="no-parties"),
        pytest.param(
            lambda s, h, o: [(s, PartyRole.SENDING), (o, PartyRole.FUNDING)],
            "at least one host organisation",
            id="no-host",
        ),
        pytest.param(
            lambda s, h, o: [(h, PartyRole.HOST), (o, PartyRole.SENDING)],
            "Your organisation must be one of the parties",
            id="proposer-not-a-party",
        ),
        pytest.param(
            lambda s, h, o: [(s, PartyRole.SENDING), (h, PartyRole.HOST), (h, PartyRole.TRAINING)],
            "Mbale Regional Hospital is listed twice",
            id="duplicate-organisation",
        ),
        pytest.param(
            lambda s, h, o: [(s, PartyRole.SENDING), (h, "overlord")],
            "Each party needs a role",
            id="unknown-role",
        ),
    ],
)
def test_proposals_with_wrong_parties_are_refused_and_create_nothing(
    parties, message, users, sending, host, other, mailoutbox, django_capture_on_commit_callbacks
):
    before = counts()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationFailed) as caught,
    ):
        propose(users["coordinator"], sending, parties(sending, host, other))
    assert message in caught.value.message
    assert "parties" in caught.value.fields
    assert counts() == before
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "", "shared_goals": "Goals"}, "title", "Give the partnership a title."),
        ({"title": "   ", "shared_goals": "Goals"}, "title", "Give the partnership a title."),
        ({"title": "Title", "shared_goals": ""}, "shared_goals", "Describe the goals the partners share."),
        (
            {
                "title": "Title",
                "shared_goals": "Goals",
                "start_date": datetime.date(2027, 1, 2),
                "end_date": datetime.date(2027, 1, 1),
            },
            "end_date",
            "The end date is before the start date.",
        ),
        (
            {"title": "Title", "shared_goals": "Goals", "next_review_date": "next spring"},
            "next_review_date",
            "Enter a valid date.",
        ),
    ],
)
def test_proposals_with_invalid_fields_are_refused_and_create_nothing(
    data, field, message, users, sending, host
):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        propose(
            users["coordinator"], sending, [(sending, PartyRole.SENDING), (host, PartyRole.HOST)], data=data
        )
    assert caught.value.fields[field] == message
    assert caught.value.status == 400
    assert counts() == before
    assert not Partnership.objects.exists()


def test_an_end_date_on_the_start_date_is_accepted(users, sending, host):
    day = datetime.date(2027, 1, 1)
    partnership = propose(
        users["coordinator"],
        sending,
        [(sending, PartyRole.SENDING), (host, PartyRole.HOST)],
        data={**GOALS, "start_date": day, "end_date": day},
    )
    assert partnership.end_date == partnership.start_date == day
