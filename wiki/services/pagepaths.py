"""Where a new page may go: the one check every route that creates or moves a page makes.

A name that passes ``wiki.names`` may still stand for another page: ``Neem-Initiatief``
next to ``neem-initiatief`` (one file on a case-insensitive disk, two look-alike pages in
the wiki), ``Team/x`` next to ``team/y``, or a folder where the repository holds a file.
Edits, renames, restores and proposals (when made, revised and accepted, since the
branch may have moved in between) all ask ``check_room`` against the tree they write on.
"""

from __future__ import annotations

from collections.abc import Iterable

from wiki.errors import N_, NameTaken, PathClash
from wiki.names import page_file
from wiki.store.git.repository import GitRepository
from wiki.store.pageindex import fold

CASE_VARIANT = N_("A page with this name exists, differing only in capitals.")


def check_room(repo: GitRepository, commit: str | None, name: str, *, moving_from: str | None = None) -> None:
    """Raise unless a page ``name`` (a checked name) can be written in ``commit`` without
    replacing a file by a folder or a folder by a file (``PathClash``) and without a name
    that differs from one already there only by case (``NameTaken``).

    ``moving_from`` is the page a rename takes away, so ``Neem`` may become ``neem``.
    An existing page of exactly this name is room: saving it is an edit.
    """
    if commit is None:
        return
    parts = page_file(name).split("/")
    moved = page_file(moving_from).split("/") if moving_from else []
    for depth, (entries, part) in enumerate(zip(repo.folders_along(commit, page_file(name)), parts, strict=False)):
        last = depth == len(parts) - 1
        path = "/".join(parts[: depth + 1])
        is_folder = entries.get(part)
        if is_folder is not None and is_folder == last:
            if last:
                raise PathClash(N_("A folder '{path}' exists where this page would be saved.", path=path))
            raise PathClash(N_("The page needs a folder '{path}', but a file of that name exists.", path=path))
        for other in entries:
            if other == part or fold(other) != fold(part):
                continue
            if last and moved[:depth] == parts[:depth] and len(moved) == len(parts) and moved[depth] == other:
                continue  # the page itself, renamed to other capitals
            if last:
                raise NameTaken(CASE_VARIANT)
            raise NameTaken(
                N_("A folder '{other}' exists, differing only in capitals from '{folder}'.", other=other, folder=part)
            )


def check_together(names: Iterable[str]) -> None:
    """Raise ``NameTaken`` when two pages written in one plan differ only by case, in their
    own name or in a folder on the way (``Team/a`` with ``team/b``)."""
    seen: dict[str, str] = {}
    for name in names:
        parts = page_file(name).split("/")
        for depth in range(len(parts)):
            path = "/".join(parts[: depth + 1]) + ("" if depth == len(parts) - 1 else "/")
            known = seen.setdefault(fold(path), path)
            if known != path:
                raise NameTaken(CASE_VARIANT)
