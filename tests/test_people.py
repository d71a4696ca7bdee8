"""People: a person's public page, one's own contributions, and ``@username`` as a link."""

from __future__ import annotations

import re
from collections.abc import Collection

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth
from wiki.models import Role, User
from wiki.services import people as people_service
from wiki.services.accounts import commit_author
from wiki.services.discussion import page_target, proposal_target
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "neem-initiatief"


def edit(site: Site, user: User, extra: str) -> str:
    page = site.pages.get(PAGE)[0]
    result = site.pages.save(EditRequest(PAGE, page.text + f"\n{extra}\n", page.revision, extra, commit_author(user)))
    assert result.revision
    return result.revision


@pytest.fixture
def anna(site: Site) -> User:
    """Why: the person whose page is looked at, with a private address that must not show."""
    return site.accounts.add_user("anna", PASSWORD, Role.EDITOR, "anna.geheim@example.nl", "Anna de Vries")


@pytest.fixture
def bert(site: Site) -> User:
    """Why: someone else, whose contributions must not show up on Anna's page."""
    return site.accounts.add_user("bert", PASSWORD, Role.EDITOR, "bert@example.nl", "Bert Jansen")


def test_a_persons_page_shows_their_public_contributions_and_nothing_private(
    site: Site, client: TestClient, anna: User, bert: User
) -> None:
    revision = edit(site, anna, "Een zin van Anna.")
    edit(site, bert, "Een zin van Bert.")
    proposal = site.proposals.create(anna, "Voorstel van Anna", "Omdat.", [(PAGE, "Nieuwe tekst.\n")])
    theirs = site.proposals.create(bert, "Voorstel van Bert", "Omdat.", [(PAGE, "Andere tekst.\n")])
    site.discussion.add(page_target(PAGE), anna, "Zichtbare opmerking van Anna.")
    hidden = site.discussion.add(proposal_target(theirs.id), anna, "Verborgen opmerking.")
    site.discussion.hide(proposal_target(theirs.id), hidden, bert, "Niet netjes.")
    site.discussion.support(theirs.id, anna, supported=True)
    site.notifier.settle()

    response = client.get("/people/anna")
    assert response.status_code == 200
    html = response.text
    assert '<h1 class="utrecht-heading-1">Anna de Vries</h1>' in html
    assert f"/change/{revision}" in html
    assert "Een zin van Anna." in html
    assert "Een zin van Bert." not in html
    assert f'href="/proposals/{proposal.id}"' in html
    assert "Voorstel van Anna" in html
    assert f"/discuss/{PAGE}#comment-" in html
    assert "Zichtbare opmerking van Anna." in html
    assert "Verborgen opmerking." not in html
    assert "Niet netjes." not in html
    assert f'href="/proposals/{theirs.id}"' in html  # supporters are named on proposals, so here too
    for private in ("anna.geheim@example.nl", "editor", "u1@users.wiki.invalid"):
        assert private not in html


def test_usernames_are_found_as_sign_up_compares_them(client: TestClient, anna: User) -> None:
    assert client.get("/people/ANNA").status_code == 200


def test_an_unknown_or_erased_person_is_not_found_in_the_readers_language(
    site: Site, client: TestClient, anna: User
) -> None:
    assert client.get("/people/niemand").status_code == 404
    site.accounts.delete_account(anna, PASSWORD)
    response = client.get("/people/anna")
    assert response.status_code == 404
    assert "Er is niemand met deze gebruikersnaam." in response.text
    client.cookies.set("wiki_lang", "en")
    assert "There is nobody with this username." in client.get("/people/anna").text


def test_a_person_waiting_for_approval_has_no_page(site: Site, client: TestClient) -> None:
    site.accounts.sign_up("wacht", "Wacht Even", "w@example.nl", PASSWORD, "approval")
    assert client.get("/people/wacht").status_code == 404


