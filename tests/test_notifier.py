"""The notifier: people who watch something are told when it changes, once, and never of
their own actions or of the past."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, git
from wiki.config import Settings
from wiki.models import Role, User
from wiki.services.accounts import commit_author
from wiki.services.discussion import page_target, proposal_target
from wiki.services.pages import EditRequest
from wiki.services.site import Site, open_site
from wiki.store.changes import Change, ChangeKind, Origin
from wiki.store.notifications import NotificationRow

PAGE = "neem-initiatief"


@pytest.fixture
def people(site: Site) -> dict[str, User]:
    """Why: notifications are between people: Anna watches, Bert and Cor act."""
    return {
        name: site.accounts.add_user(name, PASSWORD, Role.EDITOR, f"{name}@example.nl", name.title())
        for name in ("anna", "bert", "cor")
    }


def edit(site: Site, user: User, name: str = PAGE, extra: str = "Nog een zin.") -> str:
    page = site.pages.get(name)[0]
    result = site.pages.save(EditRequest(name, page.text + f"\n{extra}\n", page.revision, "", commit_author(user)))
    assert result.revision
    return result.revision


def told(site: Site, user: User) -> list[NotificationRow]:
    site.notifier.settle()
    return site.database.notifications(user.id)


def test_a_watcher_is_told_of_an_edit_and_the_editor_is_not(site: Site, people: dict[str, User]) -> None:
    site.database.watch(people["anna"].id, "page", PAGE)
    revision = edit(site, people["bert"])
    [notification] = told(site, people["anna"])
    assert (notification.kind, notification.subject, notification.actor) == ("edit", f"page:{PAGE}", "Bert")
    assert notification.data["revision"] == revision
    assert not notification.seen
    assert told(site, people["bert"]) == []
    assert told(site, people["cor"]) == []  # watches nothing


def test_people_watch_what_they_edit_unless_they_turned_that_off(site: Site, people: dict[str, User]) -> None:
    edit(site, people["bert"])
    site.database.update_user(people["cor"].id, auto_watch=False)
    edit(site, people["cor"], extra="Van Cor.")
    edit(site, people["anna"], extra="Van Anna.")
    assert [n.actor for n in told(site, people["bert"])] == ["Anna", "Cor"]
    assert told(site, people["cor"]) == []
    assert site.database.watches(people["bert"].id) == [("page", PAGE)]


def test_wide_watches_hear_of_every_page_and_every_proposal(site: Site, people: dict[str, User]) -> None:
    site.database.watch(people["anna"].id, "principles", "")
    site.database.watch(people["cor"].id, "proposals", "")
    edit(site, people["bert"], name="over")
    proposal = site.proposals.create(people["bert"], "Voorbeeld", "Omdat.", [(PAGE, "Nieuwe tekst.\n")])
    assert [(n.kind, n.subject) for n in told(site, people["anna"])] == [("edit", "page:over")]
    assert [(n.kind, n.subject) for n in told(site, people["cor"])] == [("proposal_created", f"proposal:{proposal.id}")]


def test_comments_tell_watchers_and_mentioned_people_once(site: Site, people: dict[str, User]) -> None:
    site.database.watch(people["bert"].id, "page", PAGE)
    site.database.watch(people["anna"].id, "page", PAGE)
    site.discussion.add(page_target(PAGE), people["cor"], "Goed punt, @anna en @Bert. Mail anna@example.nl niet.")
    [for_anna] = told(site, people["anna"])
    [for_bert] = told(site, people["bert"])
    assert (for_anna.kind, for_anna.reason, for_bert.reason) == ("comment", "mention", "mention")
    assert for_anna.comment_id is not None
    assert for_anna.subject == f"page:{PAGE}"
    assert site.database.is_watching(people["cor"].id, "page", PAGE)  # commenters watch


def test_a_mention_reaches_someone_who_watches_nothing(site: Site, people: dict[str, User]) -> None:
    site.discussion.add(page_target("over"), people["bert"], "@cor kijk je even?")
    assert [n.reason for n in told(site, people["cor"])] == ["mention"]
    assert told(site, people["anna"]) == []


def test_supporters_hear_of_a_decision(site: Site, people: dict[str, User]) -> None:
    maintainer = site.accounts.add_user("dora", PASSWORD, Role.MAINTAINER, display_name="Dora")
    proposal = site.proposals.create(people["bert"], "Voorbeeld", "Omdat.", [(PAGE, "Nieuwe tekst.\n")])
    site.discussion.support(proposal.id, people["anna"], supported=True)
    site.notifier.settle()
    site.proposals.accept(proposal.id, maintainer, "Goed voorstel.", proposal.head_revision)
    kinds = [n.kind for n in told(site, people["anna"])]
    assert kinds == ["proposal_accepted"]
    assert [n.kind for n in told(site, people["bert"])] == ["proposal_accepted"]  # the proposer watches it
    assert proposal_target(proposal.id) == told(site, people["bert"])[0].subject


def test_one_commit_heard_twice_is_told_once(site: Site, people: dict[str, User]) -> None:
    site.database.watch(people["anna"].id, "page", PAGE)
    revision = edit(site, people["bert"])
    assert len(told(site, people["anna"])) == 1
    # as another instance taking the same commit in from the shared remote
    site.notifier.heard(
        Change(ChangeKind.EDIT, "Bert", "", (PAGE,), None, None, revision, site.repo.branch, 0, "", Origin.ELSEWHERE)
    )
    assert len(told(site, people["anna"])) == 1


@pytest.fixture
def reopen(settings: Settings) -> Iterator[list[Site]]:
    """Why: a restart, a rebuilt index and a second instance all open the same repository and database."""
    opened: list[Site] = []
    yield opened
    for extra in opened:
        extra.close()


def test_a_rebuilt_index_never_tells_the_past_again(
    site: Site, people: dict[str, User], settings: Settings, reopen: list[Site]
) -> None:
    site.database.watch(people["anna"].id, "page", PAGE)
    edit(site, people["bert"])
    assert len(told(site, people["anna"])) == 1
    site.close()
    (Path(settings.repo) / "wiki" / "index.sqlite3").unlink()
    again = open_site(settings)
    reopen.append(again)
    again.notifier.settle()
    assert len(again.database.notifications(people["anna"].id)) == 1


def test_a_commit_pushed_while_the_wiki_was_down_is_told_at_start_up(
    site: Site, people: dict[str, User], settings: Settings, reopen: list[Site], tmp_path: Path
) -> None:
    site.database.watch(people["anna"].id, "page", PAGE)
    site.close()
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(settings.repo), str(work)], check=True)
    (work / f"{PAGE}.md").write_text((work / f"{PAGE}.md").read_text() + "\nVan buiten.\n")
    for args in (["add", "-A"], ["-c", "user.name=Buiten", "-c", "user.email=b@example.nl", "commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(work), *args], check=True)
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "HEAD"], check=True)
    again = open_site(settings)
    reopen.append(again)
    [notification] = told(again, people["anna"])
    assert (notification.actor, notification.data["origin"]) == ("Buiten", "elsewhere")
    assert notification.data["revision"] == git(settings.repo, "rev-parse", "HEAD").strip()


def test_mail_is_queued_only_for_those_who_want_it_now_when_mail_is_on(
    people: dict[str, User], settings: Settings, reopen: list[Site]
) -> None:
    mailing = open_site(
        dataclasses.replace(settings, smtp_url="smtp://127.0.0.1:1", public_url="https://wiki.example.nl")
    )
    reopen.append(mailing)
    for name, frequency in (("anna", "immediately"), ("cor", "daily")):
        mailing.database.watch(people[name].id, "page", PAGE)
        mailing.database._write("UPDATE users SET mail_frequency = ? WHERE id = ?", (frequency, people[name].id))
    edit(mailing, people["bert"])
    edit(mailing, people["bert"], extra="Nog meer.")
    mailing.notifier.settle()
    rows = mailing.database._rows("SELECT user_id, kind FROM outbox ORDER BY id")
    assert rows == [(people["anna"].id, "event"), (people["anna"].id, "event")]
    assert [n.mailed for n in mailing.database.notifications(people["cor"].id)] == [False, False]


def test_without_mail_nothing_is_queued(site: Site, people: dict[str, User]) -> None:
    site.database.watch(people["anna"].id, "page", PAGE)
    site.database._write("UPDATE users SET mail_frequency = 'immediately' WHERE id = ?", (people["anna"].id,))
    edit(site, people["bert"])
    assert len(told(site, people["anna"])) == 1
    assert site.database._rows("SELECT 1 FROM outbox") == []


def test_new_accounts_get_a_daily_digest(site: Site, people: dict[str, User]) -> None:
    rows = site.database._rows("SELECT DISTINCT mail_frequency FROM users")
    assert rows == [("daily",)]


def test_erasing_an_account_erases_its_watches_and_notifications(site: Site, people: dict[str, User]) -> None:
    site.database.watch(people["anna"].id, "all", "")
    site.discussion.add(page_target(PAGE), people["bert"], "Een opmerking.")
    edit(site, people["bert"])
    assert len(told(site, people["anna"])) == 2
    site.database.delete_user(people["bert"].id)  # the comment goes, and with it its event
    remaining = site.database.notifications(people["anna"].id)
    assert [(n.kind, n.actor) for n in remaining] == [("edit", "")]  # the edit stays, nameless
    site.database.delete_user(people["anna"].id)
    assert site.database._rows("SELECT 1 FROM watches UNION ALL SELECT 1 FROM notifications") == []


def test_who_starts_getting_mail_is_not_mailed_the_past(site: Site, people: dict[str, User]) -> None:
    anna = people["anna"]
    site.database.update_user(anna.id, mail_frequency="never")
    site.database.watch(anna.id, "page", PAGE)
    edit(site, people["bert"])
    assert [n.mailed for n in told(site, anna)] == [False]
    site.database.update_user(anna.id, mail_frequency="daily")
    assert [n.mailed for n in told(site, anna)] == [True]  # told in the wiki, not mailed after all
    edit(site, people["bert"], extra="Later.")
    site.database.update_user(anna.id, mail_frequency="weekly")  # a digest to another: nothing is dropped
    assert [n.mailed for n in told(site, anna)] == [False, True]


def test_the_proposals_watchers_hear_of_a_suggestion_and_the_suggester_of_its_fate(
    site: Site, people: dict[str, User]
) -> None:
    text = site.pages.get(PAGE)[0].text
    proposal = site.proposals.create(people["bert"], "Voorbeeld", "", [(PAGE, text + "\nEen.\n")])
    site.notifier.settle()
    for number, line in enumerate(("Twee", "Drie"), start=1):
        assert site.suggestions.suggest(proposal.id, people["cor"], [(PAGE, text + f"\n{line}.\n")], line, "") == number
    assert [n.kind for n in told(site, people["bert"])] == ["suggestion_made", "suggestion_made"]
    site.suggestions.take_over(proposal.id, 1, people["bert"])
    site.suggestions.decline(proposal.id, 2, people["bert"], "Niet nodig")
    kinds = [n.kind for n in told(site, people["cor"])]  # the suggester watches the proposal since
    assert sorted(kinds) == ["suggestion_declined", "suggestion_taken"]
    assert all(n.subject == proposal_target(proposal.id) for n in told(site, people["cor"]))


def test_a_commit_told_after_a_later_one_is_still_told(site: Site, people: dict[str, User], tmp_path: Path) -> None:
    """Workers of ``wiki serve --workers`` each tell the commits they wrote: the one that wrote
    the later commit may tell it first, and the earlier one must be told all the same."""
    site.database.watch(people["anna"].id, "page", PAGE)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(site.settings.repo), str(clone)], check=True)

    def in_clone(*args: str) -> str:
        return subprocess.run(["git", "-C", str(clone), *args], check=True, capture_output=True, text=True).stdout

    revisions = []
    for line in ("Eerst dit.", "Dan dat."):
        with (clone / f"{PAGE}.md").open("a") as page:
            page.write(f"\n{line}\n")
        in_clone("-c", "user.name=Bert", "-c", "user.email=b@example.nl", "commit", "--quiet", "-am", line)
        revisions.append(in_clone("rev-parse", "HEAD").strip())
    in_clone("push", "--quiet", "origin", "HEAD:main")
    for revision in reversed(revisions):  # the later commit's worker was quicker
        site.notifier.heard(
            Change(ChangeKind.EDIT, "Bert", "", (PAGE,), None, None, revision, site.repo.branch, 0, "", Origin.WIKI)
        )
    assert sorted(n.data["revision"] for n in told(site, people["anna"])) == sorted(revisions)
