"""One display name, one person: names are unique up to case, accents and spacing, on both
backends and under concurrent sign-ups; accounts that shared a name before stay usable and
are told apart by their username."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from
from tests.test_cli import run
from wiki.errors import BadInput, NameTaken
from wiki.models import Role
from wiki.services.accounts import commit_author
from wiki.services.gittexts import wiki_author_names
from wiki.services.history import FORMER_AUTHOR
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.store.database import Database, open_database
from wiki.store.display_names import fold_display_name

NL_CATALOG = Path(__file__).resolve().parent.parent / "wiki" / "locale" / "nl" / "LC_MESSAGES" / "messages.po"


def add(db: Database, username: str, display_name: str) -> int:
    return db.add_user(username, display_name, f"{username}@example.nl", "editor", "hash")


def test_names_fold_without_case_accents_width_or_extra_spaces() -> None:
    folded = {
        fold_display_name(name)
        for name in (
            "Anna de Vries",
            "anna  DE vriés",
            "\uff21\uff4e\uff4e\uff41 de Vries ",
            "ANNA\tde\u00a0Vries",
        )  # full width, tab, no-break space
    }
    assert folded == {"anna de vries"}
    assert fold_display_name("Anna de Vries") != fold_display_name("Anna de Vries-Bakker")


def test_a_display_name_someone_has_is_refused_in_any_spelling(opened: Callable[[], Database]) -> None:
    db = opened()
    add(db, "anna", "Anna de Vries")
    for spelling in ("Anna de Vries", "anna de vriés", "ANNA  DE VRIES"):
        with pytest.raises(NameTaken, match="Someone else already uses the name"):
            add(db, "anna2", spelling)
    with pytest.raises(NameTaken, match="The username 'ANNA' is taken"):
        add(db, "ANNA", "Iemand Anders")
    bob = add(db, "bob", "Bob")
    with pytest.raises(NameTaken):
        db.update_user(bob, display_name="Anna de Vriës")
    shown = db.user_by_id(bob)
    assert shown is not None
    assert shown.display_name == "Bob"  # the refused change changed nothing
    db.update_user(bob, display_name="BOB")  # one's own name in another case is fine
    assert [user.display_name for user in db.users()] == ["Anna de Vries", "BOB"]


def test_two_sign_ups_at_once_with_one_name_give_one_account(opened: Callable[[], Database]) -> None:
    databases = [opened(), opened()]  # two replicas sharing the store
    start = threading.Barrier(len(databases) * 4)
    outcomes: list[str] = []

    def sign_up(db: Database, number: int) -> None:
        start.wait()
        try:
            add(db, f"anna{number}", f"Anna de Vries{' ' * (number % 3)}")
            outcomes.append("created")
        except NameTaken:
            outcomes.append("refused")

    threads = [threading.Thread(target=sign_up, args=(databases[n % 2], n)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["refused"] * 7
    assert len(databases[0].users()) == 1


def _make_old_duplicates(db: Database, names: list[tuple[str, str]]) -> None:
    """Accounts as a database from before the rule holds them: the same name twice."""
    with db.backend.transaction() as transaction:
        transaction.execute("DROP INDEX users_display_fold")
        transaction.execute("ALTER TABLE users DROP COLUMN display_duplicate")
        transaction.execute("ALTER TABLE users DROP COLUMN display_fold")
        for username, display_name in names:
            transaction.execute(
                "INSERT INTO users (username, display_name, email, role, password_hash, pending, created)"
                " VALUES (?, ?, '', 'editor', 'hash', 0, 0)",
                (username, display_name),
            )


def test_accounts_that_shared_a_name_keep_working_and_are_told_apart(opened: Callable[[], Database]) -> None:
    _make_old_duplicates(opened(), [("anna", "Anna de Vries"), ("avries", "anna de vries"), ("bob", "Bob")])
    db = opened()  # opening migrates
    anna, avries, bob = (db.user_by_name(name) for name in ("anna", "avries", "bob"))
    assert anna is not None
    assert avries is not None
    assert bob is not None
    for user in (anna, avries, bob):
        db.add_comment("proposal:1", user.id, f"Van {user.username}")
        db.set_support(1, user.id, True)
    assert [comment.author for comment in db.comments("proposal:1")] == [
        "Anna de Vries (anna)",
        "anna de vries (avries)",
        "Bob",
    ]
    assert [row.name for row in db.supporters(1)] == ["Anna de Vries (anna)", "anna de vries (avries)", "Bob"]
    with pytest.raises(NameTaken):
        add(db, "anna3", "Anna de Vries")

    # The first holder leaves: the other still holds the name, so no newcomer takes it.
    db.delete_user(anna.id)
    with pytest.raises(NameTaken):
        add(db, "anna3", "ANNA DE VRIES")
    assert [comment.author for comment in db.comments("proposal:1")] == ["anna de vries", "Bob"]
    db.update_user(avries.id, display_name="Anna de Vries")  # its own name, another case
    db.update_user(avries.id, display_name="Anna de Vries-Bakker")
    assert add(db, "anna3", "Anna de Vries") > 0  # now nobody has it


def test_reserved_names_are_refused_to_people(site: Site) -> None:
    with NL_CATALOG.open("rb") as handle:
        dutch = read_po(handle).get(FORMER_AUTHOR)
    assert dutch is not None
    reserved = [
        *sorted(wiki_author_names()),
        "principles WIKI",
        FORMER_AUTHOR,
        str(dutch.string),
        "Voormalig  Deelnemer",
    ]
    for name in reserved:
        with pytest.raises(BadInput, match="is reserved"):
            site.accounts.add_user("iemand", PASSWORD, Role.EDITOR, display_name=name)
    user = site.accounts.add_user("iemand", PASSWORD, Role.EDITOR, display_name="Iemand")
    with pytest.raises(BadInput, match="is reserved"):
        site.accounts.change_display_name(user, "Voormalig deelnemer")
    assert site.accounts.get_user("iemand").display_name == "Iemand"


def test_the_command_line_refuses_a_taken_display_name(
    site: Site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site.accounts.add_user("anna", PASSWORD, Role.EDITOR, display_name="Anna de Vries")
    db = ["--database", site.settings.database_url]
    argv = ["user", "add", "anna2", "--role", "editor", "--display-name", "Anna de Vriës", *db]
    assert run(monkeypatch, *argv, stdin=PASSWORD + "\n") == 1
    assert "Someone else already uses the name 'Anna de Vriës'" in capsys.readouterr().err
    assert [user.username for user, _ in site.accounts.users()] == ["anna"]


def _sign_up(client: TestClient, username: str, display_name: str) -> str:
    token = csrf_from(client.get("/signup").text)
    data = {
        "csrf_token": token,
        "username": username,
        "display_name": display_name,
        "email": f"{username}@example.nl",
        "password": PASSWORD,
    }
    response = client.post("/signup", data=data)
    assert response.status_code == 409
    return html.unescape(response.text)


def test_sign_up_tells_in_dutch_which_name_is_taken(client: TestClient, site: Site) -> None:
    site.accounts.add_user("anna", PASSWORD, Role.CONTRIBUTOR, display_name="Anna de Vries")
    assert "De gebruikersnaam 'Anna' is al in gebruik." in _sign_up(client, "Anna", "Anna Jansen")
    assert "Iemand anders gebruikt de naam 'anna de vries' al." in _sign_up(client, "anna2", "anna de vries")
    client.cookies.set("wiki_lang", "en")
    assert "The username 'Anna' is taken." in _sign_up(client, "Anna", "Anna Jansen")
    assert [user.username for user, _ in site.accounts.users()] == ["anna"]


def test_a_name_change_to_a_taken_name_is_refused_in_dutch(client: TestClient, auth: Auth, site: Site) -> None:
    site.accounts.add_user("anna", PASSWORD, Role.CONTRIBUTOR, display_name="Anna de Vries")
    user = auth.sign_in(Role.CONTRIBUTOR)
    token = csrf_from(client.get("/account").text)
    response = client.post("/account", data={"csrf_token": token, "action": "name", "display_name": "Anna de Vriës"})
    assert response.status_code == 409
    assert "Iemand anders gebruikt de naam 'Anna de Vriës' al." in html.unescape(response.text)
    assert site.accounts.get_user(user.username).display_name == "Contributor Een"


def test_history_changes_and_blame_tell_apart_two_accounts_of_one_name(client: TestClient, site: Site) -> None:
    """Edits carry only a display name; when two accounts from before names had to be unique
    share it, the history shows whose edit each was, and stops once one of them renames."""
    _make_old_duplicates(
        open_database(site.settings.database_url), [("anna", "Anna de Vries"), ("avries", "anna de vries")]
    )
    open_database(site.settings.database_url).close()  # opening migrates
    page = "bepaal-je-eigen-grenzen"
    revisions = {}
    for username in ("anna", "avries"):
        user = site.accounts.get_user(username)
        current = site.pages.get(page)[0]
        text = current.text + f"\nAlinea van {username}.\n"
        request = EditRequest(page, text, current.revision, f"Door {username}", commit_author(user))
        revisions[username] = site.pages.save(request).revision
    shown = {"anna": "Anna de Vries (anna)", "avries": "anna de vries (avries)"}
    history = html.unescape(client.get(f"/history/{page}").text)
    changes = html.unescape(client.get("/changes").text)
    blame = html.unescape(client.get(f"/blame/{page}").text)
    for username, name in shown.items():
        assert name in history
        assert name in changes
        assert name in blame
        assert name in html.unescape(client.get(f"/change/{revisions[username]}").text)

    # One of them takes another name: the old name is no longer shared, kept pages included.
    site.accounts.change_display_name(site.accounts.get_user("avries"), "Anna Bakker")
    history = html.unescape(client.get(f"/history/{page}").text)
    assert "(anna)" not in history
    assert "(avries)" not in history
