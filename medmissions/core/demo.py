"""The demo network behind ``medmissions seed-demo``: its data and the builder that loads it.

Everything is created through the service functions, with the person who would really act, so
the audit trail, permissions and validation are exercised exactly as in use. Only accounts are
created directly (there is no service for a pre-verified account), and a few display timestamps
are moved into the past afterwards (see :func:`_backdate`).

The organisations and people are fictional; the towns and their coordinates are real. Content is
about partnerships, never about patients.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.contrib.auth.hashers import make_password
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify

from medmissions.accounts.models import User
from medmissions.core import demo_clinics, demo_missions, demo_supplies, demo_volunteers
from medmissions.core.models import Language
from medmissions.organizations import services as organization_services
from medmissions.organizations.choices import OrganizationKind, Role
from medmissions.organizations.models import Capability, Membership, Organization, ValueTag
from medmissions.partnerships import health
from medmissions.partnerships import services as partnership_services
from medmissions.partnerships.choices import ActionItemStatus, PartyRole, Principle
from medmissions.partnerships.models import ActionItem, HealthCheck, Partnership, PartnershipParty
from medmissions.sites import services as site_services
from medmissions.sites.models import Site, SiteKind

DEMO_PASSWORD = "medmissions-demo"
EMAIL_DOMAIN = "demo.medmissions.org"
STAFF_LOGIN = "staff"
# The demo counts as loaded when its marker organisation exists with its demo admin as a member:
# a real organisation that happens to share the name does not hide a missing demo.
MARKER_ORGANIZATION = "kestrel"
MARKER_ADMIN_LOGIN = "hannah.whitfield"

ModelT = TypeVar("ModelT", bound=Model)


class DemoNotPossible(Exception):
    """The database cannot take the demo (reference data missing, or clashing records)."""


def email_for(login: str) -> str:
    return f"{login}@{EMAIL_DOMAIN}"


# --- People ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    login: str
    full_name: str
    time_zone: str
    memberships: tuple[tuple[str, str], ...] = ()  # (organisation key, role)
    language: str = "en"
    is_staff: bool = False

    @property
    def email(self) -> str:
        return email_for(self.login)


PEOPLE: tuple[PersonSpec, ...] = (
    PersonSpec("hannah.whitfield", "Hannah Whitfield", "Europe/London", (("kestrel", Role.ADMIN),)),
    PersonSpec("priya.nair", "Priya Nair", "Europe/London", (("kestrel", Role.COORDINATOR),)),
    PersonSpec("tom.ellison", "Tom Ellison", "Europe/London", (("kestrel", Role.MEMBER),)),
    PersonSpec("grace.mensah", "Grace Mensah", "Europe/London", (("kestrel", Role.VIEWER),)),
    PersonSpec("moses.wanyama", "Dr Moses Wanyama", "Africa/Kampala", (("elgon", Role.ADMIN),)),
    PersonSpec("irene.namono", "Irene Namono", "Africa/Kampala", (("elgon", Role.COORDINATOR),)),
    PersonSpec("peter.masaba", "Peter Masaba", "Africa/Kampala", (("elgon", Role.MEMBER),)),
    PersonSpec("joyce.nambozo", "Joyce Nambozo", "Africa/Kampala", (("elgon", Role.VIEWER),)),
    PersonSpec("amara.okello", "Amara Okello", "Africa/Kampala", (("kica", Role.ADMIN),)),
    PersonSpec("brenda.atim", "Brenda Atim", "Africa/Kampala", (("kica", Role.COORDINATOR),)),
    PersonSpec("patrick.opio", "Patrick Opio", "Africa/Kampala", (("kica", Role.MEMBER),)),
    PersonSpec("richard.hale", "Dr Richard Hale", "Europe/London", (("severnvale", Role.ADMIN),)),
    # A consultant anaesthetist who leads global health at her trust and volunteers with Kestrel:
    # the demo's person with two organisations and a different role in each.
    PersonSpec(
        "sarah.lindqvist",
        "Dr Sarah Lindqvist",
        "Europe/London",
        (("severnvale", Role.COORDINATOR), ("kestrel", Role.MEMBER)),
    ),
    PersonSpec("aisha.rahman", "Aisha Rahman", "Europe/London", (("severnvale", Role.MEMBER),)),
    PersonSpec("chikondi.banda", "Chikondi Banda", "Africa/Blantyre", (("lakeshore", Role.ADMIN),)),
    PersonSpec("limbani.phiri", "Limbani Phiri", "Africa/Blantyre", (("lakeshore", Role.COORDINATOR),)),
    PersonSpec("tiwonge.mwale", "Tiwonge Mwale", "Africa/Blantyre", (("lakeshore", Role.VIEWER),)),
    PersonSpec("achieng.odhiambo", "Prof. Achieng Odhiambo", "Africa/Nairobi", (("winam", Role.ADMIN),)),
    PersonSpec("kevin.otieno", "Kevin Otieno", "Africa/Nairobi", (("winam", Role.COORDINATOR),)),
    PersonSpec("mercy.atieno", "Mercy Atieno", "Africa/Nairobi", (("winam", Role.MEMBER),)),
    PersonSpec("daniel.brooks", "Daniel Brooks", "America/Chicago", (("lamplight", Role.ADMIN),)),
    PersonSpec("rachel.kim", "Rachel Kim", "America/Chicago", (("lamplight", Role.COORDINATOR),)),
    PersonSpec("karen.olsen", "Karen Olsen", "America/Chicago", (("shelfwise", Role.ADMIN),)),
    PersonSpec("marcus.johnson", "Marcus Johnson", "America/Chicago", (("shelfwise", Role.COORDINATOR),)),
    PersonSpec("dana.moreau", "Dana Moreau", "America/New_York", (("harbourlight", Role.ADMIN),)),
    PersonSpec("ruth.ellis", "Ruth Ellis", "America/New_York", (("wellspring", Role.ADMIN),)),
    PersonSpec("caleb.turner", "Caleb Turner", "America/New_York", (("wellspring", Role.MEMBER),)),
    PersonSpec("nadia.hussain", "Nadia Hussain", "Europe/London", (("thornbury", Role.ADMIN),)),
    PersonSpec("ben.ashworth", "Ben Ashworth", "Europe/London", (("thornbury", Role.VIEWER),)),
    PersonSpec(
        "jean-robert.pierre",
        "Dr Jean-Robert Pierre",
        "America/Port-au-Prince",
        (("klinik", Role.ADMIN),),
        language="fr",
    ),
    PersonSpec(
        "marie-claude.joseph",
        "Marie-Claude Joseph",
        "America/Port-au-Prince",
        (("klinik", Role.COORDINATOR),),
        language="fr",
    ),
    PersonSpec("sunita.gurung", "Dr Sunita Gurung", "Asia/Kathmandu", (("seti", Role.ADMIN),)),
    PersonSpec("bikash.thapa", "Bikash Thapa", "Asia/Kathmandu", (("seti", Role.COORDINATOR),)),
    PersonSpec("fatmata.kamara", "Fatmata Kamara", "Africa/Freetown", (("sewa", Role.ADMIN),)),
    PersonSpec("mohamed.sesay", "Mohamed Sesay", "Africa/Freetown", (("sewa", Role.COORDINATOR),)),
    PersonSpec(STAFF_LOGIN, "Alex Morgan", "Europe/London", is_staff=True),
    # Volunteers who sign in but belong to no organisation: their profiles are shared with one
    # (see demo_volunteers.py, which builds the volunteer profiles of these and other accounts).
    PersonSpec("omar.haddad", "Dr Omar Haddad", "Europe/London"),
    PersonSpec("isabel.reyes", "Isabel Reyes", "America/Chicago"),
)


# --- Organisations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationSpec:
    key: str
    name: str
    kind: str
    country: str
    area: str
    description: str
    values_statement: str
    value_tags: tuple[str, ...]
    capabilities: tuple[str, ...]
    languages: tuple[str, ...]
    verified: bool

    @property
    def slug(self) -> str:
        """The slug create_organization gives this name in a database without clashes."""
        return slugify(self.name)[:60]

    @property
    def website(self) -> str:
        # example.org is reserved for documentation, so a fictional site never points at a real one.
        return f"https://{self.slug}.example.org"

    @property
    def contact_email(self) -> str:
        return f"info@{self.slug}.example.org"


ORGANIZATIONS: tuple[OrganizationSpec, ...] = (
    OrganizationSpec(
        key="kestrel",
        name="Kestrel Global Health",
        kind=OrganizationKind.SECULAR_NGO,
        country="GB",
        area="Bristol, England",
        description=(
            "A UK charity of surgeons, anaesthetists, theatre nurses and biomedical engineers who support "
            "surgical and anaesthesia training with partner hospitals in East Africa. Volunteers travel only "
            "at a host hospital's request, work under the host's clinical governance and spend most of their "
            "time teaching alongside local trainers."
        ),
        values_statement=(
            "We go where we are invited and stay for the long term. Our host partners set the priorities; we "
            "measure success by what their own teams can do after we leave."
        ),
        value_tags=("host-led", "long-term", "capacity-building", "secular", "teaching", "safeguarding"),
        capabilities=(
            "surgery",
            "anaesthesia",
            "clinical-training",
            "training-of-trainers",
            "biomedical-engineering",
            "clinical-volunteers",
        ),
        languages=("en",),
        verified=True,
    ),
    OrganizationSpec(
        key="elgon",
        name="Elgon Ridge Hospital",
        kind=OrganizationKind.HOSPITAL,
        country="UG",
        area="Eastern Region, Mbale District",
        description=(
            "A 220-bed private not-for-profit hospital on the slopes of Mount Elgon serving Mbale, Sironko, "
            "Bududa and Kapchorwa districts. Departments include general surgery, obstetrics, paediatrics and "
            "a four-bed high-dependency unit. The hospital trains intern doctors and runs monthly outreach to "
            "hill communities."
        ),
        values_statement=(
            "Care close to home, delivered by a Ugandan team that keeps learning. Visiting partners join our "
            "plans and our rotas; they do not bring their own."
        ),
        value_tags=("host-led", "capacity-building", "teaching", "rural-health", "equity", "long-term"),
        capabilities=(
            "surgery",
            "maternal-health",
            "child-health",
            "emergency-care",
            "anaesthesia",
            "medical-education",
            "community-health",
        ),
        languages=("en", "lg", "sw"),
        verified=True,
    ),
    OrganizationSpec(
        key="kica",
        name="Kica Health Centre",
        kind=OrganizationKind.CLINIC,
        country="UG",
        area="Northern Region, Gulu District",
        description=(
            "A community health centre in Gulu offering antenatal care, deliveries, immunisation, HIV and TB "
            "care and a nutrition clinic. Kica means “mercy” in Acholi. The centre supervises forty village "
            "health team members in the surrounding sub-counties."
        ),
        values_statement=(
            "Mothers and families in northern Uganda deserve respectful care without long journeys. We work "
            "through the district health office and welcome partners who strengthen our own staff."
        ),
        value_tags=("community-led", "host-led", "equity", "gender-equity", "rural-health"),
        capabilities=(
            "primary-care",
            "maternal-health",
            "child-health",
            "infectious-disease",
            "nutrition",
            "community-health",
            "vaccination",
        ),
        languages=("en", "sw"),
        verified=False,
    ),
    OrganizationSpec(
        key="lamplight",
        name="Lamplight Medical Mission",
        kind=OrganizationKind.FAITH_BASED_NGO,
        country="US",
        area="Nashville, Tennessee",
        description=(
            "A Christian medical mission supported by churches in Tennessee and Kentucky. After years of "
            "short-term trips, Lamplight now sends midwives, paediatricians and nurses for placements of four "
            "to twelve weeks at the invitation of partner clinics, and funds local salaries between visits."
        ),
        values_statement=(
            "We serve because of our faith and serve everyone regardless of theirs. We follow our partners' "
            "lead and try to be honest about the limits of short-term help."
        ),
        value_tags=("faith-based", "host-led", "long-term", "safeguarding", "mutual-learning"),
        capabilities=("maternal-health", "child-health", "clinical-volunteers", "spiritual-care", "grants"),
        languages=("en",),
        verified=False,
    ),
    OrganizationSpec(
        key="lakeshore",
        name="Lakeshore Zonal Health Office",
        kind=OrganizationKind.MINISTRY,
        country="MW",
        area="Central Region, Salima",
        description=(
            "The zonal office coordinating public health services for the lakeshore districts of Malawi's "
            "Central Region: supervision of district health offices, the zonal medical store, immunisation "
            "logistics and the community health worker programme."
        ),
        values_statement=(
            "One district plan, one set of priorities. Partners are welcome when their work is in the district "
            "implementation plan and reported through the national health information system."
        ),
        value_tags=(
            "host-led",
            "sustainability",
            "equity",
            "transparency",
            "rural-health",
            "local-procurement",
        ),
        capabilities=(
            "vaccination",
            "community-health",
            "surveillance",
            "health-information",
            "warehousing",
            "cold-chain",
            "leadership",
        ),
        languages=("en", "ny"),
        verified=True,
    ),
    OrganizationSpec(
        key="winam",
        name="Winam Gulf School of Medicine",
        kind=OrganizationKind.UNIVERSITY,
        country="KE",
        area="Kisumu County",
        description=(
            "A medical and nursing school on the shore of Lake Victoria training doctors, nurses, midwives and "
            "clinical officers for western Kenya. Its skills and simulation centre is open to county health "
            "staff, and its community health programme works with neighbourhoods around Kisumu."
        ),
        values_statement=(
            "Education that stays in the region: our graduates serve western Kenya, and our partnerships are "
            "exchanges between equals."
        ),
        value_tags=("teaching", "mutual-learning", "bidirectional", "evidence-based", "equity"),
        capabilities=(
            "medical-education",
            "nursing-midwifery-education",
            "simulation",
            "cpd",
            "operational-research",
            "community-health",
        ),
        languages=("en", "sw", "luo"),
        verified=True,
    ),
    OrganizationSpec(
        key="severnvale",
        name="Severnvale Teaching Hospitals Trust",
        kind=OrganizationKind.HEALTH_SYSTEM_EMPLOYER,
        country="GB",
        area="Gloucestershire, England",
        description=(
            "A public hospital trust in the west of England with two acute hospitals. Its global health office "
            "releases clinicians for partnership work abroad, supports returning staff to share what they "
            "learned, and hosts observerships for colleagues from partner institutions."
        ),
        values_statement=(
            "Global health partnerships make better clinicians on both sides. We release staff for partner-led "
            "work, count it as professional development, and expect to learn as much as we teach."
        ),
        value_tags=("bidirectional", "mutual-learning", "teaching", "evidence-based", "environment"),
        capabilities=(
            "clinical-training",
            "simulation",
            "cpd",
            "exchanges",
            "quality-improvement",
            "emergency-care",
            "anaesthesia",
        ),
        languages=("en",),
        verified=True,
    ),
    OrganizationSpec(
        key="shelfwise",
        name="Shelfwise Medical Surplus",
        kind=OrganizationKind.SUPPLY_DONOR,
        country="US",
        area="Minneapolis, Minnesota",
        description=(
            "Recovers unused, in-date medical supplies and serviceable equipment from hospitals in the upper "
            "Midwest and ships them to partner facilities. Every shipment starts from the recipient's own "
            "list; nothing is sent that was not asked for."
        ),
        values_statement=(
            "Donations should answer a need the recipient names, follow the WHO guidelines on medicine and "
            "equipment donations, and never undercut local suppliers."
        ),
        value_tags=(
            "who-donation-guidelines",
            "local-procurement",
            "sustainability",
            "environment",
            "transparency",
        ),
        capabilities=("supply-donation", "warehousing", "transport", "biomedical-engineering", "in-kind"),
        languages=("en", "fr"),
        verified=True,
    ),
    OrganizationSpec(
        key="harbourlight",
        name="Harbourlight Medical Aid",
        kind=OrganizationKind.SUPPLY_DONOR,
        country="US",
        area="Baltimore, Maryland",
        description=(
            "Donates essential medicines bought from quality-assured generic manufacturers, in hospital packs, "
            "with at least eighteen months of shelf life, to mission teams and partner hospitals that ask "
            "for them."
        ),
        values_statement=(
            "We give what was asked for, labelled in a language the recipient reads, and we publish where "
            "every lot went."
        ),
        value_tags=("who-donation-guidelines", "transparency"),
        capabilities=("supply-donation", "in-kind"),
        languages=("en", "fr"),
        verified=True,
    ),
    OrganizationSpec(
        key="wellspring",
        name="Wellspring Fellowship Church",
        kind=OrganizationKind.CHURCH,
        country="US",
        area="Asheville, North Carolina",
        description=(
            "A congregation whose global outreach committee has partnered with a clinic in northern Haiti for "
            "ten years. Members fund community health worker stipends and, when it is safe, send small teams "
            "to help with logistics on clinic days and school health visits."
        ),
        values_statement=(
            "We want to be good guests and faithful friends: listening first, giving steadily, and letting our "
            "Haitian partners decide what help looks like."
        ),
        value_tags=("faith-based", "long-term", "community-led", "safeguarding"),
        capabilities=("grants", "in-kind", "health-promotion"),
        languages=("en", "fr"),
        verified=False,
    ),
    OrganizationSpec(
        key="thornbury",
        name="Thornbury Health Equity Fund",
        kind=OrganizationKind.FUNDER,
        country="GB",
        area="London, England",
        description=(
            "An independent grant-making foundation funding partnerships that strengthen health systems in "
            "low-income countries: grants of £20,000–£150,000 over two to three years, with a preference for "
            "applications led by the host institution."
        ),
        values_statement=(
            "We fund host-led work, accept reports in the formats partners already use and publish every grant "
            "we make."
        ),
        value_tags=("equity", "host-led", "transparency", "sustainability", "gender-equity"),
        capabilities=("grants", "monitoring-evaluation", "operational-research"),
        languages=("en",),
        verified=True,
    ),
    OrganizationSpec(
        key="klinik",
        name="Klinik Lespwa Nò",
        kind=OrganizationKind.CLINIC,
        country="HT",
        area="Nord, Cap-Haïtien",
        description=(
            "A community clinic in Cap-Haïtien (“Hope of the North” in Haitian Creole) providing primary care, "
            "prenatal care and vaccination, with mobile clinic days in Milot and a school health programme in "
            "Limbé run by its community health workers."
        ),
        values_statement=(
            "Haitian-led care for our neighbours. We choose our partners carefully and ask visitors to come "
            "to learn with us."
        ),
        value_tags=("community-led", "host-led", "equity", "rural-health"),
        capabilities=("primary-care", "maternal-health", "vaccination", "wash", "health-promotion"),
        languages=("ht", "fr"),
        verified=False,
    ),
    OrganizationSpec(
        key="seti",
        name="Seti River Community Hospital",
        kind=OrganizationKind.HOSPITAL,
        country="NP",
        area="Gandaki Province, Kaski District",
        description=(
            "A 120-bed community hospital in Pokhara serving Kaski and the hill districts to the west. Its "
            "emergency department receives road-traffic and trekking injuries; it runs a satellite health "
            "post in Baglung and a nurse training programme."
        ),
        values_statement=(
            "Quality care for hill communities at prices families can afford, with partners who help us build "
            "skills that stay in Nepal."
        ),
        value_tags=("capacity-building", "rural-health", "equity", "long-term"),
        capabilities=("emergency-care", "surgery", "maternal-health", "rehabilitation", "clinical-training"),
        languages=("ne", "en"),
        verified=True,
    ),
    OrganizationSpec(
        key="sewa",
        name="Sewa Valley Health Alliance",
        kind=OrganizationKind.SECULAR_NGO,
        country="SL",
        area="Southern Province, Bo",
        description=(
            "A Sierra Leonean network of community health workers and nurses based in Bo, many of whom worked "
            "in the Ebola response. It supports primary care, outreach and disease surveillance in Bo, Kenema "
            "and Moyamba districts together with the district health management teams."
        ),
        values_statement=(
            "Communities first: we build on the trust earned during the Ebola response, and we work through "
            "the district health system, never around it."
        ),
        value_tags=("community-led", "host-led", "equity", "sustainability", "transparency"),
        capabilities=(
            "community-health",
            "outbreak-response",
            "surveillance",
            "eye-care",
            "health-promotion",
            "primary-care",
        ),
        languages=("en", "kri"),
        verified=False,
    ),
)


# --- Sites -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteSpec:
    host: str  # organisation key
    created_by: str  # a coordinator of the host
    name: str
    kind: str
    town: str
    admin_level_1: str
    admin_level_2: str
    latitude: str
    longitude: str
    languages: tuple[str, ...]
    culture: str
    customs: str
    security: str


SITES: tuple[SiteSpec, ...] = (
    SiteSpec(
        "elgon",
        "irene.namono",
        "Elgon Ridge Hospital, main campus",
        SiteKind.HOSPITAL,
        "Mbale",
        "Eastern Region",
        "Mbale District",
        "1.080400",
        "34.175000",
        ("en", "lg", "sw"),
        culture=(
            "Most patients speak Lumasaba, Luganda or English; ward staff interpret. In even-numbered years "
            "August brings the Imbalu circumcision season: roads are busy with celebrations and the hospital "
            "plans extra cover."
        ),
        customs=(
            "Greet everyone before starting a conversation and use titles (Dr, Sister). Dress modestly on the "
            "wards; scrubs only in theatre. Never photograph patients."
        ),
        security=(
            "Mbale is generally calm. Travel between Kampala and Mbale by day only; the hospital collects "
            "visitors from the bus park. Keep valuables out of sight in the central market."
        ),
    ),
    SiteSpec(
        "elgon",
        "irene.namono",
        "Budadiri hill outreach point",
        SiteKind.MOBILE_OUTREACH,
        "Budadiri",
        "Eastern Region",
        "Sironko District",
        "1.166700",
        "34.333300",
        ("en", "lg"),
        culture=(
            "Outreach days are held at the sub-county grounds on the first Tuesday of the month; village "
            "health team members invite families the week before."
        ),
        customs=(
            "The local council chairperson opens the day; greet them on arrival. Teams share lunch with the "
            "village health team."
        ),
        security=(
            "Hill roads turn slippery in the rains (March–May, August–November): the hospital driver decides "
            "whether to travel. Leave before 17:00."
        ),
    ),
    SiteSpec(
        "elgon",
        "irene.namono",
        "Kapchorwa health post",
        SiteKind.HEALTH_POST,
        "Kapchorwa",
        "Eastern Region",
        "Kapchorwa District",
        "1.400000",
        "34.450000",
        ("en", "sw"),
        culture=(
            "Most families are Sabiny and speak Kupsabiny; the nurse in charge interprets. Many distance "
            "runners train here, so expect runners on the roads early in the morning."
        ),
        customs="The post is small: visiting groups of more than four split across days. Ask before moving equipment.",
        security=(
            "At about 1,900 m nights are cold. Mobile coverage is patchy beyond the town: tell the nurse in "
            "charge your route."
        ),
    ),
    SiteSpec(
        "kica",
        "brenda.atim",
        "Kica Health Centre",
        SiteKind.CLINIC,
        "Gulu",
        "Northern Region",
        "Gulu District",
        "2.772400",
        "32.288100",
        ("en", "sw"),
        culture=(
            "Gulu is an Acholi city; Acholi is the main language and staff interpret. Many people lived "
            "through the conflict that ended in 2006: do not ask about those years unless people raise them."
        ),
        customs=(
            "Greet elders with a handshake, supporting your right forearm with your left hand. Staff meetings "
            "open with a short prayer; join or stand quietly."
        ),
        security=(
            "Gulu is calm. Use motorcycle taxis only with a helmet and a driver known to the centre; after "
            "dark use the centre's vehicle."
        ),
    ),
    SiteSpec(
        "kica",
        "brenda.atim",
        "Kitgum outreach point",
        SiteKind.MOBILE_OUTREACH,
        "Kitgum",
        "Northern Region",
        "Kitgum District",
        "3.288900",
        "32.877800",
        ("en",),
        culture="Monthly antenatal and immunisation outreach, run with the Kitgum district health team.",
        customs="Village health team members lead the community conversations; visitors support rather than speak first.",
        security="The road from Gulu takes about two hours: travel in the centre's vehicle, by day, and carry water.",
    ),
    SiteSpec(
        "lakeshore",
        "limbani.phiri",
        "Lakeshore zonal medical store",
        SiteKind.WAREHOUSE,
        "Lilongwe",
        "Central Region",
        "Lilongwe District",
        "-13.962600",
        "33.774100",
        ("en", "ny"),
        culture="Receives, stores and dispatches medicines and vaccines for the lakeshore districts.",
        customs=(
            "Visitors sign in at the gate and are escorted. Donated goods are received only with a signed "
            "pre-shipment agreement and a packing list that matches the district's request."
        ),
        security="No photography inside the store. Do not carry cash or valuables on site visits.",
    ),
    SiteSpec(
        "lakeshore",
        "limbani.phiri",
        "Senga Bay health post",
        SiteKind.HEALTH_POST,
        "Senga Bay",
        "Central Region",
        "Salima District",
        "-13.716700",
        "34.616700",
        ("ny", "en"),
        culture="A fishing community on Lake Malawi: attendance drops on mornings when the catch comes in early.",
        customs=(
            "Greet in Chichewa (“Moni, muli bwanji?”) and wait to be offered a seat. In villages women "
            "usually wear a chitenje wrap over trousers."
        ),
        security=(
            "Malaria risk is high all year: sleep under a net. Bilharzia is present in the lake; avoid "
            "swimming near reeds."
        ),
    ),
    SiteSpec(
        "lakeshore",
        "limbani.phiri",
        "Nkhotakota lakeshore outreach point",
        SiteKind.MOBILE_OUTREACH,
        "Nkhotakota",
        "Central Region",
        "Nkhotakota District",
        "-12.916700",
        "34.300000",
        ("ny",),
        culture="Outreach for immunisation and growth monitoring, planned with the district health office.",
        customs="Health surveillance assistants lead each session; visitors follow their schedule.",
        security="The lakeshore road floods in places from January to March; check with the zonal office before travelling.",
    ),
    SiteSpec(
        "lakeshore",
        "limbani.phiri",
        "Dedza community health workers' base",
        SiteKind.COMMUNITY,
        "Dedza",
        "Central Region",
        "Dedza District",
        "-14.366700",
        "34.333300",
        ("ny", "en"),
        culture="Base for the health surveillance assistants who cover the hill villages near the Mozambique border.",
        customs="Meetings start with introductions of everyone present; allow time for them.",
        security="Dedza sits at about 1,600 m and is cold from June to August. The M1 is busy with trucks: avoid night driving.",
    ),
    SiteSpec(
        "winam",
        "kevin.otieno",
        "Winam Gulf skills and simulation centre",
        SiteKind.SCHOOL,
        "Kisumu",
        "Kisumu County",
        "Kisumu Central",
        "-0.091700",
        "34.768000",
        ("en", "sw"),
        culture="Teaching is in English; students and staff switch to Swahili or Dholuo among themselves.",
        customs="Students address faculty by title. Visiting educators co-teach with a Winam Gulf tutor.",
        security="Kisumu is generally safe by day. Use registered taxis at night and avoid large gatherings at election times.",
    ),
    SiteSpec(
        "winam",
        "kevin.otieno",
        "Nyalenda community health unit",
        SiteKind.COMMUNITY,
        "Kisumu",
        "Kisumu County",
        "Kisumu Central",
        "-0.104700",
        "34.773600",
        ("luo", "sw", "en"),
        culture=(
            "An informal settlement where community health promoters know every household. Visits are always "
            "led by a promoter."
        ),
        customs="Ask the household's permission before entering a compound; do not photograph homes or people.",
        security="Visit in daylight with a community health promoter; carry little and dress simply.",
    ),
    SiteSpec(
        "winam",
        "kevin.otieno",
        "Siaya rural teaching clinic",
        SiteKind.CLINIC,
        "Siaya",
        "Siaya County",
        "Alego Usonga",
        "0.061100",
        "34.288100",
        ("luo", "sw", "en"),
        culture="Most patients speak Dholuo; the clinic's nurses interpret for visiting staff.",
        customs="Students on placement join the morning handover at 8:00.",
        security="The Kisumu–Siaya road is good; the school minibus leaves Kisumu at 7:00 and returns by 17:30.",
    ),
    SiteSpec(
        "klinik",
        "marie-claude.joseph",
        "Klinik Lespwa Nò, main clinic",
        SiteKind.CLINIC,
        "Cap-Haïtien",
        "Nord",
        "Cap-Haïtien",
        "19.757800",
        "-72.204400",
        ("ht", "fr"),
        culture="Patients speak Haitian Creole; French is used in records. Interpreters are arranged by the clinic.",
        customs=(
            "Greet everyone in the room (“Bonjou”) before anything else. Dress neatly; clinic staff take pride "
            "in professional appearance."
        ),
        security=(
            "Movements are planned daily with the clinic director. Travel only with the clinic's driver, never "
            "after dark, and follow current government travel advice."
        ),
    ),
    SiteSpec(
        "klinik",
        "marie-claude.joseph",
        "Milot mobile clinic point",
        SiteKind.MOBILE_OUTREACH,
        "Milot",
        "Nord",
        "Acul-du-Nord",
        "19.610300",
        "-72.213600",
        ("ht",),
        culture="Clinic days are held at the church hall near the town square with the community health workers.",
        customs="Community health workers triage and lead; visitors help with registration and logistics.",
        security="Mobile clinic days go ahead only when the director confirms the road is safe that morning.",
    ),
    SiteSpec(
        "klinik",
        "marie-claude.joseph",
        "Limbé school health programme",
        SiteKind.SCHOOL,
        "Limbé",
        "Nord",
        "Limbé",
        "19.700000",
        "-72.400000",
        ("ht", "fr"),
        culture="School health days cover hygiene, nutrition and vaccination catch-up, with parents' consent.",
        customs="Head teachers set the timetable. No photographs of children.",
        security="Travel with the clinic team only; sessions end by 13:00.",
    ),
    SiteSpec(
        "seti",
        "bikash.thapa",
        "Seti River Community Hospital",
        SiteKind.HOSPITAL,
        "Pokhara",
        "Gandaki Province",
        "Kaski District",
        "28.209600",
        "83.985600",
        ("ne", "en"),
        culture="Records are in English; most patients speak Nepali or Gurung. Hindu and Buddhist festivals shape the calendar.",
        customs=(
            "Greet with “Namaste” and palms together. Remove shoes where others do; use your right hand to "
            "give and receive."
        ),
        security="Pokhara is safe for visitors. Monsoon (June–September) brings landslides on hill roads: ask before travelling out of the valley.",
    ),
    SiteSpec(
        "seti",
        "bikash.thapa",
        "Baglung satellite health post",
        SiteKind.HEALTH_POST,
        "Baglung",
        "Gandaki Province",
        "Baglung District",
        "28.266700",
        "83.600000",
        ("ne",),
        culture="Serves hill villages along the Kali Gandaki; many patients walk several hours to reach it.",
        customs="Visiting staff work under the health post's senior auxiliary health worker.",
        security="The road from Pokhara takes about three hours; in monsoon check for landslides before leaving.",
    ),
    SiteSpec(
        "sewa",
        "mohamed.sesay",
        "Bo community health hub",
        SiteKind.COMMUNITY,
        "Bo",
        "Southern Province",
        "Bo District",
        "7.964700",
        "-11.738300",
        ("kri", "en"),
        culture="Mende is the main language in Bo; Krio is spoken everywhere. The hub trains and supervises community health workers.",
        customs="Greet paramount chiefs' representatives first at community meetings; wait to be invited to speak.",
        security="Bo is calm. Travel between districts by day in the alliance's vehicle; roads are slow in the rains (May–October).",
    ),
    SiteSpec(
        "sewa",
        "mohamed.sesay",
        "Kenema outreach clinic",
        SiteKind.CLINIC,
        "Kenema",
        "Eastern Province",
        "Kenema District",
        "7.876400",
        "-11.190000",
        ("kri", "en"),
        culture="Weekly screening and referral clinic run with the district health management team; Mende is widely spoken.",
        customs="Report to the nurse in charge on arrival; every visitor is briefed on infection prevention first.",
        security=(
            "Lassa fever is endemic in the district: follow the clinic's infection prevention rules strictly. "
            "The road from Bo takes about 90 minutes; travel by day."
        ),
    ),
    SiteSpec(
        "sewa",
        "mohamed.sesay",
        "Moyamba mobile outreach point",
        SiteKind.MOBILE_OUTREACH,
        "Moyamba",
        "Southern Province",
        "Moyamba District",
        "8.160000",
        "-12.430000",
        ("kri",),
        culture="Mende and Sherbro are spoken; community health workers interpret.",
        customs="Outreach starts after the town chief's welcome; the team lead introduces visitors.",
        security="Unpaved roads: four-wheel drive only in the rains, and leave by 16:00 to return to Bo in daylight.",
    ),
)


# --- Partnerships ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnershipSpec:
    key: str
    title: str
    shared_goals: str
    proposer: str  # organisation key
    proposed_by: str  # login of a coordinator or admin of the proposer
    parties: tuple[tuple[str, str], ...]  # (organisation key, party role)
    focus_areas: tuple[str, ...]
    start_in_days: int | None
    end_in_days: int | None
    review_in_days: int | None
    is_public: bool
    proposed_days_ago: int
    confirmations: tuple[tuple[str, int], ...] = ()  # (login of a host admin, days ago)
    status_change: tuple[str, str, str] | None = None  # (transition, login, reason)


PARTNERSHIPS: tuple[PartnershipSpec, ...] = (
    PartnershipSpec(
        key="elgon-surgery",
        title="Elgon safe surgery and anaesthesia training",
        shared_goals=(
            "Elgon Ridge Hospital leads a three-year plan to make emergency and elective surgery safer: every "
            "theatre uses the WHO Surgical Safety Checklist; Ugandan anaesthetic officers and surgeons qualify "
            "as instructors and run the hospital's own safe-surgery courses; theatre equipment is maintained "
            "by the hospital's biomedical technician with parts bought in Uganda. Visiting clinicians teach "
            "alongside Elgon Ridge's instructors within the hospital's clinical governance."
        ),
        proposer="kestrel",
        proposed_by="priya.nair",
        parties=(
            ("kestrel", PartyRole.SENDING),
            ("elgon", PartyRole.HOST),
            ("severnvale", PartyRole.TRAINING),
        ),
        focus_areas=("surgery", "anaesthesia", "training-of-trainers", "biomedical-engineering"),
        start_in_days=-760,
        end_in_days=335,
        review_in_days=21,
        is_public=True,
        proposed_days_ago=800,
        confirmations=(("moses.wanyama", 770),),
    ),
    PartnershipSpec(
        key="gulu-maternal",
        title="Gulu maternal and newborn care",
        shared_goals=(
            "Bring skilled care closer to mothers around Gulu: monthly antenatal and immunisation outreach in "
            "Kitgum and the rural sub-counties, newborn resuscitation training for Kica's midwives, and a "
            "delivery room kept stocked from Kica's own supply list. Lamplight funds two midwife posts while "
            "the district recruits permanent staff; Shelfwise ships only what Kica's pharmacist requests."
        ),
        proposer="kica",
        proposed_by="brenda.atim",
        parties=(("kica", PartyRole.HOST), ("lamplight", PartyRole.SENDING), ("shelfwise", PartyRole.SUPPLY)),
        focus_areas=("maternal-health", "child-health", "community-health", "supply-donation"),
        start_in_days=-420,
        end_in_days=310,
        review_in_days=45,
        is_public=False,
        proposed_days_ago=450,
        confirmations=(("amara.okello", 425),),
    ),
    PartnershipSpec(
        key="pokhara-emergency",
        title="Pokhara emergency triage and trauma skills",
        shared_goals=(
            "At Seti River Community Hospital's request: introduce a triage system in the emergency department "
            "suited to its case mix of road-traffic and trekking injuries, co-deliver a trauma skills course "
            "with the hospital's emergency doctors, and offer two Nepali nurses a four-week observership in "
            "Gloucestershire each year."
        ),
        proposer="severnvale",
        proposed_by="sarah.lindqvist",
        parties=(("severnvale", PartyRole.TRAINING), ("seti", PartyRole.HOST)),
        focus_areas=("emergency-care", "clinical-training", "simulation", "exchanges"),
        start_in_days=75,
        end_in_days=805,
        review_in_days=165,
        is_public=False,
        proposed_days_ago=6,
    ),
    PartnershipSpec(
        key="uganda-referral",
        title="Uganda obstetric emergency referral network",
        shared_goals=(
            "Two Ugandan facilities share what works: Elgon Ridge's obstetric emergency drills and referral "
            "ambulance rota, and Kica's community birth-preparedness plans. Together they agree referral "
            "protocols with their district health offices, track referral times in DHIS2 and report jointly "
            "to Thornbury."
        ),
        proposer="elgon",
        proposed_by="irene.namono",
        parties=(("elgon", PartyRole.HOST), ("kica", PartyRole.HOST), ("thornbury", PartyRole.FUNDING)),
        focus_areas=("maternal-health", "emergency-care", "health-information", "transport"),
        start_in_days=30,
        end_in_days=760,
        review_in_days=120,
        is_public=False,
        proposed_days_ago=12,
        confirmations=(("moses.wanyama", 10),),
    ),
    PartnershipSpec(
        key="haiti-community",
        title="Cap-Haïtien community health workers and school health",
        shared_goals=(
            "Support Klinik Lespwa Nò's twelve community health workers with stipends, training and supplies; "
            "run monthly school health days in Limbé on hygiene, nutrition and vaccination catch-up. Visiting "
            "church teams help with logistics and children's activities at the clinic's request, not with "
            "clinical care."
        ),
        proposer="klinik",
        proposed_by="marie-claude.joseph",
        parties=(("klinik", PartyRole.HOST), ("wellspring", PartyRole.SENDING)),
        focus_areas=("community-health", "health-promotion", "wash", "vaccination"),
        start_in_days=-1100,
        end_in_days=None,
        review_in_days=30,
        is_public=False,
        proposed_days_ago=1130,
        confirmations=(("jean-robert.pierre", 1110),),
        status_change=(
            "pause",
            "jean-robert.pierre",
            "Paused by agreement: road insecurity between Cap-Haïtien and Milot has stopped the mobile clinic "
            "days, and visiting teams cannot travel safely. The clinic's own work continues; both parties will "
            "review on the next review date, after the clinic's updated security assessment.",
        ),
    ),
    PartnershipSpec(
        key="bo-eye",
        title="Bo and Moyamba community eye screening",
        shared_goals=(
            "Train sixty community health workers to screen for cataract and refractive error, refer patients "
            "to the district eye unit in Bo and provide reading glasses at cost. Thornbury funds training, "
            "transport and a part-time data officer for two years."
        ),
        proposer="sewa",
        proposed_by="mohamed.sesay",
        parties=(("sewa", PartyRole.HOST), ("thornbury", PartyRole.FUNDING)),
        focus_areas=("eye-care", "community-health", "monitoring-evaluation"),
        start_in_days=-1000,
        end_in_days=-270,
        review_in_days=None,
        is_public=True,
        proposed_days_ago=1030,
        confirmations=(("fatmata.kamara", 1010),),
        status_change=(
            "close",
            "fatmata.kamara",
            "Closed as planned at the end of the two-year grant. Screening is now part of the Bo and Moyamba "
            "district health management teams' outreach schedule, and the final report has been shared with "
            "both boards.",
        ),
    ),
    PartnershipSpec(
        key="kisumu-exchange",
        title="Kisumu–Gloucestershire nursing and midwifery exchange",
        shared_goals=(
            "A two-way exchange between equals: Winam Gulf's midwifery tutors and Severnvale's practice "
            "educators co-design simulation scenarios for postpartum haemorrhage and pre-eclampsia, run them "
            "in both countries and publish what they learn together. Four placements each way per year, with "
            "costs shared."
        ),
        proposer="winam",
        proposed_by="kevin.otieno",
        parties=(("winam", PartyRole.HOST), ("severnvale", PartyRole.ACADEMIC)),
        focus_areas=("nursing-midwifery-education", "simulation", "exchanges", "cpd"),
        start_in_days=-540,
        end_in_days=555,
        review_in_days=90,
        is_public=True,
        proposed_days_ago=570,
        confirmations=(("achieng.odhiambo", 545),),
    ),
    PartnershipSpec(
        key="lakeshore-cold-chain",
        title="Lakeshore cold chain and essential medicines",
        shared_goals=(
            "Keep vaccines and essential medicines usable all the way to the lakeshore health posts: solar "
            "fridges at six health posts, temperature monitoring reported to the zonal office, and donated "
            "supplies only against the zonal store's own requests, following the WHO donation guidelines."
        ),
        proposer="lakeshore",
        proposed_by="limbani.phiri",
        parties=(
            ("lakeshore", PartyRole.HOST),
            ("shelfwise", PartyRole.SUPPLY),
            ("thornbury", PartyRole.FUNDING),
        ),
        focus_areas=("cold-chain", "warehousing", "vaccination", "supply-donation"),
        start_in_days=-240,
        end_in_days=490,
        review_in_days=-5,  # overdue, so the dashboard shows a review that slipped
        is_public=False,
        proposed_days_ago=260,
        confirmations=(("chikondi.banda", 245),),
    ),
)


# --- Health checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyScores:
    organization: str
    scored_by: str
    # (score, evidence) for principles 1, 2, … in order; fewer than ten leaves the rest unscored.
    scores: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class RoundSpec:
    partnership: str
    opened_by: str
    opened_days_ago: int
    parties: tuple[PartyScores, ...]
    completed_by: str | None = None
    completed_days_ago: int | None = None
    summary: str = ""


ROUNDS: tuple[RoundSpec, ...] = (
    RoundSpec(
        partnership="elgon-surgery",
        opened_by="priya.nair",
        opened_days_ago=400,
        completed_by="priya.nair",
        completed_days_ago=380,
        summary=(
            "First round. Shared objectives and flexibility are strong. The gaps: course content is decided "
            "in the UK (respectful), courses stop when visitors leave (effective), budget and staff release "
            "are informal (organised), opportunities flow one way (equity) and nobody has considered the "
            "travel footprint (climate). Action plan agreed at the joint review in Mbale."
        ),
        parties=(
            PartyScores(
                "kestrel",
                "priya.nair",
                (
                    (
                        4,
                        "Objectives were agreed at the joint planning workshop in Mbale and written into the MoU.",
                    ),
                    (
                        4,
                        "Course content follows Ministry of Health clinical guidelines and the hospital's plan.",
                    ),
                    (
                        3,
                        "Checklist use rises during visits and falls between them (82% during, 41% between).",
                    ),
                    (
                        4,
                        "Volunteers have a cultural briefing and work under Elgon Ridge's clinical governance.",
                    ),
                    (3, "The MoU is signed; the budget is reported to Kestrel's trustees once a year."),
                    (
                        4,
                        "Registration, references and criminal record checks are verified for every volunteer.",
                    ),
                    (4, "We moved to remote teaching within a week when the March visit was cancelled."),
                    (3, "Course feedback is collected but not yet analysed together with Elgon Ridge."),
                    (
                        3,
                        "We pay for Ugandan staff time, but volunteers' travel costs dwarf the local budget.",
                    ),
                    (
                        2,
                        "Four visits a year by air are our largest footprint; we have no plan to reduce them.",
                    ),
                ),
            ),
            PartyScores(
                "elgon",
                "irene.namono",
                (
                    (
                        3,
                        "Objectives are written down, but the training calendar follows volunteers' availability.",
                    ),
                    (
                        4,
                        "The work is in our strategic plan and reported to the district health office quarterly.",
                    ),
                    (2, "Courses stop when visitors leave; none of our own staff can teach the course yet."),
                    (
                        2,
                        "Visitors are courteous, but course content is decided in the UK and shared afterwards.",
                    ),
                    (
                        3,
                        "We have not seen the partnership budget; staff-time reimbursements arrive months late.",
                    ),
                    (
                        3,
                        "Volunteers are checked in the UK, but nobody takes them through our safeguarding policy.",
                    ),
                    (4, "Both sides adapted the course quickly when our oxygen plant failed."),
                    (3, "Learning mostly flows one way; we have not evaluated the programme together."),
                    (2, "Our staff have no chance to teach or present abroad; UK authors are listed first."),
                    (
                        3,
                        "Solar backup for theatres matters to us but has not been discussed in the partnership.",
                    ),
                ),
            ),
            PartyScores(
                "severnvale",
                "sarah.lindqvist",
                (
                    (4, "Our released staff know which courses they support and why."),
                    (
                        3,
                        "We rely on partners for alignment; staff are not briefed on the Ugandan health system.",
                    ),
                    (3, "Participants rate the courses highly, but there is no follow-up between visits."),
                    (4, "Our clinicians describe warm, collegial working relationships."),
                    (2, "Release of our staff is informal and depends on each department's goodwill."),
                    (3, "Indemnity for staff working abroad was clarified only after the first visit."),
                    (4, "Remote case reviews made good use of clinicians who could not travel."),
                    (3, "Returning staff share reflections internally, not with Elgon Ridge."),
                    (3, "We recognise the imbalance of opportunity but have no plan to address it yet."),
                    (2, "Not yet considered in our global health work."),
                ),
            ),
        ),
    ),
    RoundSpec(
        partnership="elgon-surgery",
        opened_by="irene.namono",
        opened_days_ago=45,
        completed_by="irene.namono",
        completed_days_ago=20,
        summary=(
            "Clear progress: Elgon Ridge's education committee now sets course content, two Ugandan "
            "anaesthetic officers lead courses and the host runs the safeguarding induction. Budget reporting "
            "to Elgon Ridge is still irregular, and the travel footprint remains the weakest principle."
        ),
        parties=(
            PartyScores(
                "kestrel",
                "priya.nair",
                (
                    (
                        4,
                        "The three-year plan was reviewed by all parties; priorities for year three are agreed.",
                    ),
                    (
                        5,
                        "Elgon Ridge's education committee maps each course to national clinical guidelines.",
                    ),
                    (4, "Checklist use is 78% between visits (latest audit by Elgon Ridge's theatre lead)."),
                    (4, "Course content is set in Mbale; volunteers apply to join specific courses."),
                    (4, "A budget summary was shared with all parties in the spring."),
                    (4, "Every volunteer completes Elgon Ridge's safeguarding induction on the first day."),
                    (4, "A visit became a remote course when floods closed the road to Mbale."),
                    (4, "The first joint audit of checklist use was presented at both hospitals."),
                    (
                        3,
                        "Two Elgon Ridge staff will present at a regional conference; costs still flow one way.",
                    ),
                    (
                        2,
                        "Visits are down from four to three a year, but flights remain our largest footprint.",
                    ),
                ),
            ),
            PartyScores(
                "elgon",
                "peter.masaba",
                (
                    (4, "The training calendar is now set around our theatre lists and intern rotations."),
                    (4, "Courses are in our annual plan and reported to the district health office."),
                    (3, "Two of our anaesthetic officers lead courses; we still need a surgical instructor."),
                    (4, "We decide content and dates; visitors ask before changing anything."),
                    (2, "One budget summary this year and no regular report; reimbursements are late again."),
                    (4, "Our safeguarding lead runs the induction and keeps the records."),
                    (4, "Visit dates now avoid our busiest months without fuss."),
                    (3, "The joint audit is a good start; we would like to lead the write-up."),
                    (3, "One of our officers presented to Severnvale by video; travel remains one-sided."),
                    (3, "Solar backup for theatre is now on the partnership agenda."),
                ),
            ),
            PartyScores(
                "severnvale",
                "sarah.lindqvist",
                (
                    (4, "Objectives are shared with every member of staff before they travel."),
                    (4, "Departing staff now receive a briefing on the Ugandan health system."),
                    (4, "Elgon Ridge instructors lead the courses; our staff co-teach."),
                    (4, "Our staff describe themselves as guests of the Elgon Ridge faculty."),
                    (3, "Staff release is now a formal agreement, but only in two departments."),
                    (4, "Indemnity and occupational health checks are complete before anyone travels."),
                    (5, "Simulation kits left in Mbale let courses continue between visits."),
                    (4, "Returning staff present at our grand round and, by video, to Elgon Ridge."),
                    (3, "We funded one observership place; two more are planned."),
                    (3, "Staff now combine Mbale visits with other regional work where they can."),
                ),
            ),
        ),
    ),
    RoundSpec(
        partnership="kisumu-exchange",
        opened_by="kevin.otieno",
        opened_days_ago=200,
        completed_by="kevin.otieno",
        completed_days_ago=185,
        summary=(
            "A strong, genuinely two-way first year. Gaps: placements have gone mostly from Gloucestershire to "
            "Kisumu because visa and travel costs fall on Winam Gulf (equity), and the exchange has not "
            "measured its travel footprint (climate)."
        ),
        parties=(
            PartyScores(
                "winam",
                "mercy.atieno",
                (
                    (4, "Goals and the annual exchange plan are agreed by both faculties."),
                    (4, "Scenarios follow Kenya's national guidelines on haemorrhage and pre-eclampsia."),
                    (
                        3,
                        "Simulation is in our curriculum; the county has not yet adopted it for in-service training.",
                    ),
                    (5, "Our tutors lead scenario design; Severnvale educators adapt them for the UK."),
                    (3, "Cost sharing is agreed, but reimbursements take months."),
                    (
                        4,
                        "Consent for filming simulations is in place for students and standardised patients.",
                    ),
                    (4, "Scenarios were adapted to the equipment county facilities actually have."),
                    (4, "A joint evaluation of the first year was presented at both institutions."),
                    (
                        2,
                        "Four UK educators came to Kisumu; one of our tutors went to the UK, as visa costs fall on us.",
                    ),
                    (
                        3,
                        "We replaced disposable simulation consumables with reusable trainers where we could.",
                    ),
                ),
            ),
            PartyScores(
                "severnvale",
                "aisha.rahman",
                (
                    (4, "Clear objectives, signed off by both education committees."),
                    (3, "We are still learning how the work links to county health plans."),
                    (3, "Placements work well; lasting change in practice is not yet measured."),
                    (4, "Two-way: we changed our own haemorrhage drills after Kisumu's scenarios."),
                    (4, "Budget and placement schedule live in one document both sides can edit."),
                    (4, "Placement staff complete safeguarding and data protection training before travel."),
                    (3, "Visa delays forced us to rearrange two placements at short notice."),
                    (4, "Both teams wrote the evaluation and agreed the changes."),
                    (4, "We believed costs were shared as agreed; Winam Gulf's scores show we were wrong."),
                    (2, "Placements depend on long-haul flights; we have not measured them."),
                ),
            ),
        ),
    ),
    RoundSpec(
        partnership="gulu-maternal",
        opened_by="brenda.atim",
        opened_days_ago=9,
        parties=(
            PartyScores(
                "kica",
                "brenda.atim",
                (
                    (4, "Goals agreed with the district health officer and written into our annual plan."),
                    (4, "Outreach follows the district's antenatal and immunisation schedule."),
                    (3, "The midwife posts Lamplight funds are not yet in the district's recruitment plan."),
                    (
                        4,
                        "Lamplight's midwives follow our protocols and rotas and ask before changing practice.",
                    ),
                    (3, "Reports are shared, but Shelfwise shipments arrive without a clear schedule."),
                    (4, "Visitors sign our code of conduct and complete a safeguarding induction."),
                    (4, "When fuel ran short, outreach moved to one combined day a month."),
                    (3, "Newborn resuscitation audits are done but not reviewed together."),
                    (3, "Our midwives have not yet been offered training opportunities outside Uganda."),
                    (2, "Generator diesel and outreach transport; no plan yet to reduce either."),
                ),
            ),
            PartyScores(
                "lamplight",
                "rachel.kim",
                (
                    (4, "Objectives are shared with every placement team before they travel."),
                    (4, "We fund only activities in Kica's annual plan."),
                    (3, "We are concerned about the two midwife posts when our funding ends."),
                    (5, "Kica sets the priorities; our placements follow its rota."),
                ),
            ),
        ),
    ),
)


# --- Action items ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    partnership: str
    round_number: int | None  # the health-check round it was raised from
    principle: int | None
    title: str
    description: str
    owner: str  # organisation key
    due_in_days: int
    created_by: str
    progress: tuple[tuple[str, str], ...] = field(default=())  # (login, new status), in order


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "elgon-surgery",
        1,
        Principle.RESPECTFUL,
        "Set course content at Elgon Ridge's education committee",
        "Volunteers apply to join courses that the committee has planned, instead of proposing their own.",
        "elgon",
        -330,
        "irene.namono",
        (("peter.masaba", ActionItemStatus.IN_PROGRESS), ("peter.masaba", ActionItemStatus.DONE)),
    ),
    ActionSpec(
        "elgon-surgery",
        1,
        Principle.RESPONSIBLE,
        "Run Elgon Ridge's safeguarding induction for every volunteer on day one",
        "Led by the hospital's safeguarding lead; attendance recorded in the volunteer file.",
        "elgon",
        -340,
        "irene.namono",
        (("peter.masaba", ActionItemStatus.DONE),),
    ),
    ActionSpec(
        "elgon-surgery",
        1,
        Principle.EFFECTIVE,
        "Qualify two Elgon Ridge anaesthetic officers as course instructors",
        "Instructor course fees covered by Kestrel; the officers co-teach two courses before leading one.",
        "elgon",
        -90,
        "priya.nair",
        (("irene.namono", ActionItemStatus.IN_PROGRESS), ("irene.namono", ActionItemStatus.DONE)),
    ),
    ActionSpec(
        "elgon-surgery",
        1,
        Principle.ORGANISED,
        "Formal staff-release agreement for partnership work",
        "Agree with the medical director how many study-leave days each department releases per year.",
        "severnvale",
        -200,
        "sarah.lindqvist",
        (("aisha.rahman", ActionItemStatus.DONE),),
    ),
    ActionSpec(
        "elgon-surgery",
        2,
        Principle.ORGANISED,
        "Send a quarterly budget and reimbursement report to all parties",
        "Same format each quarter, including staff-time reimbursements owed to Elgon Ridge.",
        "kestrel",
        -7,
        "irene.namono",
        (("tom.ellison", ActionItemStatus.IN_PROGRESS),),
    ),
    ActionSpec(
        "elgon-surgery",
        2,
        Principle.EFFECTIVE,
        "Qualify Elgon Ridge's first surgical course instructor",
        "Candidate chosen by the head of surgery; Severnvale faculty co-teach the first course.",
        "elgon",
        -10,
        "irene.namono",
        (("peter.masaba", ActionItemStatus.IN_PROGRESS),),
    ),
    ActionSpec(
        "elgon-surgery",
        2,
        Principle.CLIMATE,
        "Agree a travel carbon budget for the partnership",
        "Fewer, longer visits; follow-up tutorials online; report flights in the annual review.",
        "kestrel",
        40,
        "priya.nair",
    ),
    ActionSpec(
        "elgon-surgery",
        2,
        Principle.EQUITY,
        "Fund two Elgon Ridge staff to present at Severnvale's education conference",
        "Travel, visas and registration paid by Severnvale; Elgon Ridge chooses who goes.",
        "severnvale",
        75,
        "sarah.lindqvist",
    ),
    ActionSpec(
        "elgon-surgery",
        2,
        Principle.JOINT_LEARNING,
        "Write up the checklist audit with Elgon Ridge as lead author",
        "",
        "elgon",
        50,
        "irene.namono",
    ),
    ActionSpec(
        "kisumu-exchange",
        1,
        Principle.EQUITY,
        "Share placement travel and visa costs so Winam Gulf tutors travel as often as Severnvale staff",
        "Severnvale covers visa fees and return flights for four Winam Gulf tutors a year.",
        "severnvale",
        60,
        "kevin.otieno",
        (("sarah.lindqvist", ActionItemStatus.IN_PROGRESS),),
    ),
    ActionSpec(
        "kisumu-exchange",
        1,
        Principle.JOINT_LEARNING,
        "Publish the haemorrhage simulation evaluation with Winam Gulf as lead author",
        "",
        "winam",
        -20,
        "kevin.otieno",
        (("mercy.atieno", ActionItemStatus.IN_PROGRESS),),
    ),
    ActionSpec(
        "kisumu-exchange",
        1,
        Principle.CLIMATE,
        "Measure the exchange's travel footprint and agree a reduction target",
        "",
        "severnvale",
        -12,
        "sarah.lindqvist",
    ),
    ActionSpec(
        "kisumu-exchange",
        1,
        Principle.ORGANISED,
        "Reimburse placement costs within 30 days of receipts",
        "",
        "severnvale",
        -120,
        "kevin.otieno",
        (("aisha.rahman", ActionItemStatus.DONE),),
    ),
    ActionSpec(
        "gulu-maternal",
        1,
        Principle.EFFECTIVE,
        "Ask the district to include the two midwife posts in next year's recruitment plan",
        "Kica's in-charge presents the case at the district health management team meeting.",
        "kica",
        30,
        "brenda.atim",
    ),
    ActionSpec(
        "gulu-maternal",
        1,
        Principle.ORGANISED,
        "Agree a quarterly shipment schedule with Kica's pharmacist",
        "",
        "shelfwise",
        21,
        "marcus.johnson",
    ),
    ActionSpec(
        "lakeshore-cold-chain",
        None,
        None,
        "Install temperature loggers at six lakeshore health posts",
        "Readings uploaded monthly to the zonal office with the stock report.",
        "lakeshore",
        14,
        "limbani.phiri",
        (("limbani.phiri", ActionItemStatus.IN_PROGRESS),),
    ),
    ActionSpec(
        "lakeshore-cold-chain",
        None,
        None,
        "Ship the solar fridge spare parts on the zonal store's list",
        "Only the parts on the zonal store's signed list, with the packing list sent ahead.",
        "shelfwise",
        -4,
        "limbani.phiri",
    ),
)


# --- Building --------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    organizations: int = 0
    people: int = 0
    sites: int = 0
    partnerships: int = 0
    health_checks: int = 0
    action_items: int = 0
    volunteers: int = 0
    missions: int = 0
    lots: int = 0
    shipments: int = 0
    clinic_teams: int = 0
    consultations: int = 0


def is_loaded() -> bool:
    marker = next(spec for spec in ORGANIZATIONS if spec.key == MARKER_ORGANIZATION)
    return Membership.objects.filter(
        organization__slug=marker.slug, user__email=email_for(MARKER_ADMIN_LOGIN)
    ).exists()


def _lookup(model: type[ModelT], field_name: str, wanted: set[str]) -> dict[str, ModelT]:
    """Reference rows (seeded by migrations) by their code; fail clearly if any is missing."""
    rows = model._default_manager.filter(**{f"{field_name}__in": wanted})
    found = {getattr(row, field_name): row for row in rows}
    missing = sorted(wanted - set(found))
    if missing:
        raise DemoNotPossible(
            f"Reference data is missing ({model._meta.verbose_name}: {', '.join(missing)}). "
            "Run `medmissions migrate` first."
        )
    return found


def _check_no_clashes() -> None:
    """Refuse to mix the demo into a database that already holds some of its names.

    A half-matching database (an account or organisation of the demo without the demo itself)
    would otherwise fail half-way or, worse, get renamed duplicates such as ``kestrel-global-health-2``.
    """
    taken_emails = User.objects.filter(email__in=[person.email for person in PEOPLE])
    clashes = [f"account {email}" for email in taken_emails.values_list("email", flat=True)]
    for spec in ORGANIZATIONS:
        if (
            Organization.objects.filter(slug=spec.slug).exists()
            or Organization.objects.filter(name__iexact=spec.name, country=spec.country).exists()
        ):
            clashes.append(f"organisation {spec.name}")
    if clashes:
        raise DemoNotPossible(
            "Cannot load the demo: some of its records already exist without the rest of it ("
            + "; ".join(clashes)
            + "). Use an empty database, e.g. MEDMISSIONS_VAR_DIR=/tmp/medmissions-demo."
        )


def _create_people(specs: Iterable[PersonSpec] = PEOPLE) -> dict[str, User]:
    # One hash for every account: the password is the same, and Argon2 is deliberately slow, so
    # hashing it once keeps the command quick (each account still gets a normal password hash).
    password_hash = make_password(DEMO_PASSWORD)
    verified_at = timezone.now() - datetime.timedelta(days=30)
    people = {}
    for spec in specs:
        user = User.objects.create_user(
            email=spec.email,
            password=None,
            full_name=spec.full_name,
            language=spec.language,
            time_zone=spec.time_zone,
            email_verified_at=verified_at,
            is_staff=spec.is_staff,
            is_superuser=spec.is_staff,  # the staff account also manages the Django admin
        )
        user.password = password_hash
        user.save(update_fields=["password"])
        people[spec.login] = user
    return people


def _create_organizations(
    people: dict[str, User],
    tags: dict[str, ValueTag],
    capabilities: dict[str, Capability],
    languages: dict[str, Language],
) -> dict[str, Organization]:
    organizations: dict[str, Organization] = {}
    for spec in ORGANIZATIONS:
        members = [(person, role) for person in PEOPLE for key, role in person.memberships if key == spec.key]
        admin_login = next(person.login for person, role in members if role == Role.ADMIN)
        organization = organization_services.create_organization(
            actor=people[admin_login],
            data={
                "name": spec.name,
                "kind": spec.kind,
                "country": spec.country,
                "area": spec.area,
                "website": spec.website,
                "contact_email": spec.contact_email,
                "description": spec.description,
                "values_statement": spec.values_statement,
                "value_tags": [tags[slug] for slug in spec.value_tags],
                "capabilities": [capabilities[slug] for slug in spec.capabilities],
                "languages": [languages[code] for code in spec.languages],
            },
        )
        if organization.slug != spec.slug:  # _check_no_clashes should make this impossible
            raise DemoNotPossible(f"{spec.name} got the address {organization.slug!r}, not {spec.slug!r}.")
        for person, role in members:
            if person.login != admin_login:
                organization_services.add_member(
                    organization, actor=people[admin_login], user=people[person.login], role=role
                )
        organizations[spec.key] = organization
    staff = people[STAFF_LOGIN]
    for spec in ORGANIZATIONS:
        if spec.verified:
            organization_services.set_verified(organizations[spec.key], actor=staff, verified=True)
    return organizations


def _create_sites(
    people: dict[str, User], organizations: dict[str, Organization], languages: dict[str, Language]
) -> list[Site]:
    return [
        site_services.create_site(
            actor=people[spec.created_by],
            host_organization=organizations[spec.host],
            data={
                "name": spec.name,
                "kind": spec.kind,
                "country": organizations[spec.host].country.code,
                "admin_level_1": spec.admin_level_1,
                "admin_level_2": spec.admin_level_2,
                "town": spec.town,
                "latitude": Decimal(spec.latitude),
                "longitude": Decimal(spec.longitude),
                "culture_guidance": spec.culture,
                "customs_guidance": spec.customs,
                "security_guidance": spec.security,
                "languages": [languages[code] for code in spec.languages],
            },
        )
        for spec in SITES
    ]


def _create_partnerships(
    people: dict[str, User],
    organizations: dict[str, Organization],
    capabilities: dict[str, Capability],
    today: datetime.date,
) -> dict[str, Partnership]:
    def day(offset: int | None) -> datetime.date | None:
        return None if offset is None else today + datetime.timedelta(days=offset)

    partnerships: dict[str, Partnership] = {}
    for spec in PARTNERSHIPS:
        partnership = partnership_services.propose_partnership(
            actor=people[spec.proposed_by],
            proposer=organizations[spec.proposer],
            data={
                "title": spec.title,
                "shared_goals": spec.shared_goals,
                "start_date": day(spec.start_in_days),
                "end_date": day(spec.end_in_days),
                "next_review_date": day(spec.review_in_days),
                "is_public": spec.is_public,
            },
            parties=[(organizations[key], role) for key, role in spec.parties],
            focus_areas=[capabilities[slug] for slug in spec.focus_areas],
        )
        for login, _days_ago in spec.confirmations:
            partnership = partnership_services.confirm_partnership(partnership, actor=people[login])
        if spec.status_change:
            transition, login, reason = spec.status_change
            partnership = partnership_services.change_status(
                partnership, actor=people[login], transition=transition, reason=reason
            )
        partnerships[spec.key] = partnership
    return partnerships


def _run_health_checks(
    people: dict[str, User], organizations: dict[str, Organization], partnerships: dict[str, Partnership]
) -> list[tuple[RoundSpec, HealthCheck]]:
    checks: list[tuple[RoundSpec, HealthCheck]] = []
    for spec in ROUNDS:
        check = health.open_health_check(partnerships[spec.partnership], actor=people[spec.opened_by])
        for party in spec.parties:
            for principle, (score, evidence) in zip(Principle, party.scores, strict=False):
                health.score_principle(
                    check,
                    actor=people[party.scored_by],
                    organization=organizations[party.organization],
                    principle=principle.value,
                    score=score,
                    evidence=evidence,
                )
        if spec.completed_by:
            check = health.complete_health_check(check, actor=people[spec.completed_by], summary=spec.summary)
        checks.append((spec, check))
    return checks


def _create_action_items(
    people: dict[str, User],
    organizations: dict[str, Organization],
    partnerships: dict[str, Partnership],
    checks: dict[tuple[str, int], HealthCheck],
    today: datetime.date,
) -> list[ActionItem]:
    items = []
    for spec in ACTIONS:
        item = health.create_action_item(
            partnerships[spec.partnership],
            actor=people[spec.created_by],
            data={
                "title": spec.title,
                "description": spec.description,
                "owner_organization": organizations[spec.owner],
                "due_date": today + datetime.timedelta(days=spec.due_in_days),
                "principle": spec.principle,
            },
            health_check=checks[(spec.partnership, spec.round_number)] if spec.round_number else None,
        )
        for login, status in spec.progress:
            item = health.update_action_item(item, actor=people[login], data={"status": status})
        items.append(item)
    return items


def _backdate(
    partnerships: dict[str, Partnership],
    checks: list[tuple[RoundSpec, HealthCheck]],
    people: dict[str, User],
) -> None:
    """Move display timestamps of past events into the past.

    The services stamp "now", so without this every partnership would read "proposed today" and
    both health-check rounds would be dated today, which makes a three-year-old partnership look
    fake. Only these display timestamps move; states and the audit trail (the true record of
    when the demo was loaded) are left exactly as the services wrote them.
    """
    now = timezone.now()

    def ago(days: int) -> datetime.datetime:
        return now - datetime.timedelta(days=days)

    for spec in PARTNERSHIPS:
        partnership = partnerships[spec.key]
        Partnership.objects.filter(pk=partnership.pk).update(created_at=ago(spec.proposed_days_ago))
        for login, days_ago in spec.confirmations:
            PartnershipParty.objects.filter(partnership=partnership, confirmed_by=people[login]).update(
                confirmed_at=ago(days_ago)
            )
    for round_spec, check in checks:
        completed_days_ago = round_spec.completed_days_ago
        HealthCheck.objects.filter(pk=check.pk).update(
            opened_at=ago(round_spec.opened_days_ago),
            completed_at=ago(completed_days_ago) if completed_days_ago is not None else None,
        )


def build() -> DemoSummary:
    """Create the whole demo network. Call inside a transaction, with outgoing email suppressed."""
    _check_no_clashes()
    tags = _lookup(ValueTag, "slug", {slug for spec in ORGANIZATIONS for slug in spec.value_tags})
    capabilities = _lookup(
        Capability,
        "slug",
        {slug for spec in ORGANIZATIONS for slug in spec.capabilities}
        | {slug for spec in PARTNERSHIPS for slug in spec.focus_areas},
    )
    languages = _lookup(
        Language,
        "code",
        {code for spec in ORGANIZATIONS for code in spec.languages}
        | {code for spec in SITES for code in spec.languages},
    )
    today = timezone.localdate()
    people = _create_people()
    organizations = _create_organizations(people, tags, capabilities, languages)
    sites = _create_sites(people, organizations, languages)
    partnerships = _create_partnerships(people, organizations, capabilities, today)
    checks = _run_health_checks(people, organizations, partnerships)
    by_round = {(spec.partnership, check.round_number): check for spec, check in checks}
    items = _create_action_items(people, organizations, partnerships, by_round, today)
    _backdate(partnerships, checks, people)
    volunteers = demo_volunteers.build(people, organizations, today)
    missions = demo_missions.build(people, organizations, today)
    # Supplies travel to the missions' sites: a network built without missions gets none.
    supplies = demo_supplies.build(people, organizations, today) if missions else {"lots": 0, "shipments": 0}
    # The clinic teams are the missions' teams (and one registered by the coordination cell).
    clinics = (
        demo_clinics.build(people, organizations, today) if missions else {"teams": 0, "consultations": 0}
    )
    return DemoSummary(
        organizations=len(organizations),
        people=len(people),
        sites=len(sites),
        partnerships=len(partnerships),
        health_checks=len(checks),
        action_items=len(items),
        volunteers=len(volunteers),
        missions=len(missions),
        lots=supplies["lots"],
        shipments=supplies["shipments"],
        clinic_teams=clinics["teams"],
        consultations=clinics["consultations"],
    )


# --- Logins ----------------------------------------------------------------------------------


def login_rows() -> list[tuple[str, list[str]]]:
    """``(email, ["Organisation — Role", …])`` for every demo account present, in the demo's order."""
    accounts = User.objects.filter(email__in=[person.email for person in PEOPLE]).prefetch_related(
        "memberships__organization"
    )
    users = {user.email: user for user in accounts}
    rows = []
    for spec in PEOPLE:
        user = users.get(spec.email)
        if user is None:
            continue
        memberships = [
            f"{membership.organization.name} — {membership.get_role_display()}"
            for membership in user.memberships.all()
        ]
        if user.is_staff:
            memberships.insert(0, "Platform staff (Django admin)")
        if spec.login in demo_volunteers.VOLUNTEER_LOGINS:
            memberships.append(demo_volunteers.VOLUNTEER_LOGINS[spec.login])
        rows.append((user.email, memberships))
    return rows


