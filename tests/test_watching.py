"""Watching and notifications through the web and the API: Anna watches a principle, Bert edits
it in his browser, Anna sees the bell's count, reads the notification, follows its link to the
compare view and marks it as read; nobody sees another's notifications."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, csrf_from
from wiki.models import Role, User
from wiki.services.discussion import page_target
from wiki.services.site import Site
from wiki.services.watching import notification_url
from wiki.store.database import Database
from wiki.store.notifications import NewEvent, NotificationRow
from wiki.web.app import create_app

PAGE = "neem-initiatief"
TITLE = "Neem initiatief"
_BELL = re.compile(r'class="bell__count" aria-hidden="true">(\d+)<')


@pytest.fixture
def people(site: Site) -> dict[str, User]:
    """Why: notifications are between people: Anna watches, Bert and Cor act."""
    return {
        name: site.accounts.add_user(name, PASSWORD, Role.EDITOR, f"{name}@example.nl", name.title())
        for name in ("anna", "bert", "cor")
    }


@pytest.fixture
def browsers(site: Site) -> Iterator[dict[str, TestClient]]:
    """Why: Anna and Bert each use their own browser (their own cookies) on the same wiki."""
    app = create_app(site.settings, site=site)
    clients = {
        name: TestClient(app, follow_redirects=False, headers={"Accept-Encoding": "identity"})
        for name in ("anna", "bert", "cor")
    }
    for client in clients.values():
        client.__enter__()
    yield clients
    for client in clients.values():
        client.__exit__(None, None, None)


def sign_in(client: TestClient, username: str) -> None:
    form = {
        "username": username,
        "password": PASSWORD,
        "csrf_token": csrf_from(client.get("/signin").text),
        "next": "/",
    }
    assert client.post("/signin", data=form).status_code == 303


def web_edit(client: TestClient, extra: str, name: str = PAGE) -> None:
    page = client.get(f"/edit/{name}")
    context = page.context  # type: ignore[attr-defined]
    form = {
        "csrf_token": csrf_from(page.text),
        "base": context["base"],
        "title": context["title"],
        "body": context["body"] + f"\n{extra}\n",
        "message": "",
        "action": "save",
    }
    assert client.post(f"/edit/{name}", data=form).status_code == 303


def press_watch(client: TestClient, address: str) -> str:
    """Press the watch button on ``address``; where the answer leads."""
    page = client.get(address)
    form = re.search(r'<form method="post" action="/watch".*?</form>', page.text, re.DOTALL)
    assert form, f"no watch button on {address}"
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(0)))
    answer = client.post("/watch", data=fields)
    assert answer.status_code == 303
    return str(answer.headers["location"])


def bell(client: TestClient) -> int:
    found = _BELL.search(client.get("/").text)
    return int(found.group(1)) if found else 0


@pytest.fixture
def signed(people: dict[str, User], browsers: dict[str, TestClient]) -> dict[str, TestClient]:
    for name, client in browsers.items():
        sign_in(client, name)
    return browsers


def test_anna_watches_bert_edits_anna_follows_the_link_and_marks_it_read(
    site: Site, signed: dict[str, TestClient]
) -> None:
    anna, bert = signed["anna"], signed["bert"]
    assert "Watch this page" not in anna.get(f"/p/{PAGE}").text  # Dutch by default
    assert press_watch(anna, f"/p/{PAGE}") == f"/p/{PAGE}"
    page = anna.get(f"/p/{PAGE}")
    assert page.context["notice"].startswith("Je volgt dit nu")  # type: ignore[attr-defined]
    assert "Deze pagina niet meer volgen" in page.text
    assert bell(anna) == 0
    web_edit(bert, "Een zin van Bert.")
    web_edit(bert, "Nog een zin van Bert.")
    site.notifier.settle()
    assert bell(anna) == 2
    assert bell(bert) == 0  # nobody is told of their own edits
    listing = anna.get("/notifications")
    assert listing.status_code == 200
    assert f"2 wijzigingen in &#39;{TITLE}&#39; door Bert" in listing.text
    [shown] = listing.context["groups"]  # type: ignore[attr-defined]
    newest = shown["group"].items[0]
    parts = urlsplit(newest.url)
    query = parse_qs(parts.query)
    assert parts.path == f"/compare/{PAGE}"
    head = site.repo.head()
    assert head is not None
    assert query["to"] == [head]
    assert query["from"] == [site.repo.parents(head)[0]]
    compare = anna.get(newest.url)
    assert compare.status_code == 200
    assert "Nog een zin van Bert." in compare.text
    form = re.search(
        r'<form method="post" action="/notifications/read" class="inline-form">.*?</form>', listing.text, re.DOTALL
    )
    assert form
    ids = re.findall(r'name="id" value="(\d+)"', form.group(0))
    assert len(ids) == 2
    answer = anna.post("/notifications/read", data={"csrf_token": csrf_from(listing.text), "id": ids})
    assert answer.status_code == 303
    assert bell(anna) == 0
    assert all(item.read for item in anna.get("/notifications").context["groups"][0]["group"].items)  # type: ignore[attr-defined]


def test_the_english_summary_and_plurals(site: Site, people: dict[str, User], signed: dict[str, TestClient]) -> None:
    anna = signed["anna"]
    anna.get("/lang/en")
    site.database.watch(people["anna"].id, "page", PAGE)
    web_edit(signed["bert"], "Van Bert.")
    web_edit(signed["cor"], "Van Cor.")
    site.notifier.settle()
    text = anna.get("/notifications").text
    assert f"2 changes to &#39;{TITLE}&#39; by Cor and Bert" in text
    assert "2 unread" in anna.get("/").text


def test_comments_link_to_their_anchor_and_mentions_say_so(
    site: Site, people: dict[str, User], signed: dict[str, TestClient]
) -> None:
    site.database.watch(people["anna"].id, "page", PAGE)
    comment_id = site.discussion.add(page_target(PAGE), people["bert"], "Wat vind jij, @cor?")
    site.notifier.settle()
    [anna_item] = site.watching.notifications(people["anna"])
    assert (anna_item.kind, anna_item.url) == ("comment", f"/discuss/{PAGE}#comment-{comment_id}")
    [cor_item] = site.watching.notifications(people["cor"])
    assert cor_item.kind == "mention"
    assert f"Bert noemde je bij &#39;{TITLE}&#39;" in signed["cor"].get("/notifications").text


def test_the_watch_button_on_every_list_and_account_watching(
    site: Site, people: dict[str, User], signed: dict[str, TestClient]
) -> None:
    anna = signed["anna"]
    proposal = site.proposals.create(people["bert"], "Voorbeeld", "Omdat.", [(PAGE, "Nieuwe tekst.\n")])
    for address in ("/", "/proposals", "/changes", f"/proposals/{proposal.id}"):
        assert press_watch(anna, address) == address
    assert site.database.watches(people["anna"].id) == [
        ("all", ""),
        ("principles", ""),
        ("proposals", ""),
        ("proposal", str(proposal.id)),
    ]
    listing = anna.get("/account/watching")
    assert listing.status_code == 200
    assert "Het hele wiki" in listing.text
    assert "Voorbeeld" in listing.text
    press_watch(anna, "/account/watching")  # the first row: stop watching the whole wiki
    assert ("all", "") not in site.database.watches(people["anna"].id)
    assert "Het hele wiki" not in anna.get("/account/watching").text


def test_anonymous_visitors_see_no_button_and_no_bell(client: TestClient) -> None:
    page = client.get(f"/p/{PAGE}").text
    assert 'action="/watch"' not in page
    assert "/notifications" not in page
    assert client.get("/notifications").status_code == 401
    assert client.get("/account/watching").status_code == 401


def test_bad_watches_are_refused_and_a_foreign_next_goes_home(
    site: Site, people: dict[str, User], signed: dict[str, TestClient]
) -> None:
    anna = signed["anna"]
    token = csrf_from(anna.get("/").text)
    base = {"csrf_token": token, "watch": "yes"}
    assert anna.post("/watch", data={**base, "kind": "page", "target": "bestaat-niet"}).status_code == 404
    assert anna.post("/watch", data={**base, "kind": "proposal", "target": "999"}).status_code == 404
    refused = anna.post("/watch", data={**base, "kind": "everything", "target": ""})
    assert refused.status_code == 400
    assert "Je kunt een pagina, een voorstel" in refused.text
    assert anna.post("/watch", data={**base, "kind": "all", "target": "x"}).status_code == 400
    assert anna.post("/watch", data={"kind": "all", "target": "", "watch": "yes"}).status_code == 403  # no token
    assert site.database.watches(people["anna"].id) == []
    away = anna.post("/watch", data={**base, "kind": "all", "target": "", "next": "//evil.example/"})
    assert away.headers["location"] == "/"


def test_nobody_marks_or_reads_anothers_notifications(
    site: Site, people: dict[str, User], signed: dict[str, TestClient]
) -> None:
    site.database.watch(people["anna"].id, "page", PAGE)
    web_edit(signed["bert"], "Van Bert.")
    site.notifier.settle()
    [item] = site.watching.notifications(people["anna"])
    cor = signed["cor"]
    assert cor.get("/notifications").context["groups"] == []  # type: ignore[attr-defined]
    token = csrf_from(cor.get("/").text)
    assert cor.post("/notifications/read", data={"csrf_token": token, "id": str(item.id)}).status_code == 303
    assert cor.post("/notifications/read", data={"csrf_token": token, "all": "1"}).status_code == 303
    assert site.watching.unread(people["anna"]) == 1
    assert cor.post("/notifications/read", data={"csrf_token": token, "id": "x"}).status_code == 400


def test_account_settings_store_mail_frequency_and_auto_watch_and_say_mail_is_off(
    site: Site, people: dict[str, User], signed: dict[str, TestClient]
) -> None:
    anna = signed["anna"]
    page = anna.get("/account")
    assert "E-mail staat uit op dit wiki" in page.text
    assert page.context["mail"].frequency == "daily"  # type: ignore[attr-defined]
    form = {"csrf_token": csrf_from(page.text), "action": "mail", "frequency": "weekly"}
    assert anna.post("/account", data=form).status_code == 303
    assert site.database.mail_settings(people["anna"].id) == ("weekly", False)
    refused = anna.post("/account", data={**form, "frequency": "hourly", "auto_watch": "yes"})
    assert refused.status_code == 400
    assert "Kies hoe vaak je e-mail krijgt" in refused.text
    assert site.database.mail_settings(people["anna"].id) == ("weekly", False)
    anna.post("/account", data={**form, "frequency": "immediately", "auto_watch": "yes"})
    assert site.database.mail_settings(people["anna"].id) == ("immediately", True)


def test_with_smtp_the_settings_do_not_say_mail_is_off(
    site: Site, signed: dict[str, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site.watching, "mail_on", lambda: True)
    assert "E-mail staat uit" not in signed["anna"].get("/account").text


# -- the API -------------------------------------------------------------------------------


def bearer(site: Site, user: User) -> dict[str, str]:
    return {"Authorization": "Bearer " + site.accounts.create_token(user.username)}


def test_api_watch_put_get_delete(site: Site, people: dict[str, User], client: TestClient) -> None:
    headers = bearer(site, people["anna"])
    answer = client.put("/api/watch", json={"kind": "page", "target": PAGE}, headers=headers)
    assert (answer.status_code, answer.json()) == (200, {"watching": True})
    assert site.watching.is_watching(people["anna"], "page", PAGE)
    assert client.put("/api/watch", json={"kind": "all", "target": ""}, headers=headers).json() == {"watching": True}
    assert client.get("/api/watch", headers=headers).json() == {
        "watching": [{"kind": "all", "target": ""}, {"kind": "page", "target": PAGE}]
    }
    answer = client.request("DELETE", "/api/watch", json={"kind": "page", "target": PAGE}, headers=headers)
    assert (answer.status_code, answer.json()) == (200, {"watching": False})
    assert not site.watching.is_watching(people["anna"], "page", PAGE)
    assert client.get("/api/watch", headers=headers).json() == {"watching": [{"kind": "all", "target": ""}]}


def test_api_watch_errors_are_json(site: Site, people: dict[str, User], client: TestClient) -> None:
    headers = bearer(site, people["anna"])
    missing = client.put("/api/watch", json={"kind": "page", "target": "nergens"}, headers=headers)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    wrong = client.put("/api/watch", json={"kind": "alles"}, headers=headers)
    assert (wrong.status_code, wrong.json()["error"]) == (400, "bad_request")
    assert client.put("/api/watch", json={"kind": "page", "target": 3}, headers=headers).status_code == 404
    assert client.get("/api/watch").status_code == 401
    assert client.get("/api/watch", headers={"Authorization": "Bearer nope"}).json()["error"] == "unauthorized"


def test_api_notifications_and_marking_them_read(
    site: Site, people: dict[str, User], signed: dict[str, TestClient], client: TestClient
) -> None:
    headers = bearer(site, people["anna"])
    client.put("/api/watch", json={"kind": "page", "target": PAGE}, headers=headers)
    web_edit(signed["bert"], "Van Bert.")
    site.notifier.settle()
    answer = client.get("/api/notifications?unread=1", headers=headers).json()
    assert answer["unread"] == 1
    [item] = answer["notifications"]
    assert set(item) == {"id", "kind", "target", "actor", "date", "summary", "url", "read"}
    assert (item["kind"], item["target"], item["actor"], item["read"]) == ("edit", PAGE, "Bert", False)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["date"])
    assert item["url"].startswith(f"/compare/{PAGE}?from=")
    assert client.post("/api/notifications/read", json={"ids": [item["id"]]}, headers=headers).json()["unread"] == 0
    assert client.get("/api/notifications?unread=1", headers=headers).json() == {"notifications": [], "unread": 0}
    assert len(client.get("/api/notifications", headers=headers).json()["notifications"]) == 1
    assert client.post("/api/notifications/read", json={"all": True}, headers=headers).status_code == 200
    bad = client.post("/api/notifications/read", json={"ids": ["1"]}, headers=headers)
    assert (bad.status_code, bad.json()["error"]) == (400, "bad_request")


def test_api_mail_frequency(site: Site, people: dict[str, User], client: TestClient) -> None:
    headers = bearer(site, people["anna"])
    answer = client.put("/api/account/mail", json={"frequency": "never"}, headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {"frequency": "never", "auto_watch": True, "mail_on": False}
    refused = client.put("/api/account/mail", json={"frequency": "often"}, headers=headers)
    assert (refused.status_code, refused.json()["error"]) == (400, "bad_request")
    assert site.database.mail_settings(people["anna"].id) == ("never", True)


def row(kind: str, subject: str, data: dict[str, object], comment_id: int | None = None) -> NotificationRow:
    return NotificationRow(1, 1, kind, subject, "Bert", "bert", 0.0, data, comment_id, "watch", False, False)


def test_each_kind_links_to_exactly_what_changed() -> None:
    def parent_of(revision: str) -> str | None:
        return "p" + revision

    assert notification_url(row("edit", "page:a/b", {"revision": "r1"}), parent_of) == "/compare/a/b?from=pr1&to=r1"
    assert notification_url(row("create", "page:a", {"revision": "r2"}), parent_of) == "/change/r2"
    assert notification_url(row("edit", "page:a", {"revision": "r3"}), lambda _r: None) == "/change/r3"
    assert notification_url(row("proposal_accepted", "proposal:4", {"revision": "r"}), parent_of) == "/proposals/4"
    assert notification_url(row("proposal_revised", "proposal:4", {}), parent_of) == "/proposals/4"
    assert notification_url(row("comment", "proposal:4", {}, 9), parent_of) == "/proposals/4#comment-9"
    assert notification_url(row("comment", "page:a b", {}, 9), parent_of) == "/discuss/a%20b#comment-9"
    assert notification_url(row("version_named", "version:v1/x", {}), parent_of) == "/versions/v1%2Fx"


def test_turning_automatic_watching_off_in_the_settings_stops_it(
    site: Site, people: dict[str, User], signed: dict[str, TestClient]
) -> None:
    bert = signed["bert"]
    form = {"csrf_token": csrf_from(bert.get("/account").text), "action": "mail", "frequency": "daily"}
    assert bert.post("/account", data=form).status_code == 303  # the box left unticked
    web_edit(bert, "Van Bert.")
    site.notifier.settle()
    assert site.database.watches(people["bert"].id) == []
    bert.post("/account", data={**form, "auto_watch": "yes"})
    web_edit(bert, "Weer van Bert.")
    site.notifier.settle()
    assert site.database.watches(people["bert"].id) == [("page", PAGE)]


def test_the_header_state_comes_in_one_query_on_both_backends(opened: Callable[[], Database]) -> None:
    database = opened()
    anna = database.add_user("anna", "Anna", "anna@example.nl", "editor", "x")
    assert database.header_state(anna) == (0, frozenset())
    database.watch(anna, "all", "")
    database.watch(anna, "page", PAGE)
    event = NewEvent("k1", "edit", f"page:{PAGE}", None, "Bert", 1.0, {"revision": "r"})
    database.record(event, {anna: "watch"}, ())
    assert database.header_state(anna) == (1, frozenset({("all", ""), ("page", PAGE)}))
    assert database.mail_settings(anna) == ("daily", True)
