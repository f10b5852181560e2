"""FHIR R4 export of a referral (interop.md §4.2–§4.4): one ``Bundle`` of type ``collection``
holding what the receiving facility needs to know about the referred consultation.

* **Patient** — no name, no birth date: only the team's pseudonymous patient reference (when the
  team gave one) as an identifier in a namespace of the team, and the gender from the MDS sex code.
* **Encounter** — the consultation: ``finished``, class ``FLD`` (field), the report's day as its
  period, the team's organisation as service provider, the team's site as location, the discharge
  disposition from the outcome items (39 ``other-hcf``, 36/37 ``home``, 38 ``aadvice``, 42 ``exp``;
  a referral with no outcome ticked is ``other-hcf``), the referral's facility as destination, and
  as reasons the referral's reason and the relation to the event (44–46).
* **Condition** — one per diagnosis ticked (items 4–29; ``provisional`` for the "suspected" items
  13–15 and 17, ``confirmed`` otherwise), and item 43 (long-term rehabilitation) as a problem-list
  item; codes from our CodeSystem ``https://medmissions.org/fhir/CodeSystem/emt-mds``, displays the
  WHO labels or the response's labels of the context diseases 19–22.
* **Procedure** — one per procedure ticked (items 30–35).
* **Observation** — pregnancy status (LOINC 82810-3) for MDS sex code 3, and the age (LOINC
  30525-0) when the team recorded it.

Restricted items: the protection items 47–50 **never** appear (``mds_coding`` refuses them). The
other restricted items (28 malnutrition, 31 amputation, 42 death, 43 rehabilitation) are clinical
facts the treating system needs, so they appear only for those who see restricted items of the
team (``TeamAccess.can_see_restricted``: the lead and the health authority's coordinators) and for
members (not viewers) of the organisation hosting the receiving facility; everyone else who may
see the referral gets the bundle without them. The bundle is labelled ``R`` (restricted) in
``meta.security`` when it carries any, ``N`` otherwise.

Every ``fullUrl`` is a ``urn:uuid:`` derived from our ids (UUID version 5), so sending the same
referral again names the same resources and the receiver can update rather than duplicate them.
The consultation's free-text note is never exported.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone, translation

from medmissions.clinics import mds
from medmissions.clinics.access import TeamAccess, is_facility_member
from medmissions.clinics.models import Consultation, Referral
from medmissions.clinics.responses import item_labels

BASE_URL = "https://medmissions.org/fhir"
MDS_SYSTEM = f"{BASE_URL}/CodeSystem/emt-mds"
REFERRAL_SYSTEM = f"{BASE_URL}/sid/referrals"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE_URL)

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
DISCHARGE_DISPOSITION = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

DIAGNOSIS_ITEMS = tuple(range(4, 30))
PROCEDURE_ITEMS = tuple(range(30, 36))
REHABILITATION_ITEM = 43
SUSPECTED_ITEMS = frozenset({13, 14, 15, 17})
DISPOSITIONS = {
    "exp": "Expired",
    "other-hcf": "Other healthcare facility",
    "aadvice": "Left against advice",
    "home": "Home",
}
# Outcome items → discharge disposition, strongest first (a death outranks a transfer, etc.).
DISPOSITION_ORDER = ((42, "exp"), (39, "other-hcf"), (38, "aadvice"), (36, "home"), (37, "home"))
AGE_UNITS = {"Y": ("a", "years"), "M": ("mo", "months")}


def patient_system(team_id: int) -> str:
    """Patient references are pseudonyms chosen by a team, unique only within it."""
    return f"{BASE_URL}/sid/teams/{team_id}/patients"


def consultation_system(team_id: int) -> str:
    return f"{BASE_URL}/sid/teams/{team_id}/consultations"


def resource_uuid(*parts: Any) -> str:
    """A stable UUID for one of our resources, e.g. ``resource_uuid("encounter", 12)``."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts)))


def may_see_restricted(user: Any, referral: Referral) -> bool:
    """Restricted clinical items (28, 31, 42, 43) travel to the lead and health authority of the
    team, and to the members of the organisation hosting the facility (the treating system)."""
    return TeamAccess.of(user, referral.team).can_see_restricted or is_facility_member(user, referral)


