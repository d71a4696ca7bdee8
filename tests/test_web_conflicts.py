"""Two people edit the same paragraph: the conflict page merges, and no save loses Anna's text."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from, git
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "neem-initiatief"
ANNA = Author("Anna", "anna@users.wiki.invalid")
OPENING = "Heb je een goed idee? Begin er dan mee."


def read_file(site: Site) -> str:
    return git(site.settings.repo, "show", f"HEAD:{PAGE}.md")


def anna_saves(site: Site, change: Any) -> None:
    """Anna changes the page (through the service, as her own browser would)."""
    page = site.pages.get(PAGE)[0]
    site.pages.save(EditRequest(PAGE, change(page.text), page.revision, "Anna", ANNA))


def meet_a_conflict(client: TestClient, auth: Auth, site: Site) -> Any:
    """Bob opens the editor; Anna rewrites the opening and adds a paragraph; Bob rewrites the
    opening too and changes the second paragraph: the answer is the conflict page."""
    auth.sign_in(Role.EDITOR, "bob")
    opened = client.get(f"/edit/{PAGE}")
    context = opened.context  # type: ignore[attr-defined]
    anna_saves(site, lambda text: text.replace(OPENING, "Anna: begin vandaag.") + "\nEen alinea van Anna.\n")
    body = context["body"].replace(OPENING, "Bob: begin morgen.")
    body = body.replace("Anderen kunnen later", "Bob: anderen mogen later")
    form = {"csrf_token": csrf_from(opened.text), "base": context["base"], "title": context["title"]}
    response = client.post(f"/edit/{PAGE}", data=form | {"body": body, "message": "Bob", "action": "save"})
    assert response.status_code == 409
    assert response.template.name == "conflict.html"  # type: ignore[attr-defined]
    return response


def answer(response: Any, **changes: str) -> dict[str, str]:
    """The conflict page's form as the browser sends it, with ``changes``."""
    context = response.context
    view = context["view"]
    form = {
        "csrf_token": csrf_from(response.text),
        "conflict": "1",
        "started": view.attempt.started_from or "",
        "base": context["base"],
        "mine": view.attempt.mine,
        "title": context["title"],
        "body": context["body"],
        "message": context["message"],
        "action": "save",
    }
    return form | changes


def test_the_box_starts_from_a_real_merge_with_both_versions_marked(client: TestClient, auth: Auth, site: Site) -> None:
    response = meet_a_conflict(client, auth, site)
    body = response.context["body"]
    assert "Een alinea van Anna." in body  # Anna's change elsewhere is applied
    assert "Bob: anderen mogen later" in body  # and so is Bob's
    assert "<<<<<<< Jouw versie\nBob: begin morgen." in body
    assert "======= Versie van Anna\nAnna: begin vandaag." in body
    assert ">>>>>>> Einde van de twee versies\n" in body
    [passage] = response.context["view"].passages
    assert "Bob: begin morgen." in passage.mine
    assert "Anna: begin vandaag." in passage.theirs
    for value in ("mine", "theirs", "both"):
        assert f'name="choice-1" value="{value}"' in response.text
    assert response.context["base"] == site.repo.head()


def test_the_markers_are_in_english_for_an_english_reader(client: TestClient, auth: Auth, site: Site) -> None:
    client.cookies.set("wiki_lang", "en")
    body = meet_a_conflict(client, auth, site).context["body"]
    assert "<<<<<<< Your version\n" in body
    assert "======= Version by Anna\n" in body


def test_saving_the_box_straight_away_is_refused_and_keeps_the_text(client: TestClient, auth: Auth, site: Site) -> None:
    response = meet_a_conflict(client, auth, site)
    head = site.repo.head()
    refused = client.post(f"/edit/{PAGE}", data=answer(response))
    assert refused.status_code == 400
    assert "gemarkeerde regels" in refused.context["error"]  # type: ignore[attr-defined]
    assert refused.context["body"] == response.context["body"]  # type: ignore[attr-defined]
    assert site.repo.head() == head


