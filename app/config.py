"""Settings, read from the environment (and `.env` in development).

Every variable is listed with its development default in `.env.example`.
"""

from __future__ import annotations

import logging
import math
import os
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, overload

from flask.helpers import get_debug_flag

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"

DEV_SECRET = "dev-only-secret-change-me-in-production-0000"
log = logging.getLogger("duka.config")


@overload
def env(name: str) -> str | None: ...


@overload
def env(name: str, default: str) -> str: ...


@overload
def env(name: str, default: str | None) -> str | None: ...


def env(name: str, default: str | None = None) -> str | None:
    """An environment setting; empty counts as unset (a blank line in .env means the default)."""
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return default if value is None else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


def normalise_database_url(url: str) -> str:
    # Heroku-style URLs say postgres://, which SQLAlchemy 2 no longer accepts.
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://") :]
    return url


class Config:
    ENV_NAME = "development"
    SECRET_KEY = env("SECRET_KEY", DEV_SECRET)
    JWT_SECRET_KEY = env("JWT_SECRET_KEY", SECRET_KEY)
    # Fernet key for secrets at rest (TOTP seeds); derived from SECRET_KEY when unset.
    DATA_ENCRYPTION_KEY = env("DATA_ENCRYPTION_KEY")

    SQLALCHEMY_DATABASE_URI = normalise_database_url(env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'duka.db'}"))
    # Pre-ping costs a round trip per request; recycling connections hourly and SQLAlchemy's
    # disconnect detection cover restarts for most set-ups. Turn it on behind flaky networks.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": env_bool("DB_POOL_PRE_PING", False), "pool_recycle": 3600}
    # PostgreSQL's max_parallel_workers_per_gather for the app's connections. A web request's
    # query gets one core: a parallel plan's start-up (4 ms measured, a search's deep page going
    # from 4 to 11 ms) and its workers take the cores other requests are waiting for.
    DB_PARALLEL_WORKERS = env_int("DB_PARALLEL_WORKERS", 0)

    # API and OpenAPI (flask-smorest)
    API_TITLE = "Duka API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Swagger UI's files are served by the app itself (app/system/routes.py), from the pinned
    # openapi-ui-bundles package: the docs work offline and load nothing from a CDN.
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/assets/"
    OPENAPI_SWAGGER_UI_CONFIG = {"deepLinking": True, "displayOperationId": True, "tryItOutEnabled": False}
    API_SPEC_OPTIONS = {
        "info": {
            "description": (
                "JSON API of the Duka shop: accounts and sign-in (passwords, two-factor), profile and "
                "addresses, the catalog (categories, brands, products, search and facets), the cart (guest "
                "or signed in), delivery zones and quotes, checkout and orders, payments (M-Pesa, Paystack "
                "cards, PayPal, cash on delivery; refunds), returns, reviews, notifications, and the back "
                "office. Errors are RFC 9457 problem details with a stable `code`; lists are `{items, "
                "meta}` pages; money is a decimal string beside an ISO 4217 `currency`. Send "
                "`Authorization: Bearer <access token>` from `login`; where a token is optional (the cart) "
                "a guest sends `X-Cart-Token` instead."
            ),
            "contact": {"name": "Duka API team", "email": "api@duka.co.ke"},
            "license": {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"},
        },
        # Paths carry their /api/v1 prefix, so the server is the origin serving the document.
        "servers": [{"url": env("API_SERVER_URL", "/"), "description": "This deployment"}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        # The default an operation inherits when it states none: a token is optional (the cart,
        # quotes). Every other operation states its own (app/common/openapi.py).
        "security": [{}, {"bearerAuth": []}],
    }

    # Tokens
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15))
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=env_int("JWT_REFRESH_DAYS", 30))
    JWT_TOKEN_LOCATION = ["headers"]
    EMAIL_VERIFICATION_HOURS = env_int("EMAIL_VERIFICATION_HOURS", 48)
    EMAIL_CODE_MINUTES = env_int("EMAIL_CODE_MINUTES", 10)  # an emailed sign-in or verification code lives this long
    # Google sign-in: the OAuth client ids whose ID tokens are accepted (web, Android, iOS; comma
    # separated; empty: not offered) and where Google publishes its signing keys (JWKS).
    GOOGLE_CLIENT_IDS = env_list("GOOGLE_CLIENT_IDS")
    GOOGLE_CERTS_URL = env("GOOGLE_CERTS_URL", "https://www.googleapis.com/oauth2/v3/certs")
    # The browser flow (the storefront): the web client's secret, and Google's endpoints.
    GOOGLE_CLIENT_SECRET = env("GOOGLE_CLIENT_SECRET")
    GOOGLE_AUTH_URL = env("GOOGLE_AUTH_URL", "https://accounts.google.com/o/oauth2/v2/auth")
    GOOGLE_TOKEN_URL = env("GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token")
    PASSWORD_RESET_MINUTES = env_int("PASSWORD_RESET_MINUTES", 60)
    BCRYPT_ROUNDS = env_int("BCRYPT_ROUNDS", 12)

    # Rate limits (Flask-Limiter): memory by default, Redis when REDIS_URL is set.
    REDIS_URL = env("REDIS_URL")
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", REDIS_URL or "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_FAILURES_PER_MINUTE = env_int("LOGIN_FAILURES_PER_MINUTE", 10)
    AUTH_RATE_LIMIT = env("AUTH_RATE_LIMIT", "30/minute")
    # Reset and verification emails one address receives an hour, whoever asks (202 either way).
    EMAILS_PER_RECIPIENT_PER_HOUR = env_int("EMAILS_PER_RECIPIENT_PER_HOUR", 3)

    # HTTP
    CORS_ORIGINS = env_list("CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000")
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
    FRONTEND_URL = (env("FRONTEND_URL", "http://localhost:3000") or "").rstrip("/")
    # This API's public origin: the base of every URL handed to a third party (M-Pesa's callback,
    # the local payment sandbox). Never taken from a request's Host header.
    PUBLIC_BASE_URL = (env("PUBLIC_BASE_URL", f"http://127.0.0.1:{env('PORT', '5000')}") or "").rstrip("/")

    # Compression (Flask-Compress): Brotli or gzip, as the client accepts, for bodies over 1 KB.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    # API bodies only: compressing a file response (send_file) would read it whole and leave the
    # file open (Flask-Compress does not close it); the docs' assets are served as they are.
    COMPRESS_MIMETYPES = ["application/json", "application/problem+json"]
    COMPRESS_MIN_SIZE = env_int("COMPRESS_MIN_SIZE", 1024)
    # Quality 2 and level 6: a 9 KB listing in ~0.04 / ~0.07 ms to ~2.1 / ~1.9 KB (measured).
    COMPRESS_BR_LEVEL = 2
    COMPRESS_LEVEL = 6
    # Conditional reads already answered If-None-Match before compression (app/common/http.py).
    COMPRESS_EVALUATE_CONDITIONAL_REQUEST = False

    # The web shop's built files (make storefront), served at / (app/system/storefront.py).
    STOREFRONT_DIR = str(
        BASE_DIR / (env("STOREFRONT_DIR", "storefront/dist") or "storefront/dist")
    )  # relative: to the repo

    # Uploads
    MEDIA_ROOT = env("MEDIA_ROOT", str(INSTANCE_DIR / "media"))
    MEDIA_URL = env("MEDIA_URL", "/media/")
    MAX_IMAGE_BYTES = env_int("MAX_IMAGE_BYTES", 5 * 1024 * 1024)
    # Customers' own files (return photos): outside MEDIA_ROOT, so a web server that serves
    # MEDIA_ROOT as it is never serves them; the API sends them on signed, expiring links.
    PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", str(INSTANCE_DIR / "private-media"))
    PRIVATE_MEDIA_LINK_MINUTES = env_int("PRIVATE_MEDIA_LINK_MINUTES", 15)

    # Mail: "file" writes .eml files into MAIL_OUTBOX_DIR, "smtp" sends.
    MAIL_BACKEND = env("MAIL_BACKEND", "file")
    MAIL_OUTBOX_DIR = env("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    MAIL_SERVER = env("MAIL_SERVER", "localhost")
    MAIL_PORT = env_int("MAIL_PORT", 587)
    MAIL_USERNAME = env("MAIL_USERNAME")
    MAIL_PASSWORD = env("MAIL_PASSWORD")
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "Duka <no-reply@duka.local>")
    STORE_NAME = env("STORE_NAME", "Duka")  # in every email's subject and heading

    # Background tasks: with no broker, Celery runs tasks eagerly in-process.
    CELERY_BROKER_URL = env("CELERY_BROKER_URL")

    LOG_LEVEL = env("LOG_LEVEL", "INFO")
    STORE_CURRENCY = env("STORE_CURRENCY", "KES")

    # Cart and orders.
    CART_LINE_MAX = env_int("CART_LINE_MAX", 99)  # units of one product in a cart
    GUEST_CART_DAYS = env_int("GUEST_CART_DAYS", 30)  # a guest cart lives this long after its last change
    ORDER_PAYMENT_TIMEOUT_MINUTES = env_int("ORDER_PAYMENT_TIMEOUT_MINUTES", 60)  # then unpaid orders expire
    # A cash-on-delivery order an admin has not confirmed by then is cancelled and restocked.
    CASH_CONFIRM_HOURS = env_int("CASH_CONFIRM_HOURS", 48)
    # What one account may hold in orders awaiting payment (stock they keep from everyone else).
    UNPAID_ORDERS_MAX = env_int("UNPAID_ORDERS_MAX", 3)
    UNPAID_UNITS_MAX = env_int("UNPAID_UNITS_MAX", 100)
    RETURN_WINDOW_DAYS = env_int("RETURN_WINDOW_DAYS", 14)  # a delivered order can be returned this long
    SELLER_RETURN_RESPONSE_DAYS = env_int("SELLER_RETURN_RESPONSE_DAYS", 3)  # a seller answers a return within
    SELLER_LOW_STOCK_THRESHOLD = env_int("SELLER_LOW_STOCK_THRESHOLD", 5)  # the dashboard lists products at or under
    IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24)  # how long a key's response is replayed
    # A claim older than this whose request never finished (a crashed worker) is taken over;
    # longer than any request may run (gunicorn's timeout is 30 s).
    IDEMPOTENCY_LOCK_SECONDS = env_int("IDEMPOTENCY_LOCK_SECONDS", 120)

    # The local payment sandbox (app/sandbox): stands in for every provider without credentials,
    # over HTTP on this server. On in development and tests; production refuses to start with it.
    PAYMENT_SANDBOX = env_bool("PAYMENT_SANDBOX", True)
    PAYMENT_SANDBOX_DELAY_SECONDS = float(env("PAYMENT_SANDBOX_DELAY_SECONDS", "3"))  # then the callback
    PAYMENT_SANDBOX_DIR = env("PAYMENT_SANDBOX_DIR", str(INSTANCE_DIR / "sandbox"))
    PAYMENT_SANDBOX_DELIVERY = "thread"  # callbacks posted by a timer; "manual": deliver_pending()

    # Payments. A provider without credentials is not offered. Base URLs default to sandboxes.
    PAYMENT_PROVIDER_TIMEOUT_SECONDS = env_int("PAYMENT_PROVIDER_TIMEOUT_SECONDS", 10)
    # Provider calls one worker process makes at once (a bulkhead): with a provider answering
    # slowly, the worker's other threads go on serving. Half of gunicorn's threads by default.
    PROVIDER_CALLS_AT_ONCE = env_int("PROVIDER_CALLS_AT_ONCE", max(1, env_int("GUNICORN_THREADS", 4) // 2))
    # A payment is asked of its provider at most once in this many seconds (refresh, verify);
    # asked again sooner, it is answered as it stands. Each user: PAYMENT_QUERIES_PER_USER.
    PAYMENT_QUERY_SECONDS = env_int("PAYMENT_QUERY_SECONDS", 10)
    PAYMENT_QUERIES_PER_USER = env("PAYMENT_QUERIES_PER_USER", "20/minute")
    MPESA_BASE_URL = env("MPESA_BASE_URL", "https://sandbox.safaricom.co.ke")
    MPESA_CONSUMER_KEY = env("MPESA_CONSUMER_KEY")
    MPESA_CONSUMER_SECRET = env("MPESA_CONSUMER_SECRET")
    MPESA_SHORTCODE = env("MPESA_SHORTCODE", "174379")  # Daraja's sandbox paybill
    MPESA_PASSKEY = env("MPESA_PASSKEY")
    # Safaricom posts results to PUBLIC_BASE_URL + the callback route with this secret in its path.
    MPESA_CALLBACK_SECRET = env("MPESA_CALLBACK_SECRET", "dev-mpesa-callback-secret")
    # Prompts one phone number receives, whichever accounts ask (each account: 5 a minute).
    STK_PUSHES_PER_PHONE = env("STK_PUSHES_PER_PHONE", "5/hour")
    # Payouts by M-Pesa B2C (Daraja v3 paymentrequest, the same consumer key as STK Push): the
    # B2C shortcode, the API initiator made on the M-Pesa org portal and its password, encrypted
    # for each request with Safaricom's certificate (a PEM file; sandbox and production differ).
    MPESA_B2C_SHORTCODE = env("MPESA_B2C_SHORTCODE")
    MPESA_INITIATOR_NAME = env("MPESA_INITIATOR_NAME")
    MPESA_INITIATOR_PASSWORD = env("MPESA_INITIATOR_PASSWORD")
    MPESA_CERT_PATH = env("MPESA_CERT_PATH")
    # Refunds may go into the customer's wallet (store credit, at once): the customer's choice on
    # a return, or the admin's on a refund.
    WALLET_REFUNDS = env_bool("WALLET_REFUNDS", True)
    PAYOUT_MIN_AMOUNT = env_int("PAYOUT_MIN_AMOUNT", 100)  # KES; never below Daraja's 10
    PAYOUT_APPROVAL_THRESHOLD = env_int("PAYOUT_APPROVAL_THRESHOLD", 50_000)  # KES; above it, an admin approves
    PAYOUT_NUMBER_HOLD_HOURS = env_int("PAYOUT_NUMBER_HOLD_HOURS", 48)  # payouts to a new number wait this long
    # When scheduled payouts run (cron syntax, on Celery beat): weekly, Monday 06:00 UTC by default.
    PAYOUT_SCHEDULE = env("PAYOUT_SCHEDULE", "0 6 * * 1")
    PAYOUT_RESULT_WAIT_MINUTES = env_int("PAYOUT_RESULT_WAIT_MINUTES", 15)  # then Daraja is asked (status query)
    PAYSTACK_BASE_URL = env("PAYSTACK_BASE_URL", "https://api.paystack.co")  # test keys select test mode
    PAYSTACK_SECRET_KEY = env("PAYSTACK_SECRET_KEY")
    # Where Paystack sends the customer back after paying (FRONTEND_URL/orders?reference=... when unset).
    PAYSTACK_CALLBACK_URL = env("PAYSTACK_CALLBACK_URL")
    PAYPAL_BASE_URL = env("PAYPAL_BASE_URL", "https://api-m.sandbox.paypal.com")
    PAYPAL_CLIENT_ID = env("PAYPAL_CLIENT_ID")
    PAYPAL_CLIENT_SECRET = env("PAYPAL_CLIENT_SECRET")
    PAYPAL_WEBHOOK_ID = env("PAYPAL_WEBHOOK_ID")  # the id PayPal gave the webhook registered for this shop
    # KES is not a PayPal currency: orders are charged in PAYPAL_CURRENCY at PAYPAL_FX_RATE (store
    # currency per unit, e.g. 129.50 KES per USD); PayPal is not offered without a rate.
    PAYPAL_CURRENCY = env("PAYPAL_CURRENCY", "USD")
    PAYPAL_FX_RATE = env("PAYPAL_FX_RATE")
    # Where PayPal sends the buyer back (FRONTEND_URL/orders?reference=...&paypal=approved|cancelled when unset).
    PAYPAL_RETURN_URL = env("PAYPAL_RETURN_URL")


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = normalise_database_url(env("TEST_DATABASE_URL", "sqlite://") or "sqlite://")
    BCRYPT_ROUNDS = 4
    LOG_LEVEL = "WARNING"
    CELERY_BROKER_URL = None
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "file"
    PAYMENT_SANDBOX = True
    PAYMENT_SANDBOX_DELIVERY = "manual"  # a test posts the sandbox's callbacks when it wants them
    PAYMENT_SANDBOX_DELAY_SECONDS = 0.0


class ProductionConfig(Config):
    ENV_NAME = "production"
    # No default: a URL for Safaricom must be the shop's public HTTPS address, set on purpose.
    PUBLIC_BASE_URL = (env("PUBLIC_BASE_URL") or "").rstrip("/")
    PAYMENT_SANDBOX = env_bool("PAYMENT_SANDBOX", False)
    # Connections per worker follow its threads: a request holds one, and a task it runs eagerly
    # (its own session) a second; past the overflow a request waits DB_POOL_TIMEOUT seconds for
    # one, then gets a 503 with Retry-After (app/errors.py), never a 500.
    _THREADS = env_int("GUNICORN_THREADS", 4)
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": env_bool("DB_POOL_PRE_PING", False),
        "pool_recycle": 3600,
        "pool_size": 2 * _THREADS + 1,
        "max_overflow": _THREADS + 2,
        "pool_timeout": env_int("DB_POOL_TIMEOUT", 5),
    }
    MAIL_BACKEND = env("MAIL_BACKEND", "smtp")

    @classmethod
    def check(cls) -> None:
        """Refuse to start production with development secrets, guessable secrets, the debugger
        or per-process rate limits; warn about development URLs left in place."""
        for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
            value = getattr(cls, name)
            if not value or value == DEV_SECRET or len(value) < 32:
                raise RuntimeError(f"{name} must be set to a random value of at least 32 characters")
            if secret_bits(value) < MIN_SECRET_BITS:
                raise RuntimeError(
                    f"{name} looks guessable ({secret_bits(value):.0f} bits by its characters): use e.g. "
                    "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
                )
        if cls.PAYMENT_SANDBOX:
            raise RuntimeError("PAYMENT_SANDBOX is a development stand-in for the providers: never in production")
        if get_debug_flag():
            raise RuntimeError("FLASK_DEBUG is on: the debugger is never served in production")
        if cls.MPESA_CONSUMER_KEY and (
            cls.MPESA_CALLBACK_SECRET == "dev-mpesa-callback-secret"
            or secret_bits(cls.MPESA_CALLBACK_SECRET) < MIN_SECRET_BITS
        ):
            raise RuntimeError(
                "MPESA_CALLBACK_SECRET must be a long random value: it is the callback's only credential"
            )
        if cls.MPESA_CONSUMER_KEY and not cls.PUBLIC_BASE_URL.startswith("https://"):
            raise RuntimeError(
                "PUBLIC_BASE_URL must be the shop's public https:// address when M-Pesa is configured: "
                "Safaricom's callbacks go there (never to an address taken from a request)"
            )
        if cls.RATELIMIT_STORAGE_URI.startswith("memory://") and cls.RATELIMIT_ENABLED:
            raise RuntimeError(
                "Rate limits in memory are per worker process (N workers allow N times the limit): "
                "set REDIS_URL or RATELIMIT_STORAGE_URI"
            )
        local = [
            name
            for name, values in (("CORS_ORIGINS", cls.CORS_ORIGINS), ("FRONTEND_URL", [cls.FRONTEND_URL]))
            if any("localhost" in v or "127.0.0.1" in v for v in values)
        ]
        if local:
            log.warning("PRODUCTION WITH DEVELOPMENT URLS: %s still point at localhost", ", ".join(local))


# A 32-character hex key (128 random bits) estimates at 89-128 (none of a million below 88);
# 100 refused about one random key in 800.
MIN_SECRET_BITS = 80


def secret_bits(value: str) -> float:
    """An estimate of a secret's entropy: its length times the Shannon entropy of its characters
    (32 times the same character: 0 bits; 48 random URL-safe characters: about 270). A value that
    repeats a shorter one is worth that one ("0123456789abcdef" twice: 64, not 128)."""
    period = next(p for p in range(1, len(value) + 1) if value == (value[:p] * (len(value) // p + 1))[: len(value)])
    core = value[:period]
    counts = Counter(core)
    return -len(core) * sum(n / len(core) * math.log2(n / len(core)) for n in counts.values())


def check_lifetimes(settings: Mapping[str, Any]) -> None:
    """Token and link lifetimes must be positive: a zero JWT_ACCESS_MINUTES would mint tokens
    without exp."""
    for name in ("JWT_ACCESS_TOKEN_EXPIRES", "JWT_REFRESH_TOKEN_EXPIRES"):
        if settings[name] <= timedelta(0):
            raise RuntimeError(f"{name} must be positive (JWT_ACCESS_MINUTES, JWT_REFRESH_DAYS)")
    if settings["PRIVATE_MEDIA_LINK_MINUTES"] <= 0:
        raise RuntimeError("PRIVATE_MEDIA_LINK_MINUTES must be positive")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None) -> type[Config]:
    return CONFIGS[name or env("APP_ENV", "development") or "development"]
