"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd), collecting what arrives.

Messages are parsed with the ``email`` package, as a mail program would read them.  The
server can be stopped and started again on the same port (the relay down, then up), and told
to hold the n-th message: it keeps the message (the relay took it) but answers only once the
test releases it, so a test can kill a sender while that message is in flight.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

#: Seconds a test waits for something the server signals before it fails (never a sleep).
WAIT = 30.0


class Collector:
    """The aiosmtpd handler: keeps every message, and holds the one it is told to."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self._arrived = threading.Condition()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            self.messages.append(message)
            self.envelopes.append((str(envelope.mail_from), [str(to) for to in envelope.rcpt_tos]))
            number = len(self.messages)
            self._arrived.notify_all()
        if number == self.hold_at:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = WAIT) -> list[EmailMessage]:
        """Block until at least ``count`` messages arrived; them all."""
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.messages) >= count, timeout), (
                f"{len(self.messages)} of {count} messages arrived"
            )
            return list(self.messages)


class SmtpServer:
    """aiosmtpd's Controller on a free port of 127.0.0.1, which can go down and come back."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.handler = Collector()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        """``WIKI_SMTP_URL`` for this server."""
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        """What arrived so far, oldest first."""
        return list(self.handler.messages)

    def start(self) -> None:
        """Listen (again, on the same port)."""
        assert self._controller is None
        self._controller = Controller(self.handler, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: a sender now finds the relay down.  A held message is let go."""
        self.handler.release.set()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def hold(self, number: int) -> threading.Event:
        """Hold the ``number``-th message (counting all that arrived); the event is set once
        it is being held.  ``release`` lets it go."""
        self.handler.hold_at = number
        self.handler.holding.clear()
        self.handler.release.clear()
        return self.handler.holding

    def release(self) -> None:
        """Answer the held message and hold no more."""
        self.handler.hold_at = None
        self.handler.release.set()

    def wait_for(self, count: int) -> list[EmailMessage]:
        """Block until ``count`` messages arrived in all."""
        return self.handler.wait_for(count)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Why: mail is tested end to end, through a real SMTP conversation on 127.0.0.1."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
