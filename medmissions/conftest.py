"""Shared test fixtures: a small, explicit world and the personas every test speaks of.

* ``sending`` (a UK NGO) has one member per role: ``admin``, ``coordinator``, ``member``, ``viewer``.
* ``host`` (a Ugandan hospital) has ``host_admin`` and ``host_member``.
* ``outsider`` is admin of ``other`` (an unrelated organisation in Kenya).
* ``anonymous`` is nobody signed in.

Personas are looked up by name through ``persona(name)`` so parametrised tests (the permission
matrix) can name them as strings.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from medmissions.accounts.models import User
from medmissions.accounts.services import create_api_token
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership, Organization
from medmissions.partnerships import services as partnership_services
from medmissions.partnerships.choices import PartyRole
from medmissions.sites.models import Site

PASSWORD = "correct horse battery staple"
PERSONAS = ["admin", "coordinator", "member", "viewer", "outsider", "anonymous"]


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    # Argon2 is deliberately slow; tests only need a hasher that works.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def make_user(email: str, full_name: str, **extra) -> User:
    extra.setdefault("email_verified_at", timezone.now())
    return User.objects.create_user(email=email, password=PASSWORD, full_name=full_name, **extra)


def make_organization(name: str, slug: str, country: str, kind: str = "secular_ngo") -> Organization:
    return Organization.objects.create(name=name, slug=slug, country=country, kind=kind)


@pytest.fixture
def sending(db) -> Organization:
    return make_organization("Bridge Health UK", "bridge-health", "GB", "secular_ngo")


@pytest.fixture
def host(db) -> Organization:
    return make_organization("Mbale Regional Hospital", "mbale-hospital", "UG", "hospital")


@pytest.fixture
def other(db) -> Organization:
    return make_organization("Unrelated Clinic", "unrelated-clinic", "KE", "clinic")


@pytest.fixture
def users(sending, host, other) -> dict[str, User]:
    people = {
        "admin": (sending, Role.ADMIN),
        "coordinator": (sending, Role.COORDINATOR),
        "member": (sending, Role.MEMBER),
        "viewer": (sending, Role.VIEWER),
        "host_admin": (host, Role.ADMIN),
        "host_member": (host, Role.MEMBER),
        "outsider": (other, Role.ADMIN),
    }
    created = {}
    for name, (organization, role) in people.items():
        user = make_user(f"{name}@example.org", name.replace("_", " ").title())
        Membership.objects.create(user=user, organization=organization, role=role)
        created[name] = user
    return created


@pytest.fixture
def persona(users):
    """``persona("coordinator")`` → that user; ``persona("anonymous")`` → None."""

    def get(name: str) -> User | None:
        return None if name == "anonymous" else users[name]

    return get


@pytest.fixture
def client_for():
    """A test client signed in as ``user`` (or anonymous for None)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def api_client_for():
    """A test client that authenticates with a fresh personal API token of ``user``."""

    def make(user: User | None) -> Client:
        if user is None:
            return Client()
        _token, raw = create_api_token(user, actor=user, name=f"test {timezone.now().timestamp()}")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


@pytest.fixture
def proposed_partnership(users, sending, host):
    return partnership_services.propose_partnership(
        actor=users["coordinator"],
        proposer=sending,
        data={
            "title": "Mbale surgical training",
            "shared_goals": "Train local surgical teams in safe surgery.",
            "next_review_date": datetime.date(2027, 3, 1),
            "is_public": False,
        },
        parties=[(sending, PartyRole.SENDING), (host, PartyRole.HOST)],
    )


@pytest.fixture
def active_partnership(proposed_partnership, users):
    return partnership_services.confirm_partnership(proposed_partnership, actor=users["host_admin"])


@pytest.fixture
def site(host) -> Site:
    return Site.objects.create(
        name="Mbale outpatient clinic",
        kind="clinic",
        host_organization=host,
        country="UG",
        town="Mbale",
        latitude="1.080000",
        longitude="34.175000",
        security_guidance="Travel by day only.",
    )
