"""Permission matrix rows: supply requests, their lines and lifecycle, and donation offers
(loaded by core/tests/test_permission_matrix.py).

World objects, prefixed ``requests_``, all of ``sending`` for the host's clinic (``site``, in the
active partnership), so the host's members see the requests as the receiving party:

* ``requests_draft`` — a draft asking for 100 capsules (``requests_line``); only sending and the
  host see it;
* ``requests_submitted`` — a submitted request open to donors: everyone signed in sees it;
* ``requests_offer`` — the outsider's organisation (``other``) offers capsules answering it: sending
  (the recipient), the outsider (the donor) and the host (whose site it is for) see the offer;
* ``requests_unrequested`` — sending offers gloves to the host, answering no request.

Who may do what: coordinators and admins of the requester edit, submit, cancel and close its
requests; its members and viewers read them (403 on changes); the host reads them and only its
coordinators and admins record a shelf-life exception; a donor's coordinators make and withdraw
offers, the recipient's accept or decline them. Forms naming an organisation the persona does
not manage supplies for answer 400.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.supplies import services
from medmissions.supplies.models import Item

AMOXICILLIN = "amoxicillin-500mg-capsule"
GLOVES = "examination-gloves-nitrile-m"
KIT = "diarrhoea-treatment-kit"


def _in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _request(world, title: str, *, submit: bool):
    request = services.create_request(
        actor=world.coordinator,
        organization=world.sending,
        data={
            "title": title,
            "destination": world.site,
            "needed_by": _in_days(60),
            "open_to_donors": True,
        },
    )
    services.add_line(request, actor=world.coordinator, item=Item.objects.get(code=AMOXICILLIN), quantity=100)
    return services.submit_request(request, actor=world.coordinator) if submit else request


def _offer(world):
    return services.make_offer(
        actor=world.users["outsider"],
        donor=world.other,
        request=world.requests_submitted,
        lines=[(Item.objects.get(code=AMOXICILLIN), 50, _in_days(60 + 365 + 30))],
    )


def _unrequested(world):
    return services.make_offer(
        actor=world.coordinator,
        donor=world.sending,
        recipient=world.host,
        lines=[(Item.objects.get(code=GLOVES), 20, None)],
    )


def _request_form(world):
    return {
        "organization": world.sending.pk,
        "title": "Clinic medicines for the June camp",
        "destination": world.site.pk,
        "needed_by": _in_days(90).isoformat(),
        "priority": "2",
        "note": "",
    }


def _offer_form(world, *, item: str, expiry: datetime.date | None, recipient: bool) -> dict:
    form = {
        "donor": world.own_org.pk,
        "note": "Labelled in English.",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
        "lines-0-item": item,
        "lines-0-quantity": "50",
        "lines-0-expiry_date": expiry.isoformat() if expiry else "",
    }
    if recipient:
        form["recipient"] = world.third.slug
    return form


WORLD = {
    "requests_draft": lambda world: _request(world, "Clinic medicines (draft)", submit=False),
    "requests_line": lambda world: world.requests_draft.lines.get(),
    "requests_submitted": lambda world: _request(world, "Clinic medicines, open to donors", submit=True),
    "requests_offer": _offer,
    "requests_unrequested": _unrequested,
    "requests_request_form": _request_form,
    "requests_change_form": lambda world: {f"line-{world.requests_line.pk}-quantity": "150"},
    "requests_offer_form": lambda world: _offer_form(world, item=GLOVES, expiry=None, recipient=True),
    "requests_answer_form": lambda world: _offer_form(
        world, item=AMOXICILLIN, expiry=_in_days(60 + 365 + 30), recipient=False
    ),
    "requests_answer_url": lambda world: (
        reverse("supplies:offer_create") + f"?request={world.requests_submitted.pk}"
    ),
    "requests_api_request_in": lambda world: {
        "organization": world.sending.slug,
        "title": "Clinic medicines for the June camp",
        "destination": world.site.pk,
        "needed_by": _in_days(90).isoformat(),
    },
    "requests_api_offer_in": lambda world: {
        "donor": world.own_org.slug,
        "recipient": world.third.slug,
        "lines": [{"item": GLOVES, "quantity": 20}],
    },
}

DRAFT = [Ref("requests_draft.pk")]
SUBMITTED = [Ref("requests_submitted.pk")]
LINE = [Ref("requests_draft.pk"), Ref("requests_line.pk")]
OFFER = [Ref("requests_offer.pk")]
P_DRAFT = {"request_id": Ref("requests_draft.pk")}
P_SUBMITTED = {"request_id": Ref("requests_submitted.pk")}
P_LINE = {"request_id": Ref("requests_draft.pk"), "line_id": Ref("requests_line.pk")}
P_OFFER = {"offer_id": Ref("requests_offer.pk")}
SHELF_LIFE = {"days": "90", "acknowledged_by": "Dr A. Namusoke, pharmacist"}

# fmt: off
# Columns:                                                  admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "supplies:requests",                      "200   200   200    200    200      login 200   200"),
    html("GET",  "supplies:request_create",                "200   200   403    403    200      login 200   403"),
    html("POST", "supplies:request_create",                "302   302   403    403    400      login 400   403",
         data=Ref("requests_request_form")),
    html("GET",  "supplies:request",                       "200   200   200    200    404      login 200   200",
         args=DRAFT),
    html("GET",  "supplies:request",                       "200   200   200    200    200      login 200   200",
         args=SUBMITTED, variant="open to donors"),
    html("GET",  "supplies:request_edit",                  "200   200   403    403    404      login 403   403",
         args=DRAFT),
    html("POST", "supplies:request_edit",                  "302   302   403    403    404      login 403   403",
         args=DRAFT, data={"title": "Clinic medicines, revised", "destination": Ref("site.pk"),
                           "needed_by": _in_days(120).isoformat(), "priority": "3"}),
    html("POST", "supplies:request_add_line",              "302   302   403    403    404      login 403   403",
         args=DRAFT, data={"line-item": GLOVES, "line-quantity": "10"}),
    html("POST", "supplies:request_add_kit",               "302   302   403    403    404      login 403   403",
         args=DRAFT, data={"kit-kit": KIT, "kit-count": "1"}),
    html("POST", "supplies:request_change_line",           "302   302   403    403    404      login 403   403",
         args=LINE, data=Ref("requests_change_form")),
    html("POST", "supplies:request_remove_line",           "302   302   403    403    404      login 403   403",
         args=LINE),
    html("POST", "supplies:request_submit",                "302   302   403    403    404      login 403   403",
         args=DRAFT),
    html("GET",  "supplies:request_cancel",                "200   200   403    403    404      login 403   403",
         args=DRAFT),
    html("POST", "supplies:request_cancel",                "302   302   403    403    404      login 403   403",
         args=DRAFT, data={"reason": "The camp is postponed."}),
    html("GET",  "supplies:request_close",                 "200   200   403    403    403      login 403   403",
         args=SUBMITTED),
    html("POST", "supplies:request_close",                 "302   302   403    403    403      login 403   403",
         args=SUBMITTED, data={"reason": "The district store sent the rest."}),
    html("POST", "supplies:request_shelf_life",            "403   403   403    403    403      login 302   403",
         args=SUBMITTED, data=SHELF_LIFE),

    html("GET",  "supplies:offers",                        "200   200   200    200    200      login 200   200"),
    html("GET",  "supplies:offer_create",                  "200   200   403    403    200      login 200   403"),
    html("POST", "supplies:offer_create",                  "302   302   403    403    302      login 302   403",
         data=Ref("requests_offer_form")),
    html("GET",  "supplies:offer_create",                  "403   403   403    403    200      login 200   403",
         url=Ref("requests_answer_url"), variant="answering a request"),
    html("POST", "supplies:offer_create",                  "403   403   403    403    302      login 302   403",
         url=Ref("requests_answer_url"), data=Ref("requests_answer_form"), variant="answering a request"),
    html("GET",  "supplies:offer",                         "200   200   200    200    200      login 200   200",
         args=OFFER),
    html("GET",  "supplies:offer",                         "200   200   200    200    404      login 200   200",
         args=[Ref("requests_unrequested.pk")], variant="unrequested"),
    html("POST", "supplies:offer_decide",                  "302   302   403    403    403      login 403   403",
         args=OFFER, data={"decision": "accept", "note": ""}),
    html("POST", "supplies:offer_withdraw",                "403   403   403    403    302      login 403   403",
         args=OFFER),

    # ---- API -------------------------------------------------------------------------------------------
    api("GET",    "/supplies/requests",                    "200   200   200    200    200      401   200   200"),
    api("POST",   "/supplies/requests",                    "201   201   403    403    400      401   400   400",
        data=Ref("requests_api_request_in")),
    api("GET",    "/supplies/requests/{request_id}",       "200   200   200    200    404      401   200   200",
        params=P_DRAFT),
    api("PATCH",  "/supplies/requests/{request_id}",       "200   200   403    403    404      401   403   403",
        params=P_DRAFT, data={"priority": 4, "note": "Urgent now."}),
    api("POST",   "/supplies/requests/{request_id}/lines", "201   201   403    403    404      401   403   403",
        params=P_DRAFT, data={"item": GLOVES, "quantity": 10}),
    api("PATCH",  "/supplies/requests/{request_id}/lines/{line_id}",
                                                           "200   200   403    403    404      401   403   403",
        params=P_LINE, data={"quantity": 150}),
    api("DELETE", "/supplies/requests/{request_id}/lines/{line_id}",
                                                           "204   204   403    403    404      401   403   403",
        params=P_LINE),
    api("POST",   "/supplies/requests/{request_id}/kits",  "201   201   403    403    404      401   403   403",
        params=P_DRAFT, data={"kit": KIT, "count": 1}),
    api("POST",   "/supplies/requests/{request_id}/submit",
                                                           "200   200   403    403    404      401   403   403",
        params=P_DRAFT, data={}),
    api("POST",   "/supplies/requests/{request_id}/cancel",
                                                           "200   200   403    403    404      401   403   403",
        params=P_DRAFT, data={"reason": "The camp is postponed."}),
    api("POST",   "/supplies/requests/{request_id}/close", "200   200   403    403    403      401   403   403",
        params=P_SUBMITTED, data={"reason": "The district store sent the rest."}),
    api("PUT",    "/supplies/requests/{request_id}/shelf-life-exception",
                                                           "403   403   403    403    403      401   200   403",
        params=P_SUBMITTED, data={"days": 90, "acknowledged_by": "Dr A. Namusoke, pharmacist"}),

    api("GET",    "/supplies/offers",                      "200   200   200    200    200      401   200   200"),
    api("POST",   "/supplies/offers",                      "201   201   403    403    201      401   201   403",
        data=Ref("requests_api_offer_in")),
    api("GET",    "/supplies/offers/{offer_id}",           "200   200   200    200    200      401   200   200",
        params=P_OFFER),
    api("POST",   "/supplies/offers/{offer_id}/decide",    "200   200   403    403    403      401   403   403",
        params=P_OFFER, data={"decision": "decline", "note": "Our pharmacy is full."}),
    api("POST",   "/supplies/offers/{offer_id}/withdraw",  "403   403   403    403    200      401   403   403",
        params=P_OFFER, data={}),
]
# fmt: on
