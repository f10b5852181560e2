"""Pages of donation offers: the list with unrequested offers flagged, making an offer (answering a
request, or unrequested with the WHO warning) with repeated rows that work without JavaScript, the
offer page, accepting or declining, withdrawing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from medmissions.supplies import services
from medmissions.supplies.choices import OfferStatus
from medmissions.supplies.models import DonationOffer
from medmissions.supplies.tests.requests_support import *  # noqa: F403
from medmissions.supplies.tests.requests_support import in_days, shortest_medicine_expiry

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"supplies:{name}", args=args)


def _messages(response):
    return [str(message) for message in response.wsgi_request._messages]


def _lines(*rows):
    data = {
        "lines-TOTAL_FORMS": str(max(len(rows), 3)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
    }
    for index, (item, quantity, expiry) in enumerate(rows):
        data[f"lines-{index}-item"] = item
        data[f"lines-{index}-quantity"] = str(quantity)
        data[f"lines-{index}-expiry_date"] = expiry.isoformat() if expiry else ""
    return data


# The list ---------------------------------------------------------------------------------------


def test_unrequested_offers_are_flagged_with_the_who_reason(client_for, users, offer, unrequested_offer):
    response = client_for(users["viewer"]).get(_url("offers"))
    assert response.status_code == 200
    content = response.content.decode()
    rows = response.context["rows"]
    assert [offer.unrequested for offer, _badge in rows] == [True, False]
    assert content.count("Unrequested</span>") == 2  # the key above the table and the offer's row
    assert "No expressed need (WHO article 1)" in content
    assert "Clinic medicines for the surgical camp" in content


def test_tabs_split_made_and_received(client_for, users, donor_admin, offer, unrequested_offer):
    client = client_for(donor_admin)
    made = client.get(_url("offers"), {"show": "made"}).context["rows"]
    received = client.get(_url("offers"), {"show": "received"}).context["rows"]
    assert {row.pk for row, _badge in made} == {offer.pk, unrequested_offer.pk}
    assert received == []
    unrequested_only = (
        client_for(users["coordinator"]).get(_url("offers"), {"unrequested": "on"}).context["rows"]
    )
    assert [row.pk for row, _badge in unrequested_only] == [unrequested_offer.pk]


def test_outsiders_see_no_offers_of_others(client_for, users, offer):
    assert client_for(users["outsider"]).get(_url("offers")).context["rows"] == []
    assert client_for(users["outsider"]).get(_url("offer", offer.pk)).status_code == 404


# Making an offer --------------------------------------------------------------------------------


def test_an_unrequested_offer_form_warns_first(client_for, donor_admin):
    response = client_for(donor_admin).get(_url("offer_create"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Unrequested donation." in content
    assert "article 1" in content
    assert 'name="recipient"' in content


def test_making_an_unrequested_offer(client_for, users, donor, donor_admin, sending, gloves, amoxicillin):
    data = {
        "donor": donor.pk,
        "recipient": sending.slug,
        "note": "",
        **_lines((gloves.code, 20, None), (amoxicillin.code, 100, in_days(800))),
    }
    response = client_for(donor_admin).post(_url("offer_create"), data)
    offer = DonationOffer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("offer", offer.pk)
    assert offer.unrequested
    assert offer.lines.count() == 2


def test_an_offer_answering_a_request_starts_from_its_lines(client_for, donor_admin, submitted):
    response = client_for(donor_admin).get(_url("offer_create"), {"request": submitted.pk})
    assert response.status_code == 200
    formset = response.context["formset"]
    assert [form.initial for form in formset.initial_forms] == [
        {"item": "test-amoxicillin-500mg-capsule", "quantity": 600},
        {"item": "test-examination-gloves-m", "quantity": 10},
    ]
    assert len(formset.forms) == 5  # and three empty rows
    assert "recipient" not in response.context["form"].fields
    assert "Unrequested donation." not in response.content.decode()


def test_making_an_offer_answering_a_request(client_for, donor, donor_admin, submitted, amoxicillin):
    response = client_for(donor_admin).post(
        _url("offer_create") + f"?request={submitted.pk}",
        {"donor": donor.pk, "note": "", **_lines((amoxicillin.code, 300, shortest_medicine_expiry()))},
    )
    assert response.status_code == 302
    offer = DonationOffer.objects.get()
    assert offer.request == submitted
    assert offer.recipient == submitted.organization


def test_a_too_short_shelf_life_is_shown_on_its_row(
    client_for, donor, donor_admin, submitted, amoxicillin, gloves
):
    response = client_for(donor_admin).post(
        _url("offer_create") + f"?request={submitted.pk}",
        {
            "donor": donor.pk,
            "note": "",
            **_lines(
                (gloves.code, 5, None),
                (amoxicillin.code, 300, shortest_medicine_expiry() - datetime.timedelta(days=1)),
            ),
        },
    )
    assert response.status_code == 400
    rows = response.context["formset"].forms
    assert rows[0].errors == {}
    assert "article 6" in rows[1].errors["expiry_date"][0]
    assert not DonationOffer.objects.exists()


@pytest.mark.parametrize(
    ("rows", "where"),
    [
        ((), "form"),
        ((("test-examination-gloves-m", "", None),), "row"),
        ((("", 5, None),), "row"),
    ],
)
def test_incomplete_rows_answer_400(client_for, donor, donor_admin, sending, gloves, rows, where):
    response = client_for(donor_admin).post(
        _url("offer_create"), {"donor": donor.pk, "recipient": sending.slug, "note": "", **_lines(*rows)}
    )
    assert response.status_code == 400
    if where == "form":
        assert response.context["form"].non_field_errors() == ["An offer needs at least one item."]
    else:
        assert response.context["formset"].forms[0].errors
    assert not DonationOffer.objects.exists()


def test_an_invisible_request_is_not_found(client_for, donor_admin, draft):
    assert client_for(donor_admin).get(_url("offer_create"), {"request": draft.pk}).status_code == 404


def test_a_request_not_submitted_sends_the_donor_back(client_for, users, draft):
    response = client_for(users["host_admin"]).get(_url("offer_create"), {"request": draft.pk})
    assert response.status_code == 302
    assert _messages(response) == ["Only submitted requests take offers."]


def test_the_requester_cannot_offer_to_its_own_request(client_for, users, submitted):
    assert (
        client_for(users["coordinator"]).get(_url("offer_create"), {"request": submitted.pk}).status_code
        == 403
    )


def test_people_without_a_donor_role_may_not_offer(client_for, donor_member):
    assert client_for(donor_member).get(_url("offer_create")).status_code == 403


# The offer page and decisions -------------------------------------------------------------------


def test_the_recipient_sees_the_decision_form_and_the_donor_the_withdraw_button(
    client_for, users, donor_admin, offer
):
    recipient_page = client_for(users["coordinator"]).get(_url("offer", offer.pk)).content.decode()
    assert "Send the decision" in recipient_page
    assert "Withdraw the offer" not in recipient_page
    donor_page = client_for(donor_admin).get(_url("offer", offer.pk)).content.decode()
    assert "Withdraw the offer" in donor_page
    assert "Send the decision" not in donor_page
    viewer_page = client_for(users["viewer"]).get(_url("offer", offer.pk)).content.decode()
    assert "Send the decision" not in viewer_page


def test_an_unrequested_offer_page_explains_why_it_is_flagged(client_for, users, unrequested_offer):
    content = client_for(users["coordinator"]).get(_url("offer", unrequested_offer.pk)).content.decode()
    assert "Nobody requested this donation." in content
    assert "article 1" in content


def test_declining_needs_a_note(client_for, users, offer):
    client = client_for(users["coordinator"])
    response = client.post(_url("offer_decide", offer.pk), {"decision": "decline", "note": ""})
    assert response.status_code == 400
    assert response.context["decide_form"].errors["note"] == ["Tell the donor why the offer is declined."]
    response = client.post(
        _url("offer_decide", offer.pk), {"decision": "decline", "note": "No storage left."}
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED


def test_accepting_shows_the_link_to_receive_the_goods(client_for, users, offer):
    client = client_for(users["coordinator"])
    response = client.post(_url("offer_decide", offer.pk), {"decision": "accept", "note": ""})
    assert response.status_code == 302
    content = client.get(_url("offer", offer.pk)).content.decode()
    assert f"?offer={offer.pk}" in content
    assert "Receive these goods" in content
    assert (
        "Receive these goods" not in client_for(users["viewer"]).get(_url("offer", offer.pk)).content.decode()
    )
    again = client.post(_url("offer_decide", offer.pk), {"decision": "accept", "note": ""})
    assert again.status_code == 302
    assert _messages(again) == ["This offer is already accepted."]


def test_only_the_recipients_coordinators_decide(client_for, users, donor_admin, offer):
    assert (
        client_for(users["member"]).post(_url("offer_decide", offer.pk), {"decision": "accept"}).status_code
        == 403
    )
    assert (
        client_for(donor_admin).post(_url("offer_decide", offer.pk), {"decision": "accept"}).status_code
        == 403
    )


def test_withdrawing(client_for, users, donor_admin, offer):
    assert client_for(users["coordinator"]).post(_url("offer_withdraw", offer.pk)).status_code == 403
    response = client_for(donor_admin).post(_url("offer_withdraw", offer.pk))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    again = client_for(donor_admin).post(_url("offer_withdraw", offer.pk))
    assert _messages(again) == ["This offer is already withdrawn."]


def test_an_offer_made_unrequested_can_be_accepted_from_its_page(client_for, users, unrequested_offer):
    response = client_for(users["admin"]).post(
        _url("offer_decide", unrequested_offer.pk), {"decision": "accept", "note": "We need gloves."}
    )
    assert response.status_code == 302
    unrequested_offer.refresh_from_db()
    assert unrequested_offer.status == OfferStatus.ACCEPTED
    assert services.unrequested_reason() in client_for(users["admin"]).get(
        _url("offer", unrequested_offer.pk)
    ).content.decode().replace("&#x27;", "'").replace("&quot;", '"')
