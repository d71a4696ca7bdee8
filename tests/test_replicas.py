"""Several instances sharing one git remote: nothing acknowledged that is not published,
nothing lost when two instances save at once, and reads go on while the remote is down.

The instances here are two sites opened on their own repositories, sharing one bare
remote on the file system and one database (as replicas share PostgreSQL).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, csrf_from, git
from tests.server import free_port, running_server
from tests.test_concurrency import paragraph_edit
from wiki.config import Settings
from wiki.errors import EditConflict, StoreUnavailable
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site, open_site
from wiki.web.app import create_app

AUTHOR = Author("Schrijver", "s@users.wiki.invalid")
PAGE = "over"
SECRET = "hook-secret-for-tests"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """An empty bare repository, as an operator would create it for the wiki."""
    path = tmp_path / "remote.git"
    git(path.parent, "init", "--quiet", "--bare", "--initial-branch=main", str(path))
    return path


@pytest.fixture
def open_replica(tmp_path: Path, remote: Path) -> Iterator[Callable[[str], Site]]:
    """Opens instance ``name`` on its own repository, sharing the remote and the database."""
    opened: list[Site] = []

    def make(name: str) -> Site:
        settings = Settings(
            repo=tmp_path / f"{name}.git",
            database_url=f"sqlite:///{tmp_path / 'shared.sqlite3'}",
            remote=str(remote),
            hook_secret=SECRET,
        )
        site = open_site(settings)
        opened.append(site)
        return site

    yield make
    for site in opened:
        site.close()


def remote_main(remote: Path) -> str:
    return git(remote, "rev-parse", "main").strip()


def append(site: Site, name: str, line: str) -> str:
    page, _ = site.pages.get(name)
    return site.pages.save(EditRequest(name, page.text + f"\n{line}\n", page.revision, line, AUTHOR)).revision


def test_the_first_instance_seeds_the_remote_and_the_next_takes_its_pages(
    open_replica: Callable[[str], Site], remote: Path
) -> None:
    first = open_replica("a")
    assert remote_main(remote) == first.repo.head()
    second = open_replica("b")
    assert second.repo.head() == first.repo.head()
    assert [page.path for page in second.pages.list_pages()] == [page.path for page in first.pages.list_pages()]


def test_a_save_is_on_the_remote_when_it_is_acknowledged(open_replica: Callable[[str], Site], remote: Path) -> None:
    site = open_replica("a")
    revision = append(site, PAGE, "published first")
    assert remote_main(remote) == revision
    assert "published first" in git(remote, "show", f"main:{PAGE}.md")


def test_an_instance_behind_the_remote_merges_its_save_onto_the_other_ones(
    open_replica: Callable[[str], Site], remote: Path
) -> None:
    a, b = open_replica("a"), open_replica("b")
    page_b, _ = b.pages.get(PAGE)  # b opened the editor before a saved
    append(a, PAGE, "from instance a")
    front, marker, body = page_b.text.partition("\n---\n")
    text = front + marker + "from instance b\n\n" + body
    result = b.pages.save(EditRequest(PAGE, text, page_b.revision, "b", AUTHOR))
    assert result.merged
    on_remote = git(remote, "show", f"main:{PAGE}.md")
    assert "from instance a" in on_remote
    assert "from instance b" in on_remote
    assert remote_main(remote) == b.repo.head() == result.revision


def test_overlapping_saves_on_two_instances_conflict_as_on_one(open_replica: Callable[[str], Site]) -> None:
    a, b = open_replica("a"), open_replica("b")
    page, _ = b.pages.get(PAGE)
    a.pages.save(EditRequest(PAGE, page.text.rstrip("\n") + " (a)\n", page.revision, "a", AUTHOR))
    with pytest.raises(EditConflict):
        b.pages.save(EditRequest(PAGE, page.text.rstrip("\n") + " (b)\n", page.revision, "b", AUTHOR))


def test_a_fetch_brings_pages_proposals_and_versions_of_the_other_instance(
    open_replica: Callable[[str], Site], remote: Path
) -> None:
    a, b = open_replica("a"), open_replica("b")
    author = a.accounts.add_user("indiener", "correct horse battery", Role.EDITOR)
    a.pages.save(EditRequest("nieuwe-pagina", "---\ntitle: Vlinderpagina\n---\nOver vlinders.\n", None, "new", AUTHOR))
    proposal = a.proposals.create(author, "Een voorstel over libellen", "Libellen.", [(PAGE, "# Libellen\n")])
    a.versions.name_current("1.0", AUTHOR)
    moved = b.replication.sync()
    assert {"refs/heads/main", f"refs/meta/proposals/{proposal.id}", "refs/tags/versie-1.0"} <= set(moved)
    assert b.pages.get("nieuwe-pagina")[0].title == "Vlinderpagina"
    assert b.proposals.get(proposal.id).record.title == "Een voorstel over libellen"
    assert [hit.id for hit in b.search.search("libellen") if hit.kind == "proposal"] == [proposal.id]
    assert [version.name for version in b.versions.versions()] == ["1.0"]
    assert b.replication.sync() == []


def test_while_the_remote_is_down_saves_fail_clearly_and_reads_go_on(
    open_replica: Callable[[str], Site], remote: Path
) -> None:
    site = open_replica("a")
    before = site.repo.head()
    moved_away = remote.with_name("remote-away.git")
    remote.rename(moved_away)
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        append(site, PAGE, "not published")
    assert site.repo.head() == before
    assert "not published" not in site.pages.get(PAGE)[0].text
    with pytest.raises(StoreUnavailable):
        site.replication.sync()
    moved_away.rename(remote)
    revision = append(site, PAGE, "published after all")
    assert remote_main(remote) == revision


def test_an_instance_starts_from_its_copy_when_the_remote_is_down(
    open_replica: Callable[[str], Site], remote: Path, tmp_path: Path
) -> None:
    open_replica("a").close()
    shutil.rmtree(remote)
    again = open_replica("a")
    assert again.pages.get(PAGE)[0].title
    with pytest.raises(StoreUnavailable):
        open_replica("fresh")


def test_commits_made_before_replication_started_are_published(tmp_path: Path, remote: Path) -> None:
    settings = Settings(repo=tmp_path / "alone.git", database_url=f"sqlite:///{tmp_path / 'alone.sqlite3'}")
    alone = open_site(settings)
    revision = append(alone, PAGE, "written before the remote existed")
    alone.close()
    joined = open_site(Settings(repo=settings.repo, database_url=settings.database_url, remote=str(remote)))
    try:
        assert remote_main(remote) == revision
    finally:
        joined.close()


# -- the webhook --------------------------------------------------------------------------


@pytest.fixture
def hook_client(open_replica: Callable[[str], Site]) -> Iterator[tuple[Site, Site, TestClient]]:
    a, b = open_replica("a"), open_replica("b")
    with TestClient(create_app(b.settings, site=b)) as client:
        yield a, b, client


def test_the_webhook_makes_an_instance_fetch_at_once(hook_client: tuple[Site, Site, TestClient]) -> None:
    a, _b, client = hook_client
    revision = append(a, PAGE, "announced by the forge")
    assert client.get(f"/p/{PAGE}").text.count("announced by the forge") == 0
    response = client.post("/api/hooks/git", headers={"Authorization": f"Bearer {SECRET}"})
    assert response.status_code == 200
    assert response.json() == {"head": revision, "moved": ["refs/heads/main"]}
    assert "announced by the forge" in client.get(f"/p/{PAGE}").text


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Gitlab-Token": SECRET},
        {"X-Gitea-Signature": hmac.new(SECRET.encode(), b"{}", hashlib.sha256).hexdigest()},
        {"X-Hub-Signature-256": "sha256=" + hmac.new(SECRET.encode(), b"{}", hashlib.sha256).hexdigest()},
    ],
)
def test_the_webhook_takes_the_secret_as_forges_send_it(
    hook_client: tuple[Site, Site, TestClient], headers: dict[str, str]
) -> None:
    _a, _b, client = hook_client
    assert client.post("/api/hooks/git", content=b"{}", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"X-Gitlab-Token": SECRET + "x"},
        {"X-Gitea-Signature": hmac.new(SECRET.encode(), b"other body", hashlib.sha256).hexdigest()},
    ],
)
def test_the_webhook_refuses_a_missing_or_wrong_secret(
    hook_client: tuple[Site, Site, TestClient], headers: dict[str, str]
) -> None:
    a, b, client = hook_client
    append(a, PAGE, "not announced")
    response = client.post("/api/hooks/git", content=b"{}", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]
    assert b.repo.head() != a.repo.head()


def test_a_single_instance_has_no_webhook(site: Site, client: TestClient) -> None:
    site.replication.hook_secret = SECRET
    response = client.post("/api/hooks/git", headers={"Authorization": f"Bearer {SECRET}"})
    assert response.status_code == 404
    assert response.json()["message"] == "Deze wiki heeft geen gedeelde opslag."


# -- two real servers and a git daemon ----------------------------------------------------

WRITERS_PER_INSTANCE = 4
EDITS_EACH = 10


@contextlib.contextmanager
def git_daemon(base: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``git daemon`` serving ``base`` on 127.0.0.1, pushes allowed (a remote that can go down)."""
    port = free_port()
    command = [
        "git",
        "daemon",
        "--reuseaddr",
        "--listen=127.0.0.1",
        f"--port={port}",
        f"--base-path={base}",
        "--export-all",
        "--enable=receive-pack",
        "--informative-errors",
        str(base),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process.port = port  # type: ignore[attr-defined]
    try:
        deadline = time.monotonic() + 10
        while True:  # wait until it listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "git daemon did not start"
                assert process.poll() is None, "git daemon exited"
        yield process
    finally:
        process.terminate()
        process.wait()


def api(base: str, path: str, token: str, body: dict[str, object] | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept-Language": "en"}
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data, headers, method="GET" if body is None else "PUT")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.mark.slow
def test_writers_on_two_instances_lose_nothing_and_both_converge(
    tmp_path: Path, remote: Path, postgres_url: str
) -> None:
    """Two servers sharing a remote served by ``git daemon`` and one PostgreSQL database."""
    with git_daemon(tmp_path) as daemon:
        url = f"git://127.0.0.1:{daemon.port}/remote.git"  # type: ignore[attr-defined]
        database = postgres_url
        instances = [Settings(repo=tmp_path / f"{name}.git", database_url=database, remote=url) for name in "ab"]
        first = open_site(instances[0])  # seeds the remote, and makes the account both instances know
        token = first.accounts.create_token(first.accounts.add_user("schrijver", PASSWORD, Role.EDITOR).username)
        first.close()
        env = {"WIKI_REMOTE": url, "WIKI_HOOK_SECRET": SECRET, "WIKI_FETCH_INTERVAL": "0.5"}
        with contextlib.ExitStack() as servers:
            bases = [servers.enter_context(running_server(s, s.repo.with_suffix(".log"), env=env)) for s in instances]
            acknowledged: list[str] = []
            conflicts = 0
            lock = threading.Lock()

            def writer(slot: int) -> None:
                nonlocal conflicts
                base = bases[slot % 2]
                for edit in range(EDITS_EACH):
                    marker = f"replica-{slot}-{edit}"
                    while True:
                        _, page = api(base, f"/api/pages/{PAGE}", token)
                        body = {"body": paragraph_edit(page["body"], slot, marker), "base_revision": page["revision"]}
                        status, answer = api(base, f"/api/pages/{PAGE}", token, {**body, "message": marker})
                        if status == 409:
                            with lock:
                                conflicts += 1
                            continue
                        assert status == 200, answer
                        with lock:
                            acknowledged.append(marker)
                        break

            threads = [threading.Thread(target=writer, args=(slot,)) for slot in range(2 * WRITERS_PER_INSTANCE)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(acknowledged) == 2 * WRITERS_PER_INSTANCE * EDITS_EACH
            history = git(remote, "log", "-p", "--format=", "main", "--", f"{PAGE}.md")
            missing = [marker for marker in acknowledged if marker not in history]
            print(f"\n{len(acknowledged)} acknowledged edits on two instances, {conflicts} conflicts retried,")
            print(f"{len(missing)} missing from the remote's history")
            assert missing == []

            # Both converge on the remote's main by their interval fetch alone.
            target = remote_main(remote)
            started = time.monotonic()
            while {api(base, f"/api/pages/{PAGE}", token)[1]["revision"] for base in bases} != {target}:
                assert time.monotonic() - started < 10, "the instances did not converge"
            print(f"both instances on the remote's main {time.monotonic() - started:.2f} s after the last save")

            # The remote goes down: saves fail clearly, reads go on, nothing is acknowledged.
            daemon.terminate()
            daemon.wait()
            for base in bases:
                _, page = api(base, f"/api/pages/{PAGE}", token)
                body = {"body": page["body"] + "\nwhile the remote is down\n", "base_revision": page["revision"]}
                status, answer = api(base, f"/api/pages/{PAGE}", token, body)
                assert status == 503
                assert (answer["error"], "cannot be reached" in answer["message"]) == ("unavailable", True)
                with urllib.request.urlopen(f"{base}/p/{PAGE}", timeout=10) as response:  # noqa: S310
                    assert response.status == 200
                    assert "while the remote is down" not in response.read().decode()
                assert api(base, f"/api/pages/{PAGE}", token)[1]["revision"] == target
    subprocess.run(["git", f"--git-dir={remote}", "fsck", "--full", "--strict"], check=True, capture_output=True)


def test_whoever_saved_on_one_instance_sees_it_on_the_next(open_replica: Callable[[str], Site]) -> None:
    a, b = open_replica("a"), open_replica("b")
    a.accounts.add_user("redacteur", PASSWORD, Role.EDITOR)
    headers = {"Accept-Encoding": "identity"}
    with (
        TestClient(create_app(a.settings, site=a), headers=headers) as on_a,
        TestClient(create_app(b.settings, site=b), headers=headers) as on_b,
    ):
        token = csrf_from(on_a.get("/signin").text)
        on_a.post("/signin", data={"username": "redacteur", "password": PASSWORD, "csrf_token": token})
        form = on_a.get(f"/edit/{PAGE}")
        page = a.pages.get(PAGE)[0]
        edit = {
            "csrf_token": csrf_from(form.text),
            "title": page.title,
            "body": page.body + "\nNet opgeslagen op instantie a.\n",
            "base": page.revision,
            "message": "a",
        }
        assert on_a.post(f"/edit/{PAGE}", data=edit, follow_redirects=False).status_code == 303
        assert "Net opgeslagen" not in on_b.get(f"/p/{PAGE}").text  # someone else, on b: not yet
        on_b.cookies.update(on_a.cookies)  # the load balancer sends the same person to b
        assert "Net opgeslagen op instantie a." in on_b.get(f"/p/{PAGE}").text
        assert b.repo.head() == a.repo.head()


def test_suggestions_travel_between_instances_and_a_hidden_one_is_gone_on_both(
    open_replica: Callable[[str], Site], remote: Path
) -> None:
    a, b = open_replica("a"), open_replica("b")
    proposer = a.accounts.add_user("indiener", PASSWORD, Role.CONTRIBUTOR)
    maintainer = a.accounts.add_user("beheerder", PASSWORD, Role.MAINTAINER)
    text = a.pages.get(PAGE)[0].text
    proposal = a.proposals.create(proposer, "Libellen", "", [(PAGE, text + "\nLibellen.\n")])
    number = a.suggestions.suggest(proposal.id, proposer, [(PAGE, text + "\nVlinders.\n")], "Mooier", "")
    ref = f"refs/heads/suggestions/{proposal.id}/{number}"
    assert git(remote, "rev-parse", ref).strip() == a.repo.ref(ref)  # published when it was made
    assert ref in b.replication.sync()
    [seen] = b.suggestions.listing(proposal.id)
    assert (seen.state, seen.reason, seen.revision) == ("open", "Mooier", a.repo.ref(ref))
    b.suggestions.hide(proposal.id, number, maintainer, "Ongepast")
    assert ref not in git(remote, "for-each-ref")  # deleted on the remote first
    a.replication.sync()
    assert a.repo.ref(ref) is None  # and followed, not published back
    assert ref not in git(remote, "for-each-ref")
    assert [s.state for s in a.suggestions.listing(proposal.id)] == ["hidden"]
