"""The one allowlist for every value that reaches git: page names and revisions.

Page names are checked here and nowhere else, so a name that escapes the
repository, looks like an option to git, or imitates ``.git`` cannot slip in
through one forgotten route.  Invalid revisions raise the same ``NotFound`` an
unknown one does, so a probe learns nothing.
"""

from __future__ import annotations

import re
import unicodedata

from wiki.errors import N_, BadInput, NotFound

MAX_NAME_BYTES = 200
PAGE_SUFFIX = ".md"

_REVISION = re.compile(r"[0-9a-f]{40}")
# Characters that some file systems ignore when comparing names (HFS+) or that
# render invisibly; a name containing them could imitate another one.
_IGNORABLE = {
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u206a",
    "\u206b",
    "\u206c",
    "\u206d",
    "\u206e",
    "\u206f",
    "\ufeff",
}
_ALLOWED_PUNCTUATION = set("-_.")
#: The characters a page name may hold, in words: the error for a wrong name and the hint
#: on the forms that ask for one (rename, new page) show this one text.
PAGE_NAME_RULE = N_("A page name may only contain letters, digits, '-', '_' and '.', with '/' between folders.")
_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)


def is_revision(value: str) -> bool:
    """Whether ``value`` is a full lowercase commit id."""
    return _REVISION.fullmatch(value) is not None


def check_revision(value: str) -> str:
    """Return ``value`` when it is a full lowercase commit id; raise ``NotFound`` otherwise."""
    if not is_revision(value):
        raise NotFound(N_("No such revision."))
    return value


def _check_segment(segment: str) -> None:
    if not segment:
        raise BadInput(N_("A page name has no empty parts: no leading, trailing or double '/'."))
    if segment[0] in ".-":
        raise BadInput(N_("A part of a page name may not start with '.' or '-'."))
    if segment.endswith("."):
        raise BadInput(N_("A part of a page name may not end with '.'."))
    for char in segment:
        if char in _IGNORABLE:
            raise BadInput(N_("A page name may not contain invisible characters."))
        category = unicodedata.category(char)
        if category[0] not in "LNM" and char not in _ALLOWED_PUNCTUATION:
            raise BadInput(PAGE_NAME_RULE)
    folded = segment.casefold()
    if folded.startswith(".git") or folded.startswith("git~") or folded == "git":
        raise BadInput(N_("A page name may not imitate git's own folder."))
    if _WINDOWS_RESERVED.fullmatch(segment):
        raise BadInput(N_("This page name is reserved on some systems; choose another."))
    if folded.endswith(PAGE_SUFFIX):
        # Every page file ends in ".md" and no folder may: so a folder can never take the
        # place of a page's file (``victim.md/child`` made ``victim.md`` a folder), and a
        # page's file never takes the place of a folder.
        raise BadInput(N_("A part of a page name may not end in '.md'; the wiki adds it to the file itself."))


def check_page_name(value: str) -> str:
    """Return the NFC form of a page name (path without ``.md``), or raise ``BadInput``.

    Rules: letters, digits, ``-``, ``_`` and ``.`` in parts separated by ``/``;
    no part starts with ``.`` or ``-`` (so no ``..``, no hidden files, nothing git
    could read as an option); nothing that imitates ``.git``; no part ends in ``.md``
    (so folders and page files never share a name); at most 200 bytes.
    """
    name = unicodedata.normalize("NFC", value)
    if not name:
        raise BadInput(N_("A page needs a name."))
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise BadInput(N_("A page name may be at most 200 bytes long."))
    for segment in name.split("/"):
        _check_segment(segment)
    return name


def page_name_or_not_found(value: str) -> str:
    """The NFC page name of ``value`` for reading an existing page: an invalid name raises the
    same ``NotFound`` an unknown one does, so a probe learns nothing."""
    try:
        return check_page_name(value)
    except BadInput:
        raise NotFound(N_("No such page.")) from None


def is_page_name(value: str) -> bool:
    """True when ``value`` is a valid page name as it stands (already NFC)."""
    try:
        return check_page_name(value) == value
    except BadInput:
        return False


def page_file(name: str) -> str:
    """The repository path of a checked page name."""
    return name + PAGE_SUFFIX


def page_name_of_file(path: str) -> str | None:
    """The page name of a repository file, or None when the file is not a page."""
    if not path.endswith(PAGE_SUFFIX):
        return None
    name = path[: -len(PAGE_SUFFIX)]
    return name if is_page_name(name) else None


def slugify(title: str) -> str:
    """A page name made from a title: lowercase, accents kept, spaces as ``-``."""
    text = unicodedata.normalize("NFC", title).strip().lower()
    slug = "".join(char if unicodedata.category(char)[0] in "LNM" else "-" for char in text)
    return re.sub(r"-{2,}", "-", slug).strip("-")
