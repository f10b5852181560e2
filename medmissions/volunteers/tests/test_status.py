"""Credential status at the boundary dates (computed on read for a given day)."""

import datetime

import pytest

from medmissions.volunteers.choices import CredentialStatus, VerificationOutcome
from medmissions.volunteers.models import CredentialType, CredentialVerification
from medmissions.volunteers.status import credential_status

pytestmark = pytest.mark.django_db
EXPIRY = datetime.date(2027, 6, 30)


@pytest.fixture
def licence(volunteer, make_credential, sending):
    return make_credential(volunteer, "professional-licence", expires_on=EXPIRY, verified_by=sending)


def status_on(credential, day, **kwargs):
    return credential_status(credential, on=day, renewal_window_days=90, **kwargs).status


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (EXPIRY - datetime.timedelta(days=91), CredentialStatus.VALID),
        (EXPIRY - datetime.timedelta(days=90), CredentialStatus.RENEWAL_DUE),
        (EXPIRY, CredentialStatus.RENEWAL_DUE),
        (EXPIRY + datetime.timedelta(days=1), CredentialStatus.EXPIRED),
    ],
)
def test_it_is_valid_then_due_for_renewal_then_expired(licence, day, expected):
    assert status_on(licence, day) == expected


def test_a_grace_period_keeps_it_counting_until_its_last_day(licence):
    CredentialType.objects.filter(pk=licence.credential_type_id).update(grace_days=30)
    licence.credential_type.refresh_from_db()
    assert status_on(licence, EXPIRY + datetime.timedelta(days=30)) == CredentialStatus.GRACE
    assert status_on(licence, EXPIRY + datetime.timedelta(days=31)) == CredentialStatus.EXPIRED
    assert credential_status(licence, on=EXPIRY + datetime.timedelta(days=1)).counts


def test_an_unverified_credential_does_not_count(volunteer, make_credential):
    credential = make_credential(volunteer, "bls", expires_on=EXPIRY)
    result = credential_status(credential, on=datetime.date(2026, 1, 1))
    assert result.status == CredentialStatus.UNVERIFIED
    assert not result.counts


def test_verification_is_per_organisation(licence, sending, host):
    day = datetime.date(2026, 1, 1)
    assert status_on(licence, day, organization_id=sending.pk) == CredentialStatus.VALID
    assert status_on(licence, day, organization_id=host.pk) == CredentialStatus.UNVERIFIED


def test_a_rejection_by_the_organisation_asked_about_wins(licence, host):
    from django.utils import timezone

    CredentialVerification.objects.create(
        credential=licence,
        organization=host,
        outcome=VerificationOutcome.REJECTED,
        verified_at=timezone.now(),
        notes="Blurred.",
    )
    assert status_on(licence, datetime.date(2026, 1, 1), organization_id=host.pk) == CredentialStatus.REJECTED
    # Any organisation's verification is enough when no organisation is named.
    assert status_on(licence, datetime.date(2026, 1, 1)) == CredentialStatus.VALID


def test_an_expired_credential_stays_expired_whoever_verified_it(licence):
    assert status_on(licence, EXPIRY + datetime.timedelta(days=400)) == CredentialStatus.EXPIRED


def test_a_credential_without_expiry_stays_valid(volunteer, make_credential, sending):
    credential = make_credential(volunteer, "yellow-fever-vaccination", verified_by=sending)
    assert status_on(credential, datetime.date(2090, 1, 1)) == CredentialStatus.VALID
