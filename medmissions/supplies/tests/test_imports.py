"""Importing lots from a spreadsheet: the dry run's checks, and the all-or-nothing commit."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.sites.models import Site
from medmissions.supplies import imports
from medmissions.supplies.models import LedgerEntry, Lot, StockBalance, StockTransaction

from .stock_support import csv_bytes, csv_upload, on_hand, receive, row, xlsx_upload

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int, int]:
    return (
        Lot.objects.count(),
        StockTransaction.objects.count(),
        LedgerEntry.objects.count(),
        StockBalance.objects.count(),
        AuditEntry.objects.count(),
    )


def _dry_run(users, sending, rows, **kwargs):
    return imports.dry_run(sending, actor=users["coordinator"], upload=csv_upload(rows, **kwargs))


def _errors(analysis) -> set[tuple[int, str]]:
    return {(error.row, error.column) for error in analysis.errors}


class TestDryRun:
    def test_a_valid_file_lists_what_would_be_received_and_writes_nothing(
        self, users, sending, warehouse, donor
    ):
        before = counts()
        analysis = _dry_run(
            users,
            sending,
            [
                row(site=warehouse.name),
                row(lot_number="AMX-1", site=str(warehouse.pk), quantity="500"),
                row(
                    item_code="Paracetamol-500mg-Tablet",
                    lot_number="PCM-7",
                    source="Donated",
                    donor="blessed-supplies",
                    site=warehouse.name.upper(),
                    unit_value="0.01",
                    currency="eur",
                ),
            ],
        )
        assert analysis.errors == []
        assert analysis.rows == 3
        assert [plan.row for plan in analysis.plans] == [2, 3, 4]
        assert analysis.new_lots == 2  # rows 2 and 3 are one lot
        assert analysis.existing_lots == 0
        assert analysis.units == 2500
        assert analysis.value_by_currency[0][0] == "EUR"
        third = analysis.plans[2]
        assert (third.item.code, third.source, third.donor, third.site) == (
            "paracetamol-500mg-tablet",
            "donated",
            donor,
            warehouse,
        )
        assert third.received_on == timezone.localdate()
        assert analysis.token
        assert counts() == before

    def test_every_problem_is_reported_by_row_and_column(self, users, sending, warehouse, gloves):
        analysis = _dry_run(
            users,
            sending,
            [
                row(item_code="no-such-thing", site=warehouse.pk),
                row(lot_number="", site=warehouse.pk),
                row(expiry_date="30/06/2029", site=warehouse.pk),
                row(expiry_date="", site=warehouse.pk),
                row(expiry_date="2020-01-01", site=warehouse.pk),
                row(quantity="1,000", site=warehouse.pk),
                row(quantity="0", site=warehouse.pk),
                row(source="sample", site=warehouse.pk),
                row(source="donated", site=warehouse.pk),
                row(donor="blessed-supplies", site=warehouse.pk),
                row(donor="nobody-at-all", source="donated", site=warehouse.pk),
                row(unit_value="0,05", site=warehouse.pk),
                row(unit_value="cheap", site=warehouse.pk),
                row(unit_value="0.000001", site=warehouse.pk),
                row(currency="DOLLARS", site=warehouse.pk),
                row(site="Nowhere"),
                row(site=""),
                row(received_on="2999-01-01", site=warehouse.pk),
                row(item_code=gloves.code, expiry_date="", site=warehouse.pk),  # fine: no expiry needed
                row(lot_number="X" * 81, site=warehouse.pk),
            ],
        )
        assert _errors(analysis) == {
            (2, "item_code"),
            (3, "lot_number"),
            (4, "expiry_date"),
            (5, "expiry_date"),
            (6, "expiry_date"),
            (7, "quantity"),
            (8, "quantity"),
            (9, "source"),
            (10, "donor"),
            (11, "donor"),
            (12, "donor"),
            (13, "unit_value"),
            (14, "unit_value"),
            (15, "unit_value"),
            (16, "currency"),
            (17, "site"),
            (18, "site"),
            (19, "received_on"),
            (21, "lot_number"),
        }
        messages = {(error.row, error.column): error.message for error in analysis.errors}
        assert messages[(2, "item_code")] == "No catalogue item has the code “no-such-thing”."
        assert messages[(4, "expiry_date")] == "Enter the date as YYYY-MM-DD, e.g. 2029-06-30."
        assert (
            messages[(6, "expiry_date")]
            == "This lot expired on 2020-01-01; expired goods cannot be received."
        )
        assert messages[(13, "unit_value")] == "Use a point, not a comma, for decimals: 0.05."
        assert [plan.row for plan in analysis.plans] == [20]
        assert analysis.token is None

    def test_sites_of_strangers_and_ambiguous_names_are_refused(self, users, sending, warehouse, other):
        stranger = Site.objects.create(
            name="Far store", kind="warehouse", host_organization=other, country="KE"
        )
        twin = Site.objects.create(
            name=warehouse.name, kind="clinic", host_organization=sending, country="GB"
        )
        analysis = _dry_run(
            users, sending, [row(site=stranger.pk), row(site="far store"), row(site=warehouse.name)]
        )
        messages = {(error.row, error.column): error.message for error in analysis.errors}
        assert "No site you may use" in messages[(2, "site")]
        assert "No site you may use" in messages[(3, "site")]
        assert messages[(4, "site")] == (
            f"Several of your sites are named “{warehouse.name}”; write the site’s number instead: "
            f"{warehouse.pk}, {twin.pk}."
        )

    def test_one_lot_has_one_expiry_in_the_file_and_in_stock(self, users, sending, warehouse, amoxicillin):
        receive(users["coordinator"], sending, warehouse, amoxicillin, lot_number="OLD-7")
        receive(users["coordinator"], sending, warehouse, amoxicillin, lot_number="OLD-8")
        analysis = _dry_run(
            users,
            sending,
            [
                row(lot_number="N-1", site=warehouse.pk),
                row(lot_number="n-1", expiry_date="2029-07-31", site=warehouse.pk),
                row(
                    item_code=amoxicillin.code,
                    lot_number="old-7",
                    expiry_date="2029-01-31",
                    site=warehouse.pk,
                ),
                row(
                    item_code=amoxicillin.code,
                    lot_number="OLD-8",
                    expiry_date="2030-01-31",
                    site=warehouse.pk,
                ),
            ],
        )
        messages = {(error.row, error.column): error.message for error in analysis.errors}
        assert set(messages) == {(3, "expiry_date"), (5, "expiry_date")}
        assert "Row 2 gives lot N-1" in messages[(3, "expiry_date")]
        assert "already recorded with expiry 2029-01-31" in messages[(5, "expiry_date")]
        topping_up = next(plan for plan in analysis.plans if plan.row == 4)
        assert topping_up.existing_lot is not None and topping_up.existing_lot.lot_number == "OLD-7"

    def test_unknown_duplicate_and_unnamed_columns(self, users, sending, warehouse):
        header = [*imports.COLUMN_NAMES, "colour", "site", ""]
        content = (
            csv_bytes([], header)
            + b"amoxicillin-500mg-capsule,A,2029-01-01,5,procured,,1,,,1,,red,1,surprise\n"
        )
        analysis = imports.dry_run(
            sending, actor=users["coordinator"], upload=SimpleUploadedFile("x.csv", content)
        )
        columns = {error.column for error in analysis.errors}
        assert {"colour", "site", "column 14"} <= columns

    def test_a_file_without_the_required_columns_is_refused_whole(self, users, sending):
        with pytest.raises(ValidationFailed) as raised:
            _dry_run(users, sending, [row()], header=["item_code", "lot_number"])
        assert raised.value.code == "missing_columns"
        assert "quantity, source, unit_value, site" in raised.value.message

    def test_semicolons_and_a_workbook_are_read(self, users, sending, warehouse):
        semicolons = csv_bytes([row(site=warehouse.pk)], delimiter=";")
        analysis = imports.dry_run(
            sending, actor=users["coordinator"], upload=SimpleUploadedFile("x.csv", semicolons)
        )
        assert analysis.errors == [] and len(analysis.plans) == 1
        workbook = imports.dry_run(
            sending,
            actor=users["coordinator"],
            upload=xlsx_upload([{**row(site=warehouse.pk), "expiry_date": datetime.date(2029, 6, 30)}]),
        )
        assert workbook.errors == []
        assert workbook.file_format == "xlsx"
        assert workbook.plans[0].expiry_date == datetime.date(2029, 6, 30)

    @pytest.mark.parametrize(
        ("content", "code"),
        [
            (b"", "empty_file"),
            (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "file_type_not_allowed"),
            (b"\xff\xfe\x00\x00garbage", "file_type_not_allowed"),
        ],
    )
    def test_files_that_are_not_spreadsheets_are_refused(self, users, sending, content, code):
        with pytest.raises(ValidationFailed) as raised:
            imports.dry_run(sending, actor=users["coordinator"], upload=SimpleUploadedFile("x.csv", content))
        assert raised.value.code == code
        assert "file" in raised.value.fields

    def test_size_and_row_limits(self, users, sending, warehouse):
        with override_settings(MAX_IMPORT_UPLOAD_BYTES=100), pytest.raises(ValidationFailed) as raised:
            _dry_run(users, sending, [row(site=warehouse.pk)] * 3)
        assert raised.value.code == "file_too_large"
        with override_settings(MAX_IMPORT_ROWS=2), pytest.raises(ValidationFailed) as raised:
            _dry_run(users, sending, [row(site=warehouse.pk)] * 3)
        assert raised.value.code == "too_many_rows"

    @pytest.mark.parametrize("persona_name", ["member", "viewer", "outsider", "host_admin"])
    def test_only_the_organisations_coordinators_import(self, users, sending, warehouse, persona_name):
        with pytest.raises(NotAllowed):
            imports.dry_run(sending, actor=users[persona_name], upload=csv_upload([row(site=warehouse.pk)]))


class TestCommit:
    def test_receives_every_row_through_the_stock_service(self, users, sending, warehouse, amoxicillin):
        existing = receive(users["coordinator"], sending, warehouse, amoxicillin, lot_number="OLD-7")
        analysis = _dry_run(
            users,
            sending,
            [
                row(site=warehouse.pk, received_on="2026-01-10", expiry_date="2029-06-30"),
                row(site=warehouse.pk, quantity="20"),
                row(
                    item_code=amoxicillin.code,
                    lot_number="OLD-7",
                    expiry_date="2029-01-31",
                    quantity="100",
                    site=warehouse.pk,
                ),
            ],
        )
        result = imports.commit_import(sending, actor=users["coordinator"], token=analysis.token)
        assert (result.rows, result.lots_created, result.lots_topped_up, result.units) == (3, 1, 1, 1120)
        new = Lot.objects.get(lot_number="AMX-1")
        assert on_hand(new, warehouse) == (1020, 0)
        assert on_hand(existing, warehouse) == (200, 0)
        dates = sorted(new.ledger_entries.values_list("transaction__occurred_on", flat=True))
        assert dates[0] == datetime.date(2026, 1, 10)
        assert AuditEntry.objects.filter(action="supplies.lot.received").count() == 4
        entry = AuditEntry.objects.get(action="supplies.import.committed")
        assert entry.organization == sending
        assert entry.data["lots_created"] == 1 and entry.data["units"] == 1120

    def test_the_same_token_commits_once(self, users, sending, warehouse):
        analysis = _dry_run(users, sending, [row(site=warehouse.pk)])
        imports.commit_import(sending, actor=users["coordinator"], token=analysis.token)
        before = counts()
        with pytest.raises((Conflict, ValidationFailed)) as raised:
            imports.commit_import(sending, actor=users["coordinator"], token=analysis.token)
        assert raised.value.code in ("import_already_committed", "import_token_invalid")
        assert counts() == before

    def test_a_file_imported_before_is_flagged_on_the_next_dry_run(self, users, sending, warehouse):
        rows = [row(site=warehouse.pk)]
        imports.commit_import(sending, actor=users["coordinator"], upload=csv_upload(rows))
        again = _dry_run(users, sending, rows)
        assert len(again.previous_imports) == 1

    def test_a_token_for_another_organisation_or_forged_is_refused(self, users, sending, host, warehouse):
        analysis = _dry_run(users, sending, [row(site=warehouse.pk)])
        with pytest.raises(ValidationFailed) as raised:
            imports.commit_import(host, actor=users["host_admin"], token=analysis.token)
        assert raised.value.code == "import_token_invalid"
        with pytest.raises(ValidationFailed):
            imports.commit_import(sending, actor=users["coordinator"], token=analysis.token + "x")

    def test_nothing_is_received_when_the_file_became_invalid(self, users, sending, warehouse, amoxicillin):
        analysis = _dry_run(
            users,
            sending,
            [row(site=warehouse.pk), row(item_code=amoxicillin.code, lot_number="Z-9", site=warehouse.pk)],
        )
        # Meanwhile someone records lot Z-9 with another expiry: the file no longer agrees.
        receive(users["coordinator"], sending, warehouse, amoxicillin, lot_number="Z-9")
        before = counts()
        with pytest.raises(imports.ImportRejected) as raised:
            imports.commit_import(sending, actor=users["coordinator"], token=analysis.token)
        assert "rows.3.expiry_date" in raised.value.fields
        assert counts() == before

    def test_a_refusal_by_the_service_half_way_rolls_everything_back(
        self, users, sending, warehouse, monkeypatch
    ):
        from medmissions.supplies import stock

        calls = {"count": 0}
        real = stock.receive_lot

        def failing_second(**kwargs):
            calls["count"] += 1
            if calls["count"] == 2:
                raise ValidationFailed("Site closed.", fields={"site": "Closed."})
            return real(**kwargs)

        monkeypatch.setattr(stock, "receive_lot", failing_second)
        before = counts()
        with pytest.raises(imports.ImportRejected) as raised:
            imports.commit_import(
                sending,
                actor=users["coordinator"],
                upload=csv_upload([row(site=warehouse.pk), row(lot_number="B", site=warehouse.pk)]),
            )
        assert raised.value.fields == {"rows.3.site": "Closed."}
        assert counts() == before

    def test_a_file_with_errors_commits_nothing(self, users, sending, warehouse):
        before = counts()
        with pytest.raises(imports.ImportRejected) as raised:
            imports.commit_import(
                sending,
                actor=users["coordinator"],
                upload=csv_upload([row(site=warehouse.pk), row(quantity="lots", site=warehouse.pk)]),
            )
        assert raised.value.code == "import_invalid"
        assert raised.value.fields == {
            "rows.3.quantity": "Enter a whole number of units, at least 1, without separators such as commas."
        }
        assert counts() == before

    def test_either_the_file_or_the_token(self, users, sending):
        with pytest.raises(ValidationFailed):
            imports.commit_import(sending, actor=users["coordinator"])
