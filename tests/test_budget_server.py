"""While the most expensive request the limits allow runs on the real server, everyone else
is still served: ``/healthz`` answers within a second, and the request itself ends within a
second with this one client."""

from __future__ import annotations

import random
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.server import running_server
from tests.test_budget_limits import BIG, largest_proposal
from wiki.config import Settings
from wiki.models import Role
from wiki.services.accounts import commit_author
from wiki.services.page_base import MAX_PAGE_BYTES
from wiki.services.pages import EditRequest
from wiki.services.site import open_site

pytestmark = pytest.mark.slow


def timed_get(url: str) -> float:
    """Seconds until ``url`` answered 200 (urllib, one connection per request)."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
        response.read()
        assert response.status == 200
    return time.perf_counter() - start


def worst_case_urls(tmp_path: Path, settings: Settings) -> tuple[list[str], list[str]]:
    """Two sets of never-seen worst-case requests (so that nothing is cached yet): first views
    of proposals at their limits and of their newest revision's changes, and comparisons of
    two big revisions of a page."""
    site = open_site(settings)
    author = site.accounts.add_user("auteur", PASSWORD, Role.CONTRIBUTOR, display_name="Auteur")
    editor = site.accounts.add_user("redacteur", PASSWORD, Role.EDITOR, display_name="Redacteur")
    proposals = [largest_proposal(site, author, seed) for seed in range(4)]
    rng = random.Random(9)
    revisions: list[str] = []
    for _ in range(4):
        # Two words only: the diff's worst case, and cheap Markdown, so that rendering it for
        # readers at start-up is quick (a page of the worst Markdown at the limit is a known gap).
        words = " ".join(rng.choice("ab") for _ in range(MAX_PAGE_BYTES // 8))
        text = f"# Groot\n\n{words}\n"
        base = revisions[-1] if revisions else None
        revisions.append(site.pages.save(EditRequest(BIG, text, base, "groot", commit_author(editor))).revision)
    # The one whole repack a wiki does at its first start, done now: while it runs (seconds,
    # both cores) every request is slower, which is not what this test measures.
    site.repo.maintain()
    heads = [site.proposals.get(number).head_revision for number in proposals]
    site.close()
    sets: tuple[list[str], list[str]] = ([], [])
    for n, (number, head) in enumerate(zip(proposals, heads, strict=True)):
        sets[n % 2].extend([f"/proposals/{number}", f"/proposals/{number}/revisions/{head}"])
    sets[0].append(f"/compare/{BIG}?from={revisions[0]}&to={revisions[1]}")
    sets[1].append(f"/compare/{BIG}?from={revisions[2]}&to={revisions[3]}")
    return sets


def test_worst_case_requests_end_within_a_second_and_healthz_answers_meanwhile(tmp_path: Path) -> None:
    settings = Settings(repo=tmp_path / "wiki.git", database_url=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    alone, alongside = worst_case_urls(tmp_path, settings)
    with running_server(settings, tmp_path / "server.log") as base:
        # The server renders every page for readers as it starts; asking for the big page
        # waits for that, so the requests measured below do not share the processor with it.
        timed_get(f"{base}/p/{BIG}")
        timed_get(base + "/proposals?status=all")  # warm: templates compiled, first connection made
        took = {url: timed_get(base + url) for url in alone}

        done = threading.Event()

        def run_worst() -> None:
            for url in alongside:
                timed_get(base + url)
            done.set()

        runner = threading.Thread(target=run_worst)
        runner.start()
        health: list[float] = []
        while not done.is_set():
            health.append(timed_get(base + "/healthz"))
        runner.join()

    print({url: round(seconds, 3) for url, seconds in took.items()}, "healthz at most", round(max(health), 3))
    assert max(took.values()) < 1.0
    assert health, "no /healthz request ran alongside"
    assert max(health) < 1.0
