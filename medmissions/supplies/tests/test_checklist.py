"""The WHO donation checklist: each rule passes, warns and fails as it should.

``evaluate`` is pure, so most tests build unsaved objects and run without a database (any query
would fail the test); the last ones evaluate stored shipments through ``checklist_for``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from medmissions.core.models import Language
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site
from medmissions.supplies import shipments
from medmissions.supplies.checklist import FAIL, PASS, WARN, Check, checklist_for, evaluate, worst
from medmissions.supplies.choices import ShipmentStatus
from medmissions.supplies.models import (
    Allocation,
    Item,
    Lot,
    Parcel,
    RequestLine,
    Shipment,
    ShipmentItem,
    SupplyRequest,
)
from medmissions.supplies.tests.shipments_support import *  # noqa: F403

ARRIVAL = datetime.date(2030, 3, 1)
ENGLISH = Language(code="en", name="English")
SWAHILI = Language(code="sw", name="Swahili")
FRENCH = Language(code="fr", name="French")
SENDER = Organization(pk=1, name="Bridge Health UK", slug="bridge-health")
HOST = Organization(pk=2, name="Mbale Regional Hospital", slug="mbale-hospital")


def make_shipment(status=ShipmentStatus.PACKED, host=HOST) -> Shipment:
    return Shipment(
        reference="SH-2030-00001",
        organization=SENDER,
        destination=Site(name="Mbale clinic", host_organization=host),
        planned_arrival=ARRIVAL,
        status=status,
    )


def medicine(name="amoxicillin", *, essential=True) -> Item:
    return Item(
        name=name,
        strength="500 mg",
        dosage_form="capsule",
        unit="capsule",
        category="medicine",
        essential_medicine=essential,
    )


GLOVES = Item(name="examination gloves", unit="box of 100", category="consumable")


def request(title="Clinic restock", *, shorter=None, by="") -> SupplyRequest:
    return SupplyRequest(title=title, shorter_shelf_life_days=shorter, shelf_life_acknowledged_by=by)


def line_item(
    catalogue_item,
    lot_number,
    *,
    expiry=ARRIVAL + datetime.timedelta(days=500),
    label=ENGLISH,
    answers=None,
    parcel=None,
    quantity=10,
):
    lot = Lot(item=catalogue_item, lot_number=lot_number, expiry_date=expiry, label_language=label)
    allocation = (
        Allocation(line=RequestLine(request=answers, item=catalogue_item), quantity=quantity)
        if answers
        else None
    )
    return ShipmentItem(lot=lot, quantity=quantity, allocation=allocation, parcel=parcel)


def parcel(number, weight="10") -> Parcel:
    return Parcel(number=number, weight_kg=Decimal(weight))


def run(items, parcels=(), *, shipment=None, languages=(ENGLISH, SWAHILI), limit=50) -> dict[str, Check]:
    checks = evaluate(
        shipment or make_shipment(),
        list(items),
        list(parcels),
        destination_languages=list(languages),
        max_parcel_kg=limit,
    )
    assert [check.key for check in checks] == [
        "expressed_need",
        "essential_list",
        "shelf_life",
        "label_language",
        "packing_list",
        "parcel_weight",
        "not_mixed",
    ]
    return {check.key: check for check in checks}


def packed_pair(**medicine_options):
    """Capsules alone in parcel 1, gloves alone in parcel 2, both answering a request."""
    asked = request()
    first, second = parcel(1, "12"), parcel(2, "30")
    items = [
        line_item(medicine(), "AMX-1", answers=asked, parcel=first, **medicine_options),
        line_item(GLOVES, "GLV-1", expiry=None, label=None, answers=asked, parcel=second),
    ]
    return items, [first, second]


def test_a_good_shipment_passes_every_rule():
    items, parcels = packed_pair()
    checks = run(items, parcels)
    assert {key: check.status for key, check in checks.items()} == dict.fromkeys(checks, PASS)
    assert worst(list(checks.values())) == PASS
    assert "“Clinic restock”" in checks["expressed_need"].details[0]
    assert checks["expressed_need"].article == 1 and checks["shelf_life"].article == 6
    assert checks["packing_list"].details == ["2 numbered parcels hold every item."]


# Article 1: expressed need --------------------------------------------------------------------------


def test_an_item_answering_no_request_fails_expressed_need():
    items, parcels = packed_pair()
    items.append(line_item(medicine("paracetamol"), "PCM-9", parcel=parcels[0]))
    check = run(items, parcels)["expressed_need"]
    assert check.status == FAIL
    assert check.details == [
        "paracetamol 500 mg capsule, lot PCM-9 answers no request of the receiving site; "
        "ship it only with the recipient’s consent."
    ]


def test_goods_for_the_senders_own_site_need_no_request():
    unrequested = [line_item(medicine(), "AMX-1", parcel=parcel(1))]
    check = run(unrequested, [unrequested[0].parcel], shipment=make_shipment(host=SENDER))["expressed_need"]
    assert check.status == PASS


def test_an_empty_shipment_only_warns():
    checks = run([], shipment=make_shipment(ShipmentStatus.PICKING))
    assert checks["expressed_need"].status == WARN
    assert checks["packing_list"].status == WARN
    assert worst(list(checks.values())) == WARN


# Article 2: essential medicines ---------------------------------------------------------------------


def test_a_medicine_off_the_essential_list_fails_unless_requested():
    asked = request("Oncology ward")
    items = [
        line_item(medicine("imatinib", essential=False), "IMT-1", answers=asked, parcel=parcel(1)),
        line_item(medicine("tramadol", essential=False), "TRM-1", parcel=parcel(1)),
    ]
    check = run(items, [parcel(1)])["essential_list"]
    assert check.status == FAIL
    assert (
        "tramadol 500 mg capsule, lot TRM-1" in check.details[0]
        and "no request asked for it" in check.details[0]
    )
    assert "“Oncology ward” asked for it" in check.details[1]
    requested_only = run(items[:1], [parcel(1)])["essential_list"]
    assert requested_only.status == WARN


def test_supplies_that_are_not_medicines_have_no_essential_list():
    items = [line_item(GLOVES, "GLV-1", expiry=None, label=None, answers=request(), parcel=parcel(1))]
    check = run(items, [parcel(1)])["essential_list"]
    assert (check.status, check.details) == (PASS, ["No medicines on this shipment."])


# Article 6: shelf life ------------------------------------------------------------------------------


def test_shelf_life_on_the_planned_arrival():
    one_year = ARRIVAL + datetime.timedelta(days=365)
    assert run(packed_pair(expiry=one_year)[0])["shelf_life"].status == PASS
    check = run(packed_pair(expiry=one_year - datetime.timedelta(days=1))[0])["shelf_life"]
    assert check.status == FAIL
    assert check.details == [
        "amoxicillin 500 mg capsule, lot AMX-1 expires on 28 Feb 2031: on the planned arrival (1 Mar 2030) "
        "it has 364 days left, less than the 365 required."
    ]


def test_the_article_6_exception_warns_and_names_who_accepted_it():
    accepted = request("Direct donation", shorter=200, by="Dr Namono, pharmacist")
    item = line_item(medicine(), "AMX-SHORT", expiry=ARRIVAL + datetime.timedelta(days=250), answers=accepted)
    check = run([item])["shelf_life"]
    assert check.status == WARN
    assert "Dr Namono, pharmacist accepted a shorter shelf life" in check.details[0]
    too_short = line_item(
        medicine(), "AMX-TOO", expiry=ARRIVAL + datetime.timedelta(days=150), answers=accepted
    )
    assert run([too_short])["shelf_life"].status == FAIL


def test_consumables_have_their_own_minimum_and_undated_items_none(settings):
    settings.SUPPLIES_MIN_SHELF_LIFE_DAYS = {"medicine": 365, "consumable": 180}
    syringes = Item(name="syringe 5 ml", unit="piece", category="consumable")
    ok = line_item(syringes, "SYR-1", expiry=ARRIVAL + datetime.timedelta(days=180), label=None)
    short = line_item(syringes, "SYR-2", expiry=ARRIVAL + datetime.timedelta(days=179), label=None)
    undated = line_item(GLOVES, "GLV-1", expiry=None, label=None)
    assert run([ok, undated])["shelf_life"].status == PASS
    assert run([ok, short, undated])["shelf_life"].status == FAIL


# Article 7: labels ----------------------------------------------------------------------------------


def test_labels_must_be_in_a_language_of_the_destination():
    check = run(packed_pair(label=FRENCH)[0])["label_language"]
    assert check.status == FAIL
    assert check.details == [
        "amoxicillin 500 mg capsule, lot AMX-1 is labelled in French; the destination uses English, Swahili."
    ]
    assert run(packed_pair(label=SWAHILI)[0])["label_language"].status == PASS


def test_unrecorded_label_or_site_languages_warn():
    check = run(packed_pair(label=None)[0])["label_language"]
    assert (check.status, check.details) == (
        WARN,
        ["The label language of amoxicillin 500 mg capsule, lot AMX-1 is not recorded."],
    )
    assert run(packed_pair()[0], languages=())["label_language"].status == WARN


def test_labels_of_other_supplies_are_not_checked():
    items = [line_item(GLOVES, "GLV-1", expiry=None, label=FRENCH, answers=request(), parcel=parcel(1))]
    assert run(items, [parcel(1)])["label_language"].status == PASS


# Article 9: packing list, weight, mixing ------------------------------------------------------------


def test_every_item_in_a_numbered_parcel():
    items, parcels = packed_pair()
    items.append(line_item(medicine(), "AMX-2", answers=request()))
    check = run(items, parcels)["packing_list"]
    assert (check.status, check.details) == (FAIL, ["amoxicillin 500 mg capsule, lot AMX-2 is in no parcel."])
    # While picking, not being packed yet is expected.
    assert run(items, parcels, shipment=make_shipment(ShipmentStatus.PICKING))["packing_list"].status == WARN


def test_medicine_parcels_weigh_at_most_the_limit():
    items, parcels = packed_pair()
    parcels[0].weight_kg = Decimal("50.01")
    parcels[1].weight_kg = Decimal("80")  # gloves only: no limit
    check = run(items, parcels)["parcel_weight"]
    assert (check.status, check.details) == (
        FAIL,
        ["Parcel 1 holds medicines and weighs 50.01 kg, more than 50 kg."],
    )
    parcels[0].weight_kg = Decimal("50")
    assert run(items, parcels)["parcel_weight"].status == PASS
    assert run(items, parcels, limit=40)["parcel_weight"].status == FAIL


def test_medicines_are_not_mixed_with_other_supplies():
    asked = request()
    box = parcel(3, "20")
    items = [
        line_item(medicine(), "AMX-1", answers=asked, parcel=box),
        line_item(GLOVES, "GLV-1", expiry=None, label=None, answers=asked, parcel=box),
    ]
    check = run(items, [box])["not_mixed"]
    assert check.status == FAIL
    assert check.details == [
        "Parcel 3 mixes medicines (amoxicillin 500 mg capsule, lot AMX-1) with other supplies "
        "(examination gloves, lot GLV-1)."
    ]


def test_before_packing_the_parcel_rules_wait():
    items = [line_item(medicine(), "AMX-1", answers=request())]
    checks = run(items, shipment=make_shipment(ShipmentStatus.PICKING))
    assert (checks["parcel_weight"].status, checks["not_mixed"].status) == (WARN, WARN)


def test_worst_and_labels():
    items, parcels = packed_pair(label=FRENCH)
    checks = list(run(items, parcels).values())
    assert worst(checks) == FAIL
    failed = next(check for check in checks if check.status == FAIL)
    assert (failed.badge, failed.status_label, str(failed.label)) == (
        "bad",
        "Fail",
        "Labels in a language of the destination",
    )


# Stored shipments -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_packed_shipment_from_the_fixtures_passes(packed):
    checks = checklist_for(packed)
    assert [check.status for check in checks] == [PASS] * 7


@pytest.mark.django_db
def test_a_lot_picked_without_request_fails_expressed_need(
    users, shipment, gloves_lot, django_assert_max_num_queries
):
    shipments.add_lot(shipment, gloves_lot, actor=users["coordinator"], quantity=5)
    with django_assert_max_num_queries(4):
        checks = {check.key: check for check in checklist_for(shipment)}
    assert checks["expressed_need"].status == FAIL
    assert "examination gloves, medium, lot GLV-77" in checks["expressed_need"].details[0]
    assert checks["packing_list"].status == WARN
