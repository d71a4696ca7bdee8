"""Proposal records are frozen and typed, and their JSON in git keeps exactly its old shape."""

from __future__ import annotations

import dataclasses

import pytest

from wiki.services.proposal_records import Decision, Event, Record

# A record as the wiki wrote it before records were typed (an old one: username, no id).
OLD = (
    b'{\n "author": "Bob",\n "author_id": null,\n "author_username": "bob",\n "base_revision": "'
    + b"a" * 40
    + b'",\n "created": 1,\n "decision": {\n  "by": "Mia",\n  "date": 9,\n  "merge": "'
    + b"c" * 40
    + b'",\n  "reason": "Goed"\n },\n "description": "Waarom",\n "events": [\n  {\n   "by": "Bob",\n'
    b'   "date": 1,\n   "reason": "",\n   "status": "open"\n  },\n  {\n   "by": "Mia",\n   "date": 9,\n'
    b'   "reason": "Goed",\n   "status": "accepted"\n  }\n ],\n "id": 4,\n "origin_revision": "'
    + b"b"
    * 40
    + b'",\n "paths": [\n  "over"\n ],\n "principle": false,\n "status": "accepted",\n'
    b' "title": "T\xc3\xaftel"\n}\n'
)


def test_an_old_record_reads_typed_and_is_written_back_in_the_same_shape() -> None:
    record = Record.from_json(OLD)
    assert record.decision == Decision("Mia", 9, "Goed", "c" * 40)
    assert record.events == (Event("open", "Bob", 1, ""), Event("accepted", "Mia", 9, "Goed"))
    assert (record.paths, record.author_username, record.title) == (("over",), "bob", "Tïtel")
    assert record.to_json() == OLD


def test_a_record_cannot_be_changed_in_place() -> None:
    record = Record.from_json(OLD)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.status = "open"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.events[0].reason = "anders"  # type: ignore[misc]
    declined = dataclasses.replace(record, decision=None, author_username="")
    assert b'"decision": null' in declined.to_json()
    assert b"author_username" not in declined.to_json()
