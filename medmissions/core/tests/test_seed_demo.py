"""``seed_demo`` builds a believable demo network through the services, once, and prints its logins."""

from __future__ import annotations

import datetime
import io
from collections import Counter

import pytest
from django.core import mail
from django.core.mail.backends.dummy import EmailBackend as DummyEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from medmissions.accounts.models import User
from medmissions.audit.models import AuditEntry
from medmissions.core import demo
from medmissions.organizations.choices import OrganizationKind, Role
from medmissions.organizations.models import Membership, Organization
from medmissions.partnerships import health
from medmissions.partnerships.choices import (
    ActionItemStatus,
    HealthCheckStatus,
    PartnershipStatus,
    PartyRole,
    Principle,
)
from medmissions.partnerships.models import (
    ActionItem,
    HealthCheck,
    Partnership,
    PartnershipParty,
    PrincipleScore,
)
from medmissions.sites.models import Site, SiteKind

COUNTED: list[type[Model]] = [
    User,
    Organization,
    Membership,
    Site,
    Partnership,
    PartnershipParty,
    HealthCheck,
    PrincipleScore,
    ActionItem,
    AuditEntry,
]

# Rough bounding boxes (latitude min/max, longitude min/max): they catch a swapped sign or a
# swapped latitude/longitude, the usual ways hand-typed coordinates go wrong.
COUNTRY_BOXES = {
    "UG": (-1.5, 4.3, 29.5, 35.1),
    "KE": (-4.8, 5.1, 33.9, 42.0),
    "MW": (-17.2, -9.3, 32.6, 36.0),
    "HT": (17.9, 20.1, -74.5, -71.6),
    "NP": (26.3, 30.5, 80.0, 88.3),
    "SL": (6.9, 10.0, -13.4, -10.2),
}


def run_command(**options) -> str:
    output = io.StringIO()
    call_command("seed_demo", stdout=output, **options)
    return output.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in COUNTED}


@pytest.fixture
def seeded(db) -> str:
    """Run the command once; its output."""
    return run_command()


def demo_users():
    return User.objects.filter(email__endswith="@" + demo.EMAIL_DOMAIN)


def test_organisations_people_and_roles(seeded):
    organizations = list(Organization.objects.all())
    assert len(organizations) >= 12
    assert len({str(org.country) for org in organizations}) >= 5
    assert {org.kind for org in organizations} == set(OrganizationKind.values)
    assert any(org.is_verified for org in organizations)
    assert not all(org.is_verified for org in organizations)
    for organization in organizations:
        assert organization.description and organization.values_statement
        assert organization.value_tags.exists()
        assert organization.capabilities.exists()
        assert organization.languages.exists()
        assert organization.memberships.filter(role=Role.ADMIN).exists()

    organizations_per_role = Counter(
        role for _org, role in Membership.objects.values_list("organization", "role").distinct()
    )
    assert set(organizations_per_role) == set(Role.values)
    assert all(organizations_per_role[role] >= 2 for role in Role.values), organizations_per_role

    users = list(demo_users())
    assert len(users) == len(demo.PEOPLE)
    assert all(user.email_verified_at is not None for user in users)
    assert users[0].check_password(demo.DEMO_PASSWORD)
    assert any(user.memberships.count() == 2 for user in users)
    staff = User.objects.get(email=demo.email_for(demo.STAFF_LOGIN))
    assert staff.is_staff
    assert not staff.memberships.exists()


def test_sites_sit_at_real_coordinates_in_their_country(seeded):
    sites = list(Site.objects.select_related("host_organization"))
    assert len(sites) == 20
    assert {site.kind for site in sites} == set(SiteKind.values)
    for site in sites:
        assert site.latitude is not None and site.longitude is not None, site
        lat_min, lat_max, lon_min, lon_max = COUNTRY_BOXES[str(site.country)]
        assert lat_min <= site.latitude <= lat_max, site
        assert lon_min <= site.longitude <= lon_max, site
        assert site.country == site.host_organization.country
        assert site.town and site.admin_level_1 and site.admin_level_2
        assert site.languages.exists()
        assert site.culture_guidance and site.customs_guidance and site.security_guidance
    mbale = Site.objects.get(town="Mbale")
    assert (float(mbale.latitude), float(mbale.longitude)) == (1.0804, 34.175)


