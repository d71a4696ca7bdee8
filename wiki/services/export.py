"""Taking everything along: the pages as a zip of Markdown files, or as a static HTML site
that works opened from disk; of the current version or of a named version."""

from __future__ import annotations

import io
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock
from urllib.parse import quote

from wiki import pagefile
from wiki.errors import N_, NotFound
from wiki.names import page_name_of_file
from wiki.services.export_html import ExportHtml, page_file, root_of
from wiki.services.pages import PageService
from wiki.services.render import Renderer
from wiki.services.versions import VersionService
from wiki.store.textindex import fold

#: Renders one exported HTML page: (title, number, body HTML, relative path to the site root).
PageTemplate = Callable[[str, int | None, str, str], str]
IndexTemplate = Callable[[list[tuple[str, str, int | None]]], str]
#: Built downloads kept (each a whole zip of the wiki at one commit).
_KEPT_ZIPS = 4


@dataclass(frozen=True, slots=True)
class ExportPage:
    """A page as exported: its name, title, number and whole file text."""

    path: str
    title: str
    number: int | None
    text: str


class ExportService:
    """Builds the downloads from git, for the current version or a named one."""

    def __init__(self, pages: PageService, versions: VersionService, renderer: Renderer) -> None:
        self.pages = pages
        self.versions = versions
        self.renderer = renderer
        self.export_html = ExportHtml()
        self._zips: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._building = Lock()

    def _commit_of(self, version: str | None) -> str:
        if version:
            return self.versions.get(version).revision
        self.pages.refresh()
        head = self.pages.repo.head()
        if head is None:
            raise NotFound(N_("The wiki has no pages yet."))
        return head

    def _cached(self, key: tuple[str, ...], build: Callable[[], bytes]) -> bytes:
        """The zip for ``key`` (its kind, commit and what else shapes it), built once: a
        commit's files never change, and rendering every page again on every download let
        anyone keep the server busy.  One build at a time; the others wait for its result."""
        with self._building:
            data = self._zips.get(key)
            if data is None:
                data = build()
                self._zips[key] = data
                while len(self._zips) > _KEPT_ZIPS:
                    self._zips.popitem(last=False)
            self._zips.move_to_end(key)
            return data

    def pages_at(self, version: str | None) -> tuple[str, list[ExportPage]]:
        """The commit and the pages of the current version, or of the named version ``version``."""
        return self._pages_of(self._commit_of(version))

    def _pages_of(self, commit: str) -> tuple[str, list[ExportPage]]:
        exported = []
        for path, blob in sorted(self.pages.repo.list_files(commit).items()):
            name = page_name_of_file(path)
            if name is None:
                continue
            text = self.pages.text_of_blob(blob)
            parsed = pagefile.parse(text, name)
            exported.append(ExportPage(name, parsed.title, parsed.number, text))
        exported.sort(key=lambda page: (page.number is None, page.number or 0, page.title.lower()))
        return commit, exported

    def principles_at(self, version: str) -> list[tuple[ExportPage, str]]:
        """The principles of the named version with their HTML, to read them as they were then
        (wiki links go to the pages as they are now)."""
        _commit, pages = self.pages_at(version)
        resolve = self.pages.links.resolve
        return [
            (page, self.renderer.render(pagefile.parse(page.text, page.path).body, None, resolve))
            for page in pages
            if page.number is not None
        ]

    def markdown_zip(self, version: str | None) -> bytes:
        """Every page as ``<name>.md`` with its front matter, in a zip."""
        commit = self._commit_of(version)
        return self._cached(("markdown", commit), lambda: self._markdown_zip(commit))

    def _markdown_zip(self, commit: str) -> bytes:
        _commit, pages = self._pages_of(commit)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for page in pages:
                archive.writestr(f"principes/{page.path}.md", page.text)
        return buffer.getvalue()

    def site_zip(
        self, version: str | None, page_html: PageTemplate, index_html: IndexTemplate, css: str, *, shaped_by: str = ""
    ) -> bytes:
        """A static site: ``index.html`` and a style sheet, one HTML file per page under ``p/``
        (so no page name can stand for the index), all linked relatively so it works opened from
        disk; ``export_html`` says why it is safe there.  Built once per commit and ``shaped_by``
        (what the templates depend on besides the pages, such as the wiki's public address)."""
        commit = self._commit_of(version)
        return self._cached(
            ("site", commit, shaped_by, css), lambda: self._site_zip(commit, page_html, index_html, css)
        )

    def _site_zip(self, commit: str, page_html: PageTemplate, index_html: IndexTemplate, css: str) -> bytes:
        _commit, pages = self._pages_of(commit)
        names = {page.path for page in pages}
        titles = {fold(page.title): page.path for page in pages}

        def resolve(target: str, by_path: bool) -> str | None:
            if by_path:
                return target if target in names else None
            return titles.get(fold(target))

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("principes/style.css", css)
            listed = [(quote(page_file(p.path)), p.title, p.number) for p in pages]
            archive.writestr("principes/index.html", index_html(listed))
            for page in pages:
                body = pagefile.parse(page.text, page.path).body
                html = self.export_html.render(body, page.path, names, resolve)
                html_file = page_html(page.title, page.number, html, root_of(page.path))
                archive.writestr(f"principes/{page_file(page.path)}", html_file)
        return buffer.getvalue()
