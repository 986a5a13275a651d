"""Settings: read from the environment, validated with messages that name the variable."""

import pytest

from vocahire.settings import SettingsError, clerk_frontend_api_host, load_settings


def test_defaults_run_on_sqlite_without_redis_and_builtin_accounts(env):
    env(DATABASE_URL=None)
    s = load_settings()
    assert s.database_url.startswith("sqlite:///")
    assert s.redis_url is None
    assert s.resolved_auth_provider == "builtin"
    assert s.realtime_model == "gpt-realtime-mini"
    assert s.realtime_voice == "alloy"
    assert s.realtime_turn_detection == "semantic_vad"


def test_postgres_url_is_mapped_to_psycopg3_and_migration_url_defaults_to_it(env):
    env(DATABASE_URL="postgres://u:p@db:5432/app")
    s = load_settings()
    assert s.database_url == "postgresql+psycopg://u:p@db:5432/app"
    assert s.migration_url == s.database_url


def test_next_public_aliases_are_accepted(env):
    env(NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY="pk_test_123", NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY="pk_test_clerk")
    s = load_settings()
    assert s.stripe_publishable_key == "pk_test_123"
    assert s.clerk_publishable_key == "pk_test_clerk"


def test_bad_value_names_the_variable(env):
    env(DB_TIMEOUT_SECONDS="soon")
    with pytest.raises(SettingsError, match="DB_TIMEOUT_SECONDS"):
        load_settings()


def test_unknown_database_scheme_is_refused_with_its_name(env):
    env(DATABASE_URL="mysql://x")
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings()


def test_production_refuses_the_development_session_secret(env):
    env(ENVIRONMENT="production", APP_URL="https://vocahire.example")
    with pytest.raises(SettingsError, match="SESSION_SECRET"):
        load_settings()


def test_production_refuses_stripe_without_webhook_secret(env):
    env(
        ENVIRONMENT="production",
        SESSION_SECRET="x" * 40,
        STRIPE_SECRET_KEY="sk_test_1",
        APP_URL="https://v.example",
    )
    with pytest.raises(SettingsError, match="STRIPE_WEBHOOK_SECRET"):
        load_settings()


def test_production_refuses_cors_for_any_origin(env):
    env(ENVIRONMENT="production", SESSION_SECRET="x" * 40, CORS_ORIGINS="*", APP_URL="https://v.example")
    with pytest.raises(SettingsError, match="CORS_ORIGINS"):
        load_settings()


def test_cors_is_limited_to_the_app_origin_outside_development(env):
    env(ENVIRONMENT="production", SESSION_SECRET="x" * 40, APP_URL="https://v.example")
    assert load_settings().allowed_origins == ["https://v.example"]


def test_admin_emails_are_normalised(env):
    env(ADMIN_EMAILS=" Boss@Example.com, ops@example.com ,")
    assert load_settings().admin_email_set == {"boss@example.com", "ops@example.com"}


def test_auth_provider_is_inferred_from_clerk_keys(env):
    env(CLERK_PUBLISHABLE_KEY="pk_test_x", CLERK_SECRET_KEY="sk_test_x")
    assert load_settings().resolved_auth_provider == "clerk"
    env(AUTH_PROVIDER="builtin")
    assert load_settings().resolved_auth_provider == "builtin"


def test_the_browser_loads_clerkjs_from_the_instance_named_by_the_publishable_key(env):
    from vocahire.infra import clerk

    host = "clerk.vocahire.com"
    env(CLERK_PUBLISHABLE_KEY=clerk.encode_publishable_key(host, live=True), CLERK_SECRET_KEY="sk_live_x")
    s = load_settings()
    assert clerk_frontend_api_host(s.clerk_publishable_key) == host
    assert s.clerk_browser_script_url == f"https://{host}/npm/@clerk/clerk-js@5/dist/clerk.browser.js"
    assert s.clerk_browser_script_url == clerk.clerk_js_url(s)  # the pages and the server agree
    assert s.clerk_in_browser
    env(CLERK_JS_URL="https://cdn.example/clerk.js")
    assert load_settings().clerk_browser_script_url == "https://cdn.example/clerk.js"
    env(CLERK_PUBLISHABLE_KEY="pk_test_!!!", CLERK_JS_URL=None, AUTH_PROVIDER="clerk")
    assert load_settings().clerk_browser_script_url is None
    assert not load_settings().clerk_in_browser


def test_nothing_else_reads_the_environment():
    """Only settings.py may read os.environ / os.getenv inside the app package."""
    from pathlib import Path

    pkg = Path(__file__).resolve().parents[2] / "vocahire"
    offenders = [
        str(p.relative_to(pkg))
        for p in pkg.rglob("*.py")
        if p.name != "settings.py" and ("os.environ" in p.read_text() or "os.getenv" in p.read_text())
    ]
    assert offenders == []


def test_production_refuses_a_short_diagnostics_token(env):
    env(
        ENVIRONMENT="production",
        SESSION_SECRET="x" * 40,
        APP_URL="https://v.example",
        DIAGNOSTICS_TOKEN="short",
    )
    with pytest.raises(SettingsError, match="DIAGNOSTICS_TOKEN"):
        load_settings()


PRODUCTION = {"ENVIRONMENT": "production", "SESSION_SECRET": "x" * 40, "APP_URL": "https://v.example"}


def test_production_refuses_a_stripe_webhook_secret_without_the_api_key(env):
    env(**PRODUCTION, STRIPE_WEBHOOK_SECRET="whsec_live_1")
    with pytest.raises(SettingsError, match="STRIPE_SECRET_KEY is required"):
        load_settings()
    env(STRIPE_SECRET_KEY="sk_live_1")
    assert load_settings().stripe_configured


def test_production_refuses_a_clerk_webhook_secret_without_the_secret_key(env):
    clerk = {"AUTH_PROVIDER": "clerk", "CLERK_PUBLISHABLE_KEY": "pk_live_Y2xlcmsudi5leGFtcGxlJA"}
    env(**PRODUCTION, **clerk, CLERK_WEBHOOK_SECRET="whsec_dGVzdA==")
    with pytest.raises(SettingsError, match="CLERK_SECRET_KEY is required"):
        load_settings()
    env(CLERK_SECRET_KEY="sk_live_1")
    assert load_settings().resolved_auth_provider == "clerk"


def test_outside_production_a_half_configured_stripe_still_starts(env):
    env(STRIPE_WEBHOOK_SECRET="whsec_test_1")
    assert not load_settings().stripe_configured  # its webhooks answer 503 until the key is set


@pytest.mark.parametrize("value", ["0", "31", "many"])
def test_db_threads_outside_one_to_the_pools_thirty_is_refused_by_name(env, value):
    env(DB_THREADS=value)
    with pytest.raises(SettingsError, match="DB_THREADS"):
        load_settings()
