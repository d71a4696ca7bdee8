"""Page text as a reader sees it, without Markdown marks: what search indexes and quotes.

A snippet such as ``**samen** [werken](werk-is-persoonlijk)`` helps no one; the reader saw
"samen werken".  So the search index holds the text of the rendered page: emphasis, heading
and code marks dropped, links and wiki links reduced to the words they show, images to their
alternative text, one line per block (paragraph, heading, list item, table cell, code block).

The text is parsed by cmark-gfm (``cmarkgfm``), the reference CommonMark parser in C with
GitHub's table and strikethrough extensions, not by the markdown-it-py that renders pages:
both follow the CommonMark specification, and cmark turns a 10,000-page wiki into plain text
in about 1.5 s where markdown-it-py took 13 s of a first start (and it stays linear on
hostile text such as 200 KB of ``[``, which costs markdown-it-py seconds inside the writer).
The renderer shows raw HTML as text; cmark would pass it through as HTML, so every ``<`` that
could open a tag is hidden from cmark behind a character of its own and given back after
(autolinks such as ``<https://…>`` and ``](<…>)`` destinations keep theirs).
"""

from __future__ import annotations

import html
import re

import cmarkgfm

WIKI_LINK = re.compile(r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,200}))?\]\]")
# U+FFFF is a noncharacter: it stands for "<" while cmark parses (any in the text are dropped).
_HIDDEN = "\uffff"
# A "<" that opens no autolink (scheme ":" … ">", or an e-mail address) and no link destination.
_OPENS_TAG = re.compile(
    r"<(?![A-Za-z][A-Za-z0-9+.-]{1,31}:[^\x00-\x20<>]*>|[A-Za-z0-9][\w.!#$%&'*+/=?^`{|}~-]*@[A-Za-z0-9.-]+>)(?<!\]\(<)"
)
# cmark's own tags, not the text's: every "<" of the text is "&lt;" (or hidden) in its output.
_BLOCK_TAG = re.compile(r"</?(?:p|h[1-6]|li|ul|ol|blockquote|pre|table|thead|tbody|tr|th|td|hr)\b[^<>]*>")
_IMAGE = re.compile(r'<img src="[^"<>]*" alt="([^"<>]*)"[^<>]*>')
_TAG = re.compile(r"<[^<>]*>")
# Runs to make one space: two or more blanks, or a tab (single spaces are left alone: replacing
# each of a page's thousands of them cost more than the parse).
_BLANKS = re.compile(r"[ \t]{2,}|\t")
_EXTENSIONS = ["table", "strikethrough"]


def _shown(match: re.Match[str]) -> str:
    """What a wiki link shows: its label, else its target."""
    return match.group(2) or match.group(1)


def plain_text(markdown: str) -> str:
    """The words of a Markdown text as shown, one line per block."""
    source = _OPENS_TAG.sub(_HIDDEN, WIKI_LINK.sub(_shown, markdown.replace(_HIDDEN, "")))
    rendered: str = cmarkgfm.markdown_to_html_with_extensions(source, 0, extensions=_EXTENSIONS)
    text = _TAG.sub("", _IMAGE.sub(r"\1", _BLOCK_TAG.sub("\n", rendered.replace("\n", " "))))
    text = _BLANKS.sub(" ", html.unescape(text).replace(_HIDDEN, "<"))
    return "\n".join(line for line in (line.strip() for line in text.split("\n")) if line)
