"""Pages of the reports area: expiring and low stock, minimum levels, donations, stock at a site
and the OpenBoxes exports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.supplies.models import StockLevel
from medmissions.supplies.tests.reports_support import days, donor_journey, receive


def _csv(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment")
    return response.content.decode("utf-8-sig")


@pytest.fixture
def expiring_stock(users, sending, warehouse, amoxicillin):
    coordinator = users["coordinator"]
    receive(coordinator, sending, warehouse, amoxicillin, "AMX-SOON", days(20), 30)
    receive(coordinator, sending, warehouse, amoxicillin, "=BAD()", days(80), 40)
    receive(coordinator, sending, warehouse, amoxicillin, "AMX-FAR", days(200), 50)


# --- Expiring ----------------------------------------------------------------------------------------


def test_the_expiring_report_shows_buckets_and_alert_counts(expiring_stock, users, client_for):
    response = client_for(users["viewer"]).get(reverse("supplies:expiring"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "AMX-SOON" in page and "=BAD()" in page and "AMX-FAR" not in page
    assert "Expiring within 30 days" in page and "Expiring in 61 to 90 days" in page
    assert "1 lot at a site expires within 30 days." in page
    groups = {group.key: len(group.rows) for group in response.context["groups"]}
    assert groups == {"expired": 0, "within_30": 1, "within_60": 0, "within_90": 1}


def test_the_expiring_report_filters_by_organisation_and_site(
    expiring_stock, users, client_for, sending, site, active_partnership
):
    client = client_for(users["coordinator"])
    response = client.get(reverse("supplies:expiring"), {"organization": sending.slug})
    assert sum(len(group.rows) for group in response.context["groups"]) == 2
    response = client.get(reverse("supplies:expiring"), {"site": site.pk})
    assert response.status_code == 200
    assert sum(len(group.rows) for group in response.context["groups"]) == 0


def test_another_organisation_or_a_hidden_site_is_refused(expiring_stock, users, client_for, other, site):
    client = client_for(users["coordinator"])
    assert client.get(reverse("supplies:expiring"), {"organization": other.slug}).status_code == 404
    assert client.get(reverse("supplies:expiring"), {"organization": "no-such-org"}).status_code == 404
    # The host's clinic is not visible without a partnership: the filter is invalid.
    response = client.get(reverse("supplies:expiring"), {"site": site.pk})
    assert response.status_code == 400
    assert response.context["form"].errors["site"]


def test_the_expiring_report_downloads_as_formula_safe_csv(expiring_stock, users, client_for):
    response = client_for(users["member"]).get(reverse("supplies:expiring"), {"format": "csv"})
    lines = _csv(response).splitlines()
    assert lines[0].startswith("Status,Days left,Expiry date,Owner,Site")
    assert len(lines) == 3
    assert "'=BAD()" in lines[2]


def test_reports_need_a_signed_in_member(client_for, users, db):
    response = client_for(None).get(reverse("supplies:expiring"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    from medmissions.conftest import make_user

    loner = make_user("loner@example.org", "No Organisation")
    assert client_for(loner).get(reverse("supplies:expiring")).status_code == 403


# --- Low stock and levels ------------------------------------------------------------------------------


@pytest.fixture
def levels_world(users, sending, warehouse, amoxicillin, gloves):
    receive(users["coordinator"], sending, warehouse, amoxicillin, "AMX-1", days(400), 30)
    receive(users["coordinator"], sending, warehouse, gloves, "GLV-1", None, 50)
    low = StockLevel.objects.create(organization=sending, site=warehouse, item=amoxicillin, minimum=100)
    met = StockLevel.objects.create(organization=sending, site=warehouse, item=gloves, minimum=10)
    return low, met


def test_the_low_stock_report_shows_levels_below_minimum(levels_world, users, client_for):
    low, met = levels_world
    client = client_for(users["viewer"])
    response = client.get(reverse("supplies:low_stock"))
    assert response.status_code == 200
    assert [(row.level, row.available, row.shortfall) for row in response.context["rows"]] == [(low, 30, 70)]
    assert response.context["level_form"] is None  # viewers set nothing
    every = client.get(reverse("supplies:low_stock"), {"all": "1"})
    assert {row.level for row in every.context["rows"]} == {low, met}
    assert b"Remove" not in every.content


def test_a_coordinator_sets_a_minimum_from_the_report(
    levels_world, users, client_for, sending, warehouse, amoxicillin
):
    client = client_for(users["coordinator"])
    page = client.get(reverse("supplies:low_stock"), {"all": "1"})
    assert page.context["level_form"] is not None and b"Remove" in page.content
    data = {"organization": sending.slug, "site": warehouse.pk, "item": amoxicillin.code, "minimum": 25}
    response = client.post(reverse("supplies:stock_level_set"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("supplies:low_stock") + "?all=1"
    assert StockLevel.objects.get(item=amoxicillin).minimum == 25


def test_an_invalid_minimum_is_shown_on_the_form(
    levels_world, users, client_for, sending, warehouse, amoxicillin
):
    data = {"organization": sending.slug, "site": warehouse.pk, "item": amoxicillin.code, "minimum": 0}
    response = client_for(users["coordinator"]).post(reverse("supplies:stock_level_set"), data)
    assert response.status_code == 400
    assert response.context["level_form"].errors["minimum"]
    assert StockLevel.objects.get(item=amoxicillin).minimum == 100


def test_a_site_out_of_sight_is_not_a_choice(users, client_for, sending, site, amoxicillin):
    # No partnership with the host: its clinic is not among the coordinator's sites.
    data = {"organization": sending.slug, "site": site.pk, "item": amoxicillin.code, "minimum": 5}
    response = client_for(users["coordinator"]).post(reverse("supplies:stock_level_set"), data)
    assert response.status_code == 400
    assert response.context["level_form"].errors["site"]


def test_a_rule_broken_in_the_service_is_shown_on_the_form(
    users, client_for, sending, warehouse, amoxicillin, monkeypatch
):
    from medmissions.core.errors import ValidationFailed
    from medmissions.supplies import levels

    def refuse(**kwargs):
        raise ValidationFailed("Not now.", fields={"minimum": "Too many for this site."})

    monkeypatch.setattr(levels, "set_stock_level", refuse)
    data = {"organization": sending.slug, "site": warehouse.pk, "item": amoxicillin.code, "minimum": 5}
    response = client_for(users["coordinator"]).post(reverse("supplies:stock_level_set"), data)
    assert response.status_code == 400
    assert response.context["level_form"].errors["minimum"] == ["Too many for this site."]
    assert "Not now." in response.content.decode()


def test_members_cannot_set_levels_and_others_cannot_choose_ours(
    levels_world, users, client_for, sending, warehouse, amoxicillin
):
    data = {"organization": sending.slug, "site": warehouse.pk, "item": amoxicillin.code, "minimum": 5}
    assert client_for(users["member"]).post(reverse("supplies:stock_level_set"), data).status_code == 403
    response = client_for(users["outsider"]).post(reverse("supplies:stock_level_set"), data)
    assert response.status_code == 400
    assert response.context["level_form"].errors["organization"]
    assert StockLevel.objects.get(item=amoxicillin).minimum == 100


def test_removing_a_level_asks_then_removes(levels_world, users, client_for):
    low, _met = levels_world
    client = client_for(users["admin"])
    url = reverse("supplies:stock_level_delete", args=[low.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and b"Remove the minimum" in confirm.content
    response = client.post(url)
    assert response.status_code == 302
    assert not StockLevel.objects.filter(pk=low.pk).exists()


def test_removing_needs_the_role_and_sight_of_the_level(levels_world, users, client_for):
    low, _met = levels_world
    url = reverse("supplies:stock_level_delete", args=[low.pk])
    assert client_for(users["member"]).post(url).status_code == 403
    assert client_for(users["outsider"]).post(url).status_code == 404
    assert client_for(users["host_admin"]).get(url).status_code == 404
    assert StockLevel.objects.filter(pk=low.pk).exists()


# --- Donations ---------------------------------------------------------------------------------------


@pytest.fixture
def journey(users, lot, warehouse, site, active_partnership):
    return donor_journey(users, lot, warehouse, site, active_partnership)


def test_a_donor_sees_where_its_goods_went(journey, donor_admin, client_for, host):
    response = client_for(donor_admin).get(reverse("supplies:donations"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "AMX-2401" in page and journey.shipment.reference in page
    assert f"Handed over to {host.name}" in page
    [trace] = response.context["traces"]
    assert trace.lot == journey.lot and [copy.lot for copy in trace.copies] == [journey.copy]


def test_the_donations_csv_lists_every_lot_and_site(journey, donor_admin, client_for, donor):
    response = client_for(donor_admin).get(reverse("supplies:donations"), {"format": "csv"})
    lines = _csv(response).splitlines()
    assert lines[0].startswith("Item code,Item,Lot,Expiry date,Owner")
    assert len(lines) == 4


def test_an_organisation_without_donations_sees_an_empty_page(journey, users, client_for):
    response = client_for(users["viewer"]).get(reverse("supplies:donations"))
    assert response.status_code == 200
    assert response.context["donor"] is None
    assert b"None of your organisations has donated goods" in response.content


def test_another_donors_goods_are_not_shown(journey, users, client_for, donor):
    response = client_for(users["coordinator"]).get(
        reverse("supplies:donations"), {"organization": donor.slug}
    )
    assert response.status_code == 404


# --- Stock at a site -------------------------------------------------------------------------------


def test_the_site_page_shows_stock_and_leftovers_handed_to_the_host(journey, users, client_for, site, host):
    response = client_for(users["host_member"]).get(reverse("supplies:site_stock", args=[site.pk]))
    assert response.status_code == 200
    assert [(group.owner, group.on_hand) for group in response.context["groups"]] == [
        (journey.lot.owner, 100),
        (host, 350),
    ]
    [entry] = response.context["handovers"]
    assert entry.quantity == 400 and entry.transaction.mission == journey.mission
    assert journey.mission.title in response.content.decode()


def test_a_partner_sees_only_its_own_stock_at_the_hosts_site(journey, users, client_for, site):
    response = client_for(users["viewer"]).get(reverse("supplies:site_stock", args=[site.pk]))
    assert [group.owner for group in response.context["groups"]] == [journey.lot.owner]


def test_a_site_one_cannot_see_is_not_found(users, client_for, warehouse):
    assert (
        client_for(users["outsider"]).get(reverse("supplies:site_stock", args=[warehouse.pk])).status_code
        == 404
    )
    assert (
        client_for(users["host_member"]).get(reverse("supplies:site_stock", args=[warehouse.pk])).status_code
        == 404
    )


# --- Exports -----------------------------------------------------------------------------------------


def test_the_exports_page_lists_the_downloads(users, client_for, sending, warehouse):
    response = client_for(users["viewer"]).get(reverse("supplies:exports"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("export_products", "export_lots", "export_stock"):
        assert reverse(f"supplies:{name}") in page
    assert 'id="lots-organization"' in page and 'id="stock-organization"' in page


def test_products_and_lots_download(lot, users, client_for, sending):
    client = client_for(users["viewer"])
    products = _csv(client.get(reverse("supplies:export_products")))
    assert products.splitlines()[0].startswith("Id,ProductCode,ProductType,Name")
    lots = _csv(client.get(reverse("supplies:export_lots"), {"organization": sending.slug}))
    assert lots.splitlines()[1].startswith(f"{lot.item.code},amoxicillin 500 mg capsule,AMX-2401,2029-06-30")


def test_stock_downloads_for_one_site(lot, users, client_for, sending, warehouse):
    response = client_for(users["member"]).get(
        reverse("supplies:export_stock"), {"organization": sending.slug, "site": warehouse.pk}
    )
    assert "AMX-2401,2029-06-30,,,1000" in _csv(response)
    assert response["Content-Disposition"].endswith(
        f'openboxes-stock-{sending.slug}-site-{warehouse.pk}.csv"'
    )


def test_exports_refuse_other_organisations_hidden_sites_and_a_missing_site(
    lot, users, client_for, sending, warehouse
):
    outsider = client_for(users["outsider"])
    assert outsider.get(reverse("supplies:export_lots"), {"organization": sending.slug}).status_code == 404
    assert outsider.get(reverse("supplies:export_stock"), {"site": warehouse.pk}).status_code == 404
    member = client_for(users["member"])
    assert member.get(reverse("supplies:export_stock")).status_code == 400
    assert member.get(reverse("supplies:export_stock"), {"site": "x"}).status_code == 400
