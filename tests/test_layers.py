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


def _imports(path: Path) -> list[str]:
    """The modules ``path`` imports, by their full dotted names."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


#: Where the wiki may start programs: the git package runs git, ``store/tools.py`` the others
#: (``pg_dump``, ``pg_restore``).
STARTS_PROGRAMS = {"store/tools.py"}
#: The ways besides ``subprocess`` to start a program: os's and asyncio's.
_STARTING = {"system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp"} | {
    "create_subprocess_exec", "create_subprocess_shell",
    *(f"exec{tail}" for tail in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
    *(f"spawn{tail}" for tail in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
}  # fmt: skip


def _starts_programs(path: Path) -> bool:
    if "subprocess" in {name.split(".")[0] for name in _imports(path)}:
        return True
    return any(
        isinstance(node, ast.Attribute) and node.attr in _STARTING for node in ast.walk(ast.parse(path.read_text()))
    )


def test_only_the_git_package_and_the_tools_module_start_programs() -> None:
    starters = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py") if _starts_programs(path)}
    outside = {name for name in starters if not name.startswith("store/git/")}
    assert outside <= STARTS_PROGRAMS
    assert "store/git/http_backend.py" in starters  # the check sees asyncio's way of starting one too


#: Header names a lower floor would have to spell out to read a request's headers itself.
HEADER_NAMES = {
    "authorization", "content-type", "content-encoding", "content-length", "cookie", "git-protocol",
    "x-forwarded-for", "x-gitlab-token", "x-gitea-signature", "x-hub-signature-256",
}  # fmt: skip


@pytest.mark.parametrize("floor", ["services", "store"])
def test_http_stays_in_web(floor: str) -> None:
    """Below web nothing knows of requests: no HTTP library, no header read."""
    for path in (PACKAGE / floor).rglob("*.py"):
        imported = _imports(path)
        assert {name.split(".")[0] for name in imported}.isdisjoint({"starlette", "httpx", "multipart"}), path
        assert not [name for name in imported if name.startswith(("wiki.web", "python_multipart"))], path
        nodes = list(ast.walk(ast.parse(path.read_text())))
        names = {node.attr for node in nodes if isinstance(node, ast.Attribute)}
        names |= {node.id for node in nodes if isinstance(node, ast.Name)}
        names |= {node.arg for node in nodes if isinstance(node, ast.arg)}
        assert "headers" not in names, path
        strings = {
            node.value.lower() for node in nodes if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        assert strings.isdisjoint(HEADER_NAMES), path
