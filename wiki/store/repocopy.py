"""A whole repository as one file and back: ``git bundle`` of every ref, fetched into a new
bare repository.  Git runs through :meth:`GitRepository.git`, like every git command the
wiki gives.

A bundle is consistent while the wiki saves: a save writes its objects before it moves a
ref, and the bundle reads the refs first, then packs what they reach.
"""

from __future__ import annotations

from pathlib import Path

from wiki.errors import N_, StoreUnavailable
from wiki.store.git.repository import GitRepository


def _checked(repo: GitRepository, what: str, *args: str) -> bytes:
    result = repo.git(*args)
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", errors="replace").strip()
        raise StoreUnavailable(N_("git {command} failed: {reason}", command=what, reason=reason))
    return result.stdout


def refs(repo: GitRepository) -> dict[str, str]:
    """Every ref of the repository with the object it points to."""
    listing = _checked(repo, "for-each-ref", "for-each-ref", "--format=%(refname) %(objectname)")
    return dict(line.split(" ", 1) for line in listing.decode("utf-8").splitlines() if line)


def bundle(repo: GitRepository, target: Path) -> dict[str, str]:
    """Write every ref and all it reaches to the new file ``target``; the refs it holds."""
    _checked(repo, "bundle", "bundle", "create", "--quiet", str(target), "--all")
    heads = _checked(repo, "bundle", "bundle", "list-heads", str(target))
    found = (line.split(" ", 1) for line in heads.decode("utf-8").splitlines() if line)
    return {name: sha for sha, name in found if name.startswith("refs/")}


def unbundle(source: Path, path: Path, branch: str) -> None:
    """Make a new bare repository at ``path`` holding every ref of the bundle ``source``,
    with HEAD on ``branch``; checked with ``git fsck`` before it is left there."""
    repo = GitRepository.init_bare(path)
    try:
        _checked(repo, "bundle", "bundle", "verify", "--quiet", str(source))
        _checked(repo, "fetch", "fetch", "--quiet", "--no-write-fetch-head", str(source), "+refs/*:refs/*")
        _checked(repo, "symbolic-ref", "symbolic-ref", "HEAD", branch)
        fsck(repo)
    finally:
        repo.close()


def fsck(repo: GitRepository) -> None:
    """``StoreUnavailable`` with git's findings unless every object is whole and reachable ones are all there."""
    _checked(repo, "fsck", "fsck", "--full", "--no-progress", "--no-dangling")
