"""Field clinics in the platform staff's admin: every model is listed and read; responses and
teams take corrections of their descriptive fields (audited); clinical records are read-only and
consultations show no restricted item, note or patient pseudonym."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from medmissions.audit.models import AuditEntry
from medmissions.clinics import reports
from medmissions.clinics.models import Consultation
from medmissions.clinics.tests.conftest import record
from medmissions.conftest import make_user

pytestmark = pytest.mark.django_db

MODELS = [
    "response",
    "team",
    "dailyreport",
    "dailyreportversion",
    "consultation",
    "importbatch",
    "referral",
    "followup",
    "dhis2mapping",
]


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(make_user("root@example.org", "Platform Root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def submitted(users, team, site):
    lead = users["coordinator"]
    consultation = record(
        team, lead, site, items=(9, 44, 36, 49), patient_reference="ELG-77", note="Seen with her aunt."
    )
    reports.submit(consultation.report, actor=lead)
    return consultation


@pytest.mark.parametrize("model", MODELS)
def test_every_model_is_listed(staff_client, submitted, model):
    assert staff_client.get(reverse(f"admin:clinics_{model}_changelist")).status_code == 200


def test_a_consultation_shows_no_restricted_detail(staff_client, submitted):
    page = staff_client.get(reverse("admin:clinics_consultation_change", args=[submitted.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert submitted.reference in content
    assert "ELG-77" not in content and "Seen with her aunt." not in content
    assert "MDS 49" not in content and "mds_49" not in content


def test_clinical_records_cannot_be_changed_or_deleted(staff_client, submitted):
    change = reverse("admin:clinics_consultation_change", args=[submitted.pk])
    staff_client.post(change, {"reference": "CHANGED"})
    assert (
        staff_client.post(reverse("admin:clinics_consultation_delete", args=[submitted.pk])).status_code
        == 403
    )
    assert Consultation.objects.get(pk=submitted.pk).reference == submitted.reference
    assert staff_client.get(reverse("admin:clinics_team_add")).status_code == 403


def test_a_response_correction_is_audited(staff_client, response):
    answer = staff_client.post(
        reverse("admin:clinics_response_change", args=[response.pk]),
        {
            "name": "Elgon floods and landslides 2026",
            "description": response.description,
            "ends_on": "",
            "status": "active",
            "item_labels-TOTAL_FORMS": "0",
            "item_labels-INITIAL_FORMS": "0",
            "item_labels-MIN_NUM_FORMS": "0",
            "item_labels-MAX_NUM_FORMS": "1000",
        },
    )
    assert answer.status_code == 302
    response.refresh_from_db()
    assert response.name == "Elgon floods and landslides 2026"
    entry = AuditEntry.objects.get(action="clinics.response.updated", object_id=str(response.pk))
    assert entry.organization == response.coordinating_organization
