"""Where the wiki's own files are: templates, static files and the bundled pages.

In a checkout they are the top-level folders ``templates/``, ``static/`` and ``content/``
(the project's fixed layout); the wheel carries them inside the package as
``wiki/_data/NAME`` (see ``pyproject.toml``).  Both are found through ``importlib.resources``
relative to the ``wiki`` package that was imported, so a checkout, an editable install and
an installed wheel each read their own copy.  Installs from a zip file are not supported:
Jinja and the static files need real folders.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

Folder = Literal["templates", "static", "content"]


def _package() -> Path:
    found = resources.files("wiki")
    if not isinstance(found, Path):  # pragma: no cover - only for zipped installs
        raise RuntimeError(f"the wiki package must be installed as files, not from {found}")
    return found


def folder(name: Folder) -> Path:
    """The folder ``name``: inside the installed package, else beside it in the checkout."""
    package = _package()
    installed = package / "_data" / name
    return installed if installed.is_dir() else package.parent / name


def code_folders() -> tuple[Path, ...]:
    """What the wiki's code and templates are made of (kept pages are keyed by a digest of it)."""
    return (_package(), folder("templates"))
