"""One account, one identity: usernames compared folded, commits addressed by account id.

Usernames are unique after NFKC and case folding (``username_fold``, a unique index on both
backends): SQLite's ``NOCASE`` and ``lower()`` fold ASCII only, so the KELVIN SIGN in
``victimK`` made a second account that git could not tell from ``victimk``.

Commits are addressed ``u<id>@users.wiki.invalid``: no two accounts can share that, so erasing
one never renames another person's edits.  Commits written before schema version 2 carry
``username@users.wiki.invalid``; the ``identities`` table maps each such address to the
account it was made for (the oldest account when look-alikes shared one), so history,
proposals and erasure treat it as that account.

A deleted username stays unavailable, but only a keyed hash of it is kept
(``erased_usernames``: HMAC-SHA256 of the folded name with the secret ``ERASED_SECRET``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wiki.store.sqlbase import Transaction

#: Commits carry ``u<id>@COMMIT_EMAIL_DOMAIN``, an address that reaches nobody.
COMMIT_EMAIL_DOMAIN = "users.wiki.invalid"
#: The name of the secret that keys the hashes of erased usernames.
ERASED_SECRET = "erased-usernames"  # noqa: S105 (the name of a secret, not one)
#: The counter that hands out account ids, so SQLite never gives an erased account's id
#: (and with it its commit address) to a newcomer.
ACCOUNT_COUNTER = "accounts"

_ACCOUNT_ADDRESS = re.compile(r"u([1-9][0-9]{0,17})@users\.wiki\.invalid", re.ASCII)


def fold_username(username: str) -> str:
    """The form usernames are compared in: NFKC, case-folded, NFKC again (Unicode's
    NFKC_Casefold closure), so ``victimK`` with a KELVIN SIGN folds to ``victimk``."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def commit_email(user_id: int) -> str:
    """The address written into the commits of account ``user_id``."""
    return f"u{user_id}@{COMMIT_EMAIL_DOMAIN}"


def old_commit_email(username: str) -> str:
    """The address commits carried before schema version 2 (``str.lower``, as written then)."""
    return f"{username.lower()}@{COMMIT_EMAIL_DOMAIN}"


def account_of_address(email: str) -> int | None:
    """The account id an address of the form ``u<id>@users.wiki.invalid`` names, else None."""
    found = _ACCOUNT_ADDRESS.fullmatch(email)
    return int(found.group(1)) if found else None


def erased_digest(key: str, username: str) -> str:
    """The keyed hash kept of an erased username (folded, so look-alikes are refused too)."""
    return hmac.new(key.encode(), fold_username(username).encode(), hashlib.sha256).hexdigest()


def erased_key(transaction: Transaction) -> str:
    """The secret keying erased usernames, made on first use (replicas agree: first insert wins)."""
    transaction.execute(
        "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
        (ERASED_SECRET, secrets.token_hex(32)),
    )
    return str(transaction.execute("SELECT value FROM secrets WHERE name = ?", (ERASED_SECRET,)).fetchone()[0])


def owner(transaction: Transaction, email: str) -> int | None:
    """The account id a commit address stands for: ``u<id>`` addresses name it, older ones
    are looked up in ``identities``; None for an address of no account."""
    found = account_of_address(email)
    if found is not None:
        return found
    row = transaction.execute("SELECT user_id FROM identities WHERE commit_email = ?", (email,)).fetchone()
    return None if row is None else int(row[0])


def erase(transaction: Transaction, user_id: int, username: str) -> None:
    """Mark every address of the account as former (its own and the old ones mapped to it,
    never one mapped to another account), forget the mapping, keep a keyed hash of the name."""
    transaction.execute(
        "INSERT INTO former_authors (commit_email) VALUES (?) ON CONFLICT (commit_email) DO NOTHING",
        (commit_email(user_id),),
    )
    for (email,) in transaction.execute("SELECT commit_email FROM identities WHERE user_id = ?", (user_id,)).fetchall():
        if account_of_address(str(email)) is None:  # an old name like "u12" would stand for account 12 too
            transaction.execute(
                "INSERT INTO former_authors (commit_email) VALUES (?) ON CONFLICT (commit_email) DO NOTHING", (email,)
            )
    transaction.execute("DELETE FROM identities WHERE user_id = ?", (user_id,))
    transaction.execute(
        "INSERT INTO erased_usernames (digest) VALUES (?) ON CONFLICT (digest) DO NOTHING",
        (erased_digest(erased_key(transaction), username),),
    )


def username_erased(transaction: Transaction, username: str) -> bool:
    """True when an erased account had this username (folded)."""
    digest = erased_digest(erased_key(transaction), username)
    return transaction.execute("SELECT 1 FROM erased_usernames WHERE digest = ?", (digest,)).fetchone() is not None


def next_account_id(transaction: Transaction) -> int:
    """A fresh account id: above every id given before, erased ones included (SQLite would
    reuse the highest id after its row is deleted)."""
    row = transaction.execute(
        "INSERT INTO counters (name, value) VALUES (?, (SELECT coalesce(max(id), 0) + 1 FROM users))"
        " ON CONFLICT (name) DO UPDATE SET value ="
        " CASE WHEN counters.value >= excluded.value THEN counters.value + 1 ELSE excluded.value END"
        " RETURNING value",
        (ACCOUNT_COUNTER,),
    ).fetchone()
    return int(row[0])


def migrate(transaction: Transaction) -> None:
    """Schema version 2's data: fold every username (a later look-alike of an older name keeps
    working, without a folded key, so the index builds), map each old commit address to its
    account (the oldest wins), start the account counter, and hash the usernames of accounts
    erased before (their old addresses are in ``former_authors``)."""
    seen: set[str] = set()
    highest = 0
    for user_id, username in transaction.execute("SELECT id, username FROM users ORDER BY id").fetchall():
        highest = max(highest, int(user_id))
        folded = fold_username(str(username))
        if folded not in seen:
            seen.add(folded)
            transaction.execute("UPDATE users SET username_fold = ? WHERE id = ?", (folded, user_id))
        transaction.execute(
            "INSERT INTO identities (commit_email, user_id) VALUES (?, ?) ON CONFLICT (commit_email) DO NOTHING",
            (old_commit_email(str(username)), user_id),
        )
    transaction.execute(
        "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (ACCOUNT_COUNTER, highest)
    )
    key = erased_key(transaction)
    for (email,) in transaction.execute("SELECT commit_email FROM former_authors").fetchall():
        local, _at, domain = str(email).rpartition("@")
        if local and domain == COMMIT_EMAIL_DOMAIN and account_of_address(str(email)) is None:
            transaction.execute(
                "INSERT INTO erased_usernames (digest) VALUES (?) ON CONFLICT (digest) DO NOTHING",
                (erased_digest(key, local),),
            )
