"""Demo needs and missions: one mission in every lifecycle state, built through the services.

Needs come from the hosts (one proposed by a partner and still awaiting the host), missions from
the demo's active partnerships. Every step a real team takes is taken here through the same
service functions (applications reviewed and accepted, invitations sent and one declined, gaps
waived by the host with a reason, transitions, announcements, the thread, the handover plan,
evaluations and hours), so the audit
log, the readiness board and the close-out pages look as they would in use.

People registered by their organisation without an account applied on paper; their applications
are recorded directly (the service ``apply`` is for the signed-in person themself).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from medmissions.accounts.models import User
from medmissions.missions import applications, board, closeout, discovery, invitations, services, team
from medmissions.missions.choices import ApplicationStatus, MissionStatus, NeedPriority, TeamType
from medmissions.missions.models import Application, Completion, Course, Mission, Need, Role, SavedSearch
from medmissions.organizations.models import Capability, Organization, ValueTag
from medmissions.partnerships.models import Partnership
from medmissions.sites.models import Site
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, CredentialType, Person, Specialty

MARKER_MISSION = "Elgon hernia and safe-surgery camp"

# (code, title, organisation key or None, valid for days or None, description)
COURSES: tuple[tuple[str, str, str | None, int | None, str], ...] = (
    (
        "pre-departure-security",
        "Pre-departure safety and security briefing",
        "kestrel",
        365,
        "Travel, road and personal safety, incident reporting and the evacuation plan.",
    ),
    (
        "working-in-uganda",
        "Cultural orientation: working in Uganda",
        "elgon",
        None,
        "Ugandan health system, clinical governance at the host, language basics and etiquette.",
    ),
    (
        "safeguarding-essentials",
        "Safeguarding essentials",
        None,
        730,
        "Protecting patients and colleagues from exploitation and abuse; how to raise a concern.",
    ),
)

# Course completions: (person key, course code, days ago)
COMPLETIONS: tuple[tuple[str, str, int], ...] = (
    ("omar.haddad", "pre-departure-security", 40),
    ("omar.haddad", "safeguarding-essentials", 200),
    ("sarah.lindqvist", "pre-departure-security", 120),
    ("sarah.lindqvist", "working-in-uganda", 700),
    ("samuel.adeyemi", "pre-departure-security", 30),
    ("fiona.macleod", "pre-departure-security", 400),
    ("eleanor.price", "pre-departure-security", 15),
    ("bethan.griffiths", "pre-departure-security", 60),
    ("naomi.castillo", "safeguarding-essentials", 90),
    ("ruth.asante", "safeguarding-essentials", 300),
)


@dataclass(frozen=True)
class NeedSpec:
    key: str
    site: str  # site name
    author: str  # organisation key (the host, or a partner proposing)
    written_by: str  # login
    title: str
    description: str
    plan: str
    priority: int
    window: tuple[int, int]  # days from today
    lines: tuple[tuple[str, int], ...]
    languages: tuple[str, ...] = ()
    confirmed_by: str | None = None  # host admin login, for a partner's proposal


NEEDS: tuple[NeedSpec, ...] = (
    NeedSpec(
        "elgon-surgical-backlog",
        "Elgon Ridge Hospital, main campus",
        "elgon",
        "irene.namono",
        "Hernia and hydrocele backlog",
        "About 300 adults wait for elective hernia and hydrocele repair. We need visiting surgeons and "
        "an anaesthetist to operate alongside our two surgeons and teach the WHO checklist in every list.",
        "Uganda Health Sector Development Plan 2020/21–2024/25, surgical services pillar",
        NeedPriority.HIGH,
        (30, 240),
        (("general-surgery", 2), ("anaesthesia", 1), ("theatre-nursing", 2)),
        ("en", "lg"),
    ),
    NeedSpec(
        "elgon-trauma",
        "Elgon Ridge Hospital, main campus",
        "elgon",
        "irene.namono",
        "Orthopaedic trauma skills for the surgical ward",
        "Road-traffic fractures fill our ward. We ask for an orthopaedic surgeon and a theatre nurse to "
        "teach external fixation and plaster care to our medical officers and nurses.",
        "Mbale District Health Plan, emergency and trauma care",
        NeedPriority.NORMAL,
        (-60, 30),
        (("orthopaedic-surgery", 1), ("theatre-nursing", 1)),
        ("en",),
    ),
    NeedSpec(
        "elgon-anaesthesia-instructors",
        "Elgon Ridge Hospital, main campus",
        "elgon",
        "irene.namono",
        "Anaesthesia instructor course",
        "Our anaesthetic officers want to qualify as instructors of the SAFE obstetric anaesthesia course.",
        "Uganda Health Sector Development Plan, human resources for health",
        NeedPriority.NORMAL,
        (5, 90),
        (("anaesthesia", 1),),
        ("en",),
    ),
    NeedSpec(
        "kapchorwa-emergency",
        "Kapchorwa health post",
        "kestrel",
        "priya.nair",
        "Emergency skills for the Kapchorwa health post",
        "Proposed by Kestrel after the last visit: a week of emergency triage and resuscitation skills "
        "for the health post's clinical officers. Awaits Elgon Ridge's confirmation.",
        "",
        NeedPriority.NORMAL,
        (120, 300),
        (("emergency-medicine", 2),),
        ("en", "sw"),
    ),
    NeedSpec(
        "gulu-newborn",
        "Kica Health Centre",
        "kica",
        "brenda.atim",
        "Newborn resuscitation skills for Kica's midwives",
        "Every midwife on the delivery rota should be confident with Helping Babies Breathe; we ask for "
        "two experienced midwives and a paediatrician to run the course with our senior midwife.",
        "Gulu District Reproductive, Maternal, Newborn, Child and Adolescent Health plan",
        NeedPriority.URGENT,
        (-30, 60),
        (("midwifery", 2), ("paediatrics", 1)),
        ("en",),
    ),
    NeedSpec(
        "kitgum-antenatal",
        "Kitgum outreach point",
        "kica",
        "brenda.atim",
        "Antenatal outreach days in Kitgum",
        "Monthly antenatal and immunisation outreach needs extra midwives on the busiest days.",
        "Gulu District RMNCAH plan, outreach",
        NeedPriority.NORMAL,
        (-240, -150),
        (("midwifery", 1), ("obstetrics-gynaecology", 1)),
        ("en",),
    ),
    NeedSpec(
        "kisumu-midwifery",
        "Winam Gulf skills and simulation centre",
        "winam",
        "kevin.otieno",
        "Midwifery skills exchange",
        "Winam's midwifery students and Severnvale's exchange each other's skills-lab practice.",
        "Kenya Nursing and Midwifery Strategic Plan",
        NeedPriority.NORMAL,
        (-90, 180),
        (("midwifery", 2), ("nursing", 1)),
        ("en", "sw"),
    ),
    NeedSpec(
        "lakeshore-cold-chain",
        "Senga Bay health post",
        "lakeshore",
        "limbani.phiri",
        "Cold-chain refresher for health-post staff",
        "Refresher on vaccine fridges, temperature logs and stock cards before the measles campaign.",
        "Malawi EPI multi-year plan",
        NeedPriority.HIGH,
        (10, 120),
        (("logistics", 1), ("pharmacy", 1)),
        ("en", "ny"),
    ),
)


@dataclass(frozen=True)
class RoleSpec:
    title: str
    specialty: str
    people: int
    scope: str
    minimum: int = 2  # competent
    languages: tuple[str, ...] = ()
    extra_credentials: tuple[str, ...] = ()
    courses: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlacementSpec:
    """A person's way through a mission: applied, then reviewed or accepted (and maybe hours)."""

    person: str
    role: str
    outcome: str  # submitted, shortlisted, waitlisted, declined, accepted
    motivation: str
    message: str = ""
    hours: str | None = None  # logged hours (accepted placements of finished missions)
    hours_approved: bool = False


