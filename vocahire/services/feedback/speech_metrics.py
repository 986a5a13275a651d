"""Measured speech figures from a transcript and its timestamps: local, deterministic, no AI.

Every figure carries a plain-language explanation and a target range, and the
whole result is a pydantic model that serialises to JSON for ``Feedback.metrics``.
Times are seconds from the start of the interview; a line without timestamps
still counts for words and fillers, just not for pace or timing.
"""

from __future__ import annotations

import functools
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from vocahire.services.feedback import speech_languages
from vocahire.services.feedback.answers import AnswerSpan, segment_answers
from vocahire.services.feedback.key_terms import TermFinder, key_terms
from vocahire.services.feedback.locale_format import format_number

METRICS_VERSION = 1

Role = Literal["interviewer", "candidate"]
Status = Literal["good", "watch", "na"]
TalkBasis = Literal["time", "words", "none"]

# Thresholds (seconds unless named otherwise); changing one changes the golden tests on purpose.
OVERLAP_TOLERANCE = 0.3  # transcription timestamps jitter; smaller overlaps are not interruptions
LONG_SILENCE = 5.0
MIN_SECONDS_FOR_RATE = 3.0  # a pace or filler rate over a shorter stretch is noise
SHORT_ANSWER_WORDS = 25
LONG_ANSWER_SECONDS = 180.0
LONG_ANSWER_WORDS = 450  # used only when an answer has no timestamps (about 3 minutes of speech)
WORST_ANSWERS = 3
EXCERPT_CHARS = 160


@dataclass(frozen=True)
class Target:
    low: float | None
    high: float | None
    text: str


TARGETS: dict[str, Target] = {
    "wpm": Target(120, 160, "120–160 words per minute"),
    "fillers_per_minute": Target(0, 3, "3 or fewer per minute"),
    "median_latency_seconds": Target(1, 4, "1–4 seconds"),
    "talk_ratio_percent": Target(55, 80, "55–80% of the speaking time"),
    "median_answer_seconds": Target(45, 120, "45 seconds to 2 minutes"),
    "median_answer_words": Target(100, 300, "100–300 words"),
    "candidate_interruptions": Target(0, 1, "at most 1"),
    "long_silences": Target(0, 2, "at most 2"),
    "longest_monologue_seconds": Target(0, LONG_ANSWER_SECONDS, "under 3 minutes"),
    "keyword_coverage_percent": Target(40, 100, "40% or more of the key terms"),
}
# Japanese and Chinese are counted in characters (``speech_languages``): their own pace and answer length.
# Clear, unhurried speech runs about 300 characters a minute in Japanese (the broadcasters' guideline) and
# about 220 in Mandarin; an answer of 1-2 minutes is about 300-600 (ja) or 220-450 (zh) characters.
CHARACTER_TARGETS: dict[str, dict[str, Target]] = {
    "ja": {
        "wpm": Target(250, 350, "250–350 characters per minute"),
        "median_answer_words": Target(300, 600, "300–600 characters"),
    },
    "zh": {
        "wpm": Target(180, 260, "180–260 characters per minute"),
        "median_answer_words": Target(220, 450, "220–450 characters"),
    },
}


def targets_for(language: str) -> dict[str, Target]:
    """The targets the figures of an interview in ``language`` are held to."""
    return {**TARGETS, **CHARACTER_TARGETS.get(language, {})}


# --- input --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One final transcript line, timed in seconds from the interview's start (None when unknown)."""

    role: Role
    text: str
    start: float | None = None
    end: float | None = None
    id: int | None = None  # the transcript row's id (what citations point at); None in tests and benches
    cut_in: bool = False  # the interviewer's polite cut-in on a long answer (issue 17)

    @property
    def seconds(self) -> float | None:
        if self.start is None or self.end is None or self.end < self.start:
            return None
        return self.end - self.start


class _EntryLike(Protocol):
    id: int | None
    role: str
    text: str
    position: float
    started_at: datetime | None
    ended_at: datetime | None