def test_partnerships_cover_every_state(seeded):
    partnerships = list(Partnership.objects.prefetch_related("parties", "focus_areas"))
    assert len(partnerships) == 8
    by_status = Counter(partnership.status for partnership in partnerships)
    assert set(by_status) == set(PartnershipStatus.values)
    assert by_status[PartnershipStatus.ACTIVE] >= 3
    assert any(partnership.is_public for partnership in partnerships)

    def confirmed_hosts(partnership: Partnership) -> tuple[int, int]:
        hosts = partnership.host_parties()
        return sum(1 for party in hosts if party.confirmed_at), len(hosts)

    proposed = [p for p in partnerships if p.status == PartnershipStatus.PROPOSED]
    assert (0, 1) in [confirmed_hosts(p) for p in proposed]
    assert (1, 2) in [confirmed_hosts(p) for p in proposed]
    for partnership in partnerships:
        assert partnership.shared_goals and partnership.focus_areas.exists()
        if partnership.status in (PartnershipStatus.PAUSED, PartnershipStatus.CLOSED):
            assert partnership.status_reason
        if partnership.status != PartnershipStatus.PROPOSED:
            assert all(party.confirmed_at for party in partnership.host_parties())
            assert partnership.start_date is not None

    today = timezone.localdate()
    soon = today + datetime.timedelta(days=60)
    due_soon = [
        p
        for p in partnerships
        if p.status in (PartnershipStatus.ACTIVE, PartnershipStatus.PAUSED)
        and p.next_review_date is not None
        and today <= p.next_review_date <= soon
    ]
    assert len(due_soon) >= 2


def test_health_checks_and_action_plan(seeded):
    completed = list(HealthCheck.objects.filter(status=HealthCheckStatus.COMPLETED))
    assert completed
    for check in completed:
        outcome = health.results(check)
        assert outcome.complete
        assert check.scores.count() == len(outcome.organizations) * len(Principle)
        assert outcome.gaps  # the demo shows what a gap looks like
        assert check.completed_at is not None and check.completed_at < timezone.now()

    trended = Partnership.objects.get(title="Elgon safe surgery and anaesthesia training")
    rounds, rows = health.trend(trended)
    assert len(rounds) == 2
    assert any(row.change and row.change > 0 for row in rows)

    open_round = HealthCheck.objects.get(status=HealthCheckStatus.OPEN)
    missing = health.results(open_round).missing
    assert any(principles == [] for principles in missing.values())  # someone has finished
    assert any(principles for principles in missing.values())  # someone has not

    items = list(ActionItem.objects.select_related("partnership"))
    assert {ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS, ActionItemStatus.DONE} <= {
        item.status for item in items
    }
    assert ActionItem.objects.outstanding().filter(due_date__lt=timezone.localdate()).exists()
    for item in items:
        assert item.partnership.parties.filter(organization=item.owner_organization).exists()


