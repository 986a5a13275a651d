"""Limits and amounts the product enforces and pages show: one home, read by services and pages alike.

A page shows these as hints and browser-side checks (a courtesy); the service that
owns the rule enforces the same value on the server.
"""

from __future__ import annotations

# --- accounts ---
MIN_PASSWORD_LENGTH = 10

# --- interview set-up ---
MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 20_000
MAX_RESUME_MB = 5
MAX_RESUME_BYTES = MAX_RESUME_MB * 1024 * 1024
