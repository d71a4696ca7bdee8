"""The change stream: every write reports exactly one change with the right fields, commits from
elsewhere are reported once as the index takes them in, and nothing is reported twice."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, git
from tests.test_replicas import open_replica, remote  # noqa: F401 (fixtures)
from wiki.errors import DiskFull
from wiki.models import Author, CommitRecord, Role, User
from wiki.services.accounts import commit_author
from wiki.services.pages import EditRequest
from wiki.services.site import Site
from wiki.store.changes import Change, ChangeKind, Origin
from wiki.store.committer import Plan

AUTHOR = Author("Bea Redacteur", "bea@users.wiki.invalid")
PAGE = "neem-initiatief"


@pytest.fixture
def heard(site: Site) -> Iterator[list[Change]]:
    """Why: what a subscriber to the site's change stream receives."""
    changes: list[Change] = []
    unsubscribe = site.changes.subscribe(changes.append)
    yield changes
    unsubscribe()


@pytest.fixture
def people(site: Site) -> dict[str, User]:
    """Why: proposals need an author, an editor and a maintainer."""
    return {
        name: site.accounts.add_user(name, PASSWORD, role, display_name=name.title())
        for name, role in [("auteur", Role.CONTRIBUTOR), ("beheerder", Role.MAINTAINER)]
    }


def append(site: Site, name: str, line: str, author: Author = AUTHOR) -> str:
    page, _ = site.pages.get(name)
    return site.pages.save(EditRequest(name, page.text + f"\n{line}\n", page.revision, line, author)).revision


def one(heard: list[Change]) -> Change:
    """The single change heard since the last call (and forget it)."""
    assert len(heard) == 1, heard
    return heard.pop()


def test_an_edit_and_a_new_page_each_report_one_change(site: Site, heard: list[Change]) -> None:
    revision = append(site, PAGE, "Een zin erbij.")
    change = one(heard)
    assert (change.kind, change.pages, change.revision, change.origin) == (ChangeKind.EDIT, (PAGE,), revision, "wiki")
    assert (change.actor, change.actor_email, change.ref, change.proposal) == (
        "Bea Redacteur",
        "bea@users.wiki.invalid",
        "refs/heads/main",
        None,
    )
    assert change.message == "Een zin erbij."
    created = site.pages.save(EditRequest("team/nieuw", "# Nieuw\n", None, "", AUTHOR))
    assert (one(heard).kind, created.created) == (ChangeKind.CREATE, True)


def test_an_unchanged_save_reports_nothing(site: Site, heard: list[Change]) -> None:
    page, _ = site.pages.get(PAGE)
    assert not site.pages.save(EditRequest(PAGE, page.text, page.revision, "", AUTHOR)).changed
    assert heard == []


def test_restore_undo_rename_delete_and_undelete_each_report_their_kind(site: Site, heard: list[Change]) -> None:
    second = append(site, PAGE, "Tweede.")
    heard.clear()
    undone = site.pages.undo(PAGE, second, AUTHOR)
    assert (one(heard).kind, undone.changed) == (ChangeKind.UNDO, True)
    site.pages.restore(PAGE, second, AUTHOR)
    assert one(heard).kind == ChangeKind.RESTORE
    renamed = site.pages.rename(PAGE, "initiatief", AUTHOR)
    change = one(heard)
    assert (change.kind, change.pages, change.revision) == (ChangeKind.RENAME, (PAGE, "initiatief"), renamed.revision)
    site.pages.delete("initiatief", AUTHOR)
    assert (one(heard).kind, site.index.get("initiatief")) == (ChangeKind.DELETE, None)
    site.pages.undelete("initiatief", AUTHOR)
    change = one(heard)
    assert (change.kind, change.pages) == (ChangeKind.UNDELETE, ("initiatief",))


