"""Pages of referrals and follow-ups: the list with its tabs, filters and rates; referring; the
referral page and what each role sees and may do on it; follow-ups; and the referrals panel of a
mission's close-out tab."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.clinics import follow_ups, referrals, reports
from medmissions.clinics.choices import FollowUpStatus, ReferralStatus
from medmissions.clinics.models import FollowUp, Referral
from medmissions.clinics.tests.test_referrals_support import *  # noqa: F403
from medmissions.clinics.tests.test_referrals_support import REASON, in_days

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"clinics:{name}", args=args)


def _messages(response):
    return [str(message) for message in response.wsgi_request._messages]


# The list ---------------------------------------------------------------------------------------------


def test_the_list_shows_referrals_and_the_completion_rate_per_team(client_for, users, accepted, to_tororo):
    referrals.close(accepted, actor=users["host_member"], status=ReferralStatus.COMPLETED, outcome="Treated.")
    response = client_for(users["viewer"]).get(_url("referrals"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "MBL-P-0042" in content and "MBL-P-0050" in content
    assert "Bridge Health EMT" in content and "1 of 2" in content and "50 %" in content


@pytest.mark.parametrize(
    ("persona", "show", "expected"),
    [
        ("viewer", "sent", {"MBL-P-0042", "MBL-P-0050"}),
        ("viewer", "received", set()),
        ("outsider", "received", {"MBL-P-0050"}),
        ("outsider", "sent", set()),
        ("outsider", "all", {"MBL-P-0050"}),
    ],
)
def test_the_tabs(client_for, users, referral, to_tororo, persona, show, expected):
    content = client_for(users[persona]).get(_url("referrals"), {"show": show}).content.decode()
    assert {patient for patient in ("MBL-P-0042", "MBL-P-0050") if patient in content} == expected


def test_the_filters(client_for, users, referral, to_tororo):
    client = client_for(users["coordinator"])
    content = client.get(_url("referrals"), {"urgency": "urgent"}).content.decode()
    assert "MBL-P-0042" in content and "MBL-P-0050" not in content
    referrals.close(to_tororo, actor=users["coordinator"], status=ReferralStatus.CANCELLED)
    content = client.get(_url("referrals"), {"status": "open"}).content.decode()
    assert "MBL-P-0042" in content and "MBL-P-0050" not in content
    assert (
        "No referrals match these filters."
        in client.get(_url("referrals"), {"status": "lost"}).content.decode()
    )


# Referring --------------------------------------------------------------------------------------------


def test_the_form_offers_the_countrys_facilities_and_refers(client_for, users, consultation, site, tororo):
    client = client_for(users["member"])
    form = client.get(_url("referral_create", consultation.pk))
    assert form.status_code == 200
    assert "Tororo district hospital" in form.content.decode()
    response = client.post(
        _url("referral_create", consultation.pk),
        {"facility": site.pk, "urgency": "emergency", "reason": REASON},
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("referral", referral.pk)
    assert (referral.urgency, referral.referred_by) == ("emergency", users["member"])
    assert _messages(response) == [
        "Referral sent to Mbale outpatient clinic; its coordinators have been emailed."
    ]


def test_referring_says_when_it_ticked_item_39(client_for, users, unticked, site):
    client = client_for(users["coordinator"])
    assert (
        "referring the patient ticks it" in client.get(_url("referral_create", unticked.pk)).content.decode()
    )
    response = client.post(
        _url("referral_create", unticked.pk), {"facility": site.pk, "urgency": "routine", "reason": REASON}
    )
    assert response.status_code == 302
    assert "Item 39 (referral) was not ticked on consultation" in _messages(response)[0]


def test_a_submitted_report_without_item_39_is_refused_on_the_form(client_for, users, unticked, site):
    reports.submit(unticked.report, actor=users["coordinator"], warnings_reason="Checked.")
    client = client_for(users["coordinator"])
    assert (
        "start a correction and tick item 39 first"
        in client.get(_url("referral_create", unticked.pk)).content.decode()
    )
    response = client.post(
        _url("referral_create", unticked.pk), {"facility": site.pk, "urgency": "routine", "reason": REASON}
    )
    assert response.status_code == 400
    assert "start a correction of that report" in response.content.decode()
    assert not Referral.objects.exists()


def test_an_invalid_referral_form_answers_400(client_for, users, consultation, site):
    response = client_for(users["coordinator"]).post(
        _url("referral_create", consultation.pk), {"facility": site.pk, "urgency": "routine", "reason": ""}
    )
    assert response.status_code == 400


def test_viewers_may_not_refer_and_others_do_not_see_the_consultation(client_for, users, consultation):
    assert client_for(users["viewer"]).get(_url("referral_create", consultation.pk)).status_code == 403
    assert client_for(users["outsider"]).get(_url("referral_create", consultation.pk)).status_code == 404


# The referral page ---------------------------------------------------------------------------------------


def test_the_facility_sees_the_patient_without_restricted_items(client_for, users, referral):
    content = client_for(users["host_member"]).get(_url("referral", referral.pk)).content.decode()
    assert "MBL-P-0042" in content and REASON in content
    assert "Acute respiratory infection" in content and "18–64 years" in content and "Male" in content
    assert "Severe acute malnutrition" not in content
    assert "Restricted items" in content
    assert f'action="{_url("referral_respond", referral.pk)}"' in content


@pytest.mark.parametrize("persona", ["coordinator", "host_admin"])
def test_the_lead_and_the_health_authority_see_restricted_items(client_for, users, referral, persona):
    content = client_for(users[persona]).get(_url("referral", referral.pk)).content.decode()
    assert "Severe acute malnutrition" in content


def test_the_team_sees_no_answer_form_but_may_cancel(client_for, users, referral):
    content = client_for(users["coordinator"]).get(_url("referral", referral.pk)).content.decode()
    assert _url("referral_respond", referral.pk) not in content
    assert 'value="cancelled"' in content and 'value="completed"' not in content


def test_outsiders_do_not_see_the_referral(client_for, users, referral):
    assert client_for(users["outsider"]).get(_url("referral", referral.pk)).status_code == 404


def test_the_facility_accepts_on_the_page(client_for, users, referral):
    response = client_for(users["host_member"]).post(
        _url("referral_respond", referral.pk), {"decision": "accept"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "accepted"


def test_declining_without_a_reason_answers_400_on_the_page(client_for, users, referral):
    response = client_for(users["host_member"]).post(
        _url("referral_respond", referral.pk), {"decision": "decline"}
    )
    assert response.status_code == 400
    assert "Tell the team why" in response.content.decode()


def test_answering_twice_is_a_message(client_for, users, accepted):
    response = client_for(users["host_member"]).post(
        _url("referral_respond", accepted.pk), {"decision": "accept"}
    )
    assert response.status_code == 302
    assert _messages(response) == ["This referral is already accepted by the facility."]


def test_the_team_may_not_answer(client_for, users, referral):
    assert (
        client_for(users["coordinator"])
        .post(_url("referral_respond", referral.pk), {"decision": "accept"})
        .status_code
        == 403
    )


def test_closing_on_the_page(client_for, users, accepted):
    client = client_for(users["host_member"])
    refused = client.post(_url("referral_close", accepted.pk), {"status": "completed", "outcome": ""})
    assert refused.status_code == 400
    done = client.post(_url("referral_close", accepted.pk), {"status": "completed", "outcome": "Discharged."})
    assert done.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == "completed"


def test_the_team_completing_a_referral_is_forbidden(client_for, users, accepted):
    response = client_for(users["coordinator"]).post(
        _url("referral_close", accepted.pk), {"status": "completed", "outcome": "Done."}
    )
    assert response.status_code == 403


def test_adding_a_follow_up_on_the_page(client_for, users, accepted):
    client = client_for(users["coordinator"])
    form = client.get(_url("referral", accepted.pk)).content.decode()
    assert "Host Member" in form and "Coordinator</option>" not in form
    invalid = client.post(
        _url("follow_up_add", accepted.pk),
        {"description": "Call.", "assignee": users["host_member"].pk, "due_on": in_days(-3).isoformat()},
    )
    assert invalid.status_code == 400 and "cannot be in the past" in invalid.content.decode()
    response = client.post(
        _url("follow_up_add", accepted.pk),
        {
            "description": "Call the family.",
            "assignee": users["host_member"].pk,
            "due_on": in_days(3).isoformat(),
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#follow-ups")
    assert FollowUp.objects.get().description == "Call the family."


def test_viewers_may_not_add_follow_ups(client_for, users, accepted):
    response = client_for(users["viewer"]).post(
        _url("follow_up_add", accepted.pk),
        {"description": "Call.", "assignee": users["host_member"].pk, "due_on": in_days(3).isoformat()},
    )
    assert response.status_code == 403


# Follow-ups ----------------------------------------------------------------------------------------------


def test_my_follow_ups_overdue_first(client_for, users, accepted, lead):
    nurse = users["host_member"]
    later = follow_ups.add_follow_up(
        accepted, actor=lead, description="Remove the stitches.", assignee=nurse, due_on=in_days(9)
    )
    overdue = follow_ups.add_follow_up(
        accepted, actor=lead, description="Call the family.", assignee=nurse, due_on=in_days(0)
    )
    FollowUp.objects.filter(pk=overdue.pk).update(due_on=in_days(-2))
    done = follow_ups.add_follow_up(
        accepted, actor=lead, description="Check the labs.", assignee=nurse, due_on=in_days(0)
    )
    FollowUp.objects.filter(pk=done.pk).update(due_on=in_days(-5))
    follow_ups.update_follow_up(done, actor=nurse, status=FollowUpStatus.DONE, outcome="Normal.")
    content = client_for(nurse).get(_url("follow_ups")).content.decode()
    assert (
        content.index("Call the family.")
        < content.index("Remove the stitches.")
        < content.index("Check the labs.")
    )
    assert "overdue" in content
    assert later.description in content
    assert (
        "No follow-ups are assigned to you."
        in client_for(users["coordinator"]).get(_url("follow_ups")).content.decode()
    )


def test_facility_coordinators_see_their_facilities_follow_ups(client_for, users, follow_up):
    content = client_for(users["host_admin"]).get(_url("follow_ups"), {"show": "facilities"}).content.decode()
    assert "Check the wound" in content


def test_the_assignee_updates_the_follow_up_on_its_page(client_for, users, follow_up):
    client = client_for(users["host_member"])
    page = client.get(_url("follow_up_update", follow_up.pk))
    assert page.status_code == 200 and "Record what happened" in page.content.decode()
    refused = client.post(_url("follow_up_update", follow_up.pk), {"status": "done", "outcome": ""})
    assert refused.status_code == 400
    response = client.post(_url("follow_up_update", follow_up.pk), {"status": "done", "outcome": "Healed."})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == "done"


def test_the_team_reads_a_follow_up_but_does_not_update_it(client_for, users, follow_up):
    client = client_for(users["coordinator"])
    page = client.get(_url("follow_up_update", follow_up.pk))
    assert page.status_code == 200 and "Record what happened" not in page.content.decode()
    assert (
        client.post(_url("follow_up_update", follow_up.pk), {"status": "done", "outcome": "x"}).status_code
        == 403
    )
    assert client_for(users["outsider"]).get(_url("follow_up_update", follow_up.pk)).status_code == 404


def test_handing_over_from_the_referral_page(client_for, users, follow_up, closing):
    client = client_for(users["coordinator"])
    assert (
        _url("follow_up_handover", follow_up.pk)
        in client.get(_url("referral", follow_up.referral_id)).content.decode()
    )
    response = client.post(_url("follow_up_handover", follow_up.pk))
    assert response.status_code == 302 and response["Location"] == _url("referral", follow_up.referral_id)
    follow_up.refresh_from_db()
    assert follow_up.handover_task is not None


def test_handing_over_without_a_plan_is_a_message(client_for, users, follow_up):
    response = client_for(users["coordinator"]).post(_url("follow_up_handover", follow_up.pk))
    assert response.status_code == 302
    assert "has no handover plan yet" in _messages(response)[0]


def test_handing_over_returns_to_the_close_out_tab_but_never_elsewhere(client_for, users, follow_up, closing):
    tab = reverse("missions:closeout", args=[closing.pk]) + "#referrals"
    client = client_for(users["coordinator"])
    response = client.post(_url("follow_up_handover", follow_up.pk), {"next": tab})
    assert response["Location"] == tab
    other = follow_ups.add_follow_up(
        follow_up.referral,
        actor=users["coordinator"],
        description="Again.",
        assignee=users["host_member"],
        due_on=in_days(2),
    )
    response = client.post(_url("follow_up_handover", other.pk), {"next": "https://evil.example.org/"})
    assert response["Location"] == _url("referral", other.referral_id)


def test_members_may_not_hand_over(client_for, users, follow_up, closing):
    assert client_for(users["member"]).post(_url("follow_up_handover", follow_up.pk)).status_code == 403


# The close-out tab ----------------------------------------------------------------------------------------


def test_the_close_out_tab_loads_the_referrals_panel(client_for, users, follow_up, closing):
    content = (
        client_for(users["coordinator"]).get(reverse("missions:closeout", args=[closing.pk])).content.decode()
    )
    assert f'hx-get="{_url("mission_referrals", closing.pk)}"' in content


def test_the_close_out_tab_of_a_mission_without_a_clinic_team_has_no_panel(client_for, users, mission):
    content = (
        client_for(users["coordinator"]).get(reverse("missions:closeout", args=[mission.pk])).content.decode()
    )
    assert "mission_referrals" not in content and "/referrals/" not in content


def test_the_panel_shows_the_rate_and_the_blocking_follow_ups(client_for, users, follow_up, closing):
    client = client_for(users["coordinator"])
    panel = client.get(_url("mission_referrals", closing.pk), HTTP_HX_REQUEST="true")
    content = panel.content.decode()
    assert panel.status_code == 200 and "<html" not in content
    assert "0 %" in content and "1 referral is still open." in content
    assert "1 follow-up of an urgent or emergency referral is open and not handed over" in content
    assert (
        _url("referral", follow_up.referral_id) in content
        and _url("follow_up_handover", follow_up.pk) in content
    )
    page = client.get(_url("mission_referrals", closing.pk))
    assert "<html" in page.content.decode() and "MBL-P-0042" in page.content.decode()


def test_the_panel_offers_no_hand_over_to_members_and_is_hidden_from_outsiders(
    client_for, users, follow_up, closing
):
    content = client_for(users["member"]).get(_url("mission_referrals", closing.pk)).content.decode()
    assert "MBL-P-0042" in content and _url("follow_up_handover", follow_up.pk) not in content
    assert client_for(users["outsider"]).get(_url("mission_referrals", closing.pk)).status_code == 404


def test_the_panel_once_nothing_blocks(client_for, users, follow_up, closing):
    follow_ups.hand_over(follow_up, actor=users["coordinator"])
    content = client_for(users["coordinator"]).get(_url("mission_referrals", closing.pk)).content.decode()
    assert (
        "No open follow-up of an urgent or emergency referral keeps the mission from being completed."
        in content
    )
