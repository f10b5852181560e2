"""Pages of supply requests: the list with its tabs, filters and fulfilment; drafting (with a mission
or need named in the address); the request page with its lines, kits, actions and the host's
shelf-life form; and what each form answers when it is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.supplies import allocation, services
from medmissions.supplies.choices import RequestStatus
from medmissions.supplies.models import RequestLine, SupplyRequest
from medmissions.supplies.tests.allocation_support import receive
from medmissions.supplies.tests.requests_support import *  # noqa: F403
from medmissions.supplies.tests.requests_support import in_days, request_data

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"supplies:{name}", args=args)


def _messages(response):
    return [str(message) for message in response.wsgi_request._messages]


def _allocate(users, sending, warehouse, line, quantity):
    lot = receive(users, sending, warehouse, line.item, f"LOT-{line.pk}", in_days(1000), 5000)
    return allocation.allocate(line, lot, warehouse, actor=users["coordinator"], quantity=quantity)


# The list ---------------------------------------------------------------------------------------


def test_the_list_shows_fulfilment_per_request(client_for, users, sending, warehouse, submitted, draft):
    _allocate(users, sending, warehouse, submitted.lines.get(item__category="medicine"), 300)
    response = client_for(users["viewer"]).get(_url("requests"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "300 of 610" in content
    assert "0 of 0" in content  # the draft, no lines yet
    assert "open to donors" in content


@pytest.mark.parametrize(
    ("persona", "show", "expected"),
    [
        ("coordinator", "mine", {"draft", "submitted"}),
        ("coordinator", "sites", set()),
        ("host_member", "sites", {"draft", "submitted"}),
        ("host_member", "mine", set()),
        ("outsider", "all", {"submitted"}),
        ("outsider", "donors", {"submitted"}),
    ],
)
def test_tabs_narrow_the_list(client_for, users, draft, submitted, persona, show, expected):
    services.update_request(draft, actor=users["coordinator"], data={"title": "Second request"})
    response = client_for(users[persona]).get(_url("requests"), {"show": show})
    assert response.status_code == 200
    shown = {row.title for row, _progress, _badge in response.context["rows"]}
    titles = {"draft": "Second request", "submitted": "Clinic medicines for the surgical camp"}
    assert shown == {titles[name] for name in expected}


def test_filters_by_status_priority_and_date(client_for, users, sending, site, draft, submitted):
    services.create_request(
        actor=users["coordinator"],
        organization=sending,
        data=request_data(site, title="Later and low", priority=1, needed_by=in_days(200)),
    )
    client = client_for(users["coordinator"])

    def titles(**filters):
        return {row.title for row, _p, _b in client.get(_url("requests"), filters).context["rows"]}

    assert titles(status="submitted") == {"Clinic medicines for the surgical camp"}
    assert titles(status="open") == {"Clinic medicines for the surgical camp", "Later and low"}
    assert titles(priority="1") == {"Later and low"}
    assert titles(needed_by=in_days(100).isoformat()) == {"Clinic medicines for the surgical camp"}
    assert titles(status="cancelled") == set()
    assert (
        "No requests match these filters."
        in client.get(_url("requests"), {"status": "cancelled"}).content.decode()
    )


# Drafting ---------------------------------------------------------------------------------------


def test_the_new_request_form_is_prefilled_from_a_mission(client_for, users, mission, site, host_need):
    response = client_for(users["coordinator"]).get(_url("request_create"), {"mission": mission.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["mission"] == mission.pk
    assert form.initial["destination"] == site.pk
    response = client_for(users["coordinator"]).get(_url("request_create"), {"need": host_need.pk})
    assert response.context["form"].initial["need"] == host_need.pk
    assert response.context["form"].initial["title"] == host_need.title


def test_a_mission_the_person_cannot_use_is_not_prefilled(client_for, users, mission):
    response = client_for(users["outsider"]).get(_url("request_create"), {"mission": mission.pk})
    assert response.status_code == 200
    assert "mission" not in response.context["form"].initial


def test_drafting_a_request(client_for, users, sending, site, active_partnership):
    response = client_for(users["coordinator"]).post(
        _url("request_create"),
        {
            "organization": sending.pk,
            "title": "Clinic medicines",
            "destination": site.pk,
            "needed_by": in_days(30).isoformat(),
            "priority": "4",
            "open_to_donors": "on",
        },
    )
    request = SupplyRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("request", request.pk)
    assert request.priority == 4
    assert request.open_to_donors


def test_a_refused_draft_shows_the_reason_on_the_field(client_for, users, sending, site, active_partnership):
    response = client_for(users["coordinator"]).post(
        _url("request_create"),
        {
            "organization": sending.pk,
            "title": "Clinic medicines",
            "destination": site.pk,
            "needed_by": in_days(-1).isoformat(),
            "priority": "2",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["needed_by"] == [
        "The date the supplies are needed by cannot be in the past."
    ]
    assert not SupplyRequest.objects.exists()


def test_members_and_viewers_may_not_draft(client_for, users):
    assert client_for(users["member"]).get(_url("request_create")).status_code == 403


# The request page -------------------------------------------------------------------------------


def test_the_page_shows_lines_with_kit_origin_allocated_and_shipped(
    client_for, users, sending, warehouse, draft, clinic_kit
):
    services.add_kit(draft, actor=users["coordinator"], kit=clinic_kit, count=1)
    services.submit_request(draft, actor=users["coordinator"])
    _allocate(users, sending, warehouse, draft.lines.get(item__category="medicine"), 60)
    response = client_for(users["coordinator"]).get(_url("request", draft.pk))
    assert response.status_code == 200
    rows = {row["line"].item.code: row for row in response.context["rows"]}
    assert rows["test-amoxicillin-500mg-capsule"]["allocated"] == 60
    assert rows["test-amoxicillin-500mg-capsule"]["shipped"] == 0
    assert rows["test-examination-gloves-m"]["line"].kit == clinic_kit
    content = response.content.decode()
    assert "from Test clinic kit" in content
    assert "60 of 102 units allocated" in content
    assert f"/supplies/allocate/?request={draft.pk}" in content
    assert "Add the item" in content
    assert "Accept a shorter shelf life" not in content


def test_readers_see_no_forms(client_for, users, submitted):
    content = client_for(users["viewer"]).get(_url("request", submitted.pk)).content.decode()
    assert "Add the item" not in content
    assert "Cancel the request" not in content
    assert "Accept a shorter shelf life" not in content


def test_the_host_sees_the_shelf_life_form_and_donors_the_offer_link(client_for, users, submitted):
    host_page = client_for(users["host_admin"]).get(_url("request", submitted.pk)).content.decode()
    assert "Accept a shorter shelf life" in host_page
    assert "Add the item" not in host_page
    outsider_page = client_for(users["outsider"]).get(_url("request", submitted.pk)).content.decode()
    assert f"/supplies/offers/new/?request={submitted.pk}" in outsider_page
    assert "Accept a shorter shelf life" not in outsider_page


def test_the_page_lists_the_offers_answering_it(client_for, users, offer):
    content = client_for(users["coordinator"]).get(_url("request", offer.request_id)).content.decode()
    assert _url("offer", offer.pk) in content
    assert "Blessed Supplies International" in content


def test_a_draft_is_hidden_from_outsiders(client_for, users, draft):
    assert client_for(users["outsider"]).get(_url("request", draft.pk)).status_code == 404


def test_a_cancelled_request_shows_who_cancelled_it_and_why(client_for, users, submitted):
    services.cancel_request(submitted, actor=users["admin"], reason="The camp moved to Tororo.")
    content = client_for(users["viewer"]).get(_url("request", submitted.pk)).content.decode()
    assert "Cancelled on" in content
    assert "The camp moved to Tororo." in content


# Editing ----------------------------------------------------------------------------------------


def test_editing_a_request(client_for, users, draft, site):
    client = client_for(users["coordinator"])
    assert client.get(_url("request_edit", draft.pk)).status_code == 200
    response = client.post(
        _url("request_edit", draft.pk),
        {"title": "Renamed", "destination": site.pk, "needed_by": in_days(45).isoformat(), "priority": "2"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.needed_by, draft.priority) == ("Renamed", in_days(45), 2)


def test_an_invalid_edit_answers_400(client_for, users, draft, site):
    response = client_for(users["coordinator"]).post(
        _url("request_edit", draft.pk),
        {"title": "", "destination": site.pk, "needed_by": "soon", "priority": "2"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title", "needed_by"}


def test_an_ended_request_is_not_edited(client_for, users, draft):
    services.cancel_request(draft, actor=users["coordinator"], reason="Not needed.")
    response = client_for(users["coordinator"]).get(_url("request_edit", draft.pk))
    assert response.status_code == 302
    assert _messages(response) == ["This request is closed; it can no longer be changed."]


# Lines and kits ---------------------------------------------------------------------------------


def test_adding_an_item_by_choice_or_by_code(client_for, users, draft, amoxicillin, gloves):
    client = client_for(users["coordinator"])
    response = client.post(
        _url("request_add_line", draft.pk), {"line-item": amoxicillin.code, "line-quantity": "5"}
    )
    assert response.status_code == 302
    response = client.post(
        _url("request_add_line", draft.pk), {"line-code": gloves.code, "line-quantity": "2"}
    )
    assert response.status_code == 302
    assert sorted(draft.lines.values_list("item__code", "quantity")) == [
        (amoxicillin.code, 5),
        (gloves.code, 2),
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"line-code": "no-such-item", "line-quantity": "5"}, "code"),
        ({"line-quantity": "5"}, "item"),
        (
            {
                "line-item": "test-amoxicillin-500mg-capsule",
                "line-code": "test-examination-gloves-m",
                "line-quantity": "5",
            },
            "code",
        ),
        ({"line-item": "test-amoxicillin-500mg-capsule", "line-quantity": "0"}, "quantity"),
    ],
)
def test_a_refused_item_answers_400_on_the_page(client_for, users, draft, amoxicillin, gloves, data, field):
    response = client_for(users["coordinator"]).post(_url("request_add_line", draft.pk), data)
    assert response.status_code == 400
    assert field in response.context["add_line_form"].errors
    assert not draft.lines.exists()


def test_adding_more_than_a_request_may_ask_answers_400(client_for, users, draft, amoxicillin):
    services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=services.MAX_QUANTITY)
    response = client_for(users["coordinator"]).post(
        _url("request_add_line", draft.pk), {"line-item": amoxicillin.code, "line-quantity": "1"}
    )
    assert response.status_code == 400
    assert response.context["add_line_form"].errors["quantity"]


def test_adding_a_kit(client_for, users, draft, clinic_kit):
    response = client_for(users["admin"]).post(
        _url("request_add_kit", draft.pk), {"kit-kit": clinic_kit.code, "kit-count": "2"}
    )
    assert response.status_code == 302
    assert _messages(response) == ["The kit added 2 items to the request."]
    assert sorted(draft.lines.values_list("quantity", flat=True)) == [4, 200]
    response = client_for(users["admin"]).post(
        _url("request_add_kit", draft.pk), {"kit-kit": clinic_kit.code, "kit-count": "0"}
    )
    assert response.status_code == 400


def test_changing_and_removing_a_line(client_for, users, draft, amoxicillin):
    line = services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=5)
    client = client_for(users["coordinator"])
    response = client.post(_url("request_change_line", draft.pk, line.pk), {f"line-{line.pk}-quantity": "9"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.quantity == 9
    response = client.post(_url("request_remove_line", draft.pk, line.pk))
    assert response.status_code == 302
    assert not RequestLine.objects.filter(pk=line.pk).exists()


def test_asking_for_fewer_than_is_allocated_answers_on_the_line(
    client_for, users, sending, warehouse, submitted
):
    line = submitted.lines.get(item__category="medicine")
    _allocate(users, sending, warehouse, line, 300)
    client = client_for(users["coordinator"])
    response = client.post(
        _url("request_change_line", submitted.pk, line.pk), {f"line-{line.pk}-quantity": "10"}
    )
    assert response.status_code == 400
    [row] = [row for row in response.context["rows"] if row["line"].pk == line.pk]
    assert row["form"].errors["quantity"] == ["At least 300."]
    response = client.post(_url("request_remove_line", submitted.pk, line.pk))
    assert response.status_code == 302
    assert _messages(response) == ["Stock is allocated to this line; release it first."]


def test_a_line_of_another_request_is_not_found(client_for, users, draft, submitted):
    other_line = submitted.lines.first()
    response = client_for(users["coordinator"]).post(_url("request_remove_line", draft.pk, other_line.pk))
    assert response.status_code == 404


# Submitting, cancelling, closing ----------------------------------------------------------------


def test_submitting(client_for, users, draft, amoxicillin):
    client = client_for(users["coordinator"])
    response = client.post(_url("request_submit", draft.pk))
    assert _messages(response) == ["Add at least one item before submitting the request."]
    services.add_line(draft, actor=users["coordinator"], item=amoxicillin, quantity=5)
    response = client.post(_url("request_submit", draft.pk))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == RequestStatus.SUBMITTED


def test_cancelling_asks_for_a_reason(client_for, users, draft):
    client = client_for(users["coordinator"])
    page = client.get(_url("request_cancel", draft.pk))
    assert page.status_code == 200
    assert "Stock allocated to it is released" in page.content.decode()
    assert client.post(_url("request_cancel", draft.pk), {"reason": ""}).status_code == 400
    response = client.post(_url("request_cancel", draft.pk), {"reason": "Postponed."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == RequestStatus.CANCELLED


def test_closing_a_request_not_fully_met_needs_a_reason(client_for, users, submitted):
    client = client_for(users["coordinator"])
    page = client.get(_url("request_close", submitted.pk))
    assert "0 of 610 units are allocated" in page.content.decode()
    response = client.post(_url("request_close", submitted.pk), {"reason": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    response = client.post(
        _url("request_close", submitted.pk), {"reason": "Enough arrived from the district."}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == RequestStatus.CLOSED


def test_a_draft_cannot_be_closed(client_for, users, draft):
    response = client_for(users["coordinator"]).post(_url("request_close", draft.pk), {"reason": "Done."})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Only a submitted request is closed; cancel a draft instead."
    ]


# Shelf-life exception ---------------------------------------------------------------------------


def test_the_host_records_a_shelf_life_exception(client_for, users, submitted):
    client = client_for(users["host_admin"])
    response = client.post(_url("request_shelf_life", submitted.pk), {"days": "120", "acknowledged_by": ""})
    assert response.status_code == 400
    assert response.context["shelf_life_form"].errors["acknowledged_by"]
    response = client.post(
        _url("request_shelf_life", submitted.pk), {"days": "120", "acknowledged_by": "Dr A. Namusoke"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.shorter_shelf_life_days == 120
    content = client.get(_url("request", submitted.pk)).content.decode()
    assert "At least 120 days accepted by Dr A. Namusoke" in content


def test_the_requester_may_not_record_the_hosts_exception(client_for, users, submitted):
    response = client_for(users["coordinator"]).post(
        _url("request_shelf_life", submitted.pk), {"days": "120", "acknowledged_by": "Dr A. Namusoke"}
    )
    assert response.status_code == 403


def test_wrong_methods_are_refused(client_for, users, draft):
    client = client_for(users["coordinator"])
    assert client.get(_url("request_submit", draft.pk)).status_code == 405
    assert client.post(_url("requests")).status_code == 405


# In a real browser ------------------------------------------------------------------------------

from medmissions.core.tests.conftest import (  # noqa: E402, F401 - fixtures used by name
    _allow_async_unsafe,
    browser_page,
    browser_problems,
    chromium,
    save_screenshot,
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_mission_asks_a_donor_offers_and_the_coordinator_accepts(
    # Data fixtures first: they are then created before Playwright starts its event loop.
    users,
    mission,
    clinic_kit,
    donor,
    donor_admin,
    live_server,
    browser_page,  # noqa: F811
    browser_problems,  # noqa: F811
    save_screenshot,  # noqa: F811
):
    from playwright.sync_api import expect

    from medmissions.core.tests.test_browser import sign_in, sign_out
    from medmissions.supplies.models import DonationOffer
    from medmissions.supplies.tests.requests_support import shortest_medicine_expiry

    page = browser_page

    # 1. The coordinator drafts a request for the mission, open to donors.
    sign_in(page, users["coordinator"])
    page.goto(f"/supplies/requests/new/?mission={mission.pk}")
    expect(page.get_by_label("Deliver to")).to_have_value(str(mission.site_id))
    page.get_by_label("Title").fill("Medicines for the surgical camp")
    page.get_by_label("Needed by").fill(in_days(60).isoformat())
    page.get_by_label("Open to donors").check()
    page.get_by_role("button", name="Draft the request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Medicines for the surgical camp")

    # 2. A kit and an item typed by its code; then the request is submitted.
    page.locator("#id_kit-kit").select_option(label="Test clinic kit")
    page.get_by_label("How many kits").fill("2")
    page.get_by_role("button", name="Add the kit").click()
    expect(page.get_by_role("status")).to_contain_text("The kit added 2 items to the request.")
    page.get_by_label("or its catalogue code").fill("test-amoxicillin-500mg-capsule")
    page.locator("#id_line-quantity").fill("50")
    page.get_by_role("button", name="Add the item").click()
    lines = page.get_by_role("table", name="Items asked, with what is allocated and shipped")
    expect(lines).to_contain_text("from Test clinic kit")
    page.get_by_role("button", name="Submit the request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Submitted")
    save_screenshot(page, "supplies-01-request-submitted")
    request_url = page.url
    sign_out(page)

    # 3. The donor answers it: the rows start from the request's lines.
    sign_in(page, donor_admin)
    page.goto(request_url)
    page.get_by_role("link", name="Offer a donation").click()
    expect(page.locator("#id_lines-0-item")).to_have_value("test-amoxicillin-500mg-capsule")
    page.locator("#id_lines-0-quantity").fill("250")
    page.locator("#id_lines-0-expiry_date").fill(shortest_medicine_expiry().isoformat())
    page.locator("#id_lines-1-item").select_option(value="")
    page.locator("#id_lines-1-quantity").fill("")
    page.get_by_role("button", name="Send the offer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Offered")
    save_screenshot(page, "supplies-02-offer-sent")
    offer = DonationOffer.objects.get()
    sign_out(page)

    # 4. The coordinator accepts it, and may now receive the goods.
    sign_in(page, users["coordinator"])
    page.goto(f"/supplies/offers/{offer.pk}/")
    page.get_by_label("Accept the offer").check()
    page.get_by_role("button", name="Send the decision").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accepted")
    expect(page.get_by_role("link", name="Receive these goods")).to_be_visible()
    save_screenshot(page, "supplies-03-offer-accepted")
    browser_problems.assert_clean()
