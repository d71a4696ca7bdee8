"""Named versions for people: editors name them; each can be read, printed and downloaded."""

from __future__ import annotations

import io
import re
import zipfile

from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "neem-initiatief"
LATER = "Deze alinea kwam na de versie."


def name_version(client: TestClient, display_name: str) -> int:
    token = csrf_from(client.get("/versions").text)
    return client.post("/versions", data={"csrf_token": token, "display_name": display_name}).status_code


def test_editors_may_name_a_version_contributors_may_not(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.CONTRIBUTOR, "bijdrager")
    assert 'action="/versions"' not in client.get("/versions").text
    assert name_version(client, "Versie 0.9") == 403
    assert site.versions.versions() == []
    auth.sign_in(Role.EDITOR, "redacteur")
    assert 'action="/versions"' in client.get("/versions").text
    assert name_version(client, "Versie 1.0") == 303
    assert [version.tag for version in site.versions.versions()] == ["versie-1.0"]


def test_a_named_version_can_be_read_printed_and_downloaded(client: TestClient, site: Site) -> None:
    site.versions.name_current("Versie 1.0", Author("Rie", "rie@users.wiki.invalid"))
    page = site.pages.get(PAGE)[0]
    site.pages.save(EditRequest(PAGE, page.text + f"\n{LATER}\n", page.revision, "later", Author("A", "a@x.invalid")))
    listing = client.get("/versions").text
    links = re.findall(r'<a href="([^"]+)"(?: download)?>([^<]+)', listing.split('id="versie-1.0"')[1])
    by_label = {label.strip(): href for href, label in links}
    assert by_label["Lezen"] == "/all?version=versie-1.0"
    assert by_label["Afdrukken als poster"] == "/poster?version=versie-1.0"
    assert by_label["Downloaden (Markdown, zip)"] == "/export/markdown.zip?version=versie-1.0"

    read = client.get(by_label["Lezen"])
    assert read.status_code == 200
    assert "De principes zoals ze waren in Versie 1.0" in read.text
    assert "Neem initiatief" in read.text
    assert LATER not in read.text
    assert LATER in client.get("/all").text

    poster = client.get(by_label["Afdrukken als poster"])
    assert poster.status_code == 200
    assert "Versie 1.0, vastgelegd op" in poster.text
    assert 'href="/poster?size=a3&amp;version=versie-1.0"' in poster.text

    download = client.get(by_label["Downloaden (Markdown, zip)"])
    assert download.headers["content-disposition"] == 'attachment; filename="principes-versie-1.0-markdown.zip"'
    text = zipfile.ZipFile(io.BytesIO(download.content)).read(f"principes/{PAGE}.md").decode()
    assert "Neem initiatief" in text
    assert LATER not in text


def test_a_version_that_does_not_exist_is_a_plain_404(client: TestClient) -> None:
    for url in ["/all?version=versie-9", "/poster?version=versie-9", "/poster?version=../../etc"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Die versie bestaat niet." in response.text
