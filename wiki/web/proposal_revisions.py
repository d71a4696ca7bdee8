"""What one revision of a proposal changed, on a page of its own.

The proposal page lists its revisions; each one's word diffs used to be folded into that page,
so a proposal revised a dozen times at its limits sent nearly a megabyte and took most of a
second to show the first time.  Shown one revision at a time, each costs what one revision
changed; kept whole for anonymous readers by the proposal's edition, like the proposal page.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.names import check_revision
from wiki.services.keeping import KeptView
from wiki.web import readers
from wiki.web.proposals import proposal_id
from wiki.web.session import site_of
from wiki.web.templating import render


@readers.kept_for_readers(KeptView.PROPOSAL)
async def show(request: Request) -> Response:
    """``/proposals/{id}/revisions/{revision}``: who changed what, when and why, page by page,
    with the revisions before and after it; 404 for a commit that is not one of the proposal's."""
    number = proposal_id(request)
    revision = check_revision(request.path_params["revision"])
    proposal, changes = await run_in_threadpool(site_of(request).proposals.revision_changes, number, revision)
    return render(
        request, "proposal_revision.html", {"proposal": proposal, "record": proposal.record, "changes": changes}
    )
