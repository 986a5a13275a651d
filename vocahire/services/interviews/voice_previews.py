"""The short clip of each interviewer voice that set-up lets the candidate play: static files under
``assets/voices/``, recorded once by ``scripts/record_voice_previews.py`` (no upstream call at run time).

Which clips exist is checked once, at import (so when the app compiles): a voice without one offers no
preview, and a clip added later shows after a restart.
"""

from __future__ import annotations

from pathlib import Path

from vocahire.services.interviews.voices import VOICES

# What every clip says: an interviewer's opening, about six seconds, so voices compare on the same words.
PREVIEW_TEXT = "Hi, thanks for joining me today. Let's start with a little about yourself."

REPO_ROOT = Path(__file__).resolve().parents[3]
CLIPS_FOLDER = "voices"  # under assets/, which Reflex serves at the site's root


def clips_dir(root: Path = REPO_ROOT) -> Path:
    """Where the clips live: ``<root>/assets/voices``."""
    return root / "assets" / CLIPS_FOLDER


def clip_file(voice: str, root: Path = REPO_ROOT) -> Path:
    return clips_dir(root) / f"{voice}.mp3"


def find_previews(root: Path = REPO_ROOT) -> dict[str, str]:
    """Each voice that has a non-empty clip under ``root``, mapped to the clip's public URL path."""
    found: dict[str, str] = {}
    for voice in VOICES:
        path = clip_file(voice, root)
        if path.is_file() and path.stat().st_size > 0:
            found[voice] = f"/{CLIPS_FOLDER}/{voice}.mp3"
    return found


PREVIEWS: dict[str, str] = find_previews()


def preview_path(voice: str, *, root: Path | None = None) -> str | None:
    """The public path of ``voice``'s clip (``/voices/<voice>.mp3``), or None when it has none; an
    unknown voice has none. ``root`` looks in another checkout instead of the one found at import."""
    previews = PREVIEWS if root is None else find_previews(root)
    return previews.get(voice)
