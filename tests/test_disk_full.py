"""A full disk: with the repository on a small file system of its own (a tmpfs the test
mounts), saves fail with a clear message in the person's language, nothing saved before is
lost, git finds the repository sound, the index is as it was, and once there is room again
saves work."""

from __future__ import annotations

import errno
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from, git
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import Site

PAGE = "neem-initiatief"
FULL = "De schijf van de wiki is vol"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """Why: a file system of 8 MB that the test can fill, holding only the repository."""
    mount = tmp_path / "klein"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "--lazy", str(mount)], check=True)


@pytest.fixture
def settings(tmp_path: Path, small_disk: Path) -> Settings:
    """Why: the repository (and its page index) on the small disk, the accounts elsewhere."""
    return Settings(repo=small_disk / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")


def fill(disk: Path) -> Path:
    """Take every free byte of ``disk`` with one file, and return it (delete it to make room)."""
    filler = disk / f"vol-{uuid.uuid4().hex}"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    return filler


def edit_form(client: TestClient) -> dict[str, str]:
    response = client.get(f"/edit/{PAGE}")
    context = response.context  # type: ignore[attr-defined]
    fields = {"base": context["base"], "title": context["title"], "body": context["body"]}
    return {"csrf_token": csrf_from(response.text), **fields, "message": "", "action": "save"}


def state(site: Site) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    return site.repo.head(), site.index.indexed_head, [(p.path, p.revision) for p in site.index.pages()]


def fsck(site: Site) -> str:
    done = subprocess.run(
        ["git", f"--git-dir={site.settings.repo}", "fsck", "--full", "--strict", "--no-dangling"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_a_save_on_a_full_disk_is_refused_clearly_and_works_again_with_room(
    client: TestClient, auth: Auth, site: Site, small_disk: Path
) -> None:
    auth.sign_in(Role.EDITOR)
    form = edit_form(client)
    assert client.post(f"/edit/{PAGE}", data=form | {"body": form["body"] + "\nAl bewaard.\n"}).status_code == 303
    saved = site.repo.head()
    filler = fill(small_disk)
    before = state(site)

    form = edit_form(client)
    typed = form["body"] + "\nNiet bewaard op een volle schijf.\n"
    refused = client.post(f"/edit/{PAGE}", data=form | {"body": typed})
    assert refused.status_code == 507
    assert FULL in refused.text
    assert refused.context["body"] == typed  # type: ignore[attr-defined]  # the text is kept
    assert state(site) == before
    assert fsck(site) == ""
    assert client.get(f"/p/{PAGE}").status_code == 200  # readers are served meanwhile

    filler.unlink()
    again = client.post(f"/edit/{PAGE}", data=edit_form(client) | {"body": typed})
    assert again.status_code == 303
    page = client.get(f"/p/{PAGE}").text
    assert "Niet bewaard op een volle schijf." in page
    assert "Al bewaard." in page
    assert git(site.settings.repo, "rev-parse", "HEAD~1").strip() == saved
    assert fsck(site) == ""


def test_the_api_and_proposals_say_so_too_in_the_readers_language(
    client: TestClient, auth: Auth, site: Site, small_disk: Path
) -> None:
    editor = auth.token(Role.EDITOR)
    author = auth.token(Role.CONTRIBUTOR, "auteur")
    page = client.get(f"/api/pages/{PAGE}").json()
    filler = fill(small_disk)
    before = state(site)
    change = {"body": page["body"] + "\nVol.\n", "base_revision": page["revision"]}
    refused = client.put(f"/api/pages/{PAGE}", headers=editor, json=change)
    assert refused.status_code == 507
    assert refused.json()["error"] == "insufficient_storage"
    assert FULL in refused.json()["message"]
    english = client.put(f"/api/pages/{PAGE}", headers={**editor, "Accept-Language": "en"}, json=change)
    assert "The wiki's disk is full" in english.json()["message"]
    proposal = {"title": "Vol", "changes": [{"path": "nieuw-op-volle-schijf", "body": "# Nieuw\n"}]}
    assert client.post("/api/proposals", headers=author, json=proposal).status_code == 507
    assert site.repo.refs("refs/heads/proposals/") == {}
    assert state(site) == before
    assert fsck(site) == ""

    filler.unlink()
    assert client.put(f"/api/pages/{PAGE}", headers=editor, json=change).status_code == 200
    assert client.post("/api/proposals", headers=author, json=proposal).status_code == 201
    assert fsck(site) == ""


def test_whatever_room_is_left_a_save_is_either_kept_whole_or_refused_whole(
    client: TestClient, auth: Auth, site: Site, small_disk: Path
) -> None:
    auth.sign_in(Role.EDITOR)
    filler = fill(small_disk)
    size = filler.stat().st_size
    kept = []
    for number, room in enumerate([0, 4096, 8192, 16384, 32768, 65536, 131072, 262144]):
        os.truncate(filler, max(size - room, 0))
        line = f"Regel {number} met {room} bytes ruimte."
        head = site.repo.head()
        form = edit_form(client)
        response = client.post(f"/edit/{PAGE}", data=form | {"body": form["body"] + f"\n{line}\n"})
        assert response.status_code in (303, 507), room
        if response.status_code == 303:
            kept.append(line)
        else:
            assert site.repo.head() == head, room
        assert line in git(site.settings.repo, "show", f"HEAD:{PAGE}.md") or response.status_code == 507
        fsck(site)
    filler.unlink()
    assert client.post(f"/edit/{PAGE}", data=edit_form(client) | {"message": "ruimte"}).status_code == 303
    text = git(site.settings.repo, "show", f"HEAD:{PAGE}.md")
    assert all(line in text for line in kept)
    assert site.pages.current_head() == site.repo.head()
    shown = client.get(f"/p/{PAGE}").text
    assert all(line in shown for line in kept)


class TestEverythingOnTheSmallDisk:
    """The accounts database on the small disk too: signing in, reading and saving still
    answer clearly."""

    @pytest.fixture
    def settings(self, small_disk: Path) -> Settings:
        """Why: the repository and the accounts database both on the disk that fills up."""
        return Settings(repo=small_disk / "wiki.git", database_url=f"sqlite:///{small_disk / 'wiki.sqlite3'}")

    def test_saves_are_refused_clearly_and_readers_are_served(
        self, client: TestClient, auth: Auth, site: Site, small_disk: Path
    ) -> None:
        auth.sign_in(Role.EDITOR)
        filler = fill(small_disk)
        before = state(site)
        form = edit_form(client)
        refused = client.post(f"/edit/{PAGE}", data=form | {"body": form["body"] + "\nVol.\n"})
        assert refused.status_code == 507
        assert FULL in refused.text
        assert client.get(f"/p/{PAGE}").status_code == 200
        assert state(site) == before
        fsck(site)
        filler.unlink()
        assert (
            client.post(f"/edit/{PAGE}", data=edit_form(client) | {"body": form["body"] + "\nRuimte.\n"}).status_code
            == 303
        )
