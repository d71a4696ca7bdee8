"""Imports run one way: web -> services -> store.  Checked in a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "wiki"


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("wiki.store.git.repository", ["starlette", "jinja2", "wiki.web", "wiki.services"]),
        ("wiki.store.pageindex", ["starlette", "jinja2", "wiki.web", "wiki.services"]),
        ("wiki.store.searchindex", ["starlette", "jinja2", "wiki.web", "wiki.services"]),
        ("wiki.store.linkindex", ["starlette", "jinja2", "wiki.web", "wiki.services"]),
        ("wiki.store.database", ["starlette", "jinja2", "wiki.web", "wiki.services"]),
        ("wiki.services.site", ["starlette", "jinja2", "wiki.web"]),
        ("wiki.services.pages", ["starlette", "jinja2", "wiki.web"]),
    ],
)
def test_lower_layers_do_not_load_upper_ones(module: str, forbidden: list[str]) -> None:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert [name for name in loaded if name.split(".")[0] in forbidden or name.startswith(tuple(forbidden))] == []


def test_only_the_git_package_imports_git() -> None:
    importers = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] in ("git", "gitdb") for name in names):
                importers.append(path.relative_to(PACKAGE).as_posix())
    assert importers
    assert [path for path in importers if not path.startswith("store/git/")] == []


def test_routes_make_no_git_call() -> None:
    for path in (PACKAGE / "web").glob("*.py"):
        text = path.read_text()
        assert "subprocess" not in text, path
        assert ".repo." not in text, path
