"""Settings shared by every environment.

Values come from the environment, then from ``env/.env.dev`` at the repository root
when that file exists. Empty ``DATABASE_URL`` / ``REDIS_URL`` mean "use the embedded
default" (SQLite, in-memory channel layer).
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
import jinja2
import redis.exceptions
from csp.constants import NONE, SELF

from live.conf import env_value as live_env

PROJECT_DIR = Path(__file__).resolve().parents[2]  # core/
REPO_DIR = PROJECT_DIR.parent

env = environ.Env()
_env_file = REPO_DIR / "env" / ".env.dev"
if _env_file.exists():
    environ.Env.read_env(_env_file, overwrite=False)


def local_secret_key(path):
    """The key kept in ``path``; made (readable by its owner only) when missing."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    from django.core.management.utils import get_random_secret_key

    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(get_random_secret_key())
    return path.read_text().strip()


# Empty here: core.settings.local makes one for local runs, prod demands a real one.
SECRET_KEY = env("SECRET_KEY", default="")
# Off everywhere but core.settings.dev (make run): the debug page shows settings,
# code and request data to whoever triggers an error.
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's own widget templates, for the form renderer below.
    "django.forms",
    "channels",
    "django_htmx",
    "axes",
    "accounts",
    "products",
    "live",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RejectNulQueryMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A visitor's matching revalidation of the catalog is answered here (304),
    # before the session, CSRF, authentication and messages are set up.
    "products.catalog.revalidation.PublicRevalidationMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "products.history.actor.ActorMiddleware",
    # Last, as axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
    # Innermost and sync only: under daphne the chain runs in one thread
    # instead of crossing to a thread and back for each middleware's hooks.
    "core.middleware.RunMiddlewareInOneThread",
]

ROOT_URLCONF = "core.urls"
# Widgets render through TEMPLATES, so our own widget templates (templates/) are
# found beside Django's.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
ASGI_APPLICATION = "core.asgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.staff",
            ],
        },
    },
    {
        # The staff table's row only (jinja2/products/table/): rendered up to 200
        # times a page, where compiled Jinja2 costs a fraction of the template
        # language's nodes. A missing value renders empty, as in the template
        # language, and so does a missing value's attribute (not DebugUndefined's
        # "{{ name }}" when DEBUG is on).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [PROJECT_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"undefined": jinja2.ChainableUndefined},
    },
]