def test_a_save_through_the_api_reports_one_change(
    client: TestClient, auth: Auth, site: Site, heard: list[Change]
) -> None:
    headers = auth.token(Role.EDITOR)
    current = client.get(f"/api/pages/{PAGE}").json()
    body = {"body": current["body"] + "\nVia de API.\n", "base_revision": current["revision"]}
    response = client.put(f"/api/pages/{PAGE}", headers=headers, json=body)
    change = one(heard)
    assert (change.kind, change.revision, change.actor) == (ChangeKind.EDIT, response.json()["revision"], "Editor Een")
    created = client.put("/api/pages/via-api", headers=headers, json={"body": "# Via API\n"})
    assert (one(heard).kind, created.status_code) == (ChangeKind.CREATE, 201)


def test_every_step_of_a_proposal_reports_one_change(site: Site, heard: list[Change], people: dict[str, User]) -> None:
    author, maintainer = people["auteur"], people["beheerder"]
    text = site.pages.get(PAGE)[0].text
    proposal = site.proposals.create(author, "Voorbeeld", "", [(PAGE, text + "\nVoorbeeld.\n")])
    change = one(heard)
    assert (change.kind, change.pages, change.proposal) == (ChangeKind.PROPOSAL_CREATED, (PAGE,), proposal.id)
    assert (change.revision, change.actor, change.actor_email) == (
        proposal.head_revision,
        "Auteur",
        commit_author(author).email,
    )
    revised = site.proposals.revise(
        proposal.id, author, [(PAGE, text + "\nBeter.\n"), ("nieuw", "# Nieuw\n")], "beter", proposal.head_revision
    )
    change = one(heard)
    assert (change.kind, change.pages, change.revision) == (
        ChangeKind.PROPOSAL_REVISED,
        (PAGE, "nieuw"),
        revised.head_revision,
    )
    append(site, "over", "Ondertussen op main.")
    heard.clear()
    updated = site.proposals.update(proposal.id, author)
    change = one(heard)
    assert (change.kind, change.revision, change.pages) == (
        ChangeKind.PROPOSAL_UPDATED,
        updated.head_revision,
        (PAGE, "nieuw"),
    )
    site.proposals.accept(proposal.id, maintainer, "Goed", updated.head_revision)
    change = one(heard)
    assert (change.kind, change.revision, change.ref) == (
        ChangeKind.PROPOSAL_ACCEPTED,
        site.repo.head(),
        "refs/heads/main",
    )
    site.pages.refresh()  # the merge was taken in by the index already: nothing new to report
    assert heard == []


def test_declining_and_withdrawing_report_one_change_each(
    site: Site, heard: list[Change], people: dict[str, User]
) -> None:
    author, maintainer = people["auteur"], people["beheerder"]
    text = site.pages.get(PAGE)[0].text
    first = site.proposals.create(author, "A", "", [(PAGE, text + "\na\n")])
    second = site.proposals.create(author, "B", "", [(PAGE, text + "\nb\n")])
    heard.clear()
    site.proposals.decline(first.id, maintainer, "Nee")
    change = one(heard)
    assert (change.kind, change.proposal, change.actor) == (ChangeKind.PROPOSAL_DECLINED, first.id, "Beheerder")
    site.proposals.withdraw(second.id, author, "Toch niet")
    change = one(heard)
    assert (change.kind, change.proposal, "Toch niet" in change.message) == (
        ChangeKind.PROPOSAL_WITHDRAWN,
        second.id,
        True,
    )


def test_naming_a_version_reports_one_change(site: Site, heard: list[Change]) -> None:
    version = site.versions.name_current("Versie 1.0", AUTHOR)
    change = one(heard)
    assert (change.kind, change.version, change.revision, change.ref) == (
        ChangeKind.VERSION_NAMED,
        "versie-1.0",
        version.revision,
        "refs/tags/versie-1.0",
    )


