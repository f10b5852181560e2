"""Saved searches (audited services) and their email alerts: only new matches, each sent once,
only while alerts are on; the ``send-opportunity-alerts`` command."""

import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.missions import discovery
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import SavedSearch, SavedSearchMatch

from .test_opportunities_support import opportunity, volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def surgeon():
    user, _person = volunteer()
    return user


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://medmissions.example"
    return settings.SITE_URL


def run(django_capture_on_commit_callbacks, **options):
    with django_capture_on_commit_callbacks(execute=True):
        return discovery.send_opportunity_alerts(**options)


# Saved searches ------------------------------------------------------------------------------------


def test_saving_a_search_stores_codes_and_records_what_matches_now(surgeon, active_partnership, site):
    now = opportunity(active_partnership, site, title="Mbale surgical camp")
    saved = discovery.create_saved_search(
        actor=surgeon, name="  Surgery in Africa ", filters={"specialty": "general-surgery", "region": "afro"}
    )
    assert saved.name == "Surgery in Africa"
    assert saved.filters == {"specialty": "general-surgery", "region": "AFRO"}
    assert saved.email_alerts is True
    assert list(saved.matches.values_list("mission_id", flat=True)) == [now.pk]
    entry = AuditEntry.objects.get(action="missions.saved_search.created")
    assert entry.actor == surgeon and entry.organization is None


def test_a_saved_search_needs_a_name_and_valid_filters_and_has_a_limit(surgeon, monkeypatch):
    with pytest.raises(ValidationFailed) as caught:
        discovery.create_saved_search(actor=surgeon, name=" ", filters={})
    assert set(caught.value.fields) == {"name"}
    with pytest.raises(ValidationFailed) as caught:
        discovery.create_saved_search(actor=surgeon, name="X", filters={"specialty": "astrology"})
    assert set(caught.value.fields) == {"specialty"}
    assert (
        not SavedSearch.objects.exists()
        and not AuditEntry.objects.filter(action__startswith="missions.").exists()
    )
    monkeypatch.setattr(discovery, "MAX_SAVED_SEARCHES", 2)
    discovery.create_saved_search(actor=surgeon, name="One", filters={})
    discovery.create_saved_search(actor=surgeon, name="Two", filters={})
    with pytest.raises(Conflict) as caught:
        discovery.create_saved_search(actor=surgeon, name="Three", filters={})
    assert caught.value.code == "too_many_saved_searches"


def test_only_the_owner_changes_a_saved_search_and_new_filters_start_afresh(
    surgeon, users, active_partnership, site
):
    saved = discovery.create_saved_search(actor=surgeon, name="Nursing", filters={"specialty": "nursing"})
    mission = opportunity(active_partnership, site)
    with pytest.raises(NotAllowed):
        discovery.update_saved_search(saved, actor=users["admin"], name="Mine now")
    with pytest.raises(NotAllowed):
        discovery.delete_saved_search(saved, actor=users["admin"])
    updated = discovery.update_saved_search(
        saved, actor=surgeon, name="Surgery", email_alerts=False, filters={"specialty": "surgery"}
    )
    assert (updated.name, updated.email_alerts, updated.filters) == (
        "Surgery",
        False,
        {"specialty": "surgery"},
    )
    # The mission matching the new filters now is not news.
    assert list(updated.matches.values_list("mission_id", flat=True)) == [mission.pk]
    entry = AuditEntry.objects.get(action="missions.saved_search.updated")
    assert set(entry.changes) == {"name", "email_alerts", "filters"}
    discovery.update_saved_search(updated, actor=surgeon, name="Surgery")  # nothing changes: no entry
    assert AuditEntry.objects.filter(action="missions.saved_search.updated").count() == 1
    discovery.delete_saved_search(updated, actor=surgeon)
    assert not SavedSearch.objects.exists()
    assert AuditEntry.objects.filter(action="missions.saved_search.deleted").exists()


def test_saved_searches_are_listed_in_words(surgeon):
    saved = discovery.create_saved_search(
        actor=surgeon,
        name="Everything",
        filters={"specialty": "surgery", "region": "AFRO", "value_tags": ["teaching"], "min_days": 7},
    )
    everything = discovery.create_saved_search(actor=surgeon, name="All", filters={})
    described = discovery.describe_filters([saved, everything])
    assert described[saved.pk] == [
        "Specialty: Surgery",
        "Region: Africa",
        "At least 7 days",
        "Values: Teaching and training",
    ]
    assert described[everything.pk] == ["All opportunities"]


# Alerts ---------------------------------------------------------------------------------------------


