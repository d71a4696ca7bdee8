"""Markdown to safe HTML.

Raw HTML is off, link schemes come from an allowlist (``data:`` only for
images), table alignment becomes a class (the CSP forbids style attributes),
and every heading gets an anchor.  Page text is data: it is never rendered as
a template.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape, unescape
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors.index import slugify as anchor_slug

from wiki.names import slugify
from wiki.pagefile import sections
from wiki.services.bounded import Bounded
from wiki.services.mentions import MENTION
from wiki.store import loopguard
from wiki.store.plaintext import WIKI_LINK

_SCHEMES = {"http", "https", "mailto", "tel"}
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"data:image/(png|gif|jpeg|webp);", re.IGNORECASE)
_ALIGN = re.compile(r"text-align:(left|center|right)")
# A heading's text never holds another heading's start, so the search for its end stops
# there: on a line of many openings it would otherwise rescan the line from each of them.
_HEADING = re.compile(r'<h([1-4]) id="([^"]+)">((?:(?!<h[1-6] ).)*?)</h\1>')
_TAGS = re.compile(r"<[^<>]+>")  # stops at the next "<": no rescans of a run of them
Resolver = Callable[[str, bool], str | None]


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


def _anchors(state: StateCore) -> None:
    """An ``id`` on every heading, unique on the page (as ``mdit_py_plugins.anchors`` gives,
    whose search for a free ``slug-N`` started at 1 for every heading: 14,000 headings named
    alike, 100 KB of text, took 13 s to render).  Here the search goes on where it stopped."""
    taken: set[str] = set()
    next_number: dict[str, int] = {}
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        children = state.tokens[index + 1].children or []
        slug = anchor_slug("".join(child.content for child in children if child.type in ("text", "code_inline")))
        unique, number = slug, next_number.get(slug, 1)
        while unique in taken:
            unique, number = f"{slug}-{number}", number + 1
        next_number[slug] = number
        taken.add(unique)
        token.attrSet("id", unique)


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    """``[[Title]]`` and ``[[path|label]]`` as one token; resolved when rendered."""
    if not state.src.startswith("[[", state.pos):
        return False
    match = WIKI_LINK.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("wikilink", "a", 0)
        target = match.group(1).strip()
        by_path = match.group(2) is not None
        token.meta = {"target": target, "label": (match.group(2) or target).strip(), "by_path": by_path}
    state.pos = match.end()
    return True


def _render_wikilink(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    meta = tokens[idx].meta
    resolve = env.get("resolve") if isinstance(env, dict) else None
    found = resolve(meta["target"], meta["by_path"]) if resolve else None
    label = escapeHtml(meta["label"])
    if found:
        return f'<a href="/p/{escapeHtml(quote(found))}" class="wikilink">{label}</a>'
    wanted = meta["target"] if meta["by_path"] else slugify(meta["target"])
    return f'<a href="/p/{escapeHtml(quote(wanted))}" class="wikilink missing">{label}</a>'


@dataclass(frozen=True)
class SectionLinks:
    """Ask for an edit link after each heading of page ``name`` (for someone who may edit
    it), reading ``label`` in their language."""

    name: str
    label: str


def _section_numbers(state: StateCore) -> None:
    """Number the headings for their edit links, when the headings rendered are exactly the
    heading lines ``pagefile.sections`` cuts the text at (else a link would open another part)."""
    if not isinstance(state.env.get("sections"), SectionLinks):
        return
    closes = [token for token in state.tokens if token.type == "heading_close"]
    if len(closes) != len(sections(state.src)) - 1:
        return
    for number, token in enumerate(closes, start=1):
        token.meta["section"] = number


def _render_heading_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """``</hN>``, then the section's edit link with the heading's text for screen readers, and
    the heading's "why is this here?" link."""
    html = self.renderToken(tokens, idx, options, env)
    number = tokens[idx].meta.get("section")
    links = env.get("sections") if isinstance(env, dict) else None
    why = _why_link(env, tokens[idx], "why-link why-block")
    if number is None or not isinstance(links, SectionLinks):
        return f"{html.rstrip()}{why}\n" if why else html
    heading = self.renderInline(tokens[idx - 1].children or [], options, env)
    hidden = f'<span class="visually-hidden">: {heading}</span>'
    href = f"/edit/{escape(quote(links.name))}?section={number}"
    return f'{html.rstrip()}<a class="section-edit" href="{href}">{escape(links.label)}{hidden}</a>{why}\n'


