"""Settings for every environment, read from the process environment (see .env.example).

Unset variables give the embedded development setup: SQLite, tasks run eagerly in-process,
e-mail to the console and fixed development keys. ``DJANGO_ENV=production`` refuses to start
until the secrets and hosts are set.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

# Development defaults are public on purpose: data made with them is not protected.
_DEV_SECRET = "dev-only-secret-key-not-for-production-use-0123456789abcdefghij"  # noqa: S105
_DEV_CPR_KEY = "bq8Dw4vUoqUO2Y1n1Wq8mkVYyxfOtxZq0Trs8oXy7b4="
_DEV_INDEX_KEY = "dev-only-cpr-index-key"
_DEV_EXPORT_SECRET = "dev-only-export-secret"  # noqa: S105
_DEV_TELEPHONY_SECRET = "dev-only-telephony-secret"  # noqa: S105
_DEV_AUDIT_KEY = "dev-only-audit-hmac-key"


def _required(name, dev_default, cast=str):
    """A value production must get from the environment; development falls back to a default."""
    if PRODUCTION:
        return env.get_value(name, cast=cast)
    return env.get_value(name, cast=cast, default=dev_default)


SECRET_KEY = _required("SECRET_KEY", _DEV_SECRET)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = _required("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"], cast=list)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Addresses (or networks) of the TLS-terminating proxy in front of gunicorn. Only a request
# from one of them may say it came over https (X-Forwarded-Proto); from anyone else the
# forwarding headers are dropped (akuttilbud.middleware.TrustedProxyMiddleware).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# CPR numbers are encrypted with the first key; older keys stay listed until rotate_cpr_keys ran.
CPR_ENCRYPTION_KEYS = _required("CPR_ENCRYPTION_KEYS", [_DEV_CPR_KEY], cast=list)
CPR_INDEX_KEY = _required("CPR_INDEX_KEY", _DEV_INDEX_KEY)
EXPORT_PSEUDONYM_SECRET = _required("EXPORT_PSEUDONYM_SECRET", _DEV_EXPORT_SECRET)
# Secrets that sign the switchboard's call events (docs/telephony.md), newest first; an older one
# stays listed while the switchboard moves to the new. Production has none until one is set.
TELEPHONY_WEBHOOK_SECRETS = env.list(
    "TELEPHONY_WEBHOOK_SECRETS", default=[] if PRODUCTION else [_DEV_TELEPHONY_SECRET]
)
# Events accepted per minute from one address before the event API answers 429.
TELEPHONY_EVENTS_PER_MINUTE = env.int("TELEPHONY_EVENTS_PER_MINUTE", default=60_000)
# Key of the audit log's hash chain: kept out of the database, so its logins cannot rewrite the
# log and recompute the chain.
AUDIT_HMAC_KEY = _required("AUDIT_HMAC_KEY", _DEV_AUDIT_KEY)
# The Twilio account's auth token, which signs its status callbacks; without it they are refused.
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "akuttilbud",
    "contacts",
    "crisisplans",
    "partners",
    "reporting",
    "telephony",
    "oidc",
]
if not PRODUCTION:
    # Benchmark tooling (``manage.py generate_load_data``): never where the service runs.
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "akuttilbud.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The phone line's signed webhooks are served from here on, past the browser's middleware.
    "akuttilbud.machine.MachineRequestMiddleware",
    "akuttilbud.middleware.TolerantSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "akuttilbud.middleware.IdleTimeoutMiddleware",
    "oidc.middleware.SessionCheckMiddleware",
    "akuttilbud.middleware.OTPRequiredMiddleware",
    "akuttilbud.middleware.DraftSavedMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "akuttilbud.urls"
WSGI_APPLICATION = "akuttilbud.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "akuttilbud.context_processors.service",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The board polls while staff type; wait for a lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # The dashboard's and exports' aggregates are costed above jit_above_cost at scale, and
    # compiling them takes longer than running them (docs/performance.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("TEST_DATABASE_NAME", default=None)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "akuttilbud.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "oidc.backends.LocalPasswordBackend",
    "oidc.backends.ProviderBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in through the municipality's identity provider (OpenID Connect; README, "Sign-in
# through the municipality"). Unset issuer or client id: the login page offers passwords only.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True
# The claim holding the person's groups or app roles, and which of its values gives which role
# (the first one the person holds counts, so list the most privileged first).
OIDC_ROLE_CLAIM = env.str("OIDC_ROLE_CLAIM", default="groups")
OIDC_ROLE_MAP = env.dict("OIDC_ROLE_MAP", default={})
# acr values that mean a multi-factor sign-in (besides amr holding "mfa").
OIDC_MFA_ACR_VALUES = env.list("OIDC_MFA_ACR_VALUES", default=[])
# How often a page load asks the provider (silently) whether the person may still sign in;
# shorter than the idle timeout, so a person removed from the group is out within it.
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env.int("OIDC_SESSION_CHECK_SECONDS", default=15 * 60)
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_SECONDS", default=10)
# Who may still log in with a password kept here: all, superusers (break-glass) or none.
# Unset or empty: superusers in production once a provider signs in everyone else, else all.
LOCAL_LOGIN_USERS = env.str("LOCAL_LOGIN_USERS", default="") or (
    "superusers" if PRODUCTION and OIDC_ISSUER and OIDC_RP_CLIENT_ID else "all"
)
if LOCAL_LOGIN_USERS not in {"all", "superusers", "none"}:
    raise ImproperlyConfigured("LOCAL_LOGIN_USERS must be all, superusers or none")

# Lockout: 5 failures lock that user name from that address for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# axes' access log would keep every login (name, address, browser) with no end; the audit log
# records logins already, under its retention.
AXES_DISABLE_ACCESS_LOG = True
# A CPR number typed as the login name is stored and logged masked (akuttilbud/login_names.py).
AXES_USERNAME_CALLABLE = "akuttilbud.login_names.for_axes"

# Users of these roles must give a second factor at each login; anyone else may turn it on. In
# production leaders and evaluators always must (they reach the audit log, CPR numbers in bulk
# and the exports), and the setting can only add to them ("staff" asks everyone): an empty value
# left over in an old .env must not turn it off. A development machine asks only those listed, so
# `make run` works without a phone.
_OTP_ALWAYS_IN_PRODUCTION = ["leader", "evaluator"] if PRODUCTION else []
OTP_REQUIRED_FOR_ROLES = _OTP_ALWAYS_IN_PRODUCTION + [
    role for role in env.list("OTP_REQUIRED_FOR_ROLES", default=[]) if role not in _OTP_ALWAYS_IN_PRODUCTION
]
# How long a two-factor enrolment code (issued by a leader or an administrator) can be used.
OTP_ENROLMENT_CODE_HOURS = env.int("OTP_ENROLMENT_CODE_HOURS", default=72)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Akuttilbud")

# Shared PCs: a session ends after this much inactivity; the board's polling does not count.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True
# Off: with it on, every {{ id }} in a path, query string or element id renders as "1.234".
# Figures meant for reading group their thousands explicitly (floatformat:"g", intcomma).
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Uploaded agreement documents live outside the web root and are served by a leader-only view.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
AGREEMENT_DOCUMENT_MAX_BYTES = env.int("AGREEMENT_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="akuttilbud@localhost")
# Text messages to missed callers (telephony/sms): a backend class, as for e-mail. The console and
# file backends are for development; telephony.sms.gatewayapi.SmsBackend sends through GatewayAPI.
SMS_BACKEND = env.str("SMS_BACKEND", default="telephony.sms.console.SmsBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "tmp" / "sms.jsonl"))
SMS_SENDER = env.str("SMS_SENDER", default="Akuttilbud")
GATEWAYAPI_URL = env.str("GATEWAYAPI_URL", default="https://gatewayapi.com/rest/mtsms")
GATEWAYAPI_TOKEN = env.str("GATEWAYAPI_TOKEN", default="")

# Django's default waits for ever on an SMTP server that accepts and never answers; the outbox's
# lease (below) must outlast one send.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Mail goes to the outbox in the transaction that decides to send it (akuttilbud.outbox). A failed
# delivery is tried again after 1, 2, 4 … minutes (at most an hour apart); after OUTBOX_GIVE_UP_HOURS
# it is marked failed and shown to the leader. A claimed message is left alone for the lease.
OUTBOX_GIVE_UP = timedelta(hours=env.int("OUTBOX_GIVE_UP_HOURS", default=24))
OUTBOX_LEASE = timedelta(minutes=5)
OUTBOX_KEEP = timedelta(days=30)

# Without a broker the embedded setup runs tasks in-process; cron runs the management commands.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Redis that carries live updates of the line view between web processes; the broker's Redis
# unless set. Empty (the embedded default): the view polls.
LIVE_UPDATES_URL = env.str(
    "LIVE_UPDATES_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker died is handed to another worker once Redis's visibility timeout has passed
# (kombu's default is an hour). The hard time limit stays below it, so a task still running is
# never handed out a second time; every periodic task is safe to run again.
CELERY_TASK_TIME_LIMIT = 150
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fail fast when the broker is down so a save never waits on it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "visibility_timeout": 3 * 60,
}
CELERY_BEAT_SCHEDULE = {
    "deliver-outbox": {
        "task": "akuttilbud.tasks.deliver_outbox_task",
        "schedule": 60,
    },
    "followup-reminders-morning": {
        "task": "crisisplans.tasks.send_due_followup_reminders_task",
        "schedule": crontab(hour=6, minute=0),
    },
    "followup-reminders-hourly-catch-up": {
        "task": "crisisplans.tasks.send_due_followup_reminders_task",
        "schedule": crontab(minute=30),
    },
    "save-undescribed-calls": {
        "task": "telephony.tasks.save_undescribed_calls_task",
        "schedule": crontab(minute="*"),
    },
    "checkpoint-audit-chain": {
        "task": "akuttilbud.tasks.checkpoint_audit_chain_task",
        "schedule": crontab(minute="*/10"),
    },
    "clear-expired-sessions": {
        "task": "akuttilbud.tasks.clear_expired_sessions_task",
        "schedule": crontab(hour=3, minute=45),
    },
    "purge-old-audit-events": {
        "task": "akuttilbud.tasks.purge_old_audit_events_task",
        "schedule": crontab(hour=3, minute=15),
    },
    "refresh-dashboard-summaries": {
        "task": "reporting.tasks.refresh_summaries_task",
        "schedule": crontab(hour=2, minute=0),
    },
    "apply-retention-monthly": {
        "task": "contacts.tasks.apply_retention_task",
        "schedule": crontab(day_of_month=1, hour=4, minute=0),
    },
    "apply-number-retention-daily": {
        "task": "telephony.tasks.apply_number_retention_task",
        "schedule": crontab(hour=4, minute=30),
    },
}

AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=183)
# Signed lines naming the audit chain's head, appended outside the database (verify_audit_chain).
AUDIT_CHECKPOINT_FILE = env.str("AUDIT_CHECKPOINT_FILE", default=str(BASE_DIR / "audit-checkpoints.log"))
PERSON_RETENTION_YEARS = env.int("PERSON_RETENTION_YEARS", default=5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

if PRODUCTION:
    if TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
_OIDC_ORIGIN = ["{0.scheme}://{0.netloc}".format(urlsplit(OIDC_ISSUER))] if OIDC_ISSUER else []
# No inline script or style anywhere: every script and stylesheet is a file under static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # Logging out posts a form whose answer redirects to the identity provider's logout.
        "form-action": ["'self'", *_OIDC_ORIGIN],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
