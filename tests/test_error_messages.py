"""Every message a domain error can carry reaches people in their language: each raise site
marks its message for translation, Dutch has a translation with the same placeholders, and
both catalogs render it with its values filled in."""

from __future__ import annotations

import ast
import string
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import wiki
from wiki.errors import N_, WikiError
from wiki.web import i18n

PACKAGE = Path(wiki.__file__).resolve().parent
NL_CATALOG = PACKAGE / "locale" / "nl" / "LC_MESSAGES" / "messages.po"


@dataclass(frozen=True)
class RaiseSite:
    """Where an error is made: file and line, for the failure message."""

    file: str
    line: int


def _error_classes(trees: list[ast.Module]) -> set[str]:
    """The names of WikiError and of every class that derives from it, in any module."""
    found = {WikiError.__name__}
    classes = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grew = True
    while grew:
        known = len(found)
        found |= {c.name for c in classes if any(isinstance(b, ast.Name) and b.id in found for b in c.bases)}
        grew = len(found) > known
    return found


def _marked(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The template of ``N_("...", ...)`` or of a module constant bound to one, else None."""
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_" and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _raise_sites() -> tuple[dict[str, RaiseSite], list[RaiseSite]]:
    """Every template a domain error is made with, and the places that pass an unmarked message."""
    parsed = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))}
    classes = _error_classes(list(parsed.values()))
    templates: dict[str, RaiseSite] = {}
    unmarked: list[RaiseSite] = []
    for path, tree in parsed.items():
        constants = {
            target.id: template
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name) and (template := _marked(node.value, {})) is not None
        }
        # An error made from a caught one (``except EditConflict as conflict: raise Overlapped(conflict,
        # ...)``) carries that error's message, which was checked where it was made.
        caught = {node.name for node in ast.walk(tree) if isinstance(node, ast.ExceptHandler) and node.name}
        for node in ast.walk(tree):
            first = node.args[0] if isinstance(node, ast.Call) and node.args else None
            if isinstance(first, ast.Name) and first.id in caught:
                continue
            if isinstance(first, ast.Attribute) and isinstance(first.value, ast.Name) and first.value.id in caught:
                continue  # ``refused.message``: the caught error's message, marked where it was made
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes):
                continue
            site = RaiseSite(str(path.relative_to(PACKAGE)), node.lineno)
            if not node.args:
                continue  # a class statement's bases or a re-raise: no message here
            template = _marked(node.args[0], constants)
            if template is None:
                unmarked.append(site)
            else:
                templates[template] = site
    return templates, unmarked


TEMPLATES, UNMARKED = _raise_sites()


def test_the_walk_finds_the_messages_of_every_layer() -> None:
    files = {site.file.split("/")[0] for site in TEMPLATES.values()}
    assert {"store", "services", "web", "names.py"} <= files
    assert "The username '{username}' is taken." in TEMPLATES
    assert len(TEMPLATES) > 40


def test_every_domain_error_is_made_with_a_message_marked_for_translation() -> None:
    assert UNMARKED == [], "wrap these messages in N_(...), with {placeholders} for values"


def _dutch() -> dict[str, str]:
    with NL_CATALOG.open("rb") as handle:
        return {m.id: str(m.string or "") for m in read_po(handle) if isinstance(m.id, str)}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_domain_error_message_reads_well_in_both_languages(template: str) -> None:
    dutch = _dutch().get(template)
    assert dutch, f"no Dutch for {template!r} ({TEMPLATES[template]})"
    fields = _fields(template)
    message = N_(template, **{name: f"«{name}»" for name in fields}) if fields else template
    shown = {}
    for language in ("nl", "en"):
        i18n.set_language(language)
        try:
            shown[language] = i18n.gettext(message)
        finally:
            i18n.set_language(i18n.DEFAULT_LANGUAGE)
        for name in fields:
            assert f"«{name}»" in shown[language], (language, template)
        if fields:
            assert "{" not in shown[language], (language, template)
    assert shown["nl"] == (dutch.format(**{name: f"«{name}»" for name in fields}) if fields else dutch)
    assert shown["en"] == str(message)
