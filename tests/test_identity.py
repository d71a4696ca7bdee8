"""One name, one person (issue 14): usernames are ASCII and compared folded, commits are
addressed by account id, erasure touches nobody else, and authorship of proposals is an
account id, so a name that comes back brings no rights with it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from, git
from wiki.errors import BadInput, Forbidden, NameTaken
from wiki.models import Role, User
from wiki.services.account_names import check_new_username, username_allowed
from wiki.services.accounts import AccountService, commit_author
from wiki.services.history import FORMER_AUTHOR
from wiki.services.pages import EditRequest
from wiki.services.proposal_records import RECORDS, is_author
from wiki.services.site import Site
from wiki.store.database import Database

PAGE = "neem-initiatief"
KELVIN = "\u212a"


@pytest.mark.parametrize(
    "name",
    [
        f"victim{KELVIN}",  # KELVIN SIGN: [a-z] with re.IGNORECASE takes it for k
        "\u0131van",  # dotless i, the same under IGNORECASE
        "ro\u017fe",  # long s
        "\uff41nna",  # fullwidth a (NFKC makes it a)
        "\u0430nna",  # Cyrillic a
        "anna\u00e9",  # a letter, but not ASCII
        "anna\u0301b",  # a combining accent
        "an na",
        "anna\n",
        "an\u200bna",
        "_anna",
        "anna-",
        "ab",
        "a" * 41,
    ],
)
def test_new_usernames_are_ascii_letters_digits_and_dot_dash_underscore(name: str) -> None:
    with pytest.raises(BadInput):
        check_new_username(name)
    assert not username_allowed(name)


@pytest.mark.parametrize(
    "name",
    [
        *("wiki", "WIKI", "Admin", "administrator", "Maintainer", "beheer", "system", "root", "Anonymous"),
        *("anoniem", "support", "noreply", "no-reply", "former.participant", "voormalig-deelnemer"),
        *("principles-wiki", "u12", "U77"),
    ],
)
def test_reserved_usernames_are_refused_in_any_case(name: str) -> None:
    with pytest.raises(BadInput, match="reserved"):
        check_new_username(name)


@pytest.mark.parametrize("name", ["anna", "Bert.Jansen", "dirk-1", "a_b", "x99", "u12a", "wikipedia-fan"])
def test_ordinary_usernames_pass(name: str) -> None:
    assert check_new_username(name) == name


def test_sign_up_refuses_a_look_alike_with_a_clear_message(site: Site) -> None:
    site.accounts.add_user("victimk", PASSWORD, Role.CONTRIBUTOR, display_name="Echte Victim")
    with pytest.raises(BadInput, match="letters a-z"):
        site.accounts.sign_up(f"victim{KELVIN}", "Nep", "nep@example.org", PASSWORD, "open")
    assert [user.username for user, _waiting in site.accounts.users()] == ["victimk"]


def test_the_database_compares_usernames_folded_on_both_backends(opened: Callable[[], Database]) -> None:
    db = opened()
    first = db.add_user("victimk", "Victim", "", "contributor", "x")
    # Past the service's check (an older release, a script): the folded key still refuses it.
    for look_alike in (f"victim{KELVIN}", "VICTIMK", "Victimk"):
        with pytest.raises(NameTaken, match="username"):
            db.add_user(look_alike, f"Ander {look_alike}", "", "contributor", "x")
    found = db.user_by_name(f"VICTIM{KELVIN}")
    assert found is not None
    assert found.id == first


def _legacy_look_alike(db: Database, username: str, display_name: str) -> int:
    """An account an older release let in: a look-alike of an existing name, without a folded key."""
    with db.backend.transaction() as transaction:
        row = transaction.execute(
            "INSERT INTO users (id, username, display_name, display_fold, email, role, password_hash, created)"
            " VALUES ((SELECT max(id) + 1 FROM users), ?, ?, ?, '', 'editor', 'x', ?) RETURNING id",
            (username, display_name, display_name.casefold(), time.time()),
        ).fetchone()
    return int(row[0])


def test_a_look_alike_account_never_shares_the_real_persons_identity(site: Site) -> None:
    real = site.accounts.add_user("victimk", PASSWORD, Role.EDITOR, display_name="Victim")
    fake_id = _legacy_look_alike(site.accounts.db, f"victim{KELVIN}", "Victim Nep")
    fake = site.accounts.get_user(f"victim{KELVIN}")
    assert fake.id == fake_id
    assert site.accounts.get_user("victimk").id == real.id
    assert commit_author(real).email != commit_author(fake).email
    assert commit_author(real).email == f"u{real.id}@users.wiki.invalid"

    for user, line in ((real, "Van de echte."), (fake, "Van de nep.")):
        page, _blob = site.pages.get(PAGE)
        site.pages.save(EditRequest(PAGE, page.text + f"\n{line}\n", page.revision, line, commit_author(user)))
    log = git(site.settings.repo, "log", "-2", "--format=%an <%ae>").split("\n")
    assert log[:2] == [f"Victim Nep <u{fake.id}@users.wiki.invalid>", f"Victim <u{real.id}@users.wiki.invalid>"]

    # Erasing the look-alike leaves the real person's history alone.
    with site.accounts.db.backend.transaction() as transaction:  # its password was never set through the service
        transaction.execute("UPDATE users SET password_hash = ? WHERE id = ?", (site.accounts._hash(PASSWORD), fake.id))
    # An account from before the rule keeps working: it signs in under its own name.
    signed_in = site.accounts.authenticate(f"victim{KELVIN}", PASSWORD)
    assert signed_in is not None
    assert signed_in.id == fake.id
    site.accounts.delete_account(fake, PASSWORD)
    authors = [change.author for change in site.history.recent_changes(limit=2).items]
    assert authors == [FORMER_AUTHOR, "Victim"]
    assert site.accounts.get_user("victimk").id == real.id


def test_an_erased_username_stays_unavailable_and_only_a_keyed_hash_is_kept(site: Site) -> None:
    anna = site.accounts.add_user("anna.b", PASSWORD, Role.CONTRIBUTOR, display_name="Anna B")
    site.accounts.delete_account(anna, PASSWORD)
    for again in ("anna.b", "Anna.B", "ANNA.B"):
        with pytest.raises(NameTaken):
            site.accounts.sign_up(again, "Iemand Anders", "x@example.org", PASSWORD, "open")
    with site.accounts.db.backend.transaction() as transaction:
        rows = transaction.execute("SELECT digest FROM erased_usernames").fetchall()
    assert len(rows) == 1
    assert "anna" not in str(rows[0][0]).lower()
    # The hash is keyed: a list of guessed names hashed without the wiki's secret finds nothing.
    import hashlib  # noqa: PLC0415

    assert str(rows[0][0]) != hashlib.sha256(b"anna.b").hexdigest()


def test_account_ids_are_never_given_again_after_an_erasure(site: Site) -> None:
    accounts = site.accounts
    last = accounts.add_user("laatste", PASSWORD, Role.CONTRIBUTOR, display_name="Laatste")
    accounts.delete_account(last, PASSWORD)
    newcomer = accounts.add_user("nieuwkomer", PASSWORD, Role.CONTRIBUTOR, display_name="Nieuwkomer")
    assert newcomer.id > last.id
    assert commit_author(newcomer).email not in accounts.former_authors()


def _people(site: Site) -> tuple[User, User]:
    author = site.accounts.add_user("schrijver", PASSWORD, Role.CONTRIBUTOR, display_name="Schrijver")
    other = site.accounts.add_user("ander", PASSWORD, Role.CONTRIBUTOR, display_name="Ander")
    return author, other


def test_proposal_records_name_the_account_id_not_the_username(site: Site) -> None:
    author, other = _people(site)
    page, _blob = site.pages.get(PAGE)
    proposal = site.proposals.create(author, "Korter", "", [(PAGE, page.text + "\nKorter.\n")])
    record_ref = site.repo.ref(f"{RECORDS}{proposal.id}")
    assert record_ref is not None
    stored = git(site.settings.repo, "show", f"{record_ref}:proposal.json")
    assert f'"author_id": {author.id}' in stored
    assert "schrijver" not in stored  # the username is not in the clone
    assert is_author(author, proposal.record)
    assert not is_author(other, proposal.record)
    with pytest.raises(Forbidden):
        site.proposals.withdraw(proposal.id, other)


def test_an_erased_authors_proposals_are_nobodys_and_their_name_cannot_come_back(site: Site) -> None:
    author, _other = _people(site)
    page, _blob = site.pages.get(PAGE)
    proposal = site.proposals.create(author, "Korter", "", [(PAGE, page.text + "\nKorter.\n")])
    site.accounts.delete_account(author, PASSWORD)
    with pytest.raises(NameTaken):
        site.accounts.sign_up("schrijver", "Schrijver Twee", "s@example.org", PASSWORD, "open")
    shown = site.proposals.get(proposal.id).record
    assert shown.author == FORMER_AUTHOR
    # Even an account under the same name (made before names were kept) is not its author.
    lookalike_id = _legacy_look_alike(site.accounts.db, "Schrijver", "Schrijver Drie")
    lookalike = site.accounts.get_user("Schrijver")
    assert lookalike.id == lookalike_id
    assert not is_author(lookalike, shown)
    with pytest.raises(Forbidden):
        site.proposals.withdraw(proposal.id, lookalike)


def test_an_older_record_with_only_a_username_is_read_through_the_identities(site: Site) -> None:
    author, other = _people(site)
    page, _blob = site.pages.get(PAGE)
    proposal = site.proposals.create(author, "Korter", "", [(PAGE, page.text + "\nKorter.\n")])
    accounts: AccountService = site.accounts
    with accounts.db.backend.transaction() as transaction:  # what the migration made of the old address
        transaction.execute(
            "INSERT INTO identities (commit_email, user_id) VALUES (?, ?)", ("schrijver@users.wiki.invalid", author.id)
        )
    old = replace(proposal.record, author_id=None, author_username="schrijver")
    record_ref = site.repo.ref(f"{RECORDS}{proposal.id}")
    with site.repo.writer():
        site.proposals._write_record(old, record_ref, "oud record", commit_author(author), None)
    read = site.proposals.get(proposal.id).record
    assert read.author_id == author.id
    assert is_author(author, read)
    assert not is_author(other, read)
    # Erasing the author marks the old address too: the record shows the neutral name.
    site.accounts.delete_account(author, PASSWORD)
    assert "schrijver@users.wiki.invalid" in accounts.former_authors()
    assert site.proposals.get(proposal.id).record.author == FORMER_AUTHOR


def test_maintainers_see_which_existing_usernames_break_the_rule(client: TestClient, auth: Auth, site: Site) -> None:
    _legacy_look_alike(site.accounts.db, f"victim{KELVIN}", "Victim Nep")
    _legacy_look_alike(site.accounts.db, "admin", "Oude Beheerder")
    auth.sign_in(Role.MAINTAINER)
    page = client.get("/admin/accounts", headers={"Accept-Language": "nl"})
    assert page.status_code == 200
    notice = page.text[page.text.index("Deze gebruikersnamen mochten") :]
    notice = notice[: notice.index("</ul>")]
    assert f"victim{KELVIN}" in notice
    assert "<strong>admin</strong>" in notice
    assert "maintainer1" not in notice
    # The old accounts keep working: a maintainer can still act on them.
    response = client.post(
        f"/admin/accounts/victim{KELVIN}",
        data={"csrf_token": csrf_from(page.text), "action": "disable"},
    )
    assert response.status_code == 303
    assert site.accounts.get_user(f"victim{KELVIN}").disabled
    assert not site.accounts.get_user("maintainer1").disabled


def test_the_privacy_page_says_what_a_copy_keeps_after_an_erasure(client: TestClient) -> None:
    dutch = client.get("/privacy", headers={"Accept-Language": "nl"}).text
    assert "ook een kopie die is gemaakt nadat je je account verwijderde" in dutch
    assert "u12@users.wiki.invalid" in dutch
    assert "niet terug te lezen" in dutch  # only a keyed hash of the username
    english = client.get("/privacy", headers={"Accept-Language": "en"}).text
    assert "also copies made after you deleted your account" in english
    assert "Copies of the history made before keep your chosen name" not in english
