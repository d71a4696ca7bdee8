"""Searching pages and open proposals, in the index file.

Pages are indexed for search as the page index takes in their commits; open proposals are
indexed here, by the proposal workflow, as they are opened, revised and closed.
"""

from __future__ import annotations

from wiki.store import textindex
from wiki.store.indexfile import IndexFile


class SearchIndex:
    """The full-text search over the pages and open proposals of one index file."""

    def __init__(self, file: IndexFile) -> None:
        """Search what ``file`` holds."""
        self._file = file

    def search(self, text: str, limit: int = 20) -> list[textindex.Hit]:
        """Pages and open proposals matching ``text``, best first."""
        return textindex.search(self._file.db(), text, limit)

    def suggestions(self, text: str) -> list[str]:
        """Queries close to ``text`` made of the index's own words, for a search that found nothing."""
        return textindex.suggestions(self._file.db(), text)

    @property
    def generation(self) -> str:
        """Changes whenever search results may change: a new commit, or a proposal indexed or dropped."""
        return f"{self._file.meta('head')}:{self._file.meta('proposals') or '0'}"

    def set_proposal(self, number: int, title: str, body: str | None) -> None:
        """Index an open proposal's title and text for search, or drop it (``body`` None)."""
        with self._file.transaction() as connection:
            self._file.set_meta("proposals", str(int(self._file.meta("proposals") or "0") + 1))
            if body is None:
                textindex.remove(connection, "proposal", str(number))
            else:
                textindex.put(connection, "proposal", str(number), title, body)

    def clear_proposals(self) -> None:
        """Forget every proposal in the search index (before indexing the open ones again)."""
        with self._file.transaction() as connection:
            self._file.set_meta("proposals", str(int(self._file.meta("proposals") or "0") + 1))
            textindex.clear(connection, "proposal")
