"""Referral services: referring (who, to where, item 39), answering, closing, and who is emailed."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from medmissions.audit.models import AuditEntry
from medmissions.clinics import follow_ups, referrals, reports
from medmissions.clinics.choices import FollowUpStatus, ReferralStatus, ReferralUrgency
from medmissions.clinics.models import Referral
from medmissions.clinics.tests.conftest import record
from medmissions.clinics.tests.test_referrals_support import *  # noqa: F403
from medmissions.clinics.tests.test_referrals_support import REASON, in_days
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.sites.models import Site

pytestmark = pytest.mark.django_db


def _actions(obj) -> list[str]:
    return list(
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


# Referring --------------------------------------------------------------------------------------------


def test_the_team_refers_and_the_facility_coordinators_are_emailed(
    consultation, lead, site, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        referral = referrals.refer(
            consultation, actor=lead, facility=site, reason=REASON, urgency=ReferralUrgency.URGENT
        )
    assert (referral.status, referral.urgency, referral.team_id) == ("sent", "urgent", consultation.team_id)
    assert referral.referred_by == lead
    assert _actions(referral) == ["clinics.referral.sent"]
    assert [message.to for message in mailoutbox] == [["host_admin@example.org"]]
    message = mailoutbox[0]
    assert message.subject == "Urgent referral to Mbale outpatient clinic"
    assert "MBL-P-0042" in message.body and f"/clinics/referrals/{referral.pk}/" in message.body
    # Clinical detail never travels by email.
    assert REASON not in message.body and "malnutrition" not in message.body.lower()


@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_only_those_who_capture_for_the_team_refer(consultation, site, users, persona):
    with pytest.raises(NotAllowed):
        referrals.refer(consultation, actor=users[persona], facility=site, reason=REASON)
    assert not Referral.objects.exists()


def test_host_members_capture_for_their_missions_team_and_may_refer(consultation, site, users):
    assert (
        referrals.refer(consultation, actor=users["host_member"], facility=site, reason=REASON).status
        == "sent"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"reason": "  "}, "reason"), ({"reason": "x" * 2001}, "reason"), ({"urgency": "whenever"}, "urgency")],
)
def test_a_referral_needs_a_reason_and_an_urgency(consultation, lead, site, changes, field):
    arguments = {"reason": REASON, "urgency": ReferralUrgency.ROUTINE, **changes}
    with pytest.raises(ValidationFailed) as refused:
        referrals.refer(consultation, actor=lead, facility=site, **arguments)
    assert field in refused.value.fields


def test_the_facility_is_in_the_teams_country(consultation, lead, other):
    nairobi = Site.objects.create(name="Nairobi clinic", kind="clinic", host_organization=other, country="KE")
    with pytest.raises(ValidationFailed) as refused:
        referrals.refer(consultation, actor=lead, facility=nairobi, reason=REASON)
    assert refused.value.code == "invalid_facility"


def test_any_site_of_the_country_may_receive_the_patient(consultation, lead, tororo):
    assert referrals.refer(consultation, actor=lead, facility=tororo, reason=REASON).facility == tororo


def test_referring_ticks_item_39_while_the_report_is_open(unticked, lead, site):
    referral = referrals.refer(unticked, actor=lead, facility=site, reason=REASON)
    unticked.refresh_from_db()
    assert unticked.mds_39 is True
    assert _actions(unticked) == ["clinics.consultation.recorded", "clinics.consultation.corrected"]
    assert AuditEntry.objects.get(action="clinics.referral.sent").data["ticked_item_39"] is True
    assert referral.consultation_id == unticked.pk


def test_referring_is_refused_without_item_39_once_the_report_is_submitted(unticked, lead, site):
    reports.submit(unticked.report, actor=lead, warnings_reason="Checked with the clinician.")
    with pytest.raises(Conflict) as refused:
        referrals.refer(unticked, actor=lead, facility=site, reason=REASON)
    assert refused.value.code == "referral_item_not_ticked"
    assert "start a correction" in refused.value.message
    unticked.refresh_from_db()
    assert unticked.mds_39 is False and not Referral.objects.exists()


def test_a_ticked_consultation_is_referred_even_once_its_report_is_submitted(consultation, lead, site):
    reports.submit(consultation.report, actor=lead, warnings_reason="Checked with the clinician.")
    assert referrals.refer(consultation, actor=lead, facility=site, reason=REASON).status == "sent"


def test_a_patient_is_not_referred_twice_to_the_same_facility_while_the_first_is_open(
    referral, lead, site, tororo
):
    with pytest.raises(Conflict) as refused:
        referrals.refer(referral.consultation, actor=lead, facility=site, reason=REASON)
    assert refused.value.code == "already_referred"
    assert (
        referrals.refer(referral.consultation, actor=lead, facility=tororo, reason=REASON).facility == tororo
    )


# Answering --------------------------------------------------------------------------------------------


def test_a_facility_member_accepts_and_the_team_lead_is_emailed(
    referral, users, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        referrals.respond(
            referral, actor=users["host_member"], accept=True, note="Bed 4 on the surgical ward."
        )
    referral.refresh_from_db()
    assert (referral.status, referral.responded_by, referral.closed_at) == (
        "accepted",
        users["host_member"],
        None,
    )
    assert [message.to for message in mailoutbox] == [["coordinator@example.org"]]
    assert mailoutbox[0].subject == "Mbale outpatient clinic accepted your referral"
    assert "Bed 4 on the surgical ward." in mailoutbox[0].body


@pytest.mark.parametrize("persona", ["admin", "coordinator", "member"])
def test_only_the_facilitys_members_answer(referral, users, persona):
    with pytest.raises(NotAllowed):
        referrals.respond(referral, actor=users[persona], accept=True)


def test_declining_needs_a_reason_and_cancels_open_follow_ups(referral, users, lead):
    pending = follow_ups.add_follow_up(
        referral, actor=lead, description="Call the family.", assignee=users["host_member"], due_on=in_days(2)
    )
    with pytest.raises(ValidationFailed) as refused:
        referrals.respond(referral, actor=users["host_admin"], accept=False, note=" ")
    assert "note" in refused.value.fields
    referrals.respond(
        referral, actor=users["host_admin"], accept=False, note="No surgeon this week; try Tororo."
    )
    referral.refresh_from_db()
    pending.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert referral.outcome == "No surgeon this week; try Tororo." and referral.closed_at is not None
    assert pending.status == FollowUpStatus.CANCELLED
    assert "clinics.follow_up.cancelled" in _actions(pending)


def test_a_referral_is_answered_once(accepted, users):
    with pytest.raises(Conflict) as refused:
        referrals.respond(accepted, actor=users["host_admin"], accept=False, note="Changed our mind.")
    assert refused.value.code == "already_answered"


def test_a_facility_outside_the_mission_answers_its_referrals(to_tororo, tororo_nurse, users):
    assert referrals.respond(to_tororo, actor=tororo_nurse, accept=True).status == "accepted"
    with pytest.raises(NotAllowed):
        referrals.respond(to_tororo, actor=users["host_admin"], accept=True)


# Closing ----------------------------------------------------------------------------------------------


def test_the_facility_completes_an_accepted_referral_with_its_outcome(
    accepted, users, mailoutbox, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationFailed) as refused:
        referrals.close(accepted, actor=users["host_member"], status=ReferralStatus.COMPLETED, outcome="")
    assert "outcome" in refused.value.fields
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        referrals.close(
            accepted,
            actor=users["host_member"],
            status=ReferralStatus.COMPLETED,
            outcome="Appendectomy, discharged day 3.",
        )
    accepted.refresh_from_db()
    assert accepted.status == "completed" and accepted.closed_at is not None
    assert [message.to for message in mailoutbox] == [["coordinator@example.org"]]
    assert "Appendectomy, discharged day 3." in mailoutbox[0].body


def test_completing_needs_the_referral_accepted_first(referral, users):
    with pytest.raises(Conflict) as refused:
        referrals.close(
            referral, actor=users["host_member"], status=ReferralStatus.COMPLETED, outcome="Seen."
        )
    assert refused.value.code == "not_accepted"


def test_a_patient_who_never_arrived_is_lost_to_follow_up(referral, users):
    referrals.close(
        referral, actor=users["host_member"], status=ReferralStatus.LOST, outcome="Never arrived; phone off."
    )
    referral.refresh_from_db()
    assert referral.status == "lost"
    with pytest.raises(Conflict):
        referrals.close(referral, actor=users["host_member"], status=ReferralStatus.LOST, outcome="Again.")


def test_the_team_records_neither_completion_nor_loss(accepted, lead):
    with pytest.raises(NotAllowed):
        referrals.close(accepted, actor=lead, status=ReferralStatus.COMPLETED, outcome="Done.")


def test_the_team_cancels_an_unanswered_referral_and_the_facility_is_told(
    referral, lead, users, mailoutbox, django_capture_on_commit_callbacks
):
    pending = follow_ups.add_follow_up(
        referral, actor=lead, description="Call the family.", assignee=users["host_member"], due_on=in_days(2)
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        referrals.close(
            referral, actor=lead, status=ReferralStatus.CANCELLED, outcome="The patient chose to stay home."
        )
    referral.refresh_from_db()
    pending.refresh_from_db()
    assert referral.status == "cancelled" and pending.status == "cancelled"
    assert [message.to for message in mailoutbox] == [["host_admin@example.org"]]
    assert "The patient chose to stay home." in mailoutbox[0].body


def test_an_accepted_referral_is_not_cancelled(accepted, lead):
    with pytest.raises(Conflict) as refused:
        referrals.close(accepted, actor=lead, status=ReferralStatus.CANCELLED)
    assert refused.value.code == "already_answered"


def test_viewers_and_facilities_outside_the_team_do_not_cancel(to_tororo, users, tororo_nurse):
    for person in (users["viewer"], tororo_nurse):
        with pytest.raises(NotAllowed):
            referrals.close(to_tororo, actor=person, status=ReferralStatus.CANCELLED)


def test_only_closing_statuses_close(referral, lead):
    with pytest.raises(ValidationFailed) as refused:
        referrals.close(referral, actor=lead, status=ReferralStatus.ACCEPTED)
    assert refused.value.code == "invalid_status"


# What each reader sees of the consultation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees_restricted"),
    [
        ("coordinator", True),
        ("host_admin", True),
        ("host_member", False),
        ("admin", False),
        ("viewer", False),
    ],
)
def test_restricted_items_only_for_the_lead_and_the_health_authority(
    referral, users, persona, sees_restricted
):
    summary = referrals.consultation_summary(referral, users[persona])
    numbers = [number for number, _label in summary.items]
    assert summary.shows_restricted is sees_restricted
    assert (28 in numbers) is sees_restricted
    assert {9, 39, 44} <= set(numbers)
    assert (summary.patient_reference, summary.age_group, summary.sex) == ("MBL-P-0042", 4, 1)


def test_a_facility_outside_the_mission_never_sees_restricted_items(
    to_tororo, team, lead, site, tororo, users
):
    patient = record(team, lead, site, items=(47, 39, 44), patient_reference="MBL-P-0051")
    referral = referrals.refer(
        patient, actor=lead, facility=tororo, reason="Protection follow-up at the district."
    )
    summary = referrals.consultation_summary(referral, users["outsider"])
    assert [number for number, _label in summary.items] == [39, 44]
