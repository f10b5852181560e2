"""Pages of the stock area: overview, lots, a lot's page and stock card, receiving, importing,
the movements at a site, and the ledger with its CSV export."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from medmissions.audit.models import AuditEntry
from medmissions.supplies import stock
from medmissions.supplies.models import Lot, StockTransaction

from .stock_support import csv_upload, expired_lot, mission, offer, on_hand, put_at, receive, reserve, row

pytestmark = pytest.mark.django_db


def _url(name: str, lot: Lot, site) -> str:
    return reverse(f"supplies:{name}", args=[lot.pk, site.pk])


# --- Overview -----------------------------------------------------------------------------------


class TestHome:
    def test_stock_by_site_with_expiry_alerts(self, users, client_for, sending, lot, warehouse, gloves):
        expired_lot(users["coordinator"], sending, warehouse, gloves)
        receive(
            users["coordinator"],
            sending,
            warehouse,
            gloves,
            lot_number="SOON",
            expiry_date=timezone.localdate() + datetime.timedelta(days=20),
        )
        response = client_for(users["viewer"]).get(reverse("supplies:home"))
        assert response.status_code == 200
        assert [balance.lot.lot_number for balance, _badge in response.context["rows"]] == [
            "AMX-2401",
            "OLD-1",
            "SOON",
        ]
        assert response.context["alerts"] == {"expired": 1, "within_30": 1, "within_60": 1, "within_90": 1}
        body = response.content.decode()
        assert reverse("supplies:lots") + "?expired=on" in body
        assert response.context["can_manage"] is False
        assert reverse("supplies:receive") not in body

    def test_hosts_see_stock_held_at_their_sites_and_outsiders_nothing(
        self, users, client_for, sending, lot, site
    ):
        put_at(lot, site, 30, users["coordinator"])
        host_rows = client_for(users["host_member"]).get(reverse("supplies:home")).context["rows"]
        assert [(balance.site, balance.on_hand) for balance, _badge in host_rows] == [(site, 30)]
        assert client_for(users["outsider"]).get(reverse("supplies:home")).context["rows"] == []

    def test_links_to_the_other_areas_render_whether_or_not_they_exist_yet(self, users, client_for):
        response = client_for(users["coordinator"]).get(reverse("supplies:home"))
        body = response.content.decode()
        assert reverse("supplies:catalogue") in body
        assert reverse("supplies:import") in body

    def test_a_fixed_number_of_queries_whatever_the_stock(
        self, users, client_for, sending, warehouse, gloves
    ):
        client = client_for(users["coordinator"])
        receive(users["coordinator"], sending, warehouse, gloves, lot_number="A")
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("supplies:home"))
        for number in range(8):
            receive(users["coordinator"], sending, warehouse, gloves, lot_number=f"B{number}")
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("supplies:home"))
        assert len(many) == len(few)


# --- Lots ---------------------------------------------------------------------------------------


class TestLots:
    def test_lists_visible_lots_with_balances_per_site(self, users, client_for, lot, warehouse, site):
        put_at(lot, site, 10, users["coordinator"])
        response = client_for(users["member"]).get(reverse("supplies:lots"))
        [(shown, balances, _badge)] = response.context["rows"]
        assert shown == lot
        assert [(balance.site, balance.on_hand) for balance in balances] == [(warehouse, 1000), (site, 10)]

    def test_a_host_sees_the_lot_and_only_its_own_sites_balance(
        self, users, client_for, lot, warehouse, site
    ):
        put_at(lot, site, 10, users["coordinator"])
        [(_lot, balances, _badge)] = (
            client_for(users["host_member"]).get(reverse("supplies:lots")).context["rows"]
        )
        assert [balance.site for balance in balances] == [site]

    def test_the_donor_follows_its_goods_and_outsiders_see_nothing(self, users, client_for, lot, donor_admin):
        assert len(client_for(donor_admin).get(reverse("supplies:lots")).context["rows"]) == 1
        assert client_for(users["outsider"]).get(reverse("supplies:lots")).context["rows"] == []

    def test_filters(self, users, client_for, sending, lot, warehouse, gloves):
        used_up = receive(users["coordinator"], sending, warehouse, gloves, lot_number="G-EMPTY")
        stock.consume(used_up, warehouse, actor=users["member"], quantity=100)
        client = client_for(users["member"])
        url = reverse("supplies:lots")

        def numbers(**query):
            return [found.lot_number for found, _balances, _badge in client.get(url, query).context["rows"]]

        assert numbers() == ["AMX-2401"]
        assert sorted(numbers(include_empty="on")) == ["AMX-2401", "G-EMPTY"]
        assert numbers(q="amoxicillin") == ["AMX-2401"]
        assert numbers(source="procured") == []
        # Not one of the member's organisations: the filter is ignored, not an error.
        assert numbers(organization="blessed-supplies") == ["AMX-2401"]
        assert numbers(organization="bridge-health") == ["AMX-2401"]
        assert numbers(site=warehouse.pk) == ["AMX-2401"]
        assert numbers(expiring_within=30) == []
        assert numbers(expiring_within="many") == ["AMX-2401"]  # an invalid filter is ignored
        assert numbers(expired="on") == []

    def test_a_fixed_number_of_queries(self, users, client_for, sending, warehouse, gloves):
        client = client_for(users["member"])
        receive(users["coordinator"], sending, warehouse, gloves, lot_number="A")
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("supplies:lots"))
        for number in range(6):
            receive(users["coordinator"], sending, warehouse, gloves, lot_number=f"B{number}")
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("supplies:lots"))
        assert len(many) == len(few)


class TestLot:
    def test_the_stock_card_shows_every_movement_with_running_balances(
        self, users, client_for, lot, warehouse, site
    ):
        put_at(lot, site, 50, users["coordinator"])
        stock.consume(lot, warehouse, actor=users["member"], quantity=30, note="Clinic day 1")
        stock.adjust(
            lot, warehouse, actor=users["coordinator"], change=-5, reason="damaged", note="Crushed box"
        )
        response = client_for(users["viewer"]).get(reverse("supplies:lot", args=[lot.pk]))
        assert response.status_code == 200
        card = [
            (entry.transaction.kind, entry.on_hand_change, entry.on_hand_after)
            for entry in response.context["page_obj"]
        ]
        assert card == [
            ("receipt", 1000, 1000),
            ("receipt_in", 50, 50),
            ("consumption", -30, 970),
            ("adjustment", -5, 965),
        ]
        body = response.content.decode()
        assert "Damaged (Cold" not in body and "Damaged" in body and "Crushed box" in body
        assert "Coordinator" in body  # who recorded it

    def test_actions_show_only_to_those_who_may_use_them(self, users, client_for, lot, warehouse, site):
        put_at(lot, site, 50, users["coordinator"])
        coordinator = client_for(users["coordinator"]).get(reverse("supplies:lot", args=[lot.pk]))
        rows = {row.balance.site: row for row in coordinator.context["rows"]}
        assert (rows[warehouse].can_consume, rows[warehouse].can_manage, rows[warehouse].can_hand_over) == (
            True,
            True,
            False,
        )
        assert rows[site].can_hand_over is True
        assert _url("hand_over", lot, site) in coordinator.content.decode()
        viewer = client_for(users["viewer"]).get(reverse("supplies:lot", args=[lot.pk]))
        assert not any(row.can_consume or row.can_manage for row in viewer.context["rows"])
        assert _url("consume", lot, warehouse) not in viewer.content.decode()
        host = client_for(users["host_member"]).get(reverse("supplies:lot", args=[lot.pk]))
        [host_row] = host.context["rows"]
        assert (host_row.balance.site, host_row.can_consume, host_row.can_manage) == (site, True, False)
        assert [entry.site for entry in host.context["page_obj"]] == [site]

    def test_write_off_is_offered_for_expired_lots(self, users, client_for, sending, warehouse, gloves):
        old = expired_lot(users["coordinator"], sending, warehouse, gloves)
        response = client_for(users["admin"]).get(reverse("supplies:lot", args=[old.pk]))
        [only] = response.context["rows"]
        assert only.can_write_off and not only.can_consume
        assert _url("write_off", old, warehouse) in response.content.decode()

    def test_hand_over_copies_link_both_ways(self, users, client_for, lot, site, donor_admin):
        put_at(lot, site, 50, users["coordinator"])
        host_lot, _movement = stock.hand_over(lot, site, actor=users["coordinator"], quantity=20)
        # The donor and the former owner both follow the goods into the host's lot.
        assert client_for(donor_admin).get(reverse("supplies:lot", args=[lot.pk])).context["copies"] == [
            host_lot
        ]
        assert client_for(users["coordinator"]).get(reverse("supplies:lot", args=[lot.pk])).context[
            "copies"
        ] == [host_lot]
        copy = client_for(users["host_member"]).get(reverse("supplies:lot", args=[host_lot.pk]))
        assert copy.context["origin_visible"] is True

    def test_other_organisations_lots_are_404(self, users, client_for, lot):
        assert client_for(users["outsider"]).get(reverse("supplies:lot", args=[lot.pk])).status_code == 404


# --- Receiving ----------------------------------------------------------------------------------


def _receive_form(site, **overrides):
    data = {
        "site": site.pk,
        "item": "amoxicillin-500mg-capsule",
        "lot_number": "AMX-9",
        "expiry_date": "2029-06-30",
        "quantity": "250",
        "source": "procured",
        "donor": "",
        "unit_value": "0.05",
        "currency": "usd",
        "manufacturer": "Generic Pharma Ltd",
        "label_language": "",
        "occurred_on": timezone.localdate().isoformat(),
        "note": "",
    }
    data.update(overrides)
    return data


class TestReceive:
    def test_the_form_offers_sites_items_and_donors_first(self, users, client_for, warehouse, donor, site):
        response = client_for(users["coordinator"]).get(
            reverse("supplies:receive"), {"item": "amoxicillin-500mg-capsule"}
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form["item"].value() == "amoxicillin-500mg-capsule"
        assert warehouse in form.fields["site"].queryset
        assert form.fields["organization"].widget.is_hidden  # one organisation to receive into
        groups = form.fields["donor"].choices
        assert groups[1][1][0] == (str(donor.pk), donor.name)
        assert '<datalist id="id_item_options">' in response.content.decode()

    def test_receiving_redirects_to_the_new_lot(self, users, client_for, warehouse):
        response = client_for(users["coordinator"]).post(
            reverse("supplies:receive"), _receive_form(warehouse)
        )
        lot = Lot.objects.get(lot_number="AMX-9")
        assert response.status_code == 302
        assert response["Location"] == lot.get_absolute_url()
        assert (lot.currency, on_hand(lot, warehouse)) == ("USD", (250, 0))

    def test_errors_are_shown_on_the_form(self, users, client_for, warehouse):
        client = client_for(users["coordinator"])
        response = client.post(reverse("supplies:receive"), _receive_form(warehouse, item="sweets"))
        assert response.status_code == 400
        assert "No catalogue item has the code “sweets”" in response.content.decode()
        response = client.post(reverse("supplies:receive"), _receive_form(warehouse, expiry_date=""))
        assert response.status_code == 400
        assert response.context["form"].errors["expiry_date"] == [
            "Medicines and vaccines need an expiry date."
        ]
        response = client.post(reverse("supplies:receive"), _receive_form(warehouse, source="donated"))
        assert "donor" in response.context["form"].errors
        assert not Lot.objects.exists()

    def test_several_organisations_choose_which_stock(self, users, client_for, sending, host, warehouse):
        from medmissions.organizations.models import Membership

        Membership.objects.create(user=users["coordinator"], organization=host, role="coordinator")
        client = client_for(users["coordinator"])
        form = client.get(reverse("supplies:receive")).context["form"]
        assert list(form.fields["organization"].queryset) == sorted([sending, host], key=lambda org: org.name)
        client.post(reverse("supplies:receive"), _receive_form(warehouse, organization=host.pk))
        assert Lot.objects.get(lot_number="AMX-9").owner == host

    @pytest.mark.parametrize("persona_name", ["member", "viewer", "host_member"])
    def test_refused_to_those_who_manage_no_stock(self, users, client_for, warehouse, persona_name):
        client = client_for(users[persona_name])
        assert client.get(reverse("supplies:receive")).status_code == 403
        assert client.post(reverse("supplies:receive"), _receive_form(warehouse)).status_code == 403

    def test_goods_of_an_accepted_offer(self, users, client_for, sending, warehouse, donor):
        from medmissions.supplies.models import Item

        amoxicillin = Item.objects.get(code="amoxicillin-500mg-capsule")
        accepted = offer(donor, sending, amoxicillin)
        line = accepted.lines.get()
        client = client_for(users["coordinator"])
        url = reverse("supplies:receive") + f"?offer={accepted.pk}&line={line.pk}"
        form = client.get(url).context["form"]
        assert (form["source"].value(), form["donor"].value(), form["quantity"].value()) == (
            "donated",
            str(donor.pk),
            500,
        )
        response = client.post(url, _receive_form(warehouse, source="donated", donor=donor.pk))
        assert response.status_code == 302
        assert Lot.objects.get(lot_number="AMX-9").offer == accepted

    def test_offers_not_accepted_not_visible_or_for_others(
        self, users, client_for, sending, other, warehouse, donor
    ):
        from medmissions.supplies.models import Item

        item = Item.objects.get(code="amoxicillin-500mg-capsule")
        client = client_for(users["coordinator"])
        pending = offer(donor, sending, item, status="offered")
        assert client.get(reverse("supplies:receive"), {"offer": pending.pk}).status_code == 409
        invisible = offer(donor, other, item)
        assert client.get(reverse("supplies:receive"), {"offer": invisible.pk}).status_code == 404
        assert client.get(reverse("supplies:receive"), {"offer": "x"}).status_code == 404


# --- Import ---------------------------------------------------------------------------------------


class TestImport:
    def test_the_page_explains_the_columns(self, users, client_for, warehouse):
        response = client_for(users["coordinator"]).get(reverse("supplies:import"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "received_on" in body and warehouse.name in body

    def test_dry_run_then_commit(self, users, client_for, warehouse):
        client = client_for(users["coordinator"])
        response = client.post(reverse("supplies:import"), {"file": csv_upload([row(site=warehouse.pk)])})
        assert response.status_code == 200
        assert not Lot.objects.exists()
        token = response.context["commit_form"].initial["token"]
        committed = client.post(reverse("supplies:import"), {"token": token})
        assert committed.status_code == 302
        assert committed["Location"] == reverse("supplies:lots") + "?organization=bridge-health"
        assert on_hand(Lot.objects.get(lot_number="AMX-1"), warehouse) == (1000, 0)
        again = client.post(reverse("supplies:import"), {"token": token}, follow=True)
        assert "already" in again.content.decode()
        assert Lot.objects.count() == 1

    def test_a_dry_run_with_errors_lists_them_and_offers_no_commit(self, users, client_for, warehouse):
        response = client_for(users["coordinator"]).post(
            reverse("supplies:import"), {"file": csv_upload([row(site=warehouse.pk, quantity="-4")])}
        )
        assert response.status_code == 200
        assert response.context["commit_form"] is None
        assert "without separators" in response.content.decode()

    def test_a_bad_file_or_no_file_is_a_form_error(self, users, client_for):
        client = client_for(users["coordinator"])
        assert client.post(reverse("supplies:import"), {}).status_code == 400
        response = client.post(reverse("supplies:import"), {"file": csv_upload([], header=["colour"])})
        assert response.status_code == 400
        assert "missing: item_code" in response.content.decode()

    def test_a_token_of_another_organisation_is_404_and_a_forged_one_an_error(
        self, users, client_for, sending, warehouse
    ):
        from medmissions.supplies import imports

        token = imports.dry_run(
            sending, actor=users["admin"], upload=csv_upload([row(site=warehouse.pk)])
        ).token
        assert (
            client_for(users["host_admin"]).post(reverse("supplies:import"), {"token": token}).status_code
            == 404
        )
        assert (
            client_for(users["member"]).post(reverse("supplies:import"), {"token": token}).status_code == 403
        )
        forged = client_for(users["coordinator"]).post(reverse("supplies:import"), {"token": "nonsense"})
        assert forged.status_code == 302
        assert not Lot.objects.exists()

    def test_the_template_is_a_formula_safe_csv(self, users, client_for):
        response = client_for(users["viewer"]).get(reverse("supplies:import_template"))
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        header, example = text.strip().splitlines()
        assert header.split(",")[:3] == ["item_code", "lot_number", "expiry_date"]
        assert example.startswith("amoxicillin-500mg-capsule,AMX-2401,2029-06-30")


# --- Movements ----------------------------------------------------------------------------------


class TestConsume:
    def test_form_page_and_success(self, users, client_for, lot, warehouse):
        client = client_for(users["member"])
        assert client.get(_url("consume", lot, warehouse)).status_code == 200
        response = client.post(
            _url("consume", lot, warehouse),
            {"quantity": "40", "occurred_on": timezone.localdate().isoformat(), "note": "Ward 3"},
        )
        assert response.status_code == 302
        assert on_hand(lot, warehouse) == (960, 0)

    def test_too_many_is_shown_on_the_form(self, users, client_for, lot, warehouse):
        response = client_for(users["member"]).post(
            _url("consume", lot, warehouse),
            {"quantity": "5000", "occurred_on": timezone.localdate().isoformat()},
        )
        assert response.status_code == 400
        assert "Only 1000 of lot" in response.content.decode()

    def test_a_mission_at_the_site(self, users, client_for, lot, site, active_partnership):
        camp = mission(users, active_partnership, site)
        put_at(lot, site, 10, users["coordinator"])
        client = client_for(users["host_member"])
        assert list(client.get(_url("consume", lot, site)).context["form"].fields["mission"].queryset) == [
            camp
        ]
        client.post(
            _url("consume", lot, site),
            {"quantity": "2", "occurred_on": timezone.localdate().isoformat(), "mission": camp.pk},
        )
        assert StockTransaction.objects.get(kind="consumption").mission == camp

    def test_viewers_403_strangers_404(self, users, client_for, lot, warehouse, site):
        assert client_for(users["viewer"]).get(_url("consume", lot, warehouse)).status_code == 403
        assert client_for(users["outsider"]).get(_url("consume", lot, warehouse)).status_code == 404
        # A site where the lot has never been: 404 even for its owner.
        assert client_for(users["member"]).get(_url("consume", lot, site)).status_code == 404


class TestAdjust:
    def test_with_a_reason(self, users, client_for, lot, warehouse):
        response = client_for(users["coordinator"]).post(
            _url("adjust", lot, warehouse),
            {
                "change": "-12",
                "reason": "damaged",
                "note": "",
                "occurred_on": timezone.localdate().isoformat(),
            },
        )
        assert response.status_code == 302
        assert on_hand(lot, warehouse) == (988, 0)

    def test_invalid_adjustments(self, users, client_for, sending, lot, warehouse):
        client = client_for(users["coordinator"])
        today = timezone.localdate().isoformat()
        zero = client.post(
            _url("adjust", lot, warehouse), {"change": "0", "reason": "found", "occurred_on": today}
        )
        assert zero.status_code == 400
        other = client.post(
            _url("adjust", lot, warehouse), {"change": "-1", "reason": "other", "occurred_on": today}
        )
        assert other.context["form"].errors["note"] == ["Required."]
        reserve(lot, warehouse, 995, users["coordinator"])
        reserved = client.post(
            _url("adjust", lot, warehouse), {"change": "-10", "reason": "missing", "occurred_on": today}
        )
        assert reserved.status_code == 400
        assert "Only 5 of lot" in reserved.content.decode()
        assert on_hand(lot, warehouse) == (1000, 995)

    def test_members_and_the_donor_may_not(self, users, client_for, lot, warehouse, donor_admin):
        assert client_for(users["member"]).get(_url("adjust", lot, warehouse)).status_code == 403
        # The donor sees its goods but does not manage the owner's stock.
        assert client_for(donor_admin).get(_url("adjust", lot, warehouse)).status_code == 403


class TestWriteOff:
    def test_asks_then_writes_off(self, users, client_for, sending, warehouse, gloves):
        old = expired_lot(users["coordinator"], sending, warehouse, gloves)
        client = client_for(users["coordinator"])
        page = client.get(_url("write_off", old, warehouse))
        assert page.status_code == 200
        assert "Write off all 40 units" in page.content.decode()
        response = client.post(
            _url("write_off", old, warehouse), {"note": "Incinerated at the district hospital"}
        )
        assert response.status_code == 302
        assert on_hand(old, warehouse) == (0, 0)
        assert AuditEntry.objects.filter(action="supplies.stock.written_off").count() == 1

    def test_a_lot_in_date_is_explained_and_refused(self, users, client_for, lot, warehouse):
        client = client_for(users["coordinator"])
        page = client.get(_url("write_off", lot, warehouse))
        assert "still in date" in page.content.decode()
        assert page.context["problem"]
        assert client.post(_url("write_off", lot, warehouse), {}).status_code == 400
        assert on_hand(lot, warehouse) == (1000, 0)


class TestHandOver:
    def test_to_the_host_of_a_partner_site(self, users, client_for, host, lot, site, active_partnership):
        camp = mission(users, active_partnership, site)
        put_at(lot, site, 100, users["coordinator"])
        client = client_for(users["coordinator"])
        page = client.get(_url("hand_over", lot, site))
        assert list(page.context["form"].fields["mission"].queryset) == [camp]
        response = client.post(
            _url("hand_over", lot, site),
            {"quantity": "60", "mission": camp.pk, "occurred_on": timezone.localdate().isoformat()},
        )
        assert response.status_code == 302
        host_lot = Lot.objects.get(owner=host)
        assert (on_hand(lot, site), on_hand(host_lot, site)) == ((40, 0), (60, 0))

    def test_not_at_the_owners_own_site(self, users, client_for, lot, warehouse):
        client = client_for(users["coordinator"])
        page = client.get(_url("hand_over", lot, warehouse))
        assert page.context["own_site"] is True
        response = client.post(
            _url("hand_over", lot, warehouse),
            {"quantity": "1", "occurred_on": timezone.localdate().isoformat()},
        )
        assert response.status_code == 400

    def test_host_members_may_not(self, users, client_for, lot, site):
        put_at(lot, site, 100, users["coordinator"])
        assert client_for(users["host_admin"]).get(_url("hand_over", lot, site)).status_code == 403


# --- Ledger ----------------------------------------------------------------------------------------


class TestLedger:
    def test_the_organisations_movements_newest_first(self, users, client_for, lot, warehouse):
        stock.consume(lot, warehouse, actor=users["member"], quantity=3)
        response = client_for(users["viewer"]).get(reverse("supplies:ledger"))
        assert response.status_code == 200
        assert [entry.transaction.kind for entry in response.context["page_obj"]] == [
            "consumption",
            "receipt",
        ]
        kinds = client_for(users["viewer"]).get(reverse("supplies:ledger"), {"kind": "receipt"})
        assert [entry.transaction.kind for entry in kinds.context["page_obj"]] == ["receipt"]
        future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        none = client_for(users["viewer"]).get(reverse("supplies:ledger"), {"date_from": future})
        assert list(none.context["page_obj"]) == []

    def test_the_host_receiving_a_hand_over_sees_it(self, users, client_for, lot, site):
        put_at(lot, site, 10, users["coordinator"])
        stock.hand_over(lot, site, actor=users["coordinator"], quantity=4)
        entries = client_for(users["host_member"]).get(reverse("supplies:ledger")).context["page_obj"]
        assert [(entry.transaction.kind, entry.on_hand_change) for entry in entries] == [("handover", 4)]

    def test_another_organisations_ledger_is_404(self, users, client_for, lot):
        assert (
            client_for(users["outsider"])
            .get(reverse("supplies:ledger"), {"organization": "bridge-health"})
            .status_code
            == 404
        )

    def test_csv_export_is_formula_safe(self, users, client_for, lot, warehouse):
        stock.consume(lot, warehouse, actor=users["member"], quantity=3, note='=HYPERLINK("http://x")')
        response = client_for(users["viewer"]).get(reverse("supplies:ledger_csv"))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        lines = response.content.decode("utf-8-sig").strip().splitlines()
        assert lines[0].startswith("Date,Transaction,Kind,Reason,Lot,Item code,Item,Site")
        assert len(lines) == 3
        assert "'=HYPERLINK" in lines[2]
        assert ",-3,0,Bridge Health UK,Member," in lines[2]

    def test_people_of_no_organisation_are_told_to_join_one(self, client_for):
        from medmissions.conftest import make_user

        loner = make_user("loner@example.org", "Loner")
        assert client_for(loner).get(reverse("supplies:ledger")).status_code == 403
        assert client_for(loner).get(reverse("supplies:home")).status_code == 200


def test_value_on_hand_uses_the_unit_value(users, client_for, lot):
    response = client_for(users["viewer"]).get(reverse("supplies:lot", args=[lot.pk]))
    assert response.context["value"] == Decimal("50.0000")
