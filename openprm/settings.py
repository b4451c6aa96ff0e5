"""OpenPRM settings: one file, driven by environment variables, safe production defaults.

`OPENPRM_DEMO=1` (set by `make demo`) turns on the conveniences of a local demo: DEBUG, a fixed
secret key, e-mail written to files, background work run inline. Without it, DEBUG is off and a
SECRET_KEY must be provided.
"""

import os
import sys
from pathlib import Path

import dj_database_url

from openprm.lib.env import env_bool, env_int, env_list, env_site_url, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("OPENPRM_VAR_DIR", str(BASE_DIR / "var")))

DEMO = env_bool("OPENPRM_DEMO", False)
# Under pytest the suite needs no secret key and gets the inline Celery and locmem e-mail of the demo.
TESTING = env_bool("OPENPRM_TESTING", "pytest" in sys.modules)
DEBUG = env_bool("DEBUG", DEMO)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEMO or DEBUG or TESTING):
        raise RuntimeError("SECRET_KEY must be set (or run the demo with OPENPRM_DEMO=1)")
    SECRET_KEY = "openprm-demo-insecure-key-do-not-use-in-production-0123456789"

_LOCAL_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", _LOCAL_HOSTS if (DEBUG or DEMO or TESTING) else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Key material for sensitive fields encrypted at rest (partners' bank and tax ids); derived from SECRET_KEY
# unless set, so rotating SECRET_KEY without setting this first makes the stored values unreadable.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY", "") or SECRET_KEY

# Every absolute link in an e-mail starts with this (never with the request's host): see lib.env.env_site_url.
SITE_URL = env_site_url()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "openprm.accounts",
    "openprm.audit",
    "openprm.partners",
    "openprm.programs",
    "openprm.agreements",
    "openprm.deals",
    "openprm.commissions",
    "openprm.idempotency",
    "openprm.api",
    "openprm.console",
    "openprm.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "openprm.lib.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "openprm.accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "openprm.urls"
WSGI_APPLICATION = "openprm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "openprm" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openprm.accounts.context_processors.openprm",
            ],
            # One way to write money, counts and articles on every template (lib/formatting.py).
            "builtins": ["openprm.lib.templatetags"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'openprm.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Waiting on a lock beats failing with "database is locked" when two requests write at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # A file, not shared-cache memory, so concurrent tests get SQLite's real locking and busy timeout;
    # one per process so parallel test runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-openprm-{os.getpid()}.sqlite3")}
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# ---- Sign-in lock-out and rate limits (openprm.accounts.backends and openprm.accounts.ratelimit) ----
# Every password check goes through one authentication backend, so /login/ and /admin/login/ share the lock.
AUTHENTICATION_BACKENDS = ["openprm.accounts.backends.ThrottledModelBackend"]
# This many failures for one e-mail within the window lock it for the lock-out time, on every entry point.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
# More failed sign-ins (and unknown API tokens) than this from one IP address within the login window, and
# that client is refused: stops one client guessing across many e-mails. High, since offices share an address.
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 50)
# Public forms (/apply/, /join/) and password-reset requests: at most this many per e-mail address and per
# client IP address within the window; more get a form error with status 429.
RATE_LIMIT_WINDOW_SECONDS = env_int("RATE_LIMIT_WINDOW_SECONDS", 60 * 60)
RATE_LIMIT_PER_ADDRESS = env_int("RATE_LIMIT_PER_ADDRESS", 5)
RATE_LIMIT_PER_IP = env_int("RATE_LIMIT_PER_IP", 20)
# Behind our own reverse proxy every request comes from the proxy: read the client from X-Forwarded-For.
RATE_LIMIT_TRUST_X_FORWARDED_FOR = env_bool("BEHIND_PROXY", False)
# A join request's e-mailed confirmation link works this long, once.
JOIN_CONFIRMATION_SECONDS = env_int("JOIN_CONFIRMATION_SECONDS", 60 * 60 * 24)
# ---- end of sign-in lock-out and rate limits ----
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Shared assets (the stylesheet and scripts both UIs use) live beside the shared templates.
STATICFILES_DIRS = [BASE_DIR / "openprm" / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Django serves MEDIA_ROOT itself only in the demo, DEBUG and tests (openprm.lib.security.serve_media).
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG or DEMO or TESTING)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# E-mail: console in DEBUG without a choice, files in the demo (var/mail/), SMTP in production.
_default_email = "file" if DEMO else ("console" if DEBUG else "smtp")
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}[env_str("EMAIL_BACKEND", _default_email)]
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OpenPRM <noreply@openprm.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis broker in production; without REDIS_URL (demo, tests) tasks run inline.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = "UTC"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Security: production defaults are strict; plain HTTP is allowed only for the demo and DEBUG.
_secure = not (DEBUG or DEMO or TESTING)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _secure)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _secure)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _secure)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _secure
SECURE_HSTS_PRELOAD = _secure
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# ---- Content-Security-Policy (openprm.lib.security.ContentSecurityPolicyMiddleware), issue 8 item 4 ----
# Every response. Script only from our own static files: no inline <script>, no on…= handlers, no eval (htmx is
# configured by <meta name="htmx-config"> with allowEval off; tests/test_content_security.py scans templates).
# style-src allows 'unsafe-inline' because templates use style attributes for partners' brand colours and
# progress-bar widths (values from the database, validated as #RRGGBB or numbers); styles cannot run script.
# img-src allows data: for Swagger UI's inline icons on /api/v1/docs.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# Uploaded files (serve_media): nothing runs, even if a browser renders one.
MEDIA_CONTENT_SECURITY_POLICY = {"default-src": "'none'", "img-src": "'self'", "style-src": "'unsafe-inline'",
                                 "sandbox": ""}
# ---- end of Content-Security-Policy ----

# Tier reviews: how partners are scored, and the facts minimum requirements are checked against.
TIER_SCORE_METHODS = {"sourced_won_revenue": "openprm.deals.scores.sourced_won_revenue"}
TIER_REQUIREMENT_FACTS = {"certified_people": "openprm.programs.facts.certified_people",
                          "active_agreement": "openprm.agreements.services.facts.active_agreement"}
# Signing or activating an agreement puts its partner on the commission plan it names; commissions sits above
# agreements, so agreements calls it by this dotted path (an empty string turns it off).
AGREEMENT_PLAN_ASSIGNER = "openprm.commissions.services.assign_plan_from_agreement"


# The program's name, colour and logo in the header of every e-mail (accounts asks programs through this).
EMAIL_BRANDING = "openprm.programs.branding.email_branding"

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

MESSAGE_TAGS = {40: "error"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

if TESTING:
    # Hashing with production strength makes every test user cost ~0.3 s; tests don't need the strength.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
