"""Input nested without end: JSON bodies, YAML front matter and Markdown are read with a bound
on their depth, so a few thousand brackets get a clear 400 instead of a RecursionError (500)."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from tests.conftest import Auth
from wiki import pagefile
from wiki.errors import BadInput
from wiki.models import Role
from wiki.services.render import Renderer
from wiki.services.site import Site
from wiki.store.plaintext import plain_text
from wiki.web import jsonbody


def nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + closer * depth


@pytest.mark.parametrize(
    "body",
    [
        '{"body": ' + nested(2000) + "}",
        '{"body": "x", "message": ' + nested(5000, '{"a":', "}").replace("}", "1}", 1) + "}",
        "[" * 100_000,  # never closed
    ],
)
def test_a_deeply_nested_json_body_is_refused_in_the_persons_language(
    client: TestClient, auth: Auth, site: Site, body: str
) -> None:
    headers = {**auth.token(Role.MAINTAINER), "Content-Type": "application/json", "Accept-Language": "nl"}
    before = site.pages.current_head()
    for method, path in (("PUT", "/api/pages/diep"), ("POST", "/api/proposals")):
        answer = client.request(method, path, content=body, headers=headers)
        assert answer.status_code == 400
        assert answer.json()["error"] == "bad_request"
        assert "te diep" in answer.json()["message"]
    assert site.pages.current_head() == before


def test_json_nesting_is_counted_outside_strings_only() -> None:
    inside = '{"body": "' + "[" * 1000 + '\\"]]]"}'
    assert jsonbody.parse_object(inside.encode())["body"].startswith("[[[")
    assert jsonbody.parse_object(('{"a": ' + nested(jsonbody.MAX_DEPTH - 1) + "}").encode())
    with pytest.raises(BadInput):
        jsonbody.parse_object(('{"a": ' + nested(jsonbody.MAX_DEPTH) + "}").encode())


def test_the_depth_scan_of_an_unclosed_string_is_linear() -> None:
    # A quote, then escaped quotes to the end: a pattern restarting at every escaped quote
    # read this 500 KB body 250,000 times over (minutes); one pass takes milliseconds.
    body = ('"\\' * 250_000 + "[" * 40).encode()
    started = time.process_time()
    with pytest.raises(BadInput):
        jsonbody.parse_object(body)
    assert time.process_time() - started < 2


@pytest.mark.parametrize(
    "front_matter",
    [
        "title: " + nested(1000),
        "title: x\ntags: " + nested(200, "{a: ", "}"),
        "".join("  " * level + "a:\n" for level in range(100)),  # 10 KB
    ],
)
def test_deeply_nested_front_matter_is_refused_with_a_clear_message(
    client: TestClient, auth: Auth, site: Site, front_matter: str
) -> None:
    headers = {**auth.token(Role.MAINTAINER), "Accept-Language": "nl"}
    answer = client.put("/api/pages/diep", json={"body": f"---\n{front_matter}\n---\nTekst\n"}, headers=headers)
    assert answer.status_code == 400
    assert "te diep" in answer.json()["message"]
    assert client.get("/api/pages/diep").status_code == 404


def test_front_matter_over_16_kb_is_refused_and_read_from_git_as_absent() -> None:
    text = "---\ntitle: Groot\nnotes: " + "x" * 20_000 + "\n---\n# Kop\n"
    with pytest.raises(BadInput, match="16 KB"):
        pagefile.parse(text, "groot", strict=True)
    assert pagefile.parse(text, "groot").title == "Kop"
    deep = "---\ntitle: " + nested(1000) + "\n---\n# Kop\n"
    assert pagefile.parse(deep, "diep").title == "Kop"


def test_front_matter_within_the_bounds_is_read_as_before() -> None:
    text = "---\ntitle: Ondiep\nnumber: 3\ntags: " + nested(pagefile.MAX_FRONT_MATTER_DEPTH - 1) + "\n---\nTekst\n"
    parsed = pagefile.parse(text, "ondiep", strict=True)
    assert (parsed.title, parsed.number) == ("Ondiep", 3)


@pytest.mark.parametrize(
    "markdown",
    [
        ">" * 10_000 + " diep\n",
        "".join("  " * level + "- punt\n" for level in range(700)),
        "- " * 10_000 + "punt\n",
        "1. > " * 5_000 + "punt\n",
        "[" * 10_000 + "x" + "](y)" * 10_000,
        "*" * 10_000 + "x" + "*" * 10_000,
    ],
)
def test_markdown_nested_ten_thousand_deep_renders_quickly(markdown: str) -> None:
    started = time.process_time()
    html = Renderer().render(markdown)
    plain_text(markdown)
    assert time.process_time() - started < 3
    assert html.count("<blockquote>") <= 20
    assert html.count("<ul>") <= 20
