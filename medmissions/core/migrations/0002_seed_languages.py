"""Seed the languages most used in global-health partnerships (ISO 639-1, or 639-3 where none)."""

from django.db import migrations

LANGUAGES = [
    ("am", "Amharic"), ("ar", "Arabic"), ("bm", "Bambara"), ("bn", "Bengali"), ("de", "German"),
    ("ee", "Ewe"), ("en", "English"), ("es", "Spanish"), ("fa", "Persian"), ("ff", "Fula"),
    ("fr", "French"), ("ha", "Hausa"), ("hi", "Hindi"), ("ht", "Haitian Creole"), ("id", "Indonesian"),
    ("ig", "Igbo"), ("it", "Italian"), ("ki", "Kikuyu"), ("km", "Khmer"), ("kri", "Krio"),
    ("lg", "Luganda"), ("ln", "Lingala"), ("lo", "Lao"), ("luo", "Dholuo"), ("mg", "Malagasy"),
    ("my", "Burmese"), ("ne", "Nepali"), ("nl", "Dutch"), ("ny", "Chichewa"), ("om", "Oromo"),
    ("ps", "Pashto"), ("pt", "Portuguese"), ("qu", "Quechua"), ("rn", "Kirundi"), ("ru", "Russian"),
    ("rw", "Kinyarwanda"), ("sn", "Shona"), ("so", "Somali"), ("st", "Sesotho"), ("sw", "Swahili"),
    ("ti", "Tigrinya"), ("tl", "Tagalog"), ("tn", "Setswana"), ("tw", "Twi"), ("uk", "Ukrainian"),
    ("ur", "Urdu"), ("vi", "Vietnamese"), ("wo", "Wolof"), ("xh", "Xhosa"), ("yo", "Yoruba"),
    ("zh", "Chinese"), ("zu", "Zulu"),
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
