"""Page text as a reader sees it, without Markdown marks: what search indexes and quotes.

A snippet such as ``**samen** [werken](werk-is-persoonlijk)`` helps no one; the reader saw
"samen werken".  So the search index holds the text of the rendered page: emphasis, heading
and code marks dropped, links and wiki links reduced to the words they show, images to their
alternative text.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

WIKI_LINK = re.compile(r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,200}))?\]\]")
_SPACES = re.compile(r"[ \t]+")
# Raw HTML is shown as text, as the renderer does; tables and strikethrough as it has them.
_PARSER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _shown(match: re.Match[str]) -> str:
    """What a wiki link shows: its label, else its target."""
    return match.group(2) or match.group(1)


def _inline_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":  # its description as the page's alt text shows it: no marks
            parts.append(_inline_text(child.children or []))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def plain_text(markdown: str) -> str:
    """The words of a Markdown text as shown, one line per block."""
    lines = []
    for token in _PARSER.parse(WIKI_LINK.sub(_shown, markdown)):
        if token.type == "inline":
            lines.append(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.replace("\n", " "))
    return "\n".join(line for line in (_SPACES.sub(" ", line).strip() for line in lines) if line)
