"""Settings for Buurtwacht, read from the environment.

The defaults are the embedded mode: SQLite, an in-process worker that needs no broker,
e-mails kept in the outgoing-message table and readable on a local page. Production is
chosen with ``BUURTWACHT_ENV=production`` and then refuses to start with ``DEBUG``, the
default secret key or no allowed hosts. See ``docs/configuration.md``.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu.transport import TRANSPORT_ALIASES

from apps.web.csp import directives as csp_directives

from .env import (
    env_bool,
    env_choice,
    env_database,
    env_dotted_path,
    env_email,
    env_float,
    env_host,
    env_hosts,
    env_int,
    env_list,
    env_log_level,
    env_meta_key,
    env_origins,
    env_path,
    env_pattern,
    env_proxy_headers,
    env_quiet_hours,
    env_rate,
    env_str,
    env_trusted_proxy,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_path("BUURTWACHT_VAR_DIR", str(BASE_DIR / "var")))

ENVIRONMENT = env_choice("BUURTWACHT_ENV", ("development", "test", "production"), "development")
PRODUCTION = ENVIRONMENT == "production"
if not PRODUCTION:
    VAR_DIR.mkdir(parents=True, exist_ok=True)

_DEFAULT_SECRET = "insecure-embedded-default-do-not-use-in-production"  # noqa: S105 (refused in production)
SECRET_KEY = env_str("SECRET_KEY", _DEFAULT_SECRET)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_hosts("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])

if PRODUCTION:
    problems = []
    if DEBUG:
        problems.append("DEBUG must be off")
    if SECRET_KEY == _DEFAULT_SECRET or len(SECRET_KEY) < 32:
        problems.append("SECRET_KEY must be set to a random value of 32 characters or more")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must name the site's host names")
    if problems:
        raise ImproperlyConfigured("Production settings refused: " + "; ".join(problems) + ".")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.audit",
    "apps.municipalities",
    "apps.areas",
    "apps.addresses",
    "apps.groups",
    "apps.members",
    "apps.applications",
    "apps.enrolments",
    "apps.messaging",
    "apps.incidents",
    "apps.relays",
    "apps.retention",
    "apps.rights",
    "apps.figures",
    "apps.signs",
    "apps.network",
    "apps.meetings",
    "apps.public",
    "apps.staff",
    "apps.api",
    "apps.demo",
    "apps.coverage",
    "apps.geocoding",
    "apps.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header (settings below, apps/web/csp.py).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): logged in with a second factor (apps/accounts/login_steps.py).
    "django_otp.middleware.OTPMiddleware",
    "apps.accounts.sessions.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A browser's GET of a POST-only address (a form's action): to its parent page, never a blank
    # 405. After LocaleMiddleware, inside the header-adding middleware (apps/web/post_only.py).
    "apps.web.post_only.PostOnlyAddressMiddleware",
    # Last: turns a locked login into the lockout page (apps/accounts/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "buurtwacht.urls"
WSGI_APPLICATION = "buurtwacht.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.web.context_processors.site",
            ],
        },
    },
]

# Each web thread keeps its database connection between requests (60 s after its last use):
# opening one costs more than a lookup by address (a SQLite file's connection set-up is about
# 1.5 ms, a PostgreSQL one a round trip and an authentication; docs/benchmarks.md). A kept
# connection is checked once per request before it is used (``CONN_HEALTH_CHECKS``), so a
# database restart costs a reconnect, not an error page.
DATABASES = {
    "default": env_database(
        "DATABASE_URL",
        f"sqlite:///{VAR_DIR / 'buurtwacht.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
    )
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DATABASE_CONN_HEALTH_CHECKS", True)
# On PostgreSQL the lookup by address is a statement prepared once per connection (ADR 0038): the
# server then skips parsing and planning it. Off behind a connection pooler that hands one
# session's statements to another (PgBouncer in transaction mode before 1.21).
BUURTWACHT_PREPARED_LOOKUP = env_bool("DATABASE_PREPARED_STATEMENTS", True)
# SQLite: the page cache of each connection, in KiB. A web process keeps a connection per thread,
# each with a cache of its own; at SQLite's default (2,000 KiB) they held 12 MB of a web process
# after 10,000 requests on a register of 10 million addresses, pages that the operating system's
# file cache holds as well, and the lookups were no faster for it (docs/benchmarks.md, "The page
# cache of SQLite's connections"). Imports set their own (BUURTWACHT_IMPORT_SQLITE_CACHE_MB).
BUURTWACHT_SQLITE_CACHE_KB = env_int("DATABASE_SQLITE_CACHE_KB", 512, minimum=64)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; a busy timeout instead of
    # "database is locked" when both write at once. Every transaction (``atomic``) begins
    # IMMEDIATE: it takes the one write lock up front, waiting for it up to the timeout. A
    # transaction begun DEFERRED that reads and then writes cannot become the writer once another
    # connection wrote in between, and fails at once however long the timeout (ADR 0018).
    # Statements outside a transaction are not affected.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA cache_size=-{BUURTWACHT_SQLITE_CACHE_KB:d};",
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix"), host=False, empty=True)
# Seconds to connect to Redis and to wait for its answer, for the cache and for waking a worker:
# a Redis that hangs costs a request this much, once, and then it is skipped for a few seconds.
BUURTWACHT_REDIS_TIMEOUT = env_float("BUURTWACHT_REDIS_TIMEOUT", 0.25, minimum=0.01, maximum=10)
if REDIS_URL:
    # While Redis does not answer, the rate limits count per process (docs/adr/0024).
    CACHES = {
        "default": {
            "BACKEND": "apps.core.fallback_cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": BUURTWACHT_REDIS_TIMEOUT, "socket_timeout": BUURTWACHT_REDIS_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One web process in the embedded mode: a per-process cache is a correct rate-limit store.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "staff:dashboard"
LOGOUT_REDIRECT_URL = "public:home"

# Logins (docs/adr/0020). django-axes refuses the logins of a user name on a connection after
# BUURTWACHT_LOGIN_FAILURE_LIMIT wrong passwords, for BUURTWACHT_LOGIN_COOLOFF_MINUTES after the
# last one; the person sees from what time they can try again, and choosing a new password lifts
# the lock. Its counters are kept in the database (the same on SQLite and PostgreSQL, whatever
# the cache). The callables in apps/accounts/lockout.py read the two settings at each request.
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
BUURTWACHT_LOGIN_FAILURE_LIMIT = env_int("BUURTWACHT_LOGIN_FAILURE_LIMIT", 5, minimum=1)
BUURTWACHT_LOGIN_COOLOFF_MINUTES = env_int("BUURTWACHT_LOGIN_COOLOFF_MINUTES", 15, minimum=1)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "apps.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "apps.accounts.lockout.cool_off"
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.username_of"
AXES_CLIENT_IP_CALLABLE = "apps.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Wrong passwords typed while locked are refused without being counted: the time the page
# names stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No table of every successful login (IP address and browser of each staff login, kept forever).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Sessions of signed-in staff end after this many minutes without a request (apps/accounts/sessions.py).
BUURTWACHT_SESSION_IDLE_MINUTES = env_int("BUURTWACHT_SESSION_IDLE_MINUTES", 30, minimum=1)
# Exports, removals and role changes ask for the password again when it was typed longer ago.
BUURTWACHT_REAUTH_MINUTES = env_int("BUURTWACHT_REAUTH_MINUTES", 10, minimum=1)
# The second factor of staff logins (docs/adr/0028, django-otp): an authenticator app and
# recovery codes; required for coordinators, police and operators. The name authenticator apps show:
OTP_TOTP_ISSUER = "Buurtwacht"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_path("STATIC_ROOT", str(VAR_DIR / "static")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Leaflet and Leaflet.draw come from the django-leaflet wheel. Only its static files are
# used (its app would pull in GeoDjango and GDAL), served under /static/vendor/leaflet/.
_LEAFLET_STATIC = Path(importlib.util.find_spec("leaflet").submodule_search_locations[0]) / "static"
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", _LEAFLET_STATIC)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Uploads: a GeoJSON area of a municipality is a few MB at most. Anything larger is refused
# before it is read into memory. A pasted outline counts against the form-data limit, so that
# one leaves room for the largest allowed outline.
BUURTWACHT_MAX_GEOJSON_UPLOAD = env_int("BUURTWACHT_MAX_GEOJSON_UPLOAD", 10 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = BUURTWACHT_MAX_GEOJSON_UPLOAD + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Behind a reverse proxy every request comes from the proxy's address; name the header the
# proxy sets (e.g. HTTP_X_REAL_IP) so rate limits count per resident, not per proxy.
RATELIMIT_IP_META_KEY = env_meta_key("BUURTWACHT_CLIENT_IP_HEADER") or None
CSRF_FAILURE_VIEW = "apps.web.views.csrf_failure"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    # Production runs behind a TLS proxy. waitress (manage.py serve) believes its X-Forwarded-*
    # headers only from BUURTWACHT_TRUSTED_PROXY and removes them from anyone else, so the header
    # Django reads here is the proxy's (docs/configuration.md, "Behind a TLS proxy").
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer's health probe may come over plain HTTP, straight to the web process.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Origins other than the site's own host a form may be sent from, e.g. https://www.example.be.
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")
# waitress behind a reverse proxy (manage.py serve): the proxy's address, the forwarded headers
# believed from it (X-Forwarded-For makes REMOTE_ADDR the resident's address) and how many proxies
# in a row add to X-Forwarded-For.
BUURTWACHT_TRUSTED_PROXY = env_trusted_proxy("BUURTWACHT_TRUSTED_PROXY")
BUURTWACHT_TRUSTED_PROXY_HEADERS = env_proxy_headers(
    "BUURTWACHT_TRUSTED_PROXY_HEADERS", ["x-forwarded-proto", "x-forwarded-for"]
)
BUURTWACHT_TRUSTED_PROXY_COUNT = env_int("BUURTWACHT_TRUSTED_PROXY_COUNT", 1, minimum=1)

# E-mail. The outgoing-message table is the record of what was sent; in the embedded mode
# messages are also written to files and listed at /dev/mailbox/.
EMAIL_BACKEND = env_dotted_path(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_host("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_email("DEFAULT_FROM_EMAIL", "Buurtwacht <noreply@buurtwacht.localhost>")
BUURTWACHT_DEV_MAILBOX = env_bool("BUURTWACHT_DEV_MAILBOX", default=not PRODUCTION)
BUURTWACHT_SITE_URL = env_url("BUURTWACHT_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Outgoing messages wait for their send encrypted (ADR 0022): Fernet keys, newest first; keys
# derived from SECRET_KEY (and SECRET_KEY_FALLBACKS) are always also tried.
BUURTWACHT_MESSAGE_KEYS = env_list("BUURTWACHT_MESSAGE_KEYS")
if any(not re.fullmatch(r"[A-Za-z0-9_-]{43}=", key) for key in BUURTWACHT_MESSAGE_KEYS):
    raise ImproperlyConfigured(
        "BUURTWACHT_MESSAGE_KEYS must be Fernet keys (44 characters of URL-safe base64), comma-separated"
    )

# Background work: "embedded" is a worker process polling the outgoing-message table
# (`manage.py run_worker`); "celery" hands the same jobs to Celery workers over Redis.
BUURTWACHT_WORKER = env_choice("BUURTWACHT_WORKER", ("embedded", "celery"), "embedded")
BUURTWACHT_WORKER_STALE_AFTER = env_int("BUURTWACHT_WORKER_STALE_AFTER", 120, minimum=5)
BUURTWACHT_DELIVERY_MAX_ATTEMPTS = env_int("BUURTWACHT_DELIVERY_MAX_ATTEMPTS", 8, minimum=1)
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", REDIS_URL or "memory://", schemes=tuple(s.lower() for s in TRANSPORT_ALIASES), host=False
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# Applications.
BUURTWACHT_CONFIRMATION_MAX_AGE = env_int("BUURTWACHT_CONFIRMATION_MAX_AGE", 48 * 3600, minimum=60)
BUURTWACHT_APPLICATION_EXPIRY_DAYS = env_int("BUURTWACHT_APPLICATION_EXPIRY_DAYS", 30, minimum=1)
# Applications waiting this long for the admins go to the municipality's coordinators, once, and
# flag their group on the coordinator's desk and in the weekly digest.
BUURTWACHT_APPLICATION_ESCALATION_DAYS = env_int("BUURTWACHT_APPLICATION_ESCALATION_DAYS", 7, minimum=1)
# Member imports (apps/enrolments): the largest file and the most rows an admin may upload; days
# an imported person has to confirm before their data is erased, and after which they are reminded.
BUURTWACHT_ENROLMENT_MAX_FILE = env_int("BUURTWACHT_ENROLMENT_MAX_FILE", 10 * 1024 * 1024, minimum=1024)
BUURTWACHT_ENROLMENT_MAX_ROWS = env_int("BUURTWACHT_ENROLMENT_MAX_ROWS", 10_000, minimum=1)
BUURTWACHT_ENROLMENT_EXPIRY_DAYS = env_int("BUURTWACHT_ENROLMENT_EXPIRY_DAYS", 30, minimum=2)
BUURTWACHT_ENROLMENT_REMINDER_DAYS = env_int("BUURTWACHT_ENROLMENT_REMINDER_DAYS", 7, minimum=1)
# Public forms (apps/core/form_limits.py): accepted sends per connection and per phone number,
# refused sends (a form with errors) per connection, far more loosely.
BUURTWACHT_APPLICATION_RATE = env_rate("BUURTWACHT_APPLICATION_RATE", "30/h")
BUURTWACHT_APPLICATION_PHONE_RATE = env_rate("BUURTWACHT_APPLICATION_PHONE_RATE", "3/d")
BUURTWACHT_FORM_ERROR_RATE = env_rate("BUURTWACHT_FORM_ERROR_RATE", "100/h")
BUURTWACHT_PASSWORD_RESET_RATE = env_rate("BUURTWACHT_PASSWORD_RESET_RATE", "10/h")
BUURTWACHT_MINIMUM_AGE = 18
# Areas within this distance of each other are neighbours (alerts are passed on between them).
BUURTWACHT_NEIGHBOUR_DISTANCE_M = env_int("BUURTWACHT_NEIGHBOUR_DISTANCE_M", 500, minimum=0)
BUURTWACHT_DEFAULT_GROUP_CAPACITY = 256
BUURTWACHT_MAX_GROUP_CAPACITY = 1024

# Map: the Leaflet library is served by the project itself (django-leaflet's static files);
# only the background tiles come from a tile server, which a deployment may replace or
# switch off (empty value: areas drawn on a plain background).
BUURTWACHT_TILE_URL = env_url("BUURTWACHT_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", empty=True)
if BUURTWACHT_TILE_URL and not all(part in BUURTWACHT_TILE_URL for part in ("{z}", "{x}", "{y}")):
    raise ImproperlyConfigured(
        f"BUURTWACHT_TILE_URL must be empty or a tile URL with {{z}}, {{x}} and {{y}}, got {BUURTWACHT_TILE_URL!r}"
    )
BUURTWACHT_TILE_ATTRIBUTION = env_str(
    "BUURTWACHT_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)

# Content-Security-Policy on every response (django-csp, ADR 0021): scripts and styles from the
# site's own files only, no inline code or event handlers; images also from the tile server above.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": csp_directives(BUURTWACHT_TILE_URL)}

# Alerts and delivery: WhatsApp Cloud API (template messages) and SMS through CM.com. Empty
# credentials switch a channel off; recipients then fall back to the next channel they have.
WHATSAPP_API_URL = env_url("WHATSAPP_API_URL", "https://graph.facebook.com/v23.0").rstrip("/")
WHATSAPP_PHONE_NUMBER_ID = env_pattern(
    "WHATSAPP_PHONE_NUMBER_ID", "", r"\d*", "empty or the numeric phone-number ID of the WhatsApp Business account"
)
WHATSAPP_TOKEN = env_str("WHATSAPP_TOKEN", "")
WHATSAPP_ALERT_TEMPLATE = env_pattern(
    "WHATSAPP_ALERT_TEMPLATE", "buurtwacht_alert", r"[a-z0-9_]+", "a template name: lower-case letters, digits, _"
)
# Cloud API throughput per business phone number (80 messages/s by default), shared by all workers.
WHATSAPP_MESSAGES_PER_SECOND = env_int("WHATSAPP_MESSAGES_PER_SECOND", 80, minimum=1)
SMS_CM_URL = env_url("SMS_CM_URL", "https://gw.messaging.cm.com/v1.0/message")
SMS_CM_PRODUCT_TOKEN = env_str("SMS_CM_PRODUCT_TOKEN", "")
# CM.com shows at most 11 characters of an alphanumeric sender.
SMS_SENDER = env_pattern("SMS_SENDER", "Buurtwacht", r"[A-Za-z0-9 ]{1,11}", "1 to 11 letters, digits or spaces")
SMS_MESSAGES_PER_SECOND = env_int("SMS_MESSAGES_PER_SECOND", 50, minimum=1)
BUURTWACHT_DELIVERY_HTTP_TIMEOUT = env_int("BUURTWACHT_DELIVERY_HTTP_TIMEOUT", 10, minimum=1)
# Quiet hours (local time) for informational ("green") messages of people who set none, always
# "HH:MM-HH:MM" here (an en dash in the environment is read as the hyphen).
BUURTWACHT_QUIET_HOURS = env_quiet_hours("BUURTWACHT_QUIET_HOURS", "22:00-07:00")
# Incident attachments: kept outside the web root (served only through the desk), type read from
# the content; limits per kind in bytes.
BUURTWACHT_ATTACHMENT_DIR = Path(env_path("BUURTWACHT_ATTACHMENT_DIR", str(VAR_DIR / "attachments")))
# The acknowledgement link of a relayed incident shows it (and its attachments) while the
# incident is open and for at most this many days after the relay.
BUURTWACHT_RELAY_LINK_DAYS = env_int("BUURTWACHT_RELAY_LINK_DAYS", 14, minimum=1)
# Relays (apps/relays/services.py, ADR 0027): relays per sender, and the largest
# radius each role may relay within, in metres.
BUURTWACHT_RELAY_RATE = env_rate("BUURTWACHT_RELAY_RATE", "10/h")
BUURTWACHT_RELAY_RADIUS_ADMIN_M = env_int("BUURTWACHT_RELAY_RADIUS_ADMIN_M", 2_000, minimum=100, maximum=25_000)
BUURTWACHT_RELAY_RADIUS_COORDINATOR_M = env_int(
    "BUURTWACHT_RELAY_RADIUS_COORDINATOR_M", 10_000, minimum=100, maximum=25_000
)
BUURTWACHT_RELAY_RADIUS_POLICE_M = env_int("BUURTWACHT_RELAY_RADIUS_POLICE_M", 25_000, minimum=100, maximum=25_000)
# An invitation to become a group's admin (someone who is not an account of the group's
# municipality) can be accepted for this many days; then its link stops working.
BUURTWACHT_ADMIN_INVITATION_DAYS = env_int("BUURTWACHT_ADMIN_INVITATION_DAYS", 14, minimum=1)
BUURTWACHT_MAX_IMAGE = env_int("BUURTWACHT_MAX_IMAGE", 15 * 1024 * 1024, minimum=1024)
BUURTWACHT_MAX_AUDIO = env_int("BUURTWACHT_MAX_AUDIO", 25 * 1024 * 1024, minimum=1024)
BUURTWACHT_MAX_VIDEO = env_int("BUURTWACHT_MAX_VIDEO", 100 * 1024 * 1024, minimum=1024)
# Photos with more pixels than this are refused before they are decoded (a few KB of PNG can say
# 13,000 x 13,000 pixels and take gigabytes to decode); 50 million is a 50-megapixel camera.
BUURTWACHT_MAX_IMAGE_PIXELS = env_int("BUURTWACHT_MAX_IMAGE_PIXELS", 50_000_000, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_log_level("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}
# django-axes says "INFO" at every login and logout; its warnings (a wrong password, a pause) stay.
LOGGING["loggers"]["axes"] = {"level": "WARNING"}

# Geography: area and address imports, the spatial index, open data.
# Area files (GeoJSON, zipped Shapefile, GeoPackage) larger than this are refused before parsing.
BUURTWACHT_MAX_AREA_FILE = env_int("BUURTWACHT_MAX_AREA_FILE", 200 * 1024 * 1024, minimum=1024)
# An uploaded area file is read in a child process of its own with these limits: the memory it may
# take (bytes, on top of the interpreter), its processor seconds and the wall-clock seconds it is
# waited for. A file that needs more is refused; the worker never runs out of memory on it.
BUURTWACHT_PARSE_MEMORY = env_int("BUURTWACHT_PARSE_MEMORY", 1024 * 1024 * 1024, minimum=64 * 1024 * 1024)
BUURTWACHT_PARSE_CPU_SECONDS = env_int("BUURTWACHT_PARSE_CPU_SECONDS", 300, minimum=1)
BUURTWACHT_PARSE_WALL_SECONDS = env_int("BUURTWACHT_PARSE_WALL_SECONDS", 600, minimum=1)
# SQLite only: the page cache of the connection that writes an address import, in MB (0 keeps
# SQLite's default of 2 MB). Ten million addresses took 164 s at 512 MB (peak 818 MB) and 185 s at
# 64 MB (peak 225 MB), past the goal of 3 minutes (docs/benchmarks.md, "Memory"): a machine with
# little memory lowers it and waits longer.
BUURTWACHT_IMPORT_SQLITE_CACHE_MB = env_int("BUURTWACHT_IMPORT_SQLITE_CACHE_MB", 512, minimum=0)
# A worker runs its heavy jobs (the national coverage count; the recompute of every area's
# neighbours after the neighbour distance changed) in a child process of its own, which gives the
# memory they take back when they end (ADR 0035); off, they run in the worker's own thread.
BUURTWACHT_HEAVY_JOBS_IN_CHILD = env_bool("BUURTWACHT_HEAVY_JOBS_IN_CHILD", True)
BUURTWACHT_IMPORT_POSTGRES_WRITERS = env_int("BUURTWACHT_IMPORT_POSTGRES_WRITERS", 2, minimum=1)
# How often (ms) a process checks whether another process changed the areas (one primary-key query).
BUURTWACHT_AREA_INDEX_CHECK_MS = env_int("BUURTWACHT_AREA_INDEX_CHECK_MS", 1000, minimum=0)
# An invalid outline is repaired (shapely.make_valid) only when that changes its surface by less than this share.
BUURTWACHT_AREA_REPAIR_MAX_CHANGE = 0.01
# Geocoders a municipality may choose (apps.geocoding); the register answers when they fail or are slow.
BUURTWACHT_GEOCODER_TIMEOUT = env_float("BUURTWACHT_GEOCODER_TIMEOUT", 2.0, minimum=0.1)
BUURTWACHT_PDOK_URL = env_url("BUURTWACHT_PDOK_URL", "https://api.pdok.nl/bzk/locatieserver/search/v3_1")
BUURTWACHT_VLAANDEREN_URL = env_url("BUURTWACHT_VLAANDEREN_URL", "https://api.basisregisters.vlaanderen.be")
