"""Seed the specialty tree, the credential types and default country requirements.

The data lives in medmissions/volunteers/reference_data.py; this migration copies it in once and
is reversible. Names are translated when displayed.
"""

from django.db import migrations

from medmissions.volunteers import reference_data


def seed(apps, schema_editor):
    Specialty = apps.get_model("volunteers", "Specialty")
    CredentialType = apps.get_model("volunteers", "CredentialType")
    CountryRequirement = apps.get_model("volunteers", "CountryRequirement")

    def add(nodes, parent):
        for slug, name, children in nodes:
            node, _ = Specialty.objects.update_or_create(slug=slug, defaults={"name": name, "parent": parent})
            add(children, node)

    add(reference_data.SPECIALTIES, None)
    for slug, name, category, grace, host_country, expires in reference_data.CREDENTIAL_TYPES:
        CredentialType.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "category": category,
                "grace_days": grace,
                "issued_by_host_country": host_country,
                "has_expiry": expires,
            },
        )
    types = {t.slug: t for t in CredentialType.objects.all()}
    specialties = {s.slug: s for s in Specialty.objects.all()}
    for country, specialty, credential_type, lead_days, notes in reference_data.country_requirements():
        CountryRequirement.objects.update_or_create(
            country=country,
            specialty=specialties[specialty] if specialty else None,
            credential_type=types[credential_type],
            defaults={"lead_time_days": lead_days, "notes": notes},
        )


def unseed(apps, schema_editor):
    apps.get_model("volunteers", "CountryRequirement").objects.all().delete()
    apps.get_model("volunteers", "CredentialType").objects.all().delete()
    Specialty = apps.get_model("volunteers", "Specialty")
    # Children first: the tree is protected against deleting a parent with children.
    while Specialty.objects.exists():
        Specialty.objects.filter(children__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
