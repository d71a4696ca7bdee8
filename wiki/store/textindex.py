"""Full-text search and the link graph, kept in the page index's SQLite file.

Both are derived from page texts and written in the same transaction as the
page rows (``PageIndex._apply``), so they always reflect the commit the index
records.  Search uses FTS5 with diacritics folded ("een" finds "één"); the link
graph holds every wiki link and relative Markdown link, for "links to this
page" and the list of broken links.
"""

from __future__ import annotations

import posixpath
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

from wiki.names import is_page_name, slugify

SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
    kind UNINDEXED, key UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS search_rows (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    row INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (source, kind, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_value ON links (kind, value);
"""
MARK_START, MARK_END = "\x01", "\x02"
WIKI_LINK = re.compile(r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,200}))?\]\]")
_MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_TERMS = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result; ``snippet`` has matches between MARK_START and MARK_END, nothing escaped."""

    kind: str
    key: str
    title: str
    snippet: str


def fold(text: str) -> str:
    """Case and compatibility folding for title lookups."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _clean(text: str) -> str:
    return text.replace(MARK_START, " ").replace(MARK_END, " ")


def put(connection: sqlite3.Connection, kind: str, key: str, title: str, body: str) -> None:
    """Index a page (kind ``page``) or an open proposal (kind ``proposal``), replacing any earlier row."""
    remove(connection, kind, key)
    cursor = connection.execute(
        "INSERT INTO search (kind, key, title, body) VALUES (?, ?, ?, ?)", (kind, key, _clean(title), _clean(body))
    )
    connection.execute("INSERT INTO search_rows (kind, key, row) VALUES (?, ?, ?)", (kind, key, cursor.lastrowid))


def remove(connection: sqlite3.Connection, kind: str, key: str) -> None:
    """Drop a page or proposal from the search index (by row id: FTS5 cannot look up by key)."""
    row = connection.execute("SELECT row FROM search_rows WHERE kind = ? AND key = ?", (kind, key)).fetchone()
    if row is not None:
        connection.execute("DELETE FROM search WHERE rowid = ?", (row[0],))
        connection.execute("DELETE FROM search_rows WHERE kind = ? AND key = ?", (kind, key))


def fts_query(text: str) -> str:
    """An FTS5 query for what a person typed: every word as a prefix, quoted phrases kept.

    Every term is quoted, so nothing a person types is read as FTS5 syntax.
    """
    parts = []
    for phrase, word in _TERMS.findall(text[:500]):
        if phrase.strip():
            parts.append('"' + phrase.strip().replace('"', '""') + '"')
        elif word.strip('"'):
            parts.append('"' + word.strip('"').replace('"', '""') + '"*')
    return " ".join(parts[:20])


def search(connection: sqlite3.Connection, text: str, limit: int = 20) -> list[Hit]:
    """Pages and open proposals matching ``text``, best first (titles weigh more)."""
    query = fts_query(text)
    if not query:
        return []
    try:
        # Rank first without snippets (SQLite would compute a snippet for every match before
        # sorting), then make snippets for the few rows shown.
        ranked = [row[0] for row in connection.execute(
            "SELECT rowid FROM search WHERE search MATCH ? ORDER BY bm25(search, 0.0, 0.0, 8.0, 1.0) LIMIT ?",
            (query, limit),
        )]  # fmt: skip
        if not ranked:
            return []
        marks = ", ".join("?" for _ in ranked)
        found = {
            row[0]: row[1:]
            for row in connection.execute(
                f"SELECT rowid, kind, key, title, snippet(search, 3, ?, ?, '…', 16) FROM search"  # noqa: S608
                f" WHERE search MATCH ? AND rowid IN ({marks})",
                (MARK_START, MARK_END, query, *ranked),
            )
        }
    except sqlite3.OperationalError:
        return []
    rows = [found[rowid] for rowid in ranked if rowid in found]
    return [Hit(str(kind), str(key), str(title), str(snippet)) for kind, key, title, snippet in rows]


def clear(connection: sqlite3.Connection, kind: str) -> None:
    """Drop every row of one kind (a rebuild starts from nothing)."""
    connection.execute("DELETE FROM search WHERE rowid IN (SELECT row FROM search_rows WHERE kind = ?)", (kind,))
    connection.execute("DELETE FROM search_rows WHERE kind = ?", (kind,))
    if kind == "page":
        connection.execute("DELETE FROM links")


# -- links --------------------------------------------------------------------------------


def link_targets(source: str, body: str) -> set[tuple[str, str]]:
    """The pages a body links to: ``("title", folded title)`` for ``[[Title]]``, ``("path", name)``
    for ``[[path|label]]`` and relative Markdown links (resolved against the source's folder)."""
    targets: set[tuple[str, str]] = set()
    for match in WIKI_LINK.finditer(body):
        target = match.group(1).strip()
        if match.group(2) is not None and is_page_name(target):
            targets.add(("path", target))
        else:
            targets.add(("title", fold(target)))
    folder = posixpath.dirname(source)
    for match in _MARKDOWN_LINK.finditer(body):
        href = unquote(match.group(1).split("#", 1)[0])
        if not href or ":" in href.split("/", 1)[0] or href.startswith(("/", "#")):
            continue
        path = posixpath.normpath(posixpath.join(folder, href))
        if path.endswith(".md"):
            path = path[:-3]
        if is_page_name(path):
            targets.add(("path", path))
    return targets


def put_links(connection: sqlite3.Connection, source: str, body: str) -> None:
    """Record the links of one page, replacing its earlier ones."""
    connection.execute("DELETE FROM links WHERE source = ?", (source,))
    connection.executemany(
        "INSERT OR IGNORE INTO links (source, kind, value) VALUES (?, ?, ?)",
        [(source, kind, value) for kind, value in link_targets(source, body)],
    )


def remove_links(connection: sqlite3.Connection, source: str) -> None:
    """Forget the links of a page that no longer exists."""
    connection.execute("DELETE FROM links WHERE source = ?", (source,))


def resolve(connection: sqlite3.Connection, kind: str, value: str) -> str | None:
    """The page a link points to now, or None when it is broken."""
    if kind == "path":
        row = connection.execute("SELECT path FROM pages WHERE path = ?", (value,)).fetchone()
        return None if row is None else str(row[0])
    row = connection.execute("SELECT path FROM pages WHERE title_fold = ?", (value,)).fetchone()
    if row is not None:
        return str(row[0])
    slug = slugify(value)
    row = connection.execute("SELECT path FROM pages WHERE path = ?", (slug,)).fetchone() if slug else None
    return None if row is None else str(row[0])


def backlinks(connection: sqlite3.Connection, name: str, title: str) -> list[str]:
    """The pages that link to ``name`` (by its name, its title, or the slug of a title)."""
    rows = connection.execute(
        "SELECT DISTINCT source FROM links WHERE source != ? AND ((kind = 'path' AND value = ?)"
        " OR (kind = 'title' AND value = ?)) ORDER BY source",
        (name, name, fold(title)),
    ).fetchall()
    found = [str(row[0]) for row in rows]
    for source, value in connection.execute("SELECT source, value FROM links WHERE kind = 'title' AND source != ?",
                                            (name,)):  # fmt: skip
        if slugify(value) == name and source not in found:
            found.append(str(source))
    return sorted(found)


def broken_links(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every (source page, target) whose target does not exist."""
    rows = connection.execute("SELECT source, kind, value FROM links ORDER BY source, value").fetchall()
    return [(str(source), str(value)) for source, kind, value in rows if resolve(connection, kind, value) is None]
