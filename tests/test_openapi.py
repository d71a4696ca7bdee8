"""The OpenAPI document of the JSON API lists exactly the app's /api routes, and every
operation it documents, driven with hostile values built from the document itself, never
answers 500."""

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
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.fuzzing import HOSTILE, JSON_VALUE, TEXT, URL_TEXT, FuzzWiki, fuzz_client
from wiki.services.proposal_records import STATUSES
from wiki.web.openapi import document
from wiki.web.routes import ROUTES

_CONVERTER = re.compile(r"\{(\w+):\w+\}")


def _documented() -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in document()["paths"].items() for method, op in ops.items()]


def test_the_document_lists_every_api_route_and_no_other(client: TestClient) -> None:
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    assert served.json() == document()
    in_app = {
        (method, _CONVERTER.sub(r"{\1}", route.path))
        for route in ROUTES
        if isinstance(route, Route) and route.path.startswith("/api/")
        for method in (route.methods or set()) - {"HEAD"}
    }
    assert {(method, path) for method, path, _op in _documented()} == in_app


def test_the_documented_statuses_are_the_ones_the_api_knows() -> None:
    schema = document()["paths"]["/api/proposals"]["get"]["parameters"][0]["schema"]
    assert tuple(schema["enum"]) == STATUSES


OPERATIONS = _documented()


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWiki]:
    opened = FuzzWiki(Path(tmp_path_factory.mktemp("openapi")))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def api(wiki: FuzzWiki) -> Iterator[TestClient]:
    logging.disable(logging.ERROR)  # a 500 fails the test with its request; no need for the log
    yield from fuzz_client(wiki)
    logging.disable(logging.NOTSET)


def _value(schema: dict[str, Any], theme: str) -> st.SearchStrategy[Any]:
    """Values near the schema (what it allows) and far from it (the hostile theme, any JSON)."""
    kind = schema.get("type")
    near: st.SearchStrategy[Any]
    if "enum" in schema:
        near = st.sampled_from(schema["enum"])
    elif kind == "boolean":
        near = st.booleans()
    elif kind == "array" and "properties" in schema["items"]:
        item = schema["items"]["properties"]
        near = st.lists(st.fixed_dictionaries({key: _value(sub, theme) for key, sub in item.items()}), max_size=2)
    elif kind == "array":
        near = st.lists(_value(schema["items"], theme), max_size=3)
    elif kind == "integer":
        near = st.integers()
    else:
        near = TEXT
    return st.one_of(st.just(theme), near, JSON_VALUE)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, _o in OPERATIONS], ids=[f"{m} {p}" for m, p, _o in OPERATIONS]
)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_documented_operation_answers_500(
    wiki: FuzzWiki, api: TestClient, method: str, path: str, data: st.DataObject
) -> None:
    operation = document()["paths"][path][method.lower()]
    theme = data.draw(st.sampled_from(HOSTILE), label="theme")
    in_url = st.one_of(st.just(theme), URL_TEXT, st.sampled_from(["1", "2", "neem-initiatief"]))
    in_url = in_url.map(lambda value: value if len(quote(value)) < 10_000 else value[:800])
    url, query = path, {}
    for parameter in operation["parameters"]:
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", quote(data.draw(in_url), safe="/"))
        elif data.draw(st.booleans()):
            query[parameter["name"]] = data.draw(in_url)
    who = data.draw(st.sampled_from(["anonymous", "contributor", "maintainer"]), label="who")
    request: dict[str, Any] = {"params": query, "headers": wiki.visitor(who).headers}
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        body = {
            key: data.draw(_value(sub, theme)) for key, sub in schema["properties"].items() if data.draw(st.booleans())
        }
        if data.draw(st.integers(0, 4)) == 0:
            request["content"] = theme.encode()
        else:
            request["json"] = body
    answer = api.request(method, url, **request)
    assert answer.status_code != 500, (who, url, answer.text[:300])
    if answer.content and answer.request.url.path.startswith("/api/"):  # the client folds "/api/pages/.."
        assert answer.headers["content-type"].startswith("application/json")