def test_long_lists_are_cut_and_continue_on_older_pages(
    site: Site, client: TestClient, anna: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(people_service, "PAGE", 2)
    revisions = [edit(site, anna, f"Zin {n}.") for n in range(3)]
    for n in range(3):
        site.discussion.add(page_target(PAGE), anna, f"Opmerking {n}.")
    first = client.get("/people/anna").text
    assert f"/change/{revisions[2]}" in first
    assert f"/change/{revisions[0]}" not in first
    assert "Opmerking 2." in first
    assert "Opmerking 0." not in first
    older_edits = re.search(r'href="(/people/anna\?edits=[0-9a-f]+)"', first)
    older_comments = re.search(r'href="(/people/anna\?comments=[0-9]+)"', first)
    assert older_edits
    assert older_comments
    second = client.get(older_edits.group(1)).text
    assert f"/change/{revisions[0]}" in second
    assert f"/change/{revisions[2]}" not in second
    assert "Opmerking 0." in client.get(older_comments.group(1)).text
    assert client.get("/people/anna?comments=twee").status_code == 400


def test_my_contributions_need_signing_in(client: TestClient) -> None:
    assert client.get("/account/contributions").status_code == 401


def test_my_contributions_show_every_state_and_my_hidden_comments_with_the_reason(
    site: Site, client: TestClient, auth: Auth, bert: User
) -> None:
    me = auth.sign_in(Role.EDITOR, "carla")
    maintainer = site.accounts.add_user("dora", PASSWORD, Role.MAINTAINER, display_name="Dora")
    edit(site, me, "Van Carla.")
    withdrawn = site.proposals.create(me, "Ingetrokken voorstel", "Omdat.", [(PAGE, "Tekst een.\n")])
    site.proposals.withdraw(withdrawn.id, me)
    declined = site.proposals.create(me, "Afgewezen voorstel", "Omdat.", [(PAGE, "Tekst twee.\n")])
    site.proposals.decline(declined.id, maintainer, "Past niet.")
    supported = site.proposals.create(bert, "Voorstel van Bert", "Omdat.", [(PAGE, "Tekst drie.\n")])
    site.discussion.support(supported.id, me, supported=True)
    hidden = site.discussion.add(proposal_target(supported.id), me, "Te fel gezegd.")
    site.discussion.hide(proposal_target(supported.id), hidden, maintainer, "Toon is te fel.")
    site.notifier.settle()

    html = client.get("/account/contributions").text
    assert "Mijn bijdragen" in html
    assert "Van Carla." in html
    assert "Ingetrokken voorstel" in html
    assert "ingetrokken" in html.lower()
    assert "Afgewezen voorstel" in html
    assert "afgewezen" in html.lower()
    assert f'href="/proposals/{supported.id}"' in html
    assert "Voorstel van Bert" in html
    assert f"/proposals/{supported.id}#comment-{hidden}" in html
    assert "Toon is te fel." in html  # my own hidden comment, with the reason
    assert "Toon is te fel." not in client.get("/people/carla").text


def test_mentions_link_to_people_that_exist_and_nowhere_else(
    site: Site, client: TestClient, anna: User, bert: User
) -> None:
    body = "Dank @anna en @niemand. `@bert` in code, [@bert](/p/over) als link, mail anna@example.nl.\n\n    @bert\n"
    site.discussion.add(page_target(PAGE), bert, body)
    html = client.get(f"/discuss/{PAGE}").text
    assert '<a href="/people/anna" class="mention">@anna</a>' in html
    assert "@niemand" in html
    assert 'href="/people/niemand"' not in html
    assert 'href="/people/bert" class="mention"' not in html  # only in code and in a link's text
    assert "<code>@bert</code>" in html
    assert '<a class="who" href="/people/bert">Bert Jansen</a>' in html  # the commenter's name links too


def test_mentions_are_looked_up_once_for_a_whole_discussion(
    site: Site, anna: User, bert: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(5):
        site.discussion.add(page_target(PAGE), bert, f"Opmerking {n} voor @anna en @bert en @niemand{n}.")
    calls: list[Collection[str]] = []
    lookup = site.database.usernames_present

    def counted(names: Collection[str]) -> dict[str, str]:
        calls.append(names)
        return lookup(names)

    monkeypatch.setattr(site.database, "usernames_present", counted)
    comments = site.discussion.comments(page_target(PAGE))
    assert len(calls) == 1
    assert all('href="/people/anna"' in comment.html for comment in comments)


def test_pages_never_link_mentions(site: Site, client: TestClient, anna: User, bert: User) -> None:
    page = site.pages.get(PAGE)[0]
    site.pages.save(EditRequest(PAGE, page.text + "\nVraag het @anna.\n", page.revision, "", commit_author(bert)))
    html = client.get(f"/p/{PAGE}").text
    assert "@anna" in html
    assert 'href="/people/anna"' not in html


def test_the_privacy_page_says_how_long_the_data_of_notifications_is_kept(client: TestClient) -> None:
    dutch = client.get("/privacy", headers={"Accept-Language": "nl"}).text
    for kept in ("tot je stopt met volgen", "Je meldingen", "30 dagen", "één uur lang", "hoe vaak je e-mail wilt"):
        assert kept in dutch
    english = client.get("/privacy", headers={"Accept-Language": "en"}).text
    for kept in ("until you stop watching it", "Your notifications", "30 days", "for one hour", "how often you want"):
        assert kept in english
