"""API of consultations: recording one (201, or 200 when its client id is already recorded) and
batches (idempotent by client id, all or nothing), every validation rule of the Minimum Data Set,
listing and reading with restricted items left out for those who may not see them, correcting
and deleting, with the error shape of every refusal."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.clinics import capture, reports, responses
from medmissions.clinics.models import Consultation
from medmissions.sites.models import Site
from medmissions.testing import assert_api_error, patch_json, post_json

pytestmark = pytest.mark.django_db

BASE = "/api/v1/clinics/consultations"


def _today(team) -> str:
    return responses.today_for(team).isoformat()


def _one(team, site, **changes):
    data = {
        "client_id": str(uuid.uuid4()),
        "site": site.pk,
        "date": _today(team),
        "age_group": 4,
        "sex": 2,
        "items": [9, 44, 36],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _record(team, actor, site, **fields):
    data = {
        "site": site.pk,
        "date": responses.today_for(team),
        "age_group": 4,
        "sex": 1,
        "items": [9, 44],
        **fields,
    }
    return capture.record_consultation(team, actor=actor, data=data).consultation


# Recording one ---------------------------------------------------------------------------------


def test_recording_a_consultation(api_client_for, users, team, site):
    payload = {"team": team.pk, **_one(team, site, patient_reference="ELG-0042", note="Dressing changed.")}
    response = post_json(api_client_for(users["member"]), BASE, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    consultation = Consultation.objects.get()
    assert body["id"] == consultation.pk
    assert body["client_id"] == payload["client_id"]
    assert body["reference"] == f"S{site.pk}-{responses.today_for(team):%y%m%d}-001"
    assert (body["team"], body["site"], body["date"]) == (team.pk, site.pk, _today(team))
    assert (body["age_group"], body["sex"], body["items"]) == (4, 2, [9, 36, 44])
    assert body["report"] == consultation.report_id and body["report_status"] == "open"
    assert body["patient_reference"] == "ELG-0042"
    assert body["warnings"] == []
    assert body["source"] == "api" and consultation.source == "api"
    assert body["recorded_by"] == users["member"].full_name


def test_the_same_client_id_answers_200_with_the_consultation_already_recorded(
    api_client_for, users, team, site
):
    client = api_client_for(users["member"])
    payload = {"team": team.pk, **_one(team, site)}
    first = post_json(client, BASE, payload)
    again = post_json(client, BASE, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Consultation.objects.count() == 1


def test_recording_is_refused_to_viewers_outsiders_and_anonymous_callers(
    api_client_for, client, users, team, site
):
    payload = {"team": team.pk, **_one(team, site)}
    assert_api_error(post_json(api_client_for(users["viewer"]), BASE, payload), 403, "forbidden")
    assert_api_error(
        post_json(api_client_for(users["outsider"]), BASE, payload), 400, fields=["team"], exact=True
    )
    assert_api_error(post_json(client, BASE, payload), 401, "unauthenticated")
    assert_api_error(
        post_json(api_client_for(users["member"]), BASE, {**payload, "team": 999999}), 400, fields=["team"]
    )
    assert not Consultation.objects.exists()


def test_a_site_the_team_does_not_work_at_is_refused(api_client_for, users, team, site, host):
    elsewhere = Site.objects.create(name="Tororo clinic", kind="clinic", host_organization=host, country="UG")
    response = post_json(api_client_for(users["member"]), BASE, {"team": team.pk, **_one(team, elsewhere)})
    assert_api_error(response, 400, "invalid_consultation", fields=["site"], exact=True)


# The validation rules (emt-mds.md §8), each on its own -------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sex": None}, "sex", "Choose exactly one of male, female"),
        ({"sex": 4}, "sex", "Choose exactly one of male, female"),
        ({"age_group": None}, "age_group", "Choose one age group"),
        ({"age_group": 6}, "age_group", "The age group is 1"),
        ({"age_group": 4, "age": 3, "age_unit": "Y"}, "age", "not in the age group chosen"),
        ({"age_group": None, "age": 3, "age_unit": "D"}, "age", "number of months (M) or years (Y)"),
        ({"age_group": 2, "sex": 3}, "sex", "Pregnancy cannot be recorded for a child under 5"),
        ({"age_group": None, "age": 30, "age_unit": "M", "sex": 3}, "sex", "Pregnancy cannot be recorded"),
        ({"age_group": 1, "sex": 2, "items": [33, 44]}, "items", "patients of 5 and over only"),
        ({"items": [3, 44]}, "items", "not an MDS item that can be ticked"),
        ({"items": [51]}, "items", "not an MDS item that can be ticked"),
        ({"reference": "no spaces allowed"}, "reference", "up to 40 letters"),
        ({"patient_reference": "Jane Doe"}, "patient_reference", "never a name"),
    ],
)
def test_each_rule_refuses_the_consultation(api_client_for, users, team, site, changes, field, message):
    response = post_json(
        api_client_for(users["member"]), BASE, {"team": team.pk, **_one(team, site, **changes)}
    )
    error = assert_api_error(response, 400, "invalid_consultation", fields=[field])
    assert message in error["fields"][field]
    assert not Consultation.objects.exists()


def test_a_future_date_is_refused(api_client_for, users, team, site):
    tomorrow = (responses.today_for(team) + datetime.timedelta(days=1)).isoformat()
    response = post_json(
        api_client_for(users["member"]), BASE, {"team": team.pk, **_one(team, site, date=tomorrow)}
    )
    error = assert_api_error(response, 400, "invalid_consultation", fields=["date"], exact=True)
    assert "cannot be in the future" in error["fields"]["date"]


def test_an_age_gives_the_age_group(api_client_for, users, team, site):
    client = api_client_for(users["member"])
    cases = [
        (11, "M", 1),
        (12, "M", 2),
        (59, "M", 2),
        (60, "M", 3),
        (4, "Y", 2),
        (17, "Y", 3),
        (18, "Y", 4),
        (65, "Y", 5),
    ]
    for age, unit, group in cases:
        response = post_json(
            client, BASE, {"team": team.pk, **_one(team, site, age_group=None, age=age, age_unit=unit, sex=1)}
        )
        assert response.status_code == 201, response.content
        assert (response.json()["age_group"], response.json()["age"], response.json()["age_unit"]) == (
            group,
            age,
            unit,
        )


def test_a_duplicate_reference_is_flagged(api_client_for, users, team, site):
    client = api_client_for(users["member"])
    assert (
        post_json(client, BASE, {"team": team.pk, **_one(team, site, reference="PAPER-17")}).status_code
        == 201
    )
    response = post_json(client, BASE, {"team": team.pk, **_one(team, site, reference="PAPER-17")})
    error = assert_api_error(response, 400, "duplicate_reference", fields=["reference"])
    assert "PAPER-17" in error["message"]
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    ("items", "warning"),
    [
        ([9, 36], "Tick exactly one relation to the event"),
        ([9, 44, 45, 36], "More than one relation to the event"),
        ([9, 44, 36, 40], "More than one outcome"),
    ],
)
def test_relation_and_outcome_warnings_do_not_refuse(api_client_for, users, team, site, items, warning):
    response = post_json(
        api_client_for(users["member"]), BASE, {"team": team.pk, **_one(team, site, items=items)}
    )
    assert response.status_code == 201
    assert any(warning in text for text in response.json()["warnings"])


# Batches ----------------------------------------------------------------------------------------------


def _batch(team, site, count=3, **changes):
    return {"team": team.pk, "consultations": [_one(team, site, **changes) for _ in range(count)]}


def test_a_batch_is_recorded_and_answered_per_consultation(api_client_for, users, team, site):
    payload = _batch(team, site)
    payload["consultations"][1]["items"] = [9]  # no relation to the event: a warning
    response = post_json(api_client_for(users["member"]), f"{BASE}/batch", payload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["already_recorded"]) == (3, 0)
    assert [result["client_id"] for result in body["results"]] == [
        consultation["client_id"] for consultation in payload["consultations"]
    ]
    assert {result["status"] for result in body["results"]} == {"created"}
    prefix = f"S{site.pk}-{responses.today_for(team):%y%m%d}-"
    assert [result["reference"] for result in body["results"]] == [
        f"{prefix}001",
        f"{prefix}002",
        f"{prefix}003",
    ]
    assert body["results"][1]["warnings"] and not body["results"][0]["warnings"]
    assert sorted(Consultation.objects.values_list("pk", flat=True)) == sorted(
        r["id"] for r in body["results"]
    )
    assert set(Consultation.objects.values_list("source", flat=True)) == {"api"}


def test_sending_the_same_batch_twice_records_nothing_twice(api_client_for, users, team, site):
    client = api_client_for(users["member"])
    payload = _batch(team, site)
    first = post_json(client, f"{BASE}/batch", payload).json()
    second = post_json(client, f"{BASE}/batch", payload)
    assert second.status_code == 200
    body = second.json()
    assert (body["created"], body["already_recorded"]) == (0, 3)
    assert {result["status"] for result in body["results"]} == {"already_recorded"}
    assert [result["id"] for result in body["results"]] == [result["id"] for result in first["results"]]
    assert [result["reference"] for result in body["results"]] == [
        result["reference"] for result in first["results"]
    ]
    assert Consultation.objects.count() == 3


def test_a_batch_resent_with_one_more_records_only_the_new_one(api_client_for, users, team, site):
    client = api_client_for(users["member"])
    payload = _batch(team, site, count=2)
    post_json(client, f"{BASE}/batch", payload)
    payload["consultations"].append(_one(team, site))
    body = post_json(client, f"{BASE}/batch", payload).json()
    assert (body["created"], body["already_recorded"]) == (1, 2)
    assert [result["status"] for result in body["results"]] == [
        "already_recorded",
        "already_recorded",
        "created",
    ]
    assert Consultation.objects.count() == 3


def test_one_invalid_consultation_refuses_the_whole_batch(api_client_for, users, team, site):
    payload = _batch(team, site)
    payload["consultations"][1]["sex"] = 3
    payload["consultations"][1]["age_group"] = 1
    payload["consultations"][2]["date"] = (responses.today_for(team) + datetime.timedelta(days=2)).isoformat()
    response = post_json(api_client_for(users["member"]), f"{BASE}/batch", payload)
    error = assert_api_error(response, 400, "invalid_batch", fields=["1.sex", "2.date"], exact=True)
    assert "Nothing was recorded" in error["message"]
    assert not Consultation.objects.exists()


def test_a_batch_repeating_a_client_id_or_a_reference_is_refused(api_client_for, users, team, site):
    client = api_client_for(users["member"])
    payload = _batch(team, site, count=2)
    payload["consultations"][1]["client_id"] = payload["consultations"][0]["client_id"]
    assert_api_error(post_json(client, f"{BASE}/batch", payload), 400, "invalid_batch", fields=["client_id"])
    payload = _batch(team, site, count=2, reference="PAPER-1")
    assert_api_error(post_json(client, f"{BASE}/batch", payload), 400, "invalid_batch", fields=["reference"])
    assert not Consultation.objects.exists()


def test_a_batch_reusing_a_reference_already_recorded_is_refused(api_client_for, users, team, site):
    _record(team, users["member"], site, reference="PAPER-1")
    payload = _batch(team, site, count=2)
    payload["consultations"][1]["reference"] = "PAPER-1"
    assert_api_error(
        post_json(api_client_for(users["member"]), f"{BASE}/batch", payload), 400, "duplicate_reference"
    )
    assert Consultation.objects.count() == 1


def test_batch_size_limits(api_client_for, users, team, site):
    client = api_client_for(users["member"])
    assert_api_error(
        post_json(client, f"{BASE}/batch", {"team": team.pk, "consultations": []}), 400, "empty_batch"
    )
    too_many = {"team": team.pk, "consultations": [_one(team, site) for _ in range(capture.MAX_BATCH + 1)]}
    assert_api_error(post_json(client, f"{BASE}/batch", too_many), 400, "batch_too_large")
    assert not Consultation.objects.exists()


def test_a_malformed_batch_names_the_position(api_client_for, users, team, site):
    payload = _batch(team, site, count=2)
    payload["consultations"][1]["date"] = "21/11/2026"
    error = assert_api_error(
        post_json(api_client_for(users["member"]), f"{BASE}/batch", payload), 400, "invalid"
    )
    assert any(name.startswith("consultations.1.") for name in error["fields"])
    assert not Consultation.objects.exists()


def test_batches_are_refused_to_viewers_and_outsiders(api_client_for, client, users, team, site):
    payload = _batch(team, site)
    assert_api_error(post_json(api_client_for(users["viewer"]), f"{BASE}/batch", payload), 403, "forbidden")
    assert_api_error(
        post_json(api_client_for(users["outsider"]), f"{BASE}/batch", payload), 400, fields=["team"]
    )
    assert_api_error(post_json(client, f"{BASE}/batch", payload), 401)
    assert not Consultation.objects.exists()


def test_a_submitted_day_refuses_the_batch(api_client_for, users, team, site):
    lead = users["coordinator"]
    reports.submit(_record(team, lead, site).report, actor=lead)
    response = post_json(api_client_for(users["member"]), f"{BASE}/batch", _batch(team, site))
    assert_api_error(response, 409, "report_locked")
    assert Consultation.objects.count() == 1


# Listing and reading -------------------------------------------------------------------------------------


@pytest.fixture
def restricted(users, team, site):
    return _record(team, users["coordinator"], site, items=[28, 9, 44, 40])


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("coordinator", True),
        ("host_admin", True),
        ("member", False),
        ("host_member", False),
        ("viewer", False),
    ],
)
def test_restricted_items_are_left_out_unless_the_caller_may_see_them(
    api_client_for, users, restricted, persona, visible
):
    client = api_client_for(users[persona])
    listed = client.get(BASE, {"report": restricted.report_id}).json()
    assert listed["count"] == 1
    for body in (listed["items"][0], client.get(f"{BASE}/{restricted.pk}").json()):
        assert body["restricted_items"] == 1
        assert body["restricted_visible"] is visible
        assert body["items"] == ([9, 28, 40, 44] if visible else [9, 40, 44])


def test_listing_by_team_site_and_date(api_client_for, users, team, site):
    lead = users["coordinator"]
    today = responses.today_for(team)
    yesterday = today - datetime.timedelta(days=1)
    first = _record(team, lead, site)
    earlier = _record(team, lead, site, date=yesterday)
    client = api_client_for(users["viewer"])
    body = client.get(BASE, {"team": team.pk}).json()
    assert [row["id"] for row in body["items"]] == [earlier.pk, first.pk]
    assert [
        row["id"] for row in client.get(BASE, {"team": team.pk, "date": today.isoformat()}).json()["items"]
    ] == [first.pk]
    assert client.get(BASE, {"team": team.pk, "site": site.pk + 1000}).json()["count"] == 0
    assert client.get(BASE, {"site": site.pk, "date": yesterday.isoformat()}).json()["count"] == 1


def test_listing_is_paginated(api_client_for, users, team, site):
    payload = _batch(team, site, count=105)
    post_json(api_client_for(users["member"]), f"{BASE}/batch", payload)
    client = api_client_for(users["member"])
    first = client.get(BASE, {"team": team.pk}).json()
    assert first["count"] == 105 and len(first["items"]) == 100
    assert len(client.get(BASE, {"team": team.pk, "page": 2}).json()["items"]) == 5


def test_listing_names_a_report_or_team_the_caller_cannot_see(api_client_for, users, restricted, team):
    outsider = api_client_for(users["outsider"])
    assert outsider.get(BASE).json()["count"] == 0
    assert_api_error(outsider.get(BASE, {"report": restricted.report_id}), 400, fields=["report"], exact=True)
    assert_api_error(outsider.get(BASE, {"team": team.pk}), 400, fields=["team"], exact=True)
    assert_api_error(outsider.get(BASE, {"date": "yesterday"}), 400, "invalid")


def test_reading_one_is_for_those_who_see_the_team(api_client_for, client, users, restricted):
    assert api_client_for(users["viewer"]).get(f"{BASE}/{restricted.pk}").status_code == 200
    assert_api_error(api_client_for(users["outsider"]).get(f"{BASE}/{restricted.pk}"), 404, "not_found")
    assert_api_error(api_client_for(users["viewer"]).get(f"{BASE}/999999"), 404, "not_found")
    assert_api_error(client.get(f"{BASE}/{restricted.pk}"), 401)


# Correcting ----------------------------------------------------------------------------------------------


def test_correcting_a_consultation(api_client_for, users, team, site):
    consultation = _record(team, users["member"], site)
    response = patch_json(
        api_client_for(users["member"]), f"{BASE}/{consultation.pk}", {"age_group": 3, "items": [10, 44, 45]}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["age_group"], body["sex"], body["items"]) == (3, 1, [10, 44, 45])
    assert any("More than one relation" in warning for warning in body["warnings"])
    consultation.refresh_from_db()
    assert consultation.ticked() == [10, 44, 45]


def test_a_member_correcting_items_keeps_the_restricted_ones(api_client_for, users, restricted):
    response = patch_json(api_client_for(users["member"]), f"{BASE}/{restricted.pk}", {"items": [10, 44]})
    assert response.status_code == 200
    assert response.json()["items"] == [10, 44] and response.json()["restricted_items"] == 1
    restricted.refresh_from_db()
    assert restricted.ticked() == [10, 28, 44]
    patch_json(api_client_for(users["coordinator"]), f"{BASE}/{restricted.pk}", {"items": [10, 44]})
    restricted.refresh_from_db()
    assert restricted.ticked() == [10, 44]


def test_corrections_are_checked_and_refused(api_client_for, client, users, team, site):
    consultation = _record(team, users["member"], site)
    url = f"{BASE}/{consultation.pk}"
    assert_api_error(
        patch_json(api_client_for(users["member"]), url, {"age_group": 1, "sex": 3}), 400, fields=["sex"]
    )
    assert_api_error(patch_json(api_client_for(users["viewer"]), url, {"sex": 2}), 403, "forbidden")
    assert_api_error(patch_json(api_client_for(users["outsider"]), url, {"sex": 2}), 404, "not_found")
    assert_api_error(patch_json(client, url, {"sex": 2}), 401)
    consultation.refresh_from_db()
    assert (consultation.age_group, consultation.sex) == (4, 1)


def test_a_submitted_day_refuses_corrections_and_deletions(api_client_for, users, team, site):
    lead = users["coordinator"]
    consultation = _record(team, lead, site)
    reports.submit(consultation.report, actor=lead)
    client = api_client_for(users["member"])
    assert_api_error(patch_json(client, f"{BASE}/{consultation.pk}", {"sex": 2}), 409, "report_locked")
    assert_api_error(client.delete(f"{BASE}/{consultation.pk}"), 409, "report_locked")
    assert Consultation.objects.filter(pk=consultation.pk, sex=1).exists()


# Deleting ---------------------------------------------------------------------------------------------------


def _deleted_reason(consultation_pk: int) -> str:
    entry = AuditEntry.objects.filter(action="clinics.consultation.deleted").order_by("-pk").first()
    assert entry is not None and entry.data["consultation"] == consultation_pk
    return entry.data["reason"]


def test_deleting_with_the_reason_in_the_body(api_client_for, users, team, site):
    consultation = _record(team, users["member"], site)
    response = api_client_for(users["member"]).delete(
        f"{BASE}/{consultation.pk}",
        data=json.dumps({"reason": "Recorded twice."}),
        content_type="application/json",
    )
    assert response.status_code == 204
    assert not Consultation.objects.exists()
    assert _deleted_reason(consultation.pk) == "Recorded twice."


def test_deleting_with_the_reason_in_the_query(api_client_for, users, team, site):
    consultation = _record(team, users["member"], site)
    response = api_client_for(users["member"]).delete(f"{BASE}/{consultation.pk}?reason=Wrong%20site")
    assert response.status_code == 204
    assert _deleted_reason(consultation.pk) == "Wrong site"


def test_deleting_is_refused_to_viewers_and_outsiders(api_client_for, client, users, team, site):
    consultation = _record(team, users["member"], site)
    url = f"{BASE}/{consultation.pk}"
    assert_api_error(api_client_for(users["viewer"]).delete(url), 403, "forbidden")
    assert_api_error(api_client_for(users["outsider"]).delete(url), 404, "not_found")
    assert_api_error(client.delete(url), 401)
    assert Consultation.objects.exists()
