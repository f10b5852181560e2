"""Reference vocabularies seeded by migration 0002 (kept here so tests and the demo can read them)."""

from django.utils.translation import gettext_noop

# (slug, name, children)
SPECIALTIES = [
    (
        "medicine",
        gettext_noop("Medicine"),
        [
            (
                "surgery",
                gettext_noop("Surgery"),
                [
                    ("orthopaedic-surgery", gettext_noop("Orthopaedic surgery"), []),
                    ("general-surgery", gettext_noop("General surgery"), []),
                    ("plastic-surgery", gettext_noop("Plastic surgery"), []),
                ],
            ),
            ("anaesthesia", gettext_noop("Anaesthesia"), []),
            ("paediatrics", gettext_noop("Paediatrics"), []),
            ("obstetrics-gynaecology", gettext_noop("Obstetrics and gynaecology"), []),
            ("emergency-medicine", gettext_noop("Emergency medicine"), []),
            ("family-medicine", gettext_noop("Family medicine"), []),
        ],
    ),
    (
        "nursing",
        gettext_noop("Nursing"),
        [
            ("midwifery", gettext_noop("Midwifery"), []),
            ("theatre-nursing", gettext_noop("Theatre nursing"), []),
        ],
    ),
    ("pharmacy", gettext_noop("Pharmacy"), []),
    ("dentistry", gettext_noop("Dentistry"), []),
    (
        "rehabilitation",
        gettext_noop("Rehabilitation"),
        [
            ("physiotherapy", gettext_noop("Physiotherapy"), []),
            ("occupational-therapy", gettext_noop("Occupational therapy"), []),
            ("prosthetics-orthotics", gettext_noop("Prosthetics and orthotics"), []),
        ],
    ),
    (
        "public-health",
        gettext_noop("Public health"),
        [
            ("epidemiology", gettext_noop("Epidemiology"), []),
        ],
    ),
    ("mental-health", gettext_noop("Mental health"), []),
    ("optometry", gettext_noop("Optometry"), []),
    ("laboratory", gettext_noop("Laboratory"), []),
    ("biomedical-engineering", gettext_noop("Biomedical engineering"), []),
    ("community-health-work", gettext_noop("Community health work"), []),
    (
        "spiritual-care",
        gettext_noop("Spiritual care"),
        [
            ("chaplaincy", gettext_noop("Chaplaincy"), []),
        ],
    ),
    (
        "language",
        gettext_noop("Language"),
        [
            ("interpreter", gettext_noop("Interpreter"), []),
        ],
    ),
    ("logistics", gettext_noop("Logistics"), []),
]

# (slug, name, category, grace_days, issued_by_host_country, has_expiry)
CREDENTIAL_TYPES = [
    (
        "professional-licence",
        gettext_noop("Professional registration or licence"),
        "registration",
        0,
        False,
        True,
    ),
    ("specialist-certificate", gettext_noop("Specialist certificate"), "certificate", 0, False, True),
    ("bls", gettext_noop("Basic life support (BLS)"), "certificate", 0, False, True),
    ("acls", gettext_noop("Advanced cardiac life support (ACLS)"), "certificate", 0, False, True),
    ("malpractice-insurance", gettext_noop("Malpractice insurance"), "insurance", 0, False, True),
    ("passport", gettext_noop("Passport"), "travel", 0, False, True),
    ("visa-work-permit", gettext_noop("Visa or work permit"), "travel", 0, True, True),
    ("host-temporary-licence", gettext_noop("Host-country temporary licence"), "registration", 0, True, True),
    ("yellow-fever-vaccination", gettext_noop("Yellow fever vaccination"), "vaccination", 0, False, False),
    ("hepatitis-b-vaccination", gettext_noop("Hepatitis B vaccination"), "vaccination", 0, False, False),
    ("background-check", gettext_noop("Background check"), "background", 0, False, True),
]

CLINICAL = ["medicine", "nursing", "pharmacy", "dentistry", "rehabilitation", "optometry", "laboratory"]

# country → (temporary licence lead days, work permit lead days, yellow fever required, licensing body note)
COUNTRIES = {
    "UG": (
        60,
        30,
        True,
        "Temporary licence from the Uganda Medical and Dental Practitioners Council (or the nursing and allied councils), applied for through the host institution.",
    ),
    "KE": (
        60,
        30,
        True,
        "Temporary licence from the Kenya Medical Practitioners and Dentists Council or the Nursing Council of Kenya, sponsored by the host facility.",
    ),
    "MW": (
        60,
        30,
        False,
        "Temporary registration with the Medical Council of Malawi or the Nurses and Midwives Council, with a letter from the host.",
    ),
    "HT": (
        30,
        30,
        False,
        "Authorisation to practise from the Ministry of Public Health and Population (MSPP), requested by the host institution.",
    ),
    "NP": (
        45,
        30,
        False,
        "Temporary registration with the Nepal Medical Council or the Nepal Nursing Council, with the host's recommendation.",
    ),
    "SL": (
        30,
        30,
        True,
        "Temporary licence from the Medical and Dental Council of Sierra Leone or the Nursing and Midwifery Board.",
    ),
}


def country_requirements() -> list[tuple[str, str | None, str, int, str]]:
    """(country, specialty slug or None, credential type slug, lead days, notes) for the seed."""
    rows: list[tuple[str, str | None, str, int, str]] = []
    for country, (licence_days, permit_days, yellow_fever, note) in COUNTRIES.items():
        rows.append((country, None, "passport", 0, ""))
        rows.append((country, None, "visa-work-permit", permit_days, ""))
        if yellow_fever:
            rows.append(
                (country, None, "yellow-fever-vaccination", 10, "Proof of vaccination is checked on entry.")
            )
        for profession in CLINICAL:
            rows.append((country, profession, "professional-licence", 0, ""))
            rows.append((country, profession, "host-temporary-licence", licence_days, note))
            rows.append((country, profession, "malpractice-insurance", 0, ""))
        rows.append((country, "medicine", "hepatitis-b-vaccination", 0, ""))
        rows.append((country, "nursing", "hepatitis-b-vaccination", 0, ""))
    return rows
