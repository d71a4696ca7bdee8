"""Schema versions: each release moves a database made by an earlier one forward, on start-up.

Version 1 is the schema as it stood when versions were introduced: the ``CREATE ... IF NOT
EXISTS`` statements and the column checks each backend runs before this module (which also
bring databases from before version 1 up to it).  Every later change is one :class:`Step`
in :data:`STEPS`, numbered, with the statements of each backend, so an upgrade never has
to guess what a database holds.  All steps due run in the one transaction that records the
new version: a step that fails leaves the database as it was, and the wiki refuses to start
with the reason instead of serving from a half-migrated schema.

A database whose version is newer than this code knows (an older release started after a
newer one had migrated it) is refused too: the older code would not know its columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wiki.errors import N_, StoreUnavailable
from wiki.store import identities

if TYPE_CHECKING:
    from wiki.store.sqlbase import Transaction


@dataclass(frozen=True)
class Step:
    """One schema change: ``sqlite`` and ``postgres`` hold each backend's statements (run in
    order, without parameters); ``then`` moves data, with ``?`` statements both backends take."""

    version: int
    what: str
    sqlite: tuple[str, ...] = ()
    postgres: tuple[str, ...] = ()
    then: Callable[[Transaction], None] | None = None


def _notification_tables(*, key: str, time: str, ref: str) -> tuple[str, ...]:
    """Step 4's statements, in each backend's words for an id key, a time and an id column."""
    users = f"{ref} NOT NULL REFERENCES users (id) ON DELETE CASCADE"
    return (
        "ALTER TABLE users ADD COLUMN mail_frequency TEXT NOT NULL DEFAULT 'never'",
        "ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE users ADD COLUMN email_confirmed INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE users ADD COLUMN auto_watch INTEGER NOT NULL DEFAULT 1",
        f"ALTER TABLE users ADD COLUMN digest_sent {time}",
        f"CREATE TABLE watches (user_id {users}, kind TEXT NOT NULL, target TEXT NOT NULL,"
        f" created {time} NOT NULL, PRIMARY KEY (user_id, kind, target))",
        "CREATE INDEX watches_target ON watches (kind, target)",
        f"CREATE TABLE events (id {key}, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, subject TEXT NOT NULL,"
        f" actor_id {ref} REFERENCES users (id) ON DELETE SET NULL, actor TEXT NOT NULL, date {time} NOT NULL,"
        f" data TEXT NOT NULL, comment_id {ref} REFERENCES comments (id) ON DELETE CASCADE)",
        "CREATE INDEX events_actor ON events (actor_id)",
        "CREATE INDEX events_comment ON events (comment_id)",
        f"CREATE TABLE notifications (id {key}, event_id {ref} NOT NULL REFERENCES events (id) ON DELETE CASCADE,"
        f" user_id {users}, reason TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 0,"
        f" mailed INTEGER NOT NULL DEFAULT 0, created {time} NOT NULL, UNIQUE (event_id, user_id))",
        "CREATE INDEX notifications_user ON notifications (user_id, seen, id)",
        f"CREATE TABLE outbox (id {key}, key TEXT NOT NULL, user_id {users}, kind TEXT NOT NULL,"
        f" payload TEXT NOT NULL, message_id TEXT NOT NULL, created {time} NOT NULL, due {time} NOT NULL,"
        f" attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, claimed_by TEXT, claimed_until {time},"
        f" sent {time}, UNIQUE (key, user_id))",
        "CREATE INDEX outbox_due ON outbox (sent, due)",
        "CREATE TABLE notify_cursor (ref TEXT PRIMARY KEY, revision TEXT NOT NULL)",
        f"CREATE TABLE mail_tokens (token_hash TEXT PRIMARY KEY, purpose TEXT NOT NULL, user_id {users},"
        f" email TEXT NOT NULL, created {time} NOT NULL, expires {time} NOT NULL, used {time})",
        "CREATE INDEX mail_tokens_user ON mail_tokens (user_id, purpose)",
    )


def _deliberation_tables(*, key: str, time: str, ref: str) -> tuple[str, ...]:
    """Step 5's statements, in each backend's words for an id key, a time and an id column."""
    comment = f"{ref} NOT NULL REFERENCES comments (id) ON DELETE CASCADE"
    return (
        "ALTER TABLE supports ADD COLUMN revision TEXT",
        f"ALTER TABLE comments ADD COLUMN parent_id {ref} REFERENCES comments (id) ON DELETE SET NULL",
        "ALTER TABLE comments ADD COLUMN anchor TEXT",
        f"ALTER TABLE comments ADD COLUMN edited {time}",
        f"ALTER TABLE comments ADD COLUMN deleted {time}",
        "CREATE INDEX comments_parent ON comments (parent_id)",
        f"CREATE TABLE comment_versions (id {key}, comment_id {comment}, body TEXT NOT NULL, created {time} NOT NULL)",
        "CREATE INDEX comment_versions_comment ON comment_versions (comment_id, id)",
        f"CREATE TABLE moderation_log (id {key}, comment_id {ref} REFERENCES comments (id) ON DELETE SET NULL,"
        f" target TEXT NOT NULL, action TEXT NOT NULL, by_id {ref} REFERENCES users (id) ON DELETE SET NULL,"
        f" reason TEXT NOT NULL,"
        f" created {time} NOT NULL)",
        "CREATE INDEX moderation_log_comment ON moderation_log (comment_id)",
        f"CREATE TABLE second_looks (comment_id {ref} PRIMARY KEY REFERENCES comments (id) ON DELETE CASCADE,"
        f" note TEXT NOT NULL, asked {time} NOT NULL, answered {time},"
        f" answered_by {ref} REFERENCES users (id) ON DELETE SET NULL, answer TEXT, outcome TEXT)",
    )


#: What a page kept for readers that shows people's words depends on (a proposal page): every
#: comment, support and display name. Triggers bump it, so every writer (any instance, the
#: command line, a cascade when an account is erased) moves it without having to remember to.
DISCUSSION_EDITION = "discussion"
_BUMP = "UPDATE editions SET edition = edition + 1 WHERE name = 'discussion'"
_WATCHED = ("comments", "supports")


def _sqlite_edition_triggers() -> tuple[str, ...]:
    """Step 7 on SQLite: one trigger per table and event (SQLite's triggers take one event)."""
    triggers = [
        f"CREATE TRIGGER {table}_{event.lower()}_edition AFTER {event} ON {table} BEGIN {_BUMP}; END"
        for table in _WATCHED
        for event in ("INSERT", "UPDATE", "DELETE")
    ]
    triggers.append(f"CREATE TRIGGER users_name_edition AFTER UPDATE OF display_name ON users BEGIN {_BUMP}; END")
    return (
        "CREATE TABLE editions (name TEXT PRIMARY KEY, edition INTEGER NOT NULL)",
        "INSERT INTO editions (name, edition) VALUES ('discussion', 0)",
        *triggers,
    )


def _postgres_edition_triggers() -> tuple[str, ...]:
    """Step 7 on PostgreSQL: one function, statement triggers (one bump per statement)."""
    run = "FOR EACH STATEMENT EXECUTE FUNCTION bump_discussion_edition()"
    return (
        "CREATE TABLE editions (name TEXT PRIMARY KEY, edition BIGINT NOT NULL)",
        "INSERT INTO editions (name, edition) VALUES ('discussion', 0)",
        "CREATE FUNCTION bump_discussion_edition() RETURNS trigger LANGUAGE plpgsql AS"
        f" $$ BEGIN {_BUMP}; RETURN NULL; END $$",
        *(f"CREATE TRIGGER {table}_edition AFTER INSERT OR UPDATE OR DELETE ON {table} {run}" for table in _WATCHED),
        f"CREATE TRIGGER users_name_edition AFTER UPDATE OF display_name ON users {run}",
    )


def _single_sign_on_tables(*, time: str, ref: str) -> tuple[str, ...]:
    """Step 6's statements, in each backend's words for a time and an id column."""
    users = f"{ref} NOT NULL REFERENCES users (id) ON DELETE CASCADE"
    return (
        f"CREATE TABLE oidc_identities (issuer TEXT NOT NULL, subject TEXT NOT NULL, user_id {users},"
        f" created {time} NOT NULL, PRIMARY KEY (issuer, subject), UNIQUE (issuer, user_id))",
        "CREATE INDEX oidc_identities_user ON oidc_identities (user_id)",
        f"CREATE TABLE oidc_requests (state_hash TEXT PRIMARY KEY, purpose TEXT NOT NULL, nonce TEXT NOT NULL,"
        f" verifier TEXT NOT NULL, target TEXT NOT NULL, user_id {ref} REFERENCES users (id) ON DELETE CASCADE,"
        f" session_hash TEXT NOT NULL, created {time} NOT NULL)",
        "CREATE INDEX oidc_requests_created ON oidc_requests (created)",
        f"ALTER TABLE sessions ADD COLUMN expires {time}",
    )


# Version 2 onward; append, never edit a step that has been released.
STEPS: tuple[Step, ...] = (
    Step(
        2,
        "One name, one person: usernames unique after NFKC and case folding; commits addressed by"
        " account id, with the old username addresses mapped to their accounts; keyed hashes of"
        " erased usernames, so nobody takes one again.",
        sqlite=(
            "ALTER TABLE users ADD COLUMN username_fold TEXT",
            "CREATE UNIQUE INDEX users_username_fold ON users (username_fold)",
            "CREATE TABLE identities (commit_email TEXT PRIMARY KEY,"
            " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE)",
            "CREATE INDEX identities_user ON identities (user_id)",
            "CREATE TABLE erased_usernames (digest TEXT PRIMARY KEY)",
        ),
        postgres=(
            "ALTER TABLE users ADD COLUMN username_fold TEXT",
            "CREATE UNIQUE INDEX users_username_fold ON users (username_fold)",
            "CREATE TABLE identities (commit_email TEXT PRIMARY KEY,"
            " user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE)",
            "CREATE INDEX identities_user ON identities (user_id)",
            "CREATE TABLE erased_usernames (digest TEXT PRIMARY KEY)",
        ),
        then=identities.migrate,
    ),
    Step(
        3,
        "tokens may expire: tokens.expires (a time, or NULL for a token that never does)",
        sqlite=("ALTER TABLE tokens ADD COLUMN expires REAL",),
        postgres=("ALTER TABLE tokens ADD COLUMN expires DOUBLE PRECISION",),
    ),
    Step(
        4,
        "Watching and notifications: what each person watches, the events that notify, each"
        " person's notifications, the outbox of mail with a unique (key, recipient), the cursor of"
        " the last commit notified, single-use mail tokens (password reset, address confirmation),"
        " and per account the mail frequency (existing accounts: never), language, whether the"
        " address is confirmed, automatic watching and when the last digest went out.",
        sqlite=_notification_tables(key="INTEGER PRIMARY KEY", time="REAL", ref="INTEGER"),
        postgres=_notification_tables(
            key="BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", time="DOUBLE PRECISION", ref="BIGINT"
        ),
    ),
    Step(
        5,
        "Deliberation: a support remembers the proposal revision it was given on (NULL: given before"
        " this, counted as support of the current version); comments may answer a comment, sit on a"
        " passage (a Web Annotation selector in JSON), be edited (earlier versions kept apart) and be"
        " deleted leaving a placeholder; a public moderation log of every hide and restore (never the"
        " hidden text) and one request per comment for a second look.",
        sqlite=_deliberation_tables(key="INTEGER PRIMARY KEY", time="REAL", ref="INTEGER"),
        postgres=_deliberation_tables(
            key="BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", time="DOUBLE PRECISION", ref="BIGINT"
        ),
    ),
    Step(
        6,
        "Single sign-on: the OpenID Connect identities of accounts (issuer and subject, one per issuer"
        " and account), the sign-ins under way at the provider (the hash of their state with the nonce"
        " and PKCE verifier, kept until the person comes back or for ten minutes), and sessions that"
        " end at a fixed time (those from single sign-on; NULL: the usual idle and absolute limits).",
        sqlite=_single_sign_on_tables(time="REAL", ref="INTEGER"),
        postgres=_single_sign_on_tables(time="DOUBLE PRECISION", ref="BIGINT"),
    ),
    Step(
        7,
        "The discussion edition: a counter that every change of a comment or a support, and of a"
        " display name, moves (by triggers), so a proposal page kept for readers knows when the"
        " words and names it shows changed, whoever changed them.",
        sqlite=_sqlite_edition_triggers(),
        postgres=_postgres_edition_triggers(),
    ),
)

BASELINE = 1
LATEST = STEPS[-1].version if STEPS else BASELINE

_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"


def current_version(transaction: Transaction) -> int | None:
    """The version recorded in the database, or None before versions were recorded."""
    transaction.execute(_TABLE)
    row = transaction.execute("SELECT max(version) FROM schema_version").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def upgrade(transaction: Transaction, backend: str) -> int:
    """Run every step newer than the database's version; the version it has now.

    ``backend`` is ``sqlite`` or ``postgresql``; the caller holds the transaction (and, on
    PostgreSQL, the lock that keeps replicas starting together from migrating twice)."""
    version = current_version(transaction)
    if version is None:  # made before versions were recorded: the baseline brought it to 1
        transaction.execute("INSERT INTO schema_version (version) VALUES (?)", (BASELINE,))
        version = BASELINE
    if version > LATEST:
        raise StoreUnavailable(
            N_(
                "The database was made by a newer version of the wiki (schema {found};"
                " this version knows up to {known}). Start the newer version, or restore a backup.",
                found=version,
                known=LATEST,
            )
        )
    for step in STEPS:
        if step.version <= version:
            continue
        for statement in step.sqlite if backend == "sqlite" else step.postgres:
            transaction.execute(statement)
        if step.then is not None:
            step.then(transaction)
        transaction.execute("UPDATE schema_version SET version = ?", (step.version,))
        version = step.version
    return version
