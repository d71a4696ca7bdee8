"""Whole numbers typed by people or sent by clients, read as ASCII digits only.

``str.isdigit()`` also accepts digits such as ``²`` or ``٣`` that ``int()`` then refuses (or
reads as another number), which turned an address like ``/proposals/²`` into a 500: every
check of a number from outside goes through this one function instead.  It also bounds the
length: ``int()`` refuses more than 4,300 digits (a 500 from ``?limit=999…``) and SQLite
stores at most 19, so a longer number is no number this wiki could know.
"""

from __future__ import annotations

MAX_DIGITS = 18


def is_whole_number(text: str | bytes) -> bool:
    """Whether ``text`` is 1 to 18 ASCII digits (no sign, no spaces), so ``int()`` reads it
    and the database can store it."""
    return 0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit()
