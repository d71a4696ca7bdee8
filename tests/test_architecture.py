"""docs/architecture.md describes the house as it is: every module and folder it names exists
(a module renamed or removed without the page following fails here)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
NAMED = set(re.findall(r"`(wiki/[\w/]*(?:\.py|/))`", DOC))


def test_every_module_and_folder_the_architecture_names_exists() -> None:
    assert len(NAMED) > 20
    missing = sorted(path for path in NAMED if not (ROOT / path).exists())
    assert missing == [], f"docs/architecture.md names what is not there: {missing}"


def test_the_floors_and_the_committer_are_described() -> None:
    for floor in ("wiki/web/", "wiki/services/", "wiki/store/"):
        assert f"`{floor}`" in DOC
    assert "`wiki/store/committer.py`" in DOC
    assert "## The path of one save" in DOC