def exported_items(consultation: Consultation, *, restricted: bool) -> set[int]:
    """The ticked items a bundle may carry: never 47–50, the other restricted items only when
    ``restricted``."""
    hidden = set(mds.PROTECTION_ITEMS) | (set() if restricted else set(mds.RESTRICTED))
    return set(consultation.ticked()) - hidden


def mds_coding(number: int, labels: dict[int, str]) -> dict[str, str]:
    """The coding of an MDS item in our CodeSystem; the protection items have none to give."""
    if number in mds.PROTECTION_ITEMS:
        raise ValueError(f"MDS item {number} (protection) never leaves medmissions in a FHIR bundle.")
    return {"system": MDS_SYSTEM, "code": str(number), "display": labels[number]}


def _concept(number: int, labels: dict[int, str]) -> dict[str, Any]:
    return {"coding": [mds_coding(number, labels)], "text": labels[number]}


def discharge_disposition(items: set[int]) -> str:
    """The disposition of the referred consultation from the outcome items it may show; a referral
    whose consultation records no outcome is a transfer all the same."""
    for number, code in DISPOSITION_ORDER:
        if number in items:
            return code
    return "other-hcf"


def _reference(full_url: str) -> dict[str, str]:
    return {"reference": full_url}


def _patient(consultation: Consultation, patient_id: str) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient", "id": patient_id}
    if consultation.patient_reference:
        patient["identifier"] = [
            {"system": patient_system(consultation.team_id), "value": consultation.patient_reference}
        ]
    patient["gender"] = "male" if consultation.sex == 1 else "female"
    return patient


def _condition(
    consultation: Consultation,
    number: int,
    labels: dict[int, str],
    *,
    subject: str,
    encounter: str,
    category: str,
) -> tuple[str, dict[str, Any]]:
    condition_id = resource_uuid("condition", consultation.pk, number)
    verification = "provisional" if number in SUSPECTED_ITEMS else "confirmed"
    resource = {
        "resourceType": "Condition",
        "id": condition_id,
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active", "display": "Active"}]},
        "verificationStatus": {
            "coding": [
                {"system": CONDITION_VERIFICATION, "code": verification, "display": verification.title()}
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": CONDITION_CATEGORY,
                        "code": category,
                        "display": "Encounter Diagnosis"
                        if category == "encounter-diagnosis"
                        else "Problem List Item",
                    }
                ]
            }
        ],
        "code": _concept(number, labels),
        "subject": _reference(subject),
        "encounter": _reference(encounter),
        "recordedDate": consultation.recorded_at.replace(microsecond=0).isoformat(),
    }
    return condition_id, resource


def _observation(
    observation_id: str,
    code: str,
    display: str,
    value: dict[str, Any],
    *,
    subject: str,
    encounter: str,
    date: str,
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": observation_id,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display},
        "subject": _reference(subject),
        "encounter": _reference(encounter),
        "effectiveDateTime": date,
        **value,
    }


