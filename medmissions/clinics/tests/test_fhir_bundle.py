"""The FHIR R4 bundle of a referral (clinics/fhir.py): valid against the R4B models of
fhir.resources, minimal about the patient, never carrying the protection items, and carrying
the other restricted items only to those allowed to see them."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from medmissions.clinics import fhir, responses
from medmissions.clinics.choices import ReferralUrgency
from medmissions.clinics.models import Referral
from medmissions.clinics.tests.conftest import record, today
from medmissions.conftest import make_user
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.sites.models import Site

REASON = "Suspected appendicitis: needs a surgical review today."
ITEMS = (9, 13, 19, 28, 31, 39, 42, 43, 44, 47, 49)


@pytest.fixture
def facility(host):
    return Site.objects.create(
        name="Mbale Regional Referral Hospital",
        kind="hospital",
        host_organization=host,
        country="UG",
        town="Mbale",
    )


@pytest.fixture
def consultation(team, users, site, response):
    responses.set_item_labels(
        response, actor=users["host_admin"], labels={19: {"label": "Cholera (suspected)", "icd_code": "A00"}}
    )
    return record(
        team,
        users["coordinator"],
        site,
        age_group=4,
        age=34,
        age_unit="Y",
        sex=3,
        items=ITEMS,
        patient_reference="PX-0042",
        note="Lives near the market; brother's phone 0772…",
    )


def _refer(consultation, facility) -> Referral:
    return Referral.objects.create(
        consultation=consultation,
        team=consultation.team,
        facility=facility,
        reason=REASON,
        urgency=ReferralUrgency.URGENT,
    )


@pytest.fixture
def referral(consultation, facility):
    return _refer(consultation, facility)


def _resources(bundle, kind):
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def _mds_codes(bundle) -> set[str]:
    """Every code of our CodeSystem anywhere in the bundle."""
    found = set()

    def walk(value):
        if isinstance(value, dict):
            if value.get("system") == fhir.MDS_SYSTEM:
                found.add(value["code"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(bundle)
    return found


def test_the_bundle_is_valid_fhir_and_holds_the_referred_consultation(referral, users, consultation, team):
    bundle = fhir.referral_bundle(referral, users["coordinator"])
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    assert bundle["identifier"] == {"system": fhir.REFERRAL_SYSTEM, "value": str(referral.pk)}
    assert [entry["resource"]["resourceType"] for entry in bundle["entry"]] == [
        "Patient",
        "Encounter",
        "Condition",
        "Condition",
        "Condition",
        "Condition",
        "Condition",
        "Procedure",
        "Observation",
        "Observation",
    ]
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    # Every reference points inside the bundle.
    text = json.dumps(bundle)
    for reference in {part.split('"')[0] for part in text.split('"reference": "')[1:]}:
        assert reference in full_urls

    (patient,) = _resources(bundle, "Patient")
    assert patient == {
        "resourceType": "Patient",
        "id": patient["id"],
        "identifier": [{"system": fhir.patient_system(team.pk), "value": "PX-0042"}],
        "gender": "female",
    }

    (encounter,) = _resources(bundle, "Encounter")
    assert encounter["status"] == "finished"
    assert encounter["class"] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "FLD",
        "display": "field",
    }
    assert encounter["identifier"] == [
        {"system": fhir.consultation_system(team.pk), "value": consultation.reference}
    ]
    assert encounter["period"] == {"start": today().isoformat(), "end": today().isoformat()}
    assert encounter["serviceProvider"] == {"display": team.organization_name}
    assert encounter["location"] == [{"location": {"display": "Mbale outpatient clinic"}}]
    assert encounter["hospitalization"]["destination"] == {"display": "Mbale Regional Referral Hospital"}
    assert encounter["reasonCode"] == [
        {"text": REASON},
        {
            "coding": [{"system": fhir.MDS_SYSTEM, "code": "44", "display": "Directly related to the event"}],
            "text": "Directly related to the event",
        },
    ]
    assert len(encounter["diagnosis"]) == 4

    conditions = {
        condition["code"]["coding"][0]["code"]: condition for condition in _resources(bundle, "Condition")
    }
    assert sorted(conditions, key=int) == ["9", "13", "19", "28", "43"]
    assert conditions["19"]["code"]["text"] == "Cholera (suspected)"
    assert conditions["9"]["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert conditions["13"]["verificationStatus"]["coding"][0]["code"] == "provisional"
    assert conditions["9"]["clinicalStatus"]["coding"][0]["code"] == "active"
    assert conditions["9"]["category"][0]["coding"][0]["code"] == "encounter-diagnosis"
    assert conditions["43"]["category"][0]["coding"][0]["code"] == "problem-list-item"

    pregnancy, age = _resources(bundle, "Observation")
    assert pregnancy["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "82810-3",
        "display": "Pregnancy status",
    }
    assert pregnancy["valueCodeableConcept"]["coding"][0]["code"] == "LA15173-0"
    assert age["valueQuantity"] == {
        "value": 34,
        "unit": "years",
        "system": "http://unitsofmeasure.org",
        "code": "a",
    }


def test_the_patient_is_never_named_and_the_note_never_sent(referral, users):
    bundle = fhir.referral_bundle(referral, users["coordinator"])
    (patient,) = _resources(bundle, "Patient")
    assert "name" not in patient and "birthDate" not in patient
    assert "market" not in json.dumps(bundle)


def test_protection_items_never_appear(referral, users):
    for name in ("coordinator", "host_admin", "host_member", "admin", "viewer"):
        bundle = fhir.referral_bundle(referral, users[name])
        assert not _mds_codes(bundle) & {"47", "48", "49", "50"}
        text = json.dumps(bundle)
        assert "Vulnerable" not in text and "violence" not in text.lower()
    with pytest.raises(ValueError):
        fhir.mds_coding(49, {49: "Sexual and gender-based violence"})


@pytest.mark.parametrize("name", ["coordinator", "host_admin", "host_member"])
def test_the_lead_the_health_authority_and_the_facility_see_restricted_items(referral, users, name):
    bundle = fhir.referral_bundle(referral, users[name])
    assert {"28", "31", "43"} <= _mds_codes(bundle)
    (encounter,) = _resources(bundle, "Encounter")
    assert encounter["hospitalization"]["dischargeDisposition"]["coding"][0]["code"] == "exp"
    assert bundle["meta"]["security"][0]["code"] == "R"


@pytest.mark.parametrize("name", ["admin", "member", "viewer"])
def test_the_sending_organisation_gets_the_bundle_without_restricted_items(referral, users, name):
    bundle = fhir.referral_bundle(referral, users[name])
    Bundle.model_validate(bundle)
    assert _mds_codes(bundle) == {"9", "13", "19", "44"}
    assert not _resources(bundle, "Procedure")
    (encounter,) = _resources(bundle, "Encounter")
    # The death (42) is withheld: the referral itself is what the disposition says.
    assert encounter["hospitalization"]["dischargeDisposition"]["coding"][0]["code"] == "other-hcf"
    assert bundle["meta"]["security"][0]["code"] == "N"


def test_members_of_a_facility_host_see_restricted_items_but_not_its_viewers(consultation, users, other):
    hospital = Site.objects.create(
        name="Kitale District Hospital", kind="hospital", host_organization=other, country="KE"
    )
    referral = _refer(consultation, hospital)
    viewer = make_user("kitale.viewer@example.org", "Kitale Viewer")
    Membership.objects.create(user=viewer, organization=other, role=Role.VIEWER)
    assert "28" in _mds_codes(fhir.referral_bundle(referral, users["outsider"]))
    assert "28" not in _mds_codes(fhir.referral_bundle(referral, viewer))


def test_resending_names_the_same_resources(referral, users, consultation, facility, team, site):
    first = fhir.referral_bundle(referral, users["coordinator"])
    again = fhir.referral_bundle(referral, users["coordinator"])
    assert [entry["fullUrl"] for entry in first["entry"]] == [entry["fullUrl"] for entry in again["entry"]]
    assert first["id"] == again["id"]
    # The same pseudonymous patient seen again is the same Patient; another consultation is another Encounter.
    later = record(
        team, users["coordinator"], site, age_group=4, sex=2, items=(9, 44), patient_reference="PX-0042"
    )
    other_bundle = fhir.referral_bundle(_refer(later, facility), users["coordinator"])
    assert other_bundle["entry"][0]["fullUrl"] == first["entry"][0]["fullUrl"]
    assert other_bundle["entry"][1]["fullUrl"] != first["entry"][1]["fullUrl"]
    assert other_bundle["id"] != first["id"]


def test_a_minimal_consultation_gives_a_minimal_bundle(team, users, site, facility):
    consultation = record(team, users["coordinator"], site, age_group=2, sex=1, items=())
    bundle = fhir.referral_bundle(
        Referral.objects.create(consultation=consultation, team=team, facility=facility, reason=""),
        users["viewer"],
    )
    Bundle.model_validate(bundle)
    assert [entry["resource"]["resourceType"] for entry in bundle["entry"]] == ["Patient", "Encounter"]
    patient, encounter = (entry["resource"] for entry in bundle["entry"])
    assert patient == {"resourceType": "Patient", "id": patient["id"], "gender": "male"}
    assert "reasonCode" not in encounter and "diagnosis" not in encounter
    assert encounter["hospitalization"]["dischargeDisposition"]["coding"][0]["code"] == "other-hcf"


@pytest.mark.parametrize(
    ("items", "code"),
    [
        (set(), "other-hcf"),
        ({36}, "home"),
        ({37}, "home"),
        ({38}, "aadvice"),
        ({39}, "other-hcf"),
        ({36, 39}, "other-hcf"),
        ({38, 39}, "other-hcf"),
        ({39, 42}, "exp"),
    ],
)
def test_the_discharge_disposition_follows_the_outcome(items, code):
    assert fhir.discharge_disposition(items) == code


# --- The download and the API ---------------------------------------------------------------------------


def test_the_bundle_downloads_as_fhir_json(client_for, users, referral):
    answer = client_for(users["host_member"]).get(reverse("clinics:referral_fhir", args=[referral.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/fhir+json")
    assert answer["Content-Disposition"] == f'attachment; filename="referral-{referral.pk}.fhir.json"'
    Bundle.model_validate(answer.json())
    assert (
        client_for(users["outsider"]).get(reverse("clinics:referral_fhir", args=[referral.pk])).status_code
        == 404
    )
    assert client_for(None).get(reverse("clinics:referral_fhir", args=[referral.pk])).status_code == 302


def test_the_bundle_through_the_api(api_client_for, users, referral):
    url = f"/api/v1/clinics/interop/referrals/{referral.pk}/fhir"
    answer = api_client_for(users["member"]).get(url)
    assert answer.status_code == 200
    body = answer.json()
    Bundle.model_validate(body)
    assert "28" not in _mds_codes(body)
    assert "28" in _mds_codes(api_client_for(users["coordinator"]).get(url).json())
    assert api_client_for(users["outsider"]).get(url).status_code == 404
    assert (
        api_client_for(users["member"]).get("/api/v1/clinics/interop/referrals/99999/fhir").status_code == 404
    )
    assert api_client_for(None).get(url).status_code == 401
