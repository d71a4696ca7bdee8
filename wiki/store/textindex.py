"""Full-text search and the link graph, kept in the page index's SQLite file.

Both are derived from page texts and written in the same transaction as the
page rows (``PageIndex._apply``), so they always reflect the commit the index
records.  Search uses FTS5 over the pages' plain text (``plaintext``) with
diacritics folded ("een" finds "één"); every word is also found by its Dutch
stem (``wordforms``), next to the prefix match.  A search that finds nothing
gets suggestions from the index's own words.  The link graph holds every wiki
link and relative Markdown link, for "links to this page" and the list of
broken links.
"""

from __future__ import annotations

import difflib
import posixpath
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

from wiki.names import is_page_name, slugify
from wiki.store import wordforms
from wiki.store.plaintext import WIKI_LINK
from wiki.store.searchtexts import SearchText, search_text
from wiki.store.snippets import Term, snippet

SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
    kind UNINDEXED, key UNINDEXED, title, body, title_stems, body_stems,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS search_words USING fts5vocab(search, 'col');
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
# Tables the schema creates, dropped when the schema version changes.
TABLES = ("search", "search_words", "search_rows", "links")
# ``](target "title")``.  The target stops at ``]`` (so one link's target never runs over the
# next link's start: 20 KB of ``](`` took 10 s inside the writer lock) and the spaces before
# a title and before ``)`` are one run, read once.
_MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^\]\s>)]+)>?\s*(?:\"[^\"]*\"\s*)?\)")
_TERMS = re.compile(r'"([^"]*)"|(\S+)')
# Exact forms weigh more than stems, titles more than bodies.
_RANK = "bm25(search, 0.0, 0.0, 8.0, 1.0, 4.0, 0.5)"
_SUGGESTIONS = 3


def schema_version() -> str:
    """The search part of the index's schema version: the stemmer made the stem columns."""
    return f"2+{wordforms.STEMMER.label}"


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result; ``snippet`` is plain text with matches between MARK_START and MARK_END, nothing escaped."""

    kind: str
    key: str
    title: str
    snippet: str


def fold(text: str) -> str:
    """Case and compatibility folding for title lookups."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def put(connection: sqlite3.Connection, kind: str, key: str, title: str, body: str) -> None:
    """Index a page (kind ``page``) or an open proposal (kind ``proposal``), replacing any earlier row.

    ``body`` is Markdown; its plain text is indexed, and the stems of title and text."""
    put_text(connection, kind, key, search_text(title, body))


def put_text(connection: sqlite3.Connection, kind: str, key: str, text: SearchText) -> None:
    """``put`` with what search holds already made (by a rebuild's child process)."""
    remove(connection, kind, key)
    cursor = connection.execute(
        "INSERT INTO search (kind, key, title, body, title_stems, body_stems) VALUES (?, ?, ?, ?, ?, ?)",
        (kind, key, text.title, text.text, text.title_stems, text.text_stems),
    )
    connection.execute("INSERT INTO search_rows (kind, key, row) VALUES (?, ?, ?)", (kind, key, cursor.lastrowid))


def remove(connection: sqlite3.Connection, kind: str, key: str) -> None:
    """Drop a page or proposal from the search index (by row id: FTS5 cannot look up by key)."""
    row = connection.execute("SELECT row FROM search_rows WHERE kind = ? AND key = ?", (kind, key)).fetchone()
    if row is not None:
        connection.execute("DELETE FROM search WHERE rowid = ?", (row[0],))
        connection.execute("DELETE FROM search_rows WHERE kind = ? AND key = ?", (kind, key))


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class _Part:
    """One part of what a person typed: the text as typed, whether it was in quotes, its term."""

    text: str
    quoted: bool
    term: Term

    @property
    def fts(self) -> str:
        """This part as FTS5 query syntax: a phrase exactly; a word as a prefix or by its stem."""
        if self.quoted:
            return "({title body} : " + _quoted(self.text) + ")"
        if self.term.stem is None:  # no word, or several ("open-source"): the parts in a row
            return "({title body} : " + _quoted(self.text) + "*)"
        stem = _quoted(self.term.stem)
        return f"({{title body}} : {_quoted(self.text)}* OR {{title_stems body_stems}} : {stem})"


