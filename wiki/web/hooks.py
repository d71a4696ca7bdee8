"""``POST /api/hooks/git``: the shared remote's forge tells a replica to fetch now.

Authenticated by the shared secret alone (forges send no account): a bearer token,
GitLab's token header, or an HMAC of the body as Gitea and GitHub sign it.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, NotFound, Unauthorized
from wiki.web.session import site_of


async def git_hook(request: Request) -> Response:
    """Fetch from the shared remote; ``{"head", "moved"}`` with the refs that moved here."""
    site = site_of(request)
    body = await request.body()
    if not site.replication.authentic(request.headers, body):
        raise Unauthorized(N_("The hook secret is missing or wrong."))
    if not site.replication.enabled:
        raise NotFound(N_("This wiki has no shared remote."))
    moved = await run_in_threadpool(site.replication.sync)
    head = await run_in_threadpool(site.pages.current_head)
    return JSONResponse({"head": head, "moved": moved})