def referral_bundle(referral: Referral, user: Any) -> dict[str, Any]:
    """The FHIR R4 bundle of ``referral`` as ``user`` may see it (see the module docstring)."""
    consultation = referral.consultation
    report = consultation.report
    team = referral.team
    restricted = may_see_restricted(user, referral)
    items = exported_items(consultation, restricted=restricted)
    # Codings carry the CodeSystem's own (English) displays whatever the reader's language.
    with translation.override("en"):
        labels = item_labels(team.response)
    date = report.date.isoformat()

    if consultation.patient_reference:
        patient_id = resource_uuid("patient", f"team-{team.pk}", consultation.patient_reference)
    else:
        patient_id = resource_uuid("patient", f"consultation-{consultation.pk}")
    encounter_id = resource_uuid("encounter", consultation.pk)
    subject, encounter_url = f"urn:uuid:{patient_id}", f"urn:uuid:{encounter_id}"

    resources: list[tuple[str, dict[str, Any]]] = [(patient_id, _patient(consultation, patient_id))]
    conditions: list[tuple[str, dict[str, Any]]] = []
    for number in sorted(items):
        if number in DIAGNOSIS_ITEMS:
            conditions.append(
                _condition(
                    consultation,
                    number,
                    labels,
                    subject=subject,
                    encounter=encounter_url,
                    category="encounter-diagnosis",
                )
            )
    reasons: list[dict[str, Any]] = []
    if referral.reason:
        reasons.append({"text": referral.reason})
    reasons += [_concept(number, labels) for number in mds.RELATION_ITEMS if number in items]
    encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": encounter_id,
        "identifier": [{"system": consultation_system(team.pk), "value": consultation.reference}],
        "status": "finished",
        "class": {"system": ACT_CODE, "code": "FLD", "display": "field"},
        "subject": _reference(subject),
        "period": {"start": date, "end": date},
        "reasonCode": reasons,
        "diagnosis": [
            {"condition": _reference(f"urn:uuid:{condition_id}")} for condition_id, _resource in conditions
        ],
        "hospitalization": {
            "dischargeDisposition": {
                "coding": [
                    {
                        "system": DISCHARGE_DISPOSITION,
                        "code": (code := discharge_disposition(items)),
                        "display": DISPOSITIONS[code],
                    }
                ]
            },
            "destination": {"display": referral.facility.name},
        },
        "location": [{"location": {"display": report.site.name}}],
        "serviceProvider": {"display": team.organization_name or team.name},
    }
    if not reasons:
        del encounter["reasonCode"]
    if not conditions:
        del encounter["diagnosis"]
    resources.append((encounter_id, encounter))
    resources += conditions
    if REHABILITATION_ITEM in items:
        resources.append(
            _condition(
                consultation,
                REHABILITATION_ITEM,
                labels,
                subject=subject,
                encounter=encounter_url,
                category="problem-list-item",
            )
        )
    for number in sorted(items & set(PROCEDURE_ITEMS)):
        procedure_id = resource_uuid("procedure", consultation.pk, number)
        resources.append(
            (
                procedure_id,
                {
                    "resourceType": "Procedure",
                    "id": procedure_id,
                    "status": "completed",
                    "code": _concept(number, labels),
                    "subject": _reference(subject),
                    "encounter": _reference(encounter_url),
                    "performedDateTime": date,
                },
            )
        )
    if consultation.sex == 3:
        observation_id = resource_uuid("observation", consultation.pk, "pregnancy")
        resources.append(
            (
                observation_id,
                _observation(
                    observation_id,
                    "82810-3",
                    "Pregnancy status",
                    {
                        "valueCodeableConcept": {
                            "coding": [{"system": LOINC, "code": "LA15173-0", "display": "Pregnant"}]
                        }
                    },
                    subject=subject,
                    encounter=encounter_url,
                    date=date,
                ),
            )
        )
    if consultation.age_value is not None and consultation.age_unit in AGE_UNITS:
        code, unit = AGE_UNITS[consultation.age_unit]
        observation_id = resource_uuid("observation", consultation.pk, "age")
        resources.append(
            (
                observation_id,
                _observation(
                    observation_id,
                    "30525-0",
                    "Age",
                    {
                        "valueQuantity": {
                            "value": consultation.age_value,
                            "unit": unit,
                            "system": UCUM,
                            "code": code,
                        }
                    },
                    subject=subject,
                    encounter=encounter_url,
                    date=date,
                ),
            )
        )
    carries_restricted = bool(items & mds.RESTRICTED)
    return {
        "resourceType": "Bundle",
        "id": resource_uuid("bundle", "referral", referral.pk),
        "meta": {
            "security": [
                {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}
                if carries_restricted
                else {"system": CONFIDENTIALITY, "code": "N", "display": "normal"}
            ]
        },
        "identifier": {"system": REFERRAL_SYSTEM, "value": str(referral.pk)},
        "type": "collection",
        "timestamp": timezone.now().replace(microsecond=0).isoformat(),
        "entry": [
            {"fullUrl": f"urn:uuid:{resource_id}", "resource": resource}
            for resource_id, resource in resources
        ],
    }
