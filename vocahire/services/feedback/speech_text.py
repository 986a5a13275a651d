"""Text rules behind the speech figures: words and filler words (key terms live in ``key_terms.py``).

Plain deterministic rules (no AI, no dictionaries to download), written so a
candidate can check a count by reading their own transcript.
"""

from __future__ import annotations

import re
from collections import Counter

# Combining marks belong to their word (Devanagari vowel signs and viramas are not "\w" for ``re``).
_MARKS = "\u0300-\u036f\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963"
_LETTERS = rf"(?:[^\W_]|[{_MARKS}])"
WORD_PATTERN = rf"[^\W_]{_LETTERS}*(?:['’-]{_LETTERS}+)*"  # a spoken word ("don't", "well-known", "यानी")
_WORD_RE = re.compile(WORD_PATTERN)
# Words and the punctuation that marks a spoken pause (fillers are often set off by commas).
_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[,.;:!?…]|—|–")
_SENTENCE_BREAKS = frozenset({".", "?", "!", ";", ":", "…", "—", "–"})
_PAUSES = frozenset({","}) | _SENTENCE_BREAKS

# Words that are padding in spoken answers far more often than not.
ALWAYS_FILLERS = frozenset({"basically", "actually", "literally"})

# "what kind of", "this sort of": the noun, not the filler.
_KIND_OF_NOUN_BEFORE = frozenset(
    [
        "what",
        "which",
        "this",
        "that",
        "these",
        "those",
        "the",
        "a",
        "an",
        "some",
        "any",
        "one",
        "every",
        "each",
        "same",
        "my",
        "our",
        "your",
        "their",
        "his",
        "her",
        "its",
        "no",
        "different",
        "all",
        "other",
        "another",
        "certain",
    ]
)
# "I like", "would like", "looks like": the verb or the comparison, not the filler.
_LIKE_NOT_FILLER_BEFORE = frozenset(
    [
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "it",
        "people",
        "would",
        "i'd",
        "we'd",
        "you'd",
        "they'd",
        "to",
        "really",
        "also",
        "don't",
        "didn't",
        "do",
        "does",
        "doesn't",
        "look",
        "looks",
        "looked",
        "looking",
        "seem",
        "seems",
        "seemed",
        "sound",
        "sounds",
        "sounded",
        "feel",
        "feels",
        "felt",
        "something",
        "anything",
        "nothing",
        "things",
        "stuff",
        "more",
        "less",
        "much",
        "just",
        "exactly",
        "not",
    ]
)
_NUMBER_WORDS = frozenset(
    [
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "thousand",
        "million",
        "half",
        "few",
        "couple",
        "dozen",
    ]
)
_YOU_KNOW_NOT_FILLER_BEFORE = frozenset(["do", "did", "does", "don't", "didn't", "if", "whether", "as"])
_YOU_KNOW_NOT_FILLER_AFTER = frozenset(
    ["what", "how", "why", "where", "when", "who", "which", "whether", "if"]
)
_I_MEAN_NOT_FILLER_BEFORE = frozenset(["what", "which"])
_I_MEAN_NOT_FILLER_AFTER = frozenset(["it", "that", "this", "to", "what"])


def words_in(text: str) -> list[str]:
    """The spoken words of a line ("don't" and "well-known" count once each)."""
    return _WORD_RE.findall(text or "")


def _is_number(token: str | None) -> bool:
    return token is not None and (token.isdigit() or token in _NUMBER_WORDS)


def count_fillers(text: str) -> Counter[str]:
    """Filler words in ``text``, by filler ("you know", "like"...).

    ``like`` counts only when it is padding: set off by pauses ("so, like, we"),
    after a conjunction ("and like"), next to a hesitation ("like, um"), or before
    an estimate ("like ten people"); never after "I", "would", "looks"...
    ``kind of``/``sort of`` don't count after "what", "this", "the"...
    """
    return Counter(filler for _, _, filler in find_fillers(text))


def find_fillers(text: str) -> list[tuple[int, int, str]]:
    """Where the filler words are in ``text``: ``(start, end, filler)`` character spans, in order."""
    matches = list(_TOKEN_RE.finditer(text or ""))
    toks = [m.group(0).lower().replace("’", "'") for m in matches]
    found: list[tuple[int, int, str]] = []
    n = len(toks)
    i = 0
    while i < n:
        tok = toks[i]
        prev = toks[i - 1] if i > 0 else None
        nxt = toks[i + 1] if i + 1 < n else None
        filler: str | None = None
        width = 1
        hesitation = _hesitation(tok)
        if hesitation or tok in ALWAYS_FILLERS:
            filler = hesitation or tok
        elif tok == "you" and nxt == "know":
            after = toks[i + 2] if i + 2 < n else None
            if prev not in _YOU_KNOW_NOT_FILLER_BEFORE and after not in _YOU_KNOW_NOT_FILLER_AFTER:
                filler, width = "you know", 2
        elif tok == "i" and nxt == "mean":
            after = toks[i + 2] if i + 2 < n else None
            if prev not in _I_MEAN_NOT_FILLER_BEFORE and after not in _I_MEAN_NOT_FILLER_AFTER:
                filler, width = "i mean", 2
        elif tok in ("kind", "sort") and nxt == "of":
            if prev not in _KIND_OF_NOUN_BEFORE:
                filler, width = f"{tok} of", 2
        elif tok == "like" and _like_is_filler(prev, nxt):
            filler = "like"
        if filler is not None:
            found.append((matches[i].start(), matches[i + width - 1].end(), filler))
        i += width
    return found


_HESITATION_RE = re.compile(r"^(?:u+h*m+|u+h+|e+r+m*|h+m+)$")


def _hesitation(tok: str | None) -> str | None:
    """ "um", "uh", "er" or "hmm" for any spelling ("ummm", "uhh", "erm"), else None."""
    if tok is None or tok[0] not in "ueh" or not _HESITATION_RE.match(tok):
        return None
    if tok.startswith("h"):
        return "hmm"
    if tok.startswith("e"):
        return "er"
    return "um" if tok.endswith("m") else "uh"


def _like_is_filler(prev: str | None, nxt: str | None) -> bool:
    if prev in _LIKE_NOT_FILLER_BEFORE:
        return False
    at_pause_before = prev is None or prev in _PAUSES
    if at_pause_before and (nxt is None or nxt in _PAUSES):
        return True
    if prev in ("and", "so", "but", "or") or _hesitation(prev) or _hesitation(nxt):
        return True
    return _is_number(nxt)
