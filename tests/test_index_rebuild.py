"""A page index rebuilt from git is the index kept in step with every save, row for row.

The rebuild reads the head's pages while ``git log`` runs beside it and writes the commits many
in one statement; what it leaves must be what the writer's commit-by-commit path left: pages
with the commit that last changed each, every commit and change with its sizes, search rows
and links.  A page whose text the rebuild read early but whose end state the log disagrees with
would show here too.
"""

from __future__ import annotations

import subprocess

import pytest

from wiki.errors import StoreUnavailable
from wiki.models import Author
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.store import pageindex_build, searchtexts

ANNA = Author("Anna de Vries", "anna@users.wiki.invalid")
BOB = Author("Bob Jansen", "bob@users.wiki.invalid")
TABLES = {
    "pages": "SELECT path, fold, title, title_fold, number, blob, revision FROM pages ORDER BY path",
    "commits": "SELECT seq, revision, author, email, date, message FROM commits ORDER BY seq",
    "changes": "SELECT seq, path, old_path, status, blob, size, old_size FROM changes ORDER BY seq, path",
    "search": "SELECT s.kind, s.key, title, body, title_stems, body_stems FROM search s"
    " JOIN search_rows r ON r.row = s.rowid ORDER BY s.kind, s.key",
    "links": "SELECT source, kind, value FROM links ORDER BY source, kind, value",
}


def save(site: Site, name: str, text: str, author: Author = ANNA) -> None:
    found = site.pages.index.get(name)
    site.pages.save(EditRequest(name, text, found[0].revision if found else None, "", author))


def rows(site: Site) -> dict[str, list[tuple[object, ...]]]:
    connection = site.pages.index.file.db()
    return {table: connection.execute(query).fetchall() for table, query in TABLES.items()}


def rebuilt(site: Site) -> dict[str, list[tuple[object, ...]]]:
    site.index._clear()
    with site.repo.writer():
        site.index.catch_up()
    return rows(site)


@pytest.fixture
def history(site: Site) -> Site:
    """Why: pages made, edited by two people, linked, renamed and deleted, so every table has rows."""
    save(site, "vogels", "# Vogels\n\nDe **kievit** en [[Neem initiatief|de grutto]].\n")
    save(site, "vogels", "# Vogels\n\nDe kievit, de grutto en [de tureluur](over).\n", BOB)
    save(site, "map/water", "---\ntitle: Water\n---\nHet *water* stroomt naar [[Vogels]].\n")
    site.pages.rename("vogels", "natuur/vogels", BOB)
    save(site, "weg", "# Weg\n\nDeze pagina verdwijnt straks.\n")
    site.pages.delete("weg", ANNA)
    save(site, "map/water", "---\ntitle: Water\n---\nHet water stroomt niet meer.\n", BOB)
    return site


@pytest.mark.parametrize(("rows_per_statement", "texts_in_child"), [(2048, False), (1, False), (2048, True)])
def test_a_rebuild_leaves_every_row_the_saves_left(
    history: Site, rows_per_statement: int, texts_in_child: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = rows(history)
    assert len(kept["commits"]) == 8
    assert kept["links"]
    monkeypatch.setattr(pageindex_build, "ROWS", rows_per_statement)
    monkeypatch.setattr(pageindex_build, "IN_CHILD", 0 if texts_in_child else 10**9)
    assert rebuilt(history) == kept
    assert [r.path for r in history.search.search("stroomt")] == ["map/water"]
    assert history.search.search("verdwijnt") == []


def test_a_page_the_log_does_not_keep_is_not_left_in_search(history: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read early from the head's tree, then settled by the log: the log has the last word."""
    kept = rows(history)
    listed = history.repo.list_files

    def with_a_stray(commit: str) -> dict[str, str]:
        files = listed(commit)
        return {**files, "verdwaald.md": files["natuur/vogels.md"]}

    monkeypatch.setattr(history.repo, "list_files", with_a_stray)
    assert rebuilt(history) == kept


def test_a_child_that_fails_leaves_the_index_unwritten(history: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pageindex_build, "IN_CHILD", 0)
    monkeypatch.setattr(searchtexts, "CHILD", "raise SystemExit(3)")
    history.index._clear()
    with history.repo.writer(), pytest.raises(StoreUnavailable):
        history.index.catch_up()
    assert history.index.indexed_head is None
    assert rows(history)["pages"] == rows(history)["search"] == []


def test_a_failing_git_log_leaves_the_index_unwritten_and_no_git_behind(
    history: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = history.repo._log_command

    def failing(newest: str, stop_at: str | None) -> list[str]:
        spelled = command(newest, stop_at)
        return [*spelled[: spelled.index("log") + 1], "--bad-option", *spelled[spelled.index("log") + 1 :]]

    monkeypatch.setattr(history.repo, "_log_command", failing)
    history.index._clear()
    with history.repo.writer(), pytest.raises(StoreUnavailable):
        history.index.catch_up()
    assert history.index.indexed_head is None
    assert rows(history)["pages"] == []
    running = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert [line for line in running.splitlines() if "--bad-option" in line] == []
