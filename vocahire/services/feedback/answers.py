"""Which transcript lines make one answer, and the question it answers.

An answer is everything the candidate says after one interviewer question until the interviewer asks
the next one: a candidate answer spanning several lines, cut off by the interviewer ("Sorry, go on")
or cutting in, stays one answer. The question is the question itself, not the greeting or the
"Great, thanks" that came before it in the same turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


def _words(text: str) -> list[str]:
    return text.split()


LONG_STATEMENT_WORDS = 8
_SENTENCE_RE = re.compile(r"[^.?!…]+(?:[.?!…]+|$)")
_WORD_RE = re.compile(r"[a-z']+")
# Interviewer words that keep the candidate going rather than ask something new.
BACKCHANNEL = frozenset(
    _words("""mm mhm mm-hmm uh-huh hmm right okay ok yeah yes sure great good nice sorry go on i see got it
    interesting please continue carry keep going thanks thank you that's fair makes sense understood
    ah oh sounds""")
)
# Sentences that ask for an answer without a question mark.
_PROMPT_RE = re.compile(
    r"^(?:so,?\s+|and\s+|now,?\s+|okay,?\s+|ok,?\s+|next,?\s+|great,?\s+|finally,?\s+)*"
    r"(?:tell me|talk me|walk me|take me|describe|explain|share|give me|imagine|suppose|design|"
    r"estimate|pick|think of|let's say|lets say|i'd like you|i would like you|i want you|"
    r"could you|can you|would you|please)\b",
    re.IGNORECASE,
)
_CLOSING_RE = re.compile(
    r"\b(?:that's all|that is all|that's it for|that's everything|we're out of time|out of time|"
    r"time is up|time's up|end (?:of )?(?:the|our) interview|goodbye|good luck|thanks for your time|"
    r"thank you for your time)\b",
    re.IGNORECASE,
)


class _LineLike(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def start(self) -> float | None: ...
    @property
    def end(self) -> float | None: ...


@dataclass(frozen=True)
class AnswerSpan:
    """One answer: its number, the lines (indexes into the transcript) and the question it answers."""

    number: int
    line_indexes: tuple[int, ...]
    prompt_indexes: tuple[int, ...]  # the interviewer lines that asked it (empty: nothing was asked)
    question: str  # "" when nothing was asked (the candidate spoke first)
    question_index: int | None  # the interviewer line holding the question
    asked: bool  # whether the prompt asked anything (False: small talk, a goodbye, or nothing before it)

    @property
    def first(self) -> int:
        return self.line_indexes[0]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_RE.findall(text or "") if s.strip()]


def is_question_sentence(sentence: str) -> bool:
    s = sentence.strip()
    return s.endswith("?") or bool(_PROMPT_RE.match(s))


def is_backchannel(text: str) -> bool:
    """ "Mm-hmm.", "Sorry?", "Right, go on.": the interviewer keeps the candidate talking."""
    words = _WORD_RE.findall((text or "").lower())
    return not words or all(w in BACKCHANNEL for w in words)


def asks_something(text: str) -> bool:
    """Whether an interviewer line asks a (new) question."""
    return not is_backchannel(text) and any(is_question_sentence(s) for s in sentences(text))


def closes(text: str) -> bool:
    """ "Thanks, that's all for today.": whatever the candidate says next is not the same answer."""
    return bool(_CLOSING_RE.search(text or ""))


def question_text(texts: Sequence[str]) -> tuple[str, int | None]:
    """The question in an interviewer turn (several lines), and which of them holds it.

    The last question sentence, with the question sentences right before it ("What did you build?
    And how did you test it?"); greetings, thanks and statements are left out. A turn with no
    question gives its last sentence.
    """
    found: list[tuple[int, str]] = []  # (line, sentence) in order
    for i, text in enumerate(texts):
        found.extend((i, s) for s in sentences(text))
    if not found:
        return "", None
    last_q = max((k for k, (_, s) in enumerate(found) if is_question_sentence(s)), default=None)
    if last_q is None:
        line, sentence = found[-1]
        return sentence, line
    first_q = last_q
    while first_q > 0 and is_question_sentence(found[first_q - 1][1]) and first_q > last_q - 2:
        first_q -= 1
    # Keep a short lead-in the question refers to ("Think of a time you disagreed with a manager.")
    return " ".join(s for _, s in found[first_q : last_q + 1]), found[last_q][0]


def _moves_on(line: _LineLike, last_answer_line: _LineLike) -> bool:
    """Whether an interviewer line after part of an answer starts something new.

    It does when it asks a question or closes the interview, or when it is a statement of its own
    (8+ words, not said over the candidate); "Mm-hmm, go on" and cutting in don't.
    """
    if asks_something(line.text) or closes(line.text):
        return True
    if is_backchannel(line.text) or len(_WORD_RE.findall(line.text.lower())) < LONG_STATEMENT_WORDS:
        return False
    over = line.start is not None and last_answer_line.end is not None and line.start < last_answer_line.end
    return not over


def segment_answers(lines: Sequence[_LineLike]) -> list[AnswerSpan]:
    """The candidate's answers in conversation order (see the module's docstring for the rule)."""
    answers: list[AnswerSpan] = []
    prompt: list[int] = []  # the interviewer lines since the last answer began
    current: list[int] = []
    current_prompt: tuple[int, ...] = ()
    asked_since_answer = False

    def close() -> None:
        if current:
            texts = [lines[i].text for i in current_prompt]
            question, where = question_text(texts)
            asked = any(asks_something(t) for t in texts)
            answers.append(
                AnswerSpan(
                    number=len(answers) + 1,
                    line_indexes=tuple(current),
                    prompt_indexes=current_prompt,
                    question=question,
                    question_index=current_prompt[where] if where is not None else None,
                    asked=asked,
                )
            )

    for i, line in enumerate(lines):
        if line.role == "candidate":
            if not current or asked_since_answer:
                close()
                current = []
                current_prompt = tuple(prompt)
                prompt = []
                asked_since_answer = False
            current.append(i)
        else:
            if current and not asked_since_answer and not _moves_on(line, lines[current[-1]]):
                continue  # an interjection inside an answer: the answer goes on
            if current and not asked_since_answer:
                asked_since_answer = True
            prompt.append(i)
    close()
    return answers
