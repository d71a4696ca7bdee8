"""A shell (a page kept once per role, with holes for each person's parts) is kept compressed,
so the shells of every page of a large wiki fit their share of the cache, and filling one still
gives the page exactly as rendered, with each person's own parts."""

from __future__ import annotations

from markupsafe import Markup

from wiki.web.shells import Recording, Shell


class _Person:
    def csrf_token(self) -> str:
        return "token-of-anna"

    def person_links(self) -> Markup:
        return Markup('<a href="/account">Anna de Vries</a>')

    def watch_hole(self, kind: str, target: str) -> Markup:
        return Markup('<button data-watch="{}:{}">Volgen</button>').format(kind, target)


def _rendered(recording: Recording) -> str:
    """A large page with text outside ASCII and every kind of hole."""
    paragraph = "<p>Wij werken open en zichtbaar; één vraag, één antwoord — café, reünie.</p>\n"
    return (
        f"<header>{recording.person_links()}</header>\n"
        + paragraph * 400
        + f'<form><input name="csrf_token" value="{recording.csrf_token()}"></form>\n'
        + f"{recording.watch_hole('page', 'werk-is-persoonlijk')}\n"
        + paragraph * 400
    )


def _expected() -> str:
    class Filled(Recording):
        def csrf_token(self) -> str:
            return _Person().csrf_token()

        def person_links(self) -> Markup:
            return _Person().person_links()

        def watch_hole(self, kind: str, target: str) -> Markup:
            return _Person().watch_hole(kind, target)

    return _rendered(Filled())


def test_a_filled_shell_is_the_page_with_the_persons_parts() -> None:
    recording = Recording()
    shell = Shell.cut(_rendered(recording), recording.holes)
    assert shell.fill(_Person()) == _expected()


def test_a_shell_is_kept_in_a_fraction_of_the_pages_size() -> None:
    recording = Recording()
    page = _rendered(recording)
    shell = Shell.cut(page, recording.holes)
    assert shell.size < len(page.encode("utf-8")) / 4
