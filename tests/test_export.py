"""The static-site export is safe opened from disk: every attribute is escaped after the links are
rewritten, every page carries its own CSP and loads nothing from elsewhere, no page name takes the
place of the index, and every link inside the export leads to a file it holds."""

from __future__ import annotations

import io
import posixpath
import zipfile
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
import yaml
from starlette.testclient import TestClient

from tests.browser.xss_vectors import ENCODED, LINES, VECTORS
from wiki.models import Author
from wiki.services.export_html import EXPORT_CONTENT_SECURITY_POLICY
from wiki.services.pages import EditRequest
from wiki.services.site import Site

MALLORY = Author("Mallory", "mallory@users.wiki.invalid")
#: What the export's templates and the Markdown renderer write; anything else came from a page.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "link", "body", "main", "div", "p", "h1", "h2", "h3", "h4", "h5", "h6",
    "a", "ol", "ul", "li", "em", "strong", "code", "pre", "blockquote", "table", "thead", "tbody", "tr", "th",
    "td", "img", "hr", "br", "s",
}  # fmt: skip


class _Markup(HTMLParser):
    """Every start tag of a document with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def markup(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.tags


def save(site: Site, name: str, text: str, title: str | None = None) -> None:
    if title is not None:
        text = "---\n" + yaml.safe_dump({"title": title}, allow_unicode=True, width=1000) + "---\n" + text
    found = site.pages.index.get(name)
    site.pages.save(EditRequest(name, text, found[0].revision if found else None, "", MALLORY))


def exported(client: TestClient, query: str = "") -> dict[str, str]:
    response = client.get("/export/site.zip" + query)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert len(names) == len(set(names)), "two files of the export share a name"
    return {name: archive.read(name).decode("utf-8") for name in names}


def dangers(files: dict[str, str]) -> dict[str, list[str]]:
    """Per exported HTML file: elements, attributes and addresses that could run or fetch something."""
    found: dict[str, list[str]] = {}
    for name, html in files.items():
        if not name.endswith(".html"):
            continue
        bad = []
        for tag, attrs in markup(html):
            if tag not in ALLOWED_TAGS:
                bad.append(tag)
            for attribute, value in attrs.items():
                lowered = value.strip().lower()
                if attribute.startswith("on") or attribute in ("style", "srcset", "action", "formaction"):
                    bad.append(f"{tag}@{attribute}")
                if lowered.startswith(("javascript:", "vbscript:", "data:text")):
                    bad.append(f"{tag}@{attribute}={value}")
            fetched = attrs.get("src", "") if tag == "img" else attrs.get("href", "") if tag == "link" else ""
            if fetched and not fetched.startswith("data:image/") and ":" in fetched.split("/", 1)[0]:
                bad.append(f"{tag} loads {fetched}")
            if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
                bad.append("meta refresh")
        if bad:
            found[name] = bad
    return found


def broken_links(files: dict[str, str]) -> list[str]:
    """Links between the exported files that lead to no file of the export."""
    broken = []
    for name, html in files.items():
        if not name.endswith(".html"):
            continue
        for tag, attrs in markup(html):
            href = attrs.get("href", "") if tag in ("a", "link") else ""
            if not href or href.startswith("#") or ":" in href.split("/", 1)[0]:
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(href.partition("#")[0])))
            if target not in files:
                broken.append(f"{name}: {href}")
    return broken


@pytest.mark.parametrize("vector", ENCODED)
def test_markup_encoded_in_a_link_stays_inert_in_the_export(client: TestClient, site: Site, vector: str) -> None:
    save(site, "a", "Doel.\n")
    save(site, "team/b", f"{vector}\n\n- {vector}\n\n> {vector}\n")
    files = exported(client)
    assert dangers(files) == {}
    assert "<img src=x" not in files["principes/p/team/b.html"]
    assert broken_links(files) == []


def test_every_vector_in_pages_and_titles_stays_inert_in_the_export(client: TestClient, site: Site) -> None:
    save(site, "a", "Doel.\n", title=LINES[1])
    for number in range(0, len(VECTORS), 60):
        save(site, f"aanval-{number}", "\n\n".join(VECTORS[number : number + 60]), LINES[number % len(LINES)])
    files = exported(client)
    assert len(files) > len(VECTORS) // 60
    assert dangers(files) == {}
    assert broken_links(files) == []


def test_every_exported_page_carries_its_own_csp_and_loads_nothing_from_elsewhere(
    client: TestClient, site: Site
) -> None:
    save(
        site,
        "plaatjes",
        "![logo](https://evil.invalid/logo.png) ![punt](data:image/png;base64,iVBORw0KGgo=)\n\n"
        "[![knop](https://evil.invalid/knop.png)](https://example.nl/)\n",
    )
    files = exported(client)
    for name, html in files.items():
        if not name.endswith(".html"):
            continue
        tags = markup(html)
        assert tags[3] == ("meta", {"http-equiv": "Content-Security-Policy", "content": EXPORT_CONTENT_SECURITY_POLICY})
        assert "script-src 'none'" in EXPORT_CONTENT_SECURITY_POLICY
        assert [attrs["href"] for tag, attrs in tags if tag == "link"] == ["../" * name.count("/", 10) + "style.css"]
    page = files["principes/p/plaatjes.html"]
    assert '<a href="https://evil.invalid/logo.png">logo</a>' in page
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="punt" />' in page
    assert '<a href="https://example.nl/">knop</a>' in page
    assert "url(http" not in files["principes/style.css"]
    assert "@import" not in files["principes/style.css"]


def test_a_page_named_index_does_not_replace_the_exported_index(client: TestClient, site: Site) -> None:
    save(site, "index", "Zie [neem initiatief](neem-initiatief) en [[style|de stijl]].\n", title="Mijn index")
    save(site, "style", "Terug naar [de index](index#boven).\n", title="Stijl")
    save(site, "p/index", "Naar [de andere index](../index).\n", title="Diepe index")
    files = exported(client)
    assert 'href="p/index.html">Mijn index</a>' in files["principes/index.html"]
    assert 'href="p/neem-initiatief.html">Neem initiatief</a>' in files["principes/index.html"]
    assert '<h1 class="utrecht-heading-1">Mijn index</h1>' in files["principes/p/index.html"]
    assert 'href="neem-initiatief.html"' in files["principes/p/index.html"]
    assert 'href="style.html" class="wikilink"' in files["principes/p/index.html"]
    assert 'href="index.html#boven"' in files["principes/p/style.html"]
    assert 'href="../index.html">de andere index' in files["principes/p/p/index.html"]
    assert files["principes/style.css"].startswith("/*") or "{" in files["principes/style.css"]
    assert broken_links(files) == []


def test_a_named_version_exports_as_safely(client: TestClient, site: Site) -> None:
    save(site, "a", "\n\n".join(ENCODED), title=LINES[0])
    site.versions.name_current("Versie 2.0", MALLORY)
    files = exported(client, "?version=versie-2.0")
    assert "principes/p/a.html" in files
    assert dangers(files) == {}
    assert broken_links(files) == []


def test_links_the_export_cannot_hold_go_to_the_web_or_to_its_index(client: TestClient, site: Site) -> None:
    save(site, "team/links", "[a](//example.nl/pad) [b](/history/a) [c](../../buiten) [d](mailto:a@example.nl)\n")
    page = exported(client)["principes/p/team/links.html"]
    assert '<a href="https://example.nl/pad">a</a>' in page
    assert '<a href="../../index.html">b</a> <a href="../../index.html">c</a>' in page
    assert '<a href="mailto:a@example.nl">d</a>' in page
