"""``wiki backup`` and ``wiki restore``: a new instance restored from a backup has every page,
revision, account, comment, support and token, on SQLite and on PostgreSQL; a backup taken
while saves run restores a consistent state; a restore never overwrites data unasked."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, git
from wiki.cli import main
from wiki.config import Settings
from wiki.errors import BadInput
from wiki.models import Author, Role
from wiki.services import backup
from wiki.services.accounts import commit_author
from wiki.services.pages import EditRequest
from wiki.services.site import Site, open_site

PAGE = "het-proces-is-je-product"


@pytest.fixture(params=["sqlite", "postgresql"])
def instances(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Settings, Settings]:
    """Why: the wiki that is backed up and the new one it is restored into, on each backend."""
    if request.param == "postgresql":
        cluster = request.getfixturevalue("postgres")
        urls = (cluster.new_database(), cluster.new_database())
    else:
        urls = (f"sqlite:///{tmp_path / 'old.sqlite3'}", f"sqlite:///{tmp_path / 'new' / 'wiki.sqlite3'}")
    return (
        Settings(repo=tmp_path / "old.git", database_url=urls[0]),
        Settings(repo=tmp_path / "new" / "wiki.git", database_url=urls[1]),
    )


@pytest.fixture
def old_site(instances: tuple[Settings, Settings]) -> Iterator[Site]:
    """Why: the wiki being backed up keeps running while it is."""
    site = open_site(instances[0])
    yield site
    site.close()


def _fill(site: Site) -> str:
    """Give the wiki one of everything a restore must bring back; the token made."""
    anna = site.accounts.add_user("anna", PASSWORD, Role.EDITOR, "anna@example.nl", "Anna de Vries")
    bert = site.accounts.add_user("bert", PASSWORD, Role.CONTRIBUTOR, display_name="Bert")
    page, _ = site.pages.get(PAGE)
    site.pages.save(
        EditRequest(PAGE, page.text + "\nEen nieuwe alinea.\n", page.revision, "aanvulling", commit_author(anna))
    )
    proposal = site.proposals.create(bert, "Korter", "Het kan korter.", [(PAGE, page.text + "\nKort.\n")])
    site.discussion.add(f"proposal:{proposal.id}", anna, "Goed idee.")
    site.discussion.add(f"page:{PAGE}", bert, "Een vraag.")
    site.discussion.support(proposal.id, anna, supported=True)
    return site.accounts.create_token("anna", "script", 90)


def _state(site: Site) -> dict[str, object]:
    """Everything a person could find again, as plain values."""
    refs = git(site.settings.repo, "for-each-ref", "--format=%(refname) %(objectname)")
    history = git(site.settings.repo, "log", "--all", "--format=%H %an %s")
    proposals = site.proposals.listing()
    return {
        "refs": refs,
        "history": history,
        "pages": [(p.path, p.title, p.revision) for p in site.pages.list_pages()],
        "users": [(u.username, u.display_name, u.email, u.role, waiting) for u, waiting in site.accounts.users()],
        "proposals": [(p.id, p.record.title, p.head_revision) for p in proposals],
        "comments": [(c.target, c.body) for c in site.database.comments()],
        "supports": [site.discussion.supporters(p.id) for p in proposals],
        "tokens": [(t.label, t.expires) for t in site.accounts.tokens("anna")],
    }


def test_a_restored_instance_has_every_page_revision_account_comment_support_and_token(
    instances: tuple[Settings, Settings], old_site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _fill(old_site)
    before = _state(old_site)
    folder = tmp_path / "backup"
    old, new = instances
    assert main(["backup", str(folder), "--repo", str(old.repo), "--database", old.database_url]) == 0
    assert "Backed up" in capsys.readouterr().out
    assert json.loads((folder / "backup.json").read_text())["database"] == old_site.database.backend.name
    assert main(["restore", str(folder), "--repo", str(new.repo), "--database", new.database_url]) == 0
    restored = open_site(new)
    try:
        assert _state(restored) == before
        user = restored.accounts.user_for_token(token)
        assert user is not None
        assert user.username == "anna"
        assert restored.accounts.authenticate("bert", PASSWORD) is not None
        assert git(new.repo, "fsck", "--full", "--no-dangling") == ""
        # It goes on where the old one stopped: new numbers, new ids.
        proposal = restored.proposals.create(user, "Nog een", "Meer.", [(PAGE, "# Anders\n")])
        assert proposal.id == max(p.id for p in old_site.proposals.listing()) + 1
    finally:
        restored.close()


def test_a_restore_refuses_to_overwrite_data_unless_forced(
    instances: tuple[Settings, Settings], old_site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(old_site)
    folder = tmp_path / "backup"
    old, new = instances
    backup.backup(old, folder)
    with pytest.raises(BadInput, match="not empty"):
        backup.backup(old, folder)  # never over another backup
    args = ["restore", str(folder), "--repo", str(old.repo), "--database", old.database_url]
    assert main(args) == 1
    assert "already holds accounts" in capsys.readouterr().err
    head = old_site.repo.head()
    # Into a new database but onto an existing repository: refused too, before anything changed.
    assert main(["restore", str(folder), "--repo", str(old.repo), "--database", new.database_url]) == 1
    assert "exists already" in capsys.readouterr().err
    assert old_site.repo.head() == head
    (folder / backup.BUNDLE).write_bytes(b"not a bundle")
    assert main(["restore", str(folder), "--repo", str(new.repo), "--database", new.database_url]) == 1
    assert "damaged" in capsys.readouterr().err
    assert not new.repo.exists()


def test_a_forced_restore_replaces_what_was_there(
    instances: tuple[Settings, Settings], old_site: Site, tmp_path: Path
) -> None:
    _fill(old_site)
    old, new = instances
    before = _state(old_site)
    backup.backup(old, tmp_path / "backup")
    other = open_site(new)
    other.accounts.add_user("iemand", PASSWORD, Role.EDITOR)
    other.close()
    with pytest.raises(BadInput):
        backup.restore(new, tmp_path / "backup")
    backup.restore(new, tmp_path / "backup", force=True)
    restored = open_site(new)
    try:
        assert _state(restored) == before
    finally:
        restored.close()


def test_a_backup_taken_while_saves_run_restores_every_save_acknowledged_before_it(
    instances: tuple[Settings, Settings], old_site: Site, tmp_path: Path
) -> None:
    author = Author("Schrijver", "s@users.wiki.invalid")
    anna = old_site.accounts.add_user("anna", PASSWORD, Role.EDITOR)
    saved: list[str] = []
    commented: list[str] = []
    started = threading.Event()
    stop = threading.Event()
    errors: list[BaseException] = []

    def save_pages() -> None:
        try:
            number = 0
            while not stop.is_set():
                result = old_site.pages.save(
                    EditRequest(f"tijdens-{number}", f"# Tijdens {number}\n", None, "", author)
                )
                saved.append(result.revision)
                number += 1
                if number == 5:
                    started.set()
        except BaseException as error:  # reported below
            errors.append(error)
            started.set()

    def comment() -> None:
        try:
            number = 0
            while not stop.is_set():
                old_site.discussion.add(f"page:{PAGE}", anna, f"Opmerking {number}")
                commented.append(f"Opmerking {number}")
                number += 1
        except BaseException as error:  # reported below
            errors.append(error)

    writers = [threading.Thread(target=save_pages), threading.Thread(target=comment)]
    for writer in writers:
        writer.start()
    started.wait()
    acknowledged, comments = list(saved), list(commented)
    try:
        backup.backup(instances[0], tmp_path / "backup")
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert errors == []
    assert len(saved) > len(acknowledged) >= 5  # saves went on while the backup ran
    backup.restore(instances[1], tmp_path / "backup")
    restored = open_site(instances[1])
    try:
        assert git(instances[1].repo, "fsck", "--full", "--no-dangling") == ""
        history = set(git(instances[1].repo, "log", "--format=%H", "main").split())
        assert set(acknowledged) <= history
        bodies = {c.body for c in restored.database.comments(f"page:{PAGE}")}
        assert set(comments) <= bodies
        for page in restored.pages.list_pages():  # every page the index lists can be read
            restored.pages.get(page.path)
    finally:
        restored.close()


def test_every_bundle_taken_while_main_moves_holds_main(site: Site, tmp_path: Path) -> None:
    """Why: ``git bundle create --all`` walks the history, then reads each ref again and leaves
    out one that moved meanwhile; a save during a backup dropped main from the bundle, and
    with no other ref git refused "to create empty bundle" (a fifth of these bundles did)."""
    author = Author("Schrijver", "s@users.wiki.invalid")
    for number in range(100):  # a history long enough for saves to land during the walk
        site.pages.save(EditRequest(f"vooraf-{number}", f"# Vooraf {number}\n", None, "", author))
    stop = threading.Event()
    errors: list[BaseException] = []

    def save_pages() -> None:
        number = 0
        try:
            while not stop.is_set():
                site.pages.save(EditRequest(f"tijdens-{number}", f"# Tijdens {number}\n", None, "", author))
                number += 1
        except BaseException as error:  # reported below
            errors.append(error)

    saver = threading.Thread(target=save_pages)
    saver.start()
    try:
        bundles = [site.repo.bundle(tmp_path / f"{number}.bundle") for number in range(20)]
    finally:
        stop.set()
        saver.join()
    assert errors == []
    assert all("refs/heads/main" in refs for refs in bundles)
    assert len({refs["refs/heads/main"] for refs in bundles}) > 1  # main moved while they were taken