def test_everything_was_built_through_the_services(seeded):
    def logged(action: str, obj: Model) -> bool:
        return AuditEntry.objects.filter(action=action, object_id=str(obj.pk), actor__isnull=False).exists()

    for organization in Organization.objects.all():
        assert logged("organizations.organization.created", organization), organization
    for membership in Membership.objects.all():
        created_with_org = AuditEntry.objects.filter(
            action="organizations.organization.created", object_id=str(membership.organization_id)
        ).exists()
        assert created_with_org or logged("organizations.membership.created", membership)
    for site in Site.objects.all():
        assert logged("sites.site.created", site), site
    for partnership in Partnership.objects.all():
        assert logged("partnerships.partnership.proposed", partnership), partnership
    for check in HealthCheck.objects.all():
        assert logged("partnerships.health_check.opened", check)
    for item in ActionItem.objects.all():
        assert logged("partnerships.action_item.created", item)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "organizations.organization.verified",
        "partnerships.partnership.confirmed",
        "partnerships.partnership.activated",
        "partnerships.partnership.paused",
        "partnerships.partnership.closed",
        "partnerships.health_check.scored",
        "partnerships.health_check.completed",
        "partnerships.action_item.updated",
    } <= actions


def test_output_lists_the_logins(seeded):
    assert "Demo network loaded" in seeded
    assert "http://127.0.0.1:8000" in seeded
    assert demo.DEMO_PASSWORD in seeded
    for person in demo.PEOPLE:
        assert person.email in seeded
    assert "Kica Health Centre — Admin" in seeded
    assert "Host confirms a partnership: " + demo.email_for("amara.okello") in seeded
    assert "Platform staff: " + demo.email_for(demo.STAFF_LOGIN) in seeded


def test_a_second_run_creates_nothing(seeded):
    before = counts()
    output = run_command()
    assert counts() == before
    assert "already loaded" in output
    assert demo.email_for("amara.okello") in output


def test_skip_if_loaded(db):
    first = run_command(skip_if_loaded=True)  # nothing loaded yet: it builds
    assert "Demo network loaded" in first
    before = counts()
    output = run_command(skip_if_loaded=True)
    assert counts() == before
    assert output.lstrip().startswith("Demo data already loaded; skipping.")
    assert demo.email_for("amara.okello") in output


def test_refuses_to_mix_into_clashing_data(db):
    User.objects.create_user(email=demo.email_for("priya.nair"), password=None, full_name="Priya Nair")
    with pytest.raises(CommandError, match=r"already exist.*priya\.nair"):
        run_command()
    assert not Organization.objects.exists()
    assert User.objects.count() == 1


def test_demo_pages_render(seeded, client_for):
    def page(login: str, url: str) -> str:
        response = client_for(User.objects.get(email=demo.email_for(login))).get(url)
        assert response.status_code == 200, (login, url, response.status_code)
        return response.content.decode()

    referral = Partnership.objects.get(title="Uganda obstetric emergency referral network")
    assert referral.title in page("amara.okello", reverse("core:dashboard"))
    surgery = Partnership.objects.get(title="Elgon safe surgery and anaesthesia training")
    page("priya.nair", reverse("partnerships:detail", args=[surgery.pk]))
    for check in surgery.health_checks.all():
        page("priya.nair", reverse("partnerships:health_check", args=[surgery.pk, check.pk]))
    open_round = HealthCheck.objects.get(status=HealthCheckStatus.OPEN)
    page("rachel.kim", reverse("partnerships:health_check", args=[open_round.partnership_id, open_round.pk]))
    page("jean-robert.pierre", reverse("core:dashboard"))  # French interface
    page("sarah.lindqvist", reverse("sites:list"))
    page(demo.STAFF_LOGIN, "/staff/admin/")


# Emails are sent when the command's transaction commits, so this test needs real commits.
# Serialized rollback restores the migrations' reference data (capabilities, languages) that
# the demo needs, even after another transactional test has flushed the database.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_emails_are_suppressed_while_seeding(monkeypatch):
    discarded: list[int] = []
    original = DummyEmailBackend.send_messages

    def counting(self, messages):
        discarded.append(len(messages))
        return original(self, messages)

    monkeypatch.setattr(DummyEmailBackend, "send_messages", counting)
    run_command()
    assert sum(discarded) > 0  # the services did email hosts and parties…
    assert mail.outbox == []  # …but nothing reached the configured backend
    assert PartnershipParty.objects.filter(role=PartyRole.HOST).exists()
