"""The texts the wiki writes into git itself follow the site's language (WIKI_LANGUAGE), not the
reader's, and commits about a proposal link to it by a ``Voorstel: N`` trailer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from, git
from wiki.config import Settings
from wiki.models import Author, Role
from wiki.services.gittexts import proposal_number, wiki_author_names
from wiki.services.pages import EditRequest
from wiki.services.site import Site, open_site

PAGE = "neem-initiatief"
ANNA = Author("Anna", "anna@users.wiki.invalid")


def subjects(repo: Path, count: int) -> list[str]:
    return git(repo, "log", f"-{count}", "--format=%s").splitlines()


def add_line(site: Site, text: str) -> str:
    page = site.pages.get(PAGE)[0]
    return site.pages.save(EditRequest(PAGE, page.text + f"\n{text}\n", page.revision, "Regel erbij", ANNA)).revision


@pytest.fixture
def english_site(tmp_path: Path, database_url: str) -> Iterator[Site]:
    """Why: a site whose own git texts are English."""
    opened = open_site(Settings(repo=tmp_path / "en.git", database_url=database_url, language="en"))
    yield opened
    opened.close()


def test_the_setting_takes_nl_or_en_and_is_dutch_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().language == "nl"
    monkeypatch.setenv("WIKI_LANGUAGE", "en")
    assert Settings.from_env().language == "en"
    with pytest.raises(ValueError, match="WIKI_LANGUAGE"):
        Settings(language="fr")


def test_a_dutch_site_writes_its_own_commits_in_dutch(site: Site) -> None:
    repo = site.settings.repo
    assert git(repo, "log", "--format=%an|%s").splitlines() == [
        "Principewiki|Wiki beginnen met de meegeleverde principes"
    ]
    seed = site.pages.get(PAGE)[0].revision
    later = add_line(site, "Eerste regel.")
    site.pages.undo(PAGE, later, ANNA)
    add_line(site, "Tweede regel.")
    site.pages.restore(PAGE, seed, ANNA)
    site.pages.rename(PAGE, "initiatief", ANNA)
    site.pages.delete("initiatief", ANNA)
    site.pages.undelete("initiatief", ANNA)
    assert subjects(repo, 7) == [
        "Verwijderde pagina initiatief terugzetten",
        "initiatief verwijderen",
        "neem-initiatief hernoemen naar initiatief",
        f"neem-initiatief terugzetten naar versie {seed[:10]}",
        "Regel erbij",
        f"Wijziging {later[:10]} op neem-initiatief ongedaan maken",
        "Regel erbij",
    ]


def test_an_english_site_writes_them_in_english(english_site: Site) -> None:
    repo = english_site.settings.repo
    assert git(repo, "log", "--format=%an|%s").splitlines() == [
        "Principles wiki|Start the wiki with the bundled principles"
    ]
    seed = english_site.pages.get(PAGE)[0].revision
    add_line(english_site, "A line.")
    english_site.pages.restore(PAGE, seed, ANNA)
    assert subjects(repo, 1) == [f"Restore neem-initiatief as of {seed[:10]}"]


def test_the_readers_language_does_not_change_what_goes_into_git(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    seed = site.pages.get(PAGE)[0].revision
    add_line(site, "Weg ermee.")
    client.get("/lang/en")
    token = csrf_from(client.get("/").text)
    assert client.post(f"/restore/{PAGE}", data={"csrf_token": token, "revision": seed}).status_code == 303
    assert subjects(site.settings.repo, 1) == [f"neem-initiatief terugzetten naar versie {seed[:10]}"]


def test_the_wikis_author_names_come_from_one_place() -> None:
    assert wiki_author_names() == {"Principewiki", "Principles wiki"}


def test_an_accepted_proposal_carries_a_trailer_the_history_links_by(
    client: TestClient, english_site: Site, site: Site
) -> None:
    numbers = []
    for each, suffix in ((site, "nl"), (english_site, "en")):  # the two sites share one database
        author = each.accounts.add_user(f"auteur-{suffix}", PASSWORD, Role.CONTRIBUTOR)
        maintainer = each.accounts.add_user(f"beheerder-{suffix}", PASSWORD, Role.MAINTAINER)
        page = each.pages.get(PAGE)[0]
        proposal = each.proposals.create(author, "Zin erbij", "", [(PAGE, page.text + "\nZin.\n")])
        each.proposals.accept(proposal.id, maintainer, "Goed", proposal.head_revision)
        repo = each.settings.repo
        numbers.append(proposal.id)
        repo = each.settings.repo
        assert git(repo, "log", "-1", "--format=%(trailers:key=Voorstel)").strip() == f"Voorstel: {proposal.id}"
        assert git(repo, "log", "-1", "--format=%b").strip() == f"Goed\n\nVoorstel: {proposal.id}"
    assert subjects(site.settings.repo, 1) == [f"Voorstel #{numbers[0]} aannemen: Zin erbij"]
    assert subjects(english_site.settings.repo, 1) == [f"Accept proposal #{numbers[1]}: Zin erbij"]
    history = client.get(f"/history/{PAGE}").text
    assert history.count(f'href="/proposals/{numbers[0]}"') == 1
    assert client.get("/changes").text.count(f'href="/proposals/{numbers[0]}"') == 1


def test_older_english_merges_without_a_trailer_still_link_to_their_proposal(client: TestClient, site: Site) -> None:
    page = site.pages.get(PAGE)[0]
    site.pages.save(EditRequest(PAGE, page.text + "\nOud.\n", page.revision, "Accept proposal #7: Oud voorstel", ANNA))
    assert 'href="/proposals/7"' in client.get(f"/history/{PAGE}").text


@pytest.mark.parametrize(
    ("message", "number"),
    [
        ("Voorstel #3 aannemen: Titel\n\nReden\n\nVoorstel: 3", "3"),
        ("Beter\n\nVoorstel: 12", "12"),
        ("Accept proposal #4: Old\n\nWhy", "4"),
        ("Voorstel: 5", None),  # a summary someone typed is not a trailer
        ("Zie Voorstel: 5\n\nmeer tekst", None),
        ("Edit neem-initiatief", None),
    ],
)
def test_which_messages_belong_to_a_proposal(message: str, number: str | None) -> None:
    assert proposal_number(message) == number
