"""Previews of a text being typed: rendered once per text, and at most so many per person.

The editor asks for a preview every few seconds while someone types, and the propose and
revise forms have a preview button.  Each used to render the whole text again; now the same
text is rendered once (``Renderer.render_text`` caches by digest), a text is rendered only up
to ``MAX_PREVIEW_BYTES`` (what renders within the time one request may take), and each
person may have ``PREVIEWS_PER_MINUTE`` texts rendered a minute, so one account cannot keep
the server busy with previews nobody reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from threading import Lock

from wiki.errors import N_, WikiError
from wiki.models import User
from wiki.services.render import Renderer

#: Bytes of a text a preview shows: rendering Markdown costs up to some 12 microseconds a
#: byte (a page of ``[``), so this renders well within a second.
MAX_PREVIEW_BYTES = 50_000
#: Texts one person may have rendered per minute (a preview of a text seen before is free).
PREVIEWS_PER_MINUTE = 30
_PEOPLE = 10_000  # people tracked at once; beyond, those with a full allowance are forgotten


class TooManyPreviews(WikiError):
    """The person asked for more previews than ``PREVIEWS_PER_MINUTE`` (429)."""

    code = "too_many_requests"
    status = 429


class _Allowance:
    """A token bucket per person: ``per_minute`` at most, refilled evenly over the minute."""

    def __init__(self, per_minute: int, clock: Callable[[], float]) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._left: dict[str, tuple[float, float]] = {}
        self._lock = Lock()

    def take(self, person: str) -> bool:
        now = self._clock()
        with self._lock:
            left, since = self._left.get(person, (float(self._per_minute), now))
            left = min(float(self._per_minute), left + (now - since) * self._per_minute / 60)
            if left < 1:
                self._left[person] = (left, now)
                return False
            self._left[person] = (left - 1, now)
            if len(self._left) > _PEOPLE:
                self._forget_full(now)
            return True

    def _forget_full(self, now: float) -> None:
        full = [who for who, (left, since) in self._left.items() if left + (now - since) * self._per_minute / 60 >= 1]
        for who in full:
            del self._left[who]


class PreviewService:
    """Renders previews for people, through the renderer's cache and each person's allowance."""

    def __init__(
        self, renderer: Renderer, per_minute: int = PREVIEWS_PER_MINUTE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.renderer = renderer
        self._allowance = _Allowance(per_minute, clock)

    def preview(self, person: str, text: str) -> str:
        """HTML of (the start of) ``text`` for ``person`` (a user id or a visitor's cookie);
        ``TooManyPreviews`` when they had too many new texts rendered this minute."""
        text = _start_of(text)
        cached = self.renderer.cached_text(text)
        if cached is not None:
            return cached
        if not self._allowance.take(person):
            raise TooManyPreviews(N_("You asked for many previews in a short time. Wait a minute and try again."))
        return self.renderer.render_text(text)


def _start_of(text: str) -> str:
    """``text`` cut to at most ``MAX_PREVIEW_BYTES`` bytes of UTF-8, on a character boundary."""
    if len(text) <= MAX_PREVIEW_BYTES // 4:
        return text
    return text.encode("utf-8")[:MAX_PREVIEW_BYTES].decode("utf-8", "ignore")


def person_key(user: User) -> str:
    """Whose allowance a signed-in person's previews count against: their account, whatever
    session or address they use."""
    return f"user:{user.id}"
