"""Every regular expression that reads what people type works in time linear in its length.

Nothing is timed against the clock's absolute value: each function runs on a hostile input of
10 KB, 100 KB and 1 MB, and its CPU time (best of three) may grow at most ``GROWTH`` times per
tenfold step (linear is 10, quadratic 100).  A probe also stops after ``DEADLINE`` seconds: a
backtracking pattern would need hours at 1 MB (the signal interrupts Python's regex engine),
and that fails the probe as well.  Where a function first hands the text to markdown-it (a
library, linear but about 10 µs a character), the wiki's own pattern after it is probed alone.
"""

from __future__ import annotations

import itertools
import math
import re
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType

import pytest
from starlette.testclient import TestClient

from tests.conftest import csrf_from
from wiki import names, pagefile
from wiki.errors import BadInput
from wiki.models import Author
from wiki.services import conflicts, diff, gittexts, home, poster, render, versions
from wiki.services.site import Site
from wiki.store import plaintext, snippets, textindex, wordforms
from wiki.store.git import merge, repository

GROWTH = 20  # per tenfold step of the input; linear work gives 10, quadratic 100
NOISE = 0.002  # seconds: smaller timings are scheduler noise, so a step from them may grow to GROWTH * NOISE
DEADLINE = 60.0  # seconds for one probe at all sizes (linear ones need well under one)
SIZES = (10_000, 100_000, 1_000_000)


