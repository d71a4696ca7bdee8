"""Combining two edits that overlap, without ever making "lose the other text" the easy path.

When a save meets a real overlap, the person gets a real merge: every change of both
people that does not overlap is applied, and each overlapping passage holds both
versions between marker lines (in the person's language).  Per passage they may keep
their version, the other one, or both; or edit the text themselves.  A save is refused
while marker lines remain, and while text the other person added is missing, unless the
person says they removed it on purpose.  The save itself is an ordinary three-way save
on the revision the conflict was met at, so a further change made meanwhile is caught
again.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from wiki import pagefile
from wiki.errors import N_, BadInput, EditConflict
from wiki.models import Author, SaveResult
from wiki.services.pages import EditRequest, PageService
from wiki.store.git.merge import Hunk, three_way

MINE, THEIRS, BOTH = "mine", "theirs", "both"
CHOICES = (MINE, THEIRS, BOTH)
_MARKER = re.compile(r"^(?:<{7}|>{7})(?: |$)|^={7} \S")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Labels:
    """The words on the marker lines, in the person's language; ``theirs`` holds ``%(name)s``."""

    mine: str
    theirs: str
    end: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """An edit that met an overlap: the person's page text and the two revisions around it."""

    name: str
    started_from: str | None  # the revision the person's text was based on
    current_revision: str  # the revision the overlap was met at; the save is based on it
    mine: str


@dataclass(frozen=True, slots=True)
class Passage:
    """One overlapping passage: both versions and what the person chose (None: not yet)."""

    number: int
    mine: str
    theirs: str
    choice: str | None


@dataclass(frozen=True, slots=True)
class ConflictView:
    """What the conflict page shows: the passages and the merged text to start from."""

    attempt: Attempt
    other: str  # who made the current revision
    current_title: str
    current_body: str
    base_body: str
    passages: tuple[Passage, ...]
    text: str  # the merge, chosen versions applied, marker lines around the other passages
    hunks: tuple[Hunk, ...] = field(repr=False)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What the person sends from the conflict page."""

    attempt: Attempt
    title: str
    body: str
    message: str
    choices: Mapping[int, str]
    confirmed: bool  # "I removed the other person's text on purpose"
    author: Author


class Unresolved(BadInput):
    """The combined text is not ready: markers remain or the other person's text is missing.

    Carries the text to show again and the lines of the other person's that are missing.
    """

    code = "unresolved"

    def __init__(self, message: str, text: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.text = text
        self.missing = missing


class Overlapped(EditConflict):
    """Someone saved again while the person combined the edits: a new round, carrying the
    combined text (choices applied) to merge with the newer change."""

    def __init__(self, conflict: EditConflict, text: str) -> None:
        super().__init__(conflict.message, conflict.current_revision, conflict.current_body)
        self.text = text


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def merged_text(hunks: tuple[Hunk, ...], labels: Labels, other: str, choices: Mapping[int, str]) -> str:
    """The merged text: each overlap as the version chosen for it, or both between markers."""
    parts = []
    number = 0
    for hunk in hunks:
        if hunk.overlap is None:
            parts.append(hunk.text)
            continue
        number += 1
        overlap, choice = hunk.overlap, choices.get(number)
        if choice == MINE:
            parts.append(overlap.mine)
        elif choice == THEIRS:
            parts.append(overlap.theirs)
        elif choice == BOTH:
            parts.append(overlap.mine + overlap.theirs)
        else:
            theirs = labels.theirs % {"name": other}
            parts += [f"<<<<<<< {labels.mine}\n", overlap.mine, f"======= {theirs}\n", overlap.theirs]
            parts.append(f">>>>>>> {labels.end}\n")
    return "".join(parts)


def marker_lines(text: str, allowed: str = "") -> list[str]:
    """The marker lines left in ``text`` (lines the page ``allowed`` holds itself do not count)."""
    own = set(allowed.splitlines())
    return [line for line in text.splitlines() if _MARKER.match(line) and line not in own]


def missing_lines(base: str, theirs: str, text: str, given_up: str = "") -> tuple[str, ...]:
    """Lines ``theirs`` added to ``base`` that ``text`` lost, leaving out those in ``given_up``.

    A line counts as kept when it is still there, or when every word of it still is (so
    a sentence combined with the person's own words is not reported).  Counting lines
    instead of aligning them keeps this linear on a large page.
    """
    added = Counter(line.strip() for line in theirs.splitlines() if line.strip())
    added -= Counter(line.strip() for line in base.splitlines())
    added -= Counter(line.strip() for line in given_up.splitlines())
    lines = {line.strip() for line in text.splitlines()}
    words = {word.casefold() for word in _WORD.findall(text)}
    return tuple(
        line
        for line in added
        if line not in lines and not all(word.casefold() in words for word in _WORD.findall(line))
    )


class ConflictService:
    """Shows and saves the combination of two overlapping edits of a page."""

    def __init__(self, pages: PageService, author_of: Callable[[str], str]) -> None:
        self.pages = pages
        self.author_of = author_of

    def view(self, attempt: Attempt, labels: Labels, choices: Mapping[int, str] | None = None) -> ConflictView:
        """The passages and merged text for ``attempt``, with ``choices`` (passage number:
        mine, theirs or both) applied."""
        choices = {number: choice for number, choice in (choices or {}).items() if choice in CHOICES}
        base = self.pages.base_text(attempt.name, attempt.started_from)
        base_body = pagefile.parse(base, attempt.name).body if base else ""
        current = self.pages.get(attempt.name, attempt.current_revision)[0]
        mine = _normalised(attempt.mine)
        hunks = three_way(base_body, mine, current.body)
        other = self.author_of(attempt.current_revision)
        overlaps = [hunk.overlap for hunk in hunks if hunk.overlap is not None]
        passages = tuple(
            Passage(number, overlap.mine, overlap.theirs, choices.get(number))
            for number, overlap in enumerate(overlaps, start=1)
        )
        text = merged_text(hunks, labels, other, choices)
        return ConflictView(attempt, other, current.title, current.body, base_body, passages, text, hunks)

    def save(self, resolution: Resolution, labels: Labels) -> SaveResult:
        """Save the combined text, or raise ``Unresolved`` (nothing saved) when it still holds
        markers or lost the other person's text without ``confirmed``.

        Saving the merged text untouched applies the per-passage choices, so choosing a
        version for each passage and pressing Save is enough, without JavaScript.
        """
        attempt = resolution.attempt
        view = self.view(attempt, labels)
        body = _normalised(resolution.body)
        if resolution.choices and body.strip("\n") == view.text.strip("\n"):
            body = merged_text(view.hunks, labels, view.other, resolution.choices)
        if marker_lines(body, view.current_body):
            raise Unresolved(
                N_(
                    "The text still has the marked lines around two versions. Choose a version for each "
                    "passage, or edit the text and remove the marked lines. Nothing was saved yet."
                ),
                body,
            )
        given_up = "".join(
            passage.theirs for passage in view.passages if resolution.choices.get(passage.number) == MINE
        )
        missing = missing_lines(view.base_body, view.current_body, body, given_up)
        if missing and not resolution.confirmed:
            raise Unresolved(
                N_(
                    "Your text leaves out text the other person added (shown below). Put it back, or "
                    "tick the box to say you removed it on purpose. Nothing was saved yet."
                ),
                body,
                missing,
            )
        edit = EditRequest(
            attempt.name, body, attempt.current_revision, resolution.message, resolution.author, resolution.title
        )
        try:
            return self.pages.save(edit)
        except EditConflict as conflict:
            raise Overlapped(conflict, body) from None
