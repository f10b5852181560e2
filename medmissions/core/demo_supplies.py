"""Demo supplies: two donors, two depots, lots with a spread of expiries, requests from the demo
missions, donation offers, an accepted allocation and shipments in every state.

Everything goes through the supplies services, as a logistician would: lots are received,
requests drafted and submitted, the optimiser run and its proposal accepted, shipments picked,
packed, sent and received, stock consumed at the site and leftovers handed over to the host, so
the ledger, the stock cards, the alerts and the donor reports look as they would in use.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from medmissions.accounts.models import User
from medmissions.core.models import Language
from medmissions.missions.models import Mission
from medmissions.organizations.models import Organization
from medmissions.sites import services as site_services
from medmissions.sites.models import Site, SiteKind
from medmissions.supplies import allocation, levels, services, shipments, stock
from medmissions.supplies.models import Item, Kit, Lot, Shipment

MARKER_REQUEST = "Hernia camp theatre supplies"

# (depot key, item code, lot number, donor key or None, days to expiry or None, quantity, unit value)
LOTS: tuple[tuple[str, str, str, str | None, int | None, int, str], ...] = (
    ("kestrel", "lidocaine-1-percent-injection", "LID-24117", "harbourlight", 700, 400, "0.35"),
    ("kestrel", "lidocaine-1-percent-injection", "LID-23990", "harbourlight", 395, 150, "0.35"),
    ("kestrel", "suture-absorbable-2-0", "SUT-A-8812", "shelfwise", 900, 600, "0.90"),
    ("kestrel", "suture-non-absorbable-3-0", "SUT-N-3021", "shelfwise", 1000, 300, "0.80"),
    ("kestrel", "surgical-gloves-sterile-7-5", "SGL-551", "shelfwise", 1100, 400, "0.45"),
    ("kestrel", "examination-gloves-nitrile-m", "EGL-M-77", None, None, 60, "6.50"),
    ("kestrel", "paracetamol-500mg-tablet", "PCM-2208", "harbourlight", 800, 5000, "0.01"),
    ("kestrel", "paracetamol-500mg-tablet", "PCM-2117", "harbourlight", 80, 2000, "0.01"),
    ("kestrel", "amoxicillin-500mg-capsule", "AMX-1904", "harbourlight", 600, 3000, "0.04"),
    ("kestrel", "amoxicillin-500mg-capsule", "AMX-1822", "harbourlight", 50, 1000, "0.04"),
    ("kestrel", "ceftriaxone-1g-powder-for-injection", "CTX-0931", "harbourlight", 25, 120, "0.60"),
    ("kestrel", "tranexamic-acid-100mg-ml-injection", "TXA-4410", None, 540, 100, "0.70"),
    ("kestrel", "chlorhexidine-alcohol-swab", "CHX-S-12", "shelfwise", 720, 2000, "0.03"),
    ("lamplight", "oxytocin-10iu-ml-injection", "OXY-7781", None, 420, 300, "0.25"),
    ("lamplight", "misoprostol-200micrograms-tablet", "MSP-3302", "harbourlight", 650, 900, "0.10"),
    ("lamplight", "magnesium-sulfate-500mg-ml-injection", "MGS-1180", "harbourlight", 700, 200, "0.40"),
    ("lamplight", "umbilical-cord-clamp", "UCC-09", "shelfwise", None, 500, "0.05"),
    ("lamplight", "resuscitation-bag-neonatal", "RBN-2", "shelfwise", None, 6, "28.00"),
    ("lamplight", "oral-rehydration-salts-sachet", "ORS-5501", "harbourlight", 60, 1500, "0.08"),
    ("lamplight", "zinc-sulfate-20mg-dispersible-tablet", "ZNC-7730", "harbourlight", 730, 3000, "0.02"),
)

# Depots: (name, country, town, region, district, latitude, longitude, languages, the coordinator
# who runs it, what visiting teams should know).
DEPOTS = {
    "kestrel": (
        "Kestrel supplies depot, Avonmouth",
        "GB",
        "Avonmouth",
        "South West England",
        "City of Bristol",
        "51.502100",
        "-2.699300",
        ("en",),
        "priya.nair",
    ),
    "lamplight": (
        "Lamplight mission store, Memphis",
        "US",
        "Memphis",
        "Tennessee",
        "Shelby County",
        "35.149500",
        "-90.049000",
        ("en",),
        "rachel.kim",
    ),
}


def _item(code: str) -> Item:
    return Item.objects.get(code=code)


def _depots(people: dict[str, User], organizations: dict[str, Organization]) -> dict[str, Site]:
    depots = {}
    for key, (name, country, town, region, district, latitude, longitude, languages, login) in DEPOTS.items():
        depots[key] = site_services.create_site(
            actor=people[login],
            host_organization=organizations[key],
            data={
                "name": name,
                "kind": SiteKind.WAREHOUSE,
                "country": country,
                "town": town,
                "admin_level_1": region,
                "admin_level_2": district,
                "latitude": latitude,
                "longitude": longitude,
                "languages": list(Language.objects.filter(code__in=languages)),
                "culture_guidance": "Stock is received and dispatched on weekdays; deliveries are booked a day ahead.",
                "customs_guidance": "Every parcel leaves with its packing list; medicines never share a parcel with other goods.",
                "security_guidance": "Controlled medicines are kept in the locked cage; two people sign them out.",
            },
        )
    return depots


def _receive(people, organizations, depots, today) -> dict[str, Lot]:
    english = Language.objects.get(code="en")  # every demo lot is labelled in English
    lots = {}
    for depot, code, number, donor, days, quantity, value in LOTS:
        expiry = today + datetime.timedelta(days=days) if days is not None else None
        lot, _movement = stock.receive_lot(
            actor=people[DEPOTS[depot][8]],
            organization=organizations[depot],
            site=depots[depot],
            item=_item(code),
            lot_number=number,
            expiry_date=expiry,
            quantity=quantity,
            source="donated" if donor else "procured",
            donor=organizations[donor] if donor else None,
            unit_value=Decimal(value),
            manufacturer="Generic Pharma Ltd" if _item(code).category == "medicine" else "",
            label_language=english,
            occurred_on=today - datetime.timedelta(days=40),
        )
        lots[number] = lot
    # A lot that expired in store, to write off.
    expired, _movement = stock.receive_lot(
        actor=people["priya.nair"],
        organization=organizations["kestrel"],
        site=depots["kestrel"],
        item=_item("metronidazole-250mg-tablet"),
        lot_number="MTZ-1650",
        expiry_date=today - datetime.timedelta(days=12),
        quantity=800,
        source="procured",
        unit_value=Decimal("0.02"),
        occurred_on=today - datetime.timedelta(days=300),
    )
    lots["MTZ-1650"] = expired
    return lots


def _mission(title: str) -> Mission:
    return Mission.objects.get(title=title)


def build(
    people: dict[str, User], organizations: dict[str, Organization], today: datetime.date
) -> dict[str, int]:
    """Create the demo's supplies. Needs the demo's organisations, sites and missions."""
    kestrel, lamplight = organizations["kestrel"], organizations["lamplight"]
    priya, rachel = people["priya.nair"], people["rachel.kim"]
    depots = _depots(people, organizations)
    lots = _receive(people, organizations, depots, today)

    camp = _mission("Elgon hernia and safe-surgery camp")

    # Kestrel's request for the hernia camp: allocated by the optimiser, then picked and packed.
    camp_request = services.create_request(
        actor=priya,
        organization=kestrel,
        data={
            "title": MARKER_REQUEST,
            "mission": camp,
            "needed_by": camp.starts_on - datetime.timedelta(days=5),
            "priority": 3,
            "note": "Elgon Ridge's theatre list for the camp; nothing beyond it.",
        },
    )
    for code, quantity in (
        ("lidocaine-1-percent-injection", 300),
        ("suture-absorbable-2-0", 250),
        ("suture-non-absorbable-3-0", 120),
        ("surgical-gloves-sterile-7-5", 200),
        ("paracetamol-500mg-tablet", 2000),
        ("amoxicillin-500mg-capsule", 1200),
        ("ceftriaxone-1g-powder-for-injection", 60),
    ):
        services.add_line(camp_request, actor=priya, item=_item(code), quantity=quantity)
    services.submit_request(camp_request, actor=priya)
    run = allocation.propose(actor=priya, organization=kestrel, requests=[camp_request])
    allocation.accept_run(run, actor=priya)

    packed = shipments.create_shipment(
        actor=priya,
        organization=kestrel,
        origin=depots["kestrel"],
        destination=camp.site,
        planned_arrival=camp.starts_on - datetime.timedelta(days=7),
        mission=camp,
        carrier="Airfreight, Entebbe",
    )
    for open_allocation in shipments.open_allocations(packed):
        shipments.add_allocation(packed, open_allocation.allocation, actor=priya)
    items = list(packed.items.select_related("lot__item"))
    medicines = [item.pk for item in items if item.lot.item.category == "medicine"]
    others = [item.pk for item in items if item.lot.item.category != "medicine"]
    shipments.pack(
        packed,
        actor=priya,
        parcels=[
            shipments.ParcelPlan(Decimal("18.5"), medicines, "Medicines"),
            shipments.ParcelPlan(Decimal("12.0"), others, "Sutures and gloves"),
        ],
    )

    # The anaesthesia course (ready, starting soon): allocated by hand, sent and in transit.
    course = _mission("Elgon anaesthesia instructor course")
    course_request = services.create_request(
        actor=priya,
        organization=kestrel,
        data={"title": "Anaesthesia course consumables", "mission": course, "needed_by": course.starts_on},
    )
    services.add_line(course_request, actor=priya, item=_item("lidocaine-1-percent-injection"), quantity=100)
    services.add_line(
        course_request, actor=priya, item=_item("tranexamic-acid-100mg-ml-injection"), quantity=40
    )
    services.submit_request(course_request, actor=priya)
    course_allocations = [
        allocation.allocate(
            course_request.lines.get(item__code="lidocaine-1-percent-injection"),
            lots["LID-24117"],
            depots["kestrel"],
            actor=priya,
            quantity=100,
        ),
        allocation.allocate(
            course_request.lines.get(item__code="tranexamic-acid-100mg-ml-injection"),
            lots["TXA-4410"],
            depots["kestrel"],
            actor=priya,
            quantity=40,
        ),
    ]
    travelling = shipments.create_shipment(
        actor=priya,
        organization=kestrel,
        origin=depots["kestrel"],
        destination=course.site,
        planned_arrival=course.starts_on - datetime.timedelta(days=2),
        mission=course,
        carrier="Airfreight, Entebbe",
    )
    for made in course_allocations:
        shipments.add_allocation(travelling, made, actor=priya)
    shipments.pack(
        travelling,
        actor=priya,
        parcels=[
            shipments.ParcelPlan(
                Decimal("7.5"), list(travelling.items.values_list("pk", flat=True)), "Medicines"
            )
        ],
    )
    shipments.send(
        travelling,
        actor=priya,
        sent_on=today - datetime.timedelta(days=1),
        tracking_reference="KQ 101 AWB 706-5521",
    )
    shipments.mark_in_transit(travelling, actor=priya)

    # Lamplight's newborn week, in the field: a midwifery kit, open to donors, with an offer
    # accepted; one shipment received in full and partly used, the leftovers handed over to Kica;
    # another partly received.
    newborn = _mission("Gulu newborn resuscitation week")
    kica = people["amara.okello"]
    newborn_request = services.create_request(
        actor=rachel,
        organization=lamplight,
        data={
            "title": "Newborn resuscitation week supplies",
            "mission": newborn,
            "needed_by": today + datetime.timedelta(days=2),
            "priority": 4,
            "open_to_donors": True,
        },
    )
    services.add_kit(newborn_request, actor=rachel, kit=Kit.objects.get(code="midwifery-kit"), count=1)
    services.submit_request(newborn_request, actor=rachel)
    offer = services.make_offer(
        actor=people["dana.moreau"],
        donor=organizations["harbourlight"],
        request=newborn_request,
        lines=[(_item("misoprostol-200micrograms-tablet"), 150, today + datetime.timedelta(days=640))],
        note="From our March production lot; labels in English.",
    )
    services.decide_offer(offer, actor=rachel, accept=True, note="Thank you: this covers the week.")
    services.make_offer(
        actor=people["marcus.johnson"],
        donor=organizations["shelfwise"],
        recipient=organizations["elgon"],
        lines=[(_item("sphygmomanometer-aneroid-adult"), 10, None)],
        note="Recovered from a clinic closure in Duluth; serviced and calibrated.",
    )
    delivered = shipments.create_shipment(
        actor=rachel,
        organization=lamplight,
        origin=depots["lamplight"],
        destination=newborn.site,
        planned_arrival=today,
        mission=newborn,
        carrier="Team luggage",
    )
    for number, quantity in (("OXY-7781", 60), ("MSP-3302", 200), ("UCC-09", 100)):
        shipments.add_lot(delivered, lots[number], actor=rachel, quantity=quantity)
    by_lot = {item.lot.lot_number: item.pk for item in delivered.items.select_related("lot")}
    shipments.pack(
        delivered,
        actor=rachel,
        parcels=[
            shipments.ParcelPlan(Decimal("5.5"), [by_lot["OXY-7781"]], "Cold box: oxytocin (2–8 °C)"),
            shipments.ParcelPlan(Decimal("3.0"), [by_lot["MSP-3302"]], "Medicines"),
            shipments.ParcelPlan(Decimal("4.0"), [by_lot["UCC-09"]], "Cord clamps"),
        ],
    )
    shipments.send(delivered, actor=rachel, sent_on=today - datetime.timedelta(days=6))
    shipments.receive(
        delivered,
        actor=kica,
        quantities={item.pk: item.quantity for item in delivered.items.all()},
        received_on=today - datetime.timedelta(days=4),
    )
    stock.consume(lots["OXY-7781"], newborn.site, actor=rachel, quantity=12, mission=newborn, note="Days 1–3")
    stock.consume(lots["MSP-3302"], newborn.site, actor=rachel, quantity=24, mission=newborn)
    stock.hand_over(
        lots["UCC-09"],
        newborn.site,
        actor=rachel,
        quantity=80,
        mission=newborn,
        note="Left with Kica's maternity ward",
    )
    partly = shipments.create_shipment(
        actor=rachel,
        organization=lamplight,
        origin=depots["lamplight"],
        destination=newborn.site,
        planned_arrival=today + datetime.timedelta(days=1),
        mission=newborn,
    )
    shipments.add_lot(partly, lots["RBN-2"], actor=rachel, quantity=2)
    shipments.add_lot(partly, lots["ZNC-7730"], actor=rachel, quantity=600)
    bags, zinc = (partly.items.get(lot=lots["RBN-2"]).pk, partly.items.get(lot=lots["ZNC-7730"]).pk)
    shipments.pack(
        partly,
        actor=rachel,
        parcels=[
            shipments.ParcelPlan(Decimal("3.5"), [bags], "Resuscitation bags"),
            shipments.ParcelPlan(Decimal("2.0"), [zinc], "Medicines"),
        ],
    )
    shipments.send(
        partly,
        actor=rachel,
        sent_on=today - datetime.timedelta(days=2),
        carrier="DHL",
        tracking_reference="JD0146 2250 981",
    )
    shipments.mark_in_transit(partly, actor=rachel)
    shipments.receive(
        partly,
        actor=kica,
        quantities={bags: 2},
        received_on=today,
        note="The resuscitation bags arrived; the zinc is still at customs in Entebbe.",
    )

    # Swabs for the camp, sent today (the carrier has not confirmed collection yet).
    swabs = shipments.create_shipment(
        actor=priya,
        organization=kestrel,
        origin=depots["kestrel"],
        destination=camp.site,
        planned_arrival=camp.starts_on - datetime.timedelta(days=10),
        mission=camp,
        carrier="Sea freight, Mombasa",
    )
    shipments.add_lot(swabs, lots["CHX-S-12"], actor=priya, quantity=300)
    shipments.pack(
        swabs,
        actor=priya,
        parcels=[
            shipments.ParcelPlan(Decimal("2.4"), list(swabs.items.values_list("pk", flat=True)), "Swabs")
        ],
    )
    shipments.send(swabs, actor=priya)

    # A shipment still being picked, and a cancelled one.
    picking = shipments.create_shipment(
        actor=rachel,
        organization=lamplight,
        origin=depots["lamplight"],
        destination=newborn.site,
        planned_arrival=today + datetime.timedelta(days=20),
        mission=newborn,
    )
    shipments.add_lot(picking, lots["ZNC-7730"], actor=rachel, quantity=300)
    cancelled = shipments.create_shipment(
        actor=priya,
        organization=kestrel,
        origin=depots["kestrel"],
        destination=camp.site,
        planned_arrival=today + datetime.timedelta(days=30),
    )
    shipments.add_lot(cancelled, lots["PCM-2208"], actor=priya, quantity=500)
    shipments.cancel(
        cancelled, actor=priya, reason="Elgon Ridge's pharmacy received paracetamol from the national store."
    )

    # A minimum level at the field site, which the week's use has taken it below.
    levels.set_stock_level(
        actor=rachel,
        organization=lamplight,
        site=newborn.site,
        item=_item("oxytocin-10iu-ml-injection"),
        minimum=60,
    )
    return {"lots": Lot.objects.count(), "shipments": Shipment.objects.count()}