@dataclass(frozen=True)
class ParagraphLinks:
    """Ask for a "why is this here?" link on each block of page ``name`` (as it was at
    ``revision``; None: now), reading ``label`` and, for screen readers, ``hidden`` with the
    block's number in place of ``%(number)s``, both in the reader's language."""

    name: str
    revision: str | None
    label: str
    hidden: str


def top_blocks(tokens: Sequence[Token]) -> list[Token]:
    """The tokens that open the body's top-level blocks (paragraphs, headings, lists, quotes,
    code, tables, rules), in order: the blocks "paragraph N" counts, from 1."""
    return [token for token in tokens if token.level == 0 and token.nesting >= 0 and token.map is not None]


def block_lines(markdown: str) -> list[tuple[int, int]]:
    """The lines (0-based, end excluded) of the body each top-level block was rendered from."""
    loopguard.check()
    return [(token.map[0], token.map[1]) for token in top_blocks(_BLOCKS.parse(markdown)) if token.map]


def _paragraph_numbers(state: StateCore) -> None:
    """Number the top-level blocks for their "why is this here?" links: the number sits on the
    token that ends the block (its close, or the block itself for code and rules)."""
    if not isinstance(state.env.get("paragraphs"), ParagraphLinks):
        return
    number = 0
    for token in state.tokens:
        if token.level != 0:
            continue
        if token.nesting >= 0 and token.map is not None:
            number += 1
        if token.nesting <= 0:
            token.meta["paragraph"] = number


def _why_link(env: EnvType, token: Token, css: str) -> str:
    """The link to "why is this here?" for the block ``token`` ends, or "" when none is asked."""
    links = env.get("paragraphs") if isinstance(env, dict) else None
    number = token.meta.get("paragraph") if token.meta else None
    if not isinstance(links, ParagraphLinks) or number is None:
        return ""
    query = f"paragraph={number}" + (f"&amp;revision={escape(quote(links.revision))}" if links.revision else "")
    href = f"/why/{escape(quote(links.name))}?{query}"
    hidden = escape(" " + links.hidden % {"number": number})
    return f'<a class="{css}" href="{href}">{escape(links.label)}<span class="visually-hidden">{hidden}</span></a>'


def _render_paragraph_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """``</p>``, with the paragraph's "why is this here?" link at its end, inside it."""
    html = self.renderToken(tokens, idx, options, env)
    link = _why_link(env, tokens[idx], "why-link")
    return f" {link}{html}" if link else html


Rule = Callable[[Sequence[Token], int, OptionsDict, EnvType], str]


