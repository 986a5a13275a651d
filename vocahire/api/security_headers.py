"""The security headers every response carries, derived from the settings and the built pages.

The Content-Security-Policy allows what the app itself loads and nothing else: its own origin (pages,
assets, the API, Reflex's websocket at ``APP_URL``), the OpenAI base URL (the interview's upstream), and,
when Clerk signs people in, ClerkJS, its Frontend API, its images and the bot check it may frame. The
inline scripts of the production build (React Router's hydration data, the theme switch) are allowed by
their hashes, read from the built pages, so an injected inline script or ``javascript:`` URL is not.
``'unsafe-eval'`` stays because Reflex runs ``rx.call_script`` through ``eval``; styles stay inline
(Emotion and Radix write them at runtime).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from vocahire.settings import Settings, clerk_frontend_api_host

CLERK_IMAGES = "https://img.clerk.com"
CLERK_BOT_CHECK = "https://challenges.cloudflare.com"  # Cloudflare Turnstile, loaded by ClerkJS
HSTS_SECONDS = 2 * 365 * 24 * 3600
PERMISSIONS_POLICY = "microphone=(self), camera=(), geolocation=()"
REFERRER_POLICY = "strict-origin-when-cross-origin"

# An inline <script> (one without src): its text is what the browser hashes.
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, or "" when it has none."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def websocket_origin(http_origin: str) -> str:
    """The ``ws(s)://`` twin of an ``http(s)://`` origin (Reflex's socket lives at ``APP_URL``)."""
    return "wss://" + http_origin[8:] if http_origin.startswith("https://") else "ws://" + http_origin[7:]


def _clerk_origins(settings: Settings) -> list[str]:
    """Where ClerkJS comes from and talks to: its script's origin and the instance's Frontend API."""
    origins = [origin_of(settings.clerk_browser_script_url or "")]
    host = clerk_frontend_api_host(settings.clerk_publishable_key)
    if host:
        origins.append(f"https://{host}")
    return [o for o in origins if o]


def content_security_policy(settings: Settings, script_hashes: tuple[str, ...] = ()) -> str:
    """The policy for this deployment; ``script_hashes`` are the built pages' inline scripts."""
    app = origin_of(settings.app_url)
    clerk = _clerk_origins(settings) if settings.clerk_in_browser else []
    directives: dict[str, list[str]] = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes, "'unsafe-eval'", *clerk],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'", app, websocket_origin(app), origin_of(settings.openai_base_url), *clerk],
        "worker-src": ["'self'", "blob:"],
        "frame-src": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    if clerk:
        directives["script-src"].append(CLERK_BOT_CHECK)
        directives["img-src"].append(CLERK_IMAGES)
        directives["frame-src"] = [CLERK_BOT_CHECK]
    policy = [f"{name} {' '.join(dict.fromkeys(values))}" for name, values in directives.items()]
    if app.startswith("https://"):
        policy.append("upgrade-insecure-requests")
    return "; ".join(policy)


def security_headers(settings: Settings, script_hashes: tuple[str, ...] = ()) -> dict[str, str]:
    """Every header of the policy, by lower-case name; HSTS only when the app is served over https."""
    headers = {
        "content-security-policy": content_security_policy(settings, script_hashes),
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": REFERRER_POLICY,
        "permissions-policy": PERMISSIONS_POLICY,
    }
    if settings.app_url.startswith("https://"):
        headers["strict-transport-security"] = f"max-age={HSTS_SECONDS}; includeSubDomains"
    return headers


def inline_script_hashes(pages_dir: Path) -> tuple[str, ...]:
    """CSP sources (``'sha256-...'``) for every inline script of the HTML pages under ``pages_dir``."""
    found: set[str] = set()
    for page in sorted(pages_dir.rglob("*.html")):
        for body in _INLINE_SCRIPT.findall(page.read_bytes()):
            if body.strip():
                found.add("'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'")
    return tuple(sorted(found))


@functools.cache
def built_pages_dir() -> Path:
    """Where ``reflex run --env prod`` serves the built pages from (see ``reflex.utils.exec``); fixed for the
    process's life (its configuration), so asked once."""
    from reflex.utils.prerequisites import get_web_dir
    from reflex_base import constants
    from reflex_base.config import get_config

    return get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")


def built_script_hashes() -> tuple[str, ...]:
    """The inline-script hashes of the current build (none without one: pages are then served elsewhere).

    Read again only when the build's entry page changes (a rebuild), so a running server follows it; the
    entry page is looked at no more than once a second (every response asks).
    """
    pages = built_pages_dir()
    now = time.monotonic()
    seen = _STAMPS.get(pages)
    if seen is None or now - seen[0] >= STAMP_CHECK_SECONDS:
        try:
            stamp: int | None = (pages / "index.html").stat().st_mtime_ns
        except OSError:
            stamp = None
        seen = _STAMPS[pages] = (now, stamp)
    return () if seen[1] is None else _hashes_of_build(pages, seen[1])


STAMP_CHECK_SECONDS = 1.0
_STAMPS: dict[Path, tuple[float, int | None]] = {}


@functools.lru_cache(maxsize=4)
def _hashes_of_build(pages: Path, stamp: int) -> tuple[str, ...]:
    return inline_script_hashes(pages)
