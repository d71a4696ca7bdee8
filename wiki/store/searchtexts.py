"""What search holds of a text, made in a second process when a rebuild has many pages.

A rebuild turns every head page's Markdown into plain text and word stems: about 1.3 ms a
page with markdown-it-py, 13 s of CPU at 10,000 pages, while the same thread also has the
branch's commits to record (200,000 there, another 9 s).  Under the GIL one thread does them
in turn; a child process takes the texts and hands back what search holds, in order, while the
parent records the commits, so the two halves run on the machine's two cores.

The child is a fresh interpreter running this module (as the export's build is), not a fork
(the parent has threads, SQLite connections and git processes open, which a fork would copy
half-made) and not ``multiprocessing`` (whose spawned children run the parent's main script
again).  Texts go to it as JSON lines through a pipe a thread feeds; its answers go into a
temporary file, so it never waits for the parent.  Its start costs a few hundred milliseconds,
so a rebuild of few pages (and every save) makes the texts in its own thread.
"""

from __future__ import annotations

import json
import queue
import sys
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from typing import IO

from wiki.errors import N_, StoreUnavailable
from wiki.store import wordforms
from wiki.store.plaintext import plain_text
from wiki.store.snippets import MARK_END, MARK_START
from wiki.store.tools import PythonChild, python_child

#: Pages from which a rebuild makes their texts in a child process.
IN_CHILD = 512
#: Pages one message to the child carries.
CHUNK = 64
#: What the child runs.
CHILD = "from wiki.store.searchtexts import _child; _child()"


@dataclass(frozen=True, slots=True)
class SearchText:
    """The columns of one search row: title and plain text, and the stems of each."""

    title: str
    text: str
    title_stems: str
    text_stems: str


def _clean(text: str) -> str:
    """Without the characters that mark matches in snippets (they cannot come from a text)."""
    return text.replace(MARK_START, " ").replace(MARK_END, " ")


def search_text(title: str, body: str) -> SearchText:
    """What search holds of a title and a Markdown body."""
    title, text = _clean(title), _clean(plain_text(body))
    return SearchText(title, text, wordforms.stems(title), wordforms.stems(text))


class MadeAhead:
    """Search texts made before the writer needs them, each taken once by the text it was made
    of: a save makes its page's in its own request thread before it queues for the writer, so
    the writer, which every other save waits for, does not spend 1.9 ms of markdown-it on it.
    Holds at most ``most`` characters (the text and what was made of it; a save that never
    reached the writer, refused, leaves its entry behind, and the oldest go first): a batch's
    32 saves of pages of a few thousand characters fit many times.  A text not made ahead, or
    let go, is made when taken."""

    def __init__(self, most: int = 2_000_000) -> None:
        self._made: OrderedDict[tuple[str, str], SearchText] = OrderedDict()
        self._size = 0
        self._most = most
        self._lock = threading.Lock()

    def make(self, title: str, body: str) -> None:
        """Make what search will hold of this title and body."""
        key = (title, body)
        with self._lock:
            if key in self._made:
                return
        made = search_text(title, body)
        with self._lock:
            if key not in self._made:
                self._made[key] = made
                self._size += _size(key, made)
            while self._size > self._most and self._made:
                self._size -= _size(*self._made.popitem(last=False))

    def take(self, title: str, body: str) -> SearchText:
        """What search holds of this title and body: as made ahead, else made now."""
        key = (title, body)
        with self._lock:
            made = self._made.pop(key, None)
            if made is not None:
                self._size -= _size(key, made)
        return made if made is not None else search_text(title, body)


def _size(key: tuple[str, str], made: SearchText) -> int:
    """The characters one entry of ``MadeAhead`` holds."""
    return len(key[0]) + len(key[1]) + len(made.text) + len(made.title_stems) + len(made.text_stems)


def _many(pages: list[tuple[str, str]]) -> list[SearchText]:
    return [search_text(title, body) for title, body in pages]


def _child() -> None:
    """The child's loop: a JSON list of [title, body] pairs a line in, one of search texts out."""
    for line in sys.stdin.buffer:
        texts = _many([(title, body) for title, body in json.loads(line)])
        sys.stdout.write(json.dumps([astuple(text) for text in texts]) + "\n")
    sys.stdout.flush()


class SearchTexts:
    """Texts handed in one by one; ``results`` gives what search holds of each, in order.

    With ``in_child`` the work goes to the child as the texts come, else it is done when
    ``results`` is read.  Use as a context manager: leaving it stops the child."""

    def __init__(self, in_child: bool) -> None:
        self._pending: list[tuple[str, str]] = []
        self._child: PythonChild | None = None
        if in_child:
            self._answers: IO[bytes] = tempfile.TemporaryFile(prefix="wiki-search-")  # noqa: SIM115 (closed in __exit__)
            self._child = python_child(CHILD, self._answers)
            self._lines: queue.Queue[bytes | None] = queue.Queue()
            self._feeder = threading.Thread(target=self._feed, name="search texts feed", daemon=True)
            self._feeder.start()

    def __enter__(self) -> SearchTexts:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._child is not None:
            self._lines.put(None)
            self._child.kill()
            self._child.wait()
            self._feeder.join()
            self._answers.close()

    def _feed(self) -> None:
        """Write each chunk to the child, then end its input (a child gone early: stop)."""
        assert self._child is not None
        assert self._child.stdin is not None
        try:
            while (line := self._lines.get()) is not None:
                self._child.stdin.write(line)
            self._child.stdin.close()
        except (OSError, ValueError):
            pass

    def add(self, title: str, body: str) -> None:
        """One more text; with a child, sent as soon as a chunk is full."""
        self._pending.append((title, body))
        if self._child is not None and len(self._pending) >= CHUNK:
            self._send()

    def _send(self) -> None:
        self._lines.put((json.dumps(self._pending) + "\n").encode())
        self._pending = []

    def results(self) -> Iterator[SearchText]:
        """What search holds of every text added, in the order they were added."""
        if self._child is None:
            yield from _many(self._pending)
            self._pending = []
            return
        if self._pending:
            self._send()
        self._lines.put(None)
        self._feeder.join()
        if self._child.wait() != 0:
            reason = f"exit status {self._child.returncode}"
            raise StoreUnavailable(N_("{program} failed: {reason}", program="search texts", reason=reason))
        self._answers.seek(0)
        for line in self._answers:
            yield from (SearchText(*columns) for columns in json.loads(line))
