"""Downloads, and a read-only ``git clone`` over HTTP (see ``services.clone``)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from wiki import PROJECT_ROOT
from wiki.web.session import public_base, site_of
from wiki.web.static import STYLESHEETS
from wiki.web.templating import ENVIRONMENT

#: The exported site's one style sheet: the site's sheets joined, so it looks the same offline.
_CSS = "\n".join((PROJECT_ROOT / "static" / sheet).read_text(encoding="utf-8") for sheet in STYLESHEETS)


def _version(request: Request) -> str | None:
    return request.query_params.get("version") or None


def _zip(data: bytes, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(data, media_type="application/zip", headers=headers)


def _filename(kind: str, version: str | None) -> str:
    """``principes-markdown.zip``, or with the version's tag (only [a-z0-9._-], checked by then)."""
    return f"principes-{version}-{kind}.zip" if version else f"principes-{kind}.zip"


async def markdown_zip(request: Request) -> Response:
    """``GET /export/markdown.zip[?version=versie-1.0]``: every page as Markdown with front matter."""
    data = await run_in_threadpool(site_of(request).export.markdown_zip, _version(request))
    return _zip(data, _filename("markdown", _version(request)))


async def site_zip(request: Request) -> Response:
    """``GET /export/site.zip[?version=versie-1.0]``: a static HTML site that works opened from disk."""
    page_template = ENVIRONMENT.get_template("export_page.html")
    index_template = ENVIRONMENT.get_template("export_index.html")

    def page_html(title: str, number: int | None, html: str, root: str) -> str:
        return page_template.render(title=title, number=number, html=html, root=root)

    source = public_base(request)

    def index_html(pages: list[tuple[str, str, int | None]]) -> str:
        return index_template.render(pages=pages, source=source)

    data = await run_in_threadpool(
        lambda: site_of(request).export.site_zip(_version(request), page_html, index_html, _CSS, shaped_by=source)
    )
    return _zip(data, _filename("site", _version(request)))


async def git_http(request: Request) -> Response:
    """Smart HTTP for ``git clone http://HOST/wiki.git``, fetch only."""
    details = {
        "service": request.query_params.get("service", ""),
        "method": request.method,
        "query": request.url.query,
        "content_type": request.headers.get("content-type", ""),
        "content_encoding": request.headers.get("content-encoding", ""),
        "git_protocol": request.headers.get("git-protocol", ""),
    }
    answer = await site_of(request).clone.answer(request.path_params["path"], details, await request.body())
    headers = dict(answer.headers)
    media_type = headers.pop("Content-Type", "application/octet-stream")
    return StreamingResponse(answer.body, status_code=answer.status, headers=headers, media_type=media_type)
