"""Pages for people: reading, editing, previewing, conflicts, and never losing typed text."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.conftest import Auth, csrf_from, git
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "neem-initiatief"
AUTHOR = Author("Anna", "anna@users.wiki.invalid")


def edit_form(client: TestClient, name: str = PAGE) -> dict[str, str]:
    """The edit form's fields as the browser would send them back unchanged."""
    response = client.get(f"/edit/{name}")
    assert response.status_code == 200
    context = response.context  # type: ignore[attr-defined]
    return {
        "csrf_token": csrf_from(response.text),
        "base": context["base"],
        "title": context["title"],
        "body": context["body"],
        "message": "",
        "action": "save",
    }


def test_home_lists_the_ten_principles_in_order(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    principles = response.context["principles"]  # type: ignore[attr-defined]
    assert [page.number for page in principles] == list(range(1, 11))
    assert principles[0].title == "Wees open en zichtbaar"
    assert 'href="/p/wees-open-en-zichtbaar"' in response.text
    assert [page.path for page in response.context["others"]] == ["over"]  # type: ignore[attr-defined]


def test_a_page_is_rendered_from_markdown_in_dutch(client: TestClient) -> None:
    response = client.get(f"/p/{PAGE}")
    assert response.status_code == 200
    assert response.template.name == "page.html"  # type: ignore[attr-defined]
    assert '<div class="content" lang="nl">' in response.text
    assert "<li>" in response.context["html"]  # type: ignore[attr-defined]


def test_an_editor_saves_and_the_commit_carries_author_and_summary(client: TestClient, auth: Auth, site: Site) -> None:
    editor = auth.sign_in(Role.EDITOR)
    form = edit_form(client)
    form["body"] = form["body"] + "\nEen nieuwe alinea van de redactie.\n"
    form["message"] = "Alinea toegevoegd"
    response = client.post(f"/edit/{PAGE}", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == f"/p/{PAGE}"
    page = client.get(response.headers["location"])
    assert "Een nieuwe alinea van de redactie." in page.text
    assert page.context["notice"] == "Opgeslagen."  # type: ignore[attr-defined]
    log = git(site.settings.repo, "log", "-1", "--format=%an|%ae|%s")
    # The address is the account's id, not its username (issue 14: usernames can look alike).
    assert log.strip() == f"Editor Een|u{editor.id}@users.wiki.invalid|Alinea toegevoegd"
    front = git(site.settings.repo, "show", f"HEAD:{PAGE}.md").splitlines()[:4]
    assert front == ["---", "title: Neem initiatief", "number: 8", "---"]


def test_preview_shows_the_rendered_text_and_saves_nothing(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    before = site.repo.head()
    form = edit_form(client) | {"body": "Een **vette** tekst", "action": "preview"}
    response = client.post(f"/edit/{PAGE}", data=form)
    assert response.status_code == 200
    assert "<strong>vette</strong>" in response.context["preview"]  # type: ignore[attr-defined]
    assert response.context["body"] == "Een **vette** tekst"  # type: ignore[attr-defined]
    assert site.repo.head() == before


def test_edits_to_different_paragraphs_are_merged(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    first = edit_form(client)
    second = dict(first)
    paragraphs = first["body"].split("\n\n")
    first["body"] = "\n\n".join(["EERSTE " + paragraphs[0], *paragraphs[1:]])
    second["body"] = "\n\n".join([*paragraphs[:-1], paragraphs[-1] + " LAATSTE"])
    assert client.post(f"/edit/{PAGE}", data=first).status_code == 303
    response = client.post(f"/edit/{PAGE}", data=second)
    assert "Iemand anders" in client.get(response.headers["location"]).context["notice"]  # type: ignore[attr-defined]
    text = git(site.settings.repo, "show", f"HEAD:{PAGE}.md")
    assert "EERSTE " in text
    assert " LAATSTE" in text


def test_overlapping_edits_give_a_conflict_page_that_keeps_the_text(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    first, second = edit_form(client), edit_form(client)
    first["body"] = "Tekst van de eerste persoon.\n"
    second["body"] = "Tekst van de tweede persoon.\n"
    assert client.post(f"/edit/{PAGE}", data=first).status_code == 303
    head = site.repo.head()
    response = client.post(f"/edit/{PAGE}", data=second)
    assert response.status_code == 409
    assert response.template.name == "conflict.html"  # type: ignore[attr-defined]
    context = response.context  # type: ignore[attr-defined]
    assert "Tekst van de tweede persoon.\n" in context["body"]  # the box holds both versions, marked
    assert "Tekst van de eerste persoon.\n" in context["body"]
    assert context["view"].current_body == "Tekst van de eerste persoon.\n"
    assert context["base"] == head
    added = [p.text for block in context["changes"] for p in block.pieces if p.kind == "added"]
    assert any("eerste" in text for text in added)
    assert "<ins>" in response.text
    assert "<del>" in response.text
    assert site.repo.head() == head
    combined = second | {
        "base": head,
        "csrf_token": csrf_from(response.text),
        "body": "Tekst van de eerste en de tweede persoon.\n",
    }
    assert client.post(f"/edit/{PAGE}", data=combined).status_code == 303
    assert "eerste en de tweede" in git(site.settings.repo, "show", f"HEAD:{PAGE}.md")


def test_an_expired_session_keeps_the_text_and_signs_in_inside_the_form(
    client: TestClient, auth: Auth, site: Site
) -> None:
    user = auth.sign_in(Role.EDITOR)
    form = edit_form(client) | {"body": "Tekst getypt terwijl de sessie verliep.\n"}
    session_id = client.cookies["wiki_session"]
    site.accounts.end_session(session_id)  # as an idle timeout would
    before = site.repo.head()
    response = client.post(f"/edit/{PAGE}", data=form)
    assert response.status_code == 401
    assert response.context["ask_sign_in"] is True  # type: ignore[attr-defined]
    assert response.context["body"] == form["body"]  # type: ignore[attr-defined]
    assert site.repo.head() == before
    again = form | {
        "csrf_token": csrf_from(response.text),
        "username": user.username,
        "password": "correct horse battery",
    }
    response = client.post(f"/edit/{PAGE}", data=again)
    assert response.status_code == 303
    assert client.cookies["wiki_session"] != session_id
    assert "sessie verliep" in git(site.settings.repo, "show", f"HEAD:{PAGE}.md")


def test_a_form_without_its_token_saves_nothing_but_keeps_the_text(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    before = site.repo.head()
    form = edit_form(client) | {"csrf_token": "forged", "body": "Door een andere site gestuurd.\n"}
    response = client.post(f"/edit/{PAGE}", data=form)
    assert response.status_code == 400
    assert response.context["body"] == form["body"]  # type: ignore[attr-defined]
    assert site.repo.head() == before


def test_a_contributor_may_not_edit(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.CONTRIBUTOR)
    assert client.get(f"/edit/{PAGE}").status_code == 403
    page = client.get("/")
    form = {
        "csrf_token": csrf_from(page.text),
        "title": "X",
        "body": "Y",
        "base": site.pages.get(PAGE)[0].revision,
    }
    before = site.repo.head()
    assert client.post(f"/edit/{PAGE}", data=form).status_code == 403
    assert site.repo.head() == before


def test_anonymous_people_are_sent_to_sign_in(client: TestClient) -> None:
    response = client.get(f"/edit/{PAGE}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/signin?next=/edit/{PAGE}"
    # The link itself, not its label: a renamed label must not make this pass.
    assert f'href="/edit/{PAGE}"' not in client.get(f"/p/{PAGE}").text


def test_editors_see_the_edit_link_that_anonymous_people_do_not(client: TestClient, auth: Auth) -> None:
    auth.sign_in(Role.EDITOR)
    assert f'href="/edit/{PAGE}"' in client.get(f"/p/{PAGE}").text


def test_an_editor_creates_a_page_in_a_folder(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    form = client.get("/new")
    data = {
        "csrf_token": csrf_from(form.text),
        "name": "team/notities",
        "title": "Notities van het team",
        "body": "Eerste notitie.",
        "message": "Nieuwe pagina",
        "action": "save",
    }
    response = client.post("/new", data=data)
    assert response.headers["location"] == "/p/team/notities"
    page = client.get("/p/team/notities")
    assert page.context["page"].title == "Notities van het team"  # type: ignore[attr-defined]
    assert git(site.settings.repo, "log", "-1", "--format=%s").strip() == "Nieuwe pagina"
    again = client.post("/new", data=data | {"csrf_token": csrf_from(client.get("/new").text)})
    assert again.status_code == 409
    case = client.post(
        "/new",
        data=data | {"name": "Team/Notities", "csrf_token": csrf_from(client.get("/new").text)},
    )
    assert case.status_code == 409


def test_bad_page_names_are_refused_clearly(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    before = site.repo.head()
    for name in ["../buiten", ".git/config", "-rf", "a//b", "con"]:
        data = {
            "csrf_token": csrf_from(client.get("/new").text),
            "name": name,
            "title": "T",
            "body": "B",
        }
        response = client.post("/new", data=data)
        assert response.status_code == 400, name
        assert response.context["body"] == "B"  # type: ignore[attr-defined]
    assert site.repo.head() == before


def test_missing_pages_and_bad_revisions_are_a_plain_404(client: TestClient) -> None:
    for url in ["/p/bestaat-niet", "/p/../etc/passwd", "/p/.git/HEAD", "/nergens"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.template.name == "error.html"  # type: ignore[attr-defined]


def test_every_response_carries_the_content_security_policy(client: TestClient) -> None:
    for url in ["/", f"/p/{PAGE}", "/p/nope", "/static/wiki.css", "/api/pages", f"/edit/{PAGE}"]:
        csp = client.get(url).headers["content-security-policy"]
        assert csp == (
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        )


def test_the_language_is_chosen_and_remembered(client: TestClient) -> None:
    assert client.get("/").context["language"] == "nl"  # type: ignore[attr-defined]
    response = client.get("/lang/en?next=/p/over")
    assert response.headers["location"] == "/p/over"
    english = client.get("/p/over")
    assert '<html lang="en">' in english.text
    assert '<div class="content" lang="nl">' in english.text
    assert client.get("/lang/en?next=https://elders.example").headers["location"] == "/"


def test_sign_out_ends_the_session_on_the_server(client: TestClient, auth: Auth, site: Site) -> None:
    auth.sign_in(Role.EDITOR)
    session_id = client.cookies["wiki_session"]
    assert site.accounts.session_user(session_id) is not None
    client.post("/signout", data={"csrf_token": csrf_from(client.get("/").text)})
    assert site.accounts.session_user(session_id) is None


def test_a_wrong_password_gets_one_message_for_all_cases(client: TestClient, auth: Auth) -> None:
    auth.user(Role.EDITOR)
    token = csrf_from(client.get("/signin").text)
    wrong = client.post("/signin", data={"username": "editor1", "password": "nope", "csrf_token": token})
    unknown = client.post("/signin", data={"username": "niemand", "password": "nope", "csrf_token": token})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.context["error"] == unknown.context["error"]  # type: ignore[attr-defined]


def test_a_missing_page_offers_editors_to_create_it(client: TestClient, auth: Auth) -> None:
    assert client.get("/p/nog-te-schrijven").context["create_name"] is None  # type: ignore[attr-defined]
    auth.sign_in(Role.EDITOR)
    response = client.get("/p/nog-te-schrijven")
    assert response.status_code == 404
    assert 'href="/new?name=nog-te-schrijven"' in response.text
    form = client.get("/new?name=nog-te-schrijven")
    assert form.context["name"] == "nog-te-schrijven"  # type: ignore[attr-defined]


def test_anonymous_readers_get_cached_pages_with_an_etag_checked_against_head(
    client: TestClient, auth: Auth, site: Site
) -> None:
    first = client.get(f"/p/{PAGE}")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    assert client.get(f"/p/{PAGE}").content == first.content
    not_modified = client.get(f"/p/{PAGE}", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    page = site.pages.get(PAGE)[0]
    site.pages.save(EditRequest(PAGE, page.text + "\nNieuw na de cache.\n", page.revision, "", AUTHOR))
    changed = client.get(f"/p/{PAGE}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Nieuw na de cache." in changed.text
    assert changed.headers["etag"] != etag
    english = client.get("/lang/en?next=/")
    assert english.status_code == 303
    assert client.get(f"/p/{PAGE}").headers["etag"] != changed.headers["etag"]
    auth.sign_in(Role.EDITOR)
    signed_in = client.get(f"/p/{PAGE}")
    assert "etag" not in signed_in.headers
    assert signed_in.headers["cache-control"] == "no-store"


def test_home_shows_each_principle_with_its_first_sentence(client: TestClient) -> None:
    response = client.get("/")
    item = response.text.split('href="/p/neem-initiatief"', 1)[1].split("</li>", 1)[0]
    assert '<p class="principle-intro">Heb je een goed idee?</p>' in item


def test_every_page_links_the_wikis_own_icon_and_favicon_ico_finds_it(client: TestClient) -> None:
    page = client.get("/")
    icon = re.search(
        r'<link rel="icon" href="(/static/favicon\.svg\?v=[0-9a-f]{16})" type="image/svg\+xml">', page.text
    )
    assert icon is not None
    answer = client.get("/favicon.ico", follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"] == icon.group(1)
    svg = client.get(icon.group(1))
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