def _parts(text: str) -> list[_Part]:
    parts = []
    for phrase, word in _TERMS.findall(text[:500]):
        if phrase.strip():
            words = tuple(wordforms.fold(w) for w in wordforms.words(phrase))
            parts.append(_Part(phrase.strip(), True, Term(words, None)))
        elif bare := word.strip('"'):
            forms = wordforms.words(bare)
            stem = wordforms.stem(forms[0]) if len(forms) == 1 else None
            parts.append(_Part(bare, False, Term(tuple(wordforms.fold(w) for w in forms), stem)))
    return parts[:20]


def fts_query(text: str) -> str:
    """An FTS5 query for what a person typed: every word as a prefix or by its Dutch stem,
    quoted phrases exactly (never by stem).

    Every term is quoted, so nothing a person types is read as FTS5 syntax.
    """
    return " AND ".join(part.fts for part in _parts(text))


def search(connection: sqlite3.Connection, text: str, limit: int = 20) -> list[Hit]:
    """Pages and open proposals matching ``text``, best first (titles weigh more)."""
    query = fts_query(text)
    if not query:
        return []
    try:
        # Rank first without the texts, then read and quote the few rows shown.
        ranked = [row[0] for row in connection.execute(
            f"SELECT rowid FROM search WHERE search MATCH ? ORDER BY {_RANK} LIMIT ?",  # noqa: S608 (constant)
            (query, limit),
        )]  # fmt: skip
        if not ranked:
            return []
        marks = ", ".join("?" for _ in ranked)
        found = {
            row[0]: row[1:]
            for row in connection.execute(
                f"SELECT rowid, kind, key, title, body FROM search WHERE rowid IN ({marks})",  # noqa: S608
                ranked,
            )
        }
    except sqlite3.OperationalError:
        return []
    terms = [part.term for part in _parts(text)]
    rows = [found[rowid] for rowid in ranked if rowid in found]
    return [Hit(str(kind), str(key), str(title), snippet(str(body), terms)) for kind, key, title, body in rows]


def suggestions(connection: sqlite3.Connection, text: str) -> list[str]:
    """Up to three queries like ``text``, with unknown words replaced by close words of the
    index's own vocabulary (titles and texts), each of which finds something."""
    choices: list[list[str]] = []
    replaced = False
    for part in _parts(text):
        word = part.term.words[0] if part.term.stem is not None else None
        if word is None or _known(connection, word):
            choices.append([_quoted(part.text) if part.quoted else part.text])
        else:
            replaced = True
            choices.append(difflib.get_close_matches(word, _vocabulary(connection, word), _SUGGESTIONS, 0.7))
    if not replaced or not all(choices):
        return []
    found: list[str] = []
    for number in range(_SUGGESTIONS):
        query = " ".join(options[min(number, len(options) - 1)] for options in choices)
        if query not in found and search(connection, query, 1):
            found.append(query)
    return found


def _known(connection: sqlite3.Connection, word: str) -> bool:
    """True when some word of the titles or texts starts with ``word``."""
    row = connection.execute(
        "SELECT 1 FROM search_words WHERE term >= ? AND term < ? AND col IN ('title', 'body') LIMIT 1",
        (word, word + "\U0010ffff"),
    ).fetchone()
    return row is not None


def _vocabulary(connection: sqlite3.Connection, word: str) -> list[str]:
    """The words of titles and texts that start with the letter ``word`` starts with and are
    about as long (an edit or two away): a range of the index's word list, read in a few
    milliseconds, where the whole list takes a tenth of a second on 2,000 pages.  The price: a
    wrong first letter is not corrected."""
    rows = connection.execute(
        "SELECT DISTINCT term FROM search_words WHERE term >= ? AND term < ? AND col IN ('title', 'body')"
        " AND length(term) BETWEEN ? AND ?",
        (word[0], word[0] + "\U0010ffff", len(word) - 2, len(word) + 2),
    )
    return [str(row[0]) for row in rows]


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