def lines_from_entries(entries: Iterable[_EntryLike], origin: datetime | None = None) -> list[Line]:
    """Transcript rows -> ``Line``s in conversation order, timed from ``origin`` (default: the first line)."""
    rows = sorted(entries, key=lambda e: e.position)
    starts = [e.started_at for e in rows if e.started_at is not None]
    zero = origin or (min(starts) if starts else None)

    def rel(t: datetime | None) -> float | None:
        return None if t is None or zero is None else (t - zero).total_seconds()

    return [
        Line(
            role="candidate" if e.role == "candidate" else "interviewer",
            text=e.text or "",
            start=rel(e.started_at),
            end=rel(e.ended_at),
            id=e.id,
            cut_in=bool(getattr(e, "cut_in", False)),
        )
        for e in rows
    ]


# --- output -------------------------------------------------------------------------------------


class Figure(BaseModel):
    """One headline number with what it means and what to aim for."""

    key: str
    label: str
    value: float | None
    display: str
    target: str
    target_low: float | None
    target_high: float | None
    status: Status
    explanation: str


class AnswerMetrics(BaseModel):
    index: int
    question: str
    answer_excerpt: str
    words: int
    seconds: float | None
    wpm: float | None
    fillers: int
    fillers_per_minute: float | None
    filler_words: dict[str, int]
    latency_seconds: float | None
    starts_at: float | None
    too_short: bool
    too_long: bool
    asked: bool = True  # False: small talk (nothing was asked); absent in figures stored before


class TurnTaking(BaseModel):
    candidate_interruptions: int
    interviewer_interruptions: int
    overlap_seconds: float
    long_silences: int
    longest_silence_seconds: float | None
    total_silence_seconds: float
    longest_monologue_seconds: float | None
    longest_monologue_answer: int | None
    interviewer_longest_monologue_seconds: float | None
    candidate_talk_seconds: float
    interviewer_talk_seconds: float
    talk_ratio_percent: float | None
    talk_ratio_basis: TalkBasis
    # Times the interviewer politely cut in on a long answer (older stored figures have none).
    interviewer_cut_ins: int = 0


class KeywordCoverage(BaseModel):
    terms: list[str]
    mentioned: list[str]
    missing: list[str]
    coverage_percent: float | None


class SpeechMetrics(BaseModel):
    """Everything measured for one interview (stored as ``Feedback.metrics``)."""

    version: int = METRICS_VERSION
    figures: list[Figure]
    answers: list[AnswerMetrics]
    worst_filler_answers: list[int]
    filler_totals: dict[str, int]
    turn_taking: TurnTaking
    keywords: KeywordCoverage
    candidate_words: int
    interviewer_words: int
    timed: bool
    summary: dict[str, float | None]

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def as_prompt_text(self) -> str:
        """The measured figures as short lines for the AI's context."""
        return "\n".join(
            f"- {f.label}: {f.display} (target {f.target})" for f in self.figures if f.status != "na"
        )


# --- computation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Turn:
    role: Role
    lines: tuple[Line, ...]

    @property
    def text(self) -> str:
        return " ".join(line.text.strip() for line in self.lines if line.text.strip())

    @property
    def start(self) -> float | None:
        return next((line.start for line in self.lines if line.start is not None), None)

    @property
    def end(self) -> float | None:
        ends = [line.end for line in self.lines if line.end is not None]
        return max(ends) if ends else None


class _TextStats:
    """Words and fillers per line text, each computed once per run (a line is read by several figures)."""

    def __init__(self, language: str = "en") -> None:
        self.language = language
        self._words: dict[str, int] = {}
        self._fillers: dict[str, Counter[str]] = {}

    def words(self, text: str) -> int:
        n = self._words.get(text)
        if n is None:
            n = self._words[text] = speech_languages.count_words(text, self.language)
        return n

    def fillers(self, text: str) -> Counter[str]:
        found = self._fillers.get(text)
        if found is None:
            found = self._fillers[text] = speech_languages.count_fillers_in(text, self.language)
        return found

    def speaking_seconds(self, lines: Iterable[Line]) -> float | None:
        """Time spent saying words (lines that produced no words don't count)."""
        spans = [line.seconds for line in lines if line.seconds is not None and self.words(line.text)]
        return sum(spans) if spans else None


