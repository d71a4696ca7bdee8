"""Accounts, passwords, API tokens and sessions.

Passwords are hashed with argon2id at OWASP's minimum (19 MiB, t=2) or above
and rehashed when the parameters rise.  Hashing is memory-hungry by design, so
only a few run at once.  Tokens and session ids are random; only their SHA-256
is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from wiki.catalogs import LANGUAGES
from wiki.emails import check_email
from wiki.errors import N_, BadInput, Forbidden, NotFound, TooManyAttempts, Unauthorized
from wiki.models import Author, Role, User
from wiki.services.account_names import check_new_username, checked_display_name, username_allowed
from wiki.store.credentials import TokenRow
from wiki.store.database import Database
from wiki.store.display_names import fold_display_name
from wiki.store.identities import commit_email
from wiki.store.users import UserRow

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "wiki_"  # noqa: S105 (a prefix, not a secret)
# How long a new token may be valid, in days; None: until it is revoked.
TOKEN_LIFETIMES: tuple[int | None, ...] = (None, 30, 90, 365)
# A token's last use is written at most this often (seconds): a script calling many times a
# second costs one write a minute, and "last used" needs no finer grain.
TOKEN_USE_INTERVAL = 60.0
DAY = 86400.0


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lasts (since the last request, and at most since sign-in), and how
    many failed sign-ins are allowed per account and per address within a window."""

    idle_seconds: float = 2 * 3600
    absolute_seconds: float = 12 * 3600
    failures_per_account: int = 5
    failures_per_address: int = 30
    failure_window: float = 15 * 60


@dataclass(frozen=True, slots=True)
class AccountList:
    """Every account for maintainers, waiting ones first, and the usernames that break the
    rule for new accounts (made before it: they keep working, maintainers should know)."""

    users: list[tuple[User, bool]]
    irregular: list[str]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _to_user(row: UserRow) -> User:
    return User(row.id, row.username, row.display_name, row.email, Role(row.role), row.disabled or row.pending)


def commit_author(user: User) -> Author:
    """The identity written into commits: display name and a non-personal address made of
    the account id, so no two accounts ever share one (usernames can look alike)."""
    return Author(user.display_name, commit_email(user.id))


