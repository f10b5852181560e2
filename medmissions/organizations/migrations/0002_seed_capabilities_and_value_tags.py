"""Seed the capability taxonomy (two levels) and the value tags organisations choose from.

Names are marked with gettext_noop so that makemessages extracts them; the models translate
them when displayed.
"""

from django.db import migrations
from django.utils.translation import gettext_noop

CAPABILITIES = {
    ("clinical", gettext_noop("Clinical services")): [
        ("primary-care", gettext_noop("Primary care")),
        ("surgery", gettext_noop("Surgery")),
        ("maternal-health", gettext_noop("Obstetrics and maternal health")),
        ("child-health", gettext_noop("Paediatrics and child health")),
        ("emergency-care", gettext_noop("Emergency and trauma care")),
        ("anaesthesia", gettext_noop("Anaesthesia")),
        ("eye-care", gettext_noop("Eye care")),
        ("dental-care", gettext_noop("Dental care")),
        ("mental-health", gettext_noop("Mental health")),
        ("rehabilitation", gettext_noop("Rehabilitation")),
        ("nutrition", gettext_noop("Nutrition")),
        ("infectious-disease", gettext_noop("Infectious diseases (HIV, TB, malaria)")),
        ("ncd-care", gettext_noop("Non-communicable diseases")),
        ("palliative-care", gettext_noop("Palliative care")),
    ],
    ("public-health", gettext_noop("Public health")): [
        ("vaccination", gettext_noop("Vaccination campaigns")),
        ("outbreak-response", gettext_noop("Outbreak response")),
        ("health-promotion", gettext_noop("Health promotion")),
        ("wash", gettext_noop("Water, sanitation and hygiene")),
        ("community-health", gettext_noop("Community health workers")),
        ("surveillance", gettext_noop("Epidemiology and surveillance")),
    ],
    ("training", gettext_noop("Training and education")): [
        ("clinical-training", gettext_noop("Clinical skills training")),
        ("nursing-midwifery-education", gettext_noop("Nursing and midwifery education")),
        ("medical-education", gettext_noop("Medical education and residency")),
        ("cpd", gettext_noop("Continuing professional development")),
        ("simulation", gettext_noop("Simulation training")),
        ("training-of-trainers", gettext_noop("Training of trainers")),
    ],
    ("health-systems", gettext_noop("Health systems")): [
        ("health-information", gettext_noop("Health information and data")),
        ("quality-improvement", gettext_noop("Quality improvement")),
        ("pharmacy", gettext_noop("Pharmacy and medicines management")),
        ("biomedical-engineering", gettext_noop("Biomedical engineering and equipment")),
        ("laboratory", gettext_noop("Laboratory services")),
        ("infrastructure", gettext_noop("Facilities and infrastructure")),
        ("leadership", gettext_noop("Leadership and management")),
    ],
    ("logistics", gettext_noop("Logistics and supplies")): [
        ("supply-donation", gettext_noop("Medical supply donation")),
        ("warehousing", gettext_noop("Warehousing and distribution")),
        ("cold-chain", gettext_noop("Cold chain")),
        ("transport", gettext_noop("Transport")),
    ],
    ("emergency-teams", gettext_noop("Emergency medical teams")): [
        ("emt-type-1-mobile", gettext_noop("WHO EMT Type 1 mobile")),
        ("emt-type-1-fixed", gettext_noop("WHO EMT Type 1 fixed")),
        ("emt-type-2", gettext_noop("WHO EMT Type 2 (inpatient surgical)")),
        ("emt-type-3", gettext_noop("WHO EMT Type 3 (referral)")),
        ("emt-specialised", gettext_noop("Specialised care team")),
    ],
    ("people", gettext_noop("People and volunteers")): [
        ("clinical-volunteers", gettext_noop("Clinical volunteer deployment")),
        ("interpreting", gettext_noop("Interpreting and translation")),
        ("spiritual-care", gettext_noop("Spiritual and pastoral care")),
        ("exchanges", gettext_noop("Staff exchanges and observerships")),
    ],
    ("research", gettext_noop("Research and evaluation")): [
        ("operational-research", gettext_noop("Operational research")),
        ("monitoring-evaluation", gettext_noop("Monitoring and evaluation")),
    ],
    ("funding", gettext_noop("Funding")): [
        ("grants", gettext_noop("Grant funding")),
        ("in-kind", gettext_noop("In-kind support")),
    ],
}

VALUE_TAGS = [
    ("host-led", gettext_noop("Host-led")),
    ("long-term", gettext_noop("Long-term commitment")),
    ("capacity-building", gettext_noop("Capacity building")),
    ("bidirectional", gettext_noop("Bidirectional exchange")),
    ("mutual-learning", gettext_noop("Mutual learning")),
    ("faith-based", gettext_noop("Faith-based")),
    ("secular", gettext_noop("Secular")),
    ("evidence-based", gettext_noop("Evidence-based practice")),
    ("community-led", gettext_noop("Community-led")),
    ("equity", gettext_noop("Health equity")),
    ("sustainability", gettext_noop("Sustainability")),
    ("teaching", gettext_noop("Teaching and training")),
    ("safeguarding", gettext_noop("Safeguarding")),
    ("environment", gettext_noop("Environmental responsibility")),
    ("local-procurement", gettext_noop("Local procurement")),
    ("gender-equity", gettext_noop("Gender equity")),
    ("disability-inclusion", gettext_noop("Disability inclusion")),
    ("rural-health", gettext_noop("Rural health")),
    ("transparency", gettext_noop("Transparency")),
    ("who-donation-guidelines", gettext_noop("Follows WHO donation guidelines")),
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
