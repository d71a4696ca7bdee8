"""The three-way merge behind the conflict page: what merges, what overlaps, and the checks
that keep a save from losing the other person's text."""

from __future__ import annotations

from wiki.services.conflicts import BOTH, MINE, THEIRS, Labels, marker_lines, merged_text, missing_lines
from wiki.store.git.merge import Hunk, Overlap, three_way

BASE = "Eerste alinea.\n\nTweede alinea.\n\nDerde alinea.\n"
LABELS = Labels("Jouw versie", "Versie van %(name)s", "Einde van de twee versies")


def test_changes_to_different_paragraphs_merge_without_an_overlap() -> None:
    mine = BASE.replace("Eerste", "Mijn eerste")
    theirs = BASE.replace("Derde", "Hun derde")
    hunks = three_way(BASE, mine, theirs)
    assert all(hunk.overlap is None for hunk in hunks)
    assert "".join(hunk.text for hunk in hunks) == "Mijn eerste alinea.\n\nTweede alinea.\n\nHun derde alinea.\n"


def test_an_overlap_keeps_both_versions_and_every_other_change_is_applied() -> None:
    mine = BASE.replace("Tweede", "Mijn tweede").replace("Eerste", "Mijn eerste")
    theirs = BASE.replace("Tweede", "Hun tweede") + "\nEen nieuwe alinea van Anna.\n"
    hunks = three_way(BASE, mine, theirs)
    overlaps = [hunk.overlap for hunk in hunks if hunk.overlap is not None]
    assert overlaps == [Overlap("Tweede alinea.\n", "Mijn tweede alinea.\n", "Hun tweede alinea.\n")]
    text = merged_text(hunks, LABELS, "Anna", {})
    assert text == (
        "Mijn eerste alinea.\n\n"
        "<<<<<<< Jouw versie\nMijn tweede alinea.\n"
        "======= Versie van Anna\nHun tweede alinea.\n"
        ">>>>>>> Einde van de twee versies\n"
        "\nDerde alinea.\n\nEen nieuwe alinea van Anna.\n"
    )


def test_the_same_change_on_both_sides_is_no_overlap() -> None:
    same = BASE.replace("Tweede", "Gelijke")
    assert three_way(BASE, same, same) == (Hunk(same),)


def test_each_choice_gives_its_version_of_the_passage() -> None:
    hunks = three_way(BASE, BASE.replace("Tweede", "Mijn"), BASE.replace("Tweede", "Hun"))
    assert "Mijn alinea.\n\nDerde" in merged_text(hunks, LABELS, "Anna", {1: MINE})
    assert "Hun alinea.\n\nDerde" in merged_text(hunks, LABELS, "Anna", {1: THEIRS})
    assert "Mijn alinea.\nHun alinea.\n\nDerde" in merged_text(hunks, LABELS, "Anna", {1: BOTH})
    assert marker_lines(merged_text(hunks, LABELS, "Anna", {1: BOTH})) == []


def test_marker_like_lines_in_a_page_are_not_mistaken_for_an_overlap() -> None:
    base = "<<<<<<< een regel die zo begint\n=======\n>>>>>>> nog een\n\nTekst.\n"
    mine = base.replace("Tekst.", "Mijn tekst.")
    theirs = base.replace("Tekst.", "Hun tekst.")
    hunks = three_way(base, mine, theirs)
    assert hunks[0] == Hunk(base.split("\nTekst.", maxsplit=1)[0] + "\n")
    assert [hunk.overlap for hunk in hunks if hunk.overlap] == [Overlap("Tekst.\n", "Mijn tekst.\n", "Hun tekst.\n")]
    assert marker_lines(merged_text(hunks, LABELS, "Anna", {1: MINE}), allowed=theirs) == []


def test_markers_are_found_in_either_language_but_a_heading_underline_is_not_one() -> None:
    assert marker_lines("a\n<<<<<<< Your version\nb\n======= Version by Anna\nc\n>>>>>>> End\n") == [
        "<<<<<<< Your version",
        "======= Version by Anna",
        ">>>>>>> End",
    ]
    assert marker_lines("Kop\n=======\n\nTekst.\n") == []


def test_a_large_page_merges_quickly_and_whole() -> None:
    lines = [f"Regel {number} van een lange pagina.\n" for number in range(30_000)]
    base = "".join(lines)
    mine = "".join(["Mijn begin.\n", *lines[1:]])
    theirs = "".join([*lines[:-1], "Hun einde.\n"])
    hunks = three_way(base, mine, theirs)
    assert len(hunks) == 1
    assert hunks[0].text.startswith("Mijn begin.\n")
    assert hunks[0].text.endswith("Hun einde.\n")


def test_lines_the_other_person_added_count_as_missing_unless_kept_or_reworded_around() -> None:
    theirs = BASE + "\nAnna voegde deze zin toe.\n\nEn deze ook.\n"
    assert missing_lines(BASE, theirs, BASE) == ("Anna voegde deze zin toe.", "En deze ook.")
    kept = BASE + "\nEn deze ook.\nAnna voegde, samen met Bob, deze zin toe.\n"
    assert missing_lines(BASE, theirs, kept) == ()
    assert missing_lines(BASE, theirs, BASE, given_up="En deze ook.\n") == ("Anna voegde deze zin toe.",)
