"""Real-browser tests: Debian's chromium driven by Playwright against a real server process.

Without chromium the tests skip with a clear message, except under CI=true,
where a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.server import running_server
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import open_site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test (``make test-fast`` skips them)."""
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def no_blocking_on_the_loop() -> None:
    """Why: Playwright runs its own event loop in the test's thread, where preparing a site is
    fine; the tripwire is on in the server process instead (``running_server`` sets
    ``WIKI_LOOPGUARD=1``), which is where the pages under test are made."""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Why: Playwright cannot download its browsers here; Debian's chromium is used instead."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing; `make test` installs it with apt as root")
        pytest.skip("chromium is not installed (apt-get install chromium); browser tests skipped")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--disable-gpu", "--disable-quic"],
    }


@pytest.fixture
def live_wiki(tmp_path: Path) -> Iterator[str]:
    """Why: the browser talks to a real server on the bundled principles, with one editor."""
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    site = open_site(settings)
    site.accounts.add_user("redacteur", PASSWORD, Role.EDITOR, display_name="Rie Redacteur")
    site.accounts.add_user("beheerder", PASSWORD, Role.MAINTAINER, display_name="Bea Beheerder")
    site.accounts.add_user("bijdrager", PASSWORD, Role.CONTRIBUTOR, display_name="Bo Bijdrager")
    site.close()
    with running_server(settings, tmp_path / "server.log") as base:
        yield base


def screenshot(page: Any, name: str) -> None:
    """Save a screenshot under test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now (CSP stays on)."""
    page.evaluate(AXE)
    violations: list[dict[str, Any]] = page.evaluate("o => axe.run(document, o).then(r => r.violations)", WCAG_21_AA)
    return violations


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Why: the site follows the browser's language; these tests read the Dutch interface, as a
    Dutch public servant's browser asks for it."""
    return {**browser_context_args, "locale": "nl-NL"}
