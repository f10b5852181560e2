"""The demo's volunteers: about sixty people who serve with the demo organisations.

Visiting clinicians (surgeons, anaesthetists, theatre nurses, midwives, paediatricians, a
pharmacist, a physiotherapist, a dentist…), a chaplain, logisticians, interpreters, public-health
staff, medical and nursing students, and the local health workers of the hosts (clinical
officers, nurses, midwives, community health workers). Eleven of them sign in with a demo
account; the others were registered by their organisation.

Their credentials are dated relative to the day the demo is loaded, so that every state is on
show: valid and verified, due for renewal within 7, 30 and 90 days, expired, uploaded and awaiting
verification, rejected with a reason, and host-country temporary licences for Uganda and Kenya.
Documents are small generated PDFs marked as specimens.

Everything is created through the volunteers services, acted by the person themself (account
holders) or by their organisation's vetting admin, and verified by a vetting admin of an
organisation the person is affiliated with, so the audit trail reads as it would in real use.
"""

from __future__ import annotations

import datetime
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone

from medmissions.accounts.models import User
from medmissions.core.models import Language
from medmissions.organizations.models import Organization
from medmissions.volunteers import credentials as credential_services
from medmissions.volunteers import services as volunteer_services
from medmissions.volunteers.choices import (
    AvailabilityKind,
    LanguageLevel,
    Proficiency,
    ProfileVisibility,
    VerificationOutcome,
)
from medmissions.volunteers.models import CredentialType, Person, Specialty

# Credential states in the demo (the status itself is always computed on read).
VERIFIED = "verified"  # with a document, verified by the person's organisation
AWAITING = "awaiting"  # with a document, not yet checked
REJECTED = "rejected"  # with a document, rejected with a reason
NO_DOCUMENT = "no_document"  # entered without a copy of the document

NATIVE, FLUENT, WORKING, BASIC = (
    LanguageLevel.NATIVE,
    LanguageLevel.FLUENT,
    LanguageLevel.WORKING,
    LanguageLevel.BASIC,
)
TRAINEE, COMPETENT, EXPERIENCED, EXPERT = (
    Proficiency.TRAINEE,
    Proficiency.COMPETENT,
    Proficiency.EXPERIENCED,
    Proficiency.EXPERT,
)
AVAILABLE, UNAVAILABLE = AvailabilityKind.AVAILABLE, AvailabilityKind.UNAVAILABLE

# The volunteers with a demo account but no membership (demo.PEOPLE holds their accounts).
VOLUNTEER_LOGINS = {
    "omar.haddad": "Volunteer general surgeon with Kestrel Global Health — licence awaiting verification",
    "isabel.reyes": "Volunteer midwife with Lamplight Medical Mission — passport scan rejected, BLS expiring",
}
# The demo's volunteers count as loaded when this account has its volunteer profile.
MARKER_VOLUNTEER = "omar.haddad"

# Who registers an organisation's people and checks their credentials: the first listed who is
# not the person themself (nobody verifies their own credentials).
VETTERS: dict[str, tuple[str, ...]] = {
    "kestrel": ("priya.nair", "hannah.whitfield"),
    "severnvale": ("richard.hale", "sarah.lindqvist"),
    "lamplight": ("rachel.kim", "daniel.brooks"),
    "wellspring": ("ruth.ellis",),
    "elgon": ("irene.namono", "moses.wanyama"),
    "kica": ("brenda.atim", "amara.okello"),
    "winam": ("kevin.otieno", "achieng.odhiambo"),
    "lakeshore": ("limbani.phiri", "chikondi.banda"),
    "klinik": ("marie-claude.joseph", "jean-robert.pierre"),
    "seti": ("bikash.thapa", "sunita.gurung"),
    "sewa": ("mohamed.sesay", "fatmata.kamara"),
}


# --- Credentials -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialSpec:
    type: str
    issuing_body: str
    country: str = ""
    expires_in: int | None = None  # days from the day the demo is loaded; None: never expires
    valid_days: int = 365  # how long it was issued for (gives the issue date)
    status: str = VERIFIED
    region: str = ""  # state or province of issue (US licences)
    notes: str = ""  # the verifier's note, or the reason for a rejection
    by: str | None = None  # organisation key of the verifier; default: the person's home
    prefix: str = ""  # of the number


def licence(body: str, country: str, expires_in: int, prefix: str, **options) -> CredentialSpec:
    return CredentialSpec("professional-licence", body, country, expires_in, prefix=prefix, **options)


def specialist(body: str, country: str, expires_in: int, prefix: str = "", **options) -> CredentialSpec:
    options.setdefault("valid_days", 5 * 365)
    return CredentialSpec("specialist-certificate", body, country, expires_in, prefix=prefix, **options)


def bls(expires_in: int, body: str = "Resuscitation Council UK", **options) -> CredentialSpec:
    return CredentialSpec("bls", body, "", expires_in, valid_days=2 * 365, prefix="BLS-", **options)


def acls(expires_in: int, body: str = "Resuscitation Council UK", **options) -> CredentialSpec:
    return CredentialSpec("acls", body, "", expires_in, valid_days=2 * 365, prefix="ALS-", **options)


def insurance(body: str, expires_in: int, **options) -> CredentialSpec:
    return CredentialSpec("malpractice-insurance", body, "", expires_in, prefix="POL-", **options)


PASSPORT_OFFICES = {
    "GB": "HM Passport Office",
    "US": "U.S. Department of State",
    "FR": "Ministère de l'Intérieur",
    "SE": "Swedish Police Authority",
    "IE": "Department of Foreign Affairs, Passport Service",
}


def passport(country: str, expires_in: int, **options) -> CredentialSpec:
    return CredentialSpec(
        "passport", PASSPORT_OFFICES[country], country, expires_in, valid_days=10 * 365, **options
    )


IMMIGRATION = {
    "UG": ("Directorate of Citizenship and Immigration Control", "UG-SP-"),
    "KE": ("Department of Immigration Services", "KE-WP-"),
    "HT": ("Direction de l'Immigration et de l'Émigration", "HT-AS-"),
    "NP": ("Department of Immigration", "NP-NTV-"),
    "MW": ("Department of Immigration and Citizenship Services", "MW-TEP-"),
}


def permit(country: str, expires_in: int, **options) -> CredentialSpec:
    body, prefix = IMMIGRATION[country]
    return CredentialSpec(
        "visa-work-permit", body, country, expires_in, valid_days=180, prefix=prefix, **options
    )


TEMPORARY_LICENSING = {
    "UG": ("Uganda Medical and Dental Practitioners Council", "UMDPC/TL/"),
    "KE": ("Kenya Medical Practitioners and Dentists Council", "KMPDC/TL/"),
    "NP": ("Nepal Medical Council", "NMC-TR-"),
    "HT": ("Ministère de la Santé Publique et de la Population (MSPP)", "MSPP-AE-"),
}
TEMPORARY_NURSING = {
    "UG": ("Uganda Nurses and Midwives Council", "UNMC/TL/"),
    "KE": ("Nursing Council of Kenya", "NCK/TL/"),
}


def temporary_licence(country: str, expires_in: int, *, nursing: bool = False, **options) -> CredentialSpec:
    body, prefix = (TEMPORARY_NURSING if nursing else TEMPORARY_LICENSING)[country]
    return CredentialSpec(
        "host-temporary-licence", body, country, expires_in, valid_days=180, prefix=prefix, **options
    )


def yellow_fever(**options) -> CredentialSpec:
    options.setdefault("valid_days", 3 * 365)  # here: how long ago it was given
    return CredentialSpec("yellow-fever-vaccination", "Designated yellow fever vaccination centre", **options)


def hepatitis_b(**options) -> CredentialSpec:
    options.setdefault("valid_days", 6 * 365)
    return CredentialSpec("hepatitis-b-vaccination", "Occupational health service", **options)


