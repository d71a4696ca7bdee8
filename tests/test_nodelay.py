"""Answers on a kept-alive connection go out at once under ``wiki serve --workers`` too.

uvicorn's supervisor binds the listening socket itself (``Config.bind_socket``, ``proto`` 0)
and hands it to each worker; asyncio then leaves Nagle's algorithm on for the connections it
accepts, and each answer after the first waits ~40 ms for the client's delayed ACK
(Kludex/uvicorn#3149).  The wiki's protocol sets ``TCP_NODELAY`` itself.  Both servers here
run the workers' path: a socket bound by ``bind_socket`` passed to ``Server.run``.
"""

from __future__ import annotations

import http.client
import socket
import threading
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from wiki.web.serving import server_config


async def hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def nodelay_of_accepted(config: uvicorn.Config) -> list[int]:
    """Serve ``config`` on a socket bound as the supervisor binds it; TCP_NODELAY of each
    connection it accepted, as the server's side of a kept-alive connection sees it."""
    listening = config.bind_socket()
    port = listening.getsockname()[1]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]})
    thread.start()
    try:
        while not server.started:  # the server's thread opens its loop and starts listening
            thread.join(0.01)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(2):  # kept alive: the second request goes on the same connection
            connection.request("GET", "/")
            assert connection.getresponse().read() == b"ok"
        found = [
            protocol.transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            for protocol in server.server_state.connections
        ]
        connection.close()
        return found
    finally:
        server.should_exit = True
        thread.join()
        listening.close()


def test_the_wiki_server_sets_tcp_nodelay_on_worker_sockets() -> None:
    config = server_config(hello, "127.0.0.1", 0, lifespan="off")
    assert nodelay_of_accepted(config) == [1]


def test_uvicorn_alone_still_leaves_nagle_on_there() -> None:
    """When this fails, uvicorn fixed #3149 and ``NoDelayH11Protocol`` can go."""
    config = uvicorn.Config(hello, host="127.0.0.1", port=0, http=H11Protocol, lifespan="off", log_config=None)
    assert nodelay_of_accepted(config) == [0]