def test_new_matching_missions_are_emailed_once_with_links(
    surgeon, active_partnership, site, site_url, django_capture_on_commit_callbacks, mailoutbox
):
    opportunity(active_partnership, site, title="Already recruiting")
    saved = discovery.create_saved_search(actor=surgeon, name="Surgery in Uganda", filters={"country": "UG"})
    assert run(django_capture_on_commit_callbacks).emails_sent == 0  # what matched when saved is not news
    first = opportunity(active_partnership, site, title="Mbale hernia camp")
    second = opportunity(
        active_partnership,
        site,
        title="Mbale cleft camp",
        starts_on=datetime.date(2027, 6, 1),
        ends_on=datetime.date(2027, 6, 9),
    )
    opportunity(active_partnership, site, title="Draft", status=MissionStatus.DRAFT, confirmed=False)
    summary = run(django_capture_on_commit_callbacks)
    assert (summary.emails_sent, summary.missions_sent) == (1, 2)
    (message,) = mailoutbox
    assert message.to == ["amina@example.org"]
    assert message.subject == "2 new opportunities for your search “Surgery in Uganda”"
    assert f"{site_url}/missions/opportunities/{first.pk}/" in message.body
    assert f"{site_url}/missions/opportunities/{second.pk}/" in message.body
    assert f"{site_url}/missions/saved-searches/" in message.body
    assert f"{site_url}/missions/opportunities/?country=UG" in message.body
    assert "Already recruiting" not in message.body and "Draft" not in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body
    saved.refresh_from_db()
    assert saved.last_sent_at is not None
    # Idempotent: nothing new, nothing sent.
    again = run(django_capture_on_commit_callbacks)
    assert (again.emails_sent, len(mailoutbox)) == (0, 1)


def test_alerts_respect_the_switch_the_filters_and_the_account(
    surgeon, active_partnership, site, django_capture_on_commit_callbacks, mailoutbox
):
    off = discovery.create_saved_search(actor=surgeon, name="Off", filters={}, email_alerts=False)
    nursing = discovery.create_saved_search(actor=surgeon, name="Nursing", filters={"specialty": "nursing"})
    gone_user, _person = volunteer("gone@example.org", "Gone")
    discovery.create_saved_search(actor=gone_user, name="Gone", filters={})
    gone_user.is_active = False
    gone_user.save()
    opportunity(active_partnership, site, title="Surgery only")
    opportunity(
        active_partnership,
        site,
        title="Ended",
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 10, 9),
    )
    summary = run(django_capture_on_commit_callbacks, today=datetime.date(2026, 11, 1))
    assert summary.emails_sent == 0 and mailoutbox == []
    assert not SavedSearchMatch.objects.filter(saved_search__in=[off, nursing]).exists()
    # Turning alerts on sends what appeared while they were off.
    discovery.update_saved_search(off, actor=surgeon, email_alerts=True)
    summary = run(django_capture_on_commit_callbacks, today=datetime.date(2026, 11, 1))
    assert summary.emails_sent == 1
    assert "Surgery only" in mailoutbox[0].body and "Ended" not in mailoutbox[0].body


def test_a_search_whose_filters_no_longer_exist_is_skipped(
    surgeon, active_partnership, site, django_capture_on_commit_callbacks, mailoutbox
):
    saved = discovery.create_saved_search(actor=surgeon, name="Old", filters={})
    SavedSearch.objects.filter(pk=saved.pk).update(filters={"value_tags": ["retired-tag"]})
    opportunity(active_partnership, site)
    summary = run(django_capture_on_commit_callbacks)
    assert (summary.invalid_searches, summary.emails_sent, mailoutbox) == (1, 0, [])


def test_a_match_recorded_by_another_run_is_not_sent_again(
    surgeon, active_partnership, site, django_capture_on_commit_callbacks, mailoutbox
):
    saved = discovery.create_saved_search(actor=surgeon, name="All", filters={})
    first = opportunity(active_partnership, site, title="First")
    second = opportunity(active_partnership, site, title="Second")
    # Another run claimed "First" after this one read the list: the insert fails and is skipped.
    with django_capture_on_commit_callbacks(execute=True):
        SavedSearchMatch.objects.create(saved_search=saved, mission=first)
        sent, skipped = discovery._claim_and_send(saved, [first, second])
    assert ([m.title for m in sent], skipped) == (["Second"], 1)
    assert "First" not in mailoutbox[0].body


def test_the_command_sends_counts_and_can_dry_run(
    surgeon, active_partnership, site, django_capture_on_commit_callbacks, mailoutbox
):
    discovery.create_saved_search(actor=surgeon, name="All", filters={})
    opportunity(active_partnership, site)
    out = io.StringIO()
    call_command("send_opportunity_alerts", "--dry-run", stdout=out)
    assert "Opportunity alerts would be sent: 1 (1 new matches" in out.getvalue()
    assert "Dry run" in out.getvalue()
    assert mailoutbox == [] and SavedSearchMatch.objects.count() == 0
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_opportunity_alerts", "--today", "2027-01-10", "-v", "2", stdout=out)
    assert "Opportunity alerts sent: 1" in out.getvalue()
    assert "amina@example.org: 1" in out.getvalue()
    assert len(mailoutbox) == 1
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_opportunity_alerts", stdout=out)
    assert "Opportunity alerts sent: 0" in out.getvalue() and len(mailoutbox) == 1
    with pytest.raises(Exception, match="not a date"):
        call_command("send_opportunity_alerts", "--today", "soon")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)")
def test_two_overlapping_runs_send_each_match_once(surgeon, active_partnership, site, mailoutbox):
    discovery.create_saved_search(actor=surgeon, name="All", filters={})
    opportunity(active_partnership, site, title="One")
    opportunity(active_partnership, site, title="Two")
    mailoutbox.clear()  # the fixtures' own emails (the partnership's) were sent on their commits
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def alert():
        try:
            barrier.wait()
            sent.append(discovery.send_opportunity_alerts().missions_sent)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=alert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [0, 2]
    assert len(mailoutbox) == 1
    assert SavedSearchMatch.objects.count() == 2
