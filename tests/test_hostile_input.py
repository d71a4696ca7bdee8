"""Hostile input: hundreds of page names and option-like values against every place they reach git.

Figures are printed; the assertions are that nothing lands outside the repository,
nothing answers 500, and git never reads a value as an option (no canary file appears).
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from
from wiki.controls import without_controls
from wiki.models import Role
from wiki.names import page_name_of_file
from wiki.services.accounts import commit_author
from wiki.services.site import Site

BASES = [
    "..", "../x", "..\\x", "a/../../b", "%2e%2e/x", "..%2fx", "./x", "a/./b", "....//x", "/etc/passwd", "C:\\x",
    "\\\\server\\share", "x/", "/x", "a//b", "~/x", "~root", "-x", "--help", "--output=/tmp/canary", "-c x=y",
    "--upload-pack=touch x", "-", "--", ".git", ".GIT", "git~1", "GIT~1", ".git.", ".git ", ".gi\u200ct",
    "a/.git/config",
    ".gitmodules", ".gitattributes", ".hidden", "x.", "x..", "con", "CON", "aux", "nul", "com1", "lpt9", "con.md",
    "prn.txt", "e\u0301", "\ufb01le", "a\uff0fb", "a\u2215b", "\u202eevil", "a\u200db", "\U0001f600", "\u0430dmin",
    "Neem-Initiatief", "NEEM-INITIATIEF", "neem-initiatief", "a" * 201, "\u00e9" * 101, "a/" * 30 + "b", "\x00",
    "a\nb", "a\tb", "a\x7fb", "a b", " a", "a ", "undefined", "null", "NaN", "0", "-1", "1e309", "<script>", "'", '"',
    "`", "${7*7}", "{{7*7}}", "%s%s", "*", "?", "[", "]", "#", "&", ";", "|", "$(touch x)", "HEAD", "refs/heads/main",
    "@{-1}", "main..x", "x.lock", "x@{1}", "x:y", "x^", "x~1", "Ω", "日本語", "ﻼ", "\ufeffbom", "a/.", "a/..",
]  # fmt: skip
NAMES = sorted(
    {
        variant
        for base in BASES
        for variant in (base, f"{base}/sub", f"map/{base}", f"{base}.md", f"x{base}", f"{base}x")
    }
)
OPTIONS = [
    "--output=/tmp/{canary}", "-o/tmp/{canary}", "--upload-pack=touch /tmp/{canary}", "--exec=touch /tmp/{canary}",
    "-c core.sshCommand=touch /tmp/{canary}", "--config=core.pager=touch /tmp/{canary}", "-h", "--help", "--all",
    "HEAD", "@{{-1}}", "main", "--", "-", "--end-of-options", "refs/heads/main", "HEAD~1", ":/x", "--no-index",
    "--git-dir=/tmp/{canary}",
]  # fmt: skip


def snapshot(folder: Path, skip: Path) -> set[str]:
    found: set[str] = set()
    for root, dirs, files in os.walk(folder):
        if Path(root) == skip:
            dirs.clear()
            continue
        found.update(os.path.join(root, name) for name in files + dirs)
    return found


def test_six_hundred_names_through_create_read_rename_and_delete(client: TestClient, auth: Auth, site: Site,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    headers = auth.token(Role.MAINTAINER, "beheerder")
    auth.sign_in(Role.MAINTAINER)
    maintainer = commit_author(site.accounts.get_user("beheerder"))
    repo = site.settings.repo
    before = snapshot(tmp_path, repo)
    statuses: dict[int, int] = {}
    created = 0
    for name in NAMES:
        url = "/api/pages/" + quote(name, safe="/")
        answers = [client.put(url, headers=headers, json={"body": f"# T\n\n{name!r}\n"}), client.get(url)]
        if answers[0].status_code == 201:
            created += 1
        token = csrf_from(client.get("/account").text)
        answers.append(client.post("/rename/neem-initiatief", data={"csrf_token": token, "new_name": name}))
        if answers[-1].status_code == 303:  # put it back for the next name
            moved = unquote(answers[-1].headers["location"].split("?")[0][len("/p/") :])
            # (form fields lose their control characters as they are read: "\x00x" names "x")
            assert moved == unicodedata.normalize("NFC", without_controls(name).strip())
            site.pages.rename(moved, "neem-initiatief", maintainer)
        answers.append(client.post("/delete/" + quote(name, safe="/"), data={"csrf_token": token}))
        for answer in answers:
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    after = snapshot(tmp_path, repo)
    outside = sorted(after - before - {str(tmp_path / "wiki.sqlite3-wal"), str(tmp_path / "wiki.sqlite3-shm")})
    print(f"\n{len(NAMES)} names x 4 operations: {sum(statuses.values())} requests, "
          f"statuses {sorted(statuses.items())}, "
          f"{created} pages created, {len(outside)} files outside the repository")  # fmt: skip
    assert outside == []
    assert [code for code in statuses if code >= 500] == []
    files = site.repo.list_files(site.repo.head() or "")
    assert all(page_name_of_file(path) for path in files), [p for p in files if not page_name_of_file(p)]


@pytest.mark.parametrize("template", OPTIONS)
def test_option_like_values_never_reach_git_as_options(template: str, client: TestClient, auth: Auth, site: Site,
                                                       tmp_path: Path) -> None:  # fmt: skip
    canary = f"canary-{abs(hash(template))}"
    value = template.format(canary=canary)
    headers = auth.token(Role.MAINTAINER, "beheerder")
    auth.sign_in(Role.MAINTAINER)
    page = site.pages.get("neem-initiatief")[0]
    proposal = site.proposals.create(site.accounts.get_user("beheerder"), "T", "", [("over", "# Over\n")])
    q = quote(value, safe="")
    reads = [f"/api/pages/neem-initiatief?revision={q}", f"/p/neem-initiatief?revision={q}",
             f"/source/neem-initiatief?revision={q}", f"/api/history/neem-initiatief?before={q}",
             f"/compare/neem-initiatief?from={q}&to={q}", f"/change/{q}", f"/versions/{q}",
             f"/export/markdown.zip?version={q}", f"/api/pages/{q}", f"/history/{q}", f"/blame/{q}",
             f"/wiki.git/{q}", f"/wiki.git/info/refs?service={q}", f"/api/changes?before={q}"]  # fmt: skip
    answers = {url: client.get(url, headers=headers).status_code for url in reads}
    token = csrf_from(client.get("/account").text)
    writes = {
        "PUT base_revision": client.put("/api/pages/neem-initiatief", headers=headers,
                                        json={"body": page.text + "x\n", "base_revision": value}).status_code,
        "restore": client.post("/restore/neem-initiatief", data={"csrf_token": token, "revision": value}).status_code,
        "undo": client.post("/undo/neem-initiatief", data={"csrf_token": token, "revision": value}).status_code,
        "rename": client.post("/rename/neem-initiatief", data={"csrf_token": token, "new_name": value}).status_code,
        "version": client.post("/versions", data={"csrf_token": token, "display_name": value}).status_code,
        "accept": client.post(f"/api/proposals/{proposal.id}/accept", headers=headers,
                              json={"head_revision": value, "reason": "r"}).status_code,
    }  # fmt: skip
    assert not Path("/tmp", canary).exists()
    assert not (tmp_path / canary).exists()
    assert {url: code for url, code in answers.items() if code not in (400, 403, 404)} == {}
    # A value that is a plain, valid name ("main", "HEAD") may be used as a page or version name.
    plain = {"rename", "version"} if value.isalnum() or value == "refs/heads/main" else set()
    assert {name: code for name, code in writes.items() if code not in (400, 404, 409) and name not in plain} == {}
    assert site.repo.head() != page.revision or site.pages.get("neem-initiatief")[0].text == page.text