@dataclass(frozen=True)
class MissionSpec:
    title: str
    partnership: str  # partnership title
    planner: str  # login of the coordinator who plans it
    host_admin: str
    site: str
    needs: tuple[str, ...]
    description: str
    start: int  # days from today
    days: int
    capacity: int
    time_zone: str
    team_type: str
    services: tuple[str, ...]
    state: str
    roles: tuple[RoleSpec, ...]
    placements: tuple[PlacementSpec, ...] = ()
    cancel_reason: str = ""
    return_reason: str = ""
    announcements: tuple[tuple[str, str, int], ...] = ()  # subject, body, hours ago
    thread: tuple[tuple[str, str, int], ...] = ()  # login, body, hours ago
    handover: dict[str, str] = field(default_factory=dict)
    follow_ups: tuple[tuple[str, str, int, str], ...] = ()  # task, host staff, due in days, status
    evaluations: tuple[tuple[str, str, str, str, int], ...] = ()  # side, login, well, change, score


ELGON = "Elgon safe surgery and anaesthesia training"
GULU = "Gulu maternal and newborn care"
KISUMU = "Kisumu–Gloucestershire nursing and midwifery exchange"
LAKESHORE = "Lakeshore cold chain and essential medicines"

SURGEON_SCOPE = (
    "Elective adult hernia and hydrocele repair with an Elgon Ridge surgeon scrubbed in; no paediatric "
    "cases, no procedures outside the agreed list; the hospital's consent and checklist apply."
)
THEATRE_SCOPE = "Scrub and circulate in theatre under Elgon Ridge's theatre sister; teach the checklist."
ANAESTHESIA_SCOPE = "Spinal and general anaesthesia for listed cases, with an Elgon anaesthetic officer."
MIDWIFE_SCOPE = "Teach and supervise Helping Babies Breathe practice; no independent deliveries."

