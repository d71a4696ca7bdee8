"""What a page kept for readers depends on, and what a change to the wiki makes stale.

A kept page (``wiki.web.readers``) records the *needs* of what it shows, as strings:

- ``page:NAME``: the page NAME as it is (its text, title, number, history), or that there
  is none by that name (a link to it is red);
- ``title:FOLDED``: which pages carry that title (a ``[[Title]]`` link resolves by it);
- ``links-to:NAME`` and ``links-to-title:FOLDED``: which pages link to the page NAME, by its
  name or by its title (its backlinks);
- ``principles``: the numbers of the principles (a principle shows the one before and after);
- ``any``: any commit at all (recent changes, one change).

After every step the page index takes here (``PageIndex.listen``), and before a kept page is
looked up, ``follow`` reads from the index file which pages the commits taken in since it last
looked touched (``PageIndex.changed_since``: by this process or another sharing the file, such
as another worker); ``_stale`` turns them into the needs they break: ``page:`` of each
touched page, ``title:`` of its title now, ``links-to:`` and ``links-to-title:`` of what it
links to now (those pages gained a backlink); ``principles`` when a touched page's number
changed, and ``any`` always.  What a touched page linked to *before* needs no look back: the
page it linked to listed it among its backlinks, so it needs ``page:`` of the touched page
already.  A rebuild of the index,
or a commit it can no longer find, makes everything stale.

Why this is enough, for a page B kept with ``page_needs``: B shows its own text and history
(``page:B``); its wiki links found or red (``page:`` of each target, ``title:`` and ``page:``
of the slug for each ``[[Title]]``, ``page:`` of the page it resolved to); its backlinks
(``page:`` of each, for one that goes or is retitled; ``links-to:B`` and ``links-to-title:``
of its title, for one that comes); its neighbours (``page:`` of each, ``principles`` for
the order).  A change that alters any of these touches a page named there, gives a page
that title, links to B, or renumbers the principles.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from enum import Enum
from threading import Lock

from wiki import pagefile
from wiki.errors import WikiError
from wiki.models import Page
from wiki.names import slugify
from wiki.services.history import HistoryService
from wiki.services.pages import PageService
from wiki.store import textindex
from wiki.store.pageindex import PageIndex

log = logging.getLogger(__name__)

ANY = "any"
PRINCIPLES = "principles"
#: Touched pages beyond which a step of the index drops every kept page.
MANY = 200

#: What is stale after a change: the needs it breaks, or None for everything.
Stale = frozenset[str] | None


class KeptView(Enum):
    """What kind of view a kept page is, for what it needs."""

    PAGE = "page"  # a page rendered: its links, backlinks and neighbours too
    ABOUT_PAGE = "about-page"  # the history, source, blame or comparison of one page
    ANY_COMMIT = "any-commit"  # lists of commits: recent changes, one change
    PROPOSAL = "proposal"  # a proposal page: keyed by its edition too (``proposal_editions``)


def page_need(name: str) -> str:
    return f"page:{name}"


def title_need(title: str) -> str:
    return f"title:{textindex.fold(title)}"


def linked_need(name: str) -> str:
    return f"links-to:{name}"


class Keeping:
    """Needs of kept views, and what each step of the index makes stale."""

    def __init__(self, pages: PageService, history: HistoryService) -> None:
        self.pages = pages
        self.history = history
        self.index: PageIndex = pages.index
        self._lock = Lock()
        self._following = Lock()
        self._numbers = self._read_numbers()
        self._drops: list[Callable[[Stale], None]] = []
        self._seen = self.index.indexed_head
        self.index.listen(self._heard)

    def needs(self, view: KeptView, name: str | None, revision: str | None) -> frozenset[str]:
        """What the view of ``name`` (at ``revision``) depends on."""
        if view in (KeptView.ANY_COMMIT, KeptView.PROPOSAL) or name is None:
            return frozenset({ANY})
        if view is KeptView.ABOUT_PAGE:
            return frozenset({page_need(name)})
        try:
            page = self.history.page_at(name, revision) if revision else self.pages.get(name)[0]
        except WikiError:  # no such page or revision: the view says so, and is not kept
            return frozenset({page_need(name)})
        return self.page_needs(name, page)

    def page_needs(self, name: str, page: Page) -> frozenset[str]:
        """What page ``name`` shown as ``page`` depends on (see the module docstring)."""
        needs = {page_need(name), page_need(page.path), linked_need(page.path)}
        needs.add(f"links-to-title:{textindex.fold(page.title)}")
        for kind, value in textindex.link_targets(page.path, page.body):
            if kind == "path":
                needs.add(page_need(value))
                continue
            needs |= {f"title:{value}", page_need(slugify(value))}
            found = self.pages.links.resolve(value, False)
            if found is not None:
                needs.add(page_need(found))
        needs |= {page_need(source.path) for source in self.pages.backlinks(page)}
        if page.number is not None:
            needs.add(PRINCIPLES)
            needs |= {page_need(other.path) for other in self.pages.neighbours(page) if other is not None}
        return frozenset(needs)

    def watch(self, drop: Callable[[Stale], None]) -> Callable[[], None]:
        """Call ``drop`` with what each later step of the index makes stale (in the writer's
        thread, after the step is committed); returns what stops it."""
        with self._lock:
            self._drops.append(drop)

        def stop() -> None:
            with self._lock:
                self._drops.remove(drop)

        return stop

    def _heard(self, touched: frozenset[str] | None) -> None:
        """This process's index took a step (``touched`` is None for a rebuild)."""
        if touched is None:
            with self._following:
                self._seen = None
                self._tell(None)
        self.follow()

    def follow(self) -> None:
        """Drop what the commits the index took in since this process last looked made stale:
        read from the index file, so commits another process sharing it took in (another
        worker's saves) count too.  Called after each step here and before a kept page is
        looked up (``Site.reader_edition``).  More than ``MANY`` pages (a big push) drop
        everything, which is cheaper than working it out; so does a failure to work it out
        (the save it follows must not fail for it)."""
        if self.index.indexed_head == self._seen:
            return  # nothing new: the usual case, without waiting for another thread's follow
        with self._following:
            head, touched = self.index.changed_since(self._seen)
            if head == self._seen:
                return
            try:
                stale = self._stale(None if touched is not None and len(touched) > MANY else touched)
            except Exception:
                log.exception("what a change made stale could not be worked out: every kept page goes")
                with contextlib.suppress(Exception):  # the principles' numbers read again, if it can
                    self._stale(None)
                stale = None
            self._tell(stale)
            self._seen = head

    def _tell(self, stale: Stale) -> None:
        with self._lock:
            drops = list(self._drops)
        for drop in drops:
            drop(stale)

    def _stale(self, touched: frozenset[str] | None) -> Stale:
        """The needs broken by a step of the index that touched these pages (None: all)."""
        if touched is None:
            with self._lock:
                self._numbers = self._read_numbers()
            return None
        broken = {ANY}
        for name in touched:
            broken.add(page_need(name))
            found = self.index.get(name)
            number = None
            if found is not None:
                summary, blob = found
                number = summary.number
                broken.add(title_need(summary.title))
                broken |= self._linked_now(name, pagefile.parse(self.pages.text_of_blob(blob), name).body)
            with self._lock:
                if self._numbers.get(name) != number:
                    broken.add(PRINCIPLES)
                    if number is None:
                        self._numbers.pop(name, None)
                    else:
                        self._numbers[name] = number
        return frozenset(broken)

    def _linked_now(self, source: str, body: str) -> set[str]:
        """The backlinks that the links in ``body`` of page ``source`` give pages: by name, by
        the slug of a ``[[Title]]``, by the page it resolves to now, and by title."""
        found: set[str] = set()
        for kind, value in textindex.link_targets(source, body):
            if kind == "path":
                found.add(linked_need(value))
                continue
            found |= {f"links-to-title:{value}", linked_need(slugify(value))}
            target = self.pages.links.resolve(value, False)
            if target is not None:
                found.add(linked_need(target))
        return found

    def _read_numbers(self) -> dict[str, int]:
        return {page.path: page.number for page in self.index.principles() if page.number is not None}
