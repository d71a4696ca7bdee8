"""Markdown to safe HTML.

Raw HTML is off, link schemes come from an allowlist (``data:`` only for
images), table alignment becomes a class (the CSP forbids style attributes),
and every heading gets an anchor.  Page text is data: it is never rendered as
a template.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from threading import Lock

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from mdit_py_plugins.anchors import anchors_plugin

_SCHEMES = {"http", "https", "mailto", "tel"}
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"data:image/(png|gif|jpeg|webp);", re.IGNORECASE)
_ALIGN = re.compile(r"text-align:(left|center|right)")


def link_allowed(url: str) -> bool:
    """True for relative links and the allowed schemes; data: URLs pass here only to be
    limited to images afterwards (``_data_only_for_images``)."""
    url = url.strip()
    match = _SCHEME.match(url)
    if match is None:
        # No scheme: relative.  A ':' before any '/', '?' or '#' would still be read
        # as a scheme by some browser after it strips characters, so refuse it.
        head = re.split(r"[/?#]", url, maxsplit=1)[0]
        return ":" not in head
    scheme = match.group(1).lower()
    return scheme in _SCHEMES or bool(_DATA_IMAGE.match(url))


def _data_only_for_images(state: StateCore) -> None:
    for token in state.tokens:
        for child in token.children or ():
            href = child.attrGet("href")
            if child.type == "link_open" and isinstance(href, str) and href.lower().startswith("data:"):
                child.attrs.pop("href", None)


def _alignment_as_class(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = token.attrGet("style")
            if isinstance(style, str):
                token.attrs.pop("style", None)
                match = _ALIGN.search(style)
                if match:
                    token.attrSet("class", f"align-{match.group(1)}")


def make_renderer() -> MarkdownIt:
    """The one Markdown configuration the wiki uses everywhere."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = link_allowed  # type: ignore[method-assign]
    anchors_plugin(md, min_level=1, max_level=6)
    md.core.ruler.push("data_only_for_images", _data_only_for_images)
    md.core.ruler.push("alignment_as_class", _alignment_as_class)
    return md


class Renderer:
    """Renders Markdown, caching the HTML by blob id (a blob's text never changes)."""

    def __init__(self, size: int = 4096) -> None:
        self._md = make_renderer()
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def render(self, markdown: str, key: str | None = None) -> str:
        """HTML for ``markdown``; ``key`` (a blob id) lets the result be reused."""
        if key is not None:
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None:
                    self._cache.move_to_end(key)
                    return cached
        html = str(self._md.render(markdown))
        if key is not None:
            with self._lock:
                self._cache[key] = html
                if len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return html
