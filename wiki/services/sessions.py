"""Browser sessions: started at sign-in, ended at sign-out, on an idle timeout or at a fixed
age.  A session id is random; only its SHA-256 is stored.

A live session, once checked in the database, is believed for up to a second (``beliefs``),
never past the moment it would time out: a sign-out, a role or a disabled account applies at
once in this process and within that second in any other.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from wiki.models import User
from wiki.services.account_rows import digest, to_user
from wiki.services.beliefs import Beliefs
from wiki.store.database import Database

TOUCH_INTERVAL = 60.0  # the last activity of a session is written at most once a minute


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lasts (since the last request, and at most since sign-in), and how
    many failed sign-ins are allowed per account and per address within a window."""

    idle_seconds: float = 2 * 3600
    absolute_seconds: float = 12 * 3600
    failures_per_account: int = 5
    failures_per_address: int = 30
    failure_window: float = 15 * 60


class Sessions:
    """The session half of the account service (``AccountService`` is one of these)."""

    def __init__(self, db: Database, policy: SessionPolicy) -> None:
        self.db = db
        self.policy = policy
        self.believed_sessions: Beliefs[str, User] = Beliefs()

    def start_session(self, user: User, expires: float | None = None) -> str:
        """A new session id for ``user`` (always new: no fixation); one from single sign-on ends
        at ``expires`` at the latest."""
        session_id = secrets.token_urlsafe(32)
        self.db.add_session(digest(session_id), user.id, expires)
        return session_id

    def replace_session(self, old: str | None, user: User, expires: float | None = None) -> str:
        """A new session id for ``user``, ending the browser's ``old`` session (if any) first."""
        if old:
            self.end_session(old)
        return self.start_session(user, expires)

    def session_user(self, session_id: str) -> User | None:
        """The account of a live session, or None when it is unknown, idle or too old; asked
        in the database (and then believed a moment: ``believed_user``)."""
        key = digest(session_id)
        changes = self.believed_sessions.changes()
        found = self.db.session(key)
        if found is None:
            if key in self.believed_sessions:  # (ended by another process)
                self.believed_sessions.forget(key)
            return None
        row, created, last_seen, expires = found
        now = time.time()
        ends = min(created + self.policy.absolute_seconds, last_seen + self.policy.idle_seconds)
        if expires is not None:
            ends = min(ends, expires)
        if row.disabled or now >= ends:
            self.believed_sessions.forget(key)
            self.db.delete_session(key)
            return None
        if now - last_seen > TOUCH_INTERVAL:
            self.db.touch_session(key)
        user = to_user(row)
        self.believed_sessions.keep(key, user, changes, ends - now)
        return user

    def believed_user(self, session_id: str) -> User | None:
        """The account of a session believed a moment ago, without asking the database (so
        without leaving the event loop); None when it must be asked."""
        return self.believed_sessions.get(digest(session_id))

    def forget_sessions(self) -> None:
        """Check every session in the database again: an account changed (a role, a name, disabled)."""
        self.believed_sessions.forget_all()

    def end_session(self, session_id: str) -> bool:
        """End a session on the server; True when it came from single sign-on (then the
        provider's session may be ended too)."""
        key = digest(session_id)
        self.believed_sessions.forget(key)
        found = self.db.session(key)
        self.db.delete_session(key)
        return found is not None and found[3] is not None

    @staticmethod
    def session_hash(session_id: str) -> str:
        """What a session is known by in the database (a sign-in under way is bound to it)."""
        return digest(session_id) if session_id else ""
