"""Words and filler words in the interview's language (issue 17); English keeps ``speech_text``'s rules.

Japanese and Chinese are written without spaces between words: their length is counted in characters
(each Han, hiragana or katakana character, plus any Latin word or number in the line). Each language's
fillers are a short list of its common hesitations and padding phrases, counted longest first and
without overlaps, so a candidate can check a count by reading their own transcript.
"""

from __future__ import annotations

import re
from collections import Counter

from vocahire.services.feedback.speech_text import WORD_PATTERN, find_fillers, words_in

CHARACTER_LANGUAGES = frozenset({"ja", "zh"})
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_IN_CJK_RE = re.compile(r"[0-9A-Za-z]+(?:['’-][0-9A-Za-z]+)*")
_WORD_SPAN_RE = re.compile(WORD_PATTERN)

FILLERS: dict[str, tuple[str, ...]] = {
    "es": ("o sea", "en plan", "digamos", "bueno", "pues", "eh", "em", "ehm", "mmm"),
    "fr": ("en fait", "du coup", "tu vois", "genre", "euh", "bah", "ben", "hum"),
    "de": ("sozusagen", "irgendwie", "quasi", "halt", "äh", "ähm", "öhm", "hm"),
    "pt": ("tipo assim", "tipo", "né", "hum", "ahn", "sabe"),
    "it": ("cioè", "praticamente", "insomma", "tipo", "boh", "ehm", "eh"),
    "nl": ("zeg maar", "eigenlijk", "nou", "ehm", "eh", "uh"),
    "pl": ("w sumie", "jakby", "wiesz", "znaczy", "yyy", "eee"),
    "hi": ("मतलब", "यानी", "हम्म"),
    "ko": ("그러니까", "뭐랄까", "약간", "음", "어"),
    "ja": ("えーと", "えっと", "あのー", "えー", "あの", "まあ", "なんか"),
    "zh": ("就是说", "然后呢", "那个", "嗯", "呃"),
}


def count_words(text: str, language: str = "en") -> int:
    """Words in a line; in Japanese and Chinese, characters (and any Latin word) instead."""
    if language in CHARACTER_LANGUAGES:
        return len(_CJK_RE.findall(text or "")) + len(_LATIN_IN_CJK_RE.findall(text or ""))
    return len(words_in(text))


def find_fillers_in(text: str, language: str = "en") -> list[tuple[int, int, str]]:
    """Where the filler words of ``language`` are in ``text``: ``(start, end, filler)`` spans, in order
    (the annotated transcript marks them; ``count_fillers_in`` counts them, so both agree)."""
    fillers = FILLERS.get(language)
    text = text or ""
    if fillers is None:
        return find_fillers(text)
    found: list[tuple[int, int, str]] = []
    if language in CHARACTER_LANGUAGES:
        taken = [False] * len(text)
        for filler in sorted(fillers, key=len, reverse=True):  # "えーと" before "えー"
            at = text.find(filler)
            while at >= 0:
                end = at + len(filler)
                if any(taken[at:end]):
                    at = text.find(filler, at + 1)
                    continue
                found.append((at, end, filler))
                taken[at:end] = [True] * len(filler)
                at = text.find(filler, end)
        return sorted(found)
    tokens = list(_WORD_SPAN_RE.finditer(text))
    words = [m.group(0).lower() for m in tokens]
    phrases = sorted((tuple(f.split()) for f in fillers), key=len, reverse=True)
    i = 0
    while i < len(words):
        for phrase in phrases:
            if tuple(words[i : i + len(phrase)]) == phrase:
                found.append((tokens[i].start(), tokens[i + len(phrase) - 1].end(), " ".join(phrase)))
                i += len(phrase)
                break
        else:
            i += 1
    return found


def count_fillers_in(text: str, language: str = "en") -> Counter[str]:
    """Filler words in a line of the given language, by filler."""
    return Counter(filler for _, _, filler in find_fillers_in(text, language))
