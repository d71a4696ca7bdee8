"""Characters no text of the wiki may hold: control characters and what XML cannot carry.

A control character typed into a proposal's title once made ``/atom/proposals`` ill-formed
XML for every reader.  They are removed where text enters (every form field and every string
of a JSON body, in the web layer) and again where a feed is written, so a text stored before
still cannot break one.  Tab, line feed and carriage return stay; all other C0 and C1
controls, DEL, lone surrogates (which no UTF-8 can hold) and U+FFFE/U+FFFF go.
"""

from __future__ import annotations

import re

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def without_controls(text: str) -> str:
    """``text`` without control characters (tab, LF and CR kept) and characters XML forbids."""
    return _FORBIDDEN.sub("", text)
