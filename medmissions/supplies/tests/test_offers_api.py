"""API of donation offers: making one (answering a request or unrequested, flagged with the WHO
reason), the line checks with their field paths, reading and listing, deciding and withdrawing."""

from __future__ import annotations

import datetime

import pytest

from medmissions.supplies import services
from medmissions.supplies.models import DonationOffer
from medmissions.supplies.tests.requests_support import *  # noqa: F403
from medmissions.supplies.tests.requests_support import shortest_medicine_expiry
from medmissions.testing import assert_api_error, post_json

pytestmark = pytest.mark.django_db

BASE = "/api/v1/supplies/offers"


def _answer(submitted, **changes):
    data = {
        "donor": "blessed-supplies",
        "request": submitted.pk,
        "lines": [
            {
                "item": "test-amoxicillin-500mg-capsule",
                "quantity": 300,
                "expiry_date": shortest_medicine_expiry().isoformat(),
            }
        ],
    }
    data.update(changes)
    return data


def test_answering_a_request(api_client_for, donor_admin, submitted):
    response = post_json(api_client_for(donor_admin), BASE, _answer(submitted, note="Generic Pharma Ltd."))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["recipient"] == "bridge-health"
    assert body["request"] == submitted.pk
    assert body["request_title"] == "Clinic medicines for the surgical camp"
    assert body["unrequested"] is False
    assert body["unrequested_reason"] is None
    assert body["status"] == "offered"
    assert body["lines"] == [
        {
            "item": "test-amoxicillin-500mg-capsule",
            "item_label": "amoxicillin 500 mg capsule",
            "quantity": 300,
            "expiry_date": shortest_medicine_expiry().isoformat(),
        }
    ]


def test_an_unrequested_offer_is_flagged_with_the_reason(api_client_for, donor_admin, sending, gloves):
    response = post_json(
        api_client_for(donor_admin),
        BASE,
        {
            "donor": "blessed-supplies",
            "recipient": "bridge-health",
            "lines": [{"item": gloves.code, "quantity": 20}],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["unrequested"] is True
    assert "article 1" in response.json()["unrequested_reason"]


@pytest.mark.parametrize(
    ("changes", "status", "code", "fields"),
    [
        ({"donor": "bridge-health"}, 400, None, ["donor"]),
        ({"donor": "nobody"}, 400, None, ["donor"]),
        ({"request": 999999}, 400, None, ["request"]),
        ({"request": None}, 400, None, ["recipient"]),
        ({"request": None, "recipient": "nobody"}, 400, None, ["recipient"]),
        ({"lines": []}, 400, "no_lines", ["lines"]),
        ({"lines": [{"item": "nope", "quantity": 1}]}, 400, None, ["lines.0.item"]),
        (
            {"lines": [{"item": "test-amoxicillin-500mg-capsule", "quantity": 5}]},
            400,
            None,
            ["lines.0.expiry_date"],
        ),
        (
            {"lines": [{"item": "test-examination-gloves-m", "quantity": 11}]},
            400,
            None,
            ["lines.0.quantity"],
        ),
    ],
)
def test_offer_errors_name_the_field(api_client_for, donor_admin, submitted, changes, status, code, fields):
    response = post_json(api_client_for(donor_admin), BASE, _answer(submitted, **changes))
    assert_api_error(response, status, code, fields=fields, exact=True)
    assert not DonationOffer.objects.exists()


def test_the_shelf_life_boundary(api_client_for, donor_admin, submitted):
    client = api_client_for(donor_admin)
    short = (shortest_medicine_expiry() - datetime.timedelta(days=1)).isoformat()
    lines = [{"item": "test-amoxicillin-500mg-capsule", "quantity": 300, "expiry_date": short}]
    error = assert_api_error(
        post_json(client, BASE, _answer(submitted, lines=lines)),
        400,
        "short_shelf_life",
        fields=["lines.0.expiry_date"],
    )
    assert "article 6" in error["message"]
    assert post_json(client, BASE, _answer(submitted)).status_code == 201


def test_a_closed_request_takes_no_offers(api_client_for, users, donor_admin, submitted):
    services.close_request(submitted, actor=users["coordinator"], reason="Met by the district.")
    assert_api_error(
        post_json(api_client_for(donor_admin), BASE, _answer(submitted)), 409, "request_not_open"
    )


def test_members_of_the_donor_may_not_offer(api_client_for, donor_member, submitted):
    assert_api_error(post_json(api_client_for(donor_member), BASE, _answer(submitted)), 403, "forbidden")


def test_reading_and_listing(api_client_for, users, donor_admin, offer, unrequested_offer):
    recipient = api_client_for(users["viewer"])
    assert recipient.get(f"{BASE}/{offer.pk}").json()["donor"] == "blessed-supplies"
    assert recipient.get(BASE).json()["count"] == 2
    assert [row["id"] for row in recipient.get(BASE, {"unrequested": "true"}).json()["items"]] == [
        unrequested_offer.pk
    ]
    assert [row["id"] for row in recipient.get(BASE, {"request": offer.request_id}).json()["items"]] == [
        offer.pk
    ]
    assert recipient.get(BASE, {"show": "made"}).json()["count"] == 0
    assert api_client_for(donor_admin).get(BASE, {"show": "made"}).json()["count"] == 2
    outsider = api_client_for(users["outsider"])
    assert outsider.get(BASE).json()["count"] == 0
    assert_api_error(outsider.get(f"{BASE}/{offer.pk}"), 404, "not_found")
    assert_api_error(recipient.get(BASE, {"status": "lost"}), 400)


def test_deciding(api_client_for, users, donor_admin, offer):
    client = api_client_for(users["coordinator"])
    url = f"{BASE}/{offer.pk}/decide"
    assert_api_error(post_json(client, url, {"decision": "decline"}), 400, fields=["note"])
    assert_api_error(post_json(client, url, {"decision": "maybe"}), 400)
    assert_api_error(post_json(api_client_for(donor_admin), url, {"decision": "accept"}), 403)
    assert_api_error(post_json(api_client_for(users["viewer"]), url, {"decision": "accept"}), 403)
    response = post_json(client, url, {"decision": "accept", "note": "Thank you."})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["decision_note"], body["decided_by"]) == (
        "accepted",
        "Thank you.",
        "Coordinator",
    )
    assert_api_error(post_json(client, url, {"decision": "accept"}), 409, "offer_decided")


def test_withdrawing(api_client_for, users, donor_admin, offer):
    url = f"{BASE}/{offer.pk}/withdraw"
    assert_api_error(post_json(api_client_for(users["coordinator"]), url, {}), 403)
    response = post_json(api_client_for(donor_admin), url, {})
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert_api_error(post_json(api_client_for(donor_admin), url, {}), 409, "offer_decided")
