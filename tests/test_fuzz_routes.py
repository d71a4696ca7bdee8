"""No input answers 500: hostile values in every parameter of every route, for an anonymous
visitor, a contributor and a maintainer (signed in, with valid form tokens and API tokens).

The routes are read from the app itself, so a route added later is fuzzed too.  Hypothesis
runs derandomized (the same examples on every run, so CI is repeatable).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from tests.fuzzing import (
    CHANGES,
    FORM_FIELDS,
    HOSTILE,
    JSON_BODY,
    JSON_KEYS,
    JSON_VALUE,
    LANGUAGES,
    QUERY_PARAMS,
    TEXT,
    URL_TEXT,
    FuzzWiki,
    fuzz_client,
)
from wiki.web.routes import ROUTES

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _operations() -> list[tuple[str, str]]:
    found = []
    for route in ROUTES:
        if isinstance(route, Route):
            found += [(method, route.path) for method in sorted((route.methods or set()) - {"HEAD"})]
        elif isinstance(route, Mount):
            found.append(("GET", route.path + "/{path:path}"))
    return found


OPERATIONS = _operations()
PATH_VALUES = st.one_of(URL_TEXT, st.sampled_from(["1", "2", "neem-initiatief", "fuzz-maintainer", "nl"]))


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWiki]:
    opened = FuzzWiki(Path(tmp_path_factory.mktemp("fuzz")))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def client(wiki: FuzzWiki) -> Iterator[TestClient]:
    yield from fuzz_client(wiki)


@pytest.fixture(autouse=True, scope="module")
def _quiet() -> Iterator[None]:
    # Every 500 fails the test with its request; the logged traceback would only repeat it.
    logging.disable(logging.ERROR)
    yield
    logging.disable(logging.NOTSET)


def _address(template: str, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        return quote(values[match.group(1)], safe="/" if ":path" in match.group(0) else "")

    return _PARAM.sub(fill, template)


#: Clients refuse a URL over 64 KB; the query of one example stays under this many bytes encoded.
_QUERY_BUDGET = 48_000


@st.composite
def requests(draw: st.DrawFn, method: str, template: str) -> dict[str, Any]:
    """One request to ``template``.  Each example has one hostile value as its theme, put in
    most places (path, every query parameter and form field the code reads, JSON keys), the
    rest filled with the words the code compares input with and random text."""
    theme = draw(st.sampled_from(HOSTILE), label="theme")
    some = st.one_of(st.just(theme), st.just(theme), TEXT)
    in_url = some.map(lambda value: value if len(quote(value)) < 10_000 else value[:800])
    values = {name: draw(in_url | PATH_VALUES) for name in _PARAM.findall(template)}
    query = {name: draw(in_url) for name in QUERY_PARAMS if draw(st.booleans())}
    if sum(len(quote(value)) for value in query.values()) > _QUERY_BUDGET:  # many long values: no valid URL
        query = {name: value[:300] for name, value in query.items()}
    request: dict[str, Any] = {"method": method, "url": _address(template, values), "params": query}
    request["headers"] = {"Accept-Language": draw(LANGUAGES)}
    if method == "GET":
        return request
    if template.startswith("/api/"):
        shape = draw(st.sampled_from(["keys", "raw", "any"]))
        if shape == "raw":
            request["content"] = theme.encode()
        else:
            keys = {key: draw(some | JSON_VALUE | CHANGES) for key in JSON_KEYS if draw(st.booleans())}
            request["json"] = keys if shape == "keys" else draw(JSON_BODY)
        return request
    request["data"] = {name: draw(some | st.lists(some, max_size=2)) for name in FORM_FIELDS if draw(st.booleans())}
    if draw(st.integers(0, 9)) == 0:
        request["files"] = {"upload": ("x.txt", b"x")}  # the wiki takes no files
    return request


@pytest.mark.slow
@pytest.mark.parametrize(("method", "template"), OPERATIONS, ids=[f"{m} {t}" for m, t in OPERATIONS])
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_value_in_any_parameter_of_any_route_answers_500(
    wiki: FuzzWiki, client: TestClient, method: str, template: str, data: st.DataObject
) -> None:
    who = data.draw(st.sampled_from(["anonymous", "contributor", "maintainer"]), label="who")
    visitor = wiki.visitor(who)
    request = data.draw(requests(method, template), label="request")
    if "data" in request:
        request["data"] = {**request["data"], "csrf_token": visitor.csrf}
    if template.startswith("/api/"):
        request["headers"].update(visitor.headers)
    client.cookies.clear()
    client.cookies.update(visitor.cookies)
    answer = client.request(**request)
    assert answer.status_code != 500, (who, request["url"], answer.text[:300])


def test_the_fuzz_test_reaches_every_route() -> None:
    paths = {template for _method, template in OPERATIONS}
    assert all(isinstance(route, Route | Mount) for route in ROUTES)
    assert all(route.path in paths or route.path + "/{path:path}" in paths for route in ROUTES)  # type: ignore[attr-defined]
    assert {"GET", "POST", "PUT", "DELETE"} <= {method for method, _template in OPERATIONS}
    assert {"body", "title", "changes", "head_revision"} <= set(JSON_KEYS)
    assert {"limit", "revision", "section", "next"} <= set(QUERY_PARAMS)
    assert {"title", "body", "action", "token_id", "proposal"} <= set(FORM_FIELDS)
