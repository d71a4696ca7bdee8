"""The friendly editor: live preview, drafts kept on the server, and editing one section."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from, git
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "zorg-dat-anderen-mee-kunnen-doen"
LONG = "---\ntitle: Lang\n---\nInleiding.\n\n## Eerste deel\n\nTekst één.\n\n## Tweede deel\n\nTekst twee.\n"


def token(client: TestClient) -> str:
    return csrf_from(client.get("/account").text)


def test_live_preview_renders_safely_for_signed_in_people(client: TestClient, auth: Auth) -> None:
    assert (
        client.post("/preview", data={"csrf_token": csrf_from(client.get("/signin").text), "body": "x"}).status_code
        == 401
    )
    auth.sign_in(Role.CONTRIBUTOR)
    response = client.post("/preview", data={"csrf_token": token(client), "body": "**vet** <script>x</script>"})
    assert response.json() == {"html": "<p><strong>vet</strong> &lt;script&gt;x&lt;/script&gt;</p>\n"}
    assert client.post("/preview", data={"body": "x"}).status_code == 403


def test_drafts_survive_sign_out_and_are_offered_back(client: TestClient, auth: Auth, site: Site) -> None:
    user = auth.sign_in(Role.EDITOR)
    base = site.pages.get(PAGE)[0].revision
    saved = client.post(
        f"/drafts/{PAGE}",
        data={
            "csrf_token": token(client),
            "title": "Zorg dat anderen mee kunnen doen",
            "body": "Half af, nog niet opgeslagen.",
            "base": base,
        },
    )
    assert saved.json() == {"saved": True}
    client.post("/signout", data={"csrf_token": token(client)})
    sign_in = client.post(
        "/signin",
        data={"csrf_token": csrf_from(client.get("/signin").text), "username": user.username, "password": PASSWORD},
    )
    assert sign_in.status_code == 303
    form = client.get(f"/edit/{PAGE}")
    assert form.context["draft"].body == "Half af, nog niet opgeslagen."  # type: ignore[attr-defined]
    restored = client.get(f"/edit/{PAGE}?draft=1")
    assert restored.context["body"] == "Half af, nog niet opgeslagen."  # type: ignore[attr-defined]
    assert restored.context["base"] == base  # type: ignore[attr-defined]
    data = {
        "csrf_token": csrf_from(restored.text),
        "title": "Zorg dat anderen mee kunnen doen",
        "body": "Nu wel af.\n",
        "base": base,
        "message": "",
        "action": "save",
    }
    assert client.post(f"/edit/{PAGE}", data=data).status_code == 303
    assert client.get(f"/edit/{PAGE}").context["draft"] is None  # type: ignore[attr-defined]


def test_a_draft_can_be_thrown_away(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    client.post(f"/drafts/{PAGE}", data={"csrf_token": token(client), "title": "T", "body": "weg", "base": ""})
    assert client.post(f"/drafts/{PAGE}", data={"csrf_token": token(client), "action": "discard"}).status_code == 303
    assert client.get(f"/edit/{PAGE}").context["draft"] is None  # type: ignore[attr-defined]


def test_edit_one_section_at_a_time(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    site.pages.save(EditRequest("lang", LONG, None, "", Author("A", "a@users.wiki.invalid")))
    page = client.get("/p/lang")
    assert 'href="/edit/lang?section=2"' in page.text
    form = client.get("/edit/lang?section=2")
    assert form.context["body"] == "## Tweede deel\n\nTekst twee.\n"  # type: ignore[attr-defined]
    data = {
        "csrf_token": csrf_from(form.text),
        "title": "Lang",
        "body": "## Tweede deel\n\nTekst TWEE, beter.",
        "base": form.context["base"],  # type: ignore[attr-defined]
        "section": "2",
        "message": "Alleen deel twee",
        "action": "save",
    }
    assert client.post("/edit/lang", data=data).status_code == 303
    text = git(site.settings.repo, "show", "HEAD:lang.md")
    assert text == LONG.replace("Tekst twee.", "Tekst TWEE, beter.")
    assert client.get("/edit/lang?section=9").context["section"] == ""  # type: ignore[attr-defined]
