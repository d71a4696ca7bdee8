"""What search holds of many texts, made in a child process: the same as made here, in order."""

from __future__ import annotations

import subprocess
from dataclasses import astuple

import pytest

from wiki.errors import StoreUnavailable
from wiki.store import searchtexts
from wiki.store.plaintext import plain_text
from wiki.store.searchtexts import SearchTexts, search_text

TEXTS = [
    (f"Pagina {n}", f"# Pagina {n}\n\nDe **werkgroep** {n} plant [[samenwerking|samen werken]] één keer.\n")
    for n in range(150)
]


def made(in_child: bool) -> list[searchtexts.SearchText]:
    with SearchTexts(in_child) as texts:
        for title, body in TEXTS:
            texts.add(title, body)
        return list(texts.results())


def test_the_child_makes_what_this_process_makes_in_the_same_order() -> None:
    here = made(in_child=False)
    assert here == [search_text(title, body) for title, body in TEXTS]
    assert here[7].text == "Pagina 7\nDe werkgroep 7 plant samen werken één keer."
    assert here[7].text_stems.split()[:4] == ["pagina", "7", "de", "werkgroep"]
    assert made(in_child=True) == here


def test_a_child_that_fails_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searchtexts, "CHILD", "import sys; sys.stdin.read(); raise SystemExit(3)")
    with SearchTexts(in_child=True) as texts:
        texts.add("Titel", "tekst")
        with pytest.raises(StoreUnavailable):
            list(texts.results())


def test_leaving_early_stops_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searchtexts, "CHILD", searchtexts.CHILD + " # search-texts-probe")
    with SearchTexts(in_child=True) as texts:
        texts.add("Titel", "tekst")  # never read
    running = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert [line for line in running.splitlines() if "search-texts-probe" in line] == []


def test_a_text_made_ahead_is_taken_once_and_not_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    made_here: list[str] = []
    real = plain_text

    def counting(body: str) -> str:
        made_here.append(body)
        return real(body)

    monkeypatch.setattr(searchtexts, "plain_text", counting)
    ahead = searchtexts.MadeAhead()
    title, body = TEXTS[3]
    ahead.make(title, body)
    ahead.make(title, body)  # a second save of the same text makes nothing more
    assert ahead.take(title, body) == search_text(title, body)
    assert len(made_here) == 2  # once ahead, once for the comparison: not when taken
    ahead.take(title, body)  # taken already: made now
    assert len(made_here) == 3


def test_texts_made_ahead_are_bounded_by_their_characters_oldest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = TEXTS[0][0] + TEXTS[0][1] + "".join(astuple(search_text(*TEXTS[0]))[1:])  # text and all made of it
    ahead = searchtexts.MadeAhead(most=3 * len(entry) + 10)
    for title, body in TEXTS[:5]:
        ahead.make(title, body)
    made_here: list[str] = []

    def counting(body: str) -> str:
        made_here.append(body)
        return body

    monkeypatch.setattr(searchtexts, "plain_text", counting)
    for title, body in TEXTS[:5]:
        ahead.take(title, body)
    assert made_here == [TEXTS[0][1], TEXTS[1][1]]  # the two oldest were let go
