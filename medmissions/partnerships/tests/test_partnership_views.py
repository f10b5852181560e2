"""HTML pages of partnerships: list, propose, detail, edit, lifecycle actions, parties and the MoU."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from medmissions.partnerships import services
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.models import Partnership
from medmissions.partnerships.tests.support import (
    EXECUTABLE_BYTES,
    PDF_BYTES,
    counts,
    docx_bytes,
    oversized_pdf_upload,
    pdf_upload,
    upload,
)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def url(name, partnership, *args):
    return reverse(f"partnerships:{name}", args=[partnership.pk, *args])


# List ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client_for, proposed_partnership):
    client = client_for(None)
    for address in [
        reverse("partnerships:list"),
        reverse("partnerships:propose"),
        url("detail", proposed_partnership),
        url("edit", proposed_partnership),
        url("confirm", proposed_partnership),
        url("mou", proposed_partnership),
    ]:
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_list_shows_my_organisations_partnerships(
    users, client_for, proposed_partnership, public_partnership
):
    for persona in ["viewer", "host_member"]:
        response = client_for(users[persona]).get(reverse("partnerships:list"))
        assert response.status_code == 200
        assert set(response.context["page_obj"].object_list) == {proposed_partnership, public_partnership}


def test_outsiders_see_only_public_partnerships_and_only_when_asking_for_them(
    users, client_for, proposed_partnership, public_partnership
):
    client = client_for(users["outsider"])
    assert list(client.get(reverse("partnerships:list")).context["page_obj"].object_list) == []
    response = client.get(reverse("partnerships:list"), {"scope": "all"})
    assert list(response.context["page_obj"].object_list) == [public_partnership]


def test_the_list_filters_by_status_role_and_text(
    users, client_for, proposed_partnership, public_partnership
):
    client = client_for(users["coordinator"])

    def listed(**query):
        return list(client.get(reverse("partnerships:list"), query).context["page_obj"].object_list)

    assert listed(status="proposed") == [proposed_partnership]
    assert listed(status="active") == [public_partnership]
    assert listed(q="cataract") == [public_partnership]
    assert listed(q="Mbale Regional") == [public_partnership, proposed_partnership]
    assert listed(role="sending") == [public_partnership, proposed_partnership]
    assert listed(role="host") == []
    host_client = client_for(users["host_admin"])
    assert (
        len(host_client.get(reverse("partnerships:list"), {"role": "host"}).context["page_obj"].object_list)
        == 2
    )


# Propose ------------------------------------------------------------------------------------------


def proposal_post(partner, role=PartyRole.HOST, **extra):
    data = {
        "title": "Soroti maternity training",
        "proposer_role": PartyRole.SENDING,
        "shared_goals": "Safer births.",
        "start_date": "2026-10-01",
        "end_date": "2027-09-30",
        "party-TOTAL_FORMS": "3",
        "party-INITIAL_FORMS": "0",
        "party-MIN_NUM_FORMS": "0",
        "party-MAX_NUM_FORMS": "10",
        "party-0-organization": str(partner.pk) if partner else "",
        "party-0-role": role,
    }
    data.update(extra)
    return data


def test_the_proposal_form_prefills_the_partner_named_in_the_address(users, client_for, host):
    response = client_for(users["coordinator"]).get(reverse("partnerships:propose"), {"with": host.slug})
    assert response.status_code == 200
    assert response.context["formset"].forms[0].initial == {"organization": host, "role": PartyRole.HOST}
    assert response.context["organization"].slug == "bridge-health"


def test_a_coordinator_proposes_through_the_form(users, client_for, sending, host):
    response = client_for(users["coordinator"]).post(
        reverse("partnerships:propose"), proposal_post(host, mou=pdf_upload())
    )

    partnership = Partnership.objects.get()
    assert response.status_code == 302
    assert response["Location"] == partnership.get_absolute_url()
    assert partnership.title == "Soroti maternity training"
    assert partnership.start_date == datetime.date(2026, 10, 1)
    assert partnership.mou_content_type == "application/pdf"
    assert {(p.organization, p.role) for p in partnership.parties.all()} == {
        (sending, PartyRole.SENDING),
        (host, PartyRole.HOST),
    }
    assert any("asked to confirm" in text for text in messages_of(response))


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_members_and_viewers_cannot_open_or_post_the_proposal_form(persona, users, client_for, host):
    client = client_for(users[persona])
    assert client.get(reverse("partnerships:propose")).status_code == 403
    before = counts()
    response = client.post(reverse("partnerships:propose"), proposal_post(host))
    assert response.status_code == 403
    assert "propose partnerships" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("post", "where", "message"),
    [
        (lambda h: proposal_post(h, role=PartyRole.FUNDING), None, "at least one host organisation"),
        (lambda h: proposal_post(None), None, "at least two organisations"),
        (lambda h: proposal_post(h, title=""), "title", "This field is required."),
        (
            lambda h: proposal_post(h, end_date="2026-01-01"),
            "end_date",
            "The end date is before the start date.",
        ),
        (lambda h: proposal_post(h, start_date="someday"), "start_date", "Enter a valid date."),
        (
            lambda h: proposal_post(h, mou=upload(EXECUTABLE_BYTES, "mou.pdf")),
            None,
            "not an accepted file type",
        ),
        (lambda h: proposal_post(h, mou=oversized_pdf_upload()), None, "the limit is 10 MB"),
    ],
)
def test_a_bad_proposal_re_renders_the_form_with_errors_and_creates_nothing(
    post, where, message, users, client_for, host
):
    before = counts()
    response = client_for(users["coordinator"]).post(reverse("partnerships:propose"), post(host))

    assert response.status_code == 400
    errors = response.context["form"].errors.get(where or "__all__", [])
    assert any(message in error for error in errors), response.context["form"].errors
    assert counts() == before


def test_a_party_without_a_role_is_an_error_on_the_party_row(users, client_for, host):
    before = counts()
    response = client_for(users["coordinator"]).post(
        reverse("partnerships:propose"), proposal_post(host, role="")
    )
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors == {"role": ["Choose this organisation's role."]}
    assert counts() == before


# Detail -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "coordinator", "member", "viewer", "host_admin", "host_member"])
def test_every_party_member_sees_the_partnership(persona, users, client_for, proposed_partnership):
    response = client_for(users[persona]).get(url("detail", proposed_partnership))
    assert response.status_code == 200
    assert response.context["is_party"] is True
    assert "Mbale surgical training" in response.content.decode()


def test_an_outsider_gets_404_for_a_private_partnership(users, client_for, proposed_partnership):
    assert client_for(users["outsider"]).get(url("detail", proposed_partnership)).status_code == 404


def test_an_outsider_sees_a_public_partnership_without_its_private_parts(
    users, client_for, public_partnership, settings
):
    services.update_partnership(public_partnership, actor=users["coordinator"], data={}, mou=pdf_upload())
    response = client_for(users["outsider"]).get(url("detail", public_partnership))

    assert response.status_code == 200
    assert response.context["is_party"] is False
    assert response.context["health_checks"] == []
    assert response.context["action_items"] == []
    page = response.content.decode()
    assert "Open cataract programme" in page
    assert url("mou", public_partnership) not in page
    assert "Partnership health checks" not in page


def test_only_an_unconfirmed_host_admin_is_offered_to_confirm(users, client_for, proposed_partnership):
    assert (
        client_for(users["host_admin"]).get(url("detail", proposed_partnership)).context["can_confirm"]
        is True
    )
    for persona in ["admin", "coordinator", "host_member"]:
        response = client_for(users[persona]).get(url("detail", proposed_partnership))
        assert response.context["can_confirm"] is False, persona


def test_a_missing_partnership_is_404(users, client_for):
    assert client_for(users["admin"]).get(reverse("partnerships:detail", args=[999999])).status_code == 404


# Edit ---------------------------------------------------------------------------------------------


def edit_post(**extra):
    data = {"title": "Mbale surgical training II", "shared_goals": "Train local surgical teams."}
    data.update(extra)
    return data


def test_a_coordinator_opens_the_edit_form_filled_in(users, client_for, proposed_partnership):
    response = client_for(users["coordinator"]).get(url("edit", proposed_partnership))
    assert response.status_code == 200
    assert response.context["form"].initial["title"] == "Mbale surgical training"


def test_a_coordinator_saves_changes_and_a_docx_memorandum(users, client_for, proposed_partnership):
    response = client_for(users["coordinator"]).post(
        url("edit", proposed_partnership), edit_post(is_public="on", mou=upload(docx_bytes(), "mou.docx"))
    )
    assert response.status_code == 302
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.title == "Mbale surgical training II"
    assert proposed_partnership.is_public is True
    assert proposed_partnership.mou.name.endswith(".docx")


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_party_members_below_coordinator_cannot_edit(persona, users, client_for, proposed_partnership):
    client = client_for(users[persona])
    assert client.get(url("edit", proposed_partnership)).status_code == 403
    before = counts()
    assert client.post(url("edit", proposed_partnership), edit_post()).status_code == 403
    assert counts() == before


def test_outsiders_get_404_on_edit_even_for_a_public_partnership(users, client_for, public_partnership):
    client = client_for(users["outsider"])
    assert client.get(url("edit", public_partnership)).status_code == 404
    assert client.post(url("edit", public_partnership), edit_post()).status_code == 404


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        (edit_post(title=""), "title", "This field is required."),
        (edit_post(start_date="2027-02-01", end_date="2027-01-01"), "end_date", "The end date is before"),
        (edit_post(mou=upload(b"plain text", "mou.pdf")), "__all__", "not an accepted file type"),
    ],
)
def test_bad_edits_re_render_with_errors_and_change_nothing(
    post, field, message, users, client_for, proposed_partnership
):
    before = counts()
    response = client_for(users["coordinator"]).post(url("edit", proposed_partnership), post)
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.title == "Mbale surgical training"
    assert not proposed_partnership.mou
    assert counts() == before


def test_editing_a_closed_partnership_is_refused_on_the_form(users, client_for, closed_partnership):
    before = counts()
    response = client_for(users["coordinator"]).post(url("edit", closed_partnership), edit_post())
    assert response.status_code == 400
    assert response.context["form"].errors["__all__"] == ["A closed partnership cannot be edited."]
    assert counts() == before


# Confirm and decline ------------------------------------------------------------------------------


def test_the_host_admin_is_asked_before_confirming_and_get_changes_nothing(
    users, client_for, proposed_partnership
):
    before = counts()
    response = client_for(users["host_admin"]).get(url("confirm", proposed_partnership))
    assert response.status_code == 200
    assert response.context["title"] == "Confirm partnership"
    assert "Mbale surgical training" in response.context["question"]
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.PROPOSED
    assert counts() == before


def test_the_host_admin_confirms_and_the_partnership_becomes_active(users, client_for, proposed_partnership):
    response = client_for(users["host_admin"]).post(url("confirm", proposed_partnership))
    assert response.status_code == 302
    assert response["Location"] == proposed_partnership.get_absolute_url()
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.ACTIVE
    assert any("partnership is active" in text for text in messages_of(response))


def test_the_first_of_two_hosts_is_told_others_still_have_to_confirm(users, client_for, two_host_partnership):
    response = client_for(users["host_admin"]).post(url("confirm", two_host_partnership))
    assert response.status_code == 302
    assert any("Other hosts still have to confirm" in text for text in messages_of(response))


def test_confirming_twice_redirects_with_the_reason(users, client_for, active_partnership):
    response = client_for(users["host_admin"]).post(url("confirm", active_partnership))
    assert response.status_code == 302
    assert messages_of(response) == ["Your organisation has already confirmed this partnership."]


@pytest.mark.parametrize("persona", ["admin", "coordinator", "member", "host_member"])
@pytest.mark.parametrize("action", ["confirm", "decline"])
def test_only_host_admins_may_confirm_or_decline(action, persona, users, client_for, proposed_partnership):
    client = client_for(users[persona])
    before = counts()
    assert client.get(url(action, proposed_partnership)).status_code == 403
    assert client.post(url(action, proposed_partnership), {"reason": "No."}).status_code == 403
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.PROPOSED
    assert counts() == before


@pytest.mark.parametrize("action", ["confirm", "decline"])
def test_outsiders_get_404_on_a_private_proposal_and_403_on_a_public_one(
    action, users, client_for, proposed_partnership
):
    client = client_for(users["outsider"])
    assert client.get(url(action, proposed_partnership)).status_code == 404
    assert client.post(url(action, proposed_partnership)).status_code == 404
    services.update_partnership(proposed_partnership, actor=users["coordinator"], data={"is_public": True})
    assert client.post(url(action, proposed_partnership), {"reason": "No."}).status_code == 403
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.PROPOSED


def test_the_host_admin_declines_with_a_reason(users, client_for, proposed_partnership):
    client = client_for(users["host_admin"])
    page = client.get(url("decline", proposed_partnership))
    assert page.status_code == 200
    assert page.context["danger"] is True
    response = client.post(url("decline", proposed_partnership), {"reason": "No theatre capacity."})
    assert response.status_code == 302
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.CLOSED
    assert proposed_partnership.status_reason == "No theatre capacity."


def test_declining_without_a_reason_re_renders_with_the_error(users, client_for, proposed_partnership):
    before = counts()
    response = client_for(users["host_admin"]).post(url("decline", proposed_partnership), {"reason": " "})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["Give a reason."]
    proposed_partnership.refresh_from_db()
    assert proposed_partnership.status == PartnershipStatus.PROPOSED
    assert counts() == before


# Pause, resume, close -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "transition", "target"),
    [
        ("active_partnership", "pause", PartnershipStatus.PAUSED),
        ("paused_partnership", "resume", PartnershipStatus.ACTIVE),
        ("active_partnership", "close", PartnershipStatus.CLOSED),
    ],
)
def test_a_coordinator_is_asked_first_then_changes_the_status(
    fixture, transition, target, users, client_for, request
):
    partnership = request.getfixturevalue(fixture)
    client = client_for(users["coordinator"])
    before = counts()
    page = client.get(url("change_status", partnership, transition))
    assert page.status_code == 200
    assert page.context["confirm_label"] == transition.title()
    assert counts() == before

    response = client.post(url("change_status", partnership, transition), {"reason": "Reason given."})

    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.status == target


def test_pausing_without_a_reason_re_renders_with_the_error(users, client_for, active_partnership):
    before = counts()
    response = client_for(users["coordinator"]).post(url("change_status", active_partnership, "pause"))
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["Give a reason."]
    active_partnership.refresh_from_db()
    assert active_partnership.status == PartnershipStatus.ACTIVE
    assert counts() == before


def test_resuming_needs_no_reason_so_an_empty_post_resumes(users, client_for, paused_partnership):
    response = client_for(users["coordinator"]).post(url("change_status", paused_partnership, "resume"))
    assert response.status_code == 302
    paused_partnership.refresh_from_db()
    assert paused_partnership.status == PartnershipStatus.ACTIVE


def test_a_refused_transition_shows_why(users, client_for, active_partnership):
    before = counts()
    response = client_for(users["coordinator"]).post(url("change_status", active_partnership, "resume"))
    assert response.status_code == 400
    assert response.context["form"].errors["__all__"] == ["Only a paused partnership can be resumed."]
    assert counts() == before


def test_an_unknown_transition_is_404(users, client_for, active_partnership):
    response = client_for(users["coordinator"]).get(
        reverse("partnerships:change_status", args=[active_partnership.pk, "reopen"])
    )
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_members_and_viewers_cannot_change_the_status(persona, users, client_for, active_partnership):
    client = client_for(users[persona])
    before = counts()
    assert client.get(url("change_status", active_partnership, "pause")).status_code == 403
    assert client.post(url("change_status", active_partnership, "pause"), {"reason": "x"}).status_code == 403
    active_partnership.refresh_from_db()
    assert active_partnership.status == PartnershipStatus.ACTIVE
    assert counts() == before


def test_outsiders_get_404_on_status_changes_even_for_a_public_partnership(
    users, client_for, public_partnership
):
    client = client_for(users["outsider"])
    assert client.get(url("change_status", public_partnership, "close")).status_code == 404
    assert client.post(url("change_status", public_partnership, "close"), {"reason": "x"}).status_code == 404


# Parties ------------------------------------------------------------------------------------------


def test_a_coordinator_adds_a_party(users, client_for, other, proposed_partnership):
    response = client_for(users["coordinator"]).post(
        url("add_party", proposed_partnership), {"organization": other.pk, "role": PartyRole.FUNDING}
    )
    assert response.status_code == 302
    assert proposed_partnership.parties.filter(organization=other, role=PartyRole.FUNDING).exists()
    assert messages_of(response) == ["Unrelated Clinic added."]


def test_adding_a_party_with_an_incomplete_form_changes_nothing(users, client_for, proposed_partnership):
    before = counts()
    response = client_for(users["coordinator"]).post(url("add_party", proposed_partnership), {"role": "host"})
    assert response.status_code == 302
    assert messages_of(response) == ["Choose an organisation and its role."]
    assert counts() == before


def test_adding_a_party_to_an_active_partnership_is_refused_with_the_reason(
    users, client_for, other, active_partnership
):
    before = counts()
    response = client_for(users["coordinator"]).post(
        url("add_party", active_partnership), {"organization": other.pk, "role": PartyRole.FUNDING}
    )
    assert response.status_code == 302
    assert messages_of(response) == ["Parties can only change while the partnership is proposed."]
    assert counts() == before


def test_adding_a_party_is_get_only_refused(users, client_for, proposed_partnership):
    assert client_for(users["coordinator"]).get(url("add_party", proposed_partnership)).status_code == 405


@pytest.mark.parametrize(("persona", "status"), [("member", 403), ("host_member", 403), ("outsider", 404)])
def test_only_coordinators_and_admins_of_a_party_add_parties(
    persona, status, users, client_for, other, proposed_partnership
):
    before = counts()
    response = client_for(users[persona]).post(
        url("add_party", proposed_partnership), {"organization": other.pk, "role": PartyRole.FUNDING}
    )
    assert response.status_code == status
    assert counts() == before


def test_removing_a_party_asks_first_then_removes(users, client_for, second_host, two_host_partnership):
    party = two_host_partnership.parties.get(organization=second_host)
    client = client_for(users["coordinator"])
    before = counts()
    page = client.get(url("remove_party", two_host_partnership, party.pk))
    assert page.status_code == 200
    assert "Soroti Regional Hospital" in page.context["question"]
    assert counts() == before

    response = client.post(url("remove_party", two_host_partnership, party.pk))

    assert response.status_code == 302
    assert not two_host_partnership.parties.filter(organization=second_host).exists()


def test_removing_the_last_host_is_refused_with_the_reason(users, client_for, host, proposed_partnership):
    party = proposed_partnership.parties.get(organization=host)
    before = counts()
    response = client_for(users["coordinator"]).post(url("remove_party", proposed_partnership, party.pk))
    assert response.status_code == 302
    assert messages_of(response) == ["A partnership needs at least two organisations."]
    assert counts() == before


@pytest.mark.parametrize(("persona", "status"), [("viewer", 403), ("host_member", 403), ("outsider", 404)])
def test_only_coordinators_and_admins_of_a_party_remove_parties(
    persona, status, users, client_for, second_host, two_host_partnership
):
    party = two_host_partnership.parties.get(organization=second_host)
    client = client_for(users[persona])
    before = counts()
    assert client.get(url("remove_party", two_host_partnership, party.pk)).status_code == status
    assert client.post(url("remove_party", two_host_partnership, party.pk)).status_code == status
    assert counts() == before


def test_a_party_of_another_partnership_is_404(users, client_for, proposed_partnership, two_host_partnership):
    foreign = two_host_partnership.parties.first()
    response = client_for(users["coordinator"]).get(url("remove_party", proposed_partnership, foreign.pk))
    assert response.status_code == 404


# MoU download -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["viewer", "host_member"])
def test_parties_download_the_memorandum(persona, users, client_for, proposed_partnership):
    services.update_partnership(proposed_partnership, actor=users["coordinator"], data={}, mou=pdf_upload())

    response = client_for(users[persona]).get(url("mou", proposed_partnership))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="mou-partnership-{proposed_partnership.pk}.pdf"'
    )
    response.close()


def test_a_docx_memorandum_downloads_with_its_type(users, client_for, proposed_partnership):
    content = docx_bytes()
    services.update_partnership(
        proposed_partnership, actor=users["coordinator"], data={}, mou=upload(content, "mou.docx")
    )
    response = client_for(users["member"]).get(url("mou", proposed_partnership))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"].endswith('.docx"')
    assert b"".join(response.streaming_content) == content
    response.close()


def test_no_memorandum_is_404(users, client_for, proposed_partnership):
    assert client_for(users["coordinator"]).get(url("mou", proposed_partnership)).status_code == 404


def test_the_memorandum_is_404_for_outsiders_even_when_the_partnership_is_public(
    users, client_for, public_partnership
):
    services.update_partnership(public_partnership, actor=users["coordinator"], data={}, mou=pdf_upload())
    assert client_for(users["outsider"]).get(url("detail", public_partnership)).status_code == 200
    assert client_for(users["outsider"]).get(url("mou", public_partnership)).status_code == 404
