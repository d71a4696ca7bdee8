"""The plain text search holds: what a reader of the rendered page sees, one line per block."""

from __future__ import annotations

import pytest

from wiki.store.plaintext import plain_text


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("# Samen **werken**\n\nMet *elkaar* en `code`.", "Samen werken\nMet elkaar en code."),
        (
            'Zie [de kievit](kievit "titel") en [[Neem initiatief|een kievit]] of [[Open]].',
            "Zie de kievit en een kievit of Open.",
        ),
        ("Een regel\nen de volgende  \nna een harde breuk", "Een regel en de volgende na een harde breuk"),
        ("- een\n- twee\n  - diep `in`\n\n1. drie", "een\ntwee\ndiep in\ndrie"),
        ("| a | b |\n|---|---|\n| 1 | ~~2~~ |", "a\nb\n1\n2"),
        ("```py\nprint(1 < 2)\n\nklaar\n```\n\n    ingesprongen", "print(1 < 2) klaar\ningesprongen"),
        ("> geciteerd\n> verder\n\n---\n\nSetext\n===", "geciteerd verder\nSetext"),
        ("![Een *brug* over](brug.png) &amp; &copy; \\*", "Een brug over & © *"),
        ("Tab\t\ttab  en   spaties", "Tab tab en spaties"),
    ],
)
def test_marks_are_dropped_and_the_words_kept(markdown: str, shown: str) -> None:
    assert plain_text(markdown) == shown


def test_raw_html_is_text_as_on_the_page() -> None:
    raw = "Een <b>vet</b> woord & <script>alert(1)</script>"
    assert plain_text(raw) == raw
    assert plain_text("<div>\nblok\n</div>\n\n<!-- opmerking -->") == "<div> blok </div>\n<!-- opmerking -->"
    assert plain_text("a < b > c en `<i>`") == "a < b > c en <i>"


def test_autolinks_and_pointed_destinations_show_what_the_page_shows() -> None:
    assert plain_text("Lees <https://example.org/a?b=1> of mail <info@example.org>.") == (
        "Lees https://example.org/a?b=1 of mail info@example.org."
    )
    assert plain_text("[de gids](<gids met spaties>)") == "de gids"