@pytest.mark.parametrize(
    ("choice", "outcome"),
    [
        ("mine", (["Bob: begin morgen."], ["Anna: begin vandaag."])),
        ("theirs", (["Anna: begin vandaag."], ["Bob: begin morgen."])),
        ("both", (["Bob: begin morgen.", "Anna: begin vandaag."], [])),
    ],
)
def test_a_choice_per_passage_saves_without_javascript(
    client: TestClient, auth: Auth, site: Site, choice: str, outcome: tuple[list[str], list[str]]
) -> None:
    kept, gone = outcome
    response = meet_a_conflict(client, auth, site)
    saved = client.post(f"/edit/{PAGE}", data=answer(response, **{"choice-1": choice}))
    assert saved.status_code == 303
    text = read_file(site)
    assert "Een alinea van Anna." in text
    assert "Bob: anderen mogen later" in text
    assert all(words in text for words in kept)
    assert not any(words in text for words in gone)
    assert "<<<<<<<" not in text


def test_putting_the_choices_in_the_box_saves_nothing_yet(client: TestClient, auth: Auth, site: Site) -> None:
    response = meet_a_conflict(client, auth, site)
    head = site.repo.head()
    shown = client.post(f"/edit/{PAGE}", data=answer(response, **{"choice-1": "both", "action": "choose"}))
    assert shown.status_code == 200
    body = shown.context["body"]  # type: ignore[attr-defined]
    assert "Bob: begin morgen." in body
    assert "Anna: begin vandaag." in body
    assert "<<<<<<<" not in body
    assert 'value="both" checked' in shown.text
    assert site.repo.head() == head
    assert client.post(f"/edit/{PAGE}", data=answer(shown)).status_code == 303
    assert "Anna: begin vandaag." in read_file(site)


def test_dropping_annas_text_is_refused_until_it_is_confirmed(client: TestClient, auth: Auth, site: Site) -> None:
    response = meet_a_conflict(client, auth, site)
    head = site.repo.head()
    own_text = response.context["view"].attempt.mine
    refused = client.post(f"/edit/{PAGE}", data=answer(response, body=own_text))
    assert refused.status_code == 400
    missing = refused.context["missing"]  # type: ignore[attr-defined]
    assert [line[:20] for line in missing] == ["Anna: begin vandaag.", "Een alinea van Anna."]
    assert "Een alinea van Anna." in refused.text
    assert refused.context["body"] == own_text  # type: ignore[attr-defined]
    assert site.repo.head() == head
    confirmed = client.post(f"/edit/{PAGE}", data=answer(refused, confirm_removal="yes"))
    assert confirmed.status_code == 303
    assert "Een alinea van Anna." not in read_file(site)


def test_a_further_change_meanwhile_is_caught_again(client: TestClient, auth: Auth, site: Site) -> None:
    response = meet_a_conflict(client, auth, site)
    anna_saves(site, lambda text: text.replace("Anna: begin vandaag.", "Anna: begin nu meteen."))
    again = client.post(f"/edit/{PAGE}", data=answer(response, **{"choice-1": "mine"}))
    assert again.status_code == 409
    assert again.context["base"] == site.repo.head()  # type: ignore[attr-defined]
    body = again.context["body"]  # type: ignore[attr-defined]
    assert "Bob: begin morgen." in body
    assert "Anna: begin nu meteen." in body
    assert "<<<<<<<" in body
    assert "Anna: begin nu meteen." in read_file(site)


def test_an_expired_form_shows_the_conflict_page_again_with_the_text(
    client: TestClient, auth: Auth, site: Site
) -> None:
    response = meet_a_conflict(client, auth, site)
    head = site.repo.head()
    expired = client.post(f"/edit/{PAGE}", data=answer(response, csrf_token="x", body="Mijn getypte tekst."))
    assert expired.status_code == 400
    assert expired.template.name == "conflict.html"  # type: ignore[attr-defined]
    assert expired.context["body"] == "Mijn getypte tekst."  # type: ignore[attr-defined]
    assert site.repo.head() == head