class AccountService:
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
        self.db = db
        # WIKI_PASSWORDS=off: single sign-on only; no password opens, creates or changes anything.
        self.passwords_on = passwords_on
        self.hasher = hasher or PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        self.policy = policy or SessionPolicy()
        self._hashing = threading.BoundedSemaphore(concurrent_hashes)
        self._dummy_hash = self._hash("not a password of anyone")
        self._csrf_key = db.secret("csrf", secrets.token_hex(32)).encode()
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
        return _to_user(row)

    def get_user(self, username: str) -> User:
        """The account with this username; ``NotFound`` otherwise."""
        row = self.db.user_by_name(username)
        if row is None:
            raise NotFound(N_("No account named '{username}'.", username=username))
        return _to_user(row)

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
        return _to_user(row)

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
        return [(_to_user(row), row.pending) for row in self.db.users()]

    def listing(self) -> AccountList:
        """Every account (as ``users``) with the usernames breaking today's rule."""
        users = self.users()
        return AccountList(users, [user.username for user, _waiting in users if not username_allowed(user.username)])

    def approve(self, username: str) -> User:
        """Let a waiting account in."""
        user = self.get_user(username)
        self.db.update_user(user.id, pending=False)
        return self.get_user(username)

    def set_disabled(self, username: str, *, disabled: bool) -> User:
        """Disable an account (its sessions end) or enable it again."""
        user = self.get_user(username)
        self.db.update_user(user.id, disabled=disabled)
        return self.get_user(username)

    def reset_password(self, username: str) -> str:
        """Give an account a new random password (shown once to the maintainer); all its
        sessions end and all its tokens are revoked: a reset is for an account someone else
        may hold, and a token made with the old password would keep them in."""
        user = self.get_user(username)
        password = secrets.token_urlsafe(12)
        self.db.reset_password_hash(user.id, self._hash(password))
        return password

    def change_password(self, user: User, current: str, new: str, session_id: str = "") -> None:
        """A person changes their own password, proving the current one; every other session
        of theirs ends (someone who learnt the old one is signed out), ``session_id`` goes on."""
        if self.authenticate(user.username, current) is None:
            raise BadInput(N_("The current password is not right."))
        password_hash = self.new_password_hash(new)
        self.db.change_password_hash(user.id, password_hash, _digest(session_id) if session_id else "")

    def set_language(self, user: User, language: str) -> None:
        """Remember the language a person chose on their account, so mail to them is in it too;
        a language the site does not have is ignored."""
        if language in LANGUAGES:
            self.db.update_user(user.id, language=language)

    def change_display_name(self, user: User, display_name: str) -> User:
        """A person changes the name shown with their edits from now on; ``NameTaken`` when
        someone else has it."""
        self.db.update_user(user.id, display_name=checked_display_name(display_name))
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
        return self.get_user(username)

    # -- tokens ---------------------------------------------------------------------------

    def create_token(self, username: str, label: str = "", days: int | None = None) -> str:
        """A new personal API token for an account, valid for ``days`` (one of
        ``TOKEN_LIFETIMES``; None: until revoked); shown once, stored only as a hash."""
        if days not in TOKEN_LIFETIMES:
            raise BadInput(N_("A token is valid for 30, 90 or 365 days, or until you revoke it."))
        user = self.get_user(username)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = None if days is None else time.time() + days * DAY
        self.db.add_token(user.id, _digest(token), label.strip()[:100] or "token", expires)
        return token

    def tokens(self, username: str) -> list[TokenRow]:
        """The tokens of an account (labels and dates, never the tokens)."""
        return self.db.tokens(username)

    def revoke_token(self, username: str, token_id: int) -> None:
        """Revoke one token; ``NotFound`` when the account has no such token."""
        if not self.db.delete_token(token_id, username):
            raise NotFound(N_("No such token."))

    def revoke_all_tokens(self, username: str) -> int:
        """Revoke every token of an account (a maintainer's, or ``wiki token revoke --all``); how many."""
        return self.db.delete_tokens(self.get_user(username).id)

    def user_for_token(self, token: str) -> User | None:
        """The enabled account owning ``token``, or None; ``Unauthorized`` with the reason
        when the token has expired.  Notes the use (at most once a minute per token)."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        found = self.db.token_owner(_digest(token))
        if found is None or found.user.disabled:
            return None
        now = time.time()
        if found.expires is not None and now >= found.expires:
            raise Unauthorized(N_("This token has expired. Make a new one on your account page."))
        if found.last_used is None or now - found.last_used >= TOKEN_USE_INTERVAL:
            self.db.touch_token(found.token_id, now, TOKEN_USE_INTERVAL)
        return _to_user(found.user)

    # -- sessions -------------------------------------------------------------------------

    def start_session(self, user: User, expires: float | None = None) -> str:
        """A new session id for ``user`` (always new: no fixation); one from single sign-on ends
        at ``expires`` at the latest."""
        session_id = secrets.token_urlsafe(32)
        self.db.add_session(_digest(session_id), user.id, expires)
        return session_id

    def account_tokens(self, username: str) -> tuple[User, list[TokenRow]]:
        """An account with its tokens (for a maintainer's overview of them)."""
        account = self.get_user(username)
        return account, self.tokens(account.username)

    def replace_session(self, old: str | None, user: User, expires: float | None = None) -> str:
        """A new session id for ``user``, ending the browser's ``old`` session (if any) first."""
        if old:
            self.end_session(old)
        return self.start_session(user, expires)

    def session_user(self, session_id: str) -> User | None:
        """The account of a live session, or None when it is unknown, idle or too old."""
        found = self.db.session(_digest(session_id))
        if found is None:
            return None
        row, created, last_seen, expires = found
        now = time.time()
        too_old = now - created > self.policy.absolute_seconds or (expires is not None and now >= expires)
        if row.disabled or now - last_seen > self.policy.idle_seconds or too_old:
            self.db.delete_session(_digest(session_id))
            return None
        if now - last_seen > 60:
            self.db.touch_session(_digest(session_id))
        return _to_user(row)

    def end_session(self, session_id: str) -> bool:
        """End a session on the server; True when it came from single sign-on (then the
        provider's session may be ended too)."""
        found = self.db.session(_digest(session_id))
        self.db.delete_session(_digest(session_id))
        return found is not None and found[3] is not None

    @staticmethod
    def session_hash(session_id: str) -> str:
        """What a session is known by in the database (a sign-in under way is bound to it)."""
        return _digest(session_id) if session_id else ""

    def has_password(self, user: User) -> bool:
        """Whether the account has a password (one made by single sign-on has none)."""
        row = self.db.user_by_id(user.id)
        return row is not None and bool(row.password_hash)

    # -- request forgery ------------------------------------------------------------------

    def csrf_token(self, anchor: str) -> str:
        """The form token bound to a session id or an anonymous visitor's cookie."""
        return hmac.new(self._csrf_key, anchor.encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, anchor: str, token: str) -> bool:
        """True when ``token`` was issued for ``anchor``."""
        return bool(anchor) and hmac.compare_digest(self.csrf_token(anchor), token)

    def seal(self, purpose: str, value: str) -> str:
        """An HMAC of ``value`` for one ``purpose`` (such as a notice cookie), so the browser can
        carry it and the site can trust it back; each purpose has its own key, derived from the
        form-token key, so no signature made for one use passes for another."""
        key = hmac.new(self._csrf_key, b"seal:" + purpose.encode(), hashlib.sha256).digest()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    def sealed(self, purpose: str, value: str, signature: str) -> bool:
        """True when ``signature`` is ``seal(purpose, value)``."""
        return hmac.compare_digest(self.seal(purpose, value), signature)