def format_logins(site_url: str) -> str:
    """The table of demo logins and the walk-through printed at the end of every run."""
    rows = login_rows()
    headers = ("Email", "Password", "Organisation — role")
    email_width = max([len(headers[0]), *(len(email) for email, _ in rows)])
    password_width = max(len(headers[1]), len(DEMO_PASSWORD))
    lines = [
        "",
        f"Demo logins — open {site_url} and sign in. Every account uses the password: {DEMO_PASSWORD}",
        "",
        f"{headers[0]:<{email_width}}  {headers[1]:<{password_width}}  {headers[2]}",
        f"{'-' * email_width}  {'-' * password_width}  {'-' * 44}",
    ]
    for email, memberships in rows:
        first, *rest = memberships or ["(no organisation)"]
        lines.append(f"{email:<{email_width}}  {DEMO_PASSWORD:<{password_width}}  {first}")
        lines.extend(f"{'':<{email_width}}  {'':<{password_width}}  {more}" for more in rest)
    lines += [
        "",
        "Try these:",
        f"  Host confirms a partnership: {email_for('amara.okello')} (admin, Kica Health Centre) → Dashboard →",
        "    “Awaiting your confirmation” → “Uganda obstetric emergency referral network”. Elgon Ridge has",
        "    already confirmed; Kica's confirmation makes it active.",
        f"  Single-host proposal: {email_for('sunita.gurung')} (admin, Seti River Community Hospital) →",
        "    “Pokhara emergency triage and trauma skills”.",
        f"  Health-check trend and action plan: {email_for('priya.nair')} (coordinator, Kestrel Global Health) →",
        "    “Elgon safe surgery and anaesthesia training” (two completed rounds).",
        f"  Scoring an open round: {email_for('rachel.kim')} (coordinator, Lamplight Medical Mission) →",
        "    “Gulu maternal and newborn care” → Round 1.",
        f"  One person, two organisations: {email_for('sarah.lindqvist')}.",
        f"  Upload, verify, ready: {email_for('omar.haddad')} (volunteer surgeon) uploaded his licence; it awaits",
        f"    verification. {email_for('priya.nair')} (Kestrel) verifies it, and Omar is ready to serve in Uganda.",
        f"  A rejected passport scan and a BLS certificate expiring this week: {email_for('isabel.reyes')}.",
        f"  Apply to a mission: {email_for('omar.haddad')} → Opportunities → “Elgon hernia and safe-surgery camp”;",
        f"    {email_for('priya.nair')} accepts him on its Applications tab; its Team tab shows who is not ready yet.",
        f"  Suggested people and the team optimiser: {email_for('priya.nair')} → “Elgon hernia and safe-surgery camp”",
        "    → Suggested people: near misses say what is missing (Omar's licence to verify). Verify it, then",
        "    “Run the optimiser for this mission”: Omar is proposed, with his score explained; accept to invite him.",
        f"  Partner recommendations: {email_for('priya.nair')} → Kestrel Global Health → “Needs we could answer”;",
        "    on a need's page, “Recommended partners”.",
        f"  Host confirms a mission and a proposed need: {email_for('achieng.odhiambo')} (“Siaya rural teaching",
        f"    clinic placement”), {email_for('moses.wanyama')} (Dashboard → “Waiting for the host”).",
        f"  A team in the field (announcements, thread, calendar feed): {email_for('isabel.reyes')};",
        "    close-out with hours to approve: “Elgon orthopaedic trauma week”.",
        f"  Supplies: {email_for('priya.nair')} (Kestrel) → Supplies: lots expiring within 30, 60 and 90 days and an",
        "    expired one to write off; “Hernia camp theatre supplies” was allocated by the optimiser and its shipment is",
        "    packed (packing list, certificate of donation, WHO checklist). “Allocate stock” runs the optimiser.",
        f"  A donor follows its goods: {email_for('dana.moreau')} (Harbourlight) → Supplies → Reports → Donations.",
        f"  Host confirms receipt: {email_for('amara.okello')} (Kica) → Supplies → Shipments → the partly received one.",
        f"  Field clinics: {email_for('rachel.kim')} (Lamplight) → Clinics → “Lamplight maternal and newborn team”",
        "    → Record consultations: type “4 f r e d Enter” for an adult woman with a respiratory infection; then",
        "    Daily reports → today → Check and submit, and download the eDATA file.",
        f"  Coordination cell: {email_for('irene.namono')} (Elgon Ridge) → Clinics → “Eastern and Northern Uganda",
        "    floods 2026” → Coordination: every team's day, charts, who has not reported; a corrected report (v2).",
        f"  Continuity of care: {email_for('peter.masaba')} (Elgon Ridge) → Clinics → Referrals and My follow-ups;",
        "    “Elgon orthopaedic trauma week” cannot complete until its urgent follow-up is done or handed over.",
        f"  Platform staff: {email_for(STAFF_LOGIN)} → {site_url}/staff/admin/ (and verifying organisations).",
        "",
    ]
    return "\n".join(lines)
