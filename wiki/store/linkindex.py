"""The wiki links between pages, in the index file: what links here, what points nowhere,
and which page a link names (recorded as the page index takes in each commit)."""

from __future__ import annotations

from wiki.store import textindex
from wiki.store.indexfile import IndexFile


class LinkIndex:
    """The links between the pages of one index file."""

    def __init__(self, file: IndexFile) -> None:
        """Read the links ``file`` holds."""
        self._file = file

    def backlinks(self, name: str, title: str) -> list[str]:
        """Pages linking to this one."""
        return textindex.backlinks(self._file.db(), name, title)

    def broken_links(self) -> list[tuple[str, str]]:
        """(source page, target) for every link to a page that does not exist."""
        return textindex.broken_links(self._file.db())

    def resolve(self, target: str, by_path: bool) -> str | None:
        """The page a wiki link points to, or None."""
        if by_path:
            return textindex.resolve(self._file.db(), "path", target)
        return textindex.resolve(self._file.db(), "title", textindex.fold(target))
