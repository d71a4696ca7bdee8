"""What search holds of many texts, made in a child process: the same as made here, in order."""

from __future__ import annotations

import subprocess

import pytest

from wiki.errors import StoreUnavailable
from wiki.store import searchtexts
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
