"""``WIKI_PUBLIC_URL``: the address people use, in every absolute link the wiki writes."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from wiki.cli import main
from wiki.config import Settings
from wiki.services.site import Site, open_site
from wiki.web.app import create_app

PUBLIC = "https://principes.example.nl/wiki"


@pytest.fixture
def public_client(settings: Settings) -> Iterator[TestClient]:
    """A client asking as http://testserver of a wiki whose people use ``PUBLIC``."""
    site = open_site(dataclasses.replace(settings, public_url=PUBLIC + "/"))
    with TestClient(create_app(site.settings, site=site), headers={"Accept-Encoding": "identity"}) as client:
        yield client
    site.close()


def test_feeds_exports_and_clone_address_use_the_public_address(public_client: TestClient) -> None:
    for url in ["/atom/changes", "/atom/p/neem-initiatief", "/atom/proposals"]:
        feed = public_client.get(url).text
        assert f"<id>{PUBLIC}{url}</id>" in feed
        assert "testserver" not in feed
    assert f"git clone {PUBLIC}/wiki.git" in public_client.get("/open-data").text
    assert f"Canonical: {PUBLIC}/.well-known/security.txt" in public_client.get("/.well-known/security.txt").text
    archive = zipfile.ZipFile(io.BytesIO(public_client.get("/export/site.zip").content))
    assert f'href="{PUBLIC}/"' in archive.read("principes/index.html").decode()


def test_without_the_setting_links_use_the_requests_own_address(client: TestClient, site: Site) -> None:
    assert site.settings.public_url == ""
    assert "<id>http://testserver/atom/changes</id>" in client.get("/atom/changes").text


@pytest.mark.parametrize(
    "wrong",
    ["principes.example.nl", "ftp://example.nl", "https://", "https://example.nl/?a=1", "https://example.nl/#top",
     "https://user:pw@example.nl", "https://example.nl:port", "https://example .nl"],
)  # fmt: skip
def test_a_wrong_public_address_is_a_clear_start_up_error(
    wrong: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="WIKI_PUBLIC_URL must be an address such as https://"):
        Settings(public_url=wrong)
    monkeypatch.setenv("WIKI_PUBLIC_URL", wrong)
    assert main(["serve"]) == 1
    assert "wiki: WIKI_PUBLIC_URL must be an address" in capsys.readouterr().err


def test_good_public_addresses_are_accepted() -> None:
    for good in ["http://localhost:8000", "https://principes.example.nl/", PUBLIC]:
        assert Settings(public_url=good).public_url == good
