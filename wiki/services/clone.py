"""Read-only ``git clone`` of the wiki: which requests may reach git, and which may not."""

from __future__ import annotations

from dataclasses import dataclass

from wiki.errors import N_, Forbidden, NotFound
from wiki.store.git.http_backend import CgiOutput, CgiRequest, run_upload_pack
from wiki.store.git.repository import GitRepository


@dataclass(frozen=True)
class FetchRequest:
    """One request of git's smart HTTP, as the web layer read it.

    ``path`` is what follows ``/wiki.git/``, ``service`` the ``?service=`` a ref listing names,
    ``query`` the whole query string.  ``body`` comes inflated: the web layer inflates within
    the body limit, and git is never told of a ``Content-Encoding`` (it would inflate without
    any limit)."""

    path: str
    service: str
    method: str
    query: str
    content_type: str
    git_protocol: str
    body: bytes


class CloneService:
    """Serves fetches of the whole repository (main, proposals and their records, version tags)."""

    def __init__(self, repo: GitRepository) -> None:
        self.repo = repo

    async def answer(self, request: FetchRequest) -> CgiOutput:
        """Start git for a fetch; ``Forbidden`` for any push, ``NotFound`` for anything else."""
        path, service, method = request.path, request.service, request.method
        if path == "git-receive-pack" or service == "git-receive-pack":
            raise Forbidden(N_("This repository is read-only: propose changes in the wiki instead."))
        fetch = (path == "info/refs" and service == "git-upload-pack" and method == "GET") or (
            path == "git-upload-pack" and method == "POST"
        )
        if not fetch:
            raise NotFound(N_("This page does not exist."))
        cgi = CgiRequest(path, method, request.query, request.content_type, request.git_protocol, request.body)
        return await run_upload_pack(self.repo.git_dir, cgi)
