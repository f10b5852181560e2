"""Settings for medmissions, all driven by environment variables.

There is one settings module. Development needs no configuration at all (SQLite, console
email, DEBUG on). Production sets ``DEBUG=0``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and
``DATABASE_URL``; see README.md, "Running in production".
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from medmissions.lib.env import env_bool, env_day_counts, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("MEDMISSIONS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (see README, Running in production)."
        )
    # Development only: a fixed key keeps sessions valid across restarts of `make run`.
    SECRET_KEY = "django-insecure-development-key-not-for-production-use"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "ninja",
    "medmissions.core",
    "medmissions.audit",
    "medmissions.accounts",
    "medmissions.organizations",
    "medmissions.sites",
    "medmissions.partnerships",
    "medmissions.volunteers",
    "medmissions.missions",
    "medmissions.matching",
    "medmissions.supplies",
    "medmissions.clinics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "medmissions.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "medmissions.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "medmissions.urls"
WSGI_APPLICATION = "medmissions.wsgi.application"
ASGI_APPLICATION = "medmissions.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "medmissions.organizations.context_processors.current_organization",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    # Zero-setup default: a SQLite file under var/, created on first use.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'medmissions.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A busy timeout avoids "database is locked" when the dev server and a command overlap.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Repeated failed logins for one email address are throttled (see accounts.services).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
EMAIL_VERIFICATION_MAX_AGE_SECONDS = 3 * 24 * 3600
INVITATION_MAX_AGE_DAYS = 14

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
if not DEBUG:
    # An installed package has no sensible place of its own for these: uploaded documents must
    # live on private, backed-up storage chosen by the operator.
    for _name in ("MEDIA_ROOT", "STATIC_ROOT"):
        if not env_str(_name):
            raise ImproperlyConfigured(
                f"{_name} must be set when DEBUG is off (see README, Running in production)."
            )
# Uploaded files are never served from a public URL: views check permissions and stream them.
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development (and tests) static files come straight from the apps; production serves the
# compressed, fingerprinted copies made by collectstatic.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    # Implicit TLS (port 465) and STARTTLS are exclusive.
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
    # Email goes out after commit, inside the request: a stuck mail server must not hang it for long.
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "medmissions <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # The preload directive is inert until the operator submits the domain to browser lists.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("USE_X_FORWARDED_PROTO", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own console handler would print every message a second time through the root logger.
    # WeasyPrint and fontTools log every rendering step at INFO: only their warnings matter here.
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 200
NINJA_PAGINATION_MAX_LIMIT = 200

# Credentials: a credential expiring within this many days is flagged for renewal; reminders go out
# this many days before expiry.
CREDENTIAL_RENEWAL_WINDOW_DAYS = env_int("CREDENTIAL_RENEWAL_WINDOW_DAYS", 90)
CREDENTIAL_REMINDER_DAYS = [90, 30, 7]

# Two assignments of one person may overlap by this many days (travel and hand-over).
ASSIGNMENT_HANDOVER_TOLERANCE_DAYS = env_int("ASSIGNMENT_HANDOVER_TOLERANCE_DAYS", 1)
# How long the optimiser may search when cross-constraints (supervisor pairing) need CP-SAT; the
# min-cost flow answer is kept if CP-SAT finds nothing better in time.
MATCHING_TIME_LIMIT_SECONDS = env_int("MATCHING_TIME_LIMIT_SECONDS", 20)
# CP-SAT is skipped when the flows' answer is provably within this fraction of the best possible
# total score: a search of many seconds for a few points in a million is not worth the wait.
MATCHING_ACCEPT_GAP = env_float("MATCHING_ACCEPT_GAP", 0.001)

# Supplies: the shelf life a lot must have left when it arrives, per item category (WHO
# guidelines for medicine donations, article 6: at least a year for medicines). Override with
# SUPPLIES_MIN_SHELF_LIFE_DAYS="medicine=365,vaccine=180"; categories not named keep these.
SUPPLIES_MIN_SHELF_LIFE_DAYS = env_day_counts(
    "SUPPLIES_MIN_SHELF_LIFE_DAYS", {"medicine": 365, "vaccine": 180, "consumable": 180, "equipment": 0}
)
# Values of lots are recorded in this currency unless the lot says otherwise.
SUPPLIES_DEFAULT_CURRENCY = env_str("SUPPLIES_DEFAULT_CURRENCY", "USD")
# How long the allocation optimiser may search for fewer consignments (CP-SAT, on small problems)
# before keeping the best proposal found; the best fulfilment is always found first.
SUPPLIES_ALLOCATION_TIME_LIMIT_SECONDS = env_int("SUPPLIES_ALLOCATION_TIME_LIMIT_SECONDS", 3)
# Largest parcel of medicines (WHO article 9).
SUPPLIES_MAX_PARCEL_KG = env_int("SUPPLIES_MAX_PARCEL_KG", 50)

# Bulk import of people: largest file and most rows per file.
MAX_IMPORT_UPLOAD_BYTES = env_int("MAX_IMPORT_UPLOAD_BYTES", 10 * 1024 * 1024)
MAX_IMPORT_ROWS = env_int("MAX_IMPORT_ROWS", 5000)
# eDATA files of the WHO EMT Minimum Data Set: most consultations per file (a busy team's month).
MAX_EDATA_IMPORT_ROWS = env_int("MAX_EDATA_IMPORT_ROWS", 20000)

# Largest accepted uploads, in bytes.
MAX_DOCUMENT_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_LOGO_UPLOAD_BYTES = 2 * 1024 * 1024
