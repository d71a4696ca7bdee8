"""Renaming, deleting, undoing and restoring over HTTP: what the forms tell a person and
what ends up in the history."""

from __future__ import annotations

import html

from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "bepaal-je-eigen-grenzen"
ANNA = Author("Anna", "anna@users.wiki.invalid")


def edit(site: Site, text: str) -> str:
    page = site.pages.get(PAGE)[0]
    return site.pages.save(EditRequest(PAGE, page.text + f"\n{text}\n", page.revision, "Erbij", ANNA)).revision


def post(client: TestClient, url: str, **data: str) -> str:
    response = client.post(url, data={"csrf_token": csrf_from(client.get("/").text), **data})
    assert response.status_code == 303, response.text
    return response.headers["location"]


def last_message(site: Site, name: str) -> str:
    return site.history.revision_info(site.pages.get(name)[0].revision).message


def test_the_rename_hint_is_the_rule_the_error_states(client: TestClient, auth: Auth) -> None:
    auth.sign_in(Role.EDITOR)
    form = client.get(f"/rename/{PAGE}").text
    token = csrf_from(form)
    refused = client.post(f"/rename/{PAGE}", data={"csrf_token": token, "new_name": "met spatie"})
    assert refused.status_code == 400
    error = html.unescape(refused.text.split('role="alert"><p>')[1].split("</p>")[0])
    hint = html.unescape(form.split('id="new-name-hint">')[1].split("</p>")[0])
    assert hint == error
    assert "'_'" in hint
    assert "'.'" in hint
    assert "alleen het adres" in form
    assert "Links naar het oude adres blijven werken" in form


def test_renaming_keeps_the_title_and_the_old_address_leads_to_the_new_one(
    client: TestClient, auth: Auth, site: Site
) -> None:
    auth.sign_in(Role.EDITOR)
    title = site.pages.get(PAGE)[0].title
    assert post(client, f"/rename/{PAGE}", new_name="grenzen").startswith("/p/grenzen")
    assert site.pages.get("grenzen")[0].title == title
    assert client.get(f"/p/{PAGE}").headers["location"] == "/p/grenzen"


def test_deleting_asks_first_with_a_destructive_button(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    page = client.get(f"/delete/{PAGE}")
    assert page.status_code == 200
    assert "Weet je het zeker?" in page.text
    assert "lijst van verwijderde pagina" in page.text
    danger = "utrecht-button utrecht-button--primary-action utrecht-button--danger"
    assert f'class="{danger}">Ja, verwijder deze pagina</button>' in page.text
    assert site.pages.get(PAGE)[0].path == PAGE  # asking deletes nothing
    assert post(client, f"/delete/{PAGE}") == "/deleted"
    assert "terugzetten" in client.get("/deleted").context["notice"]  # type: ignore[attr-defined]
    assert client.get(f"/p/{PAGE}").status_code == 404


def test_undo_asks_for_an_optional_reason_that_goes_into_the_commit(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    change = edit(site, "Weg ermee.")
    history = client.get(f"/history/{PAGE}").text
    assert f'href="/undo/{PAGE}?revision={change}"' in history
    form = client.get(f"/undo/{PAGE}", params={"revision": change})
    assert form.status_code == 200
    assert 'name="reason"' in form.text
    assert "Reden (niet verplicht)" in form.text
    assert post(client, f"/undo/{PAGE}", revision=change, reason="Dit klopte niet") == f"/p/{PAGE}"
    message = last_message(site, PAGE)
    assert message.endswith("Dit klopte niet")
    assert "Weg ermee." not in site.pages.get(PAGE)[0].body


def test_undo_without_a_reason_keeps_the_plain_message(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    change = edit(site, "Weg ermee.")
    post(client, f"/undo/{PAGE}", revision=change)
    assert not last_message(site, PAGE).rstrip().endswith(":")


def test_restore_and_bringing_back_take_the_reason_into_the_commit(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    seed = site.pages.get(PAGE)[0].revision
    edit(site, "Weg ermee.")
    old = client.get(f"/p/{PAGE}", params={"revision": seed}).text
    assert 'name="reason"' in old
    post(client, f"/restore/{PAGE}", revision=seed, reason="Terug naar het begin")
    assert last_message(site, PAGE).endswith("Terug naar het begin")
    post(client, f"/delete/{PAGE}")
    assert 'name="reason"' in client.get("/deleted").text
    post(client, f"/undelete/{PAGE}", reason="Toch nodig")
    assert last_message(site, PAGE).endswith("Toch nodig")


def test_the_undo_form_for_an_unknown_revision_is_not_found(client: TestClient, auth: Auth) -> None:
    auth.sign_in(Role.EDITOR)
    assert client.get(f"/undo/{PAGE}", params={"revision": "0" * 40}).status_code == 404
    assert client.get(f"/undo/{PAGE}", params={"revision": "nope"}).status_code == 404
