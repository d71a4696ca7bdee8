"""Named versions: an editor names the current state ("Versie 1.0"), kept as an annotated tag.

The tag (``versie-1.0``) is a real git tag, so every clone has the versions;
its message holds the display name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from wiki import pagefile
from wiki.errors import N_, BadInput, NameTaken, NotFound
from wiki.models import Author
from wiki.names import page_file
from wiki.services import diff
from wiki.services.history import moment
from wiki.services.pages import PageService
from wiki.store.changes import ChangeKind, Note

PREFIX = "versie-"
_TAG = re.compile(r"versie-[a-z0-9]+(?:[._-][a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class Version:
    """A named version: its tag, display name, the commit it names, who named it and when."""

    tag: str
    name: str
    revision: str
    named_by: str
    date: datetime


@dataclass(frozen=True, slots=True)
class PageSince:
    """How one page changed since a version: ``changed``, ``added`` or ``deleted``."""

    path: str
    title: str
    number: int | None
    status: str
    blocks: list[diff.Block]


def tag_for(display_name: str) -> str:
    """The tag of a display name: ``Versie 1.0`` and ``1.0`` both give ``versie-1.0``."""
    slug = re.sub(r"\s+", "-", display_name.strip().lower())
    tag = slug if slug.startswith(PREFIX) else PREFIX + slug
    if len(tag) > 100 or not _TAG.fullmatch(tag):
        raise BadInput(N_("A version name is letters, digits and '.', like 'Versie 1.0'."))
    return tag


class VersionService:
    """Names versions and tells what changed since one."""

    def __init__(self, pages: PageService) -> None:
        self.pages = pages
        self.repo = pages.repo
        self.index = pages.index
        self.committer = pages.committer

    def versions(self) -> list[Version]:
        """Every named version, newest first."""
        return [
            Version(t.name, t.message or t.name, t.target, t.tagger, moment(t.date))
            for t in self.repo.tags(PREFIX)
            if _TAG.fullmatch(t.name)
        ]

    def get(self, tag: str) -> Version:
        """One named version; ``NotFound`` otherwise."""
        for version in self.versions():
            if version.tag == tag:
                return version
        raise NotFound(N_("No such version."))

    def name_current(self, display_name: str, author: Author) -> Version:
        """Name the current state; ``NameTaken`` when the name is in use."""
        display_name = " ".join(display_name.split())[:100]
        tag = tag_for(display_name)
        with self.committer.writer():
            head = self.repo.head()
            if head is None:
                raise NotFound(N_("The wiki has no pages yet."))
            note = Note(ChangeKind.VERSION_NAMED, version=tag)
            if self.committer.tag(tag, head, author, display_name, note) is None:
                raise NameTaken(N_("A version with this name exists already."))
        return self.get(tag)

    def changes_since(self, tag: str) -> list[PageSince]:
        """Every page that changed since the version, principles first in their order."""
        version = self.get(tag)
        self.pages.refresh()
        seq = self.index.seq_of(version.revision)
        if seq is None:
            raise NotFound(N_("No such version."))
        result = []
        for name in self.index.paths_changed_since(seq):
            found = self.index.get(name)
            now = self.pages.text_of_blob(found[1]) if found else None
            then_name = self.index.path_at(name, seq) if found else name
            then_blob = self.repo.blob_at(version.revision, page_file(then_name))
            then = self.pages.text_of_blob(then_blob) if then_blob else None
            if now == then or (now is None and then is None):
                continue
            if now is None and self.index.renamed_to(name):
                continue  # shown under its new name
            status = "added" if then is None else "deleted" if now is None else "changed"
            parsed = pagefile.parse(now or then or "", name)
            before = pagefile.parse(then, name).body if then else ""
            after = parsed.body if now else ""
            result.append(PageSince(name, parsed.title, parsed.number, status, diff.compare(before, after)))
        result.sort(key=lambda page: (page.number is None, page.number or 0, page.title.lower()))
        return result
