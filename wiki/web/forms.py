"""Reading HTML forms with limits, so no form can push memory up."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request

#: Far more than any form of the wiki has; a request with more is refused (400).
MAX_FIELDS = 100
#: The wiki takes no file uploads.
MAX_FILES = 0
#: The largest single field (a whole page is at most 1 MB; the body limit holds the total).
MAX_PART_SIZE = 1_048_576


async def read_form(request: Request) -> FormData:
    """The request's form fields, within the limits above."""
    return await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=MAX_PART_SIZE)
