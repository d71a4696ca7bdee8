"""Interface language: gettext catalogs (Babel, see ``wiki.catalogs``) chosen per request.

The language of the current request lives in a context variable, so templates,
error handlers and flash messages all translate without passing it around.
"""

from __future__ import annotations

import functools
import math
from contextvars import ContextVar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimePattern, get_date_format, get_datetime_format, get_time_format, parse_pattern
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from babel.support import Translations
from starlette.requests import Request

from wiki import catalogs
from wiki.config import DEFAULT_TIMEZONE
from wiki.errors import Message

LANGUAGES = catalogs.LANGUAGES
DEFAULT_LANGUAGE = catalogs.DEFAULT_LANGUAGE

LANGUAGE_COOKIE = "wiki_lang"
#: The request headers the language is chosen by, for ``Vary``.
NEGOTIATED_BY = "Accept-Language, Cookie"

_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)
_zone: ContextVar[str] = ContextVar("zone", default=DEFAULT_TIMEZONE)


_TRANSLATIONS: dict[str, Translations] = {language: catalogs.translations(language) for language in LANGUAGES}


def set_language(language: str) -> None:
    """Use ``language`` for the rest of this request."""
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def set_language_of(request: Request) -> None:
    """Use the language ``request`` asks for (see :func:`pick_language`) for the rest of it."""
    set_language(pick_language(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")))


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
    """``message`` in the current language; a :class:`~wiki.errors.Message` is translated
    as its template, then filled in with its values."""
    if isinstance(message, Message):
        return _TRANSLATIONS[_current.get()].gettext(message.template).format(**message.params)
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


def format_day(moment: datetime) -> str:
    """A date without the time, in the site's time zone, written out ("1 december 2026")."""
    return _format_day(moment, _current.get(), _zone.get())


@functools.lru_cache(maxsize=1024)
def _format_day(moment: datetime, language: str, zone: str) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return babel_format_date(moment.astimezone(_zone_named(zone)), format="long", locale=_locale(language))


def format_size_change(number: int | None) -> str:
    """How much text a change added or removed, in words a reader needs no key for
    ("1.094 tekens erbij"), the number written as the current language writes numbers."""
    if number is None:
        return ""
    return _format_size_change(number, _current.get())


@functools.lru_cache(maxsize=4096)
def _format_size_change(number: int, language: str) -> str:
    # Cached per language: a history page shows 200 of these.
    translations = _TRANSLATIONS[language]
    if number == 0:
        return translations.gettext("same length")
    count = abs(number)
    if number > 0:
        words = translations.ngettext("%(num)s character added", "%(num)s characters added", count)
    else:
        words = translations.ngettext("%(num)s character removed", "%(num)s characters removed", count)
    return words % {"num": format_decimal(count, locale=_locale(language))}


def pick_language(cookie: str | None, accept_language: str | None = None) -> str:
    """The language the person chose (the cookie) wins; until they choose, the browser's
    preference (``Accept-Language``); Dutch when neither names a language the site has."""
    if cookie is not None and cookie in LANGUAGES:
        return cookie
    return negotiate(accept_language[:_MAX_ACCEPT] if accept_language else "")


_MAX_ACCEPT = 500  # a real header is far shorter; a longer one is read only this far


@functools.lru_cache(maxsize=512)
def negotiate(accept_language: str) -> str:
    """The site's language an ``Accept-Language`` header prefers most (RFC 9110: weights,
    ``en-GB`` meaning English, ``q=0`` meaning "not this", ``*`` meaning any other), else Dutch."""
    ranges = [_weighed(item) for item in accept_language.split(",")]
    named = {primary for primary, _weight in ranges}
    others = [language for language in LANGUAGES if language not in named] or [DEFAULT_LANGUAGE]
    wanted = [
        (-weight, position, others[0] if primary == "*" else primary)
        for position, (primary, weight) in enumerate(ranges)
        if weight > 0 and (primary in LANGUAGES or primary == "*")
    ]
    return min(wanted)[2] if wanted else DEFAULT_LANGUAGE


def _weighed(item: str) -> tuple[str, float]:
    """One language range of the header: its primary subtag, lower case, and its weight."""
    tag, _separator, parameters = item.partition(";")
    weight = 1.0
    for parameter in parameters.split(";"):
        name, _equals, value = parameter.strip().partition("=")
        if name.lower() == "q":
            try:
                weight = min(float(value), 1.0)
            except ValueError:
                weight = 0.0
    return tag.strip().lower().split("-")[0], 0.0 if math.isnan(weight) else weight
