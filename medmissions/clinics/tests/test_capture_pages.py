"""Pages of recorded consultations: the day's list (restricted items named only to the lead and the
health authority, counted for everyone else; paginated), one consultation, its correction
(restricted items a member cannot see stay as they are) and its deletion, and both refused with
the reason once the day's report is submitted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.clinics import capture, reports, responses
from medmissions.clinics.models import Consultation
from medmissions.clinics.views.capture import PAGE_SIZE

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"clinics:{name}", args=args)


def _record(team, actor, site, **fields):
    data = {
        "site": site.pk,
        "date": responses.today_for(team),
        "age_group": 4,
        "sex": 2,
        "items": [9, 44, 36],
        **fields,
    }
    return capture.record_consultation(team, actor=actor, data=data).consultation


def _messages(response):
    return [str(message) for message in response.wsgi_request._messages]


@pytest.fixture
def restricted(users, team, site):
    """A consultation with a protection item (49, sexual and gender-based violence) ticked."""
    return _record(
        team,
        users["coordinator"],
        site,
        items=[8, 44, 49],
        patient_reference="ELG-0042",
        note="Seen with her aunt.",
    )


# The day's list -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees_restricted"),
    [
        ("coordinator", True),
        ("host_admin", True),
        ("member", False),
        ("host_member", False),
        ("viewer", False),
    ],
)
def test_restricted_items_are_named_only_to_the_lead_and_the_health_authority(
    client_for, users, restricted, persona, sees_restricted
):
    response = client_for(users[persona]).get(_url("report_consultations", restricted.report_id))
    assert response.status_code == 200
    row = response.context["rows"][0]
    content = response.content.decode()
    if sees_restricted:
        assert "Sexual and gender-based violence" in content
        assert [number for number, _label in row.items] == [8, 44, 49]
        assert "restricted item" not in content
    else:
        assert [number for number, _label in row.items] == [8, 44]
        assert row.restricted == 1
        assert "1 restricted item" in content
        assert "Sexual and gender-based violence" not in content
    assert "ELG-0042" in content and "Seen with her aunt." in content
    assert "Coordinator" in content  # recorded by


def test_the_list_is_for_those_who_see_the_team(client_for, users, restricted):
    assert (
        client_for(users["outsider"]).get(_url("report_consultations", restricted.report_id)).status_code
        == 404
    )


def test_the_list_is_paginated_in_recording_order(client_for, users, team, site):
    for _ in range(PAGE_SIZE + 2):
        _record(team, users["member"], site)
    report = Consultation.objects.get(reference__endswith="-001").report
    client = client_for(users["viewer"])
    first = client.get(_url("report_consultations", report.pk))
    assert len(first.context["rows"]) == PAGE_SIZE
    assert first.context["rows"][0].consultation.reference.endswith("-001")
    second = client.get(_url("report_consultations", report.pk), {"page": 2})
    assert [row.consultation.reference[-3:] for row in second.context["rows"]] == ["051", "052"]
    # Viewers read; the actions are for those who record.
    assert "Correct" not in first.content.decode()
    assert (
        "Correct" in client_for(users["member"]).get(_url("report_consultations", report.pk)).content.decode()
    )


# One consultation ---------------------------------------------------------------------------------


def test_a_member_sees_the_consultation_with_restricted_items_counted(client_for, users, restricted):
    response = client_for(users["member"]).get(_url("consultation", restricted.pk))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Minor injury" in content and "Directly related to the event" in content
    assert "Sexual and gender-based violence" not in content
    assert "1 restricted item" in content
    assert response.context["can_change"] is True


def test_the_lead_sees_the_restricted_item(client_for, users, restricted):
    content = client_for(users["coordinator"]).get(_url("consultation", restricted.pk)).content.decode()
    assert "Sexual and gender-based violence" in content
    assert "restricted item" not in content


def test_a_viewer_reads_without_the_actions(client_for, users, restricted):
    response = client_for(users["viewer"]).get(_url("consultation", restricted.pk))
    assert response.status_code == 200
    assert response.context["can_change"] is False
    assert _url("consultation_edit", restricted.pk) not in response.content.decode()


# Correcting -----------------------------------------------------------------------------------------


def test_correcting_a_consultation(client_for, users, team, site):
    consultation = _record(team, users["member"], site)
    response = client_for(users["member"]).post(
        _url("consultation_edit", consultation.pk),
        {
            "age_group": "3",
            "sex": "1",
            "items": ["10", "44", "37"],
            "age_unit": "Y",
            "note": "Follow-up in two days.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _url("consultation", consultation.pk)
    consultation.refresh_from_db()
    assert (consultation.age_group, consultation.sex, consultation.ticked()) == (3, 1, [10, 37, 44])
    assert consultation.note == "Follow-up in two days."
    assert _messages(response) == [f"Consultation {consultation.reference} corrected."]


def test_the_correction_form_starts_from_the_consultation(client_for, users, team, site):
    consultation = _record(team, users["member"], site, age_group=None, age=34, age_unit="Y")
    form = client_for(users["member"]).get(_url("consultation_edit", consultation.pk)).context["form"]
    assert form.chosen("age_group") == 4
    assert form["age"].value() == 34
    assert form.checked_items() == {9, 36, 44}


def test_a_member_correcting_keeps_the_restricted_items_they_cannot_see(client_for, users, restricted):
    client = client_for(users["member"])
    page = client.get(_url("consultation_edit", restricted.pk))
    content = page.content.decode()
    assert 'name="items" value="49"' not in content
    assert "1 restricted item is ticked and stays as it is" in content
    response = client.post(
        _url("consultation_edit", restricted.pk),
        {
            "age_group": "4",
            "sex": "2",
            "items": ["7", "44"],
            "patient_reference": "ELG-0042",
            "age_unit": "Y",
        },
    )
    assert response.status_code == 302
    restricted.refresh_from_db()
    assert restricted.ticked() == [7, 44, 49]


def test_the_lead_may_untick_a_restricted_item(client_for, users, restricted):
    client = client_for(users["coordinator"])
    assert (
        'name="items" value="49" checked'
        in client.get(_url("consultation_edit", restricted.pk)).content.decode()
    )
    client.post(
        _url("consultation_edit", restricted.pk),
        {"age_group": "4", "sex": "2", "items": ["8", "44"], "age_unit": "Y"},
    )
    restricted.refresh_from_db()
    assert restricted.ticked() == [8, 44]


def test_a_refused_correction_keeps_the_input(client_for, users, team, site):
    consultation = _record(team, users["member"], site)
    response = client_for(users["member"]).post(
        _url("consultation_edit", consultation.pk),
        {"age_group": "2", "sex": "2", "items": ["34", "44"], "age_unit": "Y"},
    )
    assert response.status_code == 400
    assert "recorded for patients of 5 and over only" in response.content.decode()
    assert response.context["form"].checked_items() == {34, 44}
    consultation.refresh_from_db()
    assert consultation.age_group == 4


# Deleting -------------------------------------------------------------------------------------------


def test_deleting_a_consultation_with_a_reason(client_for, users, team, site):
    consultation = _record(team, users["member"], site)
    client = client_for(users["member"])
    assert client.get(_url("consultation_delete", consultation.pk)).status_code == 200
    refused = client.post(_url("consultation_delete", consultation.pk), {"reason": ""})
    assert refused.status_code == 400
    response = client.post(_url("consultation_delete", consultation.pk), {"reason": "Recorded twice."})
    assert response.status_code == 302
    assert response["Location"] == _url("report_consultations", consultation.report_id)
    assert not Consultation.objects.exists()


def test_deleting_returns_to_a_safe_next_page_only(client_for, users, team, site):
    first, second = _record(team, users["member"], site), _record(team, users["member"], site)
    client = client_for(users["member"])
    capture_url = _url("team_capture", team.pk)
    response = client.post(
        _url("consultation_delete", first.pk), {"reason": "Wrong day.", "next": capture_url}
    )
    assert response["Location"] == capture_url
    response = client.post(
        _url("consultation_delete", second.pk), {"reason": "Wrong day.", "next": "https://evil.example/"}
    )
    assert response["Location"] == _url("report_consultations", second.report_id)


# A submitted day --------------------------------------------------------------------------------------


@pytest.fixture
def submitted(users, team, site):
    consultation = _record(team, users["coordinator"], site)
    reports.submit(consultation.report, actor=users["coordinator"])
    return consultation


def test_a_submitted_day_cannot_be_corrected_and_says_why(client_for, users, submitted):
    client = client_for(users["member"])
    page = client.get(_url("consultation_edit", submitted.pk))
    assert page.status_code == 200
    assert "is submitted and locked" in page.content.decode()
    assert 'name="sex"' not in page.content.decode()
    response = client.post(
        _url("consultation_edit", submitted.pk), {"age_group": "3", "sex": "1", "items": ["9", "44"]}
    )
    assert response.status_code == 400
    assert "is submitted and locked" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.age_group == 4


def test_a_submitted_day_cannot_lose_a_consultation(client_for, users, submitted):
    client = client_for(users["member"])
    assert "is submitted and locked" in client.get(_url("consultation_delete", submitted.pk)).content.decode()
    response = client.post(_url("consultation_delete", submitted.pk), {"reason": "Recorded twice."})
    assert response.status_code == 400
    assert Consultation.objects.filter(pk=submitted.pk).exists()
    detail = client.get(_url("consultation", submitted.pk))
    assert detail.context["can_change"] is False
    assert "is submitted and locked" in detail.content.decode()


def test_a_correction_reopens_the_day_for_changes(client_for, users, submitted):
    reports.start_correction(submitted.report, actor=users["coordinator"])
    response = client_for(users["member"]).post(
        _url("consultation_edit", submitted.pk), {"age_group": "3", "sex": "1", "items": ["9", "44"]}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.age_group == 3
