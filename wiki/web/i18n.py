"""Interface language: gettext catalogs (Babel) chosen per request.

The catalogs are the ``.po`` files in ``wiki/locale``; they are compiled in
memory at start-up, so no generated ``.mo`` file has to be kept in step.  The
language of the current request lives in a context variable, so templates,
error handlers and flash messages all translate without passing it around.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES: Mapping[str, str] = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "nl"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGE_COOKIE = "wiki_lang"

_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def _load(language: str) -> Translations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


_TRANSLATIONS: dict[str, Translations] = {language: _load(language) for language in LANGUAGES}


def set_language(language: str) -> None:
    """Use ``language`` for the rest of this request."""
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language of the current request."""
    return _current.get()


def gettext(message: str) -> str:
    """``message`` in the current language."""
    return _TRANSLATIONS[_current.get()].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message in the current language."""
    return _TRANSLATIONS[_current.get()].ngettext(singular, plural, n)


def format_date(moment: datetime) -> str:
    """A date and time as a reader of the current language expects it."""
    return format_datetime(moment, format="medium", locale=_current.get())


def format_signed(number: int | None) -> str:
    """A change in size, written as the current language writes numbers, always with its sign."""
    if number is None:
        return ""
    sign = "+" if number > 0 else "\u2212" if number < 0 else "\u00b1"
    return sign + format_decimal(abs(number), locale=_current.get())


def pick_language(cookie: str | None) -> str:
    """The remembered choice, else Dutch: the site's default, whatever the browser says."""
    return cookie if cookie is not None and cookie in LANGUAGES else DEFAULT_LANGUAGE
