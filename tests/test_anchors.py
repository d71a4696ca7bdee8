"""The anchor of a comment on a passage: found again by its quote and context, orphaned when
the quote is gone, hints never an error, code points against the browser's UTF-16 units."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wiki.errors import BadInput
from wiki.services.anchors import (
    MAX_CONTEXT,
    Anchor,
    Span,
    anchor_from,
    locate,
    paragraph_anchor,
    plain_text,
    stored_anchor,
    utf16_to_code_points,
)
from wiki.services.discussion import Comment
from wiki.services.passages import Labels, annotate, place
from wiki.services.render import Renderer

REV = "ab12"


def anchor(exact: str, prefix: str = "", suffix: str = "", start: int | None = None) -> Anchor:
    end = None if start is None else start + len(exact)
    return Anchor(REV, "p", exact, prefix, suffix, start, end)


def test_an_exact_quote_is_found() -> None:
    text = "Werk samen met anderen."
    assert locate(anchor("samen"), text) == Span(5, 10)


def test_an_ambiguous_quote_is_decided_by_its_prefix_and_suffix() -> None:
    text = "de regel geldt. Een tweede regel geldt ook. De laatste regel eindigt."
    second = text.index("regel", 10)
    assert locate(anchor("regel", prefix="Een tweede ", suffix=" geldt ook"), text) == Span(second, second + 5)
    last = text.rindex("regel")
    assert locate(anchor("regel", prefix="laatste "), text) == Span(last, last + 5)
    assert locate(anchor("regel", suffix=" eindigt"), text) == Span(last, last + 5)


def test_text_added_before_the_passage_moves_it_along() -> None:
    old = "Wees open. Deel wat je weet."
    placed = anchor("Deel wat", prefix="Wees open. ", suffix=" je weet", start=old.index("Deel"))
    new = "Een nieuwe eerste zin. Wees open. Deel wat je weet."
    assert locate(placed, new) == Span(new.index("Deel"), new.index("Deel") + 8)


def test_a_passage_that_is_gone_is_orphaned() -> None:
    assert locate(anchor("verdwenen woorden"), "Een heel andere tekst.") is None


@pytest.mark.parametrize("start", [None, 0, 5, 10_000, 3])
def test_wrong_hints_are_never_an_error(start: int | None) -> None:
    text = "aaa bbb aaa"
    found = locate(anchor("aaa", suffix=" bbb", start=start), text)
    assert found == Span(0, 3)  # the context decides, whatever the hint says


def test_the_hint_decides_between_equal_contexts() -> None:
    text = "ja ja ja"
    assert locate(anchor("ja", start=6), text) == Span(6, 8)
    assert locate(anchor("ja", start=3), text) == Span(3, 5)


def test_astral_characters_count_once_here_and_twice_in_a_browser() -> None:
    text = "Een 😀 glimlach en café"
    assert locate(anchor("glimlach", prefix="😀 "), text) == Span(6, 14)
    browser_start = 7  # "Een " is 4 units, the emoji 2, the space 1
    assert utf16_to_code_points(text, browser_start) == 6
    assert utf16_to_code_points(text, 0) == 0
    assert utf16_to_code_points(text, 10_000) == len(text)
    assert locate(anchor("café"), text) == Span(len(text) - 4, len(text))


def test_sizes_are_bounded_with_a_clear_message() -> None:
    base = {"revision": REV, "path": "p"}
    with pytest.raises(BadInput, match="at most 1,000"):
        anchor_from({**base, "exact": "x" * 1001})
    with pytest.raises(BadInput, match="empty"):
        anchor_from({**base, "exact": "   "})
    with pytest.raises(BadInput, match="version"):
        anchor_from({"path": "p", "exact": "x", "revision": "not hex"})
    with pytest.raises(BadInput, match="must be text"):
        anchor_from({**base, "exact": 5})
    long = anchor_from({**base, "exact": "x", "prefix": "p" * 500, "suffix": "s" * 500})
    assert (len(long.prefix), len(long.suffix)) == (MAX_CONTEXT, MAX_CONTEXT)


def test_hints_that_are_not_numbers_are_dropped_and_form_line_breaks_are_read() -> None:
    base = {"revision": REV, "path": "p", "exact": "a\r\nb"}
    assert anchor_from({**base, "start": "x", "end": "3"}).start is None
    assert anchor_from({**base, "start": 4, "end": 2}).start is None
    assert anchor_from({**base, "start": True, "end": 2}).start is None
    kept = anchor_from({**base, "start": "1", "end": "4"})
    assert (kept.exact, kept.start, kept.end) == ("a\nb", 1, 4)
    assert stored_anchor(kept.to_json()) == kept
    assert stored_anchor("{not json") is None


def test_the_plain_text_and_its_paragraphs() -> None:
    html = Renderer().render_text("# Kop\n\nEerste &amp; alinea.\n\n- een\n- twee\n\n---\n\nLaatste.")
    plain = plain_text(html)
    blocks = [plain.text[b.start : b.end] for b in plain.blocks]
    assert blocks == ["Kop", "Eerste & alinea.", "een\ntwee", "Laatste."]
    assert plain.paragraph_of(plain.text.index("twee")) == 3
    assert plain.paragraph_of(plain.text.index("Kop") + 3) is None  # the line break between blocks
    picked = paragraph_anchor(plain, 2, REV, "p")
    assert picked is not None
    assert (picked.exact, picked.prefix.strip(), locate(picked, plain.text)) == (
        "Eerste & alinea.",
        "Kop",
        plain.blocks[1],
    )
    assert paragraph_anchor(plain, 9, REV, "p") is None


def test_a_long_text_is_searched_quickly() -> None:
    text = "a" * 200_000
    found = locate(anchor("a" * 1000, prefix="b"), text)
    assert found is not None


def test_highlighting_marks_the_passage_and_links_back() -> None:
    html = Renderer().render_text("Een *mooie* zin over samenwerken.\n\nNog een.")
    plain = plain_text(html)
    comment = Comment(7, "A", "a", datetime.now(UTC), "x", "<p>x</p>", False, None, anchor=anchor("mooie zin"))
    passages = place({"p": plain}, [comment])
    assert passages[7].paragraph == 1
    shown = annotate("p", REV, html, passages=passages, labels=Labels("Reageer", "alinea", "reactie"), link="/d?")
    assert '<span class="passage-start" id="passage-7"></span><mark class="passage">mooie</mark>' in shown.html
    assert '<mark class="passage"> zin</mark><a class="passage-note" href="#comment-7">' in shown.html
    assert 'href="/d?passage=2#comment-form"' in shown.html
    assert (
        plain_text(shown.html)
        .text.replace("Reageer (alinea 1)", "")
        .replace("Reageer (alinea 2)", "")
        .replace("[reactie 7]", "")
        == plain.text
    )  # what the script counts: the text without the links added
