"""API of referrals and follow-ups: listing, referring, reading (restricted items left out for those
who may not see them), answering, closing, follow-ups, handing over and completion rates, with the
error shape of every refusal."""

from __future__ import annotations

import pytest

from medmissions.clinics import referrals
from medmissions.clinics.choices import ReferralStatus
from medmissions.clinics.models import FollowUp, Referral
from medmissions.clinics.tests.test_referrals_support import *  # noqa: F403
from medmissions.clinics.tests.test_referrals_support import REASON, in_days
from medmissions.testing import assert_api_error, patch_json, post_json

pytestmark = pytest.mark.django_db

BASE = "/api/v1/clinics/referrals"
FOLLOW_UPS = "/api/v1/clinics/follow-ups"


# Listing and reading --------------------------------------------------------------------------------------


def test_the_list_and_its_filters(api_client_for, users, referral, to_tororo):
    client = api_client_for(users["viewer"])
    body = client.get(BASE).json()
    assert body["count"] == 2
    rows = {row["id"]: row for row in body["items"]}
    assert rows[referral.pk]["patient"] == "MBL-P-0042"
    assert rows[to_tororo.pk]["facility_host"] == "unrelated-clinic"
    assert [row["id"] for row in client.get(BASE, {"urgency": "urgent"}).json()["items"]] == [referral.pk]
    assert [
        row["id"] for row in client.get(BASE, {"status": "open", "team": referral.team_id}).json()["items"]
    ] == [
        to_tororo.pk,
        referral.pk,
    ]
    outsider = api_client_for(users["outsider"])
    assert [row["id"] for row in outsider.get(BASE, {"show": "received"}).json()["items"]] == [to_tororo.pk]
    assert outsider.get(BASE, {"show": "sent"}).json()["count"] == 0
    assert_api_error(client.get(BASE, {"status": "forgotten"}), 400, "invalid")


def test_anonymous_callers_are_refused(client, referral, follow_up):
    assert_api_error(client.get(BASE), 401, "unauthenticated")
    assert_api_error(client.get(f"{BASE}/{referral.pk}"), 401, "unauthenticated")
    assert_api_error(client.get(FOLLOW_UPS), 401, "unauthenticated")


def test_a_referral_with_its_consultation_and_follow_ups(api_client_for, users, follow_up):
    body = api_client_for(users["coordinator"]).get(f"{BASE}/{follow_up.referral_id}").json()
    assert (body["status"], body["urgency"], body["reason"]) == ("accepted", "urgent", REASON)
    details = body["consultation_details"]
    assert details["items"] == [9, 28, 39, 44] and details["shows_restricted"] is True
    assert (details["patient_reference"], details["age_group"], details["sex"]) == ("MBL-P-0042", 4, 1)
    assert [row["id"] for row in body["follow_ups"]] == [follow_up.pk]
    assert body["follow_ups"][0]["assignee"] == "host_member@example.org"


def test_the_facility_reads_no_restricted_items(api_client_for, users, referral):
    details = api_client_for(users["host_member"]).get(f"{BASE}/{referral.pk}").json()["consultation_details"]
    assert details["items"] == [9, 39, 44] and details["shows_restricted"] is False


def test_other_organisations_do_not_see_the_referral(api_client_for, users, referral):
    assert_api_error(api_client_for(users["outsider"]).get(f"{BASE}/{referral.pk}"), 404, "not_found")
    assert_api_error(api_client_for(users["coordinator"]).get(f"{BASE}/999999"), 404, "not_found")


# Referring --------------------------------------------------------------------------------------------------


