"""Page names: the one allowlist between people's input and the repository's files."""

from __future__ import annotations

import posixpath
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiki.errors import BadInput, NotFound
from wiki.names import check_page_name, check_revision, page_name_of_file, slugify


@pytest.mark.parametrize(
    "name",
    ["wees-open-en-zichtbaar", "team/notities", "één", "2026/verslag_1.concept", "Ω-pagina", "a" * 200],
)
def test_good_names_pass(name: str) -> None:
    assert check_page_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "..",
        "../x",
        "a/../b",
        "a/./b",
        ".verborgen",
        "-n",
        "--output=x",
        "a//b",
        "/abs",
        "a/",
        ".git",
        "a/.GIT/config",
        "git~1",
        ".git\u200c",
        "a\u200db",
        "map.",
        "con",
        "LPT1.md",
        "a b",
        "a\\b",
        "a:b",
        "a\x00b",
        "a\nb",
        "a*b",
        "a?b",
        "[a]",
        "~x",
        "a" * 201,
        "é" * 101,
    ],
)
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(BadInput):
        check_page_name(name)


def test_names_are_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "één")
    assert check_page_name(decomposed) == "één"
    assert page_name_of_file(decomposed + ".md") is None  # a file git holds in NFD is not served


@given(st.text(max_size=60))
def test_no_accepted_name_escapes_the_repository(text: str) -> None:
    try:
        name = check_page_name(text)
    except BadInput:
        return
    assert not name.startswith(("/", "-", "."))
    assert posixpath.normpath(name) == name
    assert ".." not in name.split("/")
    assert all(part and not part.lower().startswith(".git") for part in name.split("/"))
    assert not any(part.casefold().endswith(".md") for part in name.split("/"))  # no folder is named like a page
    assert len(name.encode()) <= 200


@pytest.mark.parametrize("value", ["HEAD", "main", "-n1", "--all", "a" * 39, "A" * 40, "g" * 40, "a" * 41])
def test_revisions_other_than_full_ids_are_not_found(value: str) -> None:
    with pytest.raises(NotFound):
        check_revision(value)


def test_slugs_from_titles() -> None:
    assert slugify("Het kan altijd nog duidelijker & simpeler!") == "het-kan-altijd-nog-duidelijker-simpeler"
    assert slugify("Één stap") == "één-stap"
