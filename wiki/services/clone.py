"""Read-only ``git clone`` of the wiki: which requests may reach git, and which may not."""

from __future__ import annotations

from collections.abc import Mapping

from wiki.errors import N_, Forbidden, NotFound
from wiki.store.git.repository import GitRepository
from wiki.store.githttp import CgiAnswer, upload_pack


class CloneService:
    """Serves fetches of the whole repository (main, proposals and their records, version tags)."""

    def __init__(self, repo: GitRepository) -> None:
        self.repo = repo

    async def answer(self, path: str, request: Mapping[str, str], body: bytes) -> CgiAnswer:
        """Run a fetch; ``Forbidden`` for any push, ``NotFound`` for anything else.

        ``body`` comes inflated: the web layer inflates within the body limit, and git is
        never told of a ``Content-Encoding`` (it would inflate without any limit)."""
        service = request.get("service", "")
        if path == "git-receive-pack" or service == "git-receive-pack":
            raise Forbidden(N_("This repository is read-only: propose changes in the wiki instead."))
        method = request.get("method", "GET")
        fetch = (path == "info/refs" and service == "git-upload-pack" and method == "GET") or (
            path == "git-upload-pack" and method == "POST"
        )
        if not fetch:
            raise NotFound(N_("This page does not exist."))
        return await upload_pack(self.repo.git_dir, path, request, body)
