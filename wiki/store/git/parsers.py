"""What git prints, read into the wiki's records: pure functions over bytes, no repository.

Every parser here reads output of a command line ``reading.GitReader`` spells with a
matching format (``LOG_FORMAT``, ``TAG_FORMAT``), so the two change together.
"""

from __future__ import annotations

from dataclasses import dataclass

from wiki.models import CommitRecord, FileChange
from wiki.numbers import is_whole_number

# A record separator no commit message of the wiki's contains (it strips control characters).
LOG_MARK = b"\x01\x02\x03"
LOG_FORMAT = "%x01%x02%x03%H%x00%an%x00%ae%x00%ct%x00%B%x00"
TAG_FORMAT = "%(refname:strip=2)%00%(*objectname)%00%(taggername)%00%(taggerdate:unix)%00%(contents)%01"


@dataclass(frozen=True, slots=True)
class BlameLine:
    """One line of a file with the commit that last changed it."""

    revision: str
    author: str
    date: int
    text: str
    email: str = ""


@dataclass(frozen=True, slots=True)
class TagRecord:
    """An annotated tag: its name, the commit it names, who made it, when, and its message."""

    name: str
    target: str
    tagger: str
    date: int
    message: str


def decode(raw: bytes) -> str:
    """A path, name or message as git stored it; bytes that are not UTF-8 survive a round trip."""
    return raw.decode("utf-8", "surrogateescape")


def parse_log(output: bytes) -> list[CommitRecord]:
    """The commits of ``git log --raw -z --format=LOG_FORMAT``, in the order git printed them."""
    return [parse_log_record(record) for record in output.split(LOG_MARK) if record.strip()]


def parse_log_record(record: bytes) -> CommitRecord:
    """One commit of ``git log --raw -z`` in ``LOG_FORMAT``."""
    fields = record.split(b"\0")
    revision, author, email, date, message = (decode(field) for field in fields[:5])
    rest = [field for field in fields[5:] if field.strip(b"\n")]
    changes = []
    position = 0
    while position < len(rest):
        meta = rest[position].lstrip(b"\n").decode("ascii").split(" ")
        old_blob, new_blob, status = meta[2], meta[3], meta[4][0]
        if status in "RC":
            old_path, path = decode(rest[position + 1]), decode(rest[position + 2])
            position += 3
        else:
            old_path, path = None, decode(rest[position + 1])
            position += 2
        changes.append(
            FileChange(
                status=status,
                path=path,
                old_path=old_path,
                blob=None if status == "D" else new_blob,
                old_blob=None if status == "A" else old_blob,
            )
        )
    return CommitRecord(revision, author, email, int(date), message.strip(), tuple(changes))


def parse_blame(output: bytes) -> list[BlameLine]:
    """The lines of ``git blame --porcelain``, each with who last changed it and when."""
    lines: list[BlameLine] = []
    known: dict[str, tuple[str, int, str]] = {}
    sha, author, when, email = "", "", 0, ""
    for raw in output.split(b"\n"):
        if raw.startswith(b"\t"):
            known.setdefault(sha, (author, when, email))
            who, at, address = known[sha]
            lines.append(BlameLine(sha, who, at, decode(raw[1:]), address))
        elif raw.startswith(b"author "):
            author = decode(raw[7:])
        elif raw.startswith(b"author-mail "):
            email = decode(raw[12:]).strip("<>")
        elif raw.startswith(b"author-time "):
            when = int(raw[12:])
        elif len(raw) > 40 and raw[40:41] == b" " and all(c in b"0123456789abcdef" for c in raw[:40]):
            sha = raw[:40].decode()
            author, when, email = known.get(sha, ("", 0, ""))
    return lines


def parse_tags(output: bytes, prefix: str) -> list[TagRecord]:
    """The annotated tags of ``git for-each-ref --format=TAG_FORMAT`` whose names start with
    ``prefix``, in git's order (lightweight tags, which name no object, are left out)."""
    tags = []
    for record in output.split(b"\x01"):
        fields = record.strip(b"\n").split(b"\0")
        if len(fields) == 5 and fields[0].startswith(prefix.encode()) and fields[1]:
            name, target, tagger, date, message = (decode(field) for field in fields)
            tags.append(TagRecord(name, target, tagger, int(date or 0), message.strip()))
    return tags


def parse_refs(output: bytes) -> dict[str, str]:
    """The refs of ``git for-each-ref --format='%(refname) %(objectname)'`` with their objects."""
    found = {}
    for line in output.decode().splitlines():
        name, _, sha = line.partition(" ")
        found[name] = sha
    return found


def parse_tree_listing(output: bytes) -> dict[str, str]:
    """The files (not folders or submodules) of ``git ls-tree -r -z`` with their blob ids."""
    files = {}
    for record in output.split(b"\0"):
        if record:
            meta, path = record.split(b"\t", 1)
            _mode, kind, blob = meta.decode().split(" ")
            if kind == "blob":
                files[decode(path)] = blob
    return files


def parse_sizes(output: bytes) -> dict[str, int]:
    """The sizes of ``git cat-file --batch-check='%(objectname) %(objectsize)'`` (missing
    objects, which git reports without a size, are left out)."""
    sizes = {}
    for line in output.decode().splitlines():
        name, _, size = line.partition(" ")
        if is_whole_number(size):
            sizes[name] = int(size)
    return sizes


def parse_parents(commit: bytes) -> list[str]:
    """The parents named in a raw commit object, first parent first."""
    header = commit.decode("utf-8", "replace").split("\n\n", 1)[0]
    return [line[7:47] for line in header.splitlines() if line.startswith("parent ")]


def parse_message(commit: bytes) -> str:
    """The message of a raw commit object (what follows its header), without trailing space."""
    _header, _, message = commit.partition(b"\n\n")
    return decode(message).rstrip()