def background(body: str, country: str, expires_in: int, **options) -> CredentialSpec:
    return CredentialSpec(
        "background-check", body, country, expires_in, valid_days=3 * 365, prefix="DBS-", **options
    )


# --- People ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerSpec:
    key: str  # the demo login for account holders; otherwise a stable name for the email address
    full_name: str
    home: str  # organisation key: registers the person (or is named by them) and vets them
    profession: str
    specialties: tuple[tuple[str, int], ...]
    languages: tuple[tuple[str, int, int, int], ...]
    credentials: tuple[CredentialSpec, ...] = ()
    login: bool = False
    also_home: tuple[str, ...] = ()  # further home organisations (account holders name them)
    shared_with: tuple[str, ...] = ()  # organisations the person shared their profile with
    nationality: str = ""
    born: int | None = None
    years: int | None = None
    trainee: bool = False
    employer: str = ""
    leave_approved: bool = False
    emergency: tuple[str, str, str] | None = None  # name, relationship, phone
    availability: tuple[tuple[str, int, int, str], ...] = ()  # kind, from, to (days from today), note
    phone: str = ""
    has_email: bool = True
    visibility: str = ProfileVisibility.ORGANISATIONS

    @property
    def email(self) -> str:
        from medmissions.core.demo import EMAIL_DOMAIN, email_for

        return email_for(self.key) if self.login else f"{self.key}@people.{EMAIL_DOMAIN}"


UK_INDEMNITY = "Medical Defence Union"
NURSING_INDEMNITY = "Royal College of Nursing indemnity scheme"
US_INSURER = "Cumberland Mutual Medical Liability"
GMC = "General Medical Council"
NMC = "Nursing and Midwifery Council"
UMDPC = "Uganda Medical and Dental Practitioners Council"
UNMC = "Uganda Nurses and Midwives Council"
AHPC = "Allied Health Professionals Council (Uganda)"