def _turns(lines: Sequence[Line]) -> list[_Turn]:
    turns: list[_Turn] = []
    for line in lines:
        if turns and turns[-1].role == line.role:
            turns[-1] = _Turn(line.role, (*turns[-1].lines, line))
        else:
            turns.append(_Turn(line.role, (line,)))
    return turns


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _rate(count: int, seconds: float | None) -> float | None:
    if seconds is None or seconds < MIN_SECONDS_FOR_RATE:
        return None
    return count / (seconds / 60)


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _answers(lines: Sequence[Line], spans: Sequence[AnswerSpan], st: _TextStats) -> list[AnswerMetrics]:
    """One entry per answer (``answers.segment_answers``): an answer cut by the interviewer is one."""
    out: list[AnswerMetrics] = []
    for span in spans:
        own = [lines[i] for i in span.line_indexes]
        text = " ".join(line.text.strip() for line in own if line.text.strip())
        words = sum(st.words(line.text) for line in own)
        seconds = st.speaking_seconds(own)
        fillers: Counter[str] = Counter()
        for line in own:
            fillers.update(st.fillers(line.text))
        total_fillers = sum(fillers.values())
        prompt_ends = [end for i in span.prompt_indexes if (end := lines[i].end) is not None]
        start = next((line.start for line in own if line.start is not None), None)
        latency = start - max(prompt_ends) if prompt_ends and start is not None else None
        out.append(
            AnswerMetrics(
                index=span.number,
                question=_excerpt(span.question, 300),
                answer_excerpt=_excerpt(text) if text else "",
                words=words,
                seconds=_r(seconds),
                wpm=_r(_rate(words, seconds)),
                fillers=total_fillers,
                fillers_per_minute=_r(_rate(total_fillers, seconds)),
                filler_words=dict(sorted(fillers.items())),
                latency_seconds=_r(latency),
                starts_at=_r(start),
                too_short=words < SHORT_ANSWER_WORDS,
                too_long=(
                    seconds > LONG_ANSWER_SECONDS if seconds is not None else words > LONG_ANSWER_WORDS
                ),
                asked=span.asked,
            )
        )
    return out


def _turn_taking(
    lines: Sequence[Line], turns: Sequence[_Turn], answer_of: dict[int, int], st: _TextStats
) -> TurnTaking:
    timed = sorted(
        (line for line in lines if line.seconds is not None), key=lambda line: (line.start, line.end)
    )
    interruptions = {"candidate": 0, "interviewer": 0}
    overlap = 0.0
    last_end: dict[str, float] = {}
    covered: float | None = None
    gaps: list[float] = []
    for line in timed:
        assert line.start is not None and line.end is not None
        other = "interviewer" if line.role == "candidate" else "candidate"
        other_end = last_end.get(other)
        if other_end is not None and other_end - line.start > OVERLAP_TOLERANCE:
            interruptions[line.role] += 1
            overlap += min(other_end, line.end) - line.start
        if covered is not None and line.start > covered:
            gaps.append(line.start - covered)
        covered = line.end if covered is None else max(covered, line.end)
        last_end[line.role] = max(last_end.get(line.role, line.end), line.end)

    talk = {"candidate": 0.0, "interviewer": 0.0}
    for line in timed:
        talk[line.role] += line.seconds or 0.0
    words = {"candidate": 0, "interviewer": 0}
    for line in lines:
        words[line.role] += st.words(line.text)
    ratio: float | None
    basis: TalkBasis
    if talk["candidate"] + talk["interviewer"] > 0:
        ratio, basis = 100 * talk["candidate"] / (talk["candidate"] + talk["interviewer"]), "time"
    elif words["candidate"] + words["interviewer"] > 0:
        ratio, basis = 100 * words["candidate"] / (words["candidate"] + words["interviewer"]), "words"
    else:
        ratio, basis = None, "none"

    def longest(role: Role) -> tuple[float | None, int | None]:
        best: tuple[float | None, int | None] = (None, None)
        for turn in turns:
            if turn.role != role or turn.start is None or turn.end is None:
                continue
            span = turn.end - turn.start
            if best[0] is None or span > best[0]:
                best = (span, answer_of.get(id(turn.lines[0])) if role == "candidate" else None)
        return best

    cand_span, cand_answer = longest("candidate")
    int_span, _ = longest("interviewer")
    return TurnTaking(
        interviewer_cut_ins=sum(1 for line in lines if line.role == "interviewer" and line.cut_in),
        candidate_interruptions=interruptions["candidate"],
        interviewer_interruptions=interruptions["interviewer"],
        overlap_seconds=round(overlap, 1),
        long_silences=sum(1 for g in gaps if g >= LONG_SILENCE),
        longest_silence_seconds=_r(max(gaps)) if gaps else None,
        total_silence_seconds=round(sum(gaps), 1),
        longest_monologue_seconds=_r(cand_span),
        longest_monologue_answer=cand_answer,
        interviewer_longest_monologue_seconds=_r(int_span),
        candidate_talk_seconds=round(talk["candidate"], 1),
        interviewer_talk_seconds=round(talk["interviewer"], 1),
        talk_ratio_percent=_r(ratio),
        talk_ratio_basis=basis,
    )


