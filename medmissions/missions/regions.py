"""WHO regions: which of the six regional offices each country belongs to.

Opportunity search filters by region ("anywhere in Africa") as MedicalMissions.org does, and the
WHO regions are the grouping health ministries and emergency medical teams already use. The table
covers the 194 WHO Member States, plus Palestine (an observer that takes part in the Eastern
Mediterranean region) and the associate members Puerto Rico and Tokelau. Territories WHO does not
list belong to no region and are found by country only.

Indonesia moved from South-East Asia to the Western Pacific on 23 May 2025 (decision of the 78th
World Health Assembly).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WhoRegion(models.TextChoices):
    AFRO = "AFRO", _("Africa")
    AMRO = "AMRO", _("Americas")
    SEARO = "SEARO", _("South-East Asia")
    EURO = "EURO", _("Europe")
    EMRO = "EMRO", _("Eastern Mediterranean")
    WPRO = "WPRO", _("Western Pacific")


_MEMBERS: dict[str, str] = {
    WhoRegion.AFRO: (
        "DZ AO BJ BW BF BI CV CM CF TD KM CG CI CD GQ ER SZ ET GA GM GH GN GW KE LS LR MG MW ML MR "
        "MU MZ NA NE NG RW ST SN SC SL ZA SS TG UG TZ ZM ZW"
    ),
    WhoRegion.AMRO: (
        "AG AR BS BB BZ BO BR CA CL CO CR CU DM DO EC SV GD GT GY HT HN JM MX NI PA PY PE KN LC VC "
        "SR TT US UY VE PR"
    ),
    WhoRegion.SEARO: "BD BT KP IN MV MM NP LK TH TL",
    WhoRegion.EURO: (
        "AL AD AM AT AZ BY BE BA BG HR CY CZ DK EE FI FR GE DE GR HU IS IE IL IT KZ KG LV LT LU MT "
        "MC ME NL MK NO PL PT MD RO RU SM RS SK SI ES SE CH TJ TR TM UA GB UZ"
    ),
    WhoRegion.EMRO: "AF BH DJ EG IR IQ JO KW LB LY MA OM PK QA SA SO SD SY TN AE YE PS",
    WhoRegion.WPRO: (
        "AU BN KH CN CK FJ JP KI LA MY MH FM MN NR NZ NU PW PG PH KR WS SG SB TO TV VU VN ID TK"
    ),
}

REGION_OF_COUNTRY: dict[str, str] = {
    code: region for region, codes in _MEMBERS.items() for code in codes.split()
}


def region_of(country_code: str | None) -> str | None:
    """The WHO region of an ISO 3166 alpha-2 country code, or None (unknown code or territory)."""
    if not country_code:
        return None
    return REGION_OF_COUNTRY.get(str(country_code).upper())


def countries_in(region: str) -> list[str]:
    """The country codes of a region, sorted (an unknown region has none)."""
    return sorted(code for code, found in REGION_OF_COUNTRY.items() if found == region)


def region_label(region: str | None) -> str:
    """The translated name of a region, e.g. "Africa"; empty for None or an unknown code."""
    if region in WhoRegion.values:
        return str(WhoRegion(region).label)
    return ""
