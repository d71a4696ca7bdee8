"""Reading and writing a page file: optional YAML front matter, then a Markdown body.

Both the page index (store) and the editing service need the title and
number of a page, so the parser lives in this leaf module that imports neither.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml

from wiki.errors import N_, BadInput

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)
# Where a heading line may start; the rest of the line is read by ``_heading_text``.  The
# earlier single pattern (``^#{1,6}[ \t]+(.+?)[ \t#]*$``) retried its trailing run at every
# character of the line: one 40 KB heading of spaces held a save for 18 seconds.
_HEADING_START = re.compile(r"^#{1,6}[ \t]", re.MULTILINE)
MAX_TITLE_LENGTH = 200
# PyYAML's pure-Python reader takes about 0.2 s for 16 KB of flow lists on a busy machine and
# recurses once per level of nesting (1,000 levels: RecursionError); a page's front matter
# holds a title and a number, so these bounds are far above any real one.
MAX_FRONT_MATTER_BYTES = 16_384
MAX_FRONT_MATTER_DEPTH = 32


@dataclass(frozen=True, slots=True)
class PageFile:
    """A parsed page file: its front matter, body and the title a reader sees."""

    meta: dict[str, Any]
    front_matter: str
    body: str
    title: str
    number: int | None


class _Refused(yaml.YAMLError):
    """Front matter this module will not read; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.safe_load`` that refuses nesting deeper than ``MAX_FRONT_MATTER_DEPTH``, counted
    where the composer recurses (the rest of PyYAML works level by level)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self._depth >= MAX_FRONT_MATTER_DEPTH:
            raise _Refused(
                N_(
                    "The front matter (between the --- lines) nests too deeply (at most {depth} levels).",
                    depth=MAX_FRONT_MATTER_DEPTH,
                )
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _load_front_matter(block: str) -> object:
    """The YAML value of a front matter block; ``yaml.YAMLError`` when it is not valid or
    is too large or too deep to read."""
    if len(block.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        raise _Refused(N_("The front matter (between the --- lines) is too long (at most 16 KB)."))
    loader = _BoundedLoader(block)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def normalise_text(text: str) -> str:
    """Line endings as LF and exactly one final newline, so equal texts compare equal."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n" if text.strip() else ""


def _title_from_name(name: str) -> str:
    base = name.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ").strip()
    return base[:1].upper() + base[1:] if base else name


def _first_heading(body: str) -> str | None:
    """The text of the first ATX heading line (``# Title ##``), its closing hashes and spaces
    dropped; None without one.  Linear: one pattern finds each candidate line, string methods cut it."""
    for start in _HEADING_START.finditer(body):
        end = body.find("\n", start.start())
        after_hashes = body[start.start() : end if end >= 0 else len(body)].lstrip("#")
        text = after_hashes.lstrip(" \t")
        if text:
            return text.rstrip(" \t#") or text[0]
        if len(after_hashes) > 1:  # only spaces after the hashes: the heading is the last of them
            return after_hashes[-1]
    return None


def parse(text: str, name: str, *, strict: bool = False) -> PageFile:
    """Split ``text`` into front matter and body and work out the title.

    Title: front matter ``title``, else the first heading, else the file name.
    With ``strict`` (when saving) bad front matter raises ``BadInput``; without it
    (when reading what is already in git) the block is treated as absent.
    """
    match = _FRONT_MATTER.match(text)
    meta: dict[str, Any] = {}
    front_matter = ""
    body = text
    if match:
        front_matter, body = match.group(0), text[match.end() :]
        try:
            loaded = _load_front_matter(match.group(1) or "")
        except _Refused as refused:
            if strict:
                raise BadInput(refused.message) from None
            loaded = {}
        except yaml.YAMLError:
            if strict:
                raise BadInput(N_("The front matter (between the --- lines) is not valid YAML.")) from None
            loaded = {}
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            if strict:
                raise BadInput(N_("The front matter must be a list of 'key: value' lines."))
            loaded = {}
        meta = loaded
    title = meta.get("title")
    number = meta.get("number")
    if strict:
        if title is not None and (not isinstance(title, str) or len(title) > MAX_TITLE_LENGTH):
            raise BadInput(N_("'title' must be text of at most 200 characters."))
        if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
            raise BadInput(N_("'number' must be a whole number."))
    if not isinstance(title, str) or not title.strip():
        heading = _first_heading(body)
        title = heading if heading is not None else _title_from_name(name)
    if not isinstance(number, int) or isinstance(number, bool):
        number = None
    title = unicodedata.normalize("NFC", " ".join(title.split()))
    return PageFile(meta, front_matter, body, title, number)


def compose(previous: PageFile | None, title: str, body: str) -> str:
    """The file text for a title and body, keeping the other front matter keys.

    The front matter block is kept byte for byte when the title did not change,
    so an edit of the body alone changes only the body in git.
    """
    body = normalise_text(body)
    title = " ".join(title.split())
    if previous is not None and previous.title == title and previous.front_matter:
        return previous.front_matter + body
    meta = dict(previous.meta) if previous is not None else {}
    meta["title"] = title
    return with_meta(meta, body)


def with_meta(meta: dict[str, Any], body: str) -> str:
    """A page file from front matter values and a body."""
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{dumped}---\n{normalise_text(body)}"


_SECTION_HEADING = re.compile(r"^#{1,6}[ \t]")
_FENCE = re.compile(r"^[ ]{0,3}(```|~~~)")


def sections(body: str) -> list[str]:
    """The body cut before each heading line (outside code fences): section 0 is what comes
    before the first heading, section N starts with the N-th heading."""
    parts: list[list[str]] = [[]]
    fenced = False
    for line in body.splitlines(keepends=True):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _SECTION_HEADING.match(line):
            parts.append([])
        parts[-1].append(line)
    return ["".join(part) for part in parts]


def replace_section(body: str, index: int, text: str) -> str:
    """The body with section ``index`` replaced by ``text`` (``BadInput`` when there is no such section)."""
    parts = sections(body)
    if not 0 < index < len(parts):
        raise BadInput(N_("This section no longer exists. Edit the whole page instead."))
    replacement = normalise_text(text)
    if index < len(parts) - 1 and replacement and not replacement.endswith("\n\n"):
        replacement += "\n"
    parts[index] = replacement
    return "".join(parts)
