"""Numbers from outside are ASCII digits: other Unicode digits ("²") pass ``str.isdigit()`` but
not ``int()``, and used to answer 500."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from wiki.numbers import is_whole_number
from wiki.web.notices import NOTICE_COOKIE


@pytest.mark.parametrize(("text", "whole"), [("12", True), ("0", True), ("²", False), ("٣", False), ("", False),
                                             ("-1", False), (" 1", False), ("1.5", False)])  # fmt: skip
def test_only_ascii_digits_are_whole_numbers(text: str, whole: bool) -> None:
    assert is_whole_number(text) is whole


@pytest.mark.parametrize(("path", "status"), [("/proposals/²", 404), ("/api/search?q=open&limit=²", 400)])
def test_a_superscript_digit_in_an_address_is_a_clear_answer_not_a_500(
    client: TestClient, path: str, status: int
) -> None:
    assert client.get(path).status_code == status


def test_a_notice_cookie_with_a_superscript_expiry_shows_nothing(client: TestClient) -> None:
    # A browser may send any byte in a cookie; "²" is one byte in Latin-1, as HTTP headers are read.
    page = client.get("/", headers={b"cookie": f"{NOTICE_COOKIE}=saved.²².x".encode("latin-1")})
    assert page.status_code == 200
    assert 'role="status"' not in page.text


def test_a_number_longer_than_the_database_can_hold_is_no_number() -> None:
    assert is_whole_number("9" * 18)
    assert not is_whole_number("9" * 19)
    assert not is_whole_number("9" * 5000)  # int() refuses more than 4,300 digits


@pytest.mark.parametrize("digits", [30, 5000])
def test_an_endless_number_in_an_address_is_a_clear_answer_not_a_500(client: TestClient, digits: int) -> None:
    for path in ("/api/changes?limit=", "/api/history/neem-initiatief?limit="):
        answer = client.get(path + "9" * digits)
        assert answer.status_code == 400
        assert answer.json()["error"] == "bad_request"
    assert client.get("/proposals/" + "9" * digits).status_code == 404


def test_a_notice_cookie_with_an_endless_expiry_shows_nothing(client: TestClient) -> None:
    page = client.get("/", headers={"cookie": f"{NOTICE_COOKIE}=saved.{'9' * 5000}.x"})
    assert page.status_code == 200
    assert 'role="status"' not in page.text
