"""Reading HTML forms with limits, so no form can push memory up."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request

from wiki.controls import without_controls
from wiki.errors import N_, BadInput
from wiki.models import User
from wiki.numbers import is_whole_number
from wiki.services.permissions import Action, require
from wiki.web.session import current_user, require_csrf

#: Far more than any form of the wiki has; a request with more is refused (400).
MAX_FIELDS = 100
#: The wiki takes no file uploads.
MAX_FILES = 0
#: The largest single field (a whole page is at most 1 MB; the body limit holds the total).
MAX_PART_SIZE = 1_048_576


async def read_form(request: Request) -> FormData:
    """The request's form fields, within the limits above, control characters removed from
    every name and value (``wiki.controls``): every form of the wiki is read here."""
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=MAX_PART_SIZE)
    return FormData(
        [(without_controls(key), without_controls(value) if isinstance(value, str) else value)
         for key, value in form.multi_items()]
    )  # fmt: skip


def numbered(form: FormData, prefix: str) -> dict[int, str]:
    """The text fields ``prefix`` + N of the form by N (``title-0``, ``title-1``: a field per
    page of a proposal, by its place in it)."""
    found = {}
    for key in form:
        number = key.removeprefix(prefix)
        value = form.get(key)
        if number != key and is_whole_number(number) and str(int(number)) == number and isinstance(value, str):
            found[int(number)] = value
    return found


def field(form: FormData, key: str) -> str:
    """A text field of the form, or "" when it is missing (or is a file)."""
    value = form.get(key)
    return value if isinstance(value, str) else ""


def parent_of(form: FormData) -> int | None:
    """The comment a comment form answers (its ``parent`` field), or None for a new thread;
    ``BadInput`` for anything but a comment number."""
    raw = field(form, "parent")
    if not raw:
        return None
    if not is_whole_number(raw) or len(raw) > 18:
        raise BadInput(N_("You can only reply to a comment in the same discussion."))
    return int(raw)


async def checked_form(request: Request, action: Action) -> tuple[FormData, User]:
    """The form, once this visitor's form token and the person's role are checked."""
    form = await read_form(request)
    require_csrf(request, form.get("csrf_token"))
    return form, require(current_user(request), action)
