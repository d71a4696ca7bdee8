"""The one table of who may do what; every route asks it instead of checking roles itself."""

from __future__ import annotations

import enum

from wiki.errors import N_, Forbidden, Unauthorized
from wiki.models import Role, User


class Action(enum.Enum):
    """Everything a person can do; later features add their rows to ``LEAST_ROLE``."""

    READ = "read"
    COMMENT = "comment"
    SUPPORT = "support"
    PROPOSE = "propose"
    SUGGEST = "suggest"
    EDIT = "edit"
    CREATE = "create"
    RESTORE = "restore"
    RENAME = "rename"
    DELETE = "delete"
    REVISE_ANY_PROPOSAL = "revise_any_proposal"
    NAME_VERSION = "name_version"
    DECIDE = "decide"
    HIDE_COMMENT = "hide_comment"
    MANAGE_ACCOUNTS = "manage_accounts"
    SEE_BROKEN_LINKS = "see_broken_links"


#: The least role that may perform each action; None means anyone, signed in or not.
LEAST_ROLE: dict[Action, Role | None] = {
    Action.READ: None,
    Action.COMMENT: Role.CONTRIBUTOR,
    Action.SUPPORT: Role.CONTRIBUTOR,
    Action.PROPOSE: Role.CONTRIBUTOR,
    Action.SUGGEST: Role.CONTRIBUTOR,
    Action.EDIT: Role.EDITOR,
    Action.CREATE: Role.EDITOR,
    Action.RESTORE: Role.EDITOR,
    Action.RENAME: Role.EDITOR,
    Action.DELETE: Role.EDITOR,
    Action.REVISE_ANY_PROPOSAL: Role.EDITOR,
    Action.NAME_VERSION: Role.EDITOR,
    Action.DECIDE: Role.MAINTAINER,
    Action.HIDE_COMMENT: Role.MAINTAINER,
    Action.MANAGE_ACCOUNTS: Role.MAINTAINER,
    Action.SEE_BROKEN_LINKS: Role.MAINTAINER,
}


def allowed(user: User | None, action: Action) -> bool:
    """True when ``user`` (None for anonymous) may perform ``action``."""
    needed = LEAST_ROLE[action]
    if needed is None:
        return True
    return user is not None and user.can(needed)


def require(user: User | None, action: Action) -> User:
    """Return the signed-in user allowed to act; ``Unauthorized`` or ``Forbidden`` otherwise."""
    if user is None:
        raise Unauthorized(N_("Sign in first."))
    if not allowed(user, action):
        raise Forbidden(N_("Your role does not allow this."))
    return user
