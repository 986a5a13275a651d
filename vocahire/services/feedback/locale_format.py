"""Dates and numbers in the interview's language: the page's words stay English, but "12,5 s" and
"4 dic 2026" read as a Spanish speaker writes them (CLDR data through Babel)."""

from __future__ import annotations

from datetime import date, datetime

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal

# The locale each interview language is written in; English keeps the day-month order used elsewhere.
_LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN", "pt": "pt_BR", "hi": "hi_IN"}


def locale_of(language: str) -> Locale:
    """Babel's locale for an interview language (ISO-639-1), English for anything unknown."""
    try:
        return Locale.parse(_LOCALES.get(language, language or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en_GB")


def format_number(value: float, language: str = "en", decimals: int = 1) -> str:
    """``value`` with at most ``decimals`` decimals, grouped and separated as ``language`` writes it."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=locale_of(language))


def format_day(moment: date | datetime, language: str = "en") -> str:
    """A day in ``language``'s medium form: "4 Dec 2026", "4 dic 2026", "2026/12/04"."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return format_date(day, format="medium", locale=locale_of(language))
