"""Atom feeds of recent changes, for the whole wiki and for each page (RFC 4287).

Built with ElementTree, so every title, name and message is escaped as XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.services.history import Change
from wiki.web.i18n import gettext as _
from wiki.web.session import site_of

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = text
    return element


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom(request: Request, title: str, self_path: str, alternate: str, changes: list[Change]) -> Response:
    """An Atom document with one entry per change, each linking to its diff."""
    base = str(request.base_url).rstrip("/")
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", base + self_path)
    _text(feed, "title", title)
    updated = changes[0].date if changes else datetime(2009, 7, 23, tzinfo=UTC)
    _text(feed, "updated", _stamp(updated))
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": base + self_path})
    ET.SubElement(
        feed, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": base + alternate}
    )
    for change in changes:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        link = f"{base}/change/{change.revision}"
        _text(entry, "id", link)
        _text(entry, "title", change.message.splitlines()[0] if change.message else change.revision[:10])
        _text(entry, "updated", _stamp(change.date))
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        _text(author, "name", change.author)
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": link})
        _text(entry, "summary", ", ".join(change.paths) or change.message)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


async def wiki_feed(request: Request) -> Response:
    """Recent changes of the whole wiki."""
    window = await run_in_threadpool(site_of(request).history.recent_changes, FEED_SIZE)
    return atom(request, _("Principles wiki: recent changes"), "/atom/changes", "/changes", window.items)


async def page_feed(request: Request) -> Response:
    """Recent changes of one page."""
    name = request.path_params["name"]
    site = site_of(request)
    window = await run_in_threadpool(site.history.recent_changes, FEED_SIZE, None, None, None, name)
    page = (await run_in_threadpool(site.pages.get, name))[0]
    title = _("Changes to %(title)s") % {"title": page.title}
    return atom(request, title, f"/atom/p/{quote(name)}", f"/history/{quote(name)}", window.items)