def _keywords(job_description: str, candidate_text: str) -> KeywordCoverage:
    terms = key_terms(job_description)
    if not terms:
        return KeywordCoverage(terms=[], mentioned=[], missing=[], coverage_percent=None)
    used = TermFinder(terms).used(candidate_text)
    mentioned = [term for term in terms if term in used]
    missing = [term for term in terms if term not in used]
    return KeywordCoverage(
        terms=terms,
        mentioned=mentioned,
        missing=missing,
        coverage_percent=round(100 * len(mentioned) / len(terms), 1),
    )


def _figure(
    key: str, label: str, value: float | None, display: str, explanation: str, targets: dict[str, Target]
) -> Figure:
    target = targets[key]
    if value is None:
        status: Status = "na"
    elif (target.low is None or value >= target.low) and (target.high is None or value <= target.high):
        status = "good"
    else:
        status = "watch"
    return Figure(
        key=key,
        label=label,
        value=value,
        display=display if value is not None else "Not measured",
        target=target.text,
        target_low=target.low,
        target_high=target.high,
        status=status,
        explanation=explanation,
    )


def _filler_examples(language: str) -> str:
    """A few of the language's filler words, quoted, for the figure's explanation."""
    examples = speech_languages.FILLERS.get(language, ("um", "uh", "you know", "basically", "like"))[:5]
    quoted = [f"“{word}”" for word in examples]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


def _fmt(value: float | None, unit: str, language: str = "en") -> str:
    if value is None:
        return "Not measured"
    decimals = 0 if abs(value) >= 10 or float(value).is_integer() else 1
    return f"{format_number(value, language, decimals)}{unit}"