VOLUNTEERS: tuple[VolunteerSpec, ...] = (
    # --- Kestrel Global Health (UK surgical and anaesthesia training) ----------------------------
    VolunteerSpec(
        "sarah.lindqvist",
        "Dr Sarah Lindqvist",
        "severnvale",
        "medicine",
        (("anaesthesia", EXPERT),),
        (("en", NATIVE, NATIVE, NATIVE), ("de", BASIC, BASIC, BASIC)),
        (
            licence(GMC, "GB", 900, "GMC-", valid_days=5 * 365, by="kestrel"),
            specialist("Royal College of Anaesthetists", "GB", 1400, "CCT-", by="kestrel"),
            acls(25),
            passport("SE", 2100),
            permit("UG", 150, by="elgon", notes="Special pass seen with the original at the hospital."),
            temporary_licence("UG", 150, by="elgon"),
            insurance(UK_INDEMNITY, 210),
            yellow_fever(),
            hepatitis_b(),
        ),
        login=True,
        also_home=("kestrel",),
        shared_with=("elgon",),
        nationality="SE",
        born=1976,
        years=19,
        employer="Severnvale Teaching Hospitals Trust",
        leave_approved=True,
        emergency=("Johan Lindqvist", "Husband", "+44 7700 900311"),
        availability=((AVAILABLE, 70, 98, "Elgon Ridge anaesthesia course"),),
        visibility=ProfileVisibility.PARTNERS,
    ),
    VolunteerSpec(
        "tom.ellison",
        "Tom Ellison",
        "kestrel",
        "biomedical-engineering",
        (("biomedical-engineering", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE), ("sw", BASIC, BASIC, BASIC)),
        (
            passport("GB", 1900),
            permit("UG", 170, status=AWAITING),
            yellow_fever(),
            hepatitis_b(),
        ),
        login=True,
        nationality="GB",
        born=1988,
        years=9,
        employer="Wessex Coast NHS Trust, medical physics",
        leave_approved=True,
        emergency=("Laura Ellison", "Sister", "+44 7700 900412"),
        availability=((AVAILABLE, 45, 66, "Theatre equipment maintenance week"),),
    ),
    VolunteerSpec(
        "omar.haddad",
        "Dr Omar Haddad",
        "kestrel",
        "medicine",
        (("general-surgery", EXPERT), ("surgery", EXPERT)),
        (("en", FLUENT, FLUENT, FLUENT), ("ar", NATIVE, NATIVE, FLUENT), ("fr", WORKING, WORKING, BASIC)),
        (
            licence(GMC, "GB", 1300, "GMC-", valid_days=5 * 365, status=AWAITING),
            specialist("Royal College of Surgeons of England", "GB", 1200, "FRCS-"),
            passport("GB", 2600),
            permit("UG", 200),
            temporary_licence("UG", 200, notes="Council letter and receipt checked."),
            insurance("Medical Protection Society", 300),
            yellow_fever(),
            hepatitis_b(),
        ),
        login=True,
        nationality="GB",
        born=1979,
        years=16,
        employer="Clifton Vale Hospital, Bristol",
        leave_approved=True,
        emergency=("Layla Haddad", "Wife", "+44 7700 900518"),
        availability=(
            (AVAILABLE, 75, 110, "Unpaid leave agreed with the hospital"),
            (UNAVAILABLE, 20, 34, "Exam period: I examine for the college"),
        ),
        visibility=ProfileVisibility.PARTNERS,
    ),
    VolunteerSpec(
        "fiona.macleod",
        "Dr Fiona MacLeod",
        "kestrel",
        "medicine",
        (("orthopaedic-surgery", EXPERT),),
        (("en", NATIVE, NATIVE, NATIVE),),
        (
            licence(GMC, "GB", 700, "GMC-", valid_days=5 * 365),
            specialist("Royal College of Surgeons of Edinburgh", "GB", 500, "FRCSEd-"),
            passport("GB", 80),
            permit("UG", -40),
            temporary_licence("UG", -40),
            insurance(UK_INDEMNITY, 160),
            yellow_fever(valid_days=9 * 365),
            hepatitis_b(),
        ),
        nationality="GB",
        born=1968,
        years=28,
        employer="Highland Orthopaedic Centre, Inverness",
        leave_approved=False,
        emergency=("Iain MacLeod", "Husband", "+44 7700 900623"),
        phone="+44 7700 900624",
    ),
    VolunteerSpec(
        "kwame.mensah-bonsu",
        "Dr Kwame Mensah-Bonsu",
        "kestrel",
        "medicine",
        (("plastic-surgery", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE), ("tw", NATIVE, WORKING, BASIC)),
        (
            licence(GMC, "GB", 1100, "GMC-", valid_days=5 * 365),
            passport("GB", 1500),
            insurance(UK_INDEMNITY, 6),
            yellow_fever(),
            hepatitis_b(),
        ),
        nationality="GB",
        born=1981,
        years=13,
        employer="Wessex Coast NHS Trust",
        leave_approved=True,
        emergency=("Abena Mensah-Bonsu", "Mother", "+44 7700 900731"),
        availability=((AVAILABLE, 120, 140, "Burns reconstruction teaching"),),
    ),
    VolunteerSpec(
        "rohan.mehta",
        "Dr Rohan Mehta",
        "kestrel",
        "medicine",
        (("anaesthesia", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE), ("hi", FLUENT, WORKING, BASIC), ("sw", BASIC, BASIC, BASIC)),
        (
            licence(GMC, "GB", 1000, "GMC-", valid_days=5 * 365),
            acls(-12),
            passport("GB", 2200),
            permit("UG", 160),
            temporary_licence("UG", 160, status=AWAITING),
            insurance(UK_INDEMNITY, 230),
            yellow_fever(),
            hepatitis_b(),
        ),
        nationality="GB",
        born=1985,
        years=11,
        employer="Clifton Vale Hospital, Bristol",
        leave_approved=True,
        emergency=("Meera Mehta", "Wife", "+44 7700 900842"),
        availability=((AVAILABLE, 70, 98, "Elgon Ridge anaesthesia course"),),
    ),
    VolunteerSpec(
        "bethan.griffiths",
        "Bethan Griffiths",
        "kestrel",
        "nursing",
        (("theatre-nursing", EXPERT),),
        (("en", NATIVE, NATIVE, NATIVE),),
        (
            licence(NMC, "GB", 150, "NMC-"),
            bls(28),
            passport("GB", 1300),
            insurance(NURSING_INDEMNITY, 150),
            hepatitis_b(),
            yellow_fever(),
        ),
        nationality="GB",
        born=1974,
        years=24,
        employer="Clifton Vale Hospital, Bristol",
        leave_approved=True,
        emergency=("Rhys Griffiths", "Son", "+44 7700 900953"),
    ),
    VolunteerSpec(
        "samuel.adeyemi",
        "Samuel Adeyemi",
        "kestrel",
        "nursing",
        (("theatre-nursing", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE), ("yo", NATIVE, WORKING, WORKING)),
        (
            licence(NMC, "GB", 260, "NMC-"),
            bls(400),
            passport("GB", 2500),
            permit("UG", 175, status=AWAITING),
            insurance(NURSING_INDEMNITY, 260),
            hepatitis_b(),
            yellow_fever(),
        ),
        nationality="GB",
        born=1990,
        years=8,
        employer="Wessex Coast NHS Trust",
        leave_approved=False,
        emergency=("Funmi Adeyemi", "Mother", "+44 7700 900164"),
        availability=((AVAILABLE, 70, 98, ""),),
    ),
    VolunteerSpec(
        "eleanor.price",
        "Dr Eleanor Price",
        "kestrel",
        "medicine",
        (("general-surgery", COMPETENT),),
        (("en", NATIVE, NATIVE, NATIVE), ("es", WORKING, WORKING, BASIC)),
        (
            licence(GMC, "GB", 1500, "GMC-", valid_days=5 * 365),
            passport("GB", 3000),
            insurance(UK_INDEMNITY, 320),
            hepatitis_b(),
        ),
        nationality="GB",
        born=1992,
        years=6,
        employer="Highland Orthopaedic Centre, Inverness",
        emergency=("Mark Price", "Father", "+44 7700 900275"),
    ),
    VolunteerSpec(
        "mei-ling.tan",
        "Mei Ling Tan",
        "kestrel",
        "nursing",
        (("theatre-nursing", COMPETENT),),
        (("en", FLUENT, FLUENT, FLUENT), ("zh", NATIVE, FLUENT, WORKING)),
        (licence(NMC, "GB", 330, "NMC-"), bls(500), passport("GB", -5), hepatitis_b()),
        nationality="MY",
        born=1994,
        years=5,
        employer="Clifton Vale Hospital, Bristol",
        leave_approved=True,
        emergency=("Tan Wei Ming", "Brother", "+44 7700 900386"),
    ),
    VolunteerSpec(
        "aled.roberts",
        "Aled Roberts",
        "kestrel",
        "logistics",
        (("logistics", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE), ("fr", WORKING, WORKING, BASIC)),
        (
            passport("GB", 1700),
            permit("UG", 190, status=AWAITING),
            background("Disclosure and Barring Service", "GB", 600),
            yellow_fever(),
        ),
        nationality="GB",
        born=1983,
        years=12,
        employer="Self-employed logistics consultant",
        leave_approved=True,
        emergency=("Ffion Roberts", "Wife", "+44 7700 900497"),
        availability=((AVAILABLE, 60, 100, "Equipment shipment and customs clearance"),),
    ),
    VolunteerSpec(
        "camille.laurent",
        "Dr Camille Laurent",
        "kestrel",
        "medicine",
        (("anaesthesia", EXPERT), ("emergency-medicine", COMPETENT)),
        (("fr", NATIVE, NATIVE, NATIVE), ("en", FLUENT, FLUENT, FLUENT), ("ht", BASIC, BASIC, BASIC)),
        (
            licence(GMC, "GB", 800, "GMC-", valid_days=5 * 365),
            passport("FR", 1800),
            insurance(UK_INDEMNITY, 240),
            yellow_fever(),
            hepatitis_b(),
        ),
        nationality="FR",
        born=1977,
        years=20,
        employer="Severnvale Teaching Hospitals Trust",
        leave_approved=True,
        emergency=("Claire Laurent", "Sister", "+33 6 12 34 56 78"),
    ),
    # --- Severnvale Teaching Hospitals Trust (exchanges with Kisumu and Pokhara) ----------------
    VolunteerSpec(
        "aisha.rahman",
        "Aisha Rahman",
        "severnvale",
        "nursing",
        (("nursing", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE), ("bn", FLUENT, WORKING, BASIC), ("sw", BASIC, BASIC, BASIC)),
        (
            licence(NMC, "GB", 240, "NMC-"),
            passport("GB", 2000),
            permit("KE", 140, by="winam"),
            temporary_licence("KE", 140, nursing=True, status=AWAITING),
            insurance(NURSING_INDEMNITY, 240),
            yellow_fever(),
            hepatitis_b(),
        ),
        login=True,
        shared_with=("winam",),
        nationality="GB",
        born=1987,
        years=12,
        employer="Severnvale Teaching Hospitals Trust",
        leave_approved=True,
        emergency=("Farhan Rahman", "Husband", "+44 7700 900508"),
        availability=((AVAILABLE, 90, 118, "Kisumu exchange placement"),),
    ),
    VolunteerSpec(
        "james.whitaker",
        "Dr James Whitaker",
        "severnvale",
        "medicine",
        (("emergency-medicine", EXPERT),),
        (("en", NATIVE, NATIVE, NATIVE), ("ne", BASIC, BASIC, BASIC)),
        (
            licence(GMC, "GB", 950, "GMC-", valid_days=5 * 365),
            acls(380),
            passport("GB", 1600),
            permit("NP", 120),
            temporary_licence("NP", 120),
            insurance(UK_INDEMNITY, 190),
            hepatitis_b(),
        ),
        nationality="GB",
        born=1975,
        years=21,
        employer="Severnvale Teaching Hospitals Trust",
        leave_approved=True,
        emergency=("Helen Whitaker", "Wife", "+44 7700 900619"),
        availability=((AVAILABLE, 30, 51, "Pokhara triage course"),),
    ),
    VolunteerSpec(
        "tamsin.clarke",
        "Dr Tamsin Clarke",
        "severnvale",
        "medicine",
        (("emergency-medicine", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE),),
        (
            licence(GMC, "GB", 1250, "GMC-", valid_days=5 * 365),
            passport("GB", 2700),
            permit("NP", 130),
            temporary_licence("NP", 130, status=AWAITING),
            insurance(UK_INDEMNITY, 280),
            hepatitis_b(),
        ),
        nationality="GB",
        born=1989,
        years=9,
        employer="Severnvale Teaching Hospitals Trust",
        leave_approved=False,
        emergency=("Peter Clarke", "Father", "+44 7700 900720"),
        availability=((AVAILABLE, 30, 51, "Pokhara triage course"),),
    ),
    VolunteerSpec(
        "olumide.bakare",
        "Olumide Bakare",
        "severnvale",
        "rehabilitation",
        (("physiotherapy", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE), ("yo", FLUENT, BASIC, BASIC)),
        (
            licence("Health and Care Professions Council", "GB", 45, "PH-", valid_days=2 * 365),
            passport("GB", 1400),
            hepatitis_b(),
        ),
        nationality="GB",
        born=1986,
        years=14,
        employer="Severnvale Teaching Hospitals Trust",
        emergency=("Kemi Bakare", "Wife", "+44 7700 900831"),
    ),
    VolunteerSpec(
        "catherine.oneill",
        "Catherine O'Neill",
        "severnvale",
        "nursing",
        (("midwifery", EXPERT),),
        (("en", NATIVE, NATIVE, NATIVE), ("sw", WORKING, BASIC, BASIC)),
        (
            licence(NMC, "GB", 280, "NMC-"),
            passport("IE", 1900),
            permit("KE", 100),
            temporary_licence("KE", 100, nursing=True),
            insurance(NURSING_INDEMNITY, 280),
            yellow_fever(),
            hepatitis_b(),
        ),
        nationality="IE",
        born=1972,
        years=27,
        employer="Severnvale Teaching Hospitals Trust, maternity unit",
        leave_approved=True,
        emergency=("Declan O'Neill", "Husband", "+44 7700 900942"),
        availability=((AVAILABLE, 40, 70, "Simulation training at Winam Gulf"),),
    ),
    VolunteerSpec(
        "daniel.fraser",
        "Daniel Fraser",
        "severnvale",
        "medicine",
        (("medicine", TRAINEE), ("emergency-medicine", TRAINEE)),
        (("en", NATIVE, NATIVE, NATIVE), ("ne", BASIC, BASIC, BASIC)),
        (
            passport("GB", 3200),
            background("Disclosure and Barring Service", "GB", 800),
            hepatitis_b(valid_days=2 * 365),
        ),
        nationality="GB",
        born=2001,
        trainee=True,
        employer="University of Gloucestershire medical school (final-year student)",
        leave_approved=True,
        emergency=("Alison Fraser", "Mother", "+44 7700 900153"),
        availability=((AVAILABLE, 100, 142, "Elective placement"),),
    ),
    VolunteerSpec(
        "yusuf.patel",
        "Yusuf Patel",
        "severnvale",
        "pharmacy",
        (("pharmacy", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE), ("ur", FLUENT, WORKING, BASIC), ("hi", WORKING, BASIC, BASIC)),
        (licence("General Pharmaceutical Council", "GB", 300, "GPhC-"), passport("GB", 2300)),
        nationality="GB",
        born=1980,
        years=17,
        employer="Severnvale Teaching Hospitals Trust, pharmacy",
        emergency=("Sana Patel", "Wife", "+44 7700 900264"),
    ),
    # --- Lamplight Medical Mission (Tennessee; placements at Kica) --------------------------------
    VolunteerSpec(
        "rachel.kim",
        "Dr Rachel Kim",
        "lamplight",
        "medicine",
        (("paediatrics", EXPERT),),
        (("en", NATIVE, NATIVE, NATIVE), ("es", WORKING, WORKING, BASIC)),
        (
            licence("Tennessee Board of Medical Examiners", "US", 220, "MD-", region="Tennessee"),
            specialist("American Board of Pediatrics", "US", 900, "ABP-"),
            passport("US", 2400),
            permit("UG", 150),
            temporary_licence("UG", 150),
            insurance(US_INSURER, 60),
            yellow_fever(),
            hepatitis_b(),
        ),
        login=True,
        nationality="US",
        born=1978,
        years=15,
        employer="Harpeth Valley Children's Clinic, Franklin",
        leave_approved=True,
        emergency=("Daniel Kim", "Husband", "+1 615 555 0142"),
        availability=((AVAILABLE, 50, 78, "Kica newborn care placement"),),
    ),
    VolunteerSpec(
        "isabel.reyes",
        "Isabel Reyes",
        "lamplight",
        "nursing",
        (("midwifery", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE), ("es", NATIVE, NATIVE, FLUENT)),
        (
            licence("Tennessee Board of Nursing", "US", 400, "RN-", region="Tennessee"),
            bls(5, body="American Heart Association"),
            passport(
                "US",
                2900,
                status=REJECTED,
                notes=(
                    "The scan is cut off at the bottom: the passport number and expiry date cannot be "
                    "read. Please upload a full, flat scan of the photo page."
                ),
            ),
            temporary_licence("UG", 160, nursing=True, status=AWAITING),
            permit("UG", 160, status=AWAITING),
            yellow_fever(),
        ),
        login=True,
        nationality="US",
        born=1990,
        years=8,
        employer="Cumberland Heights Medical Center, Nashville",
        leave_approved=True,
        emergency=("Marisol Reyes", "Sister", "+1 615 555 0187"),
        availability=((AVAILABLE, 60, 100, "Kica maternity placement"),),
    ),
    VolunteerSpec(
        "matthew.harper",
        "Dr Matthew Harper",
        "lamplight",
        "medicine",
        (("paediatrics", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE),),
        (
            licence("Kentucky Board of Medical Licensure", "US", 300, "KY-MD-", region="Kentucky"),
            passport("US", 1200),
            temporary_licence("UG", -20),
            insurance(US_INSURER, 200),
            yellow_fever(valid_days=5 * 365),
        ),
        nationality="US",
        born=1970,
        years=25,
        employer="St. Brendan's Children's Hospital, Louisville",
        leave_approved=True,
        emergency=("Susan Harper", "Wife", "+1 502 555 0123"),
    ),
    VolunteerSpec(
        "abigail.foster",
        "Abigail Foster",
        "lamplight",
        "nursing",
        (("nursing", COMPETENT),),
        (("en", NATIVE, NATIVE, NATIVE),),
        (
            licence("Tennessee Board of Nursing", "US", 500, "RN-", region="Tennessee"),
            bls(-3, body="American Heart Association"),
            passport("US", 2800),
            hepatitis_b(),
        ),
        nationality="US",
        born=1996,
        years=4,
        employer="Cumberland Heights Medical Center, Nashville",
        emergency=("Ruth Foster", "Mother", "+1 615 555 0164"),
    ),
    VolunteerSpec(
        "naomi.castillo",
        "Naomi Castillo",
        "lamplight",
        "nursing",
        (("midwifery", EXPERT),),
        (("en", NATIVE, NATIVE, NATIVE), ("es", NATIVE, FLUENT, FLUENT), ("sw", BASIC, BASIC, BASIC)),
        (
            licence("Kentucky Board of Nursing", "US", 420, "RN-", region="Kentucky"),
            passport("US", 1100),
            permit("UG", 75),
            temporary_licence("UG", 75, nursing=True),
            insurance(US_INSURER, 180),
            yellow_fever(),
            hepatitis_b(),
        ),
        nationality="US",
        born=1973,
        years=26,
        employer="Harpeth Valley Women's Clinic",
        leave_approved=True,
        emergency=("Pedro Castillo", "Husband", "+1 615 555 0110"),
        availability=((AVAILABLE, 15, 57, "Kica: midwife mentoring"),),
    ),
    VolunteerSpec(
        "emily.nguyen",
        "Emily Nguyen",
        "lamplight",
        "nursing",
        (("nursing", TRAINEE),),
        (("en", NATIVE, NATIVE, NATIVE), ("vi", FLUENT, BASIC, BASIC)),
        (passport("US", 3300), hepatitis_b(valid_days=400)),
        nationality="US",
        born=2003,
        trainee=True,
        employer="Belmont School of Nursing (student)",
        leave_approved=True,
        emergency=("Linh Nguyen", "Mother", "+1 615 555 0199"),
        availability=((UNAVAILABLE, 10, 40, "Clinical exams"), (AVAILABLE, 150, 180, "Summer placement")),
    ),
    VolunteerSpec(
        "ruth.asante",
        "Dr Ruth Asante",
        "lamplight",
        "medicine",
        (("obstetrics-gynaecology", EXPERT),),
        (("en", NATIVE, NATIVE, NATIVE), ("tw", NATIVE, FLUENT, WORKING)),
        (
            licence("Tennessee Board of Medical Examiners", "US", 350, "MD-", region="Tennessee"),
            specialist("American Board of Obstetrics and Gynecology", "US", 1000, "ABOG-"),
            passport("US", 1500),
            permit("UG", 170),
            temporary_licence("UG", 170),
            insurance(US_INSURER, 250),
            yellow_fever(),
            hepatitis_b(),
        ),
        nationality="US",
        born=1969,
        years=29,
        employer="Cumberland Heights Medical Center, Nashville",
        leave_approved=True,
        emergency=("Kofi Asante", "Husband", "+1 615 555 0131"),
        availability=((AVAILABLE, 50, 78, "Kica emergency obstetrics training"),),
    ),
    VolunteerSpec(
        "benjamin.walsh",
        "Benjamin Walsh",
        "lamplight",
        "pharmacy",
        (("pharmacy", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE),),
        (
            licence("Tennessee Board of Pharmacy", "US", 400, "PH-", region="Tennessee"),
            passport("US", 1000),
        ),
        nationality="US",
        born=1982,
        years=15,
        employer="Nashville Community Pharmacy",
        emergency=("Grace Walsh", "Wife", "+1 615 555 0176"),
    ),
    # --- Wellspring Fellowship Church (Cap-Haïtien partnership) ---------------------------------
    VolunteerSpec(
        "caleb.turner",
        "Caleb Turner",
        "wellspring",
        "spiritual-care",
        (("chaplaincy", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE), ("ht", BASIC, BASIC, BASIC), ("fr", BASIC, BASIC, BASIC)),
        (
            passport("US", 2100),
            background("Fieldprint background screening", "US", 500),
            permit("HT", 90, status=AWAITING),
        ),
        login=True,
        shared_with=("klinik",),
        nationality="US",
        born=1984,
        years=11,
        employer="Wellspring Fellowship Church",
        leave_approved=True,
        emergency=("Hannah Turner", "Wife", "+1 212 555 0148"),
        availability=((AVAILABLE, 35, 49, "Cap-Haïtien school health week"),),
    ),
    VolunteerSpec(
        "terrence.hayes",
        "Terrence Hayes",
        "wellspring",
        "logistics",
        (("logistics", COMPETENT),),
        (("en", NATIVE, NATIVE, NATIVE), ("fr", BASIC, BASIC, BASIC)),
        (passport("US", 1300), background("Fieldprint background screening", "US", 20)),
        nationality="US",
        born=1965,
        years=30,
        employer="Retired (former warehouse manager)",
        emergency=("Denise Hayes", "Wife", "+1 212 555 0159"),
    ),
    VolunteerSpec(
        "laura.bennett",
        "Dr Laura Bennett",
        "wellspring",
        "dentistry",
        (("dentistry", EXPERIENCED),),
        (("en", NATIVE, NATIVE, NATIVE), ("fr", WORKING, WORKING, BASIC)),
        (
            licence(
                "New York State Board of Dentistry", "US", 500, "DDS-", valid_days=3 * 365, region="New York"
            ),
            passport("US", 1900),
            temporary_licence("HT", 100),
            insurance(US_INSURER, 300),
            hepatitis_b(),
        ),
        nationality="US",
        born=1979,
        years=16,
        employer="Bennett Family Dentistry, Brooklyn",
        leave_approved=True,
        emergency=("Michael Bennett", "Husband", "+1 212 555 0170"),
        availability=((AVAILABLE, 35, 49, "Cap-Haïtien school health week"),),
    ),
    # --- Elgon Ridge Hospital (Mbale, Uganda) ----------------------------------------------------
    VolunteerSpec(
        "peter.masaba",
        "Peter Masaba",
        "elgon",
        "medicine",
        (("family-medicine", EXPERIENCED), ("emergency-medicine", COMPETENT)),
        (("en", FLUENT, FLUENT, FLUENT), ("lg", FLUENT, WORKING, WORKING), ("sw", WORKING, BASIC, BASIC)),
        (licence(AHPC, "UG", 180, "AHPC/CO/"), bls(12), hepatitis_b()),
        login=True,
        nationality="UG",
        born=1986,
        years=12,
        employer="Elgon Ridge Hospital (clinical officer)",
        emergency=("Ruth Masaba", "Wife", "+256 772 410 118"),
        availability=((UNAVAILABLE, 25, 39, "Annual leave"),),
    ),
    VolunteerSpec(
        "joyce.nambozo",
        "Joyce Nambozo",
        "elgon",
        "nursing",
        (("nursing", EXPERIENCED),),
        (("lg", NATIVE, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT), ("sw", WORKING, BASIC, BASIC)),
        (licence(UNMC, "UG", -15, "UNMC/RN/"), hepatitis_b()),
        login=True,
        nationality="UG",
        born=1983,
        years=15,
        employer="Elgon Ridge Hospital (nursing officer)",
        emergency=("Moses Nambozo", "Brother", "+256 701 220 347"),
    ),
    VolunteerSpec(
        "ronald.wamala",
        "Ronald Wamala",
        "elgon",
        "medicine",
        (("anaesthesia", COMPETENT),),
        (("lg", NATIVE, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (licence(AHPC, "UG", 250, "AHPC/AO/"), bls(300)),
        nationality="UG",
        born=1988,
        years=8,
        employer="Elgon Ridge Hospital (anaesthetic officer)",
        emergency=("Grace Wamala", "Wife", "+256 752 118 904"),
        phone="+256 772 301 455",
    ),
    VolunteerSpec(
        "sylvia.nabirye",
        "Sylvia Nabirye",
        "elgon",
        "nursing",
        (("midwifery", EXPERT),),
        (("lg", NATIVE, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT), ("sw", WORKING, BASIC, BASIC)),
        (licence(UNMC, "UG", 250, "UNMC/RM/"), hepatitis_b()),
        nationality="UG",
        born=1979,
        years=20,
        employer="Elgon Ridge Hospital (senior midwife)",
        emergency=("Paul Nabirye", "Husband", "+256 782 553 610"),
        phone="+256 772 887 230",
    ),
    VolunteerSpec(
        "brian.mugisha",
        "Dr Brian Mugisha",
        "elgon",
        "medicine",
        (("general-surgery", TRAINEE),),
        (("en", FLUENT, FLUENT, FLUENT), ("lg", WORKING, BASIC, BASIC), ("sw", WORKING, BASIC, BASIC)),
        (licence(UMDPC, "UG", 200, "UMDPC/INT/"), hepatitis_b(valid_days=700)),
        nationality="UG",
        born=1998,
        years=1,
        trainee=True,
        employer="Elgon Ridge Hospital (intern doctor)",
        emergency=("Florence Mugisha", "Mother", "+256 704 661 902"),
    ),
    VolunteerSpec(
        "harriet.khainza",
        "Harriet Khainza",
        "elgon",
        "nursing",
        (("theatre-nursing", EXPERIENCED),),
        (("lg", FLUENT, WORKING, WORKING), ("en", FLUENT, FLUENT, FLUENT)),
        (licence(UNMC, "UG", 21, "UNMC/RN/"), bls(220)),
        nationality="UG",
        born=1985,
        years=13,
        employer="Elgon Ridge Hospital (theatre)",
        emergency=("Sarah Khainza", "Sister", "+256 773 902 441"),
    ),
    VolunteerSpec(
        "emmanuel.wekesa",
        "Emmanuel Wekesa",
        "elgon",
        "laboratory",
        (("laboratory", EXPERIENCED),),
        (("en", FLUENT, FLUENT, FLUENT), ("sw", FLUENT, WORKING, WORKING), ("lg", WORKING, BASIC, BASIC)),
        (licence(AHPC, "UG", 330, "AHPC/LAB/", status=AWAITING),),
        nationality="UG",
        born=1990,
        years=9,
        employer="Elgon Ridge Hospital (laboratory)",
        emergency=("Jane Wekesa", "Wife", "+256 787 214 330"),
    ),
    # --- Kica Health Centre (Gulu, Uganda) -------------------------------------------------------
    VolunteerSpec(
        "patrick.opio",
        "Patrick Opio",
        "kica",
        "medicine",
        (("family-medicine", EXPERIENCED),),
        (("en", FLUENT, FLUENT, FLUENT), ("sw", WORKING, BASIC, BASIC), ("luo", FLUENT, BASIC, BASIC)),
        (licence(AHPC, "UG", 300, "AHPC/CO/"), bls(700, status=AWAITING)),
        login=True,
        nationality="UG",
        born=1989,
        years=9,
        employer="Kica Health Centre (clinical officer)",
        emergency=("Agnes Opio", "Wife", "+256 772 660 815"),
    ),
    VolunteerSpec(
        "santa.akello",
        "Santa Akello",
        "kica",
        "nursing",
        (("midwifery", EXPERT),),
        (("en", FLUENT, FLUENT, FLUENT), ("sw", WORKING, BASIC, BASIC)),
        (licence(UNMC, "UG", 40, "UNMC/RM/"),),
        nationality="UG",
        born=1977,
        years=22,
        employer="Kica Health Centre (midwife in charge)",
        emergency=("Okello Denis", "Husband", "+256 782 140 977"),
        phone="+256 772 455 903",
    ),
    VolunteerSpec(
        "nancy.lamunu",
        "Nancy Lamunu",
        "kica",
        "nursing",
        (("nursing", COMPETENT),),
        (("en", FLUENT, FLUENT, WORKING), ("sw", BASIC, BASIC, BASIC)),
        (licence(UNMC, "UG", 310, "UNMC/EN/"), hepatitis_b()),
        nationality="UG",
        born=1995,
        years=4,
        employer="Kica Health Centre (enrolled nurse)",
        emergency=("Betty Lamunu", "Mother", "+256 701 332 118"),
    ),
    VolunteerSpec(
        "geoffrey.okot",
        "Geoffrey Okot",
        "kica",
        "community-health-work",
        (("community-health-work", EXPERIENCED),),
        (("en", WORKING, WORKING, BASIC), ("sw", BASIC, BASIC, BASIC)),
        (
            specialist(
                "Gulu District Health Office (integrated community case management)",
                "UG",
                400,
                "ICCM-",
                valid_days=3 * 365,
            ),
        ),
        nationality="UG",
        born=1980,
        years=10,
        employer="Village health team, Unyama sub-county",
        phone="+256 775 208 614",
        has_email=False,
    ),
    VolunteerSpec(
        "christine.aber",
        "Christine Aber",
        "kica",
        "community-health-work",
        (("community-health-work", COMPETENT),),
        (("en", BASIC, BASIC, BASIC),),
        (
            specialist(
                "Gulu District Health Office (integrated community case management)",
                "UG",
                -60,
                "ICCM-",
                valid_days=3 * 365,
            ),
        ),
        nationality="UG",
        born=1992,
        years=5,
        employer="Village health team, Bungatira sub-county",
        phone="+256 779 541 027",
        has_email=False,
    ),
    # --- Winam Gulf School of Medicine (Kisumu, Kenya) -------------------------------------------
    VolunteerSpec(
        "mercy.atieno",
        "Mercy Atieno",
        "winam",
        "nursing",
        (("midwifery", EXPERT),),
        (("luo", NATIVE, FLUENT, FLUENT), ("sw", FLUENT, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (licence("Nursing Council of Kenya", "KE", 200, "NCK/"), bls(300)),
        login=True,
        nationality="KE",
        born=1981,
        years=18,
        employer="Winam Gulf School of Medicine (midwifery tutor)",
        emergency=("Otieno Atieno", "Husband", "+254 722 410 337"),
        availability=((AVAILABLE, 90, 118, "Hosting the Severnvale exchange"),),
    ),
    VolunteerSpec(
        "brian.ochieng",
        "Brian Ochieng",
        "winam",
        "nursing",
        (("nursing", TRAINEE),),
        (("luo", NATIVE, FLUENT, FLUENT), ("sw", FLUENT, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (hepatitis_b(valid_days=300),),
        nationality="KE",
        born=2003,
        trainee=True,
        employer="Winam Gulf School of Medicine (nursing student, year 3)",
        emergency=("Rose Ochieng", "Mother", "+254 733 918 202"),
    ),
    VolunteerSpec(
        "faith.wanjiru",
        "Faith Wanjiru",
        "winam",
        "nursing",
        (("midwifery", TRAINEE),),
        (("ki", NATIVE, FLUENT, FLUENT), ("sw", FLUENT, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (hepatitis_b(valid_days=200, status=AWAITING),),
        nationality="KE",
        born=2002,
        trainee=True,
        employer="Winam Gulf School of Medicine (midwifery student, year 2)",
        emergency=("Peter Kamau", "Father", "+254 711 004 562"),
    ),
    VolunteerSpec(
        "dennis.omondi",
        "Dr Dennis Omondi",
        "winam",
        "public-health",
        (("epidemiology", EXPERT), ("medicine", EXPERIENCED)),
        (("luo", NATIVE, FLUENT, FLUENT), ("sw", FLUENT, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (licence("Kenya Medical Practitioners and Dentists Council", "KE", 180, "KMPDC/"),),
        nationality="KE",
        born=1976,
        years=22,
        employer="Winam Gulf School of Medicine (community health department)",
        emergency=("Judith Omondi", "Wife", "+254 722 655 190"),
    ),
    VolunteerSpec(
        "lydia.chebet",
        "Lydia Chebet",
        "winam",
        "medicine",
        (("emergency-medicine", COMPETENT),),
        (("sw", FLUENT, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (licence("Clinical Officers Council (Kenya)", "KE", 15, "COC/"), bls(250)),
        nationality="KE",
        born=1993,
        years=6,
        employer="Kisumu County Referral Hospital (clinical officer)",
        emergency=("Kiprop Chebet", "Brother", "+254 720 771 034"),
    ),
    VolunteerSpec(
        "joseph.kiprono",
        "Joseph Kiprono",
        "winam",
        "nursing",
        (("nursing", EXPERIENCED),),
        (("sw", FLUENT, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (licence("Nursing Council of Kenya", "KE", -45, "NCK/"),),
        nationality="KE",
        born=1984,
        years=14,
        employer="Winam Gulf School of Medicine (skills and simulation centre)",
        emergency=("Mary Kiprono", "Wife", "+254 733 284 650"),
    ),
    # --- Lakeshore Zonal Health Office (Malawi) --------------------------------------------------
    VolunteerSpec(
        "chisomo.mbewe",
        "Chisomo Mbewe",
        "lakeshore",
        "community-health-work",
        (("community-health-work", EXPERIENCED),),
        (("ny", NATIVE, FLUENT, FLUENT), ("en", WORKING, WORKING, WORKING)),
        nationality="MW",
        born=1987,
        years=11,
        employer="Salima District Health Office (health surveillance assistant)",
        phone="+265 999 214 508",
        has_email=False,
    ),
    VolunteerSpec(
        "yamikani.chirwa",
        "Dr Yamikani Chirwa",
        "lakeshore",
        "public-health",
        (("public-health", EXPERT), ("epidemiology", EXPERIENCED)),
        (("ny", NATIVE, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (licence("Medical Council of Malawi", "MW", 260, "MCM/"),),
        nationality="MW",
        born=1978,
        years=19,
        employer="Lakeshore Zonal Health Office",
        emergency=("Tadala Chirwa", "Wife", "+265 888 402 117"),
    ),
    VolunteerSpec(
        "kondwani.nyirenda",
        "Kondwani Nyirenda",
        "lakeshore",
        "pharmacy",
        (("pharmacy", COMPETENT), ("logistics", COMPETENT)),
        (("ny", NATIVE, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (licence("Pharmacy and Medicines Regulatory Authority", "MW", 3, "PMRA/"),),
        nationality="MW",
        born=1991,
        years=7,
        employer="Zonal medical store, Salima (pharmacy technician)",
        emergency=("Esther Nyirenda", "Mother", "+265 999 630 442"),
    ),
    VolunteerSpec(
        "madalitso.banda",
        "Madalitso Banda",
        "lakeshore",
        "logistics",
        (("logistics", EXPERT),),
        (("ny", NATIVE, FLUENT, FLUENT), ("en", FLUENT, FLUENT, WORKING)),
        nationality="MW",
        born=1982,
        years=15,
        employer="Lakeshore Zonal Health Office (cold chain officer)",
        emergency=("Grace Banda", "Sister", "+265 888 173 905"),
    ),
    VolunteerSpec(
        "thokozani.gondwe",
        "Thokozani Gondwe",
        "lakeshore",
        "nursing",
        (("midwifery", EXPERIENCED),),
        (("ny", NATIVE, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (licence("Nurses and Midwives Council of Malawi", "MW", 70, "NMCM/"),),
        nationality="MW",
        born=1986,
        years=12,
        employer="Salima District Hospital (nurse-midwife)",
        emergency=("Blessings Gondwe", "Husband", "+265 999 051 776"),
    ),
    # --- Klinik Lespwa Nò (Cap-Haïtien, Haiti) ---------------------------------------------------
    VolunteerSpec(
        "widline.charles",
        "Widline Charles",
        "klinik",
        "nursing",
        (("nursing", EXPERIENCED),),
        (("ht", NATIVE, FLUENT, FLUENT), ("fr", FLUENT, FLUENT, FLUENT), ("en", BASIC, BASIC, BASIC)),
        (licence("Ministère de la Santé Publique et de la Population (MSPP)", "HT", 200, "MSPP-INF-"),),
        nationality="HT",
        born=1988,
        years=10,
        employer="Klinik Lespwa Nò",
        emergency=("Jacques Charles", "Husband", "+509 3412 0587"),
    ),
    VolunteerSpec(
        "jean-baptiste.dorvil",
        "Jean-Baptiste Dorvil",
        "klinik",
        "language",
        (("interpreter", EXPERT),),
        (("ht", NATIVE, NATIVE, NATIVE), ("fr", NATIVE, NATIVE, NATIVE), ("en", FLUENT, FLUENT, FLUENT)),
        nationality="HT",
        born=1990,
        years=9,
        employer="Freelance medical interpreter",
        emergency=("Marie Dorvil", "Mother", "+509 3788 1462"),
        availability=((AVAILABLE, 35, 49, "Interpreting for the school health week"),),
    ),
    VolunteerSpec(
        "roseline.etienne",
        "Dr Roseline Étienne",
        "klinik",
        "medicine",
        (("family-medicine", EXPERIENCED),),
        (("ht", NATIVE, FLUENT, FLUENT), ("fr", NATIVE, NATIVE, NATIVE), ("en", WORKING, WORKING, BASIC)),
        (licence("Ministère de la Santé Publique et de la Population (MSPP)", "HT", 320, "MSPP-MD-"),),
        nationality="HT",
        born=1980,
        years=16,
        employer="Klinik Lespwa Nò (medical director's deputy)",
        emergency=("Frantz Étienne", "Husband", "+509 3601 2290"),
    ),
    # --- Seti River Community Hospital (Pokhara, Nepal) ------------------------------------------
    VolunteerSpec(
        "anil.shrestha",
        "Dr Anil Shrestha",
        "seti",
        "medicine",
        (("emergency-medicine", EXPERIENCED),),
        (("ne", NATIVE, NATIVE, NATIVE), ("en", FLUENT, FLUENT, FLUENT), ("hi", WORKING, WORKING, BASIC)),
        (licence("Nepal Medical Council", "NP", 350, "NMC-"), acls(400, body="Nepal Resuscitation Council")),
        nationality="NP",
        born=1984,
        years=13,
        employer="Seti River Community Hospital (emergency department)",
        emergency=("Sita Shrestha", "Wife", "+977 980 1234 567"),
    ),
    VolunteerSpec(
        "sabina.tamang",
        "Sabina Tamang",
        "seti",
        "nursing",
        (("nursing", COMPETENT),),
        (("ne", NATIVE, FLUENT, FLUENT), ("en", WORKING, WORKING, WORKING)),
        (licence("Nepal Nursing Council", "NP", 25, "NNC-"),),
        nationality="NP",
        born=1994,
        years=5,
        employer="Seti River Community Hospital (staff nurse)",
        emergency=("Pasang Tamang", "Father", "+977 984 6123 908"),
    ),
    VolunteerSpec(
        "prakash.adhikari",
        "Prakash Adhikari",
        "seti",
        "rehabilitation",
        (("physiotherapy", COMPETENT),),
        (("ne", NATIVE, FLUENT, FLUENT), ("en", FLUENT, FLUENT, WORKING)),
        (licence("Nepal Health Professional Council", "NP", 500, "NHPC-", status=AWAITING),),
        nationality="NP",
        born=1991,
        years=6,
        employer="Seti River Community Hospital (rehabilitation)",
        emergency=("Gita Adhikari", "Wife", "+977 981 5502 731"),
    ),
    VolunteerSpec(
        "kabita.rai",
        "Kabita Rai",
        "seti",
        "language",
        (("interpreter", EXPERIENCED),),
        (("ne", NATIVE, NATIVE, NATIVE), ("en", FLUENT, FLUENT, FLUENT), ("hi", FLUENT, WORKING, WORKING)),
        nationality="NP",
        born=1996,
        years=4,
        employer="Seti River Community Hospital (patient liaison)",
        emergency=("Dil Rai", "Brother", "+977 986 2201 459"),
        availability=((AVAILABLE, 30, 51, "Interpreting for the Pokhara triage course"),),
    ),
    # --- Sewa Valley Health Alliance (Sierra Leone) ----------------------------------------------
    VolunteerSpec(
        "aminata.conteh",
        "Aminata Conteh",
        "sewa",
        "nursing",
        (("midwifery", EXPERIENCED),),
        (("kri", NATIVE, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (licence("Nursing and Midwifery Board of Sierra Leone", "SL", 140, "NMB/"),),
        nationality="SL",
        born=1985,
        years=14,
        employer="Bo Government Hospital (midwife)",
        emergency=("Alhaji Conteh", "Husband", "+232 76 410 882"),
    ),
    VolunteerSpec(
        "ibrahim.bangura",
        "Ibrahim Bangura",
        "sewa",
        "optometry",
        (("optometry", EXPERIENCED),),
        (("kri", NATIVE, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (licence("Medical and Dental Council of Sierra Leone", "SL", -100, "MDC/OPT/"),),
        nationality="SL",
        born=1983,
        years=12,
        employer="Sewa Valley Health Alliance (eye programme)",
        emergency=("Mariama Bangura", "Wife", "+232 77 204 619"),
        availability=((AVAILABLE, 20, 60, "Moyamba eye screening"),),
    ),
    VolunteerSpec(
        "fatu.koroma",
        "Fatu Koroma",
        "sewa",
        "public-health",
        (("public-health", COMPETENT), ("interpreter", EXPERIENCED)),
        (("kri", NATIVE, FLUENT, FLUENT), ("en", FLUENT, FLUENT, FLUENT)),
        (licence("Community Health Officers' Board (Sierra Leone)", "SL", 330, "CHO/", status=NO_DOCUMENT),),
        nationality="SL",
        born=1992,
        years=6,
        employer="Moyamba District Health Management Team (community health officer)",
        emergency=("Sahr Koroma", "Brother", "+232 78 553 201"),
    ),
)


# --- Documents ---------------------------------------------------------------------------------


def _pdf_text(text: str) -> bytes:
    encoded = text.encode("cp1252", "replace")  # the encoding of the standard Helvetica font
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def specimen_pdf(title: str, lines: Iterable[str]) -> bytes:
    """A small valid one-page PDF (with a correct cross-reference table) showing ``title`` and ``lines``."""
    content = b"BT /F1 18 Tf 72 770 Td (" + _pdf_text(title) + b") Tj /F1 11 Tf"
    for line in lines:
        content += b" 0 -22 Td (" + _pdf_text(line) + b") Tj"
    content += (
        b" 0 -44 Td (" + _pdf_text("SPECIMEN - medmissions demo data, not a real document") + b") Tj ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        pdf += b"%010d 00000 n \n" % offset
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(pdf)


# --- Building ----------------------------------------------------------------------------------


@dataclass
class _Context:
    people: dict[str, User]
    organizations: dict[str, Organization]
    today: datetime.date
    specialties: dict[str, Specialty]
    types: dict[str, CredentialType]
    languages: dict[str, Language]


def _vetter(context: _Context, organization_key: str, person_login: str | None) -> User:
    return context.people[next(login for login in VETTERS[organization_key] if login != person_login)]


def _number(spec: VolunteerSpec, credential: CredentialSpec) -> str:
    digest = zlib.crc32(f"{spec.key}:{credential.type}:{credential.country}".encode())
    if credential.type in ("yellow-fever-vaccination", "hepatitis-b-vaccination"):
        return ""
    if credential.type == "passport":
        return f"{digest % 10**9:09d}"
    return f"{credential.prefix}{digest % 10**7:07d}"


def _dates(credential: CredentialSpec, today: datetime.date) -> tuple[datetime.date, datetime.date | None]:
    if credential.expires_in is None:
        return today - datetime.timedelta(days=credential.valid_days), None
    expires = today + datetime.timedelta(days=credential.expires_in)
    issued = expires - datetime.timedelta(days=credential.valid_days)
    # A long-dated expiry with a short validity would put the issue date in the future.
    return min(issued, today - datetime.timedelta(days=30)), expires


def _date_of_birth(spec: VolunteerSpec) -> datetime.date | None:
    if spec.born is None:
        return None
    digest = zlib.crc32(spec.key.encode())
    return datetime.date(spec.born, digest % 12 + 1, digest % 28 + 1)


def _profile_data(spec: VolunteerSpec, context: _Context) -> dict[str, object]:
    emergency_name, relationship, emergency_phone = spec.emergency or ("", "", "")
    return {
        "full_name": spec.full_name,
        "phone": spec.phone,
        "date_of_birth": _date_of_birth(spec),
        "nationality": spec.nationality,
        "profession": context.specialties[spec.profession],
        "years_of_experience": spec.years,
        "is_trainee": spec.trainee,
        "home_employer": spec.employer,
        "employer_leave_approved": spec.leave_approved,
        "emergency_contact_name": emergency_name,
        "emergency_contact_relationship": relationship,
        "emergency_contact_phone": emergency_phone,
        "visibility": spec.visibility,
    }


def _create_person(spec: VolunteerSpec, context: _Context) -> tuple[Person, User]:
    """The person and who edits their profile: themself, or their home organisation's vetting admin."""
    organizations = context.organizations
    if spec.login:
        user = context.people[spec.key]
        person = volunteer_services.get_or_create_own_person(user)
        person = volunteer_services.update_profile(person, actor=user, data=_profile_data(spec, context))
        for key in (spec.home, *spec.also_home):
            volunteer_services.add_home_organization(person, actor=user, organization=organizations[key])
        for key in spec.shared_with:
            volunteer_services.share_with_organization(person, actor=user, organization=organizations[key])
        return person, user
    registrar = _vetter(context, spec.home, None)
    data = {**_profile_data(spec, context), "email": spec.email if spec.has_email else ""}
    person = volunteer_services.register_person(organizations[spec.home], actor=registrar, data=data)
    return person, registrar


DEFAULT_NOTES = {
    "professional-licence": "Checked against the council's online register.",
    "passport": "Photo page seen; matches the profile.",
}


def _add_credentials(spec: VolunteerSpec, person: Person, editor: User, context: _Context) -> int:
    for credential_spec in spec.credentials:
        credential_type = context.types[credential_spec.type]
        issued_on, expires_on = _dates(credential_spec, context.today)
        number = _number(spec, credential_spec)
        document = None
        if credential_spec.status != NO_DOCUMENT:
            lines = [
                spec.full_name,
                credential_spec.issuing_body,
                f"Number: {number or '-'}",
                f"Issued: {issued_on.isoformat()}",
                f"Expires: {expires_on.isoformat() if expires_on else 'does not expire'}",
            ]
            document = ContentFile(specimen_pdf(str(credential_type), lines), name="document.pdf")
        credential = credential_services.add_credential(
            person,
            actor=editor,
            data={
                "credential_type": credential_type,
                "issuing_body": credential_spec.issuing_body,
                "country": credential_spec.country,
                "state": credential_spec.region,
                "number": number,
                "issued_on": issued_on,
                "expires_on": expires_on,
            },
            document=document,
        )
        if credential_spec.status in (VERIFIED, REJECTED):
            organization_key = credential_spec.by or spec.home
            credential_services.verify_credential(
                credential,
                actor=_vetter(context, organization_key, spec.key if spec.login else None),
                organization=context.organizations[organization_key],
                outcome=(
                    VerificationOutcome.VERIFIED
                    if credential_spec.status == VERIFIED
                    else VerificationOutcome.REJECTED
                ),
                notes=credential_spec.notes or DEFAULT_NOTES.get(credential_spec.type, ""),
            )
    return len(spec.credentials)


def _build_volunteer(spec: VolunteerSpec, context: _Context) -> Person:
    person, editor = _create_person(spec, context)
    volunteer_services.set_specialties(
        person,
        actor=editor,
        entries=[(context.specialties[slug], level) for slug, level in spec.specialties],
    )
    volunteer_services.set_languages(
        person,
        actor=editor,
        entries=[
            (context.languages[code], speaking, reading, writing)
            for code, speaking, reading, writing in spec.languages
        ],
    )
    for kind, starts_in, ends_in, note in spec.availability:
        volunteer_services.add_availability(
            person,
            actor=editor,
            kind=kind,
            starts_on=context.today + datetime.timedelta(days=starts_in),
            ends_on=context.today + datetime.timedelta(days=ends_in),
            note=note,
        )
    _add_credentials(spec, person, editor, context)
    return person


def volunteer_logins() -> list[str]:
    return [spec.key for spec in VOLUNTEERS if spec.login]


def is_loaded() -> bool:
    from medmissions.core.demo import email_for

    return Person.objects.filter(user__email=email_for(MARKER_VOLUNTEER)).exists()


def _reference(model, field_name: str, wanted: set[str]) -> dict:
    from medmissions.core.demo import _lookup

    return _lookup(model, field_name, wanted)


def check_no_clashes() -> None:
    """Refuse to add the volunteers next to people who already use their addresses."""
    from medmissions.core.demo import DemoNotPossible

    taken = sorted(
        Person.objects.filter(email__in=[spec.email for spec in VOLUNTEERS if not spec.login]).values_list(
            "email", flat=True
        )
    )
    if taken:
        raise DemoNotPossible(
            "Cannot load the demo volunteers: some of their profiles already exist ("
            + ", ".join(taken)
            + ")."
        )


def build(
    people: dict[str, User], organizations: dict[str, Organization], today: datetime.date | None = None
) -> list[Person]:
    """Create the demo volunteers. ``people`` and ``organizations`` are the demo's, by login and key."""
    check_no_clashes()
    context = _Context(
        people=people,
        organizations=organizations,
        today=today or timezone.localdate(),
        specialties=_reference(
            Specialty,
            "slug",
            {spec.profession for spec in VOLUNTEERS}
            | {slug for spec in VOLUNTEERS for slug, _ in spec.specialties},
        ),
        types=_reference(
            CredentialType,
            "slug",
            {credential.type for spec in VOLUNTEERS for credential in spec.credentials},
        ),
        languages=_reference(Language, "code", {code for spec in VOLUNTEERS for code, *_ in spec.languages}),
    )
    return [_build_volunteer(spec, context) for spec in VOLUNTEERS]


def build_into_loaded_demo() -> list[Person]:
    """Add the volunteers to a demo network loaded before they existed (its accounts are looked up,
    the volunteers' own accounts created)."""
    from medmissions.core import demo

    missing = [
        spec
        for spec in demo.PEOPLE
        if spec.login in VOLUNTEER_LOGINS and not User.objects.filter(email=spec.email).exists()
    ]
    demo._create_people(missing)
    people = {spec.login: user for spec in demo.PEOPLE for user in User.objects.filter(email=spec.email)}
    organizations = {spec.key: Organization.objects.get(slug=spec.slug) for spec in demo.ORGANIZATIONS}
    return build(people, organizations)
