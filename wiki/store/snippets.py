"""Snippets: the few words of a result's plain text around what was searched, matches marked.

FTS5's own ``snippet()`` only marks what matched in the column it quotes, so a page found by
its stem ("samenwerken" finding "samenwerking") would be quoted without a mark.  The snippet
is therefore made here, with the same rules as the search: a word matches by folded prefix or
by stem, a phrase by its folded words in a row.  One regular expression runs over a folded
copy of the text (same length, so positions carry over): a search quotes ten pages at a time
and must stay fast.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from wiki.store.wordforms import fold, stem

MARK_START, MARK_END = "\x01", "\x02"
WINDOW = 16  # words in a snippet
_BEFORE = 3  # words shown before the first match, to read it in its sentence
_WINDOW_CHARS = 90  # about the length of the words after those, to count the terms in them
_MAX_MATCHES = 500
_WORD = re.compile(r"[^\W_]+")
_START = r"(?<![^\W_])"
_GAP = r"[\W_]+"
_TAIL = re.compile(r"[^\s\w]*")  # the punctuation right after the last word shown


def _one_char_fold(char: str) -> str:
    folded = fold(char)
    return folded if len(folded) == 1 else char.lower() if len(char.lower()) == 1 else char


# Latin letters folded one character to one, so the folded text has the original's positions.
_FOLD = str.maketrans({chr(code): _one_char_fold(chr(code)) for code in range(0x250)})


@dataclass(frozen=True, slots=True)
class Term:
    """One part of a query: a word (its folded form and stem) or a phrase (folded words)."""

    words: tuple[str, ...]
    stem: str | None


def _pattern(term: Term) -> str | None:
    if not term.words:
        return None
    if term.stem is None:
        return _START + _GAP.join(re.escape(word) for word in term.words) + r"(?![^\W_])"
    # Prefix matches, and the words that may share the stem (checked one by one).
    starts = {term.words[0], fold(term.stem)[:3]}
    return _START + "(?:" + "|".join(re.escape(start) for start in sorted(starts)) + r")[^\W_]*"


def _finder(terms: list[Term]) -> re.Pattern[str] | None:
    groups = [f"(?P<t{number}>{pattern})" for number, term in enumerate(terms) if (pattern := _pattern(term))]
    return re.compile("|".join(groups)) if groups else None


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    term: int
    by_stem_only: bool


def _matches(text: str, folded: str, terms: list[Term]) -> list[_Found]:
    """Every match, in order."""
    finder = _finder(terms)
    found: list[_Found] = []
    if finder is None:
        return found
    for match in finder.finditer(folded):
        number = int(str(match.lastgroup)[1:])
        term = terms[number]
        by_stem_only = term.stem is not None and not match.group().startswith(term.words[0])
        if by_stem_only and stem(text[match.start() : match.end()]) != term.stem:
            continue
        found.append(_Found(match.start(), match.end(), number, by_stem_only))
        if len(found) == _MAX_MATCHES:
            break
    return found


def _best(found: list[_Found]) -> int:
    """Where the stretch of text with the most different terms begins; of equals the one with
    the most words as typed, best starting with one ("kans" shows "kansen" before "kan",
    which only shares the stem)."""
    best, best_score = 0, (0, 0, False)
    for index, first in enumerate(found):
        terms, exact = set(), 0
        for other in found[index:]:
            if other.start >= first.start + _WINDOW_CHARS:
                break
            terms.add(other.term)
            exact += not other.by_stem_only
        score = (len(terms), exact, not first.by_stem_only)
        if score > best_score:
            best, best_score = first.start, score
    return best


def snippet(text: str, terms: list[Term]) -> str:
    """About ``WINDOW`` words of ``text`` around the most different terms, matches between
    MARK_START and MARK_END, '…' where text was left out."""
    found = _matches(text, text.translate(_FOLD), terms)
    begin = 0
    if found:
        first = _best(found)
        before = [match.start() for match in itertools.islice(_WORD.finditer(text, 0, first), WINDOW - _BEFORE)]
        if len(before) == WINDOW - _BEFORE:  # a match near the top is shown from the top
            before = [match.start() for match in _WORD.finditer(text, max(0, first - 20 * _BEFORE), first)]
            begin = before[-_BEFORE] if len(before) >= _BEFORE else before[0] if before else first
    spans = [match.span() for match in itertools.islice(_WORD.finditer(text, begin), WINDOW + 1)]
    if not spans:
        return ""
    shown = spans[:WINDOW]
    tail = _TAIL.match(text, shown[-1][1])
    start, end = shown[0][0], tail.end() if tail else shown[-1][1]
    pieces = ["…" if _WORD.search(text, 0, start) else ""]
    position = start
    for match in found:
        if position <= match.start < end:
            stop = min(match.end, end)
            pieces += [text[position : match.start], MARK_START, text[match.start : stop], MARK_END]
            position = stop
    pieces += [text[position:end], "…" if len(spans) > WINDOW else ""]
    return " ".join("".join(pieces).split())
