"""Everything that is not content: accounts (``users``), tokens, sessions and sign-in
throttling (``credentials``), comments, supports, drafts and counters (``discussion``), the
moderation log and second looks (``moderation``), watches, events and notifications
(``notifications``), the mail waiting to go out (``outbox``), the single-use links mail
carries (``mail_tokens``), one person's contributions read back (``contributions``) and
single sign-on's identities (``sso``).

This lives outside the content repository (it is personal data and must be erasable) in
the database ``WIKI_DATABASE_URL`` names: SQLite, the embedded default, or PostgreSQL,
which replicas share so that any instance serves any person.  The statements there are
portable SQL (``ON CONFLICT`` upserts, ``RETURNING``, ``CASE``) and run unchanged on
both; what really differs (schema, placeholders, connections, error classes) lives in
``sql_sqlite`` and ``sql_postgres``.  Only hashes of tokens and session ids are stored,
so a copy of the database opens no account.
"""

from __future__ import annotations

from pathlib import Path

from wiki.errors import N_, BadInput
from wiki.store.contributions import ContributionTables
from wiki.store.credentials import CredentialTables
from wiki.store.discussion import DiscussionTables
from wiki.store.mail_tokens import MailTokenTables
from wiki.store.moderation import ModerationTables
from wiki.store.notifications import NotificationTables
from wiki.store.outbox import OutboxTables
from wiki.store.sql_sqlite import SqliteBackend
from wiki.store.sso import SingleSignOnTables
from wiki.store.users import UserTables


def open_database(url: str) -> Database:
    """Open (creating the schema when missing) the database ``url`` names.

    ``sqlite:///relative``, ``sqlite:////absolute`` or a plain path: SQLite;
    ``postgresql://...`` or ``postgres://...`` (libpq's URL form): PostgreSQL.
    Raises ``BadInput`` for anything else."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return Database(SqliteBackend(Path(url)))
    if scheme in ("postgresql", "postgres"):
        # Imported here so that SQLite-only installations never load libpq.
        from wiki.store.sql_postgres import PostgresBackend  # noqa: PLC0415

        return Database(PostgresBackend(url))
    if scheme == "sqlite" and rest.startswith("/") and rest != "/":
        return Database(SqliteBackend(Path(rest[1:])))
    # Only the scheme is repeated: the rest of a URL may hold a password.
    raise BadInput(
        N_(
            "Unsupported database URL ({scheme}://...): use sqlite:///PATH or postgresql://USER:PASSWORD@HOST/NAME.",
            scheme=scheme,
        )
    )


class Database(
    UserTables,
    CredentialTables,
    DiscussionTables,
    ModerationTables,
    NotificationTables,
    OutboxTables,
    MailTokenTables,
    ContributionTables,
    SingleSignOnTables,
):
    """The store the services use: every table module on one backend, and what concerns
    the database as a whole (copies, health, secrets)."""

    def close(self) -> None:
        """Close every connection."""
        self.backend.close()

    def holds_data(self) -> bool:
        """True when any account, comment, support, draft or counter is stored: a database a
        restore must not overwrite unless told to."""
        tables = ("users", "comments", "supports", "drafts", "former_authors", "identities", "erased_usernames")
        if any(self._row(f"SELECT 1 FROM {table} LIMIT 1") is not None for table in tables):  # noqa: S608
            return True
        # A new database starts its counters at 0 (the account counter is made by a migration).
        return self._row("SELECT 1 FROM counters WHERE value > 0 LIMIT 1") is not None

    def backup(self, target: Path) -> None:
        """Write a consistent copy of the whole database to the new file ``target`` (SQLite's
        online backup, or pg_dump), while others go on reading and writing."""
        self.backend.backup(target)

    def restore(self, source: Path) -> None:
        """Replace everything stored by the copy ``source`` that :meth:`backup` wrote on the
        same kind of database."""
        self.backend.restore(source)

    def ping(self) -> bool:
        """True when the database answers a query."""
        try:
            self._row("SELECT 1")
        except self.backend.error:
            return False
        return True

    # -- secrets --------------------------------------------------------------------------

    def secret(self, name: str, make: str) -> str:
        """The stored secret ``name``; stores ``make`` first when there is none yet.

        Replicas starting together agree: the first insert wins and every one reads it."""
        with self.backend.transaction() as transaction:
            transaction.execute(
                "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (name, make)
            )
            row = transaction.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
        return str(row[0])
