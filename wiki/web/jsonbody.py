"""JSON request bodies, read with a bound on their nesting.

``json.loads`` recurses once per ``[`` or ``{``: a body of a few thousand brackets raised
``RecursionError`` (a 500) and ran close to the interpreter's stack limit.  No body the API
accepts nests deeper than a few levels, so the depth is measured first, by a linear scan of
the brackets outside strings, and anything deeper than ``MAX_DEPTH`` is refused unread.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from wiki.errors import N_, BadInput

MAX_DEPTH = 32
# A JSON string, closed or running to the end: possessive, so no character is read twice
# (a search that restarted at each escaped quote of an unclosed string was quadratic).
_STRING = re.compile(r'"(?:[^"\\]|\\.)*+"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def too_deep(text: str) -> bool:
    """Whether the arrays and objects of ``text`` nest deeper than ``MAX_DEPTH`` (brackets
    inside strings aside).  Linear: about 0.1 s for a megabyte of brackets."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:  # the usual body: nothing to scan
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > MAX_DEPTH


def parse_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw``; ``BadInput`` for anything else, too deep included."""
    try:
        text = raw.decode(json.detect_encoding(raw))
    except UnicodeDecodeError:
        raise BadInput(N_("The body must be a JSON object.")) from None
    if too_deep(text):
        raise BadInput(N_("The body nests too deeply (at most {depth} levels).", depth=MAX_DEPTH))
    try:
        data = json.loads(text)
    except ValueError:
        raise BadInput(N_("The body must be a JSON object.")) from None
    if not isinstance(data, dict):
        raise BadInput(N_("The body must be a JSON object."))
    return data
