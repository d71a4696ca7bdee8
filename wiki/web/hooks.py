"""``POST /api/hooks/git``: the shared remote's forge tells a replica to fetch now.

Authenticated by the shared secret alone (forges send no account): a bearer token,
GitLab's token header, or an HMAC of the body as Gitea and GitHub sign it.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, NotFound, Unauthorized
from wiki.services.replication import HookProof
from wiki.web.session import site_of


def hook_proof(headers: Headers, body: bytes) -> HookProof:
    """The secret as forges send it: ``Authorization: Bearer``, GitLab's ``X-Gitlab-Token``,
    or an HMAC-SHA256 of the body (Gitea's ``X-Gitea-Signature``, GitHub's
    ``X-Hub-Signature-256`` after its ``sha256=``)."""
    tokens = [headers.get("x-gitlab-token", "")]
    bearer = headers.get("authorization", "")
    if bearer[:7].lower() == "bearer ":
        tokens.append(bearer[7:].strip())
    github = headers.get("x-hub-signature-256", "").removeprefix("sha256=")
    signatures = (headers.get("x-gitea-signature", ""), github)
    return HookProof(tuple(tokens), signatures, body)


async def git_hook(request: Request) -> Response:
    """Fetch from the shared remote; ``{"head", "moved"}`` with the refs that moved here."""
    site = site_of(request)
    if not site.replication.authentic(hook_proof(request.headers, await request.body())):
        raise Unauthorized(N_("The hook secret is missing or wrong."))
    if not site.replication.enabled:
        raise NotFound(N_("This wiki has no shared remote."))
    moved, head = await run_in_threadpool(lambda: (site.replication.sync(), site.pages.current_head()))
    return JSONResponse({"head": head, "moved": moved})
