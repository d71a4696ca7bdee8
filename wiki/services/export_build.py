"""What a download holds, written into a file: the pages of one commit as Markdown files, or as a
static HTML site that works opened from disk (``export_html`` says why it is safe there).

This runs in the child process ``wiki export build`` (see ``services.export``), never in a
request: rendering every page holds the GIL for seconds.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote

from wiki import pagefile
from wiki.names import page_name_of_file
from wiki.services.export_html import ExportHtml, page_file, root_of
from wiki.store.git.repository import GitRepository
from wiki.store.textindex import fold

#: The kinds of download, by the name their file starts with.
KINDS = ("markdown", "site")


@dataclass(frozen=True, slots=True)
class ExportPage:
    """A page as exported: its name, title, number and whole file text."""

    path: str
    title: str
    number: int | None
    text: str


@dataclass(frozen=True, slots=True)
class SiteTemplates:
    """How the static site looks: one exported page as (title, number, body HTML, relative path
    to the site root), the index from (href, title, number) rows, and the style sheet."""

    page_html: Callable[[str, int | None, str, str], str]
    index_html: Callable[[list[tuple[str, str, int | None]]], str]
    css: str


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, as the child tells its parent: pages written, seconds, its niceness."""

    pages: int
    seconds: float
    niceness: int


def exported_pages(files: dict[str, str], read_text: Callable[[str], str]) -> list[ExportPage]:
    """The pages among a commit's ``files`` (path -> blob), principles first by number, then by title."""
    exported = []
    for path, blob in sorted(files.items()):
        name = page_name_of_file(path)
        if name is None:
            continue
        text = read_text(blob)
        parsed = pagefile.parse(text, name)
        exported.append(ExportPage(name, parsed.title, parsed.number, text))
    exported.sort(key=lambda page: (page.number is None, page.number or 0, page.title.lower()))
    return exported


def write_markdown_zip(pages: list[ExportPage], out: BinaryIO) -> None:
    """Every page as ``<name>.md`` with its front matter, in a zip."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for page in pages:
            archive.writestr(f"principes/{page.path}.md", page.text)


def write_site_zip(pages: list[ExportPage], templates: SiteTemplates, out: BinaryIO) -> None:
    """A static site: ``index.html`` and a style sheet, one HTML file per page under ``p/`` (so no
    page name can stand for the index), all linked relatively so it works opened from disk."""
    names = {page.path for page in pages}
    titles = {fold(page.title): page.path for page in pages}

    def resolve(target: str, by_path: bool) -> str | None:
        if by_path:
            return target if target in names else None
        return titles.get(fold(target))

    export_html = ExportHtml()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("principes/style.css", templates.css)
        listed = [(quote(page_file(p.path)), p.title, p.number) for p in pages]
        archive.writestr("principes/index.html", templates.index_html(listed))
        for page in pages:
            body = pagefile.parse(page.text, page.path).body
            html = export_html.render(body, page.path, names, resolve)
            html_file = templates.page_html(page.title, page.number, html, root_of(page.path))
            archive.writestr(f"principes/{page_file(page.path)}", html_file)


def build(
    repo: GitRepository, commit: str, out: BinaryIO, *, templates: SiteTemplates | None, niceness: int
) -> BuildReport:
    """Write the download of ``commit`` into ``out``: the static site made with ``templates``,
    or the Markdown files without them; ``niceness`` is only reported."""
    started = time.monotonic()
    pages = exported_pages(repo.list_files(commit), lambda blob: repo.read_blob(blob).decode("utf-8", "replace"))
    if templates is None:
        write_markdown_zip(pages, out)
    else:
        write_site_zip(pages, templates, out)
    return BuildReport(len(pages), round(time.monotonic() - started, 3), niceness)
