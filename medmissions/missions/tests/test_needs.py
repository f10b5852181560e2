import datetime

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.missions import services
from medmissions.missions.choices import NeedStatus
from medmissions.missions.models import Need

from .conftest import specialty

pytestmark = pytest.mark.django_db
DATA = {
    "title": "Midwifery mentoring",
    "description": "Mentor our midwives on emergency obstetric care.",
    "earliest_start": datetime.date(2027, 2, 1),
    "latest_end": datetime.date(2027, 3, 1),
}


def test_a_host_need_is_confirmed_at_once(need, users):
    assert need.host_confirmed_by == users["host_admin"]
    assert services.need_status(need) == NeedStatus.OPEN
    entry = AuditEntry.objects.get(action="missions.need.created")
    assert entry.actor == users["host_admin"]


def test_a_partner_proposes_and_the_host_admin_confirms(
    users, sending, host, site, active_partnership, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        proposed = services.create_need(
            actor=users["coordinator"],
            author=sending,
            site=site,
            data=DATA,
            lines=[(specialty("midwifery"), 1)],
        )
    assert services.need_status(proposed) == NeedStatus.AWAITING_HOST
    assert [message.to for message in mailoutbox] == [["host_admin@example.org"]]
    with pytest.raises(NotAllowed):
        services.confirm_need(proposed, actor=users["host_member"])
    services.confirm_need(proposed, actor=users["host_admin"])
    assert services.need_status(Need.objects.get(pk=proposed.pk)) == NeedStatus.OPEN


def test_an_organisation_without_an_active_partnership_cannot_propose(users, other, site):
    with pytest.raises(NotAllowed):
        services.create_need(
            actor=users["outsider"], author=other, site=site, data=DATA, lines=[(specialty("midwifery"), 1)]
        )
    assert not Need.objects.exists()


def test_bad_input_is_refused_and_writes_nothing(users, host, site):
    with pytest.raises(ValidationFailed) as error:
        services.create_need(
            actor=users["host_admin"],
            author=host,
            site=site,
            data={**DATA, "latest_end": datetime.date(2027, 1, 1)},
            lines=[(specialty("midwifery"), 1)],
        )
    assert "latest_end" in error.value.fields
    with pytest.raises(ValidationFailed):
        services.create_need(actor=users["host_admin"], author=host, site=site, data=DATA, lines=[])
    assert not Need.objects.exists()


def test_withdrawal_needs_a_reason_and_happens_once(need, users):
    with pytest.raises(ValidationFailed):
        services.withdraw_need(need, actor=users["host_admin"], reason=" ")
    services.withdraw_need(need, actor=users["host_admin"], reason="The ministry sent a team.")
    assert services.need_status(Need.objects.get(pk=need.pk)) == NeedStatus.WITHDRAWN
    with pytest.raises(Conflict):
        services.withdraw_need(need, actor=users["host_admin"], reason="Again.")
