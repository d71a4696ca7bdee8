"""What the account services share: accounts as the rest of the code sees them, and the hash
under which secrets (session ids, tokens) are stored."""

from __future__ import annotations

import hashlib

from wiki.errors import N_, NotFound
from wiki.models import Role, User
from wiki.store.database import Database
from wiki.store.users import UserRow


def digest(value: str) -> str:
    """The SHA-256 a secret is stored under: the database never holds one that opens an account."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def to_user(row: UserRow) -> User:
    """An account row as a ``User``; a waiting account counts as disabled until approved."""
    return User(row.id, row.username, row.display_name, row.email, Role(row.role), row.disabled or row.pending)


def account_named(db: Database, username: str) -> User:
    """The account with this username; ``NotFound`` otherwise."""
    row = db.user_by_name(username)
    if row is None:
        raise NotFound(N_("No account named '{username}'.", username=username))
    return to_user(row)
