"""The project as a newcomer meets it: the README, the bundled content, and `wiki serve` from anywhere."""

from __future__ import annotations

import dataclasses
import json
import urllib.request
from pathlib import Path

from tests.conftest import git
from tests.server import running_server
from wiki.config import Settings
from wiki.pagefile import parse

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_opens_with_the_two_commands_and_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    top = "\n".join(readme.splitlines()[:12])
    assert "make run" in top
    assert "make test" in top
    for item in dataclasses.fields(Settings):
        assert item.metadata["env"] in readme, item.name


def test_the_bundled_content_is_the_ten_principles_and_credits_the_source() -> None:
    pages = {path.stem: parse(path.read_text(), path.stem) for path in (ROOT / "content").glob("*.md")}
    numbers = sorted(page.number for page in pages.values() if page.number is not None)
    assert numbers == list(range(1, 11))
    assert pages["wees-open-en-zichtbaar"].title == "Wees open en zichtbaar"
    about = pages["over"].body
    assert "Davied van Berlo" in about
    assert "2009" in about
    seed = ROOT.parent / "shared" / "seed" / "werkprincipes-ambtenaar-2.0.txt"
    if seed.exists():  # a user's clone has no ../shared; the check runs where it can
        source = seed.read_text()
        for page in pages.values():
            for sentence in page.body.replace("\n", " ").split(". "):
                if len(sentence) > 40:
                    assert sentence not in source, f"copied from the blog post: {sentence!r}"


def test_serve_from_another_folder_creates_data_and_finds_the_content(tmp_path: Path) -> None:
    settings = Settings(repo=Path("data/wiki.git"), database_url="sqlite:///data/wiki.sqlite3")
    with running_server(settings, tmp_path / "server.log", cwd=tmp_path) as base:
        with urllib.request.urlopen(base + "/api/pages") as response:  # noqa: S310 (loopback)
            pages = json.load(response)["pages"]
        with urllib.request.urlopen(base + "/") as response:  # noqa: S310 (loopback)
            home = response.read().decode()
    assert [page["number"] for page in pages][:10] == list(range(1, 11))
    assert "Wees open en zichtbaar" in home
    repo = tmp_path / "data" / "wiki.git"
    assert git(repo, "rev-parse", "--is-bare-repository").strip() == "true"
    assert len(git(repo, "rev-list", "HEAD").split()) == 1
    assert (tmp_path / "data" / "wiki.sqlite3").exists()
