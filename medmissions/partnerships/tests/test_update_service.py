"""update_partnership and the memorandum of understanding (MoU) upload."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.lib.uploads import DOCX, PDF
from medmissions.organizations.models import Capability
from medmissions.partnerships import services
from medmissions.partnerships.choices import PartyRole
from medmissions.partnerships.models import Partnership
from medmissions.partnerships.tests.support import (
    EXECUTABLE_BYTES,
    PDF_BYTES,
    TEXT_BYTES,
    audit_entries,
    counts,
    docx_bytes,
    oversized_pdf_upload,
    pdf_upload,
    stored_files,
    upload,
)


def test_a_coordinator_edits_the_partnership(users, sending, proposed_partnership):
    services.update_partnership(
        proposed_partnership,
        actor=users["coordinator"],
        data={"title": "Mbale surgery and anaesthesia", "next_review_date": datetime.date(2027, 6, 1)},
    )

    proposed_partnership.refresh_from_db()
    assert proposed_partnership.title == "Mbale surgery and anaesthesia"
    assert proposed_partnership.next_review_date == datetime.date(2027, 6, 1)
    assert proposed_partnership.shared_goals == "Train local surgical teams in safe surgery."
    [entry] = audit_entries("partnerships.partnership.updated")
    assert entry.actor == users["coordinator"]
    assert entry.organization == sending
    assert entry.changes == {
        "title": ["Mbale surgical training", "Mbale surgery and anaesthesia"],
        "next_review_date": ["2027-03-01", "2027-06-01"],
    }


def test_a_host_coordinator_or_admin_edits_too_and_is_audited_for_the_host(users, host, active_partnership):
    services.update_partnership(active_partnership, actor=users["host_admin"], data={"is_public": True})
    active_partnership.refresh_from_db()
    assert active_partnership.is_public is True
    [entry] = audit_entries("partnerships.partnership.updated")
    assert entry.organization == host
    assert entry.changes == {"is_public": [False, True]}


def test_focus_areas_are_replaced_only_when_given(users, proposed_partnership):
    first, second = Capability.objects.order_by("pk")[:2]
    services.update_partnership(
        proposed_partnership, actor=users["coordinator"], data={}, focus_areas=[first]
    )
    services.update_partnership(proposed_partnership, actor=users["coordinator"], data={"title": "New"})
    assert list(proposed_partnership.focus_areas.all()) == [first]
    services.update_partnership(
        proposed_partnership, actor=users["coordinator"], data={}, focus_areas=[second]
    )
    assert list(proposed_partnership.focus_areas.all()) == [second]
    services.update_partnership(proposed_partnership, actor=users["coordinator"], data={}, focus_areas=[])
    assert list(proposed_partnership.focus_areas.all()) == []


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member", "outsider"])
def test_only_coordinators_and_admins_of_a_party_edit(persona, users, proposed_partnership):
    before = counts()
    with pytest.raises(NotAllowed):
        services.update_partnership(proposed_partnership, actor=users[persona], data={"title": "Mine now"})
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.title == "Mbale surgical training"
    assert counts() == before


def test_a_closed_partnership_cannot_be_edited(users, closed_partnership):
    before = counts()
    with pytest.raises(Conflict) as caught:
        services.update_partnership(
            closed_partnership, actor=users["coordinator"], data={"title": "Reopened"}
        )
    assert caught.value.message == "A closed partnership cannot be edited."
    assert caught.value.code == "partnership_closed"
    closed_partnership.refresh_from_db()
    assert closed_partnership.title == "Mbale surgical training"
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"shared_goals": "  "}, "shared_goals"),
        ({"start_date": datetime.date(2028, 1, 2), "end_date": datetime.date(2028, 1, 1)}, "end_date"),
        ({"end_date": "soon"}, "end_date"),
    ],
)
def test_invalid_edits_are_refused_and_change_nothing(data, field, users, proposed_partnership):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.update_partnership(proposed_partnership, actor=users["coordinator"], data=data)
    assert field in caught.value.fields
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.title == "Mbale surgical training"
    assert proposed_partnership.end_date is None
    assert counts() == before


def test_an_end_date_before_the_stored_start_date_is_refused(users, active_partnership):
    active_partnership.refresh_from_db()
    day_before = active_partnership.start_date - datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed, match="correct the highlighted fields") as caught:
        services.update_partnership(
            active_partnership, actor=users["coordinator"], data={"end_date": day_before}
        )
    assert caught.value.fields == {"end_date": "The end date is before the start date."}


# The memorandum of understanding ------------------------------------------------------------------


def read_mou(partnership: Partnership) -> bytes:
    partnership.refresh_from_db()
    with partnership.mou.open("rb") as handle:
        return handle.read()


def test_a_valid_pdf_memorandum_is_stored_with_its_type(users, proposed_partnership):
    services.update_partnership(
        proposed_partnership, actor=users["coordinator"], data={}, mou=pdf_upload("our agreement.exe")
    )

    proposed_partnership.refresh_from_db()
    assert proposed_partnership.mou_content_type == PDF
    assert proposed_partnership.mou.name.startswith(f"partnerships/mou/mou-{proposed_partnership.pk}-")
    assert proposed_partnership.mou.name.endswith(".pdf")
    assert read_mou(proposed_partnership) == PDF_BYTES
    [entry] = audit_entries("partnerships.partnership.updated")
    assert entry.changes["mou"] == [None, proposed_partnership.mou.name]


def test_a_real_minimal_docx_memorandum_is_accepted(users, proposed_partnership):
    content = docx_bytes()
    services.update_partnership(
        proposed_partnership,
        actor=users["coordinator"],
        data={},
        mou=upload(content, "mou.docx", "application/octet-stream"),
    )
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.mou_content_type == DOCX
    assert proposed_partnership.mou.name.endswith(".docx")
    assert read_mou(proposed_partnership) == content


def test_a_memorandum_can_be_attached_to_the_proposal(users, sending, host):
    partnership = services.propose_partnership(
        actor=users["coordinator"],
        proposer=sending,
        data={"title": "With MoU", "shared_goals": "Goals."},
        parties=[(sending, PartyRole.SENDING), (host, PartyRole.HOST)],
        mou=pdf_upload(),
    )
    assert partnership.mou_content_type == PDF
    assert read_mou(partnership) == PDF_BYTES
    [entry] = audit_entries("partnerships.partnership.proposed")
    assert entry.changes["mou"] == [None, partnership.mou.name]


REFUSED_UPLOADS = [
    pytest.param(
        lambda: upload(EXECUTABLE_BYTES, "mou.pdf"),
        "file_type_not_allowed",
        "not an accepted file type",
        id="exe",
    ),
    pytest.param(
        lambda: upload(TEXT_BYTES, "mou.pdf"), "file_type_not_allowed", "not an accepted file type", id="text"
    ),
    pytest.param(oversized_pdf_upload, "file_too_large", "the limit is 10 MB", id="10-MB-and-1-byte"),
    pytest.param(lambda: upload(b"", "mou.pdf"), "empty_file", "is empty", id="empty"),
]


@pytest.mark.parametrize(("make_upload", "code", "message"), REFUSED_UPLOADS)
def test_a_refused_memorandum_leaves_the_old_one_in_place(
    make_upload, code, message, users, proposed_partnership, settings
):
    services.update_partnership(proposed_partnership, actor=users["coordinator"], data={}, mou=pdf_upload())
    proposed_partnership.refresh_from_db()
    old_name = proposed_partnership.mou.name
    files = stored_files(Path(settings.MEDIA_ROOT))
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        services.update_partnership(
            proposed_partnership, actor=users["coordinator"], data={"title": "Changed too"}, mou=make_upload()
        )

    assert caught.value.code == code
    assert message in caught.value.message
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.mou.name == old_name
    assert proposed_partnership.mou_content_type == PDF
    assert proposed_partnership.title == "Mbale surgical training"
    assert read_mou(proposed_partnership) == PDF_BYTES
    assert stored_files(Path(settings.MEDIA_ROOT)) == files
    assert counts() == before


@pytest.mark.parametrize(("make_upload", "code", "message"), REFUSED_UPLOADS)
def test_a_proposal_with_a_refused_memorandum_creates_nothing(
    make_upload, code, message, users, sending, host, settings, mailoutbox, django_capture_on_commit_callbacks
):
    before = counts()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as caught:
        services.propose_partnership(
            actor=users["coordinator"],
            proposer=sending,
            data={"title": "With a bad MoU", "shared_goals": "Goals."},
            parties=[(sending, PartyRole.SENDING), (host, PartyRole.HOST)],
            mou=make_upload(),
        )
    assert caught.value.code == code
    assert counts() == before
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert mailoutbox == []


def test_exactly_10_mb_is_accepted(users, proposed_partnership):
    content = PDF_BYTES + b"0" * (10 * 1024 * 1024 - len(PDF_BYTES))
    services.update_partnership(
        proposed_partnership, actor=users["coordinator"], data={}, mou=upload(content)
    )
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.mou.size == 10 * 1024 * 1024


def test_a_new_memorandum_replaces_the_old_one(users, proposed_partnership):
    services.update_partnership(proposed_partnership, actor=users["coordinator"], data={}, mou=pdf_upload())
    proposed_partnership.refresh_from_db()
    first = proposed_partnership.mou.name
    services.update_partnership(
        proposed_partnership, actor=users["coordinator"], data={}, mou=upload(docx_bytes(), "v2.docx")
    )
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.mou.name != first
    assert proposed_partnership.mou_content_type == DOCX


def test_a_memorandum_cannot_be_uploaded_to_a_closed_partnership(users, closed_partnership):
    with pytest.raises(Conflict):
        services.update_partnership(closed_partnership, actor=users["coordinator"], data={}, mou=pdf_upload())
    closed_partnership.refresh_from_db()
    assert not closed_partnership.mou


def test_a_member_cannot_upload_a_memorandum(users, proposed_partnership):
    with pytest.raises(NotAllowed):
        services.update_partnership(proposed_partnership, actor=users["member"], data={}, mou=pdf_upload())
    proposed_partnership.refresh_from_db()
    assert not proposed_partnership.mou
