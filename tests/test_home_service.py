"""The home page's first sentences: plain text, one sentence, cached by blob."""

from __future__ import annotations

from wiki.services.home import MAX_INTRO_CHARS, first_sentence
from wiki.services.site import Site


def test_the_first_sentence_is_plain_text_of_the_first_paragraph() -> None:
    body = "# Kop\n\nLees [de *regels*](regels) en `code` nu. Daarna meer.\n\nTweede alinea.\n"
    assert first_sentence(body) == "Lees de regels en code nu."


def test_a_sentence_over_lines_is_joined_and_a_long_one_is_cut_at_a_word() -> None:
    assert first_sentence("Een zin\nover twee regels! Nog een.") == "Een zin over twee regels!"
    long = first_sentence("woord " * 100)
    assert len(long) <= MAX_INTRO_CHARS + 1
    assert long.endswith("woord…")


def test_a_body_without_a_paragraph_has_no_sentence() -> None:
    assert first_sentence("# Alleen een kop\n\n- een lijst\n") == ""


def test_the_listing_gives_every_principle_its_sentence_and_caches_by_blob(site: Site) -> None:
    listing = site.home.listing()
    assert len(listing.intros) == len(listing.principles) == 10
    assert listing.intros["neem-initiatief"] == "Heb je een goed idee?"
    assert site.home.listing().intros == listing.intros
    assert len(site.home._intros) == 10
