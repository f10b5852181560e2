"""The WHO Emergency Medical Team Minimum Data Set (MDS) v1.0: items 1–65, their groups, how the
Daily Report disaggregates them and which are restricted (../shared/reference/emt-mds.md §3–§5).

This module is the single source of the item list. Models, capture forms, aggregation, exports
and imports all read it; nothing else hard-codes item numbers.

* Items 1–3 (sex and pregnancy) are one code per consultation (``Consultation.sex``).
* Items 4–50 are ticks per consultation (``Consultation.mds_4`` … ``mds_50``).
* Items 51–65 are flags with a comment per team, site and day (``DailyReport.issues``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MDS_VERSION = "WHO 1.0"


class Disaggregation(StrEnum):
    AGE_BANDS = "A5"  # the five age groups
    UNDER_FIVE = "U5"  # under 5 / 5 and over
    FIVE_AND_OVER = "5+"  # 5 and over only
    TOTAL = "Tot"
    FLAG = "Flag"  # yes/no with a comment, per team and day


class Group(StrEnum):
    SEX = "sex"
    TRAUMA = "trauma"
    INFECTIOUS = "infectious"
    ADDITIONAL = "additional"
    EMERGENCY = "emergency"
    OTHER_KEY = "other_key"
    PROCEDURE = "procedure"
    OUTCOME = "outcome"
    RELATION = "relation"
    PROTECTION = "protection"
    IMMEDIATE = "immediate"
    COMMUNITY_RISK = "community_risk"
    OPERATIONAL = "operational"


GROUP_LABELS: dict[Group, Promise] = {
    Group.SEX: _("Sex and pregnancy"),
    Group.TRAUMA: _("Trauma"),
    Group.INFECTIOUS: _("Infectious disease"),
    Group.ADDITIONAL: _("Additional diseases (set for this emergency)"),
    Group.EMERGENCY: _("Emergency"),
    Group.OTHER_KEY: _("Other key diseases"),
    Group.PROCEDURE: _("Procedures"),
    Group.OUTCOME: _("Outcome"),
    Group.RELATION: _("Relation to the event"),
    Group.PROTECTION: _("Protection"),
    Group.IMMEDIATE: _("Immediate report"),
    Group.COMMUNITY_RISK: _("Community risks"),
    Group.OPERATIONAL: _("Operational constraints"),
}


@dataclass(frozen=True)
class Item:
    number: int
    group: Group
    label: Promise
    disaggregation: Disaggregation
    restricted: bool = False
    # The capture page's keyboard shortcut (a single key), for the items a clinic ticks most.
    key: str = ""

    @property
    def per_patient(self) -> bool:
        return self.number <= 50

    @property
    def field(self) -> str:
        """The Consultation column of a tick item (4–50)."""
        return f"mds_{self.number}"


def _items() -> list[Item]:
    A5, U5, P5, TOT, FLAG = (
        Disaggregation.AGE_BANDS,
        Disaggregation.UNDER_FIVE,
        Disaggregation.FIVE_AND_OVER,
        Disaggregation.TOTAL,
        Disaggregation.FLAG,
    )
    G = Group
    return [
        Item(1, G.SEX, _("Male"), A5),
        Item(2, G.SEX, _("Female, not pregnant"), A5),
        Item(3, G.SEX, _("Female, pregnant"), A5),
        Item(4, G.TRAUMA, _("Major head or spine injury"), U5),
        Item(5, G.TRAUMA, _("Major torso injury"), U5),
        Item(6, G.TRAUMA, _("Major extremity injury"), U5),
        Item(7, G.TRAUMA, _("Moderate injury"), U5, key="o"),
        Item(8, G.TRAUMA, _("Minor injury"), U5, key="i"),
        Item(9, G.INFECTIOUS, _("Acute respiratory infection"), U5, key="r"),
        Item(10, G.INFECTIOUS, _("Acute watery diarrhoea"), U5, key="w"),
        Item(11, G.INFECTIOUS, _("Acute bloody diarrhoea"), U5),
        Item(12, G.INFECTIOUS, _("Acute jaundice syndrome"), U5),
        Item(13, G.INFECTIOUS, _("Suspected measles"), U5),
        Item(14, G.INFECTIOUS, _("Suspected meningitis"), U5),
        Item(15, G.INFECTIOUS, _("Suspected tetanus"), U5),
        Item(16, G.INFECTIOUS, _("Acute flaccid paralysis"), U5),
        Item(17, G.INFECTIOUS, _("Acute haemorrhagic fever"), U5),
        Item(18, G.INFECTIOUS, _("Fever of unknown origin"), U5, key="v"),
        Item(19, G.ADDITIONAL, _("Context-specific disease 1"), U5),
        Item(20, G.ADDITIONAL, _("Context-specific disease 2"), U5),
        Item(21, G.ADDITIONAL, _("Context-specific disease 3"), U5),
        Item(22, G.ADDITIONAL, _("Context-specific disease 4"), U5),
        Item(23, G.EMERGENCY, _("Surgical emergency (non-trauma)"), U5),
        Item(24, G.EMERGENCY, _("Medical emergency (non-infectious)"), U5),
        Item(25, G.OTHER_KEY, _("Skin disease"), U5, key="s"),
        Item(26, G.OTHER_KEY, _("Acute mental health problem"), U5),
        Item(27, G.OTHER_KEY, _("Obstetric complications"), U5),
        Item(28, G.OTHER_KEY, _("Severe acute malnutrition"), U5, restricted=True),
        Item(29, G.OTHER_KEY, _("Other diagnosis, not specified above"), U5, key="x"),
        Item(30, G.PROCEDURE, _("Major procedure (excluding limb amputation)"), U5),
        Item(31, G.PROCEDURE, _("Limb amputation, excluding digits"), U5, restricted=True),
        Item(32, G.PROCEDURE, _("Minor surgical procedure"), U5),
        Item(33, G.PROCEDURE, _("Normal vaginal delivery"), P5),
        Item(34, G.PROCEDURE, _("Caesarean section"), P5),
        Item(35, G.PROCEDURE, _("Obstetrics, other"), P5),
        Item(36, G.OUTCOME, _("Discharge without medical follow-up"), TOT, key="d"),
        Item(37, G.OUTCOME, _("Discharge with medical follow-up"), TOT, key="g"),
        Item(38, G.OUTCOME, _("Discharge against medical advice"), TOT),
        Item(39, G.OUTCOME, _("Referral (transfer to another facility)"), TOT, key="t"),
        Item(40, G.OUTCOME, _("Admission"), TOT),
        Item(41, G.OUTCOME, _("Dead on arrival"), TOT),
        Item(42, G.OUTCOME, _("Death within the facility"), TOT, restricted=True),
        Item(43, G.OUTCOME, _("Requiring long-term rehabilitation"), TOT, restricted=True),
        Item(44, G.RELATION, _("Directly related to the event"), TOT, key="e"),
        Item(45, G.RELATION, _("Indirectly related to the event"), TOT, key="n"),
        Item(46, G.RELATION, _("Not related to the event"), TOT, key="u"),
        Item(47, G.PROTECTION, _("Vulnerable child"), TOT, restricted=True),
        Item(48, G.PROTECTION, _("Vulnerable adult"), TOT, restricted=True),
        Item(49, G.PROTECTION, _("Sexual and gender-based violence"), TOT, restricted=True),
        Item(50, G.PROTECTION, _("Violence (not sexual or gender-based)"), TOT, restricted=True),
        Item(51, G.IMMEDIATE, _("Unexpected death"), FLAG),
        Item(52, G.IMMEDIATE, _("Notifiable disease"), FLAG),
        Item(53, G.IMMEDIATE, _("Protection issues"), FLAG),
        Item(54, G.IMMEDIATE, _("Critical incident to the team or the community"), FLAG),
        Item(55, G.IMMEDIATE, _("Any other issue requiring immediate reporting"), FLAG),
        Item(56, G.COMMUNITY_RISK, _("Water, sanitation and hygiene"), FLAG),
        Item(57, G.COMMUNITY_RISK, _("Community outbreak or suspected infectious-disease outbreak"), FLAG),
        Item(58, G.COMMUNITY_RISK, _("Environmental risk or exposure"), FLAG),
        Item(59, G.COMMUNITY_RISK, _("Shelter and non-food items"), FLAG),
        Item(60, G.COMMUNITY_RISK, _("Food insecurity"), FLAG),
        Item(61, G.OPERATIONAL, _("Logistics and operational support"), FLAG),
        Item(62, G.OPERATIONAL, pgettext_lazy("MDS operational constraint", "Supply"), FLAG),
        Item(63, G.OPERATIONAL, _("Human resources"), FLAG),
        Item(64, G.OPERATIONAL, _("Finance"), FLAG),
        Item(65, G.OPERATIONAL, _("Others"), FLAG),
    ]


ITEMS: dict[int, Item] = {item.number: item for item in _items()}
SEX_ITEMS = (1, 2, 3)
TICK_ITEMS = tuple(range(4, 51))  # ticked per consultation
ISSUE_ITEMS = tuple(range(51, 66))  # flagged per team, site and day
CONTEXT_SLOTS = (19, 20, 21, 22)
RESTRICTED = frozenset(number for number, item in ITEMS.items() if item.restricted)
PROTECTION_ITEMS = (47, 48, 49, 50)
OBSTETRIC_PROCEDURES = (33, 34, 35)
RELATION_ITEMS = (44, 45, 46)
OUTCOME_ITEMS = tuple(range(36, 44))
UNDER_FIVE_GROUPS = (1, 2)

# Daily Report buckets (emt-mds.md §4). Age-band buckets follow the MDSa codes; "5p_unknown" holds
# legacy JPN1.00 consultations of "5 to 64", which feed ≥5 cells but no single 5-band cell.
AGE_BUCKETS = ("lt1", "1_4", "5_17", "18_64", "65p")
AGE_GROUP_BUCKET = {1: "lt1", 2: "1_4", 3: "5_17", 4: "18_64", 5: "65p", 0: "5p_unknown"}
BUCKET_LABELS: dict[str, Promise] = {
    "lt1": _("<1"),
    "1_4": _("1–4"),
    "5_17": _("5–17"),
    "18_64": _("18–64"),
    "65p": _("≥65"),
    "5p_unknown": _("≥5, band unknown"),
    "u5": _("<5"),
    "5p": _("≥5"),
    "total": _("Total"),
}


def buckets_for(number: int) -> tuple[str, ...]:
    """The Daily Report cells of an item (pregnancy has no cells for the under-5 bands)."""
    disaggregation = ITEMS[number].disaggregation
    if disaggregation == Disaggregation.AGE_BANDS:
        bands = AGE_BUCKETS if number != 3 else AGE_BUCKETS[2:]
        return (*bands, "5p_unknown")
    if disaggregation == Disaggregation.UNDER_FIVE:
        return ("u5", "5p")
    if disaggregation == Disaggregation.FIVE_AND_OVER:
        return ("5p",)
    if disaggregation == Disaggregation.TOTAL:
        return ("total",)
    return ()


def items_in(group: Group) -> list[Item]:
    return [item for item in ITEMS.values() if item.group == group]


def tick_groups() -> list[tuple[Group, list[Item]]]:
    """Groups of items 4–50 in form order, for capture pages and reports."""
    order: list[Group] = []
    for number in TICK_ITEMS:
        if ITEMS[number].group not in order:
            order.append(ITEMS[number].group)
    return [(group, items_in(group)) for group in order]


def issue_groups() -> list[tuple[Group, list[Item]]]:
    return [(group, items_in(group)) for group in (Group.IMMEDIATE, Group.COMMUNITY_RISK, Group.OPERATIONAL)]


def age_group_for(value: int | None, unit: str | None) -> int | None:
    """The MDS age group of an age given with its unit (``M`` months or ``Y`` years), or None when
    the age is unusable (emt-mds.md §2.1): under 12 months → <1; 12–59 months → 1–4; 60 months and
    over are counted in whole years."""
    if value is None or value < 0 or unit not in ("M", "Y"):
        return None
    years = value // 12 if unit == "M" else value
    if unit == "M" and value < 12:
        return 1
    if years < 1:
        return 1
    if years < 5:
        return 2
    if years < 18:
        return 3
    if years < 65:
        return 4
    if years <= 130:
        return 5
    return None
