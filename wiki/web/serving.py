"""How ``wiki serve`` runs the application under uvicorn: its bounds, its HTTP protocol, and
the separate metrics address.

With ``--workers N`` uvicorn binds the listening socket itself and hands it to each worker
process; that socket is made with ``proto`` 0, the connections it accepts inherit it, and
asyncio only switches Nagle's algorithm off (``TCP_NODELAY``) for sockets that say
``IPPROTO_TCP``.  Every answer on a kept-alive connection then waits for the client's delayed
ACK, about 40 ms on Linux (Kludex/uvicorn#3149, open).  ``NoDelayH11Protocol`` sets the option
on every accepted TCP connection itself, whoever made the listening socket.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

from wiki.config import Settings, listen_address
from wiki.web.metrics import metrics_app

#: The server's own bounds, not only the app's: at most 16 KB of request head (uvicorn's default
#: accepts far more), idle connections closed after 5 s, and no access log of uvicorn's (the wiki
#: writes its own, with route templates, never addresses that may carry a token).
BOUNDS: dict[str, Any] = {
    "log_config": None,
    "log_level": "info",
    "access_log": False,
    "server_header": False,
    "h11_max_incomplete_event_size": 16 * 1024,
    "timeout_keep_alive": 5,
    "proxy_headers": False,
}


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with ``TCP_NODELAY`` on each accepted TCP connection (see the
    module docstring); the small answers of a kept-alive connection go out at once."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def server_config(app: Any, host: str, port: int, **more: Any) -> uvicorn.Config:
    """The uvicorn configuration of the wiki's server (``app`` an object, or an import string
    with ``factory=True`` for workers)."""
    return uvicorn.Config(app, host=host, port=port, http=NoDelayH11Protocol, **BOUNDS, **more)


def start_metrics_server(main: Starlette, settings: Settings) -> Callable[[], None]:
    """Serve ``/metrics`` on ``WIKI_METRICS_LISTEN`` in a thread and event loop of its own (so
    signals reach the main server alone); returns what stops it and waits for that."""
    host, port = listen_address(settings.metrics_listen)
    side = uvicorn.Server(server_config(metrics_app(main, settings), host, port, lifespan="off"))
    thread = threading.Thread(target=side.run, name="metrics-server", daemon=True)
    thread.start()

    def stop() -> None:
        side.should_exit = True
        thread.join(timeout=10)

    return stop
