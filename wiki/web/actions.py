"""Forms that change pages other than by editing: restore, undo, rename, delete, versions.

Each needs a signed-in person whose role allows it (the permission table) and
this visitor's form token; each ends in a redirect with a notice.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.services.accounts import commit_author
from wiki.services.permissions import Action, require
from wiki.web.errorhandling import keep_form, keep_form_with, keeps_form
from wiki.web.forms import checked_form, field
from wiki.web.notices import NoticeRedirect
from wiki.web.session import current_user, site_of
from wiki.web.templating import render


def _to_page(name: str, notice: str) -> Response:
    return NoticeRedirect(f"/p/{quote(name)}", notice)


async def restore(request: Request) -> Response:
    """Put a page back as it was at a revision."""
    form, user = await checked_form(request, Action.RESTORE)
    name = request.path_params["name"]
    site = site_of(request)
    result = await run_in_threadpool(
        site.pages.restore, name, field(form, "revision"), commit_author(user), field(form, "reason")
    )
    return _to_page(name, "restored" if result.changed else "unchanged")


async def undo_form(request: Request) -> Response:
    """Ask before taking out a change, with room for an optional reason."""
    require(current_user(request), Action.RESTORE)
    site = site_of(request)
    name, revision = request.path_params["name"], request.query_params.get("revision", "")
    page, info = await run_in_threadpool(lambda: (site.pages.get(name)[0], site.history.revision_info(revision)))
    return render(request, "undo.html", {"page": page, "info": info})


@keeps_form
async def undo(request: Request) -> Response:
    """Take out one earlier change, when later changes do not overlap it."""
    form, user = await checked_form(request, Action.RESTORE)
    name = request.path_params["name"]
    site = site_of(request)
    keep_form_with(request, lambda message, status: _undo_refused(request, name, message, status))
    result = await run_in_threadpool(
        site.pages.undo, name, field(form, "revision"), commit_author(user), field(form, "reason")
    )
    return _to_page(name, "undone" if result.changed else "unchanged")


async def _undo_refused(request: Request, name: str, message: str, status: int) -> Response:
    """Why the change could not be taken out, with the way to the page's history."""
    return render(request, "error.html", {"status": status, "message": message, "history_of": name}, status=status)


async def rename_form(request: Request) -> Response:
    """The form to rename or move a page."""
    require(current_user(request), Action.RENAME)
    page = (await run_in_threadpool(site_of(request).pages.get, request.path_params["name"]))[0]
    return render(request, "rename.html", {"page": page, "new_name": page.path, "message": ""})


@keeps_form
async def rename(request: Request) -> Response:
    """Rename or move a page; its history follows and the old address redirects."""
    form, user = await checked_form(request, Action.RENAME)
    site = site_of(request)
    name = request.path_params["name"]
    new_name, message = field(form, "new_name").strip(), field(form, "message")
    keep_form(
        request, "rename.html", {"new_name": new_name, "message": message}, lambda: {"page": site.pages.get(name)[0]}
    )
    await run_in_threadpool(site.pages.rename, name, new_name, commit_author(user), message)
    return _to_page(new_name, "renamed")


async def delete_form(request: Request) -> Response:
    """Ask before deleting a page."""
    require(current_user(request), Action.DELETE)
    page = (await run_in_threadpool(site_of(request).pages.get, request.path_params["name"]))[0]
    return render(request, "delete.html", {"page": page})


async def delete(request: Request) -> Response:
    """Delete a page (a commit; it can be brought back from the deleted pages)."""
    form, user = await checked_form(request, Action.DELETE)
    name = request.path_params["name"]
    await run_in_threadpool(site_of(request).pages.delete, name, commit_author(user), field(form, "message"))
    return NoticeRedirect("/deleted", "deleted")


async def undelete(request: Request) -> Response:
    """Bring back a deleted page."""
    form, user = await checked_form(request, Action.RESTORE)
    name = request.path_params["name"]
    await run_in_threadpool(site_of(request).pages.undelete, name, commit_author(user), field(form, "reason"))
    return _to_page(name, "restored")


@keeps_form
async def name_version(request: Request) -> Response:
    """Name the current state of the wiki, such as "Versie 1.0"."""
    form, user = await checked_form(request, Action.NAME_VERSION)
    site = site_of(request)
    display_name = field(form, "display_name")
    context = {"can_name": True, "display_name": display_name}
    keep_form(request, "versions.html", context, lambda: {"versions": site.versions.versions()})
    version = await run_in_threadpool(site.versions.name_current, display_name, commit_author(user))
    return NoticeRedirect(f"/versions#{version.tag}", "version-named")
