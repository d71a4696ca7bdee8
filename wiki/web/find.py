"""Finding and taking along: search, broken links, the poster, all principles in one page, open data."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.errors import N_, BadInput
from wiki.numbers import is_whole_number
from wiki.services.permissions import Action, allowed, require
from wiki.web.accounts import signin_url
from wiki.web.session import current_user, public_base, site_of
from wiki.web.templating import render


async def search_page(request: Request) -> Response:
    """Search results for people; when there are none, other words to try and a way to write
    the page: create it (editors) or propose it (everyone else, signed in first)."""
    query = request.query_params.get("q", "")
    everything = request.query_params.get("all") == "1"
    found = await run_in_threadpool(site_of(request).search.find, query, 50 if everything else 10)
    context = {
        "q": query,
        "results": found.results,
        "suggestions": found.suggestions,
        "more": not everything and len(found.results) == 10,
        **_write_it(request, query if not found.results else ""),
    }
    return render(request, "search.html", context)


def _write_it(request: Request, query: str) -> dict[str, str]:
    """Links to write the page that was looked for: editors create it, others propose it (a
    visitor signs in first)."""
    title = " ".join(query.replace('"', " ").split())[:200]
    if not title:
        return {}
    user = current_user(request)
    if allowed(user, Action.CREATE):
        return {"new_title": title, "create_url": "/new?title=" + quote(title, safe="")}
    if user is not None and not allowed(user, Action.PROPOSE):
        return {}
    propose = "/proposals/new?title=" + quote(title, safe="")
    return {"new_title": title, "propose_url": propose if user is not None else signin_url(propose)}


async def search_api(request: Request) -> Response:
    """``GET /api/search?q=...`` -> ``{"results": [{"kind", "path", "title", "snippet"}]}``; a snippet is
    the page's plain text (no Markdown) as HTML in which only ``<mark>`` around matches is markup."""
    raw = request.query_params.get("limit", "10")
    if not is_whole_number(raw) or not 1 <= int(raw) <= 50:
        raise BadInput(N_("'limit' must be a whole number from 1 to 50."))
    results = await run_in_threadpool(site_of(request).search.search, request.query_params.get("q", ""), int(raw))
    items = []
    for result in results:
        item: dict[str, object] = {"kind": result.kind, "path": result.path, "title": result.title,
                                   "snippet": result.snippet}  # fmt: skip
        if result.kind == "proposal":
            item["id"] = result.id
        items.append(item)
    return JSONResponse({"results": items})


async def broken_links(request: Request) -> Response:
    """Maintainers: every link to a page that does not exist."""
    require(current_user(request), Action.SEE_BROKEN_LINKS)
    rows = await run_in_threadpool(site_of(request).pages.broken_links)
    return render(request, "broken_links.html", {"rows": rows})


async def _all_principles(request: Request) -> list[dict[str, object]]:
    shown = await run_in_threadpool(site_of(request).views.principles)
    return [{"page": page, "html": html} for page, html in shown]


async def poster(request: Request) -> Response:
    """Every principle with a short line and the wiki's address as a QR code, on one A4 or A3
    sheet; of a named version with ``?version=versie-1.0``."""
    version = request.query_params.get("version") or None
    made = await run_in_threadpool(site_of(request).poster.poster, public_base(request) + "/", version)
    size = "a3" if request.query_params.get("size") == "a3" else "a4"
    return render(request, "poster.html", {"poster": made, "size": size, "version": version})


async def all_in_one(request: Request) -> Response:
    """Every principle with its text, to read in one go; as named in a version with
    ``?version=versie-1.0``."""
    tag = request.query_params.get("version")
    if not tag:
        return render(request, "all.html", {"items": await _all_principles(request), "version": None})
    site = site_of(request)
    version, principles = await run_in_threadpool(lambda: (site.versions.get(tag), site.export.principles_at(tag)))
    items = [{"page": page, "html": html} for page, html in principles]
    return render(request, "all.html", {"items": items, "version": version})


async def open_data(request: Request) -> Response:
    """How to take everything along: git clone, downloads, comments and supports."""
    return render(request, "open_data.html", {"clone_url": public_base(request) + "/wiki.git"})


def _discussion_rows(request: Request) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    database = site_of(request).database
    comments = [
        {"id": c.id, "on": c.target, "author": c.author, "date": int(c.created),
         "body": "" if c.hidden_reason else c.body, "hidden": c.hidden_reason is not None,
         "hidden_reason": c.hidden_reason or ""}
        for c in database.comments()
        if c.deleted is None
    ]  # fmt: skip
    supports = [{"proposal": p, "by": name, "date": int(at)} for p, name, at in database.all_supports()]
    return comments, supports


async def discussion_json(request: Request) -> Response:
    """Comments and supports (they live in the database, not in git) as JSON."""
    comments, supports = await run_in_threadpool(_discussion_rows, request)
    body = json.dumps({"comments": comments, "supports": supports}, ensure_ascii=False, indent=1)
    headers = {"Content-Disposition": 'attachment; filename="discussion.json"'}
    return Response(body, media_type="application/json", headers=headers)


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(cell: object) -> object:
    """A text cell that would start a formula gets a leading ``'``, as OWASP advises: quoting
    alone does not stop ``=HYPERLINK(...)`` in a comment from running when the file is opened."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(_FORMULA_START) else cell


async def discussion_csv(request: Request) -> Response:
    """Comments and supports as CSV (one file; ``type`` says which)."""
    comments, supports = await run_in_threadpool(_discussion_rows, request)
    rows: list[list[object]] = [["type", "id", "on", "author", "date", "body", "hidden", "hidden_reason"]]
    rows += [["comment", c["id"], c["on"], c["author"], c["date"], c["body"], c["hidden"], c["hidden_reason"]]
             for c in comments]  # fmt: skip
    rows += [["support", "", f"proposal:{s['proposal']}", s["by"], s["date"], "", "", ""] for s in supports]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[_spreadsheet_safe(cell) for cell in row] for row in rows])
    headers = {"Content-Disposition": 'attachment; filename="discussion.csv"'}
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
