"""Shequ settings: every knob is an environment variable (see docs/config.md)."""

from __future__ import annotations

import json
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


VAR_DIR = Path(env_str("SHEQU_VAR_DIR", str(Path.cwd() / "var"))).resolve()


def local_secret(name: str) -> str:
    """A random secret kept in var/secrets.json, made on first use.

    Lets `make demo` run on a laptop with no configuration while never shipping a
    default key; production sets SHEQU_SECRET_KEY and SHEQU_PII_KEY instead.
    """
    path = VAR_DIR / "secrets.json"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    data: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if name not in data:
        data[name] = secrets.token_urlsafe(48)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2))
        tmp.chmod(0o600)
        tmp.replace(path)
    return data[name]


DEBUG = env_bool("SHEQU_DEBUG", False)
# Generated secrets are for one machine: the laptop demo on the embedded SQLite database, or
# DEBUG. A server on PostgreSQL must be given its keys, so every app server shares them.
LOCAL_SECRETS = env_bool("SHEQU_LOCAL_SECRETS", DEBUG or not env_str("DATABASE_URL"))


def secret(name: str, local_name: str) -> str:
    value = env_str(name)
    if value:
        return value
    if LOCAL_SECRETS:
        return local_secret(local_name)
    raise ImproperlyConfigured(
        f"Set {name} (see docs/config.md); generated keys are only for the SQLite demo."
    )


