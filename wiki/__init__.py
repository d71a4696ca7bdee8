"""The principles wiki: Markdown pages in a git repository, read and edited over the web."""

from __future__ import annotations

from pathlib import Path

#: Where the project's own files live: the package's parent folder holds
#: ``content/``, ``templates/`` and ``static/`` (an editable or source install).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