MISSIONS: tuple[MissionSpec, ...] = (
    MissionSpec(
        MARKER_MISSION,
        ELGON,
        "priya.nair",
        "moses.wanyama",
        "Elgon Ridge Hospital, main campus",
        ("elgon-surgical-backlog",),
        "Two weeks of hernia and hydrocele lists with Elgon Ridge's surgeons, teaching the WHO Surgical "
        "Safety Checklist on every list. Elgon Ridge chooses the patients; Kestrel brings no supplies "
        "the hospital did not ask for.",
        75,
        14,
        6,
        "Africa/Kampala",
        TeamType.NOT_EMERGENCY,
        ("surgery", "anaesthesia", "clinical-training"),
        MissionStatus.RECRUITING,
        (
            RoleSpec(
                "General surgeon",
                "surgery",
                3,
                SURGEON_SCOPE,
                minimum=3,
                courses=("pre-departure-security",),
            ),
            RoleSpec("Anaesthetist", "anaesthesia", 1, ANAESTHESIA_SCOPE, minimum=3),
            RoleSpec(
                "Theatre nurse",
                "theatre-nursing",
                2,
                THEATRE_SCOPE,
                courses=("pre-departure-security",),
            ),
        ),
        (
            PlacementSpec(
                "eleanor.price",
                "General surgeon",
                "submitted",
                "I trained in Mbale as a medical student and would love to go back to teach.",
            ),
            PlacementSpec(
                "bethan.griffiths",
                "Theatre nurse",
                "shortlisted",
                "Theatre sister for 12 years; I run our checklist audits.",
                "Thank you — we would like to talk to you next week.",
            ),
            PlacementSpec(
                "samuel.adeyemi",
                "Theatre nurse",
                "accepted",
                "I went to Mbale in 2024 and kept in touch with the theatre team.",
                "Welcome back! The pre-departure briefing is on the 3rd.",
            ),
            PlacementSpec(
                "camille.laurent",
                "Anaesthetist",
                "waitlisted",
                "Consultant anaesthetist; French and English.",
                "The anaesthetist place is provisionally taken; you are first on the waiting list.",
            ),
            PlacementSpec(
                "rohan.mehta",
                "Anaesthetist",
                "accepted",
                "Experienced with spinal anaesthesia in low-resource settings.",
            ),
        ),
        announcements=(
            (
                "Pre-departure briefing",
                "The online briefing is on the first Tuesday of next month at 18:00 UK time. Please "
                "complete the security course before it.",
                30,
            ),
        ),
        thread=(
            ("priya.nair", "Welcome Samuel and Rohan! Irene at Elgon Ridge is on this thread too.", 50),
            ("irene.namono", "Karibu. We have listed 46 patients so far; the list is on the ward.", 26),
        ),
    ),
    MissionSpec(
        "Elgon anaesthesia instructor course",
        ELGON,
        "priya.nair",
        "moses.wanyama",
        "Elgon Ridge Hospital, main campus",
        ("elgon-anaesthesia-instructors",),
        "Sarah Lindqvist co-teaches the SAFE obstetric anaesthesia instructor course with Elgon's lead "
        "anaesthetic officer.",
        12,
        5,
        2,
        "Africa/Kampala",
        TeamType.NOT_EMERGENCY,
        ("anaesthesia", "training-of-trainers"),
        MissionStatus.READY,
        (RoleSpec("Anaesthesia instructor", "anaesthesia", 2, ANAESTHESIA_SCOPE, minimum=4),),
        (
            PlacementSpec(
                "sarah.lindqvist",
                "Anaesthesia instructor",
                "accepted",
                "I taught the SAFE course in Mbarara and would co-teach with your instructors.",
            ),
        ),
        announcements=(
            ("Travel confirmed", "Sarah lands at Entebbe on the Sunday; Elgon Ridge's driver meets her.", 20),
        ),
    ),
    MissionSpec(
        "Gulu newborn resuscitation week",
        GULU,
        "rachel.kim",
        "amara.okello",
        "Kica Health Centre",
        ("gulu-newborn",),
        "Helping Babies Breathe for every midwife on Kica's delivery rota, with Kica's senior midwife as "
        "lead instructor, and a follow-up plan for monthly practice.",
        -3,
        8,
        4,
        "Africa/Kampala",
        TeamType.NOT_EMERGENCY,
        ("maternal-health", "child-health", "clinical-training"),
        MissionStatus.IN_FIELD,
        (
            RoleSpec("Midwife instructor", "midwifery", 2, MIDWIFE_SCOPE, minimum=3),
            RoleSpec(
                "Paediatrician",
                "paediatrics",
                1,
                "Newborn care teaching and ward rounds with Kica's clinical officer.",
                minimum=3,
            ),
            RoleSpec(
                "Student nurse",
                "nursing",
                1,
                "Observes and assists in skills sessions under a named supervisor.",
                minimum=1,
            ),
        ),
        (
            PlacementSpec(
                "naomi.castillo", "Midwife instructor", "accepted", "Certified HBB master trainer."
            ),
            PlacementSpec("isabel.reyes", "Midwife instructor", "accepted", "Ten years on a delivery unit."),
            PlacementSpec("matthew.harper", "Paediatrician", "accepted", "Neonatal unit consultant."),
            PlacementSpec("emily.nguyen", "Student nurse", "accepted", "Final-year nursing student."),
        ),
        announcements=(
            ("Day 3 schedule", "Skills stations move to the new training room from today.", 5),
            ("Power cut plan", "If the generator is down, sessions continue in the outpatient hall.", 30),
        ),
        thread=(
            ("brenda.atim", "Thank you all. 14 midwives certified in the first two days.", 8),
            ("rachel.kim", "Wonderful. Photos only with the midwives' written consent, please.", 6),
        ),
    ),
    MissionSpec(
        "Elgon orthopaedic trauma week",
        ELGON,
        "priya.nair",
        "moses.wanyama",
        "Elgon Ridge Hospital, main campus",
        ("elgon-trauma",),
        "External fixation and plaster-care teaching on the surgical ward.",
        -12,
        6,
        3,
        "Africa/Kampala",
        TeamType.NOT_EMERGENCY,
        ("surgery", "clinical-training"),
        MissionStatus.CLOSING,
        (
            RoleSpec("Orthopaedic surgeon", "orthopaedic-surgery", 1, SURGEON_SCOPE, minimum=3),
            RoleSpec("Theatre nurse", "theatre-nursing", 1, THEATRE_SCOPE),
        ),
        (
            PlacementSpec(
                "fiona.macleod", "Orthopaedic surgeon", "accepted", "Trauma consultant.", hours="46"
            ),
            PlacementSpec(
                "harriet.khainza",
                "Theatre nurse",
                "accepted",
                "Elgon's own theatre nurse joins the visiting team.",
                hours="40",
                hours_approved=True,
            ),
        ),
        handover={
            "local_lead": "Dr Peter Masaba, medical officer, surgical ward",
            "referral_pathways": "Complex fractures to Mbale Regional Referral Hospital orthopaedic clinic "
            "(Tuesdays); the ward keeps the referral book.",
            "medicines_left": "",
            "equipment_left": "Two external fixator sets, requested by Elgon Ridge, with the maintenance guide.",
        },
        follow_ups=(
            ("Review the six patients with external fixators at 6 weeks", "Dr Peter Masaba", 30, "open"),
            ("Plaster-care refresher for the night nurses", "Ward sister", 14, "open"),
        ),
    ),
    MissionSpec(
        "Kisumu midwifery skills exchange",
        KISUMU,
        "kevin.otieno",
        "achieng.odhiambo",
        "Winam Gulf skills and simulation centre",
        ("kisumu-midwifery",),
        "Two weeks of shared skills-lab teaching between Winam's and Severnvale's midwifery educators.",
        -60,
        12,
        3,
        "Africa/Nairobi",
        TeamType.NOT_EMERGENCY,
        ("nursing-midwifery-education", "exchanges"),
        MissionStatus.COMPLETED,
        (RoleSpec("Midwifery educator", "midwifery", 2, "Co-teach skills-lab sessions.", minimum=3),),
        (
            PlacementSpec(
                "catherine.oneill",
                "Midwifery educator",
                "accepted",
                "Senior lecturer in midwifery.",
                hours="64",
                hours_approved=True,
            ),
        ),
        handover={
            "local_lead": "Mercy Atieno, midwifery tutor",
            "referral_pathways": "Not applicable: teaching only, no patient care.",
            "medicines_left": "",
            "equipment_left": "Two birthing simulators stay in the skills lab (Winam's property).",
        },
        evaluations=(
            (
                "host",
                "achieng.odhiambo",
                "Students practised shoulder dystocia drills weekly.",
                "Share the teaching plan a month earlier.",
                4,
            ),
        ),
    ),
    MissionSpec(
        "Kitgum antenatal outreach days",
        GULU,
        "rachel.kim",
        "amara.okello",
        "Kitgum outreach point",
        ("kitgum-antenatal",),
        "Four outreach days with Kica's antenatal team.",
        -200,
        10,
        2,
        "Africa/Kampala",
        TeamType.NOT_EMERGENCY,
        ("maternal-health", "primary-care"),
        MissionStatus.EVALUATED,
        (
            RoleSpec("Midwife", "midwifery", 1, "Antenatal checks with Kica's midwives.", minimum=3),
            RoleSpec("Obstetrician", "obstetrics-gynaecology", 1, "High-risk clinic support.", minimum=3),
        ),
        (
            PlacementSpec("naomi.castillo", "Midwife", "accepted", "Outreach experience.", "", "52", True),
            PlacementSpec(
                "ruth.asante", "Obstetrician", "accepted", "High-risk pregnancy care.", "", "55", True
            ),
        ),
        handover={
            "local_lead": "Santa Akello, senior midwife",
            "referral_pathways": "High-risk pregnancies to Kica Health Centre, then Gulu Regional Referral "
            "Hospital by the district ambulance.",
            "medicines_left": "Iron and folic acid from Kica's own order (not donated).",
            "equipment_left": "",
        },
        follow_ups=(("Call back the 12 women booked for a second visit", "Santa Akello", -150, "done"),),
        evaluations=(
            (
                "host",
                "amara.okello",
                "Waiting times halved on outreach days.",
                "Bring Acholi interpreters.",
                4,
            ),
            (
                "visiting",
                "rachel.kim",
                "Kica's team led every clinic.",
                "Longer handover on the last day.",
                5,
            ),
        ),
    ),
    MissionSpec(
        "Kapchorwa emergency skills visit",
        ELGON,
        "priya.nair",
        "moses.wanyama",
        "Elgon Ridge Hospital, main campus",
        ("elgon-surgical-backlog",),
        "Planning notes: a first visit to scope the health post's emergency room with Elgon Ridge.",
        150,
        7,
        3,
        "Africa/Kampala",
        TeamType.NOT_EMERGENCY,
        ("emergency-care",),
        MissionStatus.DRAFT,
        (
            RoleSpec(
                "Emergency physician", "emergency-medicine", 2, "Teach triage with the clinical officers."
            ),
        ),
    ),
    MissionSpec(
        "Siaya rural teaching clinic placement",
        KISUMU,
        "sarah.lindqvist",
        "achieng.odhiambo",
        "Siaya rural teaching clinic",
        ("kisumu-midwifery",),
        "Severnvale's nursing educators join the rural teaching clinic for a week.",
        120,
        7,
        2,
        "Africa/Nairobi",
        TeamType.NOT_EMERGENCY,
        ("nursing-midwifery-education",),
        MissionStatus.AWAITING_HOST,
        (RoleSpec("Nurse educator", "nursing", 2, "Teach alongside Winam's clinical instructors."),),
    ),
    MissionSpec(
        "Senga Bay cold-chain refresher",
        LAKESHORE,
        "limbani.phiri",
        "chikondi.banda",
        "Senga Bay health post",
        ("lakeshore-cold-chain",),
        "A logistician and a pharmacist refresh cold-chain practice before the measles campaign.",
        40,
        5,
        2,
        "Africa/Blantyre",
        TeamType.NOT_EMERGENCY,
        ("cold-chain", "logistics"),
        MissionStatus.CANCELLED,
        (RoleSpec("Cold-chain logistician", "logistics", 1, "Fridge checks and stock-card practice."),),
        cancel_reason="The measles campaign moved to next year; the zonal office will run the refresher "
        "itself with the district pharmacist.",
    ),
)


