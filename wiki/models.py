"""Plain records passed between the layers; none of them knows about HTTP or git."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """Roles in increasing power; the permission table in ``services.permissions`` uses them."""

    CONTRIBUTOR = "contributor"
    EDITOR = "editor"
    MAINTAINER = "maintainer"


@dataclass(frozen=True, slots=True)
class Author:
    """Who a commit is written for: display name and a non-personal address."""

    name: str
    email: str


@dataclass(frozen=True, slots=True)
class PageSummary:
    """One row of the page index: enough to list pages without asking git about history."""

    path: str
    title: str
    number: int | None
    revision: str


@dataclass(frozen=True, slots=True)
class Page:
    """A page as stored: its whole file text and the commit that last changed it."""

    path: str
    title: str
    number: int | None
    text: str
    body: str
    revision: str


@dataclass(frozen=True, slots=True)
class SaveResult:
    """The outcome of a save: the commit now holding the page, and whether a merge happened."""

    revision: str
    merged: bool
    created: bool
    changed: bool


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file a commit changed: status A(dded), M(odified), D(eleted) or R(enamed from ``old_path``)."""

    status: str
    path: str
    old_path: str | None
    blob: str | None
    old_blob: str | None
    size: int | None = None
    old_size: int | None = None


@dataclass(frozen=True, slots=True)
class CommitRecord:
    """A commit on the served branch as the history index keeps it (``date`` in Unix seconds, UTC)."""

    revision: str
    author: str
    email: str
    date: int
    message: str
    changes: tuple[FileChange, ...]


@dataclass(frozen=True, slots=True)
class User:
    """An account as the services see it (never the password hash)."""

    id: int
    username: str
    display_name: str
    email: str
    role: Role
    disabled: bool

    def can(self, role: Role) -> bool:
        """True when this account's role is at least ``role``."""
        order = list(Role)
        return not self.disabled and order.index(self.role) >= order.index(role)
