"""Taking everything along: the pages as a zip of Markdown files, or as a static HTML site
that works opened from disk; of the current version or of a named version.

A download is the file of one commit, built once in a child process (``export_builds``) and read
from the folder of built downloads ever after (``store.exportfiles``); no request renders it.
"""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import Future

from anyio import to_thread

from wiki import pagefile
from wiki.errors import N_, NotFound
from wiki.services.export_build import ExportPage, exported_pages
from wiki.services.export_builds import ExportBuilds, ExportJob
from wiki.services.pages import PageService
from wiki.services.render import Renderer
from wiki.services.versions import VersionService
from wiki.store.exportfiles import ExportFolder


class ExportService:
    """The downloads of the current version or a named one, and the pages they are made of."""

    def __init__(self, pages: PageService, versions: VersionService, renderer: Renderer) -> None:
        self.pages = pages
        self.versions = versions
        self.renderer = renderer
        self.folder = ExportFolder(pages.repo.common_dir / "wiki" / "exports")
        self.builds = ExportBuilds(self.folder, pages.repo.git_dir, self._kept)

    def _commit_of(self, version: str | None) -> str:
        if version:
            return self.versions.get(version).revision
        self.pages.refresh()
        head = self.pages.repo.head()
        if head is None:
            raise NotFound(N_("The wiki has no pages yet."))
        return head

    def pages_at(self, version: str | None) -> tuple[str, list[ExportPage]]:
        """The commit and the pages of the current version, or of the named version ``version``."""
        commit = self._commit_of(version)
        return commit, exported_pages(self.pages.repo.list_files(commit), self.pages.text_of_blob)

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

    async def markdown_zip(self, version: str | None) -> bytes:
        """Every page as ``<name>.md`` with its front matter, in a zip."""
        return await self._download("markdown", version, "", "")

    async def site_zip(self, version: str | None, source: str, edition: str) -> bytes:
        """A static site, linking back to the wiki's public address ``source``; ``edition`` names
        the templates and style sheet it is made with (a new one makes new files)."""
        return await self._download("site", version, source, edition)

    async def _download(self, kind: str, version: str | None, source: str, edition: str) -> bytes:
        """The file for the commit asked for: read in one trip to the thread pool when built, else
        awaited while the child builds it (no thread waits, the event loop goes on serving)."""
        shape = hashlib.sha256(f"{source}\n{edition}".encode()).hexdigest()[:16]

        def ready_or_building() -> bytes | Future[bytes]:
            commit = self._commit_of(version)
            file = self.folder.file_of(kind, commit, shape)
            return self.builds.ready_or_building(ExportJob(kind, commit, source, shape, file))

        found = await to_thread.run_sync(ready_or_building)
        if isinstance(found, bytes):
            return found
        return await asyncio.wrap_future(found)

    def _kept(self) -> set[str]:
        """The commits whose downloads are worth keeping: the current one and the named versions'
        (no one can ask for the others any more)."""
        commits = {version.revision for version in self.versions.versions()}
        head = self.pages.repo.head()
        if head is not None:
            commits.add(head)
        return commits

    def close(self) -> None:
        """Stop a build under way (see ``ExportBuilds.close``)."""
        self.builds.close()
