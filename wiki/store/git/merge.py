"""Three-way merges of texts, with ``git merge-file``: no repository needed.

``merge_texts`` answers only "merged" or "conflict", which is what a save needs.  A
person who must combine two edits needs more (``three_way``): every change that does not
overlap already applied, and each overlapping passage with both versions.
``git merge-file --diff3`` computes that (the same merge the save uses, so both agree
where the overlaps are; linear enough for a 1 MB page).  Its markers are made longer than
any such run in the texts, so a page that itself holds ``<<<<<<<`` lines is never misread.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wiki.errors import N_, StoreUnavailable
from wiki.store import loopguard

_MARKER_RUN = re.compile(r"^(?:<+|\|+|=+|>+)", re.MULTILINE)  # one character repeated: no backreference stack


@dataclass(frozen=True, slots=True)
class Overlap:
    """One passage both people changed: the text it had at the base and each person's version."""

    base: str
    mine: str
    theirs: str


@dataclass(frozen=True, slots=True)
class Hunk:
    """A run of the merged text: ``text`` both agree on, or (``overlap`` set) a passage to decide."""

    text: str
    overlap: Overlap | None = None


def merge_texts(base: str, ours: str, theirs: str) -> str | None:
    """Three-way merge of texts with ``git merge-file``; None when they conflict."""
    loopguard.check()
    with tempfile.TemporaryDirectory(prefix="wiki-merge-") as folder:
        names = []
        for label, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / label
            path.write_text(text, encoding="utf-8")
            names.append(str(path))
        result = subprocess.run(["git", "merge-file", "-p", "--", *names], capture_output=True, check=False)
    if result.returncode == 0:
        return result.stdout.decode("utf-8")
    if result.returncode > 0:
        return None
    raise StoreUnavailable(N_("git merge-file failed."))


def _with_newline(text: str) -> str:
    return text if text == "" or text.endswith("\n") else text + "\n"


def _marker_size(*texts: str) -> int:
    """One more than the longest run of marker characters that starts a line in any text."""
    longest = max((len(m.group(0)) for text in texts for m in _MARKER_RUN.finditer(text)), default=0)
    return max(7, longest + 1)


def three_way(base: str, mine: str, theirs: str) -> tuple[Hunk, ...]:
    """The hunks of merging ``mine`` and ``theirs`` (two edits of ``base``), in order.

    Joining every hunk's text, with each overlap replaced by a chosen version, gives the
    merged text.  Texts are compared by line; a missing final newline is added.
    """
    loopguard.check()
    texts = [_with_newline(text) for text in (mine, base, theirs)]
    size = _marker_size(*texts)
    with tempfile.TemporaryDirectory(prefix="wiki-merge-") as folder:
        names = []
        for label, text in zip(("mine", "base", "theirs"), texts, strict=True):
            path = Path(folder) / label
            path.write_text(text, encoding="utf-8")
            names.append(str(path))
        command = ["git", "merge-file", "-p", "--diff3", f"--marker-size={size}", "--", *names]
        result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode < 0:
        raise StoreUnavailable(N_("git merge-file failed."))
    return _hunks(result.stdout.decode("utf-8"), size)


def _hunks(output: str, size: int) -> tuple[Hunk, ...]:
    """Parse ``git merge-file --diff3`` output whose markers are ``size`` characters long."""
    hunks: list[Hunk] = []
    clean: list[str] = []
    parts: dict[str, list[str]] = {}
    state = "clean"
    for line in output.splitlines(keepends=True):
        marker = line[:size] if line[size : size + 1] in (" ", "\n", "") else ""
        if state == "clean" and marker == "<" * size:
            if clean:
                hunks.append(Hunk("".join(clean)))
                clean = []
            parts = {"mine": [], "base": [], "theirs": []}
            state = "mine"
        elif state == "mine" and marker == "|" * size:
            state = "base"
        elif state in ("mine", "base") and marker == "=" * size:
            state = "theirs"
        elif state == "theirs" and marker == ">" * size:
            overlap = Overlap("".join(parts["base"]), "".join(parts["mine"]), "".join(parts["theirs"]))
            hunks.append(Hunk("", overlap))
            state = "clean"
        elif state == "clean":
            clean.append(line)
        else:
            parts[state].append(line)
    if clean:
        hunks.append(Hunk("".join(clean)))
    return tuple(hunks)
