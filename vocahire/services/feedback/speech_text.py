"""Text rules behind the speech figures: words, filler words and a job description's key terms.

Plain deterministic rules (no AI, no dictionaries to download), written so a
candidate can check a count by reading their own transcript.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter

_WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
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


def _tokens(text: str) -> list[str]:
    return [t.replace("’", "'") for t in _TOKEN_RE.findall((text or "").lower())]


def _is_number(token: str | None) -> bool:
    return token is not None and (token.isdigit() or token in _NUMBER_WORDS)


def count_fillers(text: str) -> Counter[str]:
    """Filler words in ``text``, by filler ("you know", "like"...).

    ``like`` counts only when it is padding: set off by pauses ("so, like, we"),
    after a conjunction ("and like"), next to a hesitation ("like, um"), or before
    an estimate ("like ten people"); never after "I", "would", "looks"...
    ``kind of``/``sort of`` don't count after "what", "this", "the"...
    """
    toks = _tokens(text)
    found: Counter[str] = Counter()
    n = len(toks)
    i = 0
    while i < n:
        tok = toks[i]
        prev = toks[i - 1] if i > 0 else None
        nxt = toks[i + 1] if i + 1 < n else None
        hesitation = _hesitation(tok)
        if hesitation or tok in ALWAYS_FILLERS:
            found[hesitation or tok] += 1
        elif tok == "you" and nxt == "know":
            after = toks[i + 2] if i + 2 < n else None
            if prev not in _YOU_KNOW_NOT_FILLER_BEFORE and after not in _YOU_KNOW_NOT_FILLER_AFTER:
                found["you know"] += 1
                i += 1
        elif tok == "i" and nxt == "mean":
            after = toks[i + 2] if i + 2 < n else None
            if prev not in _I_MEAN_NOT_FILLER_BEFORE and after not in _I_MEAN_NOT_FILLER_AFTER:
                found["i mean"] += 1
                i += 1
        elif tok in ("kind", "sort") and nxt == "of":
            if prev not in _KIND_OF_NOUN_BEFORE:
                found[f"{tok} of"] += 1
                i += 1
        elif tok == "like" and _like_is_filler(prev, nxt):
            found["like"] += 1
        i += 1
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


# --- key terms of a job description ---------------------------------------------------------------

_SEGMENT_RE = re.compile(r"[,;:!?()\[\]\n]|\.(?=\s|$)")
_TERM_RE = re.compile(r"[a-z0-9][a-z0-9+#.\-]*[a-z0-9+#]|[a-z0-9]")
_SHORT_TERMS = frozenset(
    {"ai", "ml", "ux", "ui", "qa", "bi", "hr", "pr", "c#", "c++", "3d", "ar", "vr", "ci", "cd"}
)
_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "across",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren't",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "did",
        "didn't",
        "do",
        "does",
        "doing",
        "don't",
        "down",
        "during",
        "each",
        "either",
        "else",
        "etc",
        "even",
        "ever",
        "every",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "getting",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "however",
        "i",
        "if",
        "in",
        "into",
        "is",
        "isn't",
        "it",
        "its",
        "itself",
        "just",
        "least",
        "less",
        "let",
        "like",
        "made",
        "make",
        "makes",
        "making",
        "many",
        "may",
        "me",
        "might",
        "more",
        "most",
        "much",
        "must",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "one",
        "only",
        "or",
        "other",
        "others",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "per",
        "please",
        "rather",
        "really",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "thus",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "use",
        "used",
        "using",
        "very",
        "via",
        "was",
        "we",
        "well",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "ability",
        "able",
        "across",
        "apply",
        "applicant",
        "applicants",
        "background",
        "based",
        "benefits",
        "best",
        "bonus",
        "candidate",
        "candidates",
        "career",
        "closely",
        "company",
        "competitive",
        "culture",
        "day",
        "daily",
        "degree",
        "demonstrated",
        "desired",
        "develop",
        "drive",
        "environment",
        "equal",
        "equivalent",
        "excellent",
        "excited",
        "exciting",
        "experience",
        "experienced",
        "expertise",
        "familiarity",
        "fast",
        "field",
        "full",
        "good",
        "great",
        "grow",
        "growing",
        "growth",
        "help",
        "high",
        "highly",
        "hire",
        "hiring",
        "ideal",
        "including",
        "job",
        "join",
        "key",
        "knowledge",
        "level",
        "looking",
        "love",
        "new",
        "nice",
        "offer",
        "office",
        "opportunity",
        "paced",
        "part",
        "passion",
        "passionate",
        "plus",
        "position",
        "preferred",
        "proven",
        "related",
        "relevant",
        "remote",
        "required",
        "requirements",
        "responsibilities",
        "responsible",
        "role",
        "salary",
        "seeking",
        "senior",
        "skill",
        "skilled",
        "skills",
        "solid",
        "strong",
        "success",
        "successful",
        "support",
        "team",
        "teams",
        "time",
        "understanding",
        "want",
        "ways",
        "we're",
        "who'll",
        "work",
        "working",
        "world",
        "write",
        "year",
        "years",
        "you'll",
        "own",
        "ensure",
    ]
)
MAX_TERMS = 15
MAX_PHRASES = 4


@functools.lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """A light stemmer: enough for "APIs"/"API", "testing"/"tests"/"test", "scaled"/"scale"."""
    w = word.lower().replace("’", "'")
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            w = w[: -len(suffix)] + repl
            break
    # "scale", "scaled", "scaling" -> "scal"
    return w[:-1] if w.endswith("e") and len(w) > 4 else w


def stems(text: str) -> list[str]:
    """Stemmed terms of ``text`` in order (keeps "c++", "node.js", "ci" style tokens)."""
    return [_stem(t) for t in _TERM_RE.findall((text or "").lower())]


def _is_term(tok: str) -> bool:
    if tok in _STOPWORDS or tok.isdigit():
        return False
    return len(tok) >= 3 or tok in _SHORT_TERMS


def key_terms(job_description: str) -> list[str]:
    """The job description's most repeated specific words and two-word phrases, most frequent first."""
    toks = _TERM_RE.findall((job_description or "").lower())
    if not toks:
        return []
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    by_stem: dict[str, str] = {}
    for pos, tok in enumerate(toks):
        if not _is_term(tok):
            continue
        stem = _stem(tok)
        by_stem.setdefault(stem, tok)
        counts[stem] += 1
        first_seen.setdefault(stem, pos)
    phrases: Counter[tuple[str, str]] = Counter()
    phrase_seen: dict[tuple[str, str], int] = {}
    pos = 0
    # Phrases never span punctuation ("PostgreSQL. REST" is not a phrase).
    for segment in _SEGMENT_RE.split((job_description or "").lower()):
        seg = _TERM_RE.findall(segment)
        for a, b in itertools.pairwise(seg):
            pos += 1
            if _is_term(a) and _is_term(b):
                key = (a, b)
                phrases[key] += 1
                phrase_seen.setdefault(key, pos)
    picked_phrases = [
        p for p in sorted(phrases, key=lambda p: (-phrases[p], phrase_seen[p])) if phrases[p] >= 2
    ][:MAX_PHRASES]
    in_phrases = {_stem(w) for p in picked_phrases for w in p}
    singles = [s for s in sorted(counts, key=lambda s: (-counts[s], first_seen[s])) if s not in in_phrases]
    terms = [" ".join(p) for p in picked_phrases] + [by_stem[s] for s in singles]
    return terms[:MAX_TERMS]