def repeat(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """``head``, then ``unit`` repeated, then ``tail``: about ``size`` characters."""
    return head + unit * max(1, (size - len(head) - len(tail)) // len(unit)) + tail


def _cost(call: Callable[[str], object], text: str) -> float:
    best = math.inf
    for _ in range(3):
        start = time.process_time()
        with suppress(BadInput):
            call(text)
        best = min(best, time.process_time() - start)
    return best


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s: the work grows faster than the input")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_linear(call: Callable[[str], object], hostile: Callable[[int], str], sizes: tuple[int, ...]) -> None:
    with _deadline(DEADLINE):
        costs = [_cost(call, hostile(size)) for size in sizes]
    for (small_size, small), (large_size, large) in itertools.pairwise(zip(sizes, costs, strict=True)):
        allowed = GROWTH * (large_size / small_size) / 10 * max(small, NOISE)
        assert large <= allowed, f"{small_size} -> {large_size} characters: {small:.4f} s -> {large:.4f} s"


def _title(text: str) -> str:
    return pagefile.parse(text, "pagina").title


def _links(text: str) -> object:
    return textindex.link_targets("map/pagina", text)


def _toc(html: str) -> object:
    return render.table_of_contents(html)


def _snippet(text: str) -> object:
    terms = [snippets.Term(("samen", "werken"), None), snippets.Term(("kansen",), wordforms.stem("kansen"))]
    return snippets.snippet(text, terms)


def _identity(text: str) -> object:
    return repository.identity(Author(text, text))


def _wiki_links(text: str) -> object:
    return plaintext.WIKI_LINK.sub(poster._shown, text)


def _missing(text: str) -> object:
    return conflicts.missing_lines("", text, text[: len(text) // 2])


# (what reads it, the function, a hostile input of a given size)
PROBES: list[tuple[str, Callable[[str], object], Callable[[int], str]]] = [
    # The page title from the first heading (was 18 s for a 40 KB heading line).
    ("heading words", _title, lambda n: repeat("a ", n, "# ", "!")),
    ("heading spaces", _title, lambda n: repeat(" ", n, "# a", "!")),
    ("heading tabs", _title, lambda n: repeat(" \t", n, "#", "x#")),
    ("heading hashes", _title, lambda n: repeat("# ", n, "# a", "x")),
    ("heading lines", _title, lambda n: repeat("# \n", n)),
    ("heading sevens", _title, lambda n: repeat("#######", n)),
    ("front matter open", _title, lambda n: repeat("a: b\n", n, "---\n")),
    ("front matter dashes", _title, lambda n: repeat("---" + " " * 50 + "x\n", n, "---\n")),
    # The link index, inside the writer lock (was 10 s for 20 KB of "](").
    ("links ](", _links, lambda n: repeat("](", n)),
    ("links [", _links, lambda n: repeat("[", n)),
    ("links [[", _links, lambda n: repeat("[[", n)),
    ("links [[a|", _links, lambda n: repeat("[[a|", n)),
    ("links ](<", _links, lambda n: repeat("](<", n)),
    ("links titles", _links, lambda n: repeat('](a "', n)),
    ("links open title", _links, lambda n: repeat("x", n, '](a "')),
    ("links spaces", _links, lambda n: repeat(" ", n, "](a", "x")),
    ("links parentheses", _links, lambda n: repeat("(", n, "](")),
    # The rest of what sees page text, proposal text, names or queries.
    ("toc <", _toc, lambda n: repeat("<", n)),
    ("toc headings", _toc, lambda n: repeat('<h1 id="a">', n)),
    ("link scheme", render.link_allowed, lambda n: repeat("a", n, "", "!")),
    ("link scheme signs", render.link_allowed, lambda n: repeat("+.-", n, "a", "/")),
    ("paragraphs", diff._paragraphs, lambda n: repeat(" ", n, "a\n", "b")),
    ("paragraph lines", diff._paragraphs, lambda n: repeat("\n \t", n, "a")),
    ("words", diff._WORDS.findall, lambda n: repeat("a .\n", n)),
    ("intro sentence", home._until_sentence_end, lambda n: repeat(".a", n)),
    ("trailer", gittexts.proposal_number, lambda n: repeat("1", n, "x\n\nVoorstel: ", "x")),
    ("without trailer", gittexts.without_trailer, lambda n: repeat("\n\n", n, "x")),
    ("marker lines", conflicts.marker_lines, lambda n: repeat("<", n)),
    ("marker equals", conflicts.marker_lines, lambda n: repeat(" ", n, "=======")),
    ("missing lines", _missing, lambda n: repeat("a b\n", n)),
    ("marker runs", merge._marker_size, lambda n: repeat("<", n)),
    ("version name", versions.tag_for, lambda n: repeat("a.", n, "versie-")),
    ("version spaces", versions.tag_for, lambda n: repeat(" \t", n, "x", "!")),
    ("page name", names.check_page_name, lambda n: repeat("con.", n)),
    ("slug", names.slugify, lambda n: repeat("- ", n)),
    ("snippet phrase", _snippet, lambda n: repeat("samen ", n)),
    ("snippet gaps", _snippet, lambda n: repeat("_", n, "samen", "x")),
    ("snippet stems", _snippet, lambda n: repeat("kan", n)),
    ("query", textindex.fts_query, lambda n: repeat('"a ', n)),
    ("identity", _identity, lambda n: repeat("<a", n)),
    ("words of a text", wordforms.words, lambda n: repeat("a_", n)),
    ("wiki links [[", _wiki_links, lambda n: repeat("[[", n)),
    ("wiki links [[a|", _wiki_links, lambda n: repeat("[[a|", n)),
    ("wiki links long", _wiki_links, lambda n: repeat("a", n, "[[")),
    ("poster sentences", poster._SENTENCE_END.split, lambda n: repeat("a. ", n)),
]


@pytest.mark.parametrize(("call", "hostile"), [probe[1:] for probe in PROBES], ids=[probe[0] for probe in PROBES])
def test_work_grows_linearly_with_hostile_input(call: Callable[[str], object], hostile: Callable[[int], str]) -> None:
    assert_linear(call, hostile, SIZES)


# The e-mail check at sign-up (was 6 s for 40 KB), as the sign-up form reaches it.
EMAILS = {
    "dots": lambda n: repeat("a.", n, "a@", "@"),
    "no end": lambda n: repeat(".", n, "a@", " "),
    "characters": lambda n: repeat("a", n),
    "at signs": lambda n: repeat("@", n),
}


@pytest.mark.parametrize("hostile", EMAILS.values(), ids=EMAILS.keys())
def test_the_e_mail_check_at_sign_up_grows_linearly(site: Site, hostile: Callable[[int], str]) -> None:
    def sign_up(email: str) -> object:
        return site.accounts.sign_up("anna", "Anna", email, "een lang wachtwoord", "open")

    assert_linear(sign_up, hostile, SIZES)
    assert site.accounts.users() == []


def test_a_longer_e_mail_address_than_254_characters_is_refused_in_dutch(client: TestClient, site: Site) -> None:
    def sign_up(username: str, email: str) -> tuple[int, str]:
        data = {"csrf_token": csrf_from(client.get("/signup").text), "username": username, "email": email}
        answer = client.post("/signup", data={**data, "display_name": username, "password": "een lang wachtwoord"})
        return answer.status_code, answer.text

    status, text = sign_up("anna", "a@" + "b" * 250 + ".nl")
    assert status == 400
    assert "Een e-mailadres heeft hoogstens 254 tekens." in text
    assert sign_up("bert", "a@" + "b" * 249 + ".nl")[0] == 303
    assert [user.username for user, _ in site.accounts.users()] == ["bert"]


# The three patterns the attack found, as they were: the check must catch each of them.
OLD_PATTERNS = [
    (re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+").fullmatch, lambda n: repeat(".", n, "a@", " ")),
    (re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE).search, lambda n: repeat(" ", n, "# a", "!")),
    (re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)").findall, lambda n: repeat("](", n)),
]


@pytest.mark.parametrize(("call", "hostile"), OLD_PATTERNS, ids=["e-mail", "heading", "links"])
def test_the_check_catches_the_patterns_the_attack_found(
    call: Callable[[str], object], hostile: Callable[[int], str]
) -> None:
    with pytest.raises(AssertionError):
        assert_linear(call, hostile, (1_000, 10_000))


@pytest.mark.parametrize("unit", ["[[", "[[a|", "[[a"])
def test_the_poster_line_grows_linearly(unit: str) -> None:
    """The poster's line goes through markdown-it first (linear, about 10 µs a character), so
    it is probed at 2 KB and 20 KB: enough to tell its own pattern's growth."""
    assert_linear(poster.first_sentence, lambda n: repeat(unit, n), (2_000, 20_000))
