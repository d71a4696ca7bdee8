"""A real wiki server process on 127.0.0.1 and a free port, for browser and load tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from wiki.config import Settings


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_answering(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Poll ``url`` until the server answers (or fail when it died or never answers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def running_server(
    settings: Settings,
    log: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> Iterator[str]:
    """Start ``wiki serve`` for ``settings`` (with extra environment ``env`` and arguments
    ``args``); yields its base URL; stops it afterwards."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "wiki",
        "serve",
        "--port",
        str(port),
        "--repo",
        str(settings.repo),
        "--database",
        settings.database_url,
        *args,
    ]
    with log.open("ab") as output:
        environment = {**os.environ, "WIKI_LOOPGUARD": "1", **(env or {})}
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=cwd, env=environment)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base + "/healthz", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
