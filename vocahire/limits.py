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

# --- reading a résumé: a separate process per upload, so a hostile file costs that process, not the app ---
MAX_RESUME_TEXT_CHARS = 50_000  # the text kept; reading stops at twice this (before whitespace is tidied)
MAX_RESUME_UNPACKED_MB = 40  # a Word file's parts, or one PDF stream, once decompressed
MAX_RESUME_PARAGRAPHS = 5_000  # a Word document with more is refused (a 30-page CV has ~1,500)
MAX_RESUME_XML_ELEMENTS = 1_000_000  # elements of a Word document read before giving up (a CV: ~100k)
RESUME_READ_SECONDS = 10  # wall clock for one reading process, then it is killed
RESUME_READ_MEMORY_MB = 512  # the reading process's address space (RLIMIT_AS)
RESUME_READS_AT_ONCE = 2  # reading processes per app worker; more uploads wait their turn...
RESUME_READ_QUEUE_SECONDS = 30  # ...this long at most
