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
from django.db.models import F, Model
from django.urls import reverse
from django.utils import timezone

from medmissions.accounts.models import User
from medmissions.audit.models import AuditEntry
from medmissions.core import demo, demo_missions, demo_volunteers
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Application, Assignment, Mission, Need
from medmissions.missions.models import Role as MissionRole
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
from medmissions.volunteers import credentials as credential_services
from medmissions.volunteers.choices import AffiliationKind, CredentialStatus, VerificationOutcome
from medmissions.volunteers.models import (
    Affiliation,
    AvailabilityWindow,
    Credential,
    CredentialVerification,
    Person,
    PersonLanguage,
    PersonSpecialty,
)
from medmissions.volunteers.readiness import readiness
from medmissions.volunteers.status import credential_status

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
    Person,
    Affiliation,
    PersonSpecialty,
    PersonLanguage,
    AvailabilityWindow,
    Credential,
    CredentialVerification,
    AuditEntry,
    Need,
    Mission,
    MissionRole,
    Application,
    Assignment,
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
    "GB": (49.8, 60.9, -8.7, 1.8),  # the sending organisations' supply depots
    "US": (24.5, 49.5, -125.0, -66.9),
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
    assert len(sites) == 22
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
    # The volunteers: the surgeon's own profile and data, the queue his licence waits in.
    page("omar.haddad", reverse("volunteers:my_profile"))
    assert page("omar.haddad", reverse("volunteers:my_data")).count("General Medical Council")
    assert "Dr Omar Haddad" in page("priya.nair", reverse("volunteers:verification_queue"))
    page("priya.nair", reverse("volunteers:people"))


def statuses_today() -> dict[int, CredentialStatus]:
    today = timezone.localdate()
    return {
        credential.pk: credential_status(credential, on=today).status
        for credential in Credential.objects.select_related("credential_type").prefetch_related(
            "verifications"
        )
    }


def test_about_sixty_volunteers_with_a_realistic_mix(seeded):
    people = list(Person.objects.select_related("profession", "user"))
    assert 55 <= len(people) <= 70
    assert len(people) == len(demo_volunteers.VOLUNTEERS)
    with_accounts = [person for person in people if person.user is not None]
    assert len(with_accounts) >= 10
    assert {person.user.email for person in with_accounts} >= {
        demo.email_for(login) for login in demo_volunteers.VOLUNTEER_LOGINS
    }
    assert {person.profession.slug for person in people} >= {
        "medicine",
        "nursing",
        "pharmacy",
        "dentistry",
        "rehabilitation",
        "public-health",
        "community-health-work",
        "spiritual-care",
        "language",
        "logistics",
        "laboratory",
        "optometry",
        "biomedical-engineering",
    }
    assert set(PersonSpecialty.objects.values_list("specialty__slug", flat=True)) >= {
        "general-surgery",
        "orthopaedic-surgery",
        "plastic-surgery",
        "anaesthesia",
        "paediatrics",
        "obstetrics-gynaecology",
        "midwifery",
        "theatre-nursing",
        "physiotherapy",
        "chaplaincy",
        "interpreter",
        "epidemiology",
    }
    assert len(set(PersonSpecialty.objects.values_list("proficiency", flat=True))) == 4
    assert sum(person.is_trainee for person in people) >= 4
    assert set(PersonLanguage.objects.values_list("language__code", flat=True)) >= {
        "en",
        "fr",
        "sw",
        "lg",
        "ny",
        "ht",
        "ne",
        "kri",
    }
    # Local health workers of the Ugandan, Kenyan and Malawian hosts.
    local = Counter(
        Affiliation.objects.filter(
            kind=AffiliationKind.HOME, person__nationality=F("organization__country")
        ).values_list("organization__country", flat=True)
    )
    assert all(local[country] >= 3 for country in ("UG", "KE", "MW")), local
    assert AvailabilityWindow.objects.filter(kind="available").exists()
    assert AvailabilityWindow.objects.filter(kind="unavailable").exists()
    assert {person.employer_leave_approved for person in people if person.home_employer} == {True, False}
    assert sum(bool(person.emergency_contact_name) for person in people) >= 50
    for person in people:
        assert person.affiliations.filter(kind=AffiliationKind.HOME).exists(), person
        assert person.specialties.exists() and person.languages.exists(), person


