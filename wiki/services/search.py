"""Finding pages and open proposals: full-text search with snippets that are safe to show, and
other words to try when nothing was found."""

from __future__ import annotations

import html
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from wiki.services.pages import PageService
from wiki.store.searchindex import SearchIndex
from wiki.store.snippets import MARK_END, MARK_START

MAX_QUERY = 200


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One result: a page (``path``) or an open proposal (``id``); ``snippet`` is HTML in which
    only ``<mark>`` tags are markup."""

    kind: str
    path: str | None
    id: int | None
    title: str
    snippet: str


@dataclass(frozen=True, slots=True)
class Findings:
    """What a search found; when it found nothing, ``suggestions`` holds queries to try instead
    (made of words the wiki has, each finding something)."""

    results: list[SearchResult]
    suggestions: list[str]


def safe_snippet(raw: str) -> str:
    """Escape everything, then turn the match markers into ``<mark>`` tags."""
    return html.escape(raw, quote=True).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


class SearchService:
    """Search over the page index's FTS5 table (kept in step with every commit)."""

    def __init__(self, pages: PageService, index: SearchIndex) -> None:
        self.pages = pages
        self.index = index
        self._cache: OrderedDict[tuple[str, int, bool, str], Findings] = OrderedDict()
        self._lock = Lock()

    def search(self, query: str, limit: int = 10) -> list[SearchResult]:
        """Results for what a person typed, best first (cached as ``find`` is); nothing for an empty query."""
        return self._find(query, limit, suggest=False).results

    def find(self, query: str, limit: int = 10) -> Findings:
        """Results for what a person typed, best first, and suggestions when there are none.

        Both are cached until the index changes (a commit, or a proposal opened,
        revised or closed): the same question asked again costs a dictionary lookup.
        """
        return self._find(query, limit, suggest=True)

    def _find(self, query: str, limit: int, suggest: bool) -> Findings:
        query = " ".join(query.split())[:MAX_QUERY]
        if not query:
            return Findings([], [])
        self.pages.refresh()
        key = (query.casefold(), limit, suggest, self.index.generation)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        results = self._search(query, limit)
        findings = Findings(results, [] if results or not suggest else self.index.suggestions(query))
        with self._lock:
            self._cache[key] = findings
            if len(self._cache) > 1024:
                self._cache.popitem(last=False)
        return findings

    def _search(self, query: str, limit: int) -> list[SearchResult]:
        results = []
        for hit in self.index.search(query, limit):
            snippet = safe_snippet(hit.snippet)
            if hit.kind == "proposal":
                results.append(SearchResult("proposal", None, int(hit.key), hit.title, snippet))
            else:
                results.append(SearchResult("page", hit.key, None, hit.title, snippet))
        return results
