"""Seed the capability taxonomy (two levels) and the value tags organisations choose from."""

from django.db import migrations

CAPABILITIES = {
    ("clinical", "Clinical services"): [
        ("primary-care", "Primary care"),
        ("surgery", "Surgery"),
        ("maternal-health", "Obstetrics and maternal health"),
        ("child-health", "Paediatrics and child health"),
        ("emergency-care", "Emergency and trauma care"),
        ("anaesthesia", "Anaesthesia"),
        ("eye-care", "Eye care"),
        ("dental-care", "Dental care"),
        ("mental-health", "Mental health"),
        ("rehabilitation", "Rehabilitation"),
        ("nutrition", "Nutrition"),
        ("infectious-disease", "Infectious diseases (HIV, TB, malaria)"),
        ("ncd-care", "Non-communicable diseases"),
        ("palliative-care", "Palliative care"),
    ],
    ("public-health", "Public health"): [
        ("vaccination", "Vaccination campaigns"),
        ("outbreak-response", "Outbreak response"),
        ("health-promotion", "Health promotion"),
        ("wash", "Water, sanitation and hygiene"),
        ("community-health", "Community health workers"),
        ("surveillance", "Epidemiology and surveillance"),
    ],
    ("training", "Training and education"): [
        ("clinical-training", "Clinical skills training"),
        ("nursing-midwifery-education", "Nursing and midwifery education"),
        ("medical-education", "Medical education and residency"),
        ("cpd", "Continuing professional development"),
        ("simulation", "Simulation training"),
        ("training-of-trainers", "Training of trainers"),
    ],
    ("health-systems", "Health systems"): [
        ("health-information", "Health information and data"),
        ("quality-improvement", "Quality improvement"),
        ("pharmacy", "Pharmacy and medicines management"),
        ("biomedical-engineering", "Biomedical engineering and equipment"),
        ("laboratory", "Laboratory services"),
        ("infrastructure", "Facilities and infrastructure"),
        ("leadership", "Leadership and management"),
    ],
    ("logistics", "Logistics and supplies"): [
        ("supply-donation", "Medical supply donation"),
        ("warehousing", "Warehousing and distribution"),
        ("cold-chain", "Cold chain"),
        ("transport", "Transport"),
    ],
    ("emergency-teams", "Emergency medical teams"): [
        ("emt-type-1-mobile", "WHO EMT Type 1 mobile"),
        ("emt-type-1-fixed", "WHO EMT Type 1 fixed"),
        ("emt-type-2", "WHO EMT Type 2 (inpatient surgical)"),
        ("emt-type-3", "WHO EMT Type 3 (referral)"),
        ("emt-specialised", "Specialised care team"),
    ],
    ("people", "People and volunteers"): [
        ("clinical-volunteers", "Clinical volunteer deployment"),
        ("interpreting", "Interpreting and translation"),
        ("spiritual-care", "Spiritual and pastoral care"),
        ("exchanges", "Staff exchanges and observerships"),
    ],
    ("research", "Research and evaluation"): [
        ("operational-research", "Operational research"),
        ("monitoring-evaluation", "Monitoring and evaluation"),
    ],
    ("funding", "Funding"): [
        ("grants", "Grant funding"),
        ("in-kind", "In-kind support"),
    ],
}

VALUE_TAGS = [
    ("host-led", "Host-led"),
    ("long-term", "Long-term commitment"),
    ("capacity-building", "Capacity building"),
    ("bidirectional", "Bidirectional exchange"),
    ("mutual-learning", "Mutual learning"),
    ("faith-based", "Faith-based"),
    ("secular", "Secular"),
    ("evidence-based", "Evidence-based practice"),
    ("community-led", "Community-led"),
    ("equity", "Health equity"),
    ("sustainability", "Sustainability"),
    ("teaching", "Teaching and training"),
    ("safeguarding", "Safeguarding"),
    ("environment", "Environmental responsibility"),
    ("local-procurement", "Local procurement"),
    ("gender-equity", "Gender equity"),
    ("disability-inclusion", "Disability inclusion"),
    ("rural-health", "Rural health"),
    ("transparency", "Transparency"),
    ("who-donation-guidelines", "Follows WHO donation guidelines"),
]


def seed(apps, schema_editor):
    Capability = apps.get_model("organizations", "Capability")
    ValueTag = apps.get_model("organizations", "ValueTag")
    for (parent_slug, parent_name), children in CAPABILITIES.items():
        parent, _ = Capability.objects.update_or_create(slug=parent_slug, defaults={"name": parent_name, "parent": None})
        for slug, name in children:
            Capability.objects.update_or_create(slug=slug, defaults={"name": name, "parent": parent})
    for slug, name in VALUE_TAGS:
        ValueTag.objects.update_or_create(slug=slug, defaults={"name": name})


def unseed(apps, schema_editor):
    Capability = apps.get_model("organizations", "Capability")
    children = [slug for items in CAPABILITIES.values() for slug, _ in items]
    Capability.objects.filter(slug__in=children).delete()
    Capability.objects.filter(slug__in=[slug for slug, _ in CAPABILITIES]).delete()
    apps.get_model("organizations", "ValueTag").objects.filter(slug__in=[slug for slug, _ in VALUE_TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
