"""Downloads, and a read-only ``git clone`` over HTTP (see ``services.clone``)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.resources import folder
from wiki.services import export_build, export_html, render
from wiki.services.clone import FetchRequest
from wiki.services.export_build import SiteTemplates
from wiki.services.export_html import EXPORT_CONTENT_SECURITY_POLICY
from wiki.web.bodies import inflated
from wiki.web.gitcgi import git_response
from wiki.web.session import public_base, site_of
from wiki.web.static import STYLESHEETS
from wiki.web.templating import ENVIRONMENT

#: The exported site's one style sheet: the site's sheets joined, so it looks the same offline.
_CSS = "\n".join((folder("static") / sheet).read_text(encoding="utf-8") for sheet in STYLESHEETS)


def _version(request: Request) -> str | None:
    return request.query_params.get("version") or None


def _zip(data: bytes, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(data, media_type="application/zip", headers=headers)


def _filename(kind: str, version: str | None) -> str:
    """``principes-markdown.zip``, or with the version's tag (only [a-z0-9._-], checked by then)."""
    return f"principes-{version}-{kind}.zip" if version else f"principes-{kind}.zip"


def site_templates(source: str) -> SiteTemplates:
    """How the static site looks, linking back to the wiki at ``source`` (the child process that
    builds the site renders with these: ``wiki export build``)."""
    page_template = ENVIRONMENT.get_template("export_page.html")
    index_template = ENVIRONMENT.get_template("export_index.html")

    def page_html(title: str, number: int | None, html: str, root: str) -> str:
        return page_template.render(
            title=title, number=number, html=html, root=root, csp=EXPORT_CONTENT_SECURITY_POLICY
        )

    def index_html(pages: list[tuple[str, str, int | None]]) -> str:
        return index_template.render(pages=pages, source=source, csp=EXPORT_CONTENT_SECURITY_POLICY)

    return SiteTemplates(page_html, index_html, _CSS)


@functools.cache
def _edition() -> str:
    """A digest of what makes the static site besides the pages (its templates, style sheet and
    the code that renders it): a new release builds new files rather than serve old ones."""
    digest = hashlib.sha256(_CSS.encode())
    for name in ("export_page.html", "export_index.html"):
        digest.update((folder("templates") / name).read_bytes())
    for module in (export_build, export_html, render):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


async def markdown_zip(request: Request) -> Response:
    """``GET /export/markdown.zip[?version=versie-1.0]``: every page as Markdown with front matter."""
    data = await site_of(request).export.markdown_zip(_version(request))
    return _zip(data, _filename("markdown", _version(request)))


async def site_zip(request: Request) -> Response:
    """``GET /export/site.zip[?version=versie-1.0]``: a static HTML site that works opened from
    disk, built once per commit in a child process; while it builds, the request waits for it."""
    data = await site_of(request).export.site_zip(_version(request), public_base(request), _edition())
    return _zip(data, _filename("site", _version(request)))


async def git_http(request: Request) -> Response:
    """Smart HTTP for ``git clone http://HOST/wiki.git``, fetch only.  git compresses larger
    requests: they reach git inflated, within the body limit (``bodies.inflated``)."""
    encoding = request.headers.get("content-encoding", "")
    body = await run_in_threadpool(inflated, await request.body(), encoding)
    fetch = FetchRequest(
        path=request.path_params["path"],
        service=request.query_params.get("service", ""),
        method=request.method,
        query=request.url.query,
        content_type=request.headers.get("content-type", ""),
        git_protocol=request.headers.get("git-protocol", ""),
        body=body,
    )
    return await git_response(await site_of(request).clone.answer(fetch))
