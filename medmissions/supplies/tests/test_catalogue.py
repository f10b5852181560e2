"""The catalogue seeded by migration 0002: its size, its consistency, a few facts, its kits."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.db.models import Q

from medmissions.supplies.choices import ItemCategory
from medmissions.supplies.models import Item, Kit, KitLine

pytestmark = pytest.mark.django_db

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def seed_migration():
    return importlib.import_module("medmissions.supplies.migrations.0002_seed_catalogue")


def test_the_catalogue_has_about_150_items():
    assert 145 <= Item.objects.count() <= 165


def test_every_category_is_present():
    present = set(Item.objects.values_list("category", flat=True))
    assert present == set(ItemCategory.values)


def test_every_code_is_a_unique_lowercase_slug():
    codes = list(Item.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    assert [code for code in codes if not SLUG.fullmatch(code)] == []


def test_every_medicine_and_vaccine_has_a_strength_and_a_dosage_form():
    products = Item.objects.filter(category__in=["medicine", "vaccine"])
    assert products.count() >= 100
    incomplete = products.filter(Q(strength="") | Q(dosage_form=""))
    assert list(incomplete.values_list("code", flat=True)) == []


def test_consumables_and_equipment_have_no_dosage_form_except_rapid_tests():
    forms = set(
        Item.objects.filter(category__in=["consumable", "equipment"]).values_list("dosage_form", flat=True)
    )
    assert forms == {"", "rapid_test"}
    assert Item.objects.get(code="malaria-rapid-diagnostic-test").dosage_form == "rapid_test"


def test_every_unit_of_issue_is_lowercase_english():
    units = set(Item.objects.values_list("unit", flat=True))
    assert units
    assert {unit for unit in units if not unit or unit != unit.lower()} == set()


def test_every_vaccine_travels_in_the_cold_chain():
    vaccines = Item.objects.filter(category="vaccine")
    assert vaccines.count() == 10
    assert not vaccines.filter(cold_chain=False).exists()


def test_oxytocin_and_insulin_travel_in_the_cold_chain_and_paracetamol_does_not():
    assert Item.objects.get(code="oxytocin-10iu-ml-injection").cold_chain
    assert Item.objects.get(code="soluble-insulin-human-100iu-ml-injection").cold_chain
    assert not Item.objects.get(code="paracetamol-500mg-tablet").cold_chain


def test_controlled_substances_include_morphine_and_ketamine_but_not_paracetamol():
    controlled = set(Item.objects.filter(controlled_substance=True).values_list("name", flat=True))
    assert {"morphine", "ketamine", "diazepam", "phenobarbital"} <= controlled
    assert "paracetamol" not in controlled


def test_essential_medicine_flags():
    assert Item.objects.get(code="amoxicillin-500mg-capsule").essential_medicine
    assert Item.objects.get(code="oral-rehydration-salts-sachet").essential_medicine
    assert Item.objects.get(code="measles-rubella-vaccine-10-dose").essential_medicine
    assert not Item.objects.get(code="glibenclamide-5mg-tablet").essential_medicine
    assert not Item.objects.get(code="syringe-5ml").essential_medicine
    assert not Item.objects.filter(category__in=["consumable", "equipment"], essential_medicine=True).exists()


def test_every_item_has_a_plausible_weight():
    assert not Item.objects.filter(unit_weight_grams__isnull=True).exists()
    assert not Item.objects.filter(unit_weight_grams__lte=0).exists()
    litre_bag = Item.objects.get(code="sodium-chloride-0-9-percent-1000ml-infusion")
    assert litre_bag.unit_weight_grams is not None
    assert litre_bag.unit_weight_grams > 1000


def test_labels_read_as_name_strength_and_dosage_form():
    assert Item.objects.get(code="amoxicillin-500mg-capsule").label == "amoxicillin 500 mg capsule"
    assert (
        Item.objects.get(code="artemether-lumefantrine-20mg-120mg-tablet").label
        == "artemether + lumefantrine 20 mg + 120 mg tablet"
    )
    assert Item.objects.get(code="infusion-giving-set").label == "infusion giving set"


def test_there_are_five_kits_and_each_has_lines():
    kits = Kit.objects.filter(code__in=[kit[0] for kit in seed_migration().KITS])
    assert kits.count() == 5
    assert [kit.code for kit in kits if not kit.lines.exists()] == []


def test_every_kit_line_is_a_catalogue_item_in_a_positive_quantity():
    catalogue = set(Item.objects.values_list("pk", flat=True))
    lines = KitLine.objects.all()
    assert lines.exists()
    assert {line.item_id for line in lines} <= catalogue
    assert not lines.filter(quantity__lt=1).exists()


def test_the_vaccination_session_kit_holds_no_vaccines():
    kit = Kit.objects.get(code="vaccination-session-kit")
    assert kit.lines.filter(item__code="auto-disable-syringe-0-5ml").exists()
    assert not kit.lines.filter(item__category="vaccine").exists()


def test_seeding_again_creates_no_duplicates():
    before = (Item.objects.count(), Kit.objects.count(), KitLine.objects.count())

    seed_migration().seed(apps, None)
    seed_migration().seed(apps, None)

    assert (Item.objects.count(), Kit.objects.count(), KitLine.objects.count()) == before


def test_seeding_again_restores_an_edited_item():
    Item.objects.filter(code="amoxicillin-500mg-capsule").update(strength="5 mg")

    seed_migration().seed(apps, None)

    assert Item.objects.get(code="amoxicillin-500mg-capsule").strength == "500 mg"


def test_unseeding_removes_only_the_seeded_items_and_kits():
    migration = seed_migration()
    Item.objects.create(code="local-item", name="local item", unit="piece", category="consumable")

    migration.unseed(apps, None)

    assert not Item.objects.filter(code__in=[code for code, _ in migration.catalogue()]).exists()
    assert not Kit.objects.filter(code__in=[kit[0] for kit in migration.KITS]).exists()
    assert Item.objects.filter(code="local-item").exists()