def test_a_commit_made_with_git_outside_the_wiki_is_reported_once(
    site: Site, heard: list[Change], tmp_path: Path
) -> None:
    work = tmp_path / "werk"
    subprocess.run(["git", "clone", "--quiet", str(site.settings.repo), str(work)], check=True)
    (work / f"{PAGE}.md").write_text((work / f"{PAGE}.md").read_text() + "\nVan buiten.\n")
    (work / "buiten.md").write_text("# Buiten\n")
    identity = ["-c", "user.name=Buiten Staander", "-c", "user.email=buiten@example.org"]
    subprocess.run(["git", "-C", str(work), *identity, "commit", "--quiet", "-am", "van buiten"], check=True)
    subprocess.run(["git", "-C", str(work), "add", "buiten.md"], check=True)
    subprocess.run(["git", "-C", str(work), *identity, "commit", "--quiet", "-m", "nieuw van buiten"], check=True)
    subprocess.run(["git", "-C", str(work), "push", "--quiet", "origin", "HEAD:main"], check=True)
    site.pages.refresh()
    assert [(c.kind, c.pages, c.actor, c.origin) for c in heard] == [
        (ChangeKind.EDIT, (PAGE,), "Buiten Staander", Origin.ELSEWHERE),
        (ChangeKind.CREATE, ("buiten",), "Buiten Staander", Origin.ELSEWHERE),
    ]
    assert heard[-1].revision == git(site.settings.repo, "rev-parse", "main").strip()
    heard.clear()
    site.pages.refresh()
    append(site, PAGE, "En nu weer binnen.")
    assert [change.origin for change in heard] == [Origin.WIKI]


def test_a_refused_compare_and_swap_reports_nothing(site: Site, heard: list[Change]) -> None:
    head = site.repo.head()
    assert head is not None
    append(site, PAGE, "Ertussen.")
    heard.clear()
    stale = Plan.on_top(site.repo.branch, head, {"laat.md": b"# Laat\n"}, author=AUTHOR, message="te laat", note=None)
    with site.pages.committer.writer():
        assert site.pages.committer.commit(stale) is None
    assert heard == []
    assert site.index.get("laat") is None


def test_a_save_the_index_could_not_take_in_is_not_reported_again_later(
    site: Site, heard: list[Change], monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(old: str | None, commit: CommitRecord) -> None:
        raise DiskFull

    with monkeypatch.context() as patched:
        patched.setattr(site.index, "record_commit", full)
        revision = append(site, PAGE, "Bijna vol.")
    assert site.index.indexed_head != revision
    site.pages.refresh()
    assert site.index.indexed_head == revision
    assert [change.revision for change in heard] == [revision]


def test_a_fetch_on_a_replica_reports_the_other_instances_save_once(
    open_replica: Callable[[str], Site],  # noqa: F811 (fixture)
) -> None:
    a, b = open_replica("a"), open_replica("b")
    on_a: list[Change] = []
    on_b: list[Change] = []
    a.changes.subscribe(on_a.append)
    b.changes.subscribe(on_b.append)
    revision = append(a, "over", "Van instantie a.")
    b.replication.sync()
    b.pages.refresh()
    b.pages.refresh()
    assert [(c.revision, c.origin) for c in on_a] == [(revision, Origin.WIKI)]
    assert [(c.revision, c.kind, c.pages, c.origin) for c in on_b] == [
        (revision, ChangeKind.EDIT, ("over",), Origin.ELSEWHERE)
    ]
    mine = append(b, "over", "Van instantie b.")
    assert [(c.revision, c.origin) for c in on_b[1:]] == [(mine, Origin.WIKI)]


def test_a_failing_subscriber_neither_fails_the_save_nor_silences_the_others(site: Site) -> None:
    def broken(change: Change) -> None:
        raise RuntimeError("listener bug")

    later: list[Change] = []
    site.changes.subscribe(broken)
    unsubscribe = site.changes.subscribe(later.append)
    revision = append(site, PAGE, "Toch bewaard.")
    assert site.pages.get(PAGE)[0].revision == revision
    assert [change.revision for change in later] == [revision]
    unsubscribe()
    append(site, PAGE, "Niet meer gehoord.")
    assert len(later) == 1