SECRET_KEY = secret("SHEQU_SECRET_KEY", "secret_key")
# Key material for PII encryption (AES-GCM) and the blind index (HMAC); see core/pii.py.
PII_KEY = secret("SHEQU_PII_KEY", "pii_key")
ALLOWED_HOSTS = env_list("SHEQU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("SHEQU_CSRF_TRUSTED_ORIGINS", "")
SECURE_COOKIES = env_bool("SHEQU_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_AGE = env_int("SHEQU_SESSION_HOURS", 12) * 3600
SESSION_ENGINE = "shequ.core.sessions"
# The link a manager's "reset sign-in" gives (core/users): good once, for this long.
PASSWORD_RESET_TIMEOUT = env_int("SHEQU_RESET_LINK_HOURS", 24) * 3600

# --- HTTPS and browser security (docs/config.md, "Production") -----------------------------
# Off for the laptop demo on http://127.0.0.1; a deployment behind TLS turns them on, and
# `shequ manage check --deploy` is then clean (tests/web/test_security.py runs it).
SECURE_SSL_REDIRECT = env_bool("SHEQU_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SHEQU_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SHEQU_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SHEQU_HSTS_PRELOAD", False)
# Behind a reverse proxy that ends TLS: trust its X-Forwarded-Proto to know a request was
# HTTPS (else the redirect above would loop). Only when the proxy always sets that header.
if env_bool("SHEQU_PROXY_HTTPS_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "ninja",  # serves the API docs page's assets locally (no CDN)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "shequ.core",
    "shequ.places",
    "shequ.residents",
    "shequ.mobilization",
    "shequ.duty",
    "shequ.checkpoints",
    "shequ.testing",
    "shequ.notify",
    "shequ.reports",
    "shequ.assistance",
    "shequ.inspections",
    "shequ.supplies",
    "shequ.patrols",
    "shequ.notices",
    "shequ.outreach",
    "shequ.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "shequ.web.middleware.ApiErrorsAsJson",
    "shequ.web.middleware.NoStoreForPersonalData",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "shequ.web.middleware.RefuseNulCharacters",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shequ.web.middleware.HugeIdsAreNotFound",
    "axes.middleware.AxesMiddleware",
    "shequ.core.replica.PinToPrimaryMiddleware",  # only acts with DATABASE_REPLICA_URL
]

ROOT_URLCONF = "shequ.urls"
WSGI_APPLICATION = "shequ.wsgi.application"

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
                "shequ.web.context.navigation",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "shequ.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue instead of failing with "database is locked" mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Session settings for Shequ's queries (short index lookups and grouped counts): no JIT,
    # whose compile time exceeds what it saves on them, and random reads priced as on SSDs,
    # so that the planner probes indexes instead of hashing a whole round's samples
    # (bench/README.md, coverage of a street). Empty: the server's own settings.
    PG_SESSION = env_str("SHEQU_PG_SESSION", "jit=off random_page_cost=1.1")
    if PG_SESSION.strip():
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(
            f"-c {item}" for item in PG_SESSION.split()
        )
# A read replica (streaming replication) for dashboards, exports and reports; see
# core/replica.py and docs/operations.md. Writes and read-your-writes stay on default.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["shequ.core.replica.ReplicaRouter"]
REPLICA_PIN_SECONDS = env_int("SHEQU_REPLICA_PIN_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- users and login ------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# django-axes: lock a login name on one address after N failures, for a cool-off period.
AXES_FAILURE_LIMIT = env_int("SHEQU_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SHEQU_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("SHEQU_PROXY_COUNT", 0) or None

# --- language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("SHEQU_TIME_ZONE", "Asia/Shanghai")
LANGUAGE_COOKIE_NAME = "shequ_language"

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- background work -----------------------------------------------------------------------
# Imports and other long jobs run in `shequ worker` (django-tasks' db_worker); `shequ serve`
# starts one beside the web server. The immediate backend runs them inline instead.
TASKS = {
    "default": {
        "BACKEND": env_str("SHEQU_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
IMPORT_MAX_MB = env_int("SHEQU_IMPORT_MAX_MB", 50)
# What an import reads of a sheet at most; a file beyond is refused (docs/config.md).
IMPORT_MAX_ROWS = env_int("SHEQU_IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_COLUMNS = env_int("SHEQU_IMPORT_MAX_COLUMNS", 256)
IMPORT_MAX_CELL_CHARS = env_int("SHEQU_IMPORT_MAX_CELL_CHARS", 2_000)
IMPORT_MAX_UNZIPPED_MB = env_int("SHEQU_IMPORT_MAX_UNZIPPED_MB", 500)
# The worker's heartbeat; silent longer than STALE it is taken for dead (its imports fail);
# a task queued longer than QUEUE_ALERT makes /api/v1/health say "degraded".
WORKER_HEARTBEAT_SECONDS = env_int("SHEQU_WORKER_HEARTBEAT_SECONDS", 5)
WORKER_STALE_SECONDS = env_int("SHEQU_WORKER_STALE_SECONDS", 120)
WORKER_QUEUE_ALERT_SECONDS = env_int("SHEQU_WORKER_QUEUE_ALERT_SECONDS", 300)
# Daily reports (docs/reports.md): compiled for the day at this local hour, due by the deadline
# hour of the same day (24 = midnight); one submitted later is late.
REPORT_HOUR = env_int("SHEQU_REPORT_HOUR", 20)
REPORT_DEADLINE_HOUR = env_int("SHEQU_REPORT_DEADLINE_HOUR", 22)
# The officers' today (reports/today.py): today's live figures and the round's coverage by
# street are kept this many seconds per scope (0: read every time).
TODAY_CACHE_SECONDS = env_int("SHEQU_TODAY_CACHE_SECONDS", 60)
# The cache every app server and the worker share: a table in the database (core migration
# 0010), so nothing more to run. Only aggregates go in (core/kept.py).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "shequ_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- messages out of the app (docs/notifications.md) ---------------------------------------
# Every message lands in the inbox. Urgent kinds also go by Web Push, and by SMS to whom has no
# phone subscribed (or whose push failed); push kinds also go by Web Push. Others: inbox only.
NOTIFY_URGENT_KINDS = env_list("SHEQU_NOTIFY_URGENT_KINDS", "urgent_call,gate_alert,recall,fever")
NOTIFY_PUSH_KINDS = env_list("SHEQU_NOTIFY_PUSH_KINDS", "order,urgent_call_filled,shift_change")
# A push or SMS that fails is tried again after RETRY, 2×RETRY, 4×RETRY… seconds, at most
# MAX_ATTEMPTS times in all, then logged as failed.
NOTIFY_MAX_ATTEMPTS = env_int("SHEQU_NOTIFY_MAX_ATTEMPTS", 4)
NOTIFY_RETRY_SECONDS = env_int("SHEQU_NOTIFY_RETRY_SECONDS", 30)
# Web Push (VAPID): make the pair with `shequ vapid-keys`; without it push is off.
VAPID_PUBLIC_KEY = env_str("SHEQU_VAPID_PUBLIC_KEY")
VAPID_PRIVATE_KEY = env_str("SHEQU_VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env_str("SHEQU_VAPID_SUBJECT", "mailto:admin@localhost")
PUSH_TIMEOUT_SECONDS = env_int("SHEQU_PUSH_TIMEOUT_SECONDS", 10)
# SMS: "console" (the worker's log), "file" (var/sms.log), "http" (a provider: SMS_URL,
# SMS_TOKEN), or "off".
SMS_BACKEND = env_str("SHEQU_SMS_BACKEND", "console")
SMS_FILE = VAR_DIR / "sms.log"
SMS_URL = env_str("SHEQU_SMS_URL")
SMS_TOKEN = env_str("SHEQU_SMS_TOKEN")
SMS_SENDER = env_str("SHEQU_SMS_SENDER")
SMS_TIMEOUT_SECONDS = env_int("SHEQU_SMS_TIMEOUT_SECONDS", 10)
if SMS_BACKEND not in {"console", "file", "http", "off"}:
    raise ImproperlyConfigured(
        f"SHEQU_SMS_BACKEND must be console, file, http or off, not {SMS_BACKEND!r}"
    )
if SMS_BACKEND == "http" and not (SMS_URL and SMS_TOKEN):
    raise ImproperlyConfigured("SHEQU_SMS_BACKEND=http needs SHEQU_SMS_URL and SHEQU_SMS_TOKEN")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Content-Security-Policy (django-csp) ---------------------------------------------------
# Scripts, styles, images and connections only from this site: no inline script, no inline
# style, no eval, no CDN (the pages load everything from /static/). What a page needs beyond
# this it asks for itself (the API docs page: shequ/api.py). QR codes are SVG files from here;
# `data:` images are WeUI's icons; `blob:` is what the camera scanner draws frames into.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- API ------------------------------------------------------------------------------------
API_PAGE_SIZE = env_int("SHEQU_API_PAGE_SIZE", 50)
# The API's docs page and schema (/api/v1/docs, /api/v1/openapi.json) need a login unless set.
API_DOCS_PUBLIC = env_bool("SHEQU_API_DOCS_PUBLIC", False)
PAGE_SIZE = env_int("SHEQU_PAGE_SIZE", 25)
# Help requests: an overdue request still open this long after its community was told goes
# up to the street (docs/assistance.md).
HELP_STREET_AFTER_MINUTES = env_int("SHEQU_HELP_STREET_AFTER_MINUTES", 120)
# Home isolation: temperature reports a day (2: by noon and by 20:00; 1: by 20:00).
ISOLATION_REPORTS_PER_DAY = env_int("SHEQU_ISOLATION_REPORTS_PER_DAY", 2)
# The watch list: from this hour (city time) the day's checks still not done or not reached
# are told to the community's staff (docs/assistance.md).
WATCH_EVENING_HOUR = env_int("SHEQU_WATCH_EVENING_HOUR", 18)
# Seconds the roster solver may spend on one roster or re-plan (it returns its best by then).
ROSTER_SECONDS = float(env_str("SHEQU_ROSTER_SECONDS", "5"))
# Seconds a roster made in the background (the roster page's form, solved by the worker) may
# take: a street of 40 communities and 2,000 people within it (bench/roster_community.py).
ROSTER_JOB_SECONDS = float(env_str("SHEQU_ROSTER_JOB_SECONDS", "60"))
# A roster job whose heartbeat is silent this many times its time limit (and at least
# WORKER_STALE_SECONDS) is taken for dead and failed (its worker stopped); docs/duty.md.
ROSTER_JOB_DEAD_FACTOR = float(env_str("SHEQU_ROSTER_JOB_DEAD_FACTOR", "2"))
# `shequ purge` refuses a cut-off less than this many days ago (docs/operations.md).
RETENTION_MIN_DAYS = env_int("SHEQU_RETENTION_MIN_DAYS", 28)

# --- notices and answers (docs/notices.md) ---------------------------------------------------
# The site's address as residents reach it: the link in a notice's SMS (sent by the worker,
# which has no request to read it from).
SITE_URL = env_str("SHEQU_SITE_URL", "http://localhost:8000")
# At most this many texts for one notice (past it, send to smaller places), and sent per beat.
NOTICES_SMS_MAX = env_int("SHEQU_NOTICES_SMS_MAX", 20_000)
NOTICES_SMS_BATCH = env_int("SHEQU_NOTICES_SMS_BATCH", 200)
# A policy answer not checked for this many days is flagged to the HQ as stale.
NOTICES_STALE_DAYS = env_int("SHEQU_NOTICES_STALE_DAYS", 30)

# --- testing --------------------------------------------------------------------------------
# What a sampling tube's barcode looks like (a regular expression that Python and the station
# page's JavaScript read alike): by default 8 to 20 letters and digits, hyphens inside. A
# person's ID number or an entry pass's code is refused whatever it says (testing/barcodes.py).
TUBE_BARCODE_PATTERN = env_str(
    "SHEQU_TUBE_BARCODE_PATTERN", r"^[A-Za-z0-9][A-Za-z0-9-]{6,18}[A-Za-z0-9]$"
)
try:
    re.compile(TUBE_BARCODE_PATTERN)
except re.error as exc:
    raise ImproperlyConfigured(
        f"SHEQU_TUBE_BARCODE_PATTERN is no regular expression: {exc}"
    ) from exc

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SHEQU_LOG_LEVEL", "WARNING")},
}
