"""The XSS battery against the static-site export, opened from ``file://`` in real Chromium: no
vector runs, no dangerous markup reaches a page, and no request leaves for another origin, with the
export's own CSP on and with it bypassed; the CSP itself stops a planted handler."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Dialog, Request, Route
from starlette.testclient import TestClient

from tests.browser.conftest import axe_violations
from tests.browser.test_xss import DOM_CHECK, RECORD
from tests.browser.xss_vectors import ENCODED, LINES, VECTORS
from wiki.config import Settings
from wiki.models import Author
from wiki.services.pages import EditRequest
from wiki.services.site import open_site
from wiki.web.app import create_app

BATCH = 50
MALLORY = Author("Mallory", "mallory@users.wiki.invalid")
#: Violations the page's CSP reports; the checks need a signal that the CSP acted, not a pause.
VIOLATIONS = "window.__violations = []; document.addEventListener('securitypolicyviolation', "
VIOLATIONS += "(event) => window.__violations.push(event.effectiveDirective));"
WHOLE_PAGE = """
() => [...document.querySelectorAll("script, iframe, object, embed, base, form, style, body meta, body link")]
        .map((element) => element.tagName)
"""


@pytest.fixture(scope="module")
def hostile_export(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Why: a wiki whose pages, titles, links, fragments and image alts hold every vector, exported
    now and as a named version, and unpacked as a reader would."""
    folder = tmp_path_factory.mktemp("export")
    settings = Settings(repo=folder / "wiki.git", database_url=f"sqlite:///{folder / 'wiki.sqlite3'}")
    site = open_site(settings)

    def save(name: str, title: str, body: str) -> None:
        found = site.pages.index.get(name)
        text = "---\n" + yaml.safe_dump({"title": title}, allow_unicode=True, width=1000) + "---\n" + body + "\n"
        site.pages.save(EditRequest(name, text, found[0].revision if found else None, "", MALLORY))

    save("a", LINES[0], "\n\n".join(ENCODED))
    save("index", LINES[1], "\n\n".join(ENCODED))
    for number in range(0, len(VECTORS), BATCH):
        title = LINES[(number // BATCH) % len(LINES)]
        save(f"team/aanval-{number}", title, "\n\n".join(VECTORS[number : number + BATCH]))
    site.versions.name_current("Versie 1.0", MALLORY)
    save("na-versie", LINES[2], "\n\n".join(ENCODED))
    with TestClient(create_app(settings, site=site)) as client:
        for query, target in (("", "nu"), ("?version=versie-1.0", "versie")):
            response = client.get("/export/site.zip" + query)
            assert response.status_code == 200
            zipfile.ZipFile(io.BytesIO(response.content)).extractall(folder / target)
    site.close()
    files = sorted(folder.glob("*/principes/**/*.html"))
    assert len(files) > 2 * len(VECTORS) // BATCH
    return files


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp-on", "csp-bypassed"])
def test_no_vector_runs_and_nothing_leaves_from_the_export_opened_from_disk(
    browser: Browser, hostile_export: list[Path], bypass_csp: bool
) -> None:
    context = browser.new_context(bypass_csp=bypass_csp)
    context.add_init_script(RECORD)
    elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    def note(request: Request) -> None:
        if not request.url.startswith(("file:", "data:")):
            elsewhere.append(request.url)

    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    context.route(lambda url: not url.startswith(("file:", "data:")), refuse)
    context.on("request", note)
    page = context.new_page()
    page.on("dialog", dismiss)
    ran: dict[str, Any] = {}
    dangerous: dict[str, Any] = {}
    try:
        for file in hostile_export:
            page.goto(file.as_uri())
            assert page.evaluate("getComputedStyle(document.querySelector('main')).overflowWrap") == "break-word"
            page.mouse.move(200, 300)
            for link in page.locator(".content a, ol a").all()[:5]:
                link.hover()
            hits = page.evaluate("window.__ran")
            if hits:
                ran[file.as_uri()] = hits
            found = page.evaluate(DOM_CHECK) + page.evaluate(WHOLE_PAGE)
            if found:
                dangerous[file.as_uri()] = found
    finally:
        context.close()
    print(f"\n{len(VECTORS)} vectors in {len(hostile_export)} exported files opened from disk "
          f"({'CSP bypassed' if bypass_csp else 'CSP on'}): {len(ran)} with code run, "
          f"{len(dangerous)} with dangerous markup, {len(elsewhere)} requests elsewhere")  # fmt: skip
    assert ran == {}
    assert dangerous == {}
    assert dialogs == []
    assert elsewhere == []


def test_the_exports_own_csp_stops_a_planted_handler(browser: Browser, hostile_export: list[Path]) -> None:
    context = browser.new_context()
    context.add_init_script(RECORD + VIOLATIONS)
    page = context.new_page()
    try:
        page.goto(next(file for file in hostile_export if file.name == "a.html").as_uri())
        page.evaluate("document.querySelector('.content').insertAdjacentHTML('beforeend', "
                      "'<img src=x onerror=xss(999)><img src=\"https://evil.invalid/x.png\">')")  # fmt: skip
        page.wait_for_function("window.__violations.length >= 2")
        assert sorted(set(page.evaluate("window.__violations"))) == ["img-src", "script-src-attr"]
        assert page.evaluate("window.__ran") == []
    finally:
        context.close()


def test_the_exported_index_and_a_page_have_no_accessibility_violations(
    browser: Browser, hostile_export: list[Path]
) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        for path in ("principes/index.html", "principes/p/a.html"):
            page.goto(next(file for file in hostile_export if file.as_posix().endswith("/nu/" + path)).as_uri())
            assert axe_violations(page) == []
    finally:
        context.close()