@dataclass(frozen=True)
class InvitationSpec:
    """A coordinator's invitation to someone of the partnership's organisations, maybe answered."""

    mission: str
    role: str
    person: str
    planner: str
    message: str
    answer: str = ""  # "", "declined" (by the person, who must have a login)
    note: str = ""


INVITATIONS: tuple[InvitationSpec, ...] = (
    InvitationSpec(
        MARKER_MISSION,
        "General surgeon",
        "brian.mugisha",
        "priya.nair",
        "Join the visiting surgeons on the hernia lists, under the supervision of one of them: "
        "Elgon Ridge asked for its trainees to operate with the camp.",
    ),
    InvitationSpec(
        "Elgon anaesthesia instructor course",
        "Anaesthesia instructor",
        "ronald.wamala",
        "priya.nair",
        "Would you co-teach the SAFE course with Sarah? Elgon Ridge would then run it without us next year.",
    ),
    InvitationSpec(
        MARKER_MISSION,
        "Theatre nurse",
        "joyce.nambozo",
        "priya.nair",
        "The camp needs someone who knows Elgon Ridge's theatres; would you join the theatre team?",
        answer="declined",
        note="I am on nights on the maternity ward those weeks. Please ask me for the next camp.",
    ),
)


def _person(key: str) -> Person:
    from medmissions.core.demo_volunteers import VOLUNTEERS

    spec = next(spec for spec in VOLUNTEERS if spec.key == key)
    return Person.objects.get(email__iexact=spec.email, merged_into__isnull=True)