def _after_block(default: Rule | None) -> Callable[[RendererHTML, Sequence[Token], int, OptionsDict, EnvType], str]:
    """A render rule that renders a block's end as ``default`` does (or as a plain tag), then
    adds its "why is this here?" link on a line of its own (lists, quotes, code, tables)."""

    def rule(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        html = default(tokens, idx, options, env) if default else self.renderToken(tokens, idx, options, env)
        link = _why_link(env, tokens[idx], "why-link why-block")
        return f"{html.rstrip()}{link}\n" if link else html

    return rule


#: The ends of top-level blocks that get their link after them (paragraphs: inside; headings:
#: after the section's edit link; rules: none, a line has nothing to ask about).
_BLOCK_ENDS = ("bullet_list_close", "ordered_list_close", "blockquote_close", "table_close", "fence", "code_block")


def _mentions(state: StateCore) -> None:
    """``@username`` as a link to the person's page, only where a comment is rendered (its env
    holds ``people``: folded username -> username, the accounts that exist) and only in plain
    text: never in code, in a link's text or in a wiki link, never for a name of nobody."""
    people = state.env.get("people")
    if not isinstance(people, Mapping) or not people:
        return
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        children: list[Token] = []
        in_link = 0
        for child in token.children:
            if child.type in ("link_open", "link_close"):
                in_link += 1 if child.type == "link_open" else -1
            children.extend(_linked_mentions(child, people) if child.type == "text" and not in_link else [child])
        token.children = children


def _linked_mentions(text: Token, people: Mapping[str, str]) -> list[Token]:
    """The text token cut into text and a link for each mention of an existing account."""
    pieces: list[Token] = []
    start = 0
    for found in MENTION.finditer(text.content):
        username = people.get(found.group(1).lower())
        if username is None:
            continue
        if found.start() > start:
            pieces.append(_text(text.content[start : found.start()]))
        opening = Token("link_open", "a", 1, attrs={"href": f"/people/{quote(username)}", "class": "mention"})
        pieces += [opening, _text(found.group(0)), Token("link_close", "a", -1)]
        start = found.end()
    if not pieces:
        return [text]
    if start < len(text.content):
        pieces.append(_text(text.content[start:]))
    return pieces


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def table_of_contents(html: str) -> list[tuple[int, str, str]]:
    """(level, anchor, text) of the headings of rendered HTML, for a table of contents."""
    return [(int(level), anchor, unescape(_TAGS.sub("", inner))) for level, anchor, inner in _HEADING.findall(html)]


def make_renderer() -> MarkdownIt:
    """The one Markdown configuration the wiki uses everywhere."""
    # maxNesting (commonmark's 20, stated so no change of preset loses it) stops block and inline
    # rules from going deeper: 10,000 nested ">" or list items render flat past it, in milliseconds.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "maxNesting": 20})
    md.enable(["table", "strikethrough"])
    md.validateLink = link_allowed  # type: ignore[method-assign]
    md.core.ruler.push("anchor", _anchors)
    md.core.ruler.push("data_only_for_images", _data_only_for_images)
    md.core.ruler.push("alignment_as_class", _alignment_as_class)
    md.core.ruler.push("section_numbers", _section_numbers)
    md.core.ruler.push("mentions", _mentions)
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.add_render_rule("wikilink", _render_wikilink)
    md.core.ruler.push("paragraph_numbers", _paragraph_numbers)
    md.add_render_rule("heading_close", _render_heading_close)
    md.add_render_rule("paragraph_close", _render_paragraph_close)
    assert isinstance(md.renderer, RendererHTML)  # commonmark's renderer: its rules are known
    defaults = dict(md.renderer.rules)
    for name in _BLOCK_ENDS:
        md.add_render_rule(name, _after_block(defaults.get(name)))
    return md


#: The parser ``block_lines`` reads blocks with: the same rules as every renderer.
_BLOCKS = make_renderer()


#: Bytes an entry of the renderer's cache costs besides its HTML and key (the objects).
_ENTRY_OVERHEAD = 200


def text_key(markdown: str) -> str:
    """A cache key for ``markdown`` rendered without wiki links resolved: its digest (the
    text itself decides the HTML, as a blob id does)."""
    return "text:" + hashlib.blake2b(markdown.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def _held(key: str, html: str) -> int:
    """Roughly the memory one cached rendering holds, in bytes."""
    return sys.getsizeof(key) + sys.getsizeof(html) + _ENTRY_OVERHEAD


class Renderer:
    """Renders Markdown, caching the HTML by blob id (a blob's text never changes) or by the
    text's digest; the least recently used is dropped beyond ``budget`` bytes of memory (a
    share of ``WIKI_CACHE_MB``)."""

    def __init__(self, budget: int = 32 * 1024 * 1024) -> None:
        self._md = make_renderer()
        self.cache: Bounded[str, str] = Bounded(budget)

    def cached_text(self, markdown: str) -> str | None:
        """The HTML of ``markdown`` when ``render_text`` made it before, else None (no work)."""
        return self.cache.get(text_key(markdown))

    def render_text(self, markdown: str) -> str:
        """HTML for ``markdown`` without wiki links resolved (previews, proposed texts),
        rendered once per text."""
        return self.render(markdown, text_key(markdown))

    def render_comment(self, markdown: str, people: Mapping[str, str]) -> str:
        """HTML for a comment, ``@username`` linked for each account in ``people`` (folded
        username -> username, read once for the whole discussion); not cached, as who exists
        changes without the text changing."""
        loopguard.check()
        return str(self._md.render(markdown, {"resolve": None, "sections": None, "people": people}))

    def render(
        self,
        markdown: str,
        key: str | None = None,
        resolve: Resolver | None = None,
        section_links: SectionLinks | None = None,
        paragraph_links: ParagraphLinks | None = None,
    ) -> str:
        """HTML for ``markdown``; ``key`` lets the result be reused (a blob id, plus what
        ``resolve`` depends on when wiki links are resolved); ``section_links`` adds an edit
        link after each heading, ``paragraph_links`` a "why is this here?" link to each block."""
        if key is not None and section_links is not None:
            key = f"{key}|sections|{section_links.name}|{section_links.label}"
        if key is not None and paragraph_links is not None:
            links = paragraph_links
            key = f"{key}|paragraphs|{links.name}|{links.revision}|{links.label}|{links.hidden}"
        loopguard.check()
        if key is not None:
            cached = self.cache.get(key)
            if cached is not None:
                return cached
        env = {"resolve": resolve, "sections": section_links, "paragraphs": paragraph_links}
        html = str(self._md.render(markdown, env))
        if key is not None:
            self.cache.put(key, html, _held(key, html))
        return html
