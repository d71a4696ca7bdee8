"""Control characters typed into any field never reach what others read, and never break a feed.

Every Atom feed is read back with feedparser (a real feed reader) after hostile input through
the forms, through the JSON API, and stored directly past both (as an older version could
have stored it): each must stay well-formed (``bozo == 0``) and keep its entries.
"""

from __future__ import annotations

import json
import sys

import feedparser
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Auth, csrf_from
from wiki.controls import without_controls
from wiki.models import Author, Role
from wiki.services.pages import EditRequest
from wiki.services.site import Site

PAGE = "neem-initiatief"
# Every kind XML 1.0 cannot hold or a reader cannot see: C0 (with NUL and ESC), DEL, C1, the
# two non-characters; tab, LF and CR are kept.
CONTROLS = "\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x80\x85\x9f\ufffe\uffff"
FEEDS = ("/atom/proposals", "/atom/changes", f"/atom/p/{PAGE}")


def hostile(text: str) -> str:
    """``text`` with every control character inserted after its first letter."""
    return text[0] + CONTROLS + text[1:]


def read_feeds(client: TestClient, urls: tuple[str, ...] = FEEDS) -> dict[str, feedparser.FeedParserDict]:
    """Each feed as a feed reader sees it, once checked well-formed and not empty."""
    feeds = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = feedparser.parse(response.content)
        assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
        assert parsed.entries, url
        feeds[url] = parsed
    return feeds


def entry_texts(feed: feedparser.FeedParserDict) -> str:
    return "\n".join(f"{entry.title}\n{entry.summary}\n{entry.author}" for entry in feed.entries)


def test_the_cleaning_removes_exactly_what_xml_and_readers_cannot_take() -> None:
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    removed = set(everything) - set(without_controls(everything))
    expected = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF]}
    assert removed == expected - {"\t", "\n", "\r"}


def test_controls_typed_into_forms_are_dropped_and_every_feed_stays_readable(
    client: TestClient, auth: Auth, site: Site
) -> None:
    token = csrf_from(client.get("/signup").text)
    signed_up = client.post(
        "/signup",
        data={"csrf_token": token, "username": "anna", "display_name": hostile("Anna Smit"),
              "email": "anna@example.nl", "password": PASSWORD},
    )  # fmt: skip
    assert signed_up.status_code == 303
    assert site.accounts.get_user("anna").display_name == "Anna Smit"
    token = csrf_from(client.get("/account").text)
    numbers = []
    for title in ("Werk samen", "Deel kennis"):
        proposed = client.post(
            "/proposals/new",
            data={"csrf_token": token, "title": hostile(title), "body": hostile("Samen kom je verder.") + "\n",
                  "why": hostile("Omdat het helpt")},
        )  # fmt: skip
        assert proposed.status_code == 303
        numbers.append(int(proposed.headers["location"].split("/proposals/")[1].split("?")[0]))
    commented = client.post(f"/proposals/{numbers[0]}/comment", data={"csrf_token": token, "body": hostile("Goed")})
    assert commented.status_code == 303
    client.cookies.clear()
    auth.sign_in(Role.MAINTAINER, "beheerder")
    token = csrf_from(client.get("/account").text)
    decline = {"csrf_token": token, "reason": hostile("Past niet")}
    assert client.post(f"/proposals/{numbers[0]}/decline", data=decline).status_code == 303
    page = site.pages.get(PAGE)[0]
    edited = client.post(
        f"/edit/{PAGE}",
        data={"csrf_token": token, "title": hostile("Neem initiatief"), "body": page.body + hostile("Nieuwe zin."),
              "message": hostile("Zin erbij"), "base": page.revision},
    )  # fmt: skip
    assert edited.status_code == 303

    feeds = read_feeds(client)
    proposals = entry_texts(feeds["/atom/proposals"])
    assert f"#{numbers[0]} Werk samen" in proposals
    assert f"#{numbers[1]} Deel kennis" in proposals
    assert "Past niet" in proposals
    assert "Anna Smit" in proposals
    assert "Zin erbij\n" in entry_texts(feeds["/atom/changes"])
    assert feeds[f"/atom/p/{PAGE}"].feed.title.endswith("Neem initiatief")
    shown = client.get(f"/proposals/{numbers[0]}").text + client.get(f"/p/{PAGE}").text
    assert not set(CONTROLS) & set(shown)
    assert "Goed" in shown
    assert "Nieuwe zin." in shown


def test_controls_in_json_bodies_are_dropped_and_every_feed_stays_readable(
    client: TestClient, auth: Auth, site: Site
) -> None:
    author = auth.token(Role.EDITOR, "redacteur")
    page = client.get(f"/api/pages/{PAGE}").json()
    # JSON escapes can carry what no UTF-8 form can: a lone surrogate, as well as every control.
    controls = json.dumps(CONTROLS + "\ud800")[1:-1]
    saved = client.put(
        f"/api/pages/{PAGE}",
        headers={**author, "content-type": "application/json"},
        content=json.dumps({"body": page["body"] + "Nog een zin.\n", "base_revision": page["revision"]})
        .replace("Nog", "N" + controls + "og")
        .replace('"base_revision"', f'"message": "E{controls}rbij", "base_revision"'),
    )
    assert saved.status_code == 200, saved.text
    created = client.post(
        "/api/proposals",
        headers={**author, "content-type": "application/json"},
        content=json.dumps({"title": "Zin erbij", "description": "Waarom", "changes": [
            {"path": PAGE, "body": page["body"] + "Voorgestelde zin.\n"}]}).replace("Zin", "Z" + controls + "in"),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["title"] == "Zin erbij"

    feeds = read_feeds(client)
    assert f"#{created.json()['id']} Zin erbij" in entry_texts(feeds["/atom/proposals"])
    assert "Erbij" in entry_texts(feeds["/atom/changes"])
    assert "Nog een zin." in client.get(f"/api/pages/{PAGE}").json()["body"]


def test_text_stored_with_controls_before_still_gives_well_formed_feeds(client: TestClient, site: Site) -> None:
    """Past the edge (as a text stored by an older version): the feed writer itself drops what
    XML cannot hold."""
    writer = site.accounts.add_user("schrijver", PASSWORD, Role.MAINTAINER, display_name="Schrijver")
    page = site.pages.get(PAGE)[0]
    text = page.text.replace("# ", "# T" + CONTROLS, 1) + "Z" + CONTROLS + "in.\n"
    site.pages.save(EditRequest(PAGE, text, page.revision, "B" + CONTROLS + "ericht", Author("S" + CONTROLS, "s@x")))
    site.proposals.new_principle(writer, "W" + CONTROLS + "erk samen", "Samen.\n", "O" + CONTROLS + "mdat")

    feeds = read_feeds(client)  # (the services turn some controls into spaces: "W erk")
    texts = entry_texts(feeds["/atom/changes"]) + entry_texts(feeds["/atom/proposals"])
    assert "erk samen" in texts
    assert "ericht" in texts
    assert not set(CONTROLS) & set(texts)
