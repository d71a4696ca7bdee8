"""Interface language: gettext catalogs (Babel, see ``wiki.catalogs``) chosen per request.

The language of the current request lives in a context variable, so templates,
error handlers and flash messages all translate without passing it around.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimePattern, get_date_format, get_datetime_format, get_time_format, parse_pattern
from babel.numbers import format_decimal
from babel.support import Translations

from wiki import catalogs
from wiki.config import DEFAULT_TIMEZONE

LANGUAGES = catalogs.LANGUAGES
DEFAULT_LANGUAGE = catalogs.DEFAULT_LANGUAGE

LANGUAGE_COOKIE = "wiki_lang"

_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)
_zone: ContextVar[str] = ContextVar("zone", default=DEFAULT_TIMEZONE)


_TRANSLATIONS: dict[str, Translations] = {language: catalogs.translations(language) for language in LANGUAGES}


def set_language(language: str) -> None:
    """Use ``language`` for the rest of this request."""
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def set_timezone(name: str) -> None:
    """Show dates in the time zone ``name`` for the rest of this request (the site's setting:
    Dutch readers expect Amsterdam time, not UTC)."""
    _zone.set(name)


def current_timezone() -> str:
    """The time zone dates are shown in for the current request."""
    return _zone.get()


@functools.cache
def _zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def current_language() -> str:
    """The language of the current request."""
    return _current.get()


def gettext(message: str) -> str:
    """``message`` in the current language."""
    return _TRANSLATIONS[_current.get()].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message in the current language."""
    return _TRANSLATIONS[_current.get()].ngettext(singular, plural, n)


@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@functools.cache
def _medium_formats(language: str) -> tuple[str, DateTimePattern, DateTimePattern]:
    """Babel's "medium" date-and-time format of a language, its patterns parsed once (a
    history page shows 200 dates; parsing them each time cost most of its rendering)."""
    locale = _locale(language)
    joined = str(get_datetime_format("medium", locale=locale)).replace("'", "")
    return (
        joined,
        parse_pattern(get_date_format("medium", locale=locale)),
        parse_pattern(get_time_format("medium", locale=locale)),
    )


@functools.lru_cache(maxsize=16384)
def _format_date(moment: datetime, language: str, zone: str) -> str:
    joined, date_pattern, time_pattern = _medium_formats(language)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(_zone_named(zone))
    locale = _locale(language)
    return joined.replace("{0}", time_pattern.apply(moment, locale)).replace("{1}", date_pattern.apply(moment, locale))


def format_date(moment: datetime) -> str:
    """A date and time in the site's time zone, as a reader of the current language expects
    it (Babel's "medium")."""
    return _format_date(moment, _current.get(), _zone.get())


def format_signed(number: int | None) -> str:
    """A change in size, written as the current language writes numbers, always with its sign."""
    if number is None:
        return ""
    return _format_signed(number, _current.get())


@functools.lru_cache(maxsize=4096)
def _format_signed(number: int, language: str) -> str:
    sign = "+" if number > 0 else "\u2212" if number < 0 else "\u00b1"
    return sign + format_decimal(abs(number), locale=_locale(language))


def pick_language(cookie: str | None) -> str:
    """The remembered choice, else Dutch: the site's default, whatever the browser says."""
    return cookie if cookie is not None and cookie in LANGUAGES else DEFAULT_LANGUAGE
