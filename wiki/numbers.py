"""Whole numbers typed by people or sent by clients, read as ASCII digits only.

``str.isdigit()`` also accepts digits such as ``²`` or ``٣`` that ``int()`` then refuses (or
reads as another number), which turned an address like ``/proposals/²`` into a 500: every
check of a number from outside goes through this one function instead.
"""

from __future__ import annotations


def is_whole_number(text: str) -> bool:
    """Whether ``text`` is one or more ASCII digits (no sign, no spaces), so ``int()`` reads it."""
    return text.isascii() and text.isdigit()
