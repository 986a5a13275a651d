"""Citations: which transcript lines a feedback point is about, checked against the stored transcript.

The AI cites a line by the label it was shown (``L12``) and a short verbatim quote. Nothing it cites
is trusted: a label that names no line, a quote that isn't in that line (compared without case,
punctuation or spacing differences), or a line of the wrong speaker is repaired to the nearest line
of the right speaker that holds the quote, or dropped. Stored citations name the transcript row
(``TranscriptEntry.id``) and keep the quote, so the page can mark the quoted words in that line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

MAX_QUOTE_CHARS = 300
MAX_CITATIONS_PER_POINT = 4
_LABEL_RE = re.compile(r"^\s*\[?\s*L?\s*(\d{1,6})\s*\]?\s*$", re.IGNORECASE)
_APOSTROPHES = "'’‘`´"


class _LineLike(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def id(self) -> int | None: ...


def line_label(index: int) -> str:
    """The label the AI sees for the line at ``index`` (``L1`` is the first line)."""
    return f"L{index + 1}"


def line_key(line: _LineLike, index: int) -> int:
    """What a stored citation names: the transcript row's id (the line's position when it has none)."""
    return line.id if line.id is not None else index + 1


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased, apostrophes dropped, any other punctuation and spacing made one space;
    with, for each character of the result, the index of the character of ``text`` it came from."""
    out: list[str] = []
    where: list[int] = []
    space = True  # no leading space
    for i, ch in enumerate(text or ""):
        if ch in _APOSTROPHES:
            continue
        if ch.isalnum():
            for low in ch.lower():
                out.append(low)
                where.append(i)
            space = False
        elif not space:
            out.append(" ")
            where.append(i)
            space = True
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def normalise(text: str) -> str:
    return normalise_with_map(text)[0]


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """The character span of ``quote`` in ``text`` (whole words, normalised as above), or None."""
    quote = " ".join((quote or "").split())
    at = text.lower().find(quote.lower()) if quote and len(text) == len(text.lower()) else -1
    if at >= 0 and _word_edge(text, at - 1) and _word_edge(text, at + len(quote)):
        return at, at + len(quote)  # quoted as written (the usual case): no normalising needed
    needle = normalise(quote)
    if not needle:
        return None
    hay, where = normalise_with_map(text)
    at = f" {hay} ".find(f" {needle} ")
    if at < 0:
        return None
    return where[at], where[at + len(needle) - 1] + 1


def _word_edge(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not text[index].isalnum()


@dataclass
class CitationStats:
    """What became of the AI's citations: kept as given, repaired to another line, or dropped."""

    kept: int = 0
    repaired: int = 0
    dropped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def drop(self, reason: str) -> None:
        self.dropped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


class CitationChecker:
    """Checks citations against one transcript (normalised once, so thousands of checks stay cheap)."""

    def __init__(self, lines: Sequence[_LineLike]) -> None:
        self._roles = [line.role for line in lines]
        self._keys = [line_key(line, i) for i, line in enumerate(lines)]
        self._padded = [f" {normalise(line.text)} " for line in lines]
        self.stats = CitationStats()

    def _holds(self, index: int, needle: str, speaker: str) -> bool:
        return self._roles[index] == speaker and needle in self._padded[index]

    def _nearest(self, around: int, needle: str, speaker: str) -> int | None:
        n = len(self._roles)
        for distance in range(n):
            for index in (around - distance, around + distance) if distance else (around,):
                if 0 <= index < n and self._holds(index, needle, speaker):
                    return index
        return None

    def check_one(self, label: Any, quote: Any, speaker: str = "candidate") -> dict[str, Any] | None:
        """One citation as stored (``{"line": row id, "quote": text}``), or None when it was dropped."""
        text = " ".join(str(quote or "").split())
        needle = normalise(text)
        if not needle:
            self.stats.drop("empty quote")
            return None
        match = _LABEL_RE.match(str(label or ""))
        claimed = int(match.group(1)) - 1 if match else -1
        padded = f" {needle} "
        if 0 <= claimed < len(self._roles) and self._holds(claimed, padded, speaker):
            self.stats.kept += 1
            return {"line": self._keys[claimed], "quote": text[:MAX_QUOTE_CHARS]}
        found = self._nearest(claimed if 0 <= claimed < len(self._roles) else 0, padded, speaker)
        if found is None:
            if not 0 <= claimed < len(self._roles):
                self.stats.drop("no such line")
            elif self._roles[claimed] != speaker and padded in self._padded[claimed]:
                self.stats.drop("wrong speaker")
            else:
                self.stats.drop("quote not in the line")
            return None
        self.stats.repaired += 1
        return {"line": self._keys[found], "quote": text[:MAX_QUOTE_CHARS]}

    def check(self, citations: Iterable[Any], speaker: str = "candidate") -> list[dict[str, Any]]:
        """A point's citations, checked; duplicates and any past ``MAX_CITATIONS_PER_POINT`` go."""
        out: list[dict[str, Any]] = []
        seen: set[tuple[int, str]] = set()
        for citation in citations:
            kept = self.check_one(getattr(citation, "line", None), getattr(citation, "quote", None), speaker)
            if kept is None:
                continue
            key = (kept["line"], normalise(kept["quote"]))
            if key in seen or len(out) >= MAX_CITATIONS_PER_POINT:
                continue
            seen.add(key)
            out.append(kept)
        return out
