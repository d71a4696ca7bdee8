"""Accounts and passwords; with the sessions, API tokens and form seals of ``sessions``,
``api_tokens`` and ``request_seals`` mixed in, one service answers "who is this?".

Passwords are hashed with argon2id at OWASP's minimum (19 MiB, t=2) or above
and rehashed when the parameters rise.  Hashing is memory-hungry by design, so
only a few run at once.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from wiki.catalogs import LANGUAGES
from wiki.emails import check_email
from wiki.errors import N_, BadInput, Forbidden, TooManyAttempts
from wiki.models import Author, Role, User
from wiki.services.account_names import check_new_username, checked_display_name, username_allowed
from wiki.services.account_rows import account_named, digest, to_user
from wiki.services.api_tokens import TOKEN_LIFETIMES, ApiTokens
from wiki.services.request_seals import RequestSeals
from wiki.services.sessions import SessionPolicy, Sessions
from wiki.store.database import Database
from wiki.store.display_names import fold_display_name
from wiki.store.identities import commit_email

__all__ = ["TOKEN_LIFETIMES", "AccountList", "AccountService", "SessionPolicy", "commit_author"]

MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True, slots=True)
class AccountList:
    """Every account for maintainers, waiting ones first, and the usernames that break the
    rule for new accounts (made before it: they keep working, maintainers should know)."""

    users: list[tuple[User, bool]]
    irregular: list[str]


def commit_author(user: User) -> Author:
    """The identity written into commits: display name and a non-personal address made of
    the account id, so no two accounts ever share one (usernames can look alike)."""
    return Author(user.display_name, commit_email(user.id))


class AccountService(Sessions, ApiTokens, RequestSeals):
    """Creates accounts and answers "who is this?" for passwords, tokens and sessions."""

    def __init__(
        self,
        db: Database,
        hasher: PasswordHasher | None = None,
        policy: SessionPolicy | None = None,
        concurrent_hashes: int = 2,
        *,
        passwords_on: bool = True,
    ) -> None:
        Sessions.__init__(self, db, policy or SessionPolicy())
        RequestSeals.__init__(self, db.secret("csrf", secrets.token_hex(32)).encode())
        # WIKI_PASSWORDS=off: single sign-on only; no password opens, creates or changes anything.
        self.passwords_on = passwords_on
        self.hasher = hasher or PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        self._hashing = threading.BoundedSemaphore(concurrent_hashes)
        self._dummy_hash = self._hash("not a password of anyone")
        self._erasures = (0, 0, -1.0)  # (erasures, accounts sharing a name, monotonic time read)
        self._former: tuple[int, frozenset[str]] = (-1, frozenset())

    def _hash(self, password: str) -> str:
        with self._hashing:
            return self.hasher.hash(password)

    def new_password_hash(self, password: str) -> str:
        """The hash of a new password; ``BadInput`` when it breaks the rules for passwords."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise BadInput(N_("A password has at least {count} characters.", count=MIN_PASSWORD_LENGTH))
        return self._hash(password)

    def _verify(self, password_hash: str, password: str) -> bool:
        with self._hashing:
            try:
                return self.hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

    # -- accounts -------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        role: Role,
        email: str = "",
        display_name: str = "",
        *,
        pending: bool = False,
        email_confirmed: bool = True,
        language: str = "",
    ) -> User:
        """Create an account; ``BadInput`` for an invalid field, ``NameTaken`` for a username
        or display name someone has (display names compared without case, accents or extra spaces).
        An address counts as confirmed unless ``email_confirmed`` says otherwise (sign-up with
        mail on); ``language`` is the person's language, when known."""
        check_new_username(username)
        display_name = checked_display_name(display_name.strip() or username)
        if email:
            check_email(email)
        return self._create(
            username,
            self.new_password_hash(password),
            role,
            email,
            display_name,
            pending=pending,
            email_confirmed=email_confirmed,
            language=language,
        )

    def add_signed_on_user(
        self, username: str, display_name: str, email: str, role: Role, *, pending: bool, language: str
    ) -> User:
        """Create an account for someone the organisation's provider signed in: no password
        (it opens only through the provider), the address as the provider confirmed it (or
        none); ``BadInput`` and ``NameTaken`` as for ``add_user``."""
        check_new_username(username)
        display_name = checked_display_name(display_name)
        return self._create(username, "", role, email, display_name, pending=pending, language=language)

    def _create(
        self,
        username: str,
        password_hash: str,
        role: Role,
        email: str,
        display_name: str,
        *,
        pending: bool,
        email_confirmed: bool = True,
        language: str,
    ) -> User:
        user_id = self.db.add_user(
            username,
            display_name,
            email,
            role.value,
            password_hash,
            pending=pending,
            email_confirmed=email_confirmed,
            language=language if language in LANGUAGES else "",
        )
        row = self.db.user_by_id(user_id)
        assert row is not None
        return to_user(row)

    def get_user(self, username: str) -> User:
        """The account with this username; ``NotFound`` otherwise."""
        return account_named(self.db, username)

    def authenticate(self, username: str, password: str, address: str = "") -> User | None:
        """The account when the password is right, else None; as slow for unknown names.

        After repeated failures for one username (existing or not) or from one address,
        ``TooManyAttempts`` for a while, so guessing gets slow without telling which
        accounts exist.  With passwords off (single sign-on only) ``Forbidden``.
        """
        if not self.passwords_on:
            raise Forbidden(N_("Signing in with a password is off here. Sign in with your organisation's account."))
        keys = [f"user:{username.casefold()}"] + ([f"addr:{address}"] if address else [])
        limits = [self.policy.failures_per_account] + ([self.policy.failures_per_address] if address else [])
        # Each attempt is counted before its password is tried, and the count decides (one
        # statement per key): guesses sent at once each see the others, so at most the limit
        # of them are tried.  What turns out not to be a failure is taken back.
        counted: list[str] = []
        for key, limit in zip(keys, limits, strict=True):
            counted.append(key)
            if self.db.count_attempt(key, self.policy.failure_window) > limit:
                for done in counted:
                    self.db.uncount_attempt(done)
                raise TooManyAttempts(N_("Too many failed attempts. Wait a quarter of an hour and try again."))
        user = self._check_password(username, password)
        if user is not None:
            self.db.clear_failures(keys[0])
            for key in keys[1:]:  # an address shared by many (an office) keeps counting only failures
                self.db.uncount_attempt(key)
        return user

    def _check_password(self, username: str, password: str) -> User | None:
        row = self.db.user_by_name(username)
        if row is None:
            self._verify(self._dummy_hash, password)
            return None
        if not self._verify(row.password_hash, password) or row.disabled or row.pending:
            return None
        if self.hasher.check_needs_rehash(row.password_hash):
            self.db.set_password_hash(row.id, self._hash(password))
        return to_user(row)

    def sign_up(
        self,
        username: str,
        display_name: str,
        email: str,
        password: str,
        mode: str,
        *,
        language: str = "",
        email_confirmed: bool = True,
    ) -> User:
        """Create a contributor account for a visitor; waiting for a maintainer when ``mode`` is
        ``approval``; ``Forbidden`` when sign-up is ``closed``."""
        if mode == "closed":
            raise Forbidden(N_("Signing up is closed. Ask a maintainer for an account."))
        if not self.passwords_on:
            raise Forbidden(N_("Signing in with a password is off here. Sign in with your organisation's account."))
        if not email:
            raise BadInput(N_("An e-mail address is needed."))
        return self.add_user(
            username,
            password,
            Role.CONTRIBUTOR,
            email,
            display_name,
            pending=mode == "approval",
            email_confirmed=email_confirmed,
            language=language,
        )

    def users(self) -> list[tuple[User, bool]]:
        """Every account with whether it waits for approval, waiting ones first."""
        return [(to_user(row), row.pending) for row in self.db.users()]

    def listing(self) -> AccountList:
        """Every account (as ``users``) with the usernames breaking today's rule."""
        users = self.users()
        return AccountList(users, [user.username for user, _waiting in users if not username_allowed(user.username)])

    def approve(self, username: str) -> User:
        """Let a waiting account in."""
        user = self.get_user(username)
        self.db.update_user(user.id, pending=False)
        self.forget_sessions()
        return self.get_user(username)

    def set_disabled(self, username: str, *, disabled: bool) -> User:
        """Disable an account (its sessions end) or enable it again."""
        user = self.get_user(username)
        self.db.update_user(user.id, disabled=disabled)
        self.forget_sessions()
        return self.get_user(username)

    def reset_password(self, username: str) -> str:
        """Give an account a new random password (shown once to the maintainer); all its
        sessions end and all its tokens are revoked: a reset is for an account someone else
        may hold, and a token made with the old password would keep them in."""
        user = self.get_user(username)
        password = secrets.token_urlsafe(12)
        self.db.reset_password_hash(user.id, self._hash(password))
        self.forget_sessions()
        return password

    def change_password(self, user: User, current: str, new: str, session_id: str = "") -> None:
        """A person changes their own password, proving the current one; every other session
        of theirs ends (someone who learnt the old one is signed out), ``session_id`` goes on."""
        if self.authenticate(user.username, current) is None:
            raise BadInput(N_("The current password is not right."))
        password_hash = self.new_password_hash(new)
        self.db.change_password_hash(user.id, password_hash, digest(session_id) if session_id else "")
        self.forget_sessions()

    def set_language(self, user: User, language: str) -> None:
        """Remember the language a person chose on their account, so mail to them is in it too;
        a language the site does not have is ignored."""
        if language in LANGUAGES:
            self.db.update_user(user.id, language=language)

    def change_display_name(self, user: User, display_name: str) -> User:
        """A person changes the name shown with their edits from now on; ``NameTaken`` when
        someone else has it."""
        self.db.update_user(user.id, display_name=checked_display_name(display_name))
        self.forget_sessions()
        self._erasures = (0, 0, -1.0)  # it may no longer share its old name
        return self.get_user(user.username)

    def delete_account(self, user: User, password: str) -> None:
        """Erase an account, its comments and supports; its edits and proposals stay in git and
        are shown under a neutral name."""
        if self.authenticate(user.username, password) is None:
            raise BadInput(N_("The password is not right."))
        self.erase_account(user)

    def erase_account(self, user: User) -> None:
        """Erase an account once its owner has shown it is theirs (by password, or by signing in
        again at the provider when it has none), as ``delete_account`` describes."""
        self.db.delete_user(user.id)
        self.forget_sessions()
        self._erasures = (0, 0, -1.0)

    def _read_names(self) -> tuple[int, int]:
        """Erasures and accounts sharing a name, read at most once a second (another replica's
        change shows within a second); at once after a change here."""
        count, shared, read = self._erasures
        now = time.monotonic()
        if read < 0 or now - read > 1.0:
            count, shared = self.db.former_author_count(), self.db.shared_name_count()
            self._erasures = (count, shared, now)
        return count, shared

    def erasures(self) -> int:
        """How many accounts were ever erased (edits of erased accounts show a neutral name)."""
        return self._read_names()[0]

    def known_names_edition(self) -> str | None:
        """The names edition as last read, when that was less than a second ago and nothing
        changed here since; None when it must be read again (``names_edition``)."""
        count, shared, read = self._erasures
        if read < 0 or time.monotonic() - read > 1.0:
            return None
        return f"{count}.{shared}"

    def names_edition(self) -> str:
        """What the names on a page depend on besides its commit: erasures, and how many accounts
        share a name (shown with their username).  Part of the key of every page kept for
        readers, so none shows an erased name or a username no longer needed."""
        count, shared = self._read_names()
        return f"{count}.{shared}"

    def shared_names(self, names: Collection[str]) -> frozenset[str]:
        """Which of these display names (as commits carry them) two or more accounts share,
        folded as sign-up compares them; one query for all of them."""
        shared = self.db.shared_display_names({fold_display_name(name) for name in names})
        return frozenset(name for name in names if fold_display_name(name) in shared)

    def usernames_of(self, emails: Collection[str]) -> dict[str, str]:
        """The username of the account each commit address stands for (by account id, old
        username addresses through the mapping made when addresses became ids)."""
        owners = self.db.commit_owners(emails)
        rows = {user_id: self.db.user_by_id(user_id) for user_id in set(owners.values())}
        return {email: row.username for email, user_id in owners.items() if (row := rows[user_id]) is not None}

    def former_authors(self) -> frozenset[str]:
        """Commit addresses of deleted accounts (their edits show under a neutral name); read
        again only when the number of erasures changed (a history page asks once per row)."""
        count = self.erasures()
        if self._former[0] != count:
            self._former = (count, frozenset(self.db.former_authors()))
        return self._former[1]

    def set_role(self, username: str, role: Role) -> User:
        """Change a role; the account's sessions end so the change applies at once."""
        user = self.get_user(username)
        self.db.set_role(user.id, role.value)
        self.forget_sessions()
        return self.get_user(username)

    def has_password(self, user: User) -> bool:
        """Whether the account has a password (one made by single sign-on has none)."""
        row = self.db.user_by_id(user.id)
        return row is not None and bool(row.password_hash)
