"""A job description's key terms (skills and noun phrases), and where a candidate's words use them.

Plain rules, no dictionary download: a term is a skill (a known one, or shaped like one: "C++",
"Node.js", "PostgreSQL", "REST", "CI/CD") or a noun phrase of two or three content words
("stakeholder communication", "payment systems"). Grammar words, the words every job description
uses ("team", "product", "experience", "similar"...) and verbs ("run", "build", "own") are never a
term on their own.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_TERMS = 15


def _words(text: str) -> list[str]:
    return text.split()


MAX_PHRASE_WORDS = 3

_SEGMENT_RE = re.compile(r"[,;:!?()\[\]\n•·|]|\.(?=\s|$)|\s[-–—]\s|\band\b|\bor\b", re.IGNORECASE)
_TERM_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#./\-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
_SHORT_TERMS = frozenset(_words("ai ml ux ui qa bi hr pr c# c++ 3d ar vr ci cd"))
# Capitalised words that are not skills.
_NOT_ACRONYMS = frozenset(_words("us uk eu usa ok ceo cto cfo coo vp hq pto eeo faq"))

# Grammar words and job-advert boilerplate: never part of a term.
STOPWORDS = frozenset(
    _words("""a ability able about above across after again against all also am an and any applicant
    applicants apply are aren't as at background based be because been before being below benefits
    best between
    bonus both but by can candidate candidates cannot career closely company competitive could culture
    daily day degree demonstrated desired did didn't do does doing don't down during each either else
    environment equal equivalent etc even ever every excellent excited exciting experience experienced
    expertise familiarity fast few field for from full further get gets getting good great grow growing
    growth had has have having he her here hers high highly him his how however i ideal if in including
    into is isn't it its itself job just key knowledge least less let level like looking love made many
    may me might more most much must my new nice no nor not now of off offer office on once one only
    opportunity or other others our ours out over own paced part passion passionate per please plus
    position preferred proven rather really related relevant remote required requirements
    responsibilities responsible role salary same seeking senior she should skill skilled skills so
    solid some strong success successful such team teams than that the their theirs them then there
    these they this those through thus time to too under understanding until up upon us used using very
    via want was ways we we're well were what when where whether which while who who'll whom whose why
    will with within without world would year years yet you you'll your yours etc e.g i.e
    minimum bachelor's master's degree plus nice-to-have must-have our your their hands-on
    self-starter detail-oriented fast-paced cross-functional world-class best-in-class""")
)
# Words every job description uses: part of a phrase ("product roadmap"), never a term alone.
GENERIC = frozenset(
    _words("""product products run runs similar test tests thing things way area areas part parts people
    person business businesses customer customers client clients user users service services system systems
    solution solutions tool tools process processes project projects quality impact value goal goals
    result results problem problems issue issues task tasks need needs example examples level range
    variety number set lot lots kind type types other various multiple different large small big
    engineer engineers developer developers manager managers analyst analysts designer designers
    specialist specialists lead leads intern interns member members staff professional professionals
    company organisation organization department function functions stakeholder stakeholders partner
    partners feature features platform platforms application applications app apps software technology
    technologies tech environment environments opportunity practice practices approach approaches
    idea ideas information work plan plans end best new modern current existing key core main
    initiative initiatives effective efficient scalable reliable complex simple clear""")
)
# Verbs (and verb-like nouns) that describe the job, not a skill: never a term, never start a phrase.
VERBS = frozenset(
    _words("""design designs designing build builds building own owns owning scale scales scaling run running
    lead leading manage manages managing develop develops developing create creates creating deliver
    delivers delivering drive drives driving collaborate collaborating partner partnering maintain
    maintaining implement implementing improve improving define defining ship shipping write writing
    work translate communicate analyse analyze analysing analyzing ensure ensuring identify identifying
    mentor mentoring support supporting help helping use optimise optimize optimising optimizing monitor
    review deploy operate coordinate plan execute track report present influence research handle
    provide participate contribute join bring want need seek make take keep grow solve troubleshoot
    debug investigate understand learn thrive enjoy love apply hire own administer document assess
    treat educate sell attend perform prepare conduct""")
)
# Skills that look like ordinary words (the shaped ones, "C++", "GraphQL", "AWS", are found by shape).
SKILLS = frozenset(
    _words("""python java javascript typescript kotlin swift rust ruby scala php golang go perl sql nosql
    postgresql postgres mysql sqlite oracle mongodb redis kafka rabbitmq elasticsearch spark hadoop
    airflow dbt snowflake bigquery redshift tableau looker excel powerpoint figma sketch jira confluence
    salesforce hubspot sap docker kubernetes terraform ansible jenkins linux unix bash git github gitlab
    aws azure gcp react angular vue svelte django flask fastapi rails spring node.js nodejs pandas numpy
    pytorch tensorflow scikit-learn graphql grpc rest microservices backend frontend full-stack devops
    mlops sre security cryptography networking kubernetes observability agile scrum kanban seo sem
    analytics statistics forecasting budgeting accounting bookkeeping auditing payroll recruiting
    copywriting marketing branding negotiation nursing triage pharmacology phlebotomy teaching
    tutoring curriculum coaching leadership mentorship accessibility wcag ux ui research usability
    prototyping wireframing a/b experimentation sql""")
)


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
    """Stemmed terms of ``text`` in order (keeps "c++", "node.js", "ci/cd" style tokens)."""
    return [_stem(t) for t in _TERM_RE.findall(text or "")]


def _skill_shaped(token: str) -> bool:
    """ "C++", "Node.js", "CI/CD", "PostgreSQL", "REST", "S3": a named technology or skill."""
    low = token.lower()
    if low in SKILLS or (low in _SHORT_TERMS and len(low) > 1):
        return True
    if any(ch in token for ch in "+#/") or ("." in token and not token.endswith(".")):
        return len(low) > 1
    if any(ch.isdigit() for ch in token) and any(ch.isalpha() for ch in token):
        return True
    if token.isupper() and 2 <= len(token) <= 6:
        return low not in _NOT_ACRONYMS  # an acronym: REST, AWS, SQL, KPI
    return any(ch.isupper() for ch in token[1:]) and any(ch.islower() for ch in token)  # GraphQL


@dataclass(frozen=True)
class _Token:
    text: str
    low: str
    stem: str
    skill: bool
    boundary: bool  # ends a phrase (a grammar word, a number, an adverb)
    verb: bool
    generic: bool


def _token(text: str) -> _Token:
    low = text.lower().replace("’", "'")
    skill = _skill_shaped(text)
    stop = low in STOPWORDS or low.isdigit()
    short = len(low) < 3 and low not in _SHORT_TERMS
    adverb = low.endswith("ly") and len(low) > 4
    return _Token(
        text=text,
        low=low,
        stem=_stem(low),
        skill=skill,
        boundary=not skill and (stop or short or adverb),
        verb=not skill and low in VERBS,
        generic=not skill and (low in GENERIC or _stem(low) in _GENERIC_STEMS),
    )


_GENERIC_STEMS = frozenset(_stem(w) for w in GENERIC)


def _grams(tokens: Sequence[_Token]) -> Iterable[tuple[tuple[_Token, ...], bool]]:
    """Candidate noun phrases in one segment: 2-3 adjacent content words, not starting with a verb, not
    all generic words, no word twice; with whether the gram is the whole run of content words."""
    runs: list[list[_Token]] = [[]]
    for tok in tokens:
        if tok.boundary:
            runs.append([])
        elif tok.verb and not runs[-1]:
            continue  # "design REST APIs": the verb is not part of the phrase
        else:
            runs[-1].append(tok)
    for run in runs:
        for size in range(2, MAX_PHRASE_WORDS + 1):
            for i in range(len(run) - size + 1):
                gram = tuple(run[i : i + size])
                if gram[0].verb or all(t.generic for t in gram) or len({t.stem for t in gram}) < size:
                    continue
                yield gram, size == len(run)


def key_terms(job_description: str) -> list[str]:
    """The job description's skills and noun phrases that mean something, most telling first.

    A phrase counts when it is repeated, or when it stands alone between grammar words and doesn't
    merely wrap a skill ("PostgreSQL databases" -> "postgresql"). A single word counts when it is a
    skill, or a specific word repeated, and not only ever said inside a phrase that counts.
    """
    singles: Counter[str] = Counter()
    single_text: dict[str, str] = {}
    skill_stems: set[str] = set()
    generic_stems: set[str] = set()
    phrases: Counter[tuple[str, ...]] = Counter()
    phrase_text: dict[tuple[str, ...], str] = {}
    whole_run: set[tuple[str, ...]] = set()
    first_seen: dict[tuple[str, ...], int] = {}
    position = 0
    for segment in _SEGMENT_RE.split(job_description or ""):
        tokens = [_token(t) for t in _TERM_RE.findall(segment or "")]
        for tok in tokens:
            position += 1
            if tok.boundary or tok.verb or tok.generic:
                continue
            singles[tok.stem] += 1
            single_text.setdefault(tok.stem, tok.low)
            first_seen.setdefault((tok.stem,), position)
            if tok.skill:
                skill_stems.add(tok.stem)
        generic_stems.update(t.stem for t in tokens if t.generic)
        for gram, whole in _grams(tokens):
            key = tuple(t.stem for t in gram)
            phrases[key] += 1
            phrase_text.setdefault(key, " ".join(t.low for t in gram))
            first_seen.setdefault(key, position)
            if whole:
                whole_run.add(key)
    kept = {
        key
        for key, n in phrases.items()
        if n >= 2 or (key in whole_run and _once_phrase_counts(key, skill_stems, generic_stems))
    }
    # A longer phrase said as often as a shorter one inside it is the same term.
    kept = {
        key
        for key in kept
        if not any(
            len(other) > len(key) and phrases[other] == phrases[key] and _contains(other, key)
            for other in kept
        )
    }
    scored: list[tuple[float, int, str]] = [
        (phrases[key] * 2.5 + (0.5 if set(key) & skill_stems else 0.0), first_seen[key], phrase_text[key])
        for key in kept
    ]
    for stem, n in singles.items():
        if n <= sum(phrases[key] for key in kept if stem in key):
            continue  # only ever said as part of a phrase that is itself a term
        skill = stem in skill_stems
        if skill or n >= 2:
            scored.append((n * (2.0 if skill else 1.0), first_seen[(stem,)], single_text[stem]))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [text for _, _, text in scored][:MAX_TERMS]


def _once_phrase_counts(key: tuple[str, ...], skills: set[str], generic: set[str]) -> bool:
    """A phrase said once is a term unless it merely wraps a skill: "PostgreSQL databases" is the skill
    "postgresql", but "A/B testing" (a skill and a generic word) is the phrase."""
    skill_words = [s for s in key if s in skills]
    if not skill_words:
        return True
    return all(s in skills or s in generic for s in key)


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


class TermFinder:
    """Finds the key terms in a text (stem by stem: "REST API" is a use of "rest apis")."""

    def __init__(self, terms: Sequence[str]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for term in terms:
            key = tuple(stems(term))
            if key:
                self._by_first.setdefault(key[0], []).append((key, term))
        for options in self._by_first.values():
            options.sort(key=lambda option: -len(option[0]))  # longest match first

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, term)`` character spans in ``text``, in order, never overlapping."""
        if not self._by_first or not text:
            return []
        matches = list(_TERM_RE.finditer(text))
        found: list[tuple[int, int, str]] = []
        stemmed = [_stem(m.group(0)) for m in matches]
        i = 0
        while i < len(matches):
            for key, term in self._by_first.get(stemmed[i], ()):
                if tuple(stemmed[i : i + len(key)]) == key:
                    found.append((matches[i].start(), matches[i + len(key) - 1].end(), term))
                    i += len(key) - 1
                    break
            i += 1
        return found

    def used(self, text: str) -> set[str]:
        """The terms that ``text`` uses."""
        return {term for *_, term in self.find(text)}
