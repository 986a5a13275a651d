"""Reflex configuration; every value comes from vocahire.settings (validated at start-up)."""

import reflex as rx

from vocahire.infra.collector import tune_collector
from vocahire.settings import get_settings

_settings = get_settings()
tune_collector(_settings)  # every backend process loads this file before it serves

config = rx.Config(
    app_name="vocahire",
    show_built_with_reflex=False,
    telemetry_enabled=False,
    # The browser reaches the backend (websocket and API routes) at the app's public origin:
    # `reflex run --env prod` serves front end, backend and API on one port.
    api_url=_settings.app_url,
    deploy_url=_settings.app_url,
    redis_url=_settings.reflex_redis_url,  # REDIS_URL plus a connect timeout
    # Chosen, not left to Reflex's default (the disk manager: every event stats and pickles the tab's state
    # to .states/). With Redis, every worker and instance shares every tab's state; without it, one process
    # holds them in memory and a restart starts every open tab afresh (pages reload their data).
    state_manager_mode=(
        rx.constants.StateManagerMode.REDIS
        if _settings.reflex_redis_url
        else rx.constants.StateManagerMode.MEMORY
    ),
    cors_allowed_origins=_settings.allowed_origins,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(
                appearance="inherit",
                accent_color="violet",
                gray_color="slate",
                radius="large",
                scaling="100%",
            )
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
