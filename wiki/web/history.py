"""History for people: revisions, old versions, comparisons, blame, recent changes, versions."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.errors import N_, NotFound
from wiki.services.keeping import KeptView
from wiki.services.permissions import Action, allowed
from wiki.web import personal, readers
from wiki.web.session import current_user, site_of
from wiki.web.templating import render


def _query(request: Request, key: str) -> str | None:
    value = request.query_params.get(key)
    return value or None


@personal.kept_for_people("before", "after")
@readers.kept_for_readers(KeptView.ABOUT_PAGE, "before", "after")
async def page_history(request: Request) -> Response:
    """Every revision of a page, 50 at a time, with "older" and "newer"."""
    site = site_of(request)
    name = request.path_params["name"]
    before, after = _query(request, "before"), _query(request, "after")
    # One trip to the thread pool, not one per call: each costs a wake-up of the event loop.
    window, page = await run_in_threadpool(
        lambda: (site.history.page_history(name, None, before, after), site.pages.summary_of(name))
    )
    user = current_user(request)
    return render(
        request,
        "history.html",
        {"page": page, "window": window, "can_restore": allowed(user, Action.RESTORE)},
    )


@personal.kept_for_people("revision")
@readers.kept_for_readers(KeptView.ABOUT_PAGE, "revision")
async def source(request: Request) -> Response:
    """The Markdown source of a page, now or at a revision."""
    site = site_of(request)
    name = request.path_params["name"]
    revision = _query(request, "revision")
    page, info = await run_in_threadpool(site.views.source, name, revision)
    return render(request, "source.html", {"page": page, "info": info, "name": name})


@personal.kept_for_people("from", "to", "view", "only")
@readers.kept_for_readers(KeptView.ABOUT_PAGE, "from", "to", "view", "only")
async def compare(request: Request) -> Response:
    """Two revisions side by side or inline, words marked within changed paragraphs."""
    site = site_of(request)
    name = request.path_params["name"]
    old, new = _query(request, "from"), _query(request, "to")
    if old is None or new is None:
        only = await run_in_threadpool(site.history.only_version, name)
        if only is None:
            raise NotFound(N_("Choose two revisions to compare."))
        return render(request, "compare_one.html", {"name": name, "only": only})
    comparison, old_info, new_info = await run_in_threadpool(
        lambda: (site.history.compare(name, old, new), site.history.revision_info(old), site.history.revision_info(new))
    )
    side = request.query_params.get("view") == "side"
    only_changes = request.query_params.get("only") == "changes"
    return render(
        request,
        "compare.html",
        {
            "name": name,
            "comparison": comparison,
            "old_info": old_info,
            "new_info": new_info,
            "side": side,
            "only_changes": only_changes,
            "from": old,
            "to": new,
            "can_restore": allowed(current_user(request), Action.RESTORE),
        },
    )


@personal.kept_for_people()
@readers.kept_for_readers(KeptView.ABOUT_PAGE)
async def blame(request: Request) -> Response:
    """Who last changed each paragraph, when, and in which change."""
    site = site_of(request)
    name = request.path_params["name"]
    blocks, page = await run_in_threadpool(lambda: (site.history.blame(name), site.pages.summary_of(name)))
    return render(request, "blame.html", {"page": page, "blocks": blocks})


@personal.kept_for_people("author", "page", "before", "after")
@readers.kept_for_readers(KeptView.ANY_COMMIT, "author", "page", "before", "after")
async def recent_changes(request: Request) -> Response:
    """Recent changes for the whole wiki, by author or page, 50 at a time."""
    site = site_of(request)
    author, page = _query(request, "author"), _query(request, "page")
    window = await run_in_threadpool(
        site.history.recent_changes, None, _query(request, "before"), _query(request, "after"), author, page
    )
    return render(request, "changes.html", {"window": window, "author": author or "", "page_filter": page or ""})


@personal.kept_for_people()
@readers.kept_for_readers(KeptView.ANY_COMMIT)
async def change(request: Request) -> Response:
    """One change: its message, author, and the diff of every page it touched."""
    site = site_of(request)
    info, diffs = await run_in_threadpool(site.history.change, request.path_params["revision"])
    return render(request, "change.html", {"info": info, "diffs": diffs})


async def deleted(request: Request) -> Response:
    """Pages that were deleted, to look at or bring back."""
    rows = await run_in_threadpool(site_of(request).history.deleted_pages)
    return render(
        request, "deleted.html", {"rows": rows, "can_restore": allowed(current_user(request), Action.RESTORE)}
    )


async def versions(request: Request) -> Response:
    """The named versions, and for editors a form to name the current state."""
    listed = await run_in_threadpool(site_of(request).versions.versions)
    can_name = allowed(current_user(request), Action.NAME_VERSION)
    return render(request, "versions.html", {"versions": listed, "can_name": can_name, "display_name": ""})


async def since_version(request: Request) -> Response:
    """What changed in every principle since a named version."""
    site = site_of(request)
    tag = request.path_params["tag"]
    version, pages = await run_in_threadpool(lambda: (site.versions.get(tag), site.versions.changes_since(tag)))
    return render(request, "since.html", {"version": version, "pages": pages})
