"""API /api/v1/partnerships: listing, proposing, editing, the MoU, the lifecycle and parties."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from medmissions.organizations.models import Capability
from medmissions.partnerships import health, services
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.models import Partnership
from medmissions.partnerships.tests.support import (
    EXECUTABLE_BYTES,
    counts,
    docx_bytes,
    oversized_pdf_upload,
    pdf_upload,
    upload,
)
from medmissions.testing import assert_api_error as assert_error
from medmissions.testing import patch_json

BASE = "/api/v1/partnerships"


def post_json(client, address, data=None):
    return client.post(address, data or {}, content_type="application/json")


# Listing ------------------------------------------------------------------------------------------


def test_the_list_is_paginated_with_items_and_count(
    users, api_client_for, proposed_partnership, public_partnership
):
    response = api_client_for(users["viewer"]).get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["id"] for item in body["items"]] == [public_partnership.pk, proposed_partnership.pk]
    first = body["items"][1]
    assert first["title"] == "Mbale surgical training"
    assert first["status"] == "proposed"
    assert first["has_mou"] is False
    assert {(p["organization"], p["role"]) for p in first["parties"]} == {
        ("bridge-health", "sending"),
        ("mbale-hospital", "host"),
    }


def test_pages_are_cut_by_page_and_page_size(users, api_client_for, proposed_partnership, public_partnership):
    client = api_client_for(users["viewer"])
    page_two = client.get(BASE, {"page": 2, "page_size": 1}).json()
    assert page_two["count"] == 2
    assert [item["id"] for item in page_two["items"]] == [proposed_partnership.pk]
    assert client.get(BASE, {"page": 3, "page_size": 1}).json()["items"] == []


def test_the_list_filters_by_status_organisation_role_and_text(
    users, api_client_for, other, proposed_partnership, public_partnership
):
    client = api_client_for(users["coordinator"])

    def ids(**query):
        return [item["id"] for item in client.get(BASE, query).json()["items"]]

    assert ids(status="proposed") == [proposed_partnership.pk]
    assert ids(status="closed") == []
    assert ids(organization="mbale-hospital", role="host") == [public_partnership.pk, proposed_partnership.pk]
    assert ids(organization="mbale-hospital", role="sending") == []
    assert ids(organization=other.slug) == []
    assert ids(q="CATARACT") == [public_partnership.pk]


def test_outsiders_list_only_public_partnerships(
    users, api_client_for, proposed_partnership, public_partnership
):
    body = api_client_for(users["outsider"]).get(BASE).json()
    assert (body["count"], [item["id"] for item in body["items"]]) == (1, [public_partnership.pk])


def test_the_list_needs_authentication(db, client_for):
    assert_error(client_for(None).get(BASE), 401, "unauthenticated")


def test_a_bad_page_number_is_a_400_with_fields(users, api_client_for):
    assert_error(api_client_for(users["viewer"]).get(BASE, {"page": 0}), 400, "invalid", ["page"])


# Proposing ----------------------------------------------------------------------------------------


def proposal(**extra):
    data = {
        "title": "Soroti maternity training",
        "shared_goals": "Safer births.",
        "proposer": "bridge-health",
        "parties": [
            {"organization": "bridge-health", "role": "sending"},
            {"organization": "mbale-hospital", "role": "host"},
        ],
        "start_date": "2026-10-01",
        "is_public": True,
    }
    data.update(extra)
    return data


def test_a_coordinator_proposes_a_partnership(
    users, api_client_for, mailoutbox, django_capture_on_commit_callbacks
):
    area = Capability.objects.order_by("pk").first()
    client = api_client_for(users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, BASE, proposal(focus_areas=[area.slug]))

    assert response.status_code == 201, response.content
    body = response.json()
    partnership = Partnership.objects.get(pk=body["id"])
    assert body["status"] == "proposed"
    assert body["start_date"] == "2026-10-01"
    assert body["is_public"] is True
    assert body["focus_areas"] == [area.slug]
    assert partnership.created_by == users["coordinator"]
    assert [message.to for message in mailoutbox] == [["host_admin@example.org"]]


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"title": None}, ["title"]),
        ({"parties": [{"organization": "bridge-health", "role": "sending"}]}, ["parties"]),
        (
            {
                "parties": [
                    {"organization": "bridge-health", "role": "sending"},
                    {"organization": "nowhere", "role": "host"},
                ]
            },
            ["parties"],
        ),
        (
            {
                "parties": [
                    {"organization": "bridge-health", "role": "sending"},
                    {"organization": "mbale-hospital", "role": "funding"},
                ]
            },
            ["parties"],
        ),
        ({"start_date": "2027-01-02", "end_date": "2027-01-01"}, ["end_date"]),
        ({"start_date": "not a date"}, ["start_date"]),
        ({"focus_areas": ["no-such-area"]}, ["focus_areas"]),
        ({"title": "x" * 201}, ["title"]),
    ],
)
def test_a_bad_proposal_is_a_400_with_fields_and_creates_nothing(data, fields, users, api_client_for, host):
    client = api_client_for(users["coordinator"])
    payload = proposal()
    payload.update(data)
    if payload["title"] is None:
        del payload["title"]
    before = counts()
    assert_error(post_json(client, BASE, payload), 400, fields=fields)
    assert counts() == before


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_members_and_viewers_cannot_propose(persona, users, api_client_for):
    client = api_client_for(users[persona])
    before = counts()
    assert_error(post_json(client, BASE, proposal()), 403, "forbidden")
    assert counts() == before


def test_nobody_proposes_for_an_organisation_they_are_not_in(users, api_client_for):
    client = api_client_for(users["outsider"])
    before = counts()
    assert_error(post_json(client, BASE, proposal()), 403)
    assert_error(post_json(client, BASE, proposal(proposer="no-such-org")), 404, "not_found")
    assert counts() == before


def test_proposing_needs_authentication(db, client_for):
    before = counts()
    assert_error(post_json(client_for(None), BASE, proposal()), 401)
    assert counts() == before


# One partnership ----------------------------------------------------------------------------------


def test_a_party_reads_a_partnership(users, api_client_for, proposed_partnership):
    response = api_client_for(users["host_member"]).get(f"{BASE}/{proposed_partnership.pk}")
    assert response.status_code == 200
    assert response.json()["next_review_date"] == "2027-03-01"


def test_an_outsider_gets_404_for_a_private_and_200_for_a_public_partnership(
    users, api_client_for, proposed_partnership, public_partnership
):
    client = api_client_for(users["outsider"])
    assert_error(client.get(f"{BASE}/{proposed_partnership.pk}"), 404, "not_found")
    assert client.get(f"{BASE}/{public_partnership.pk}").status_code == 200
    assert_error(client.get(f"{BASE}/999999"), 404)


def test_reading_needs_authentication(client_for, proposed_partnership):
    assert_error(client_for(None).get(f"{BASE}/{proposed_partnership.pk}"), 401)


def test_a_coordinator_edits_only_the_fields_sent(users, api_client_for, proposed_partnership):
    response = patch_json(
        api_client_for(users["coordinator"]), f"{BASE}/{proposed_partnership.pk}", {"end_date": "2028-01-01"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["end_date"] == "2028-01-01"
    assert body["title"] == "Mbale surgical training"


def test_focus_areas_are_replaced_by_slug(users, api_client_for, proposed_partnership):
    area = Capability.objects.order_by("pk").first()
    client = api_client_for(users["coordinator"])
    response = patch_json(client, f"{BASE}/{proposed_partnership.pk}", {"focus_areas": [area.slug]})
    assert response.json()["focus_areas"] == [area.slug]
    before = counts()
    assert_error(
        patch_json(client, f"{BASE}/{proposed_partnership.pk}", {"focus_areas": ["nope"]}),
        400,
        fields=["focus_areas"],
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"title": ""}, ["title"]),
        ({"shared_goals": None}, ["shared_goals"]),
        ({"next_review_date": "31/12/2027"}, ["next_review_date"]),
    ],
)
def test_a_bad_edit_is_a_400_and_changes_nothing(data, fields, users, api_client_for, proposed_partnership):
    client = api_client_for(users["coordinator"])
    before = counts()
    assert_error(patch_json(client, f"{BASE}/{proposed_partnership.pk}", data), 400, fields=fields)
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.title == "Mbale surgical training"
    assert counts() == before


def test_editing_is_403_for_members_404_for_outsiders_409_when_closed(
    users, api_client_for, proposed_partnership, public_partnership
):
    assert_error(
        patch_json(api_client_for(users["member"]), f"{BASE}/{proposed_partnership.pk}", {"title": "x"}), 403
    )
    assert_error(
        patch_json(api_client_for(users["outsider"]), f"{BASE}/{public_partnership.pk}", {"title": "x"}), 404
    )
    services.change_status(
        proposed_partnership, actor=users["coordinator"], transition="close", reason="Done."
    )
    assert_error(
        patch_json(api_client_for(users["coordinator"]), f"{BASE}/{proposed_partnership.pk}", {"title": "x"}),
        409,
        "partnership_closed",
    )


# MoU upload ---------------------------------------------------------------------------------------


def test_a_coordinator_uploads_a_pdf_memorandum(users, api_client_for, proposed_partnership):
    response = api_client_for(users["coordinator"]).post(
        f"{BASE}/{proposed_partnership.pk}/mou", {"mou": pdf_upload()}
    )
    assert response.status_code == 200, response.content
    assert response.json()["has_mou"] is True
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.mou_content_type == "application/pdf"


def test_a_docx_memorandum_is_accepted(users, api_client_for, proposed_partnership):
    response = api_client_for(users["coordinator"]).post(
        f"{BASE}/{proposed_partnership.pk}/mou", {"mou": upload(docx_bytes(), "mou.docx")}
    )
    assert response.status_code == 200
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.mou.name.endswith(".docx")


@pytest.mark.parametrize(
    ("make_upload", "code"),
    [
        (lambda: upload(EXECUTABLE_BYTES, "mou.pdf"), "file_type_not_allowed"),
        (lambda: upload(b"Just text", "mou.pdf", "text/plain"), "file_type_not_allowed"),
        (oversized_pdf_upload, "file_too_large"),
    ],
)
def test_a_refused_memorandum_is_a_400_and_keeps_the_old_one(
    make_upload, code, users, api_client_for, proposed_partnership
):
    services.update_partnership(proposed_partnership, actor=users["coordinator"], data={}, mou=pdf_upload())
    proposed_partnership.refresh_from_db()
    old = proposed_partnership.mou.name
    client = api_client_for(users["coordinator"])
    before = counts()
    assert_error(client.post(f"{BASE}/{proposed_partnership.pk}/mou", {"mou": make_upload()}), 400, code)
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.mou.name == old
    assert counts() == before


def test_an_upload_without_a_file_is_a_400_naming_the_field(users, api_client_for, proposed_partnership):
    response = api_client_for(users["coordinator"]).post(f"{BASE}/{proposed_partnership.pk}/mou", {})
    assert_error(response, 400, "invalid", ["mou"])


def test_the_memorandum_upload_is_403_for_members_and_404_for_outsiders(
    users, api_client_for, proposed_partnership, public_partnership
):
    assert_error(
        api_client_for(users["member"]).post(f"{BASE}/{proposed_partnership.pk}/mou", {"mou": pdf_upload()}),
        403,
    )
    assert_error(
        api_client_for(users["outsider"]).post(f"{BASE}/{public_partnership.pk}/mou", {"mou": pdf_upload()}),
        404,
    )
    public_partnership.refresh_from_db()
    assert not public_partnership.mou


# Lifecycle ----------------------------------------------------------------------------------------


def test_a_host_admin_confirms(users, api_client_for, proposed_partnership):
    response = post_json(api_client_for(users["host_admin"]), f"{BASE}/{proposed_partnership.pk}/confirm")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "active"
    [host_party] = [p for p in body["parties"] if p["role"] == "host"]
    assert host_party["confirmed_at"] is not None


@pytest.mark.parametrize("persona", ["admin", "host_member"])
def test_confirmation_by_a_non_host_admin_is_403(persona, users, api_client_for, proposed_partnership):
    client = api_client_for(users[persona])
    before = counts()
    assert_error(post_json(client, f"{BASE}/{proposed_partnership.pk}/confirm"), 403, "not_host_admin")
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.PROPOSED
    assert counts() == before


def test_confirming_twice_is_409_and_outsiders_get_404(users, api_client_for, active_partnership):
    assert_error(
        post_json(api_client_for(users["host_admin"]), f"{BASE}/{active_partnership.pk}/confirm"),
        409,
        "already_confirmed",
    )
    assert_error(post_json(api_client_for(users["outsider"]), f"{BASE}/{active_partnership.pk}/confirm"), 404)


def test_a_host_admin_declines_with_a_reason(users, api_client_for, proposed_partnership):
    client = api_client_for(users["host_admin"])
    before = counts()
    assert_error(
        post_json(client, f"{BASE}/{proposed_partnership.pk}/decline", {"reason": ""}), 400, fields=["reason"]
    )
    assert counts() == before
    response = post_json(client, f"{BASE}/{proposed_partnership.pk}/decline", {"reason": "No capacity."})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_reason"]) == ("closed", "No capacity.")


def test_declining_is_403_for_the_sending_organisation(users, api_client_for, proposed_partnership):
    response = post_json(
        api_client_for(users["admin"]), f"{BASE}/{proposed_partnership.pk}/decline", {"reason": "x"}
    )
    assert_error(response, 403)


def test_pause_resume_and_close(users, api_client_for, active_partnership):
    client = api_client_for(users["coordinator"])
    address = f"{BASE}/{active_partnership.pk}"
    paused = post_json(client, f"{address}/pause", {"reason": "Rainy season."})
    assert (paused.status_code, paused.json()["status"]) == (200, "paused")
    resumed = post_json(client, f"{address}/resume")
    assert (resumed.status_code, resumed.json()["status"]) == (200, "active")
    closed = post_json(client, f"{address}/close", {"reason": "Done."})
    assert (closed.status_code, closed.json()["status"], closed.json()["status_reason"]) == (
        200,
        "closed",
        "Done.",
    )


def test_status_changes_refuse_bad_requests_with_their_status(
    users, api_client_for, client_for, active_partnership, public_partnership
):
    client, member, outsider = (api_client_for(users[name]) for name in ["coordinator", "member", "outsider"])
    address = f"{BASE}/{active_partnership.pk}"
    before = counts()
    assert_error(post_json(client, f"{address}/pause"), 400, fields=["reason"])
    error = assert_error(post_json(client, f"{address}/resume"), 409, "invalid_transition")
    assert error["message"] == "Only a paused partnership can be resumed."
    assert_error(post_json(member, f"{address}/close", {"reason": "x"}), 403)
    assert_error(post_json(outsider, f"{BASE}/{public_partnership.pk}/close", {"reason": "x"}), 404)
    assert_error(post_json(client_for(None), f"{address}/close", {"reason": "x"}), 401)
    assert counts() == before
    active_partnership.refresh_from_db()
    assert active_partnership.status == PartnershipStatus.ACTIVE


# Parties ------------------------------------------------------------------------------------------


def test_a_coordinator_adds_and_removes_a_party(users, api_client_for, proposed_partnership):
    client = api_client_for(users["coordinator"])
    added = post_json(
        client,
        f"{BASE}/{proposed_partnership.pk}/parties",
        {"organization": "unrelated-clinic", "role": "funding"},
    )
    assert added.status_code == 201
    [party] = [p for p in added.json()["parties"] if p["organization"] == "unrelated-clinic"]
    assert party["role"] == "funding"

    removed = client.delete(f"{BASE}/{proposed_partnership.pk}/parties/{party['id']}")

    assert removed.status_code == 204
    assert removed.content == b""
    assert not proposed_partnership.parties.filter(organization__slug="unrelated-clinic").exists()


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({"organization": "no-such-org", "role": "funding"}, 400, None),
        ({"organization": "unrelated-clinic", "role": "king"}, 400, None),
        ({"organization": "mbale-hospital", "role": "training"}, 409, "duplicate_party"),
        ({"role": "funding"}, 400, "invalid"),
    ],
)
def test_adding_a_bad_party_is_refused(data, status, code, users, api_client_for, proposed_partnership):
    client = api_client_for(users["coordinator"])
    before = counts()
    assert_error(post_json(client, f"{BASE}/{proposed_partnership.pk}/parties", data), status, code)
    assert counts() == before


def test_parties_of_an_active_partnership_are_fixed(users, api_client_for, host, active_partnership):
    client = api_client_for(users["coordinator"])
    before = counts()
    assert_error(
        post_json(
            client,
            f"{BASE}/{active_partnership.pk}/parties",
            {"organization": "unrelated-clinic", "role": "funding"},
        ),
        409,
        "not_proposed",
    )
    party = active_partnership.parties.get(organization=host)
    assert_error(client.delete(f"{BASE}/{active_partnership.pk}/parties/{party.pk}"), 409, "not_proposed")
    assert counts() == before


def test_removing_parties_is_refused_when_it_would_leave_too_few(
    users, api_client_for, host, proposed_partnership
):
    party = proposed_partnership.parties.get(organization=host)
    client = api_client_for(users["coordinator"])
    before = counts()
    assert_error(
        client.delete(f"{BASE}/{proposed_partnership.pk}/parties/{party.pk}"), 409, "too_few_parties"
    )
    assert_error(client.delete(f"{BASE}/{proposed_partnership.pk}/parties/999999"), 404, "not_found")
    assert counts() == before


def test_party_changes_are_403_for_members_and_404_for_outsiders(
    users, api_client_for, host, proposed_partnership
):
    party = proposed_partnership.parties.get(organization=host)
    member, outsider = api_client_for(users["member"]), api_client_for(users["outsider"])
    before = counts()
    new_party = {"organization": "unrelated-clinic", "role": "funding"}
    assert_error(post_json(member, f"{BASE}/{proposed_partnership.pk}/parties", new_party), 403)
    assert_error(member.delete(f"{BASE}/{proposed_partnership.pk}/parties/{party.pk}"), 403)
    assert_error(post_json(outsider, f"{BASE}/{proposed_partnership.pk}/parties", new_party), 404)
    assert_error(outsider.delete(f"{BASE}/{proposed_partnership.pk}/parties/{party.pk}"), 404)
    assert counts() == before


def test_the_proposer_may_name_itself_host(users, api_client_for):
    response = post_json(
        api_client_for(users["host_admin"]),
        BASE,
        proposal(
            proposer="mbale-hospital",
            parties=[
                {"organization": "mbale-hospital", "role": PartyRole.HOST},
                {"organization": "bridge-health", "role": "sending"},
            ],
        ),
    )
    assert response.status_code == 201


ENDPOINTS = [
    ("get", ""),
    ("post", ""),
    ("get", "/{p}"),
    ("patch", "/{p}"),
    ("post", "/{p}/mou"),
    ("post", "/{p}/confirm"),
    ("post", "/{p}/decline"),
    ("post", "/{p}/pause"),
    ("post", "/{p}/resume"),
    ("post", "/{p}/close"),
    ("post", "/{p}/parties"),
    ("delete", "/{p}/parties/{party}"),
    ("get", "/{p}/health-checks"),
    ("post", "/{p}/health-checks"),
    ("get", "/{p}/health-checks/{check}"),
    ("put", "/{p}/health-checks/{check}/scores"),
    ("post", "/{p}/health-checks/{check}/complete"),
    ("get", "/{p}/action-items"),
    ("post", "/{p}/action-items"),
    ("patch", "/{p}/action-items/{item}"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_answers_401_without_credentials_and_changes_nothing(
    method, path, client_for, users, host, active_partnership, open_check
):
    item = health.create_action_item(
        active_partnership,
        actor=users["coordinator"],
        data={"title": "Policy", "owner_organization": host, "due_date": datetime.date(2027, 1, 31)},
    )
    address = BASE + path.format(
        p=active_partnership.pk,
        party=active_partnership.parties.get(organization=host).pk,
        check=open_check.pk,
        item=item.pk,
    )
    before = counts()
    response = getattr(client_for(None), method)(address, {}, content_type="application/json")
    assert_error(response, 401, "unauthenticated")
    assert counts() == before


def test_an_invalid_token_is_401(db):
    response = Client(HTTP_AUTHORIZATION="Bearer mm_not-a-real-token").get(BASE)
    assert_error(response, 401, "unauthenticated")
