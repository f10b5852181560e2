"""Demo field clinics: a flood response in Uganda coordinated by Elgon Ridge Hospital, three teams
reporting the WHO EMT Minimum Data Set to it, and a few weeks of consultations.

* **Kestrel surgical team** — the Elgon orthopaedic trauma week (closing): six days of
  consultations at the main campus, all submitted; one day corrected (version 2).
* **Lamplight maternal and newborn team** — the Gulu newborn week (in the field) at Kica Health
  Centre: today is still open, ready to capture and submit.
* **Uganda Red Cross mobile team** — not on medmissions: registered by the coordination cell, its
  days arrive as eDATA files (recorded here as imports); it has not reported today.

Everything goes through the clinics services, as a team would use them; the figures are drawn
from a fixed seed so every demo looks the same.
"""

from __future__ import annotations

import datetime
import random
import uuid
from typing import Any

from medmissions.accounts.models import User
from medmissions.clinics import capture, dhis2, follow_ups, referrals, reports, responses
from medmissions.clinics.choices import ConsultationSource, ReferralStatus, ReferralUrgency
from medmissions.clinics.models import Response, Team
from medmissions.missions.choices import TeamType
from medmissions.missions.models import Mission
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site

MARKER_RESPONSE = "Eastern and Northern Uganda floods 2026"
NAMESPACE = uuid.UUID("6f1d2c1e-5b7a-4c3e-9d41-7d2b8f0a9c10")

# Common presentations after floods: (item numbers, weight). Each consultation takes one or two.
PRESENTATIONS = (
    ((9,), 22),  # acute respiratory infection
    ((10,), 14),  # acute watery diarrhoea
    ((8,), 12),  # minor injury
    ((7,), 5),  # moderate injury
    ((25,), 9),  # skin disease
    ((18,), 6),  # fever of unknown origin
    ((19,), 4),  # suspected cholera (context slot)
    ((20,), 3),  # leptospirosis (context slot)
    ((21,), 2),  # snakebite (context slot)
    ((29,), 10),  # other diagnosis
    ((26,), 2),  # acute mental health problem
    ((6, 30), 2),  # major extremity injury with a major procedure
    ((8, 32), 4),  # minor injury sutured
    ((24,), 3),  # medical emergency
)
OUTCOMES = ((36, 70), (37, 18), (39, 6), (40, 5), (38, 1))
RELATIONS = ((44, 45), (45, 35), (46, 20))
ISSUES = {
    56: "Latrines at the Budadiri camp flooded; water trucking requested from the district.",
    57: "Three cases of suspected cholera from the same village; samples sent to Mbale.",
    62: "Oral rehydration salts below one week of stock.",
    61: "Road to Kapchorwa cut for a day; the team worked from Budadiri.",
}


