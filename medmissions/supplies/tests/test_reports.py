"""The report computations (supplies/reports.py) on small fixtures with known answers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from medmissions.sites.models import Site
from medmissions.supplies import reports
from medmissions.supplies.models import StockLevel
from medmissions.supplies.tests.reports_support import days, donor_journey, receive, reserve, today

D = datetime.date


@pytest.mark.parametrize(
    ("expiry", "bucket"),
    [
        (D(2027, 1, 14), "expired"),
        (D(2026, 1, 1), "expired"),
        (D(2027, 1, 15), "within_30"),  # usable until the end of its expiry date
        (D(2027, 2, 14), "within_30"),  # 30 days
        (D(2027, 2, 15), "within_60"),  # 31 days
        (D(2027, 3, 16), "within_60"),  # 60 days
        (D(2027, 3, 17), "within_90"),  # 61 days
        (D(2027, 4, 15), "within_90"),  # 90 days
        (D(2027, 4, 16), None),  # 91 days
        (None, None),
    ],
)
def test_expiry_buckets_follow_openboxes_at_the_boundaries(expiry, bucket):
    assert reports.expiry_bucket(expiry, D(2027, 1, 15)) == bucket


@pytest.fixture
def boundary_lots(users, sending, warehouse, amoxicillin):
    coordinator = users["coordinator"]
    return {
        count: receive(coordinator, sending, warehouse, amoxicillin, f"AMX-D{count}", days(count), 10 + count)
        for count in (0, 30, 31, 60, 61, 90, 91)
    }


def _buckets(groups):
    return {group.key: [row.lot.lot_number for row in group.rows] for group in groups}


def test_expiring_report_puts_lots_in_buckets_by_days_left(boundary_lots, sending):
    groups = reports.expiring_report([sending.pk], today())
    assert [group.key for group in groups] == ["expired", "within_30", "within_60", "within_90"]
    assert _buckets(groups) == {
        "expired": [],
        "within_30": ["AMX-D0", "AMX-D30"],
        "within_60": ["AMX-D31", "AMX-D60"],
        "within_90": ["AMX-D61", "AMX-D90"],
    }


def test_a_day_later_the_boundaries_move(boundary_lots, sending):
    groups = reports.expiring_report([sending.pk], today() + datetime.timedelta(days=1))
    assert _buckets(groups) == {
        "expired": ["AMX-D0"],
        "within_30": ["AMX-D30", "AMX-D31"],
        "within_60": ["AMX-D60", "AMX-D61"],
        "within_90": ["AMX-D90", "AMX-D91"],
    }
    expired = groups[0].rows[0]
    assert expired.days_left == -1


def test_expiring_rows_carry_quantities_reserved_and_value(users, sending, warehouse, amoxicillin):
    coordinator = users["coordinator"]
    lot = receive(coordinator, sending, warehouse, amoxicillin, "AMX-V", days(45), 400, unit_value="0.25")
    reserve(coordinator, lot, warehouse, 150)
    [group] = [group for group in reports.expiring_report([sending.pk], today()) if group.rows]
    assert group.key == "within_60"
    [row] = group.rows
    assert (row.on_hand, row.reserved, row.available) == (400, 150, 250)
    assert row.value == Decimal("100.00")
    assert group.values == [("USD", Decimal("100.00"))]
    assert [site_rows.site for site_rows in group.sites] == [warehouse]


def test_expiring_report_leaves_out_empty_other_owners_and_other_sites(
    users, sending, host, warehouse, site, active_partnership, amoxicillin, gloves
):
    coordinator = users["coordinator"]
    receive(coordinator, sending, warehouse, amoxicillin, "AMX-MINE", days(10), 5)
    receive(coordinator, sending, warehouse, gloves, "GLV-NONE", None, 5)  # no expiry
    receive(users["host_admin"], host, site, amoxicillin, "AMX-HOST", days(10), 5)
    emptied = receive(coordinator, sending, warehouse, amoxicillin, "AMX-GONE", days(10), 5)
    from medmissions.supplies import stock

    stock.consume(emptied, warehouse, actor=coordinator, quantity=5)
    assert _buckets(reports.expiring_report([sending.pk], today()))["within_30"] == ["AMX-MINE"]
    assert _buckets(reports.expiring_report([sending.pk], today(), site=site))["within_30"] == []
    assert _buckets(reports.expiring_report([host.pk], today()))["within_30"] == ["AMX-HOST"]


def test_expiring_csv_has_one_row_per_lot_and_site(boundary_lots, sending):
    groups = reports.expiring_report([sending.pk], today())
    rows = list(reports.expiring_csv_rows(groups))
    assert len(rows) == 6
    assert len(reports.EXPIRING_CSV_HEADER) == len(rows[0])
    assert rows[0][:3] == ["Expiring within 30 days", 0, today()]


# --- Low stock ---------------------------------------------------------------------------------


@pytest.fixture
def low_stock_world(users, sending, warehouse, site, active_partnership, amoxicillin, gloves):
    coordinator = users["coordinator"]
    counted = receive(coordinator, sending, warehouse, amoxicillin, "AMX-A", days(400), 300)
    reserve(coordinator, counted, warehouse, 100)
    receive(coordinator, sending, warehouse, amoxicillin, "AMX-B", days(10), 200)
    receive(coordinator, sending, warehouse, amoxicillin, "AMX-C", days(5), 50)
    # Not counted: another item, another site, another owner.
    receive(coordinator, sending, warehouse, gloves, "GLV-1", None, 50)
    receive(coordinator, sending, site, amoxicillin, "AMX-AWAY", days(400), 999)
    receive(users["host_admin"], site.host_organization, site, amoxicillin, "AMX-H", days(400), 999)
    amoxicillin_level = StockLevel.objects.create(
        organization=sending, site=warehouse, item=amoxicillin, minimum=500
    )
    gloves_level = StockLevel.objects.create(organization=sending, site=warehouse, item=gloves, minimum=10)
    return amoxicillin_level, gloves_level


def test_low_stock_counts_available_units_of_the_organisations_own_lots(low_stock_world):
    amoxicillin_level, gloves_level = low_stock_world
    rows = reports.low_stock(StockLevel.objects.all(), today())
    assert [(row.level, row.available, row.shortfall) for row in rows] == [(amoxicillin_level, 450, 50)]
    every = reports.low_stock(StockLevel.objects.all(), today(), include_all=True)
    assert {row.level: (row.available, row.below) for row in every} == {
        amoxicillin_level: (450, True),
        gloves_level: (50, False),
    }


def test_low_stock_leaves_expired_lots_out(low_stock_world):
    amoxicillin_level, _gloves = low_stock_world
    [row] = reports.low_stock(StockLevel.objects.all(), today() + datetime.timedelta(days=6))
    assert (row.level, row.available, row.shortfall) == (amoxicillin_level, 400, 100)


def test_a_level_without_any_stock_is_short_by_its_minimum(sending, warehouse, amoxicillin):
    level = StockLevel.objects.create(organization=sending, site=warehouse, item=amoxicillin, minimum=20)
    [row] = reports.low_stock(StockLevel.objects.all(), today())
    assert (row.level, row.available, row.shortfall) == (level, 0, 20)


def test_low_stock_costs_two_queries(low_stock_world, django_assert_num_queries):
    with django_assert_num_queries(2):
        reports.low_stock(StockLevel.objects.all(), today(), include_all=True)


def test_alert_counts(low_stock_world, sending, host):
    counts = reports.alert_counts([sending.pk], today() + datetime.timedelta(days=6))
    # AMX-C expired; AMX-B within 30 days (4 left); AMX-A and the glove lot are far off or undated.
    assert counts == reports.AlertCounts(expired=1, within_30=1, within_60=0, within_90=0, low_stock=1)
    assert counts.any
    assert not reports.alert_counts([], today()).any


# --- Donor traceability --------------------------------------------------------------------------------


@pytest.fixture
def journey(users, lot, warehouse, site, active_partnership):
    return donor_journey(users, lot, warehouse, site, active_partnership)


def _flows(trace):
    return {
        flow.site.name: {name: getattr(flow, name) for name in reports.FLOW_FIELDS} for flow in trace.sites
    }


ZERO = dict.fromkeys(reports.FLOW_FIELDS, 0)


def test_donor_trace_follows_a_lot_from_receipt_to_the_hosts_copy(journey, donor, warehouse, site, host):
    [trace] = reports.donor_trace(donor)
    assert trace.lot == journey.lot
    assert _flows(trace) == {
        warehouse.name: ZERO
        | {"received": 1000, "shipped": 600, "adjusted": -10, "written_off": 5, "on_hand": 385},
        site.name: ZERO
        | {"received_from_shipments": 600, "consumed": 100, "handed_over": 400, "on_hand": 100},
    }
    [shipment] = trace.shipments
    assert (
        shipment.reference,
        shipment.status,
        shipment.destination,
        shipment.quantity,
        shipment.received,
    ) == (
        journey.shipment.reference,
        "received",
        site,
        600,
        600,
    )
    [handover] = trace.handovers
    assert (handover.site, handover.recipient, handover.mission_id, handover.quantity) == (
        site,
        host,
        journey.mission.pk,
        400,
    )
    assert handover.mission_title == journey.mission.title
    [copy] = trace.copies
    assert copy.lot == journey.copy
    assert copy.lot.owner == host and copy.lot.donor == donor
    assert _flows(copy) == {site.name: ZERO | {"received_by_handover": 400, "consumed": 50, "on_hand": 350}}
    assert trace.totals["on_hand"] == 485
    assert [flow.site for flow in trace.left] == [warehouse, site]


def test_donor_trace_costs_the_same_queries_for_more_lots(
    journey, users, sending, warehouse, donor, gloves, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        reports.donor_trace(donor)
    for number in range(3):
        receive(users["coordinator"], sending, warehouse, gloves, f"GLV-D{number}", None, 10, donor=donor)
    with django_assert_max_num_queries(8) as captured:
        traces = reports.donor_trace(donor)
    assert len(traces) == 4
    assert len(captured.captured_queries) <= 8


def test_a_page_of_root_lots_traces_only_those_lots(journey, users, sending, warehouse, donor, gloves):
    receive(users["coordinator"], sending, warehouse, gloves, "GLV-LATER", None, 10, donor=donor)
    roots = list(reports.root_lots(donor))
    assert [lot.lot_number for lot in roots] == ["AMX-2401", "GLV-LATER"]  # undated lots last
    [trace] = reports.donor_trace(donor, roots[1:])
    assert trace.lot.lot_number == "GLV-LATER" and trace.copies == []


def test_an_organisation_that_donated_nothing_has_an_empty_trace(sending):
    assert reports.donor_trace(sending) == []


def test_donations_csv_has_a_row_per_lot_and_site(journey, donor, warehouse, site, host):
    rows = list(reports.donations_csv_rows(reports.donor_trace(donor)))
    assert len(rows) == 3  # the lot at the depot and the clinic, the host's copy at the clinic
    header = [str(cell) for cell in reports.DONATIONS_CSV_HEADER]
    by_site = [dict(zip(header, row, strict=True)) for row in rows]
    assert by_site[0]["Site"] == warehouse.name and by_site[0]["Shipped out"] == 600
    assert by_site[0]["Shipments from this site"].startswith(journey.shipment.reference)
    assert by_site[1]["Handed over to"] == f"400 to {host.name} (mission “{journey.mission.title}”)"
    assert by_site[2]["Owner"] == host.name and by_site[2]["Handed over from"].startswith("AMX-2401")


# --- Stock at a site and hand-overs ----------------------------------------------------------------


def test_site_stock_groups_lots_per_owner_and_item(journey, site, host, sending):
    from medmissions.supplies.models import StockBalance

    groups = reports.site_stock(reports.site_balances(StockBalance.objects.all(), site))
    assert [(group.owner, group.item.code, group.on_hand) for group in groups] == [
        (sending, journey.lot.item.code, 100),
        (host, journey.lot.item.code, 350),
    ]


def test_handover_entries_list_what_was_left_with_the_host(journey, site, warehouse, sending, host):
    [entry] = reports.handover_entries(site=site)
    assert (entry.lot, entry.quantity, entry.transaction.organization, entry.transaction.recipient) == (
        journey.lot,
        400,
        sending,
        host,
    )
    assert list(reports.handover_entries(site=warehouse)) == []


def test_handover_for_mission_sums_lots_for_the_handover_plan(
    journey, users, site, gloves, sending, warehouse
):
    from medmissions.supplies import stock

    coordinator = users["coordinator"]
    stock.hand_over(journey.lot, site, actor=coordinator, quantity=25, mission=journey.mission)
    gloves_lot = receive(coordinator, sending, site, gloves, "GLV-9", None, 12)
    stock.hand_over(gloves_lot, site, actor=coordinator, quantity=12, mission=journey.mission)
    handover = reports.handover_for_mission(journey.mission)
    assert [(line.lot, line.quantity) for line in handover.lines] == [(journey.lot, 425), (gloves_lot, 12)]
    assert handover.summary == (
        "amoxicillin 500 mg capsule, lot AMX-2401 (expires 2029-06-30): 425 capsule\n"
        "examination gloves, medium, lot GLV-9: 12 box of 100"
    )


def test_handover_for_a_mission_without_hand_overs_is_empty(journey, users, active_partnership, site):
    from medmissions.supplies.tests.reports_support import make_mission

    other_mission = make_mission(users, active_partnership, Site.objects.get(pk=site.pk))
    assert reports.handover_for_mission(other_mission).summary == ""