def test_volunteer_credentials_show_every_state_with_pdf_documents(seeded):
    today = timezone.localdate()
    statuses = statuses_today()
    by_status = Counter(statuses.values())
    assert by_status[CredentialStatus.VALID] >= 50
    assert by_status[CredentialStatus.EXPIRED] >= 3
    assert by_status[CredentialStatus.UNVERIFIED] >= 5
    assert by_status[CredentialStatus.REJECTED] == 1
    credentials = {
        credential.pk: credential for credential in Credential.objects.select_related("credential_type")
    }
    due_in = [
        (credentials[pk].expires_on - today).days
        for pk, status in statuses.items()
        if status == CredentialStatus.RENEWAL_DUE
    ]
    assert any(days <= 7 for days in due_in)
    assert any(7 < days <= 30 for days in due_in)
    assert any(30 < days <= 90 for days in due_in)
    rejected = CredentialVerification.objects.get(outcome=VerificationOutcome.REJECTED)
    assert rejected.notes and rejected.credential.document
    awaiting = [credentials[pk] for pk, status in statuses.items() if status == CredentialStatus.UNVERIFIED]
    assert sum(bool(credential.document) for credential in awaiting) >= 5
    temporary = Credential.objects.filter(credential_type__slug="host-temporary-licence")
    assert set(temporary.values_list("country", flat=True)) >= {"UG", "KE"}
    # Documents are small generated PDFs whose cross-reference table points at each object.
    credential = Credential.objects.exclude(document="").order_by("pk").first()
    with credential.document.open("rb") as handle:
        pdf = handle.read()
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) < 4096
    xref_at = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[xref_at:].startswith(b"xref")
    offsets = [int(line.split()[0]) for line in pdf[xref_at:].split(b"\n")[3:8]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    assert credential.document_content_type == "application/pdf"


def test_volunteers_were_built_through_the_services_by_the_right_people(seeded):
    for person in Person.objects.select_related("user"):
        actions = set(
            AuditEntry.objects.filter(object_id=str(person.pk), content_type__model="person").values_list(
                "action", flat=True
            )
        )
        if person.user is None:
            assert "volunteers.person.registered" in actions, person
        else:
            assert actions & {"volunteers.person.created", "volunteers.person.claimed"}, person
    for verification in CredentialVerification.objects.select_related("credential__person", "verified_by"):
        assert verification.verified_by != verification.credential.person.user  # nobody vets themself
        assert verification.credential.person.affiliations.filter(
            organization=verification.organization
        ).exists()
        assert AuditEntry.objects.filter(
            action=f"volunteers.credential.{verification.outcome}",
            object_id=str(verification.credential_id),
            actor=verification.verified_by,
        ).exists()


def test_the_demo_surgeon_becomes_ready_once_his_licence_is_verified(seeded):
    omar = Person.objects.get(user__email=demo.email_for("omar.haddad"))
    today = timezone.localdate()
    start, end = today + datetime.timedelta(days=80), today + datetime.timedelta(days=100)
    before = readiness(omar, "UG", start, end, None)
    assert [check.key for check in before.unmet] == ["credential:professional-licence"]

    licence = omar.credentials.get(credential_type__slug="professional-licence")
    credential_services.verify_credential(
        licence,
        actor=User.objects.get(email=demo.email_for("priya.nair")),
        organization=Organization.objects.get(slug="kestrel-global-health"),
        outcome=VerificationOutcome.VERIFIED,
    )
    assert readiness(omar, "UG", start, end, None).ready


def test_volunteers_are_added_to_a_network_loaded_before_them(db, monkeypatch):
    # A network from before the demo had volunteers, and so before it had missions.
    with monkeypatch.context() as patched:
        patched.setattr(demo_volunteers, "build", lambda *args, **kwargs: [])
        patched.setattr(demo_missions, "build", lambda *args, **kwargs: [])
        run_command()
    assert not Person.objects.exists()

    output = run_command()
    assert f"its {len(demo_volunteers.VOLUNTEERS)} volunteer profiles were added" in output
    assert f"(with its {len(demo_missions.MISSIONS)} missions)" in output
    assert Person.objects.count() == len(demo_volunteers.VOLUNTEERS)
    assert Mission.objects.count() == len(demo_missions.MISSIONS)
    before = counts()
    assert "already loaded" in run_command()
    assert counts() == before


def test_missions_are_added_to_a_network_loaded_before_them(db, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(demo_missions, "build", lambda *args, **kwargs: [])
        run_command()
    assert not Mission.objects.exists()

    output = run_command()
    assert f"its {len(demo_missions.MISSIONS)} missions were added" in output
    statuses = set(Mission.objects.values_list("status", flat=True))
    assert statuses == {status.value for status in MissionStatus}
    assert "already loaded" in run_command()


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