def _choose(rng: random.Random, options: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _consultation(rng: random.Random, site: Site, date: datetime.date, key: str) -> dict[str, Any]:
    age_group = rng.choices((1, 2, 3, 4, 5), weights=(6, 16, 24, 44, 10))[0]
    sex = rng.choice((1, 2))
    if sex == 2 and age_group in (3, 4) and rng.random() < 0.12:
        sex = 3
    items = set(_choose(rng, PRESENTATIONS))
    if rng.random() < 0.15:
        items |= set(_choose(rng, PRESENTATIONS))
    if sex == 3 and rng.random() < 0.3:
        items |= {27} if rng.random() < 0.5 else {33}
    if age_group in (1, 2) and rng.random() < 0.04:
        items |= {28}  # severe acute malnutrition (restricted)
    if age_group in (1, 2) and rng.random() < 0.02:
        items |= {47}  # vulnerable child (restricted)
    items.add(_choose(rng, OUTCOMES))
    items.add(_choose(rng, RELATIONS))
    if age_group in (1, 2):
        items -= {33, 34, 35}
    return {
        "client_id": uuid.uuid5(NAMESPACE, key),
        "site": site.pk,
        "date": date,
        "age_group": age_group,
        "sex": sex,
        "items": sorted(items),
    }


def _record_days(
    team: Team,
    actor: User,
    sites: list[Site],
    days: list[datetime.date],
    rng: random.Random,
    *,
    per_day: tuple[int, int],
    source: str,
) -> int:
    count = 0
    for date in days:
        for site in sites:
            batch = [
                _consultation(rng, site, date, f"{team.name}-{site.pk}-{date}-{number}")
                for number in range(rng.randint(*per_day))
            ]
            capture.record_batch(team, actor=actor, consultations=batch, source=source)
            count += len(batch)
    return count


def _submit_days(team: Team, actor: User, until: datetime.date, rng: random.Random) -> None:
    for report in team.daily_reports.filter(date__lte=until).order_by("date", "site__name"):
        if rng.random() < 0.25:
            number = rng.choice(sorted(ISSUES))
            reports.set_issues(
                report, actor=actor, issues={number: {"flagged": True, "comment": ISSUES[number]}}
            )
        preview = reports.preview(report)
        reason = "Relation to the event not recorded for a few walk-in patients." if preview.warnings else ""
        reports.submit(report, actor=actor, warnings_reason=reason)


def build(
    people: dict[str, User], organizations: dict[str, Organization], today: datetime.date
) -> dict[str, int]:
    """The response, its three teams and their consultations; needs the demo missions."""
    if Response.objects.filter(name=MARKER_RESPONSE).exists():
        return {"teams": Team.objects.filter(response__name=MARKER_RESPONSE).count(), "consultations": 0}
    rng = random.Random(20261121)
    elgon = organizations["elgon"]
    coordinator = people["irene.namono"]
    response = responses.create_response(
        actor=coordinator,
        organization=elgon,
        data={
            "name": MARKER_RESPONSE,
            "country": "UG",
            "description": (
                "Flash floods and landslides on the slopes of Mount Elgon and along the Aswa river. "
                "Elgon Ridge Hospital hosts the district coordination cell; every team reports the WHO "
                "EMT Minimum Data Set daily."
            ),
            "starts_on": today - datetime.timedelta(days=21),
            "time_zone": "Africa/Kampala",
        },
    )
    responses.set_item_labels(
        response,
        actor=coordinator,
        labels={
            19: {"label": "Suspected cholera", "icd_code": "A00"},
            20: {"label": "Leptospirosis", "icd_code": "A27"},
            21: {"label": "Snakebite", "icd_code": "T63.0"},
        },
    )
    main_campus = Site.objects.get(name="Elgon Ridge Hospital, main campus")
    budadiri = Site.objects.get(name="Budadiri hill outreach point")
    kapchorwa = Site.objects.get(name="Kapchorwa health post")
    kica = Site.objects.get(name="Kica Health Centre")
    consultations = 0

    # Kestrel's trauma week: six days at the main campus, submitted, one corrected.
    trauma_mission = Mission.objects.get(title="Elgon orthopaedic trauma week")
    kestrel_team = responses.open_mission_team(
        trauma_mission,
        actor=people["priya.nair"],
        data={
            "name": "Kestrel surgical team",
            "emt_type": TeamType.TYPE_2,
            "response": response,
            "lead": people["priya.nair"],
            "contact_name": "Priya Nair",
            "contact_email": "priya.nair@demo.medmissions.org",
            "working_hours": "08:00–18:00",
        },
        sites=[main_campus],
    )
    trauma_days = [trauma_mission.starts_on + datetime.timedelta(days=offset) for offset in range(6)]
    trauma_days = [day for day in trauma_days if day <= today]
    consultations += _record_days(
        kestrel_team,
        people["priya.nair"],
        [main_campus],
        trauma_days,
        rng,
        per_day=(18, 30),
        source=ConsultationSource.CAPTURE,
    )
    _submit_days(kestrel_team, people["priya.nair"], today, rng)
    corrected = kestrel_team.daily_reports.order_by("date").first()
    if corrected is not None:
        reports.start_correction(corrected, actor=people["priya.nair"])
        late = _consultation(rng, main_campus, corrected.date, "kestrel-late-entry")
        late["items"] = [8, 32, 36, 44]
        capture.record_consultation(kestrel_team, actor=people["priya.nair"], data=late)
        reports.submit(
            corrected,
            actor=people["priya.nair"],
            correction_reason="A sutured hand laceration was written in the theatre book but not on the tally.",
            warnings_reason="Relation to the event not recorded for a few walk-in patients.",
        )
        consultations += 1

    # Lamplight's newborn week at Kica: days so far submitted, today open.
    gulu_mission = Mission.objects.get(title="Gulu newborn resuscitation week")
    lamplight_team = responses.open_mission_team(
        gulu_mission,
        actor=people["rachel.kim"],
        data={
            "name": "Lamplight maternal and newborn team",
            "emt_type": TeamType.TYPE_1_FIXED,
            "response": response,
            "lead": people["rachel.kim"],
            "contact_name": "Rachel Kim",
            "working_hours": "08:00–17:00",
        },
        sites=[kica],
    )
    gulu_days = [
        gulu_mission.starts_on + datetime.timedelta(days=offset)
        for offset in range((today - gulu_mission.starts_on).days + 1)
    ]
    consultations += _record_days(
        lamplight_team,
        people["rachel.kim"],
        [kica],
        gulu_days,
        rng,
        per_day=(12, 22),
        source=ConsultationSource.CAPTURE,
    )
    _submit_days(lamplight_team, people["rachel.kim"], today - datetime.timedelta(days=1), rng)

    # The Red Cross mobile team sends eDATA files; it has not reported today.
    red_cross = responses.register_team(
        response,
        actor=coordinator,
        data={
            "name": "Uganda Red Cross mobile team 2",
            "organization_name": "Uganda Red Cross Society",
            "emt_type": TeamType.TYPE_1_MOBILE,
            "contact_name": "Okot Denis",
            "contact_phone": "+256 700 000 000",
            "working_hours": "07:30–16:30",
        },
        sites=[budadiri, kapchorwa],
    )
    red_cross_days = [today - datetime.timedelta(days=offset) for offset in range(20, 0, -1)]
    consultations += _record_days(
        red_cross,
        coordinator,
        [budadiri, kapchorwa],
        red_cross_days,
        rng,
        per_day=(10, 20),
        source=ConsultationSource.IMPORT,
    )
    _submit_days(red_cross, coordinator, today, rng)
    _refer(people, red_cross, kestrel_team, main_campus, today)
    # The district's DHIS2 codes for its facilities and the teams reporting to it.
    dhis2.save_dhis2_mapping(
        response,
        coordinator,
        {
            "data_set": "EMT_MDS_DAILY",
            "org_units": {
                str(main_campus.pk): "UG-MBL-ERH",
                str(budadiri.pk): "UG-SRK-BDD-OP",
                str(kapchorwa.pk): "UG-KPC-HP",
                str(kica.pk): "UG-GUL-KICA-HC",
            },
            "attribute_option_combos": {
                str(kestrel_team.pk): "EMT_KESTREL",
                str(lamplight_team.pk): "EMT_LAMPLIGHT",
                str(red_cross.pk): "EMT_URCS_2",
            },
        },
    )
    return {"teams": 3, "consultations": consultations}


# (urgency, reason, what the facility did: None = not answered yet, or (status, outcome),
#  follow-up: None or (what to do, days until due, done outcome or None))
RED_CROSS_REFERRALS = (
    (
        ReferralUrgency.EMERGENCY,
        "Open tibial fracture after a landslide; splinted and given antibiotics.",
        (ReferralStatus.COMPLETED, "External fixation on the day of arrival; discharged on day 9."),
        (
            "Review the fixator pin sites at the Budadiri outreach clinic",
            -4,
            "Pin sites clean; next review in 2 weeks.",
        ),
    ),
    (
        ReferralUrgency.URGENT,
        "Severe dehydration with suspected cholera; two litres of Ringer's lactate given.",
        (
            ReferralStatus.COMPLETED,
            "Treated in the cholera treatment unit; stool culture positive, notified.",
        ),
        None,
    ),
    (
        ReferralUrgency.URGENT,
        "Snakebite to the left hand, swelling spreading past the wrist.",
        (ReferralStatus.ACCEPTED, ""),
        ("Check renal function and the bite wound on the ward", 2, None),
    ),
    (
        ReferralUrgency.ROUTINE,
        "Suspected diabetes; needs a glucose profile and a clinic appointment.",
        None,
        None,
    ),
    (
        ReferralUrgency.ROUTINE,
        "Chronic cough for six weeks; sputum for tuberculosis testing.",
        (
            ReferralStatus.LOST,
            "Did not arrive; the village health team could not find the family after the floods.",
        ),
        None,
    ),
)


def _refer(
    people: dict[str, User], red_cross: Team, kestrel_team: Team, main_campus: Site, today: datetime.date
) -> None:
    """Referrals to Elgon Ridge's main campus: the Red Cross team's in every state, and the
    Kestrel team's urgent one whose open follow-up holds up the mission's completion."""
    facility_member = people["peter.masaba"]
    referred = red_cross.consultations.filter(mds_39=True).order_by("report__date", "reference")
    for consultation, (urgency, reason, answer, follow_up) in zip(
        referred, RED_CROSS_REFERRALS, strict=False
    ):
        referral = referrals.refer(
            consultation, actor=people["irene.namono"], facility=main_campus, reason=reason, urgency=urgency
        )
        if answer is None:
            continue
        status, outcome = answer
        referrals.respond(referral, actor=facility_member, accept=True)
        if follow_up is not None:
            description, due_in, done = follow_up
            task = follow_ups.add_follow_up(
                referral,
                actor=facility_member,
                description=description,
                assignee=facility_member,
                due_on=today + datetime.timedelta(days=max(due_in, 0)),
            )
            if done is not None:
                follow_ups.update_follow_up(task, actor=facility_member, status="done", outcome=done)
        if status != ReferralStatus.ACCEPTED:
            referrals.close(referral, actor=facility_member, status=status, outcome=outcome)
    urgent = kestrel_team.consultations.filter(mds_39=True).order_by("reference").first()
    if urgent is not None:
        referral = referrals.refer(
            urgent,
            actor=people["priya.nair"],
            facility=main_campus,
            reason="Displaced supracondylar fracture after reduction; needs review by Elgon's orthopaedic clinic.",
            urgency=ReferralUrgency.URGENT,
        )
        referrals.respond(referral, actor=facility_member, accept=True)
        follow_ups.add_follow_up(
            referral,
            actor=people["priya.nair"],
            description="Check the circulation and the plaster at the Tuesday orthopaedic clinic",
            assignee=facility_member,
            due_on=today + datetime.timedelta(days=5),
        )