def compute_speech_metrics(
    lines: Sequence[Line], job_description: str = "", language: str = "en"
) -> SpeechMetrics:
    """All measured figures for one interview; deterministic for a given transcript. ``language``: the
    interview's, for its fillers and word counting (Japanese and Chinese count characters)."""
    st = _TextStats(language)
    characters = language in speech_languages.CHARACTER_LANGUAGES
    targets = targets_for(language)
    fig = functools.partial(_figure, targets=targets)
    fmt = functools.partial(_fmt, language=language)
    unit = "characters" if characters else "words"
    pace = f"{targets['wpm'].low:.0f}–{targets['wpm'].high:.0f}"
    answer_length = targets["median_answer_words"].text
    turns = _turns(lines)
    spans = segment_answers(lines)
    answers = _answers(lines, spans, st)
    answer_of = {id(lines[i]): span.number for span in spans for i in span.line_indexes}
    turn_taking = _turn_taking(lines, turns, answer_of, st)
    candidate_text = " ".join(line.text for line in lines if line.role == "candidate")
    keywords = _keywords(job_description, candidate_text)

    cand_lines = [line for line in lines if line.role == "candidate"]
    cand_words = sum(st.words(line.text) for line in cand_lines)
    int_words = sum(st.words(line.text) for line in lines if line.role == "interviewer")
    speaking_seconds = st.speaking_seconds(cand_lines)
    timed_words = sum(st.words(line.text) for line in cand_lines if line.seconds is not None)
    filler_totals: Counter[str] = Counter()
    for answer in answers:
        filler_totals.update(answer.filler_words)
    timed_fillers = sum(
        sum(st.fillers(line.text).values()) for line in cand_lines if line.seconds is not None
    )

    wpm = _r(_rate(timed_words, speaking_seconds))
    fpm = _r(_rate(timed_fillers, speaking_seconds))
    latencies = [a.latency_seconds for a in answers if a.latency_seconds is not None]
    median_latency = _r(statistics.median(latencies)) if latencies else None
    answer_secs = [a.seconds for a in answers if a.seconds is not None]
    timed = speaking_seconds is not None

    worst = sorted(
        (a for a in answers if a.fillers > 0),
        key=lambda a: (-(a.fillers_per_minute or 0.0), -a.fillers, a.index),
    )[:WORST_ANSWERS]

    figures = [
        fig(
            "wpm",
            "Speaking pace",
            wpm,
            fmt(wpm, " characters/min" if characters else " wpm"),
            f"How fast you spoke while answering, in {unit} per minute. Around {pace} sounds confident and "
            "is easy to follow; much slower can sound hesitant, much faster is hard to take in.",
        ),
        fig(
            "fillers_per_minute",
            "Filler words",
            fpm,
            fmt(fpm, " per min"),
            f"Words like {_filler_examples(language)} used as padding. A few are natural; many make answers "
            "sound unsure. A short silent pause works better.",
        ),
        fig(
            "median_latency_seconds",
            "Time to start answering",
            median_latency,
            fmt(median_latency, " s"),
            "The typical gap between the end of a question and the start of your answer. A beat to think is "
            "good; a negative value means you started before the question was finished.",
        ),
        fig(
            "talk_ratio_percent",
            "Your share of the talking",
            turn_taking.talk_ratio_percent,
            fmt(turn_taking.talk_ratio_percent, "%"),
            "How much of the conversation was you. In an interview the candidate should do most of the "
            "talking, while still leaving room for the interviewer.",
        ),
    ]
    if answer_secs:
        med = _r(statistics.median(answer_secs))
        figures.append(
            fig(
                "median_answer_seconds",
                "Typical answer length",
                med,
                fmt(med, " s"),
                "How long your answers usually ran. Under about 45 seconds rarely shows enough; over 2 "
                "minutes risks losing the listener. A STAR answer fits comfortably in 1–2 minutes.",
            )
        )
    else:
        med_words = _r(statistics.median([a.words for a in answers])) if answers else None
        figures.append(
            fig(
                "median_answer_words",
                "Typical answer length",
                med_words,
                fmt(med_words, f" {unit}"),
                f"How many {unit} your answers usually had (no timing was recorded). About "
                f"{answer_length} is one to two minutes of speech.",
            )
        )
    figures += [
        fig(
            "candidate_interruptions",
            "Times you talked over the interviewer",
            float(turn_taking.candidate_interruptions) if timed else None,
            fmt(turn_taking.candidate_interruptions, ""),
            "How often you started speaking while the interviewer was still talking. Letting a question "
            "finish shows you are listening.",
        ),
        fig(
            "long_silences",
            "Long silences",
            float(turn_taking.long_silences) if timed else None,
            fmt(turn_taking.long_silences, ""),
            f"Pauses of {LONG_SILENCE:.0f} seconds or more with nobody speaking. If you need time, say so "
            "(“Let me think about that for a moment”).",
        ),
        fig(
            "longest_monologue_seconds",
            "Longest answer without a break",
            turn_taking.longest_monologue_seconds,
            fmt(turn_taking.longest_monologue_seconds, " s"),
            "Your longest uninterrupted stretch of talking. Past about 3 minutes, interviewers tend to lose "
            "the thread; pause and check in.",
        ),
        fig(
            "keyword_coverage_percent",
            "Job description terms you used",
            keywords.coverage_percent,
            fmt(keywords.coverage_percent, "%"),
            "How many of the job description's key terms came up in your answers. Using the employer's own "
            "words (where true for you) shows the fit directly.",
        ),
    ]

    summary = {
        "wpm": wpm,
        "fillers_per_minute": fpm,
        "median_latency_seconds": median_latency,
        "talk_ratio_percent": turn_taking.talk_ratio_percent,
        "keyword_coverage_percent": keywords.coverage_percent,
        "answers": float(len(answers)),
    }
    return SpeechMetrics(
        figures=figures,
        answers=answers,
        worst_filler_answers=[a.index for a in worst],
        filler_totals=dict(sorted(filler_totals.items(), key=lambda kv: (-kv[1], kv[0]))),
        turn_taking=turn_taking,
        keywords=keywords,
        candidate_words=cand_words,
        interviewer_words=int_words,
        timed=timed,
        summary=summary,
    )
