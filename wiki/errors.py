"""Domain errors, mapped to HTTP answers by one handler in the web layer.

Each carries a stable machine ``code`` (the JSON API's ``error`` field) and a
human message; views never catch them to build responses themselves.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping


class Message(str):
    """A message with ``{placeholders}`` and their values: as a string it reads filled in, in
    English (the JSON API, logs, the command line); the web layer translates ``template``
    first and fills it in after, so the values never have to be in the catalog."""

    template: str
    params: Mapping[str, object]

    def __new__(cls, template: str, params: Mapping[str, object]) -> Message:
        message = super().__new__(cls, template.format(**params))
        message.template = template
        message.params = dict(params)
        return message


def N_(message: str, **params: object) -> str:
    """Mark ``message`` for translation where it is defined; it is translated where shown.

    With ``params`` it is a :class:`Message` whose ``{name}`` placeholders they fill."""
    return Message(message, params) if params else message


class WikiError(Exception):
    """Base of every error a person or script may be told about."""

    code = "error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(WikiError):
    """The request was understood but its content is not acceptable (400)."""

    code = "bad_request"
    status = 400


class Unauthorized(WikiError):
    """No valid credentials were given (401)."""

    code = "unauthorized"
    status = 401


class Forbidden(WikiError):
    """The person is known but their role does not allow this (403)."""

    code = "forbidden"
    status = 403


class NotFound(WikiError):
    """No such page, revision or route; also for invalid names, so they reveal nothing (404)."""

    code = "not_found"
    status = 404


class PathClash(BadInput):
    """A page's file would take the place of a folder, or a folder the place of a file, so
    what was there would vanish from the repository; nothing is written (400)."""


class NameTaken(WikiError):
    """A page name collides with an existing one, possibly only by case (409)."""

    code = "conflict"
    status = 409


class EditConflict(WikiError):
    """The edit overlaps a change made since its base revision; nothing was committed (409).

    Carries what the person needs to combine both: the current revision and text.
    """

    code = "conflict"
    status = 409

    def __init__(self, message: str, current_revision: str | None, current_body: str | None) -> None:
        super().__init__(message)
        self.current_revision = current_revision
        self.current_body = current_body


class WorkTreeDirty(WikiError):
    """The repository's work tree has local changes to the page, so the save is refused (409)."""

    code = "work_tree_dirty"
    status = 409


class TooLarge(WikiError):
    """The request body is over the limit (413)."""

    code = "too_large"
    status = 413


class StoreUnavailable(WikiError):
    """Git refused to move the branch for a reason other than a concurrent writer (503)."""

    code = "unavailable"
    status = 503


class DiskFull(StoreUnavailable):
    """The disk holding the repository is full (or over quota): nothing was saved, what was
    saved before is intact, and saving works again once there is room (507)."""

    code = "insufficient_storage"
    status = 507

    def __init__(self) -> None:
        super().__init__(
            N_(
                "The wiki's disk is full, so your change was not saved. Nothing saved before is lost. "
                "Try again later; if it keeps happening, tell a maintainer."
            )
        )


def is_disk_full(error: BaseException) -> bool:
    """True for the errors a write raises when the disk or the person's quota is full."""
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


class Busy(StoreUnavailable):
    """Too many git processes of one kind run already and the wait for a turn ran out (503)."""

    code = "busy"
    retry_after = 5  # seconds, sent as ``Retry-After``


class TooManyAttempts(WikiError):
    """Too many failed sign-ins for this account or from this address; wait and retry (429)."""

    code = "too_many_attempts"
    status = 429


class RequestTimeout(WikiError):
    """The client paused too long while sending its request (408)."""

    code = "timeout"
    status = 408
