"""Names that would delete pages: a folder named like a page's file, a file where a folder
is, and look-alike names that differ only by case, on every route that creates or moves a
page, and in the tree writer itself."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from git.objects.fun import tree_to_stream
from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from, git
from wiki.errors import BadInput, NameTaken, PathClash
from wiki.models import Author, Role
from wiki.names import check_page_name
from wiki.services.site import Site
from wiki.store.git.repository import _tree_data

AUTHOR = Author("Bea Redacteur", "bea@users.wiki.invalid")
VICTIM = "werk-is-persoonlijk"
MD_RULE = "Dat zet de wiki zelf achter het bestand."
CAPITALS = "alleen met andere hoofdletters"
FILE_IN_THE_WAY = "maar er is al een bestand met die naam"


def state(site: Site) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """What must not move when a name is refused: the branch, and what the index serves."""
    return site.repo.head(), site.index.indexed_head, [(p.path, p.revision) for p in site.index.pages()]


def outside_commit(site: Site, files: dict[str, bytes | None]) -> str:
    """A commit on main made outside the wiki (a push), holding files that are not pages."""
    with site.repo.writer():
        head = site.repo.head()
        assert head is not None
        tree = site.repo.build_tree(head, files)
        commit = site.repo.write_commit(tree, [head], AUTHOR, "push", 1_700_000_000)
        assert site.repo.move_branch(commit, head)
    site.pages.refresh()
    return commit


@pytest.fixture
def bijlagen(site: Site) -> None:
    """Why: a plain file ``bijlagen`` (no page) on main, where a page ``bijlagen/x`` would need a folder."""
    outside_commit(site, {"bijlagen": b"een bestand, geen pagina\n"})


@pytest.mark.parametrize("name", ["victim.md/child", "a/b.MD/c", "Team.Md/x", "notities.md", "a.md/b.md"])
def test_no_part_of_a_page_name_ends_in_md(name: str) -> None:
    with pytest.raises(BadInput, match=r"may not end in '\.md'"):
        check_page_name(name)


def test_names_with_md_inside_a_part_still_pass() -> None:
    assert check_page_name("markdown.mdx/uitleg") == "markdown.mdx/uitleg"
    assert check_page_name("a.md.b/c") == "a.md.b/c"


# -- the tree writer ---------------------------------------------------------------------


def test_the_tree_writer_refuses_to_turn_a_file_into_a_folder(site: Site) -> None:
    head = site.repo.head()
    with pytest.raises(PathClash):
        site.repo.build_tree(head, {f"{VICTIM}.md/kind.md": b"x\n"})
    with pytest.raises(PathClash):
        site.repo.build_tree(head, {"diep/pagina.md": b"x\n", "diep/pagina.md/kind.md": b"y\n"})


def test_the_tree_writer_refuses_to_turn_a_folder_into_a_file(site: Site) -> None:
    head = outside_commit(site, {"team/a.md": b"a\n", "team/b.md": b"b\n"})
    with pytest.raises(PathClash):
        site.repo.build_tree(head, {"team": b"x\n"})
    with pytest.raises(PathClash):  # deleting only one of the folder's files is not enough
        site.repo.build_tree(head, {"team/a.md": None, "team": b"x\n"})


def test_the_tree_writer_replaces_when_the_plan_deletes_what_was_there(site: Site) -> None:
    head = site.repo.head()
    assert head is not None
    tree = site.repo.build_tree(head, {f"{VICTIM}.md": None, f"{VICTIM}.md/kind.md": b"x\n"})
    listed = git(site.settings.repo, "ls-tree", "-r", "--name-only", tree).split()
    assert f"{VICTIM}.md/kind.md" in listed
    assert f"{VICTIM}.md" not in listed
    folder = outside_commit(site, {"team/a.md": b"a\n"})
    tree = site.repo.build_tree(folder, {"team/a.md": None, "team": b"x\n"})
    assert "team" in git(site.settings.repo, "ls-tree", "--name-only", tree).split()


# -- editing, creating, renaming ---------------------------------------------------------


def _new_page(client: TestClient, name: str) -> tuple[int, str]:
    data = {"csrf_token": csrf_from(client.get("/new").text), "name": name, "title": "T", "body": "Tekst."}
    response = client.post("/new", data=data)
    context = getattr(response, "context", None) or {}
    return response.status_code, str(context.get("error", ""))


def test_the_new_page_form_refuses_names_that_would_replace_or_imitate(
    client: TestClient, auth: Auth, site: Site, bijlagen: None
) -> None:
    auth.sign_in(Role.EDITOR)
    assert _new_page(client, "team/notities")[0] == 303
    before = state(site)
    for name in (f"{VICTIM}.md/kind", f"{VICTIM}.MD/kind"):
        status, error = _new_page(client, name)
        assert (status, MD_RULE in error) == (400, True), name
    status, error = _new_page(client, "bijlagen/lijst")
    assert (status, FILE_IN_THE_WAY in error, "bijlagen" in error) == (400, True, True)
    for variant in ["Neem-Initiatief", "Team/plan", "TEAM/notities"]:
        status, error = _new_page(client, variant)
        assert (status, "hoofdletters" in error) == (409, True), variant
    assert state(site) == before
    assert git(site.settings.repo, "cat-file", "-t", f"main:{VICTIM}.md").strip() == "blob"


def test_the_api_refuses_the_same_names(client: TestClient, auth: Auth, site: Site, bijlagen: None) -> None:
    headers = auth.token(Role.EDITOR)
    assert client.put("/api/pages/team/notities", headers=headers, json={"body": "# Notities\n"}).status_code == 201
    before = state(site)
    cases = {
        f"{VICTIM}.md/kind": (400, MD_RULE),
        "bijlagen/lijst": (400, FILE_IN_THE_WAY),
        "neem-Initiatief": (409, CAPITALS),
        "Team/plan": (409, "alleen in hoofdletters"),
    }
    for name, (status, message) in cases.items():
        response = client.put(f"/api/pages/{name}", headers=headers, json={"body": "# Nieuw\n"})
        assert response.status_code == status, name
        assert message in response.json()["message"], name
    assert state(site) == before


def test_renames_are_refused_onto_such_names_but_may_change_their_own_capitals(
    client: TestClient, auth: Auth, site: Site, bijlagen: None
) -> None:
    auth.sign_in(Role.EDITOR)
    client.post(
        "/new",
        data={"csrf_token": csrf_from(client.get("/new").text), "name": "team/notities", "title": "T", "body": "B"},
    )
    before = state(site)
    for target, status, message in [
        (f"{VICTIM}.md/over", 400, MD_RULE),
        ("bijlagen/over", 400, FILE_IN_THE_WAY),
        ("Neem-initiatief", 409, CAPITALS),
        ("Team/over", 409, "alleen in hoofdletters"),
    ]:
        form = {"csrf_token": csrf_from(client.get("/rename/over").text), "new_name": target, "message": ""}
        response = client.post("/rename/over", data=form)
        assert response.status_code == status, target
        assert message in response.context["error"], target  # type: ignore[attr-defined]
    assert state(site) == before
    form = {"csrf_token": csrf_from(client.get("/rename/over").text), "new_name": "Over", "message": ""}
    assert client.post("/rename/over", data=form).status_code == 303


def test_undelete_and_restore_do_not_replace_what_was_made_meanwhile(site: Site) -> None:
    first = site.repo.head()
    assert first is not None
    site.pages.delete("over", AUTHOR)
    outside_commit(site, {"over.md/x.md": b"x\n"})  # a folder, pushed by plain git
    before = state(site)
    with pytest.raises(PathClash):
        site.pages.undelete("over", AUTHOR)
    with pytest.raises(PathClash):
        site.pages.restore("over", first, AUTHOR)
    assert state(site) == before
    outside_commit(site, {"over.md/x.md": None, "Over.md": b"---\ntitle: Over\n---\nx\n"})
    before = state(site)
    with pytest.raises(NameTaken):
        site.pages.undelete("over", AUTHOR)
    assert state(site) == before


# -- proposals ---------------------------------------------------------------------------


def _propose(client: TestClient, headers: dict[str, str], path: str) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/api/proposals", headers=headers, json={"title": "Nieuw", "changes": [{"path": path, "body": "# Nieuw\n"}]}
    )
    return response.status_code, response.json()


def test_proposals_go_through_the_same_name_checks(client: TestClient, auth: Auth, site: Site, bijlagen: None) -> None:
    author = auth.token(Role.CONTRIBUTOR, "auteur")
    before = state(site)
    branches = site.repo.refs("refs/heads/proposals/")
    for path, status, message in [
        (f"{VICTIM}.md/kind", 400, MD_RULE),
        ("bijlagen/lijst", 400, FILE_IN_THE_WAY),
        ("Neem-Initiatief", 409, CAPITALS),
    ]:
        code, body = _propose(client, author, path)
        assert code == status, path
        assert message in str(body["message"]), path
    both = client.post(
        "/api/proposals",
        headers=author,
        json={"title": "Twee", "changes": [{"path": "Plan/a", "body": "# A\n"}, {"path": "plan/b", "body": "# B\n"}]},
    )
    assert both.status_code == 409
    assert site.repo.refs("refs/heads/proposals/") == branches
    assert state(site) == before

    code, proposal = _propose(client, author, "plan/een")
    assert code == 201
    revised = client.put(
        f"/api/proposals/{proposal['id']}",
        headers=author,
        json={"changes": [{"path": "Plan/twee", "body": "# Twee\n"}], "head_revision": proposal["head_revision"]},
    )
    assert revised.status_code == 409
    assert CAPITALS in revised.json()["message"]
    for path in ("plan/een.md/twee", "bijlagen/twee"):
        refused = client.put(
            f"/api/proposals/{proposal['id']}",
            headers=author,
            json={"changes": [{"path": path, "body": "# Twee\n"}], "head_revision": proposal["head_revision"]},
        )
        assert refused.status_code == 400, path
    assert site.repo.ref(f"refs/heads/proposals/{proposal['id']}") == proposal["head_revision"]


def test_accepting_checks_the_names_again_against_main_as_it_is_now(client: TestClient, auth: Auth, site: Site) -> None:
    author = auth.token(Role.CONTRIBUTOR, "auteur")
    maintainer = auth.token(Role.MAINTAINER, "beheerder")
    code, proposal = _propose(client, author, "Team/plan")
    assert code == 201
    editor = auth.token(Role.EDITOR)
    assert client.put("/api/pages/team/notities", headers=editor, json={"body": "# Notities\n"}).status_code == 201
    before = state(site)
    accepted = client.post(
        f"/api/proposals/{proposal['id']}/accept",
        headers=maintainer,
        json={"reason": "Goed", "head_revision": proposal["head_revision"]},
    )
    assert accepted.status_code == 409
    assert "alleen in hoofdletters" in accepted.json()["message"]
    assert state(site) == before
    assert client.get(f"/api/proposals/{proposal['id']}").json()["status"] == "open"


def _forge_branch(repo: Path, ref: str, old: str, replace: str) -> str:
    """A proposal branch as a wiki before this check could write it: the page ``replace`` turned
    into a folder, by plain git (the wiki's own tree writer refuses to)."""

    def run(*args: str, data: bytes | None = None) -> str:
        result = subprocess.run(["git", f"--git-dir={repo}", *args], input=data, check=True, capture_output=True)
        return result.stdout.decode().strip()

    blob = run("hash-object", "-w", "--stdin", data=b"# Kind\n")
    folder = run("mktree", data=f"100644 blob {blob}\tkind.md\n".encode())
    entries = [line for line in run("ls-tree", old).splitlines() if not line.endswith(f"\t{replace}")]
    tree = run("mktree", data="\n".join([*entries, f"040000 tree {folder}\t{replace}"]).encode() + b"\n")
    commit = run("commit-tree", tree, "-p", old, "-m", "nieuwe pagina")
    run("update-ref", ref, commit, old)
    return commit


def test_a_proposal_that_would_delete_a_page_it_does_not_name_is_not_accepted(
    client: TestClient, auth: Auth, site: Site
) -> None:
    author = auth.token(Role.CONTRIBUTOR, "auteur")
    maintainer = auth.token(Role.MAINTAINER, "beheerder")
    code, proposal = _propose(client, author, "nieuw-idee")
    assert code == 201
    ref = f"refs/heads/proposals/{proposal['id']}"
    forged = _forge_branch(site.settings.repo, ref, str(proposal["head_revision"]), f"{VICTIM}.md")
    before = state(site)
    accepted = client.post(
        f"/api/proposals/{proposal['id']}/accept",
        headers=maintainer,
        json={"reason": "Lijkt een nieuwe pagina", "head_revision": forged},
    )
    assert accepted.status_code == 400
    assert "Daarom kan het niet worden aangenomen" in accepted.json()["message"]
    assert state(site) == before
    assert git(site.settings.repo, "cat-file", "-t", f"main:{VICTIM}.md").strip() == "blob"


def test_the_new_principle_form_refuses_a_look_alike_of_a_page_pushed_from_outside(
    client: TestClient, auth: Auth, site: Site
) -> None:
    outside_commit(site, {"Goed-Idee.md": b"---\ntitle: Goed idee\n---\nAl hier.\n"})
    auth.sign_in(Role.CONTRIBUTOR)
    form = {
        "csrf_token": csrf_from(client.get("/proposals/new").text),
        "title": "Goed idee",
        "body": "Tekst.",
        "why": "W",
    }
    before = state(site)
    response = client.post("/proposals/new", data=form)
    assert response.status_code == 409
    assert CAPITALS in response.context["error"]  # type: ignore[attr-defined]
    assert response.context["body"] == "Tekst."  # type: ignore[attr-defined]  # the text is kept
    assert site.repo.refs("refs/heads/proposals/") == {}
    assert state(site) == before


@pytest.mark.parametrize(
    "path",
    [".git/config", "team/.GIT/x.md", "team/git~1/x.md", ".git. /x.md", "team/../x.md", "team//x.md", "./x.md", ".git"],
)
def test_the_tree_writer_refuses_names_git_would_take_for_its_own_at_every_depth(site: Site, path: str) -> None:
    """Only the names a save brings in are checked again (the tree's others are in git already),
    so each folder level of a new path must be."""
    head = site.repo.head()
    with pytest.raises(ValueError, match=r"Invalid repository path|aliases Git metadata"):
        site.repo.build_tree(head, {path: b"x\n"})
    assert site.repo.head() == head


def test_the_tree_writer_writes_the_trees_git_writes(site: Site) -> None:
    """Its own bytes for a tree (not GitPython's ``tree_to_stream``): each tree is the one
    ``git mktree`` makes of its listing, and ``git fsck --strict`` agrees (order, modes)."""
    repo = site.settings.repo
    head = outside_commit(site, {"team/a.md": b"a\n", "team-b.md": b"b\n"})
    tree = site.repo.build_tree(head, {"team/b.md": b"b\n", "nieuw/één.md": b"e\n", "team.md": b"t\n"})
    for sub in ("", "team", "nieuw"):
        own = git(repo, "rev-parse", f"{tree}:{sub}").strip()
        remade = subprocess.run(
            ["git", f"--git-dir={repo}", "mktree"], input=git(repo, "ls-tree", own),
            text=True, capture_output=True, check=True,
        ).stdout.strip()  # fmt: skip
        assert remade == own, sub
    names = git(repo, "ls-tree", "-r", "--name-only", "-z", tree).split("\0")
    assert {"team/a.md", "team/b.md", "team-b.md", "team.md", "nieuw/één.md", f"{VICTIM}.md"} <= set(names)
    commit = site.repo.write_commit(tree, [head], AUTHOR, "boom", 1_700_000_000)
    subprocess.run(["git", f"--git-dir={repo}", "fsck", "--strict", "--no-dangling", commit], check=True)


def test_tree_bytes_are_gitpythons_for_every_mode() -> None:
    entries = [
        (bytes([n]) * 20, mode, name)
        for n, (mode, name) in enumerate(
            [(0o40000, "a"), (0o100644, "b.md"), (0o100755, "c é"), (0o120000, "d"), (0o160000, "e")], start=1
        )
    ]
    written = io.BytesIO()
    tree_to_stream(entries, written.write)
    assert _tree_data(entries) == written.getvalue()
