"""Find, link and share: search, wiki links and backlinks, contents, poster, exports, clone, open data."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth
from tests.server import running_server
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site, open_site

ANNA = Author("Anna", "anna@users.wiki.invalid")


def save(site: Site, name: str, text: str) -> str:
    found = site.pages.index.get(name)
    base = found[0].revision if found else None
    return site.pages.save(EditRequest(name, text, base, "", ANNA)).revision


def test_search_folds_diacritics_matches_prefixes_and_phrases(site: Site) -> None:
    save(site, "één-stap", "---\ntitle: Eén stap tegelijk\n---\nBegin met één kleine verbetering per week.\n")
    titles = [r.title for r in site.search.search("een stap")]
    assert titles[0] == "Eén stap tegelijk"
    assert site.search.search("initia")[0].path == "neem-initiatief"
    assert "een-stap" not in [r.path for r in site.search.search('"week kleine"')]
    assert site.search.search('"kleine verbetering per week"')[0].path == "één-stap"
    assert site.search.search("") == []
    assert site.search.search('"') == []
    assert site.search.search("AND OR NOT * ( ) NEAR") == []


def test_snippets_escape_everything_but_the_marks(site: Site) -> None:
    save(site, "gevaar", "---\ntitle: Gevaar\n---\nTekst met <script>alert(1)</script> en het woord zwaluw erin.\n")
    result = site.search.search("zwaluw")[0]
    assert "<mark>zwaluw</mark>" in result.snippet
    assert "&lt;script&gt;" in result.snippet
    assert result.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_open_proposals_are_found_and_marked(site: Site) -> None:
    author = site.accounts.add_user("auteur", PASSWORD, Role.CONTRIBUTOR)
    proposal = site.proposals.new_principle(author, "Vier successen", "Vier elke mijlpaal met het team.", "")
    hits = [r for r in site.search.search("mijlpaal") if r.kind == "proposal"]
    assert [(r.id, r.title) for r in hits] == [(proposal.id, "Vier successen")]
    site.proposals.withdraw(proposal.id, author)
    assert [r for r in site.search.search("mijlpaal") if r.kind == "proposal"] == []


def test_the_search_index_follows_commits_and_is_rebuilt_when_missing(site: Site) -> None:
    save(site, "notities", "# Notities\n\nHet woord kievit.\n")
    assert [r.path for r in site.search.search("kievit")] == ["notities"]
    save(site, "notities", "# Notities\n\nHet woord grutto.\n")
    assert site.search.search("kievit") == []
    path = site.index.file.path
    site.close()
    path.unlink()
    reopened = open_site(site.settings)
    try:
        assert [r.path for r in reopened.search.search("grutto")] == ["notities"]
    finally:
        reopened.close()


def test_search_page_and_api(client: TestClient) -> None:
    response = client.get("/search", params={"q": "zichtbaar"})
    assert response.status_code == 200
    assert response.context["results"][0].path == "wees-open-en-zichtbaar"  # type: ignore[attr-defined]
    data = client.get("/api/search", params={"q": "zichtbaar"}).json()
    assert set(data["results"][0]) == {"kind", "path", "title", "snippet"}
    assert data["results"][0]["kind"] == "page"
    assert "<mark>" in data["results"][0]["snippet"]


def test_wiki_links_backlinks_and_broken_links(client: TestClient, auth: Auth, site: Site) -> None:
    save(
        site,
        "team/notities",
        "# Notities\n\nZie [[Neem initiatief]], [[werk-is-persoonlijk|dit]] en [[Nog te schrijven]].\n",
    )
    page = client.get("/p/team/notities")
    assert '<a href="/p/neem-initiatief" class="wikilink">Neem initiatief</a>' in page.text
    assert '<a href="/p/werk-is-persoonlijk" class="wikilink">dit</a>' in page.text
    assert '<a href="/p/nog-te-schrijven" class="wikilink missing">Nog te schrijven</a>' in page.text
    target = client.get("/p/neem-initiatief")
    assert "team/notities" in [p.path for p in target.context["backlinks"]]  # type: ignore[attr-defined]
    linked = client.get("/p/zorg-dat-anderen-mee-kunnen-doen")  # the bundled pages link to each other
    assert "wees-open-en-zichtbaar" in [p.path for p in linked.context["backlinks"]]  # type: ignore[attr-defined]
    assert client.get("/links/broken").status_code == 401
    auth.sign_in(Role.MAINTAINER)
    assert ("team/notities", "nog te schrijven") in client.get("/links/broken").context["rows"]  # type: ignore[attr-defined]
    save(site, "nog-te-schrijven", "# Nog te schrijven\n\nNu wel.\n")
    assert 'class="wikilink">Nog te schrijven</a>' in client.get("/p/team/notities").text


def test_long_pages_get_a_table_of_contents(client: TestClient, site: Site) -> None:
    save(site, "lang", "# Lang\n\n## Eerste deel\n\nx\n\n## Tweede deel\n\ny\n\n### Een detail\n\nz\n")
    toc = client.get("/p/lang").context["toc"]  # type: ignore[attr-defined]
    assert [(level, anchor) for level, anchor, _text in toc] == [
        (1, "lang"),
        (2, "eerste-deel"),
        (2, "tweede-deel"),
        (3, "een-detail"),
    ]
    assert client.get("/p/neem-initiatief").context["toc"] == []  # type: ignore[attr-defined]


def test_poster_and_all_in_one(client: TestClient) -> None:
    poster = client.get("/poster?size=a3")
    assert [line.number for line in poster.context["poster"].lines] == list(range(1, 11))  # type: ignore[attr-defined]
    assert re.search(r'href="/static/poster-a3.css\?v=[0-9a-f]{16}" media="print"', poster.text)
    assert client.get("/static/poster-a3.css").text.count("size: A3") == 1
    everything = client.get("/all")
    assert len(everything.context["items"]) == 10  # type: ignore[attr-defined]
    assert "Laat collega's en anderen weten" in everything.text


def test_markdown_and_site_exports_of_now_and_of_a_version(client: TestClient, site: Site) -> None:
    site.versions.name_current("Versie 1.0", ANNA)
    page = site.pages.get("neem-initiatief")[0]
    save(site, "neem-initiatief", page.text + "\nNa versie 1.0.\n")
    now = zipfile.ZipFile(io.BytesIO(client.get("/export/markdown.zip").content))
    assert "principes/neem-initiatief.md" in now.namelist()
    assert now.read("principes/neem-initiatief.md").decode().startswith("---\ntitle: Neem initiatief\nnumber: 8\n")
    assert "Na versie 1.0." in now.read("principes/neem-initiatief.md").decode()
    then = zipfile.ZipFile(io.BytesIO(client.get("/export/markdown.zip?version=versie-1.0").content))
    assert "Na versie 1.0." not in then.read("principes/neem-initiatief.md").decode()
    site_zip = zipfile.ZipFile(io.BytesIO(client.get("/export/site.zip").content))
    assert {"principes/index.html", "principes/style.css", "principes/p/neem-initiatief.html"} <= set(
        site_zip.namelist()
    )
    html = site_zip.read("principes/p/wees-open-en-zichtbaar.html").decode()
    assert 'href="zorg-dat-anderen-mee-kunnen-doen.html"' in html
    assert 'href="/' not in html
    assert client.get("/export/site.zip?version=versie-9").status_code == 404


def test_open_data_downloads_comments_and_supports(client: TestClient, site: Site) -> None:
    author = site.accounts.add_user("auteur", PASSWORD, Role.CONTRIBUTOR, display_name="Auteur")
    proposal = site.proposals.create(author, "T", "", [("over", "# Over\n")])
    site.discussion.add(f"proposal:{proposal.id}", author, "Een reactie, met komma")
    site.discussion.support(proposal.id, author, supported=True)
    data = json.loads(client.get("/open-data/discussion.json").content)
    assert data["comments"][0]["body"] == "Een reactie, met komma"
    assert data["supports"] == [{"proposal": proposal.id, "by": "Auteur", "date": data["supports"][0]["date"]}]
    rows = list(csv.reader(io.StringIO(client.get("/open-data/discussion.csv").text)))
    assert rows[1][0] == "comment"
    assert rows[1][5] == "Een reactie, met komma"
    assert rows[2][:4] == ["support", "", f"proposal:{proposal.id}", "Auteur"]
    assert "git clone http://testserver/wiki.git" in client.get("/open-data").text


def test_git_clone_over_http_takes_everything_and_refuses_pushes(site: Site, tmp_path: Path) -> None:
    author = site.accounts.add_user("auteur", PASSWORD, Role.CONTRIBUTOR)
    site.proposals.create(author, "T", "", [("over", "# Over\n\nVoorgesteld.\n")])
    site.versions.name_current("Versie 1.0", ANNA)
    head = site.repo.head()
    settings = site.settings
    site.close()
    clone = tmp_path / "kopie"
    with running_server(settings, tmp_path / "server.log") as base:
        subprocess.run(["git", "clone", "-q", "--mirror", f"{base}/wiki.git", str(clone)], check=True, timeout=60)
        refs = subprocess.run(["git", f"--git-dir={clone}", "show-ref"], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip
        assert f"{head} refs/heads/main" in refs
        assert "refs/heads/proposals/1" in refs
        assert "refs/meta/proposals/1" in refs
        assert "refs/tags/versie-1.0" in refs
        subprocess.run(["git", f"--git-dir={clone}", "fsck", "--strict"], check=True, capture_output=True)
        pushed = subprocess.run(["git", f"--git-dir={clone}", "push", f"{base}/wiki.git", "main:refs/heads/stiekem"],
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert pushed.returncode != 0
        work = tmp_path / "werk"
        subprocess.run(["git", "clone", "-q", f"{base}/wiki.git", str(work)], check=True, timeout=60)
        assert (work / "neem-initiatief.md").exists()
    reopened = open_site(settings)
    try:
        assert reopened.repo.ref("refs/heads/stiekem") is None
    finally:
        reopened.close()


def test_ten_results_at_first_and_more_on_request(client: TestClient, site: Site) -> None:
    for number in range(12):
        save(site, f"vogel-{number}", f"# Vogel {number}\n\nDe merel zingt.\n")
    first = client.get("/search", params={"q": "merel"})
    assert len(first.context["results"]) == 10  # type: ignore[attr-defined]
    assert first.context["more"] is True  # type: ignore[attr-defined]
    everything = client.get("/search", params={"q": "merel", "all": "1"})
    assert len(everything.context["results"]) == 12  # type: ignore[attr-defined]
    assert len(client.get("/api/search", params={"q": "merel", "limit": "50"}).json()["results"]) == 12
    assert client.get("/api/search", params={"q": "merel", "limit": "500"}).status_code == 400


def test_a_clone_request_git_refuses_unread_gets_gits_answer_not_an_error(client: TestClient) -> None:
    """git answers a POST that is no fetch (here: a form) without reading its body; a body
    larger than a pipe holds then failed to write, which answered 500."""
    response = client.post(
        "/wiki.git/git-upload-pack",
        content=b"x" * 600_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
