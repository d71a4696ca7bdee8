"""The gettext catalogs (Babel), compiled in memory once: the interface uses them per request,
the texts the wiki writes into git use them in the site's own language.

The catalogs are the ``.po`` files in ``wiki/locale``, so no generated ``.mo`` file has to be
kept in step.  Kept outside ``web`` and ``services`` because both need them.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES: Mapping[str, str] = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "nl"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@functools.cache
def translations(language: str) -> Translations:
    """The compiled catalog of ``language`` (one of ``LANGUAGES``)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)
