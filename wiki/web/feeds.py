"""Atom feeds (RFC 4287): recent changes of the wiki and of each page, and proposals.

Built with ElementTree, so every title, name and message is escaped as XML; characters XML
cannot hold at all (control characters, lone surrogates) are dropped as they are written, so
no stored text can make a feed ill-formed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wiki.controls import without_controls
from wiki.services.history import Change, iso_utc, moment
from wiki.web import i18n
from wiki.web.i18n import gettext as _
from wiki.web.session import public_base, site_of
from wiki.web.templating import STATUS_LABELS

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed entry; ``path`` is its page on this site (and, with the host, its id)."""

    path: str
    title: str
    updated: datetime
    author: str
    summary: str


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed's own title, address and the page it stands for."""

    title: str
    path: str
    alternate: str


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = without_controls(text)
    return element


def _link(parent: ET.Element, href: str, **attributes: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", {**attributes, "href": without_controls(href)})


def atom(request: Request, feed: Feed, entries: list[Entry]) -> Response:
    """An Atom document with the required elements on the feed and on every entry."""
    base = public_base(request)
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    _text(root, "id", base + feed.path)
    _text(root, "title", feed.title)
    _text(root, "updated", iso_utc(entries[0].updated if entries else datetime(2009, 7, 23, tzinfo=UTC)))
    _link(root, base + feed.path, rel="self")
    _link(root, base + feed.alternate, rel="alternate", type="text/html")
    for item in entries:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        _text(entry, "id", base + item.path)
        _text(entry, "title", item.title)
        _text(entry, "updated", iso_utc(item.updated))
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        _text(author, "name", item.author)
        _link(entry, base + item.path, rel="alternate", type="text/html")
        _text(entry, "summary", item.summary)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _change_entry(change: Change) -> Entry:
    title = change.message.splitlines()[0] if change.message else change.revision[:10]
    return Entry(f"/change/{change.revision}", title, change.date, change.author, ", ".join(change.paths) or title)


async def wiki_feed(request: Request) -> Response:
    """Recent changes of the whole wiki."""
    window = await run_in_threadpool(site_of(request).history.recent_changes, FEED_SIZE)
    feed = Feed(_("Principles wiki: recent changes"), "/atom/changes", "/changes")
    return atom(request, feed, [_change_entry(change) for change in window.items])


async def page_feed(request: Request) -> Response:
    """Recent changes of one page."""
    name = request.path_params["name"]
    site = site_of(request)
    window, page = await run_in_threadpool(
        lambda: (site.history.recent_changes(FEED_SIZE, None, None, None, name), site.pages.summary_of(name))
    )
    feed = Feed(_("Changes to %(title)s") % {"title": page.title}, f"/atom/p/{quote(name)}", f"/history/{quote(name)}")
    return atom(request, feed, [_change_entry(change) for change in window.items])


async def proposals_feed(request: Request) -> Response:
    """Proposals and decisions: one entry per proposal, updated at its last status change."""
    proposals = await run_in_threadpool(site_of(request).proposals.listing)
    entries = []
    for proposal in proposals:
        record = proposal.record
        last = record.events[-1] if record.events else None
        status = i18n.gettext(STATUS_LABELS.get(record.status) or record.status)
        reason = last.reason if last else ""
        entries.append(
            Entry(
                f"/proposals/{record.id}",
                f"#{record.id} {record.title} ({status})",
                moment(last.date if last else record.created),
                last.by if last else record.author,
                reason or record.description[:500] or record.title,
            )
        )
    entries.sort(key=lambda entry: entry.updated, reverse=True)
    feed = Feed(_("Principles wiki: proposals and decisions"), "/atom/proposals", "/proposals")
    return atom(request, feed, entries[:FEED_SIZE])
