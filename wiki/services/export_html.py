"""The pages of the static-site export as HTML that is safe opened from disk.

A page opened from ``file://`` has none of the site's HTTP headers, so nothing may depend on them.
Links are therefore rewritten on markdown-it's token stream, never in the HTML text: the same
parser and renderer as the site produce the page, and the renderer escapes every attribute (href,
src, id, class) *after* the rewriting.  A link's fragment and query stay percent-encoded as the
parser left them; nothing is decoded back into markup.  The export holds no image files, so an
image that is not a ``data:`` image becomes a link to where it lives: no exported page loads
anything from elsewhere.  On top of that every page carries its own strict CSP
(``EXPORT_CONTENT_SECURITY_POLICY``, written by the templates as a ``<meta http-equiv>``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from urllib.parse import quote, unquote

from markdown_it.token import Token

from wiki.names import slugify
from wiki.services.render import make_renderer

#: No script at all, styles and images only from the export itself (and ``data:`` images, as the
#: site allows), no plugins, no ``<base>``, no form posts anywhere.  ``frame-ancestors`` has no
#: effect in a ``<meta>``, so it is left out.
EXPORT_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'none'"
)
#: Every page of the export lives under this folder, so no page name can take the place of the
#: site's own ``index.html`` or ``style.css`` next to it.
PAGES_FOLDER = "p"
Resolver = Callable[[str, bool], str | None]


def page_file(name: str) -> str:
    """The exported file of page ``name``, relative to the export's root."""
    return f"{PAGES_FOLDER}/{name}.html"


def root_of(name: str) -> str:
    """The relative path from page ``name``'s exported file back to the export's root."""
    return "../" * (name.count("/") + 1)


class ExportHtml:
    """Renders page bodies for the export with the site's own Markdown configuration."""

    def __init__(self) -> None:
        self._md = make_renderer()

    def render(self, markdown: str, source: str, names: set[str], resolve: Resolver) -> str:
        """HTML of page ``source``'s body with every link pointing inside the export (or elsewhere
        on the web, as written), escaped by the renderer after the rewriting."""
        env = {"resolve": resolve}
        tokens = self._md.parse(markdown, env)
        links = _Links(source, names, resolve)
        for token in tokens:
            if token.children:
                token.children = links.rewrite(token.children)
        return str(self._md.renderer.render(tokens, self._md.options, env))


class _Links:
    """Rewrites the inline tokens of one page."""

    def __init__(self, source: str, names: set[str], resolve: Resolver) -> None:
        self.source = source
        self.names = names
        self.resolve = resolve

    def rewrite(self, children: list[Token]) -> list[Token]:
        rewritten: list[Token] = []
        in_link = 0
        for token in children:
            if token.type == "link_open":
                in_link += 1
                href = token.attrGet("href")
                if isinstance(href, str):
                    token.attrSet("href", self.href(href))
                rewritten.append(token)
            elif token.type == "link_close":
                in_link -= 1
                rewritten.append(token)
            elif token.type == "wikilink":
                rewritten += self.wikilink(token)
            elif token.type == "image" and not str(token.attrGet("src") or "").lower().startswith("data:"):
                # Inside a link the image's text alone, so no link ends up inside another.
                rewritten += [Token("text", "", 0, content=token.content)] if in_link else self.image_as_link(token)
            else:
                rewritten.append(token)
        return rewritten

    def wikilink(self, token: Token) -> list[Token]:
        meta = token.meta
        found = self.resolve(meta["target"], meta["by_path"])
        wanted = meta["target"] if meta["by_path"] else slugify(meta["target"])
        href = self.to_page(found or wanted, "")
        return _link(href, meta["label"], "wikilink" if found else "wikilink missing")

    def image_as_link(self, token: Token) -> list[Token]:
        src = str(token.attrGet("src") or "")
        return _link(self.href(src), token.content or src, "")

    def href(self, href: str) -> str:
        """Where link ``href`` (as the parser normalised it: percent-encoded) goes in the export."""
        if href.startswith("/p/"):
            return self.to_page(_path_of(href[3:]), _fragment_of(href))
        if href.startswith("//"):
            # From ``file://`` a scheme-relative link would stay on ``file:`` (a network share).
            return "https:" + href
        if href.startswith("#") or ":" in href.split("/", 1)[0]:
            return href
        path = _path_of(href)
        if not path:
            return href
        if path.startswith("/"):
            return self.to_page("", "")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(self.source), path))
        return self.to_page(target, _fragment_of(href))

    def to_page(self, target: str, fragment: str) -> str:
        """A relative link to page ``target``'s file, or to the export's index when it has no such
        page; ``fragment`` is kept as it came (still percent-encoded)."""
        if target not in self.names:
            return root_of(self.source) + "index.html"
        relative = posixpath.relpath(page_file(target), posixpath.dirname(page_file(self.source)))
        return quote(relative) + fragment


def _path_of(href: str) -> str:
    """The decoded path of a link, without its query and fragment."""
    return unquote(href.partition("#")[0].partition("?")[0])


def _fragment_of(href: str) -> str:
    """``#fragment`` of a link exactly as written (percent-encoded), or ``""``."""
    _before, sep, fragment = href.partition("#")
    return sep + fragment if fragment else ""


def _link(href: str, label: str, css_class: str) -> list[Token]:
    opening = Token("link_open", "a", 1, attrs={"href": href})
    if css_class:
        opening.attrSet("class", css_class)
    text = Token("text", "", 0, content=label)
    return [opening, text, Token("link_close", "a", -1)]
