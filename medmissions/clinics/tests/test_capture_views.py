"""The capture page: who may use it, the day it opens on, recording with htmx (a partial that
resets the form and shows the reference, warnings, the day's count and last consultations) and
without JavaScript (a post and a redirect back), errors kept next to the fields, a form sent
twice recorded once, undo, and a submitted day shown as locked."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.urls import reverse

from medmissions.clinics import capture, reports, responses
from medmissions.clinics.models import Consultation
from medmissions.sites.models import Site

pytestmark = pytest.mark.django_db


def _url(team, **query):
    url = reverse("clinics:team_capture", args=[team.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def _today(team) -> datetime.date:
    return responses.today_for(team)


def _form(team, site, **changes):
    data = {
        "site": site.pk,
        "date": _today(team).isoformat(),
        "client_id": str(uuid.uuid4()),
        "age_group": "4",
        "sex": "2",
        "items": ["9", "44", "36"],
        "age_unit": "Y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _record(team, actor, site, **fields):
    data = {"site": site.pk, "date": _today(team), "age_group": 4, "sex": 1, "items": [9, 44], **fields}
    return capture.record_consultation(team, actor=actor, data=data).consultation


def _messages(response):
    return [str(message) for message in response.wsgi_request._messages]


# Who may use it -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 200),
        ("member", 200),
        ("admin", 200),
        ("host_admin", 200),
        ("host_member", 200),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_only_those_who_capture_open_the_page(client_for, users, team, persona, status):
    assert client_for(users[persona]).get(_url(team)).status_code == status


def test_viewers_cannot_post_either(client_for, users, team, site):
    response = client_for(users["viewer"]).post(_url(team), _form(team, site))
    assert response.status_code == 403
    assert not Consultation.objects.exists()


# The day it opens on ------------------------------------------------------------------------


def test_the_page_opens_on_today_where_the_team_works_at_its_first_site(client_for, users, team, site):
    response = client_for(users["member"]).get(_url(team))
    assert response.status_code == 200
    assert response.context["site"] == site
    assert response.context["date"] == _today(team)
    assert response.context["count"] == 0
    content = response.content.decode()
    assert "data-capture-form" in content
    assert "clinics/capture.js" in content and "clinics/capture.css" in content


def test_the_page_remembers_the_last_site_recorded_for(client_for, users, team, site, host):
    second = Site.objects.create(
        name="Aaa outreach point", kind="clinic", host_organization=host, country="UG"
    )
    team.sites.add(second)
    client = client_for(users["member"])
    assert client.get(_url(team)).context["site"] == second  # the first by name
    client.post(_url(team), _form(team, site))
    assert client.get(_url(team)).context["site"] == site


def test_a_future_day_is_refused_before_anything_is_typed(client_for, users, team, site):
    tomorrow = _today(team) + datetime.timedelta(days=1)
    response = client_for(users["member"]).get(_url(team, site=site.pk, date=tomorrow.isoformat()))
    assert response.status_code == 200
    assert response.context["site"] is None
    assert "cannot be in the future" in response.content.decode()
    assert "data-capture-form" not in response.content.decode()


def test_a_site_of_another_team_is_refused(client_for, users, team, host):
    elsewhere = Site.objects.create(name="Tororo clinic", kind="clinic", host_organization=host, country="UG")
    response = client_for(users["member"]).get(_url(team, site=elsewhere.pk))
    assert response.context["site"] is None
    assert response.context["day_form"].errors["site"]


# The form ---------------------------------------------------------------------------------------


def test_the_form_shows_keys_groups_and_the_responses_labels(client_for, users, team, response):
    responses.set_item_labels(
        response,
        actor=users["host_admin"],
        labels={19: {"label": "Cholera, suspected"}, 17: {"label": "Tuberculosis"}},
    )
    content = client_for(users["member"]).get(_url(team)).content.decode()
    assert "Cholera, suspected" in content
    assert "Tuberculosis" in content and "Acute haemorrhagic fever" not in content
    # Unused context slots are not offered.
    assert 'name="items" value="19"' in content
    for unused in (20, 21, 22):
        assert f'name="items" value="{unused}"' not in content
    # Shortcut keys are shown on their buttons, and the legend lists them.
    assert 'data-key="r"' in content and "<kbd>r</kbd>" in content
    assert 'data-key="4"' in content and 'data-key="f"' in content
    # Restricted items are ticked like the others.
    assert 'name="items" value="49"' in content
    assert "Keyboard" in content


def test_no_item_shortcut_takes_a_key_of_the_age_groups_or_sexes(client_for, users, team):
    content = client_for(users["member"]).get(_url(team)).content.decode()
    # "f" is female, so fever of unknown origin (18) has "v"; every key is used once.
    assert 'data-number="18" data-key="v"' in content
    assert content.count('data-key="f"') == 1
    for key in "12345mp":
        assert content.count(f'data-key="{key}"') == 1


# Recording with htmx ----------------------------------------------------------------------------


def test_an_htmx_post_records_and_answers_the_partial(client_for, users, team, site):
    client = client_for(users["member"])
    response = client.post(_url(team), _form(team, site), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    consultation = Consultation.objects.get()
    assert (consultation.age_group, consultation.sex, consultation.ticked()) == (4, 2, [9, 36, 44])
    assert consultation.source == "capture"
    assert consultation.recorded_by == users["member"]
    content = response.content.decode()
    assert not content.lstrip().startswith("<!DOCTYPE")
    assert content.lstrip().startswith('<div id="capture-root"')
    assert f"Recorded {consultation.reference}." in content
    assert response.context["count"] == 1
    assert [row.consultation for row in response.context["recent"]] == [consultation]
    # The form is reset, with a new client id.
    form = response.context["form"]
    assert not form.is_bound
    assert form.initial["client_id"] != consultation.client_id
    assert "Undo: delete" in content


def test_the_reference_follows_site_and_day(client_for, users, team, site):
    client = client_for(users["member"])
    client.post(_url(team), _form(team, site), HTTP_HX_REQUEST="true")
    response = client.post(_url(team), _form(team, site), HTTP_HX_REQUEST="true")
    expected = f"S{site.pk}-{_today(team):%y%m%d}-002"
    assert f"Recorded {expected}." in response.content.decode()
    assert response.context["count"] == 2
    assert response.context["recent"][0].consultation.reference == expected


def test_warnings_come_with_the_recorded_consultation(client_for, users, team, site):
    response = client_for(users["member"]).post(
        _url(team), _form(team, site, items=["9", "36", "40"]), HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert "Recorded " in content
    assert "Tick exactly one relation to the event" in content
    assert "More than one outcome is ticked" in content


def test_an_age_with_its_unit_gives_the_age_group(client_for, users, team, site):
    client = client_for(users["member"])
    client.post(
        _url(team), _form(team, site, age_group=None, age="8", age_unit="M", sex="1"), HTTP_HX_REQUEST="true"
    )
    consultation = Consultation.objects.get()
    assert (consultation.age_group, consultation.age_value, consultation.age_unit) == (1, 8, "M")


def test_a_form_sent_twice_is_recorded_once(client_for, users, team, site):
    client = client_for(users["member"])
    data = _form(team, site)
    client.post(_url(team), data, HTTP_HX_REQUEST="true")
    response = client.post(_url(team), data, HTTP_HX_REQUEST="true")
    assert Consultation.objects.count() == 1
    assert "was already recorded" in response.content.decode()
    assert response.context["count"] == 1


def test_errors_stay_next_to_the_fields_with_the_input_kept(client_for, users, team, site):
    data = _form(team, site, sex=None, note="Came back for the dressing.", patient_reference="ELG-0042")
    response = client_for(users["member"]).post(_url(team), data, HTTP_HX_REQUEST="true")
    # htmx swaps only successful answers: the errors come back as 200.
    assert response.status_code == 200
    assert not Consultation.objects.exists()
    form = response.context["form"]
    assert "sex" in form.errors
    assert form.checked_items() == {9, 36, 44}
    assert form.chosen("age_group") == 4
    content = response.content.decode()
    assert "Choose exactly one of male, female" in content
    assert "Came back for the dressing." in content and 'value="ELG-0042"' in content
    assert f'value="{data["client_id"]}"' in content  # nothing recorded: the same id may be sent again


# Recording without JavaScript ---------------------------------------------------------------------


def test_a_plain_post_records_and_redirects_back_to_the_day(client_for, users, team, site):
    client = client_for(users["member"])
    response = client.post(_url(team), _form(team, site, items=["9", "44", "36"]))
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url(team, site=site.pk, date=_today(team).isoformat())
    assert _messages(response) == [f"Recorded {consultation.reference}."]
    page = client.get(response["Location"])
    assert page.context["count"] == 1
    assert f"Recorded {consultation.reference}." in page.content.decode()


def test_a_plain_post_shows_warnings_as_messages(client_for, users, team, site):
    response = client_for(users["member"]).post(_url(team), _form(team, site, items=["9"]))
    assert response.status_code == 302
    assert "Tick exactly one relation to the event (items 44–46)." in _messages(response)


def test_a_refused_plain_post_is_a_400_with_the_errors(client_for, users, team, site):
    response = client_for(users["member"]).post(_url(team), _form(team, site, age_group="1", sex="3"))
    assert response.status_code == 400
    assert "Pregnancy cannot be recorded for a child under 5" in response.content.decode()
    assert response.content.decode().lstrip().startswith("<!DOCTYPE")
    assert not Consultation.objects.exists()


# Undo -------------------------------------------------------------------------------------------


def test_undo_deletes_the_consultation_and_answers_the_partial(client_for, users, team, site):
    client = client_for(users["member"])
    client.post(_url(team), _form(team, site), HTTP_HX_REQUEST="true")
    consultation = Consultation.objects.get()
    response = client.post(
        reverse("clinics:consultation_delete", args=[consultation.pk]),
        {"reason": "Undone on the capture page right after recording.", "return": "capture"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert not Consultation.objects.exists()
    assert f"Consultation {consultation.reference} deleted." in response.content.decode()
    assert response.context["count"] == 0


# A submitted day ----------------------------------------------------------------------------------


def test_a_submitted_day_is_locked_with_a_link_to_its_report(client_for, users, team, site):
    lead = users["coordinator"]
    report = _record(team, lead, site).report
    reports.submit(report, actor=lead)
    response = client_for(users["member"]).get(_url(team))
    content = response.content.decode()
    assert response.context["locked"] is True
    assert "is submitted and locked" in content
    assert "data-capture-form" not in content
    assert reverse("clinics:report", args=[report.pk]) in content


def test_posting_to_a_submitted_day_is_refused_and_shown(client_for, users, team, site):
    lead = users["coordinator"]
    report = _record(team, lead, site).report
    reports.submit(report, actor=lead)
    response = client_for(users["member"]).post(_url(team), _form(team, site))
    assert response.status_code == 400
    assert Consultation.objects.count() == 1
    assert "is submitted and locked" in response.content.decode()


# What the day list shows ----------------------------------------------------------------------------


def test_the_last_consultations_count_restricted_items_for_members(client_for, users, team, site):
    _record(team, users["coordinator"], site, items=[9, 44, 49])
    member_view = client_for(users["member"]).get(_url(team))
    row = member_view.context["recent"][0]
    assert [number for number, _label in row.items] == [9, 44] and row.restricted == 1
    assert "1 restricted item" in member_view.content.decode()
    lead_view = client_for(users["coordinator"]).get(_url(team))
    row = lead_view.context["recent"][0]
    assert [number for number, _label in row.items] == [9, 44, 49] and row.restricted == 0


def test_the_page_lists_at_most_five_recent_consultations(client_for, users, team, site):
    for _ in range(7):
        _record(team, users["member"], site)
    response = client_for(users["member"]).get(_url(team))
    assert response.context["count"] == 7
    assert len(response.context["recent"]) == 5
    assert response.context["recent"][0].consultation.reference.endswith("-007")
