"""Seed the languages most used in global-health partnerships (ISO 639-1, or 639-3 where none)."""

from django.db import migrations
from django.utils.translation import gettext_noop

LANGUAGES = [
    ("am", gettext_noop("Amharic")), ("ar", gettext_noop("Arabic")), ("bm", gettext_noop("Bambara")), ("bn", gettext_noop("Bengali")), ("de", gettext_noop("German")),
    ("ee", gettext_noop("Ewe")), ("en", gettext_noop("English")), ("es", gettext_noop("Spanish")), ("fa", gettext_noop("Persian")), ("ff", gettext_noop("Fula")),
    ("fr", gettext_noop("French")), ("ha", gettext_noop("Hausa")), ("hi", gettext_noop("Hindi")), ("ht", gettext_noop("Haitian Creole")), ("id", gettext_noop("Indonesian")),
    ("ig", gettext_noop("Igbo")), ("it", gettext_noop("Italian")), ("ki", gettext_noop("Kikuyu")), ("km", gettext_noop("Khmer")), ("kri", gettext_noop("Krio")),
    ("lg", gettext_noop("Luganda")), ("ln", gettext_noop("Lingala")), ("lo", gettext_noop("Lao")), ("luo", gettext_noop("Dholuo")), ("mg", gettext_noop("Malagasy")),
    ("my", gettext_noop("Burmese")), ("ne", gettext_noop("Nepali")), ("nl", gettext_noop("Dutch")), ("ny", gettext_noop("Chichewa")), ("om", gettext_noop("Oromo")),
    ("ps", gettext_noop("Pashto")), ("pt", gettext_noop("Portuguese")), ("qu", gettext_noop("Quechua")), ("rn", gettext_noop("Kirundi")), ("ru", gettext_noop("Russian")),
    ("rw", gettext_noop("Kinyarwanda")), ("sn", gettext_noop("Shona")), ("so", gettext_noop("Somali")), ("st", gettext_noop("Sesotho")), ("sw", gettext_noop("Swahili")),
    ("ti", gettext_noop("Tigrinya")), ("tl", gettext_noop("Tagalog")), ("tn", gettext_noop("Setswana")), ("tw", gettext_noop("Twi")), ("uk", gettext_noop("Ukrainian")),
    ("ur", gettext_noop("Urdu")), ("vi", gettext_noop("Vietnamese")), ("wo", gettext_noop("Wolof")), ("xh", gettext_noop("Xhosa")), ("yo", gettext_noop("Yoruba")),
    ("zh", gettext_noop("Chinese")), ("zu", gettext_noop("Zulu")),
]


def seed(apps, schema_editor):
    Language = apps.get_model("core", "Language")
    for code, name in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name})


def unseed(apps, schema_editor):
    apps.get_model("core", "Language").objects.filter(code__in=[code for code, _ in LANGUAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
