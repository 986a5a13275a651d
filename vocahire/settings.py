"""The one typed settings object; the only module that reads the environment.

Names follow the original deployment (``DATABASE_URL``, ``STRIPE_SECRET_KEY``...)
so an existing environment carries over; ``NEXT_PUBLIC_`` prefixes are accepted
as aliases.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from datetime import date
from decimal import Decimal
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SESSION_SECRET = "dev-only-session-secret-change-me-in-production-0000"
CLERK_JS_MAJOR = 5
VadEagerness = Literal["low", "medium", "high", "auto"]

# OpenAI list prices, USD per million tokens of each kind ("audio_minute": USD per minute of audio, for
# models billed by duration). Input kinds are the uncached part; cached input has its own price.
# Checked against OpenAI's model pages on MODEL_PRICES_CHECKED; MODEL_PRICES overrides or adds models.
MODEL_PRICE_KINDS = (
    "text_input",
    "cached_text_input",
    "audio_input",
    "cached_audio_input",
    "image_input",
    "cached_image_input",
    "text_output",
    "audio_output",
    "audio_minute",
)
_REALTIME_PRICES = {
    "text_input": "4.00",
    "cached_text_input": "0.40",
    "audio_input": "32.00",
    "cached_audio_input": "0.40",
    "image_input": "5.00",
    "cached_image_input": "0.50",
    "text_output": "16.00",
    "audio_output": "64.00",
}
DEFAULT_MODEL_PRICES: dict[str, dict[str, str]] = {
    "gpt-realtime": _REALTIME_PRICES,
    "gpt-realtime-1.5": _REALTIME_PRICES,
    "gpt-realtime-2": {**_REALTIME_PRICES, "text_output": "24.00"},
    "gpt-realtime-mini": {
        "text_input": "0.60",
        "cached_text_input": "0.06",
        "audio_input": "10.00",
        "cached_audio_input": "0.30",
        "image_input": "0.80",
        "cached_image_input": "0.08",
        "text_output": "2.40",
        "audio_output": "20.00",
    },
    "gpt-4o-mini-transcribe": {"text_input": "1.25", "audio_input": "3.00", "text_output": "5.00"},
    "gpt-4o-transcribe": {"text_input": "2.50", "audio_input": "6.00", "text_output": "10.00"},
    "whisper-1": {"audio_minute": "0.006"},
    "gpt-4.1-mini": {"text_input": "0.40", "cached_text_input": "0.10", "text_output": "1.60"},
    "gpt-4.1": {"text_input": "2.00", "cached_text_input": "0.50", "text_output": "8.00"},
    "gpt-4o-mini": {"text_input": "0.15", "cached_text_input": "0.075", "text_output": "0.60"},
}
DEFAULT_MODEL_PRICES_CHECKED = "2026-12-05"


def _alias(name: str) -> AliasChoices:
    """Accept ``NAME`` and the original front end's ``NEXT_PUBLIC_NAME``."""
    return AliasChoices(name, f"NEXT_PUBLIC_{name}")


def clerk_frontend_api_host(publishable_key: str | None) -> str | None:
    """The Frontend API host encoded in ``pk_test_`` / ``pk_live_`` + base64("<host>$"), or ``None``."""
    if not publishable_key:
        return None
    for prefix in ("pk_test_", "pk_live_"):
        if publishable_key.startswith(prefix):
            encoded = publishable_key[len(prefix) :]
            break
    else:
        return None
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not decoded.endswith("$"):
        return None
    host = decoded[:-1]
    if not host or any(c in host for c in "/?#@ \t\r\n"):
        return None
    return host


class SettingsError(RuntimeError):
    """Raised at start-up when a setting is missing or wrong; names the variable."""