def test_referring_answers_201(api_client_for, users, unticked, site):
    response = post_json(
        api_client_for(users["member"]),
        BASE,
        {"consultation": unticked.pk, "facility": site.pk, "reason": REASON, "urgency": "emergency"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["urgency"], body["consultation"]) == ("sent", "emergency", unticked.pk)
    assert 39 in body["consultation_details"]["items"]  # ticked on the way


def test_referring_an_invisible_consultation_or_an_unknown_site_is_a_400(
    api_client_for, users, consultation, site
):
    outsider = api_client_for(users["outsider"])
    assert_api_error(
        post_json(outsider, BASE, {"consultation": consultation.pk, "facility": site.pk, "reason": REASON}),
        400,
        fields=["consultation"],
    )
    client = api_client_for(users["coordinator"])
    assert_api_error(
        post_json(client, BASE, {"consultation": consultation.pk, "facility": 999999, "reason": REASON}),
        400,
        fields=["facility"],
    )
    assert_api_error(
        post_json(client, BASE, {"consultation": consultation.pk, "facility": site.pk, "reason": ""}),
        400,
        "required",
        fields=["reason"],
    )
    assert_api_error(
        post_json(
            client,
            BASE,
            {"consultation": consultation.pk, "facility": site.pk, "reason": REASON, "urgency": "soon"},
        ),
        400,
        "invalid",
        fields=["urgency"],
    )


def test_viewers_may_not_refer(api_client_for, users, consultation, site):
    response = post_json(
        api_client_for(users["viewer"]),
        BASE,
        {"consultation": consultation.pk, "facility": site.pk, "reason": REASON},
    )
    assert_api_error(response, 403, "forbidden")
    assert not Referral.objects.exists()


# Answering and closing --------------------------------------------------------------------------------------


def test_answering(api_client_for, users, referral):
    facility = api_client_for(users["host_member"])
    assert_api_error(
        post_json(facility, f"{BASE}/{referral.pk}/respond", {"decision": "decline"}),
        400,
        "required",
        fields=["note"],
    )
    assert_api_error(
        post_json(
            api_client_for(users["coordinator"]), f"{BASE}/{referral.pk}/respond", {"decision": "accept"}
        ),
        403,
    )
    assert_api_error(
        post_json(api_client_for(users["outsider"]), f"{BASE}/{referral.pk}/respond", {"decision": "accept"}),
        404,
    )
    response = post_json(facility, f"{BASE}/{referral.pk}/respond", {"decision": "accept", "note": "Bed 4."})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert_api_error(
        post_json(facility, f"{BASE}/{referral.pk}/respond", {"decision": "accept"}), 409, "already_answered"
    )


def test_closing(api_client_for, users, accepted):
    facility = api_client_for(users["host_member"])
    assert_api_error(
        post_json(facility, f"{BASE}/{accepted.pk}/close", {"status": "completed"}),
        400,
        "required",
        fields=["outcome"],
    )
    assert_api_error(
        post_json(
            api_client_for(users["coordinator"]), f"{BASE}/{accepted.pk}/close", {"status": "cancelled"}
        ),
        409,
        "already_answered",
    )
    assert_api_error(
        post_json(
            api_client_for(users["coordinator"]),
            f"{BASE}/{accepted.pk}/close",
            {"status": "lost", "outcome": "?"},
        ),
        403,
    )
    response = post_json(
        facility, f"{BASE}/{accepted.pk}/close", {"status": "completed", "outcome": "Discharged."}
    )
    assert response.status_code == 200 and response.json()["outcome"] == "Discharged."
    assert_api_error(
        post_json(facility, f"{BASE}/{accepted.pk}/close", {"status": "accepted"}), 400, "invalid"
    )


# Follow-ups ---------------------------------------------------------------------------------------------------


def test_adding_a_follow_up_answers_201(api_client_for, users, accepted):
    client = api_client_for(users["coordinator"])
    payload = {
        "description": "Call the family.",
        "assignee": "HOST_MEMBER@example.org",
        "due_on": in_days(2).isoformat(),
    }
    response = post_json(client, f"{BASE}/{accepted.pk}/follow-ups", payload)
    assert response.status_code == 201
    assert (response.json()["assignee"], response.json()["status"]) == ("host_member@example.org", "open")
    assert_api_error(
        post_json(client, f"{BASE}/{accepted.pk}/follow-ups", {**payload, "assignee": "member@example.org"}),
        400,
        "invalid_assignee",
        fields=["assignee"],
    )
    assert_api_error(
        post_json(client, f"{BASE}/{accepted.pk}/follow-ups", {**payload, "due_on": in_days(-1).isoformat()}),
        400,
        "due_in_past",
        fields=["due_on"],
    )
    assert_api_error(
        post_json(api_client_for(users["viewer"]), f"{BASE}/{accepted.pk}/follow-ups", payload), 403
    )
    assert_api_error(
        post_json(api_client_for(users["outsider"]), f"{BASE}/{accepted.pk}/follow-ups", payload), 404
    )


def test_my_follow_ups_and_one_follow_up(api_client_for, users, follow_up):
    nurse = api_client_for(users["host_member"])
    assert [row["id"] for row in nurse.get(FOLLOW_UPS).json()["items"]] == [follow_up.pk]
    assert nurse.get(FOLLOW_UPS, {"status": "done"}).json()["count"] == 0
    assert api_client_for(users["coordinator"]).get(FOLLOW_UPS).json()["count"] == 0
    assert api_client_for(users["host_admin"]).get(FOLLOW_UPS, {"show": "facilities"}).json()["count"] == 1
    body = api_client_for(users["viewer"]).get(f"{FOLLOW_UPS}/{follow_up.pk}").json()
    assert (body["referral"], body["overdue"], body["handover_task"]) == (follow_up.referral_id, False, None)
    assert_api_error(api_client_for(users["outsider"]).get(f"{FOLLOW_UPS}/{follow_up.pk}"), 404)


def test_updating_a_follow_up(api_client_for, users, follow_up):
    nurse = api_client_for(users["host_member"])
    address = f"{FOLLOW_UPS}/{follow_up.pk}"
    assert_api_error(patch_json(nurse, address, {"status": "done"}), 400, "required", fields=["outcome"])
    assert_api_error(
        patch_json(api_client_for(users["coordinator"]), address, {"status": "done", "outcome": "x"}), 403
    )
    assert_api_error(
        patch_json(api_client_for(users["outsider"]), address, {"status": "done", "outcome": "x"}), 404
    )
    response = patch_json(nurse, address, {"status": "done", "outcome": "Healed."})
    assert response.status_code == 200 and response.json()["status"] == "done"
    # Changing the outcome alone keeps the status.
    assert patch_json(nurse, address, {"outcome": "Healed, no scar."}).json()["status"] == "done"


def test_handing_over(api_client_for, users, follow_up, closing):
    address = f"{FOLLOW_UPS}/{follow_up.pk}/handover"
    assert_api_error(post_json(api_client_for(users["member"]), address, {}), 403)
    assert_api_error(post_json(api_client_for(users["outsider"]), address, {}), 404)
    response = post_json(api_client_for(users["coordinator"]), address, {})
    assert response.status_code == 200 and response.json()["handover_task"] is not None
    assert_api_error(post_json(api_client_for(users["coordinator"]), address, {}), 409, "already_handed_over")


def test_handing_over_without_a_plan_is_a_409(api_client_for, users, follow_up):
    assert_api_error(
        post_json(api_client_for(users["coordinator"]), f"{FOLLOW_UPS}/{follow_up.pk}/handover", {}),
        409,
        "no_handover_plan",
    )
    assert FollowUp.objects.get().handover_task is None


# Rates ---------------------------------------------------------------------------------------------------------


def test_rates_of_a_mission_and_of_a_partnership(api_client_for, users, accepted, to_tororo, field_mission):
    referrals.close(
        accepted, actor=users["host_member"], status=ReferralStatus.COMPLETED, outcome="Discharged."
    )
    client = api_client_for(users["viewer"])
    body = client.get(f"{BASE}/rates", {"mission": field_mission.pk}).json()
    assert body == {
        "completed": 1,
        "open": 1,
        "declined": 0,
        "lost": 0,
        "cancelled": 0,
        "counted": 2,
        "rate": 0.5,
    }
    assert client.get(f"{BASE}/rates", {"partnership": field_mission.partnership_id}).json()["counted"] == 2


def test_rates_need_one_scope_and_are_the_parties_business(api_client_for, users, referral, field_mission):
    client = api_client_for(users["viewer"])
    assert_api_error(client.get(f"{BASE}/rates"), 400, "mission_or_partnership")
    assert_api_error(
        client.get(
            f"{BASE}/rates", {"mission": field_mission.pk, "partnership": field_mission.partnership_id}
        ),
        400,
        "mission_or_partnership",
    )
    outsider = api_client_for(users["outsider"])
    assert_api_error(outsider.get(f"{BASE}/rates", {"mission": field_mission.pk}), 404)
    assert_api_error(outsider.get(f"{BASE}/rates", {"partnership": field_mission.partnership_id}), 404)
