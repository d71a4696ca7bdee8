"""What a person may do with the wiki's pages, asked once per page shown (the table in
``permissions`` decides; pages show exactly the buttons that would be allowed)."""

from __future__ import annotations

from dataclasses import dataclass

from wiki.models import User
from wiki.services.permissions import Action, allowed


@dataclass(frozen=True)
class PageActions:
    """Which of the things one can do with pages this person may do."""

    can_edit: bool
    can_create: bool
    can_restore: bool
    can_propose: bool


def page_actions(user: User | None) -> PageActions:
    """What ``user`` (None: not signed in) may do with pages."""
    return PageActions(
        can_edit=allowed(user, Action.EDIT),
        can_create=allowed(user, Action.CREATE),
        can_restore=allowed(user, Action.RESTORE),
        can_propose=allowed(user, Action.PROPOSE),
    )
