#!/usr/bin/env python3
"""The ceiling for a page view: a bare Starlette endpoint returning prerendered bytes.

    .venv/bin/python bench/hello_app.py --page PAGE.html --port 8083

``GET /hello`` answers the bytes of ``PAGE.html`` (bench/targets.py saves our wiki's own
answer for a page there, so both send the same body); ``GET /healthz`` answers 200.
uvicorn runs with the same settings as ``wiki serve`` (access log included), so the
difference between the two is the wiki's own work per request.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def create_app(page: bytes) -> Starlette:
    """An app with ``/hello`` (``page`` as HTML) and ``/healthz``."""

    async def hello(request: Request) -> Response:
        return Response(page, media_type="text/html")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/hello", hello), Route("/healthz", healthz)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, required=True, help="the bytes to answer")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The same uvicorn settings as wiki.commands.serve.cmd_serve.
    uvicorn.run(
        create_app(args.page.read_bytes()),
        host="127.0.0.1",
        port=args.port,
        log_level="info",
        server_header=False,
        h11_max_incomplete_event_size=16 * 1024,
        timeout_keep_alive=5,
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
