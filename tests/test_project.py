"""The project as a newcomer meets it: the README, the bundled content, and `wiki serve` from anywhere."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
import urllib.request
from pathlib import Path

import pytest

from tests import copying
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


def test_no_bundled_page_shares_eight_words_in_a_row_with_the_source_post() -> None:
    digests = copying.shipped_digests()
    assert len(digests) > 1000  # the whole post, not a stub
    for path in sorted((ROOT / "content").glob("*.md")):
        assert copying.copied(path.read_text(), digests) == [], f"{path.name} copies the source post"


def test_the_copy_check_finds_eight_copied_words_among_the_projects_own() -> None:
    digests = copying.shipped_digests()
    own = (ROOT / "content" / "neem-initiatief.md").read_text()
    first_eight = " ".join(copying.words(own)[:8])
    assert copying.copied(own, digests | {copying.digest(tuple(first_eight.split()))}) == [first_eight]


def test_the_shipped_digests_are_those_of_the_source_post_where_it_is_at_hand() -> None:
    """Why: in this workspace the post is next to the project; the digests must be all of it."""
    seed = ROOT.parent / "shared" / "seed" / "werkprincipes-ambtenaar-2.0.txt"
    if not seed.exists():
        pytest.skip("the source post is not next to this clone; the shipped digests are checked above")
    titles = [parse(path.read_text(), path.stem).title for path in (ROOT / "content").glob("*.md")]
    assert copying.source_digests(seed.read_text(), titles) == copying.shipped_digests()
    sentence = " ".join(copying.words(seed.read_text())[200:212])
    assert copying.copied(sentence, copying.shipped_digests())


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


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        pins[re.sub(r"[-_.]+", "-", name.split("[")[0].strip().lower())] = version.strip()
    return pins


def test_the_lock_file_installs_every_pin_of_pyproject_at_its_version() -> None:
    """Why: ``make run`` and ``make test`` install from requirements.lock, so a pin changed in
    pyproject.toml without ``make lock`` would silently not apply."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _pins(project["dependencies"] + project["optional-dependencies"]["dev"])
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    locked = _pins([line.rstrip(" \\") for line in lines if "==" in line and not line.startswith((" ", "#"))])
    assert {name: locked.get(name) for name in wanted} == wanted, "run `make lock`"
    hashed = [line for line in lines if "==" in line and not line.startswith((" ", "#"))]
    assert all(line.endswith("\\") for line in hashed), "every locked package carries its hashes"


def test_the_wheel_lists_every_package_of_the_code() -> None:
    """Why: the wheel's packages are listed by hand (the data folders are mapped into it), so a
    new package left off the list would be missing from every installed wiki."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "wiki").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