def _apply(role, person: Person, motivation: str) -> Application:
    if person.user is not None:
        return applications.apply(role, actor=person.user, motivation=motivation)
    application = Application.objects.create(role=role, person=person, motivation=motivation)
    for organization_id in role.mission.partnership.parties.exclude(role="host").values_list(
        "organization_id", flat=True
    ):
        Affiliation.objects.get_or_create(
            person=person, organization_id=organization_id, kind=AffiliationKind.VETTING
        )
    return application


def is_loaded() -> bool:
    return Mission.objects.filter(title=MARKER_MISSION).exists()


def _ago(hours: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def _build_courses(organizations: dict[str, Organization], today: datetime.date) -> dict[str, Course]:
    courses = {}
    for code, title, organization_key, valid_for_days, description in COURSES:
        courses[code] = Course.objects.create(
            slug=code,
            title=title,
            description=description,
            organization=organizations.get(organization_key) if organization_key else None,
            valid_for_days=valid_for_days,
        )
    for person_key, code, days_ago in COMPLETIONS:
        Completion.objects.create(
            person=_person(person_key),
            course=courses[code],
            completed_on=today - datetime.timedelta(days=days_ago),
        )
    return courses


def _build_needs(people: dict[str, User], organizations: dict[str, Organization], today) -> dict[str, Need]:
    specialties = {specialty.slug: specialty for specialty in Specialty.objects.all()}
    from medmissions.core.models import Language

    languages = {language.code: language for language in Language.objects.all()}
    needs = {}
    for spec in NEEDS:
        site = Site.objects.get(name=spec.site)
        needs[spec.key] = services.create_need(
            actor=people[spec.written_by],
            author=organizations[spec.author],
            site=site,
            data={
                "title": spec.title,
                "description": spec.description,
                "national_plan_reference": spec.plan,
                "priority": spec.priority,
                "earliest_start": today + datetime.timedelta(days=spec.window[0]),
                "latest_end": today + datetime.timedelta(days=spec.window[1]),
            },
            lines=[(specialties[slug], people_count) for slug, people_count in spec.lines],
            languages=[languages[code] for code in spec.languages],
        )
        if spec.confirmed_by:
            services.confirm_need(needs[spec.key], actor=people[spec.confirmed_by])
    return needs


def _walk(mission: Mission, spec: MissionSpec, people: dict[str, User], target: str) -> Mission:
    """Take the mission through the lifecycle up to ``target``, as its planner and host would."""
    planner, host_admin = people[spec.planner], people[spec.host_admin]
    order = [
        MissionStatus.DRAFT,
        MissionStatus.AWAITING_HOST,
        MissionStatus.RECRUITING,
        MissionStatus.READY,
        MissionStatus.IN_FIELD,
        MissionStatus.CLOSING,
        MissionStatus.COMPLETED,
        MissionStatus.EVALUATED,
    ]
    position = order.index(MissionStatus(target))
    if position >= 1:
        services.submit_for_host_confirmation(mission, actor=planner)
    if position >= 2:
        services.host_confirm(mission, actor=host_admin)
        _place(mission, spec, people)
    if position >= 3:
        # The host vouches for what cannot be checked here (documents seen at induction).
        for row in board.readiness_board(mission):
            for check in row.blocking:
                board.waive_requirement(
                    row.assignment,
                    actor=host_admin,
                    requirement_key=check.key,
                    reason="Seen and checked by the host's medical superintendent at induction.",
                )
        services.mark_ready(mission, actor=planner)
    if position >= 4:
        services.start_field_work(mission, actor=planner)
    if position >= 5:
        services.start_closing(mission, actor=planner)
        _hours(mission, spec, people)
        if spec.handover:
            closeout.save_handover_plan(mission, actor=planner, data=spec.handover)
            for description, assignee, due_in, status in spec.follow_ups:
                task = closeout.add_follow_up(
                    mission,
                    actor=planner,
                    data={
                        "description": description,
                        "assignee": assignee,
                        "due_on": timezone.localdate() + datetime.timedelta(days=due_in),
                    },
                )
                if status != "open":
                    closeout.update_follow_up(
                        task,
                        actor=host_admin,
                        data={"status": status, "outcome": "All twelve women came back; two were referred."},
                    )
    if position >= 6:
        services.complete(mission, actor=planner)
        for side, login, well, change, score in spec.evaluations:
            closeout.write_evaluation(
                mission,
                actor=people[login],
                side=side,
                data={"what_went_well": well, "what_to_change": change, "overall_score": score},
            )
    if position >= 7:
        services.mark_evaluated(mission, actor=planner)
    return Mission.objects.get(pk=mission.pk)


def _place(mission: Mission, spec: MissionSpec, people: dict[str, User]) -> None:
    planner = people[spec.planner]
    roles = {role.title: role for role in mission.roles.all()}
    assigned: list[Person] = []
    for placement in spec.placements:
        person = _person(placement.person)
        application = _apply(roles[placement.role], person, placement.motivation)
        if placement.outcome == ApplicationStatus.ACCEPTED:
            supervisor = None
            if person.is_trainee:
                supervisor = next((other for other in assigned if not other.is_trainee), None)
            applications.accept(application, actor=planner, message=placement.message, supervisor=supervisor)
            assigned.append(person)
        elif placement.outcome != ApplicationStatus.SUBMITTED:
            applications.review(
                application, actor=planner, decision=placement.outcome, message=placement.message
            )


def _hours(mission: Mission, spec: MissionSpec, people: dict[str, User]) -> None:
    planner = people[spec.planner]
    for placement in spec.placements:
        if placement.hours is None:
            continue
        assignment = mission.assignments.get(person=_person(placement.person))
        actor = assignment.person.user or planner
        closeout.log_hours(assignment, actor=actor, hours=Decimal(placement.hours), note="")
        if placement.hours_approved:
            closeout.approve_hours(assignment, actor=planner)


def _communicate(mission: Mission, spec: MissionSpec, people: dict[str, User]) -> None:
    from medmissions.missions.models import Announcement, MissionMessage

    for subject, body, hours_ago in spec.announcements:
        announcement = team.post_announcement(mission, actor=people[spec.planner], subject=subject, body=body)
        Announcement.objects.filter(pk=announcement.pk).update(created_at=_ago(hours_ago))
    for login, body, hours_ago in spec.thread:
        message = team.post_message(mission, actor=people[login], body=body)
        MissionMessage.objects.filter(pk=message.pk).update(created_at=_ago(hours_ago))


def _build_mission(
    spec: MissionSpec,
    people: dict[str, User],
    needs: dict[str, Need],
    courses: dict[str, Course],
    today: datetime.date,
) -> Mission:
    partnership = Partnership.objects.get(title=spec.partnership)
    start = today + datetime.timedelta(days=spec.start)
    mission = services.create_mission(
        actor=people[spec.planner],
        partnership=partnership,
        site=Site.objects.get(name=spec.site),
        data={
            "title": spec.title,
            "description": spec.description,
            "starts_on": start,
            "ends_on": start + datetime.timedelta(days=spec.days - 1),
            "capacity": spec.capacity,
            "time_zone": spec.time_zone,
            "team_type": spec.team_type,
        },
        needs=[needs[key] for key in spec.needs],
        services=list(Capability.objects.filter(slug__in=spec.services)),
    )
    from medmissions.core.models import Language

    for role in spec.roles:
        services.add_role(
            mission,
            actor=people[spec.planner],
            data={
                "title": role.title,
                "specialty": Specialty.objects.get(slug=role.specialty),
                "minimum_proficiency": role.minimum,
                "people_needed": role.people,
                "scope_of_practice": role.scope,
            },
            extra_credentials=list(CredentialType.objects.filter(slug__in=role.extra_credentials)),
            courses=[courses[code] for code in role.courses],
            languages=list(Language.objects.filter(code__in=role.languages)),
        )
    if spec.state == MissionStatus.CANCELLED:
        services.submit_for_host_confirmation(mission, actor=people[spec.planner])
        services.host_confirm(mission, actor=people[spec.host_admin])
        services.cancel(mission, actor=people[spec.planner], reason=spec.cancel_reason)
    else:
        mission = _walk(mission, spec, people, spec.state)
    _communicate(mission, spec, people)
    return mission


def _saved_searches(people: dict[str, User]) -> None:
    """Omar's values and a saved search, so opportunity search and alerts show something at once."""
    omar = _person("omar.haddad")
    discovery.set_value_tags(
        omar,
        actor=people["omar.haddad"],
        tags=ValueTag.objects.filter(slug__in=["host-led", "teaching", "capacity-building"]),
    )
    # Saved before the Elgon camp started recruiting, so `send-opportunity-alerts` has news for Omar.
    SavedSearch.objects.create(
        user=people["omar.haddad"],
        name="Surgery in East Africa",
        filters={"specialty": "general-surgery", "region": "AFRO"},
    )


def _invitations(people: dict[str, User]) -> None:
    """Invitations sent by hand (matching's runs send them too): pending ones hold places."""
    for spec in INVITATIONS:
        role = Role.objects.get(mission__title=spec.mission, title=spec.role)
        person = _person(spec.person)
        invitation = invitations.invite(role, person, actor=people[spec.planner], message=spec.message)
        if spec.answer == "declined":
            assert person.user is not None, spec.person
            invitations.respond(invitation, actor=person.user, accept=False, note=spec.note)


def build(
    people: dict[str, User], organizations: dict[str, Organization], today: datetime.date | None = None
) -> list[Mission]:
    """Create the demo needs and missions. ``people`` and ``organizations`` are the demo's, by key."""
    today = today or timezone.localdate()
    courses = _build_courses(organizations, today)
    needs = _build_needs(people, organizations, today)
    missions = [_build_mission(spec, people, needs, courses, today) for spec in MISSIONS]
    _invitations(people)
    _saved_searches(people)
    return missions


def build_into_loaded_demo() -> list[Mission]:
    """Add the missions to a demo network (with volunteers) loaded before missions existed."""
    from medmissions.core import demo

    people = {spec.login: user for spec in demo.PEOPLE for user in User.objects.filter(email=spec.email)}
    organizations = {spec.key: Organization.objects.get(slug=spec.slug) for spec in demo.ORGANIZATIONS}
    return build(people, organizations)