class Settings(BaseSettings):
    """Everything configurable about VocaHire, validated once at start-up."""

    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=True,
    )

    # --- the app ---
    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias="ENVIRONMENT"
    )
    app_url: str = Field("http://localhost:3000", validation_alias=_alias("APP_URL"))
    app_version: str = Field("0.1.0", validation_alias="APP_VERSION")
    cors_origins: str = Field("", validation_alias="CORS_ORIGINS")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")

    # --- database / cache ---
    database_url: str = Field(f"sqlite:///{PROJECT_ROOT / 'vocahire.db'}", validation_alias="DATABASE_URL")
    migrate_database_url: str | None = Field(None, validation_alias="MIGRATE_DATABASE_URL")
    db_timeout_seconds: float = Field(10.0, gt=0, validation_alias="DB_TIMEOUT_SECONDS")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    cache_ttl_seconds: int = Field(30, gt=0, validation_alias="CACHE_TTL_SECONDS")
    # Threads a backend process runs its transactions on (infra.database.run_db); at most the pool's 30
    # connections. Few: the work is mostly Python holding the interpreter lock (issue 19).
    db_threads: int = Field(4, ge=1, le=30, validation_alias="DB_THREADS")

    # --- the backend process ---
    # The cyclic garbage collector's three thresholds (infra.collector); empty keeps Python's own.
    gc_thresholds: tuple[int, int, int] | None = Field((50_000, 20, 10), validation_alias="GC_THRESHOLDS")

    # --- accounts ---
    auth_provider: Literal["builtin", "clerk"] | None = Field(None, validation_alias="AUTH_PROVIDER")
    session_secret: str = Field(DEV_SESSION_SECRET, validation_alias="SESSION_SECRET")
    session_ttl_minutes: int = Field(480, gt=0, le=60 * 24 * 7, validation_alias="SESSION_TTL_MINUTES")
    admin_emails: str = Field("", validation_alias="ADMIN_EMAILS")
    diagnostics_token: str | None = Field(None, validation_alias="DIAGNOSTICS_TOKEN")

    # --- Clerk ---
    clerk_publishable_key: str | None = Field(None, validation_alias=_alias("CLERK_PUBLISHABLE_KEY"))
    clerk_secret_key: str | None = Field(None, validation_alias="CLERK_SECRET_KEY")
    clerk_webhook_secret: str | None = Field(None, validation_alias="CLERK_WEBHOOK_SECRET")
    clerk_jwt_key: str | None = Field(None, validation_alias="CLERK_JWT_KEY")
    clerk_jwks_url: str | None = Field(None, validation_alias="CLERK_JWKS_URL")
    clerk_authorized_parties: str = Field("", validation_alias="CLERK_AUTHORIZED_PARTIES")
    clerk_api_base_url: str = Field("https://api.clerk.com/v1", validation_alias="CLERK_API_BASE_URL")
    clerk_sign_in_url: str | None = Field(None, validation_alias=_alias("CLERK_SIGN_IN_URL"))
    clerk_sign_up_url: str | None = Field(None, validation_alias=_alias("CLERK_SIGN_UP_URL"))
    clerk_issuer: str | None = Field(None, validation_alias="CLERK_ISSUER")
    # Where Clerk users manage their name, e-mail and password (default: the instance's Account Portal).
    clerk_account_portal_url: str | None = Field(None, validation_alias="CLERK_ACCOUNT_URL")
    clerk_js_url: str | None = Field(None, validation_alias=_alias("CLERK_JS_URL"))
    clerk_timeout_seconds: float = Field(5.0, gt=0, le=60, validation_alias="CLERK_TIMEOUT_SECONDS")
    clerk_jwks_cooldown_seconds: float = Field(
        60.0, ge=1, le=3600, validation_alias="CLERK_JWKS_COOLDOWN_SECONDS"
    )

    # --- OpenAI ---
    openai_api_key: str | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str = Field("https://api.openai.com/v1", validation_alias="OPENAI_BASE_URL")
    openai_timeout_seconds: float = Field(20.0, gt=0, validation_alias="OPENAI_TIMEOUT_SECONDS")
    realtime_model: str = Field("gpt-realtime-mini", validation_alias="REALTIME_MODEL")
    realtime_voice: str = Field("alloy", validation_alias="REALTIME_VOICE")
    realtime_turn_detection: Literal["semantic_vad", "server_vad"] = Field(
        "semantic_vad", validation_alias="REALTIME_TURN_DETECTION"
    )
    realtime_vad_eagerness: VadEagerness = Field("low", validation_alias="REALTIME_VAD_EAGERNESS")
    realtime_vad_threshold: float = Field(0.5, ge=0, le=1, validation_alias="REALTIME_VAD_THRESHOLD")
    realtime_vad_prefix_ms: int = Field(300, ge=0, validation_alias="REALTIME_VAD_PREFIX_MS")
    realtime_vad_silence_ms: int = Field(200, ge=0, validation_alias="REALTIME_VAD_SILENCE_MS")
    realtime_transcription_model: str = Field(
        "gpt-4o-mini-transcribe", validation_alias="REALTIME_TRANSCRIPTION_MODEL"
    )
    interview_max_minutes: int = Field(30, gt=0, le=120, validation_alias="INTERVIEW_MAX_MINUTES")
    interview_limit_seconds: int | None = Field(
        None, gt=0, le=7200, validation_alias="INTERVIEW_LIMIT_SECONDS"
    )
    interview_closing_seconds: int = Field(20, ge=0, le=120, validation_alias="INTERVIEW_CLOSING_SECONDS")
    # "Practise this answer again": what one redo costs (free on a Coach plan) and how long it may last.
    redo_price_credits: Decimal = Field(
        Decimal("0.25"), ge=0, le=10, decimal_places=2, validation_alias="REDO_PRICE_CREDITS"
    )
    redo_max_minutes: int = Field(5, gt=0, le=30, validation_alias="REDO_MAX_MINUTES")
    feedback_model: str = Field("gpt-4.1-mini", validation_alias="FEEDBACK_MODEL")
    feedback_timeout_seconds: float = Field(60.0, gt=0, validation_alias="FEEDBACK_TIMEOUT_SECONDS")
    feedback_max_attempts: int = Field(5, gt=0, le=20, validation_alias="FEEDBACK_MAX_ATTEMPTS")
    feedback_worker_enabled: bool = Field(True, validation_alias="FEEDBACK_WORKER_ENABLED")
    # "Your feedback is ready" waits this long, and isn't sent if the candidate opened the feedback meanwhile.
    feedback_email_delay_seconds: float = Field(120.0, ge=0, validation_alias="FEEDBACK_EMAIL_DELAY_SECONDS")

    # --- model costs (admin economics) ---
    # JSON merged over DEFAULT_MODEL_PRICES: {"gpt-realtime": {"audio_output": 64}} (USD per 1M tokens).
    model_price_overrides: Annotated[dict[str, dict[str, Decimal]], NoDecode] = Field(
        default_factory=dict, validation_alias="MODEL_PRICES"
    )
    model_prices_checked: date = Field(
        date.fromisoformat(DEFAULT_MODEL_PRICES_CHECKED), validation_alias="MODEL_PRICES_CHECKED"
    )
    # A live call whose model cost reaches this is closed politely, like at the time limit.
    interview_max_model_cost_usd: Decimal = Field(
        Decimal("10.00"), gt=0, le=10000, validation_alias="INTERVIEW_MAX_MODEL_COST_USD"
    )

    # --- Stripe ---
    stripe_secret_key: str | None = Field(None, validation_alias="STRIPE_SECRET_KEY")
    stripe_publishable_key: str | None = Field(None, validation_alias=_alias("STRIPE_PUBLISHABLE_KEY"))
    stripe_webhook_secret: str | None = Field(None, validation_alias="STRIPE_WEBHOOK_SECRET")
    stripe_api_base_url: str | None = Field(None, validation_alias="STRIPE_API_BASE_URL")
    stripe_price_id_3_credits: str | None = Field(None, validation_alias=_alias("STRIPE_PRICE_ID_3_CREDITS"))
    stripe_price_id_5_credits: str | None = Field(None, validation_alias=_alias("STRIPE_PRICE_ID_5_CREDITS"))
    stripe_price_id_monthly: str | None = Field(None, validation_alias=_alias("STRIPE_PRICE_ID_MONTHLY"))
    stripe_price_id_quarterly: str | None = Field(None, validation_alias=_alias("STRIPE_PRICE_ID_QUARTERLY"))
    stripe_price_id_annual: str | None = Field(None, validation_alias=_alias("STRIPE_PRICE_ID_ANNUAL"))
    stripe_timeout_seconds: float = Field(10.0, gt=0, le=60, validation_alias="STRIPE_TIMEOUT_SECONDS")
    stripe_price_cache_seconds: int = Field(
        600, ge=0, le=86400, validation_alias="STRIPE_PRICE_CACHE_SECONDS"
    )

    # --- e-mail ---
    smtp_url: str | None = Field(None, validation_alias="SMTP_URL")  # a secret: carries the password
    email_from: str = Field("VocaHire <no-reply@localhost>", validation_alias="EMAIL_FROM")
    smtp_timeout_seconds: float = Field(15.0, gt=0, le=300, validation_alias="SMTP_TIMEOUT_SECONDS")
    smtp_ca_file: str | None = Field(None, validation_alias="SMTP_CA_FILE")
    email_worker_enabled: bool = Field(True, validation_alias="EMAIL_WORKER_ENABLED")

    # --- Sentry ---
    sentry_dsn: str | None = Field(None, validation_alias=_alias("SENTRY_DSN"))
    sentry_traces_sample_rate: float = Field(0.1, ge=0, le=1, validation_alias="SENTRY_TRACES_SAMPLE_RATE")

    @field_validator("database_url", "migrate_database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        if not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("gc_thresholds", mode="before")
    @classmethod
    def _three_thresholds(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        parts = [part.strip() for part in value.split(",")]
        if len(parts) != 3 or not all(part.isdigit() and int(part) > 0 for part in parts):
            raise ValueError(
                "must be three positive whole numbers, e.g. 50000,20,10 (or empty for Python's own)"
            )
        return tuple(int(part) for part in parts)

    @field_validator("interview_limit_seconds", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("model_price_overrides", mode="before")
    @classmethod
    def _price_json(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return {}
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError('must be JSON: {"<model>": {"<kind>": <USD per 1M tokens>}}') from None

    @field_validator("model_price_overrides")
    @classmethod
    def _known_price_kinds(cls, value: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, Decimal]]:
        for model, prices in value.items():
            unknown = sorted(set(prices) - set(MODEL_PRICE_KINDS))
            if unknown:
                kinds = ", ".join(MODEL_PRICE_KINDS)
                raise ValueError(f"{model}: unknown price kind {unknown[0]!r} (one of {kinds})")
            if any(price < 0 for price in prices.values()):
                raise ValueError(f"{model}: prices can't be negative")
        return value

    @field_validator("smtp_url", "smtp_ca_file", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("must be smtp://host[:port] or smtps://host[:port] (user:password@ optional)")
        try:
            parts.port  # noqa: B018 (raises on a port that is not a number)
        except ValueError:
            raise ValueError("has a port that is not a number") from None
        return value

    @field_validator("email_from")
    @classmethod
    def _email_from(cls, value: str) -> str:
        _, address = parseaddr(value)
        if "@" not in address or any(c in value for c in "\r\n"):
            raise ValueError("must be an address, optionally with a name: 'VocaHire <no-reply@example.com>'")
        return value

    @field_validator("openai_base_url", "app_url", "clerk_api_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _production_refuses_placeholders(self) -> Settings:
        if self.environment != "production":
            return self
        if self.session_secret == DEV_SESSION_SECRET or len(self.session_secret) < 32:
            raise ValueError("SESSION_SECRET must be set to a random value of 32+ characters in production")
        if self.stripe_secret_key and not self.stripe_webhook_secret:
            raise ValueError("STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set")
        if self.stripe_webhook_secret and not self.stripe_secret_key:
            raise ValueError(
                "STRIPE_SECRET_KEY is required when STRIPE_WEBHOOK_SECRET is set "
                "(webhooks re-read what was bought from Stripe)"
            )
        if self.resolved_auth_provider == "clerk" and not (
            self.clerk_jwt_key or self.clerk_jwks_url or self.clerk_publishable_key
        ):
            raise ValueError(
                "CLERK_JWT_KEY (or CLERK_PUBLISHABLE_KEY for JWKS) is required when Clerk is used"
            )
        if self.resolved_auth_provider == "clerk" and not (self.clerk_publishable_key or self.clerk_issuer):
            raise ValueError(
                "CLERK_PUBLISHABLE_KEY (or CLERK_ISSUER) is required when Clerk is used: "
                "it names the token issuer"
            )
        if self.clerk_secret_key and not self.clerk_webhook_secret:
            raise ValueError("CLERK_WEBHOOK_SECRET is required when CLERK_SECRET_KEY is set")
        if self.clerk_webhook_secret and not self.clerk_secret_key:
            raise ValueError(
                "CLERK_SECRET_KEY is required when CLERK_WEBHOOK_SECRET is set "
                "(Clerk's Backend API reads new users and deletes deleted accounts)"
            )
        if self.diagnostics_token is not None and len(self.diagnostics_token) < 24:
            raise ValueError("DIAGNOSTICS_TOKEN must be at least 24 random characters in production")
        if "*" in self.allowed_origins:
            raise ValueError("CORS_ORIGINS must not allow any origin ('*') in production")
        return self

    # --- derived values ---
    @property
    def migration_url(self) -> str:
        return self.migrate_database_url or self.database_url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def reflex_redis_url(self) -> str | None:
        """``REDIS_URL`` for Reflex's state manager with a connect timeout (redis-py reads it from the URL).

        No read timeout: the state manager's pub/sub listener idles on its socket by design.
        """
        url = self.redis_url
        if not url or "socket_connect_timeout=" in url:
            return url
        return f"{url}{'&' if '?' in url else '?'}socket_connect_timeout=5"

    @property
    def resolved_auth_provider(self) -> Literal["builtin", "clerk"]:
        """``AUTH_PROVIDER`` when set, else Clerk exactly when its keys are present."""
        if self.auth_provider:
            return self.auth_provider
        return "clerk" if (self.clerk_publishable_key and self.clerk_secret_key) else "builtin"

    @property
    def clerk_browser_script_url(self) -> str | None:
        """Where the browser loads ClerkJS from: ``CLERK_JS_URL``, else the instance's Frontend API."""
        if self.clerk_js_url:
            return self.clerk_js_url
        host = clerk_frontend_api_host(self.clerk_publishable_key)
        return f"https://{host}/npm/@clerk/clerk-js@{CLERK_JS_MAJOR}/dist/clerk.browser.js" if host else None

    @property
    def clerk_in_browser(self) -> bool:
        """Clerk is the provider and the browser has what it needs to load it (a key and a script)."""
        return self.resolved_auth_provider == "clerk" and bool(
            self.clerk_publishable_key and self.clerk_browser_script_url
        )

    @property
    def admin_email_set(self) -> frozenset[str]:
        return frozenset(e.strip().lower() for e in self.admin_emails.split(",") if e.strip())

    @property
    def allowed_origins(self) -> list[str]:
        """The app's own origin plus ``CORS_ORIGINS``; any origin only in development."""
        extra = [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
        if self.environment == "development" and not extra:
            return ["*"]
        return [self.app_url, *extra]

    @property
    def stripe_configured(self) -> bool:
        return bool(self.stripe_secret_key)

    @property
    def openai_configured(self) -> bool:
        return bool(self.openai_api_key)

    @property
    def model_prices(self) -> dict[str, dict[str, Decimal]]:
        """The price table: the defaults with ``MODEL_PRICES`` merged over them, per model and kind."""
        table = {m: {k: Decimal(v) for k, v in kinds.items()} for m, kinds in DEFAULT_MODEL_PRICES.items()}
        for model, prices in self.model_price_overrides.items():
            table[model] = {**table.get(model, {}), **prices}
        return table

    @property
    def interview_cost(self) -> Decimal:
        return Decimal("1.00")


def load_settings() -> Settings:
    """Build settings from the environment, turning validation errors into one readable line."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = err.get("loc") or ()
            field = str(loc[0]) if loc else ""
            env_name = _env_name(field)
            problems.append(f"{env_name}: {err.get('msg')}" if env_name else str(err.get("msg")))
        raise SettingsError("Invalid configuration: " + "; ".join(problems)) from None


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    if info is None:
        return field.upper()
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return str(alias or field).upper()


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache to re-read)."""
    return load_settings()