def database_config(url):
    """SQLite file under core/ unless a (non-empty) DATABASE_URL is given."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": PROJECT_DIR / "db.sqlite3",
            # Take the write lock at BEGIN: a product's committed state is read and
            # then written in one transaction, so concurrent edits queue and chain
            # (PostgreSQL gets the same from SELECT ... FOR UPDATE).
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    config = environ.Env.db_url_config(url)
    # Request threads live long (core/request_threads.py), so each keeps its
    # connection rather than starting a server process per request (most of a
    # catalog 304's time otherwise). No health check before each reuse: it is a
    # round trip per request and per socket's database step (a sixth of a
    # reconnect storm's samples); a connection that failed is dropped at the end
    # of its request, as Django does by default.
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    return config


DATABASE_URL = env("DATABASE_URL", default="")
DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def channel_layer_config(url, prefix="asgi"):
    """In-memory layer (one process) unless a (non-empty) REDIS_URL is given."""
    if not url:
        return {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # redis-py 8 closes idle blocking pops after its own default timeout,
            # which is shorter than channels-redis's 5 s BZPOPMIN: keep it open.
            # After Redis restarts, each pooled connection fails its next command
            # once ("Connection closed by server"): retry that once on a new
            # connection, or the first push of every process after a restart is
            # lost (the database catch-up would bring it seconds late).
            "hosts": [
                {
                    "address": url,
                    "socket_timeout": None,
                    "retry_on_error": [redis.exceptions.ConnectionError],
                }
            ],
            "capacity": 1000,
            # Keys in Redis start with this: sites (or test runs) sharing one
            # Redis keep their feeds apart with different prefixes.
            "prefix": prefix,
        },
    }


REDIS_URL = env("REDIS_URL", default="")
CHANNEL_PREFIX = env("CHANNEL_PREFIX", default="asgi")
CHANNEL_LAYERS = {"default": channel_layer_config(REDIS_URL, CHANNEL_PREFIX)}

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out username and address before any password
# is checked, so the right password does not get through either.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "product-list"
LOGOUT_REDIRECT_URL = "product-list"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT: Path | None = PROJECT_DIR / "staticfiles"  # None: not collected
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(PROJECT_DIR / "media")))
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
# Image files kept for undo (products.images.kept_files), never served; empty: the
# media folder's name with "-kept", beside it.
KEPT_FILES_ROOT = env("KEPT_FILES_ROOT", default="")
# WhiteNoise serves static files under daphne, from the app folders when DEBUG
# is on or WHITENOISE_USE_FINDERS is set, else from STATIC_ROOT (collectstatic).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads: daphne has no body limit and DATA_UPLOAD_MAX_MEMORY_SIZE ignores file
# parts, so the form checks the size itself; these bound the non-file parts.
PRODUCT_IMAGE_MAX_BYTES = 5 * 1024 * 1024
PRODUCT_IMAGE_MAX_PIXELS = 25_000_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Files the site writes for itself (never served, unlike MEDIA_ROOT).
DATA_DIR = env.path("DATA_DIR", default=PROJECT_DIR / "data")

# CSV import (products.transfer): a larger file, or one with more rows, is refused
# before anything is read from it. A previewed file waits for its confirmation in
# IMPORT_PENDING_DIR (its SHA-256 in the session), at most IMPORT_PENDING_FILES of
# them per user and for IMPORT_PENDING_SECONDS; several hosts need a shared folder
# there. This project's own folder: the system's temporary folder is shared with
# every other program and user of the machine.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=10_000)
# ``manage.py import_products --max-rows N`` may read more, up to this many.
IMPORT_COMMAND_MAX_ROWS = env.int("IMPORT_COMMAND_MAX_ROWS", default=200_000)
IMPORT_PENDING_DIR = env.path(
    "IMPORT_PENDING_DIR", default=Path(DATA_DIR) / "pending-imports"
)
IMPORT_PENDING_FILES = 50
IMPORT_PENDING_SECONDS = 3600

# A bulk action (products.transfer.bulk) changes at most this many products at once: a
# larger selection, or a confirmation carrying more, is refused (400). Django
# already refuses a form of more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields.
BULK_MAX_PRODUCTS = env.int("BULK_MAX_PRODUCTS", default=1_000)

LOW_STOCK_THRESHOLD = env.int("LOW_STOCK_THRESHOLD", default=5)
# A product with an expiry date this many days away or fewer gets an alert on the
# feed ("expiring soon"), and one once the date has passed ("expired").
EXPIRY_ALERT_DAYS = env.int("EXPIRY_ALERT_DAYS", default=14)
# The feed page pins at most this many alerts, most urgent first; the counters
# count every open one.
STOCK_ALERTS_SHOWN = 50
CATALOG_PAGE_SIZE = 12
# Long lists count their matches up to this many and then say "10,000+": a
# count past it would read every match of a broad search on a large catalog,
# and nobody pages that far (refining the search is the way on).
LIST_COUNT_LIMIT = env.int("LIST_COUNT_LIMIT", default=10_000)
# The public catalog socket (ws/catalog/): how many products one socket may
# follow (a page follows the products it shows), and how many such sockets one
# client address may hold open at once, counted across processes (in Redis when
# REDIS_URL is set; more are closed, 4429). The address is daphne's peer: behind
# a proxy, run daphne with --proxy-headers.
CATALOG_LIVE_MAX_PRODUCTS = 100
CATALOG_SOCKETS_PER_ADDRESS = env.int("CATALOG_SOCKETS_PER_ADDRESS", default=20)
FEED_SNAPSHOT_SIZE = 50
FEED_PAGE_SIZE = 50
# The live layer's own settings are LIVE_* (defaults and meanings in
# core/live/conf.py and docs/live.md); the FEED_* and PRESENCE_* names it read
# before still work, with a DeprecationWarning.
# How often each process looks in the database for events no push brought it,
# and how old (seconds) an event of the feed must be before it counts as missed.
# A process that is merely behind receives its pushes late; give it this long
# before rendering an event a second time from the database.
LIVE_CATCHUP_SECONDS = live_env(env.float, "LIVE_CATCHUP_SECONDS", 2.0)
FEED_CATCHUP_SETTLE_SECONDS = env.float("FEED_CATCHUP_SETTLE_SECONDS", default=5.0)
# A live socket is closed as too slow (its page reconnects and resyncs) when the
# server holds this many bytes it could not hand to the peer, or when this many
# frames wait for it: a stalled browser costs the server at most about that much.
LIVE_MAX_UNSENT_BYTES = live_env(env.int, "LIVE_MAX_UNSENT_BYTES", 1024 * 1024)
LIVE_OUTBOX_FRAMES = live_env(env.int, "LIVE_OUTBOX_FRAMES", 256)
# Sockets' senders are woken at most once per round of sending, reckoned at this
# much per socket (daphne spends about 35 us per frame here): events arriving
# faster than rounds leave each socket together, as one frame.
LIVE_WAKE_SECONDS_PER_SOCKET = live_env(
    env.float, "LIVE_WAKE_SECONDS_PER_SOCKET", 0.00005
)
# The announcer keeps its database connection while it has work, and gives it
# back after this long without any.
LIVE_ANNOUNCER_IDLE_SECONDS = 10.0
# The stock counters are read (from the counts the writes keep) and pushed at
# most this often, and once after the last change.
FEED_COUNTERS_SECONDS = 1.0
# The counters are kept by every write (products.alerts.stock_counts); each daphne
# process compares them with a full recount soon after it starts and, taking
# turns with the others, every this many seconds, logging and fixing any drift
# (products.alerts.stock_count_checks). 0: never in-process (then run
# `manage.py check_stock_counts` from a timer).
STOCK_COUNTS_CHECK_SECONDS = env.float("STOCK_COUNTS_CHECK_SECONDS", default=600.0)
# How often each process re-checks its open live sockets' sessions and users in
# the database (one batch for all of them). A change announced through the
# channel layer is checked at once; this bounds what no announcement reaches (a
# shell beside an in-memory layer, an expired session, a lost message).
LIVE_REVALIDATE_SECONDS = live_env(env.float, "LIVE_REVALIDATE_SECONDS", 5.0)
# How often each process re-joins its transport groups. Cheap, and what puts it
# back in them after Redis restarts empty.
LIVE_REJOIN_SECONDS = live_env(env.float, "LIVE_REJOIN_SECONDS", 2.0)
# Presence (who else is on a page): each process renews its sockets' entries this
# often, each entry expiring this long after its last renewal, so someone whose
# process died is gone within about LIVE_PRESENCE_TTL_SECONDS +
# LIVE_PRESENCE_BEAT_SECONDS.
LIVE_PRESENCE_BEAT_SECONDS = live_env(env.float, "LIVE_PRESENCE_BEAT_SECONDS", 1.5)
LIVE_PRESENCE_TTL_SECONDS = live_env(env.float, "LIVE_PRESENCE_TTL_SECONDS", 5.0)
# Bounds on what one request may ask of the live layer, and on sockets without a
# logged-in user in one process (more are closed with 4429); see docs/security.md.
LIVE_MAX_TOPICS_PER_SOCKET = env.int("LIVE_MAX_TOPICS_PER_SOCKET", default=256)
LIVE_ANONYMOUS_SOCKETS_PER_PROCESS = env.int(
    "LIVE_ANONYMOUS_SOCKETS_PER_PROCESS", default=10_000
)
# Per-address socket counts in Redis: each process renews its sockets' entries
# this often; a dead process's entries expire after the TTL.
LIVE_ADDRESS_BEAT_SECONDS = env.float("LIVE_ADDRESS_BEAT_SECONDS", default=10.0)
LIVE_ADDRESS_TTL_SECONDS = env.float("LIVE_ADDRESS_TTL_SECONDS", default=30.0)

# Login throttling (django-axes), on our login page and the admin's: this many
# failed logins for one username from one address lock that pair out (429 and
# accounts/locked_out.html), even with the right password, for the cool-off
# (minutes, counted from the last failure; 0 = until staff unlock it with
# ``manage.py axes_reset_username NAME`` or the admin's "Access attempts").
# Failures older than the cool-off no longer count; a successful login resets
# the count. Another username or address is never locked out by these failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.float("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = (
    timedelta(minutes=AXES_COOLOFF_MINUTES) if AXES_COOLOFF_MINUTES > 0 else None
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Named here: axes' own default is a lazy object, which the debug page's
# settings filter (core.error_reports) cannot mask as a string.
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
# Attempts while locked out are refused but not counted: the lockout ends one
# cool-off after it began, however often the form is sent meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The address is the socket's peer (see accounts.throttling.client_address for
# running behind a proxy), never a header the client could choose.
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"
# Set once daphne runs behind a reverse proxy with --proxy-headers (deploy/):
# ``check --deploy`` warns when a proxy is declared (SECURE_PROXY_SSL_HEADER)
# without it (accounts.checks).
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
# The username counted is cut to the 255 characters axes' column holds (a longer
# one failed the insert on PostgreSQL: 500).
AXES_USERNAME_CALLABLE = "accounts.throttling.attempted_username"
# One address may hold this many failed-login rows (one per username tried)
# within the cool-off; then it is refused as a locked-out pair is, and adds no
# more (accounts.attempt_rows).
LOGIN_ATTEMPT_ROWS_PER_ADDRESS = env.int("LOGIN_ATTEMPT_ROWS_PER_ADDRESS", default=100)
AXES_HANDLER = "accounts.attempt_rows.BoundedAttemptsHandler"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

SESSION_COOKIE_HTTPONLY = True
# The database engine, refusing malformed keys (NUL bytes) as no session.
SESSION_ENGINE = "core.sessions"
X_FRAME_OPTIONS = "DENY"
# The debug page masks secrets by setting name only; this also masks
# "user:password@" inside any URL (DATABASE_URL, REDIS_URL, layer hosts).
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.error_reports.CredentialMaskingFilter"

# How many HTTP requests run their synchronous code (middleware, views,
# database) at once in one daphne process, each on a long-lived thread of its
# own (core.request_threads); more wait for a free one.
REQUEST_THREADS = env.int("REQUEST_THREADS", default=8)

# Who may read /metrics (core.metrics): the client addresses (as daphne reports
# them, see BEHIND_PROXY) of the scrapers, as networks. Loopback only unless set:
# never public.
METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"]
)

# Largest request body accepted (bytes); larger ones get 413 before they are
# read. Room for a 5 MB image upload plus the rest of the form.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=6 * 1024 * 1024)

# On SIGTERM daphne stops listening and lets requests in flight finish for up
# to this long (seconds), then closes the rest; a process still alive that
# much later (a stuck thread) ends anyway: exit within 10 s all told.
SHUTDOWN_GRACE_SECONDS = env.float("SHUTDOWN_GRACE_SECONDS", default=7.0)
SHUTDOWN_FORCE_EXIT_SECONDS = 2.0

# Content-Security-Policy (django-csp): our own scripts, styles and sockets only,
# nothing inline. htmx is served from our static files and told not to inject
# its indicator <style> (layout.html's htmx-config; the CSS is in app.css).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # blob: for the preview of an image chosen in a form, before upload
        # (a URL the page itself makes for a local file).
        "img-src": [SELF, "blob:"],
        # 'self' covers ws:// and wss:// to this origin (CSP level 3).
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "products": {"level": "INFO"},
        "dashboard": {"level": "INFO"},
    },
}
