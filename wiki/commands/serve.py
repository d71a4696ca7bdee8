"""``wiki serve``: the wiki over HTTP with uvicorn, in one process or several.  Apart from the
other commands because only it starts a server, and its worker processes import it by name
(``worker_app``)."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from wiki import logs
from wiki.commands.settings import SettingError, settings_of
from wiki.config import Settings
from wiki.services.metrics import MULTIPROCESS
from wiki.web import serving
from wiki.web.app import create_app


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the wiki with uvicorn, in ``--workers`` processes (one by default); the one that
    leads also serves ``/metrics`` on ``WIKI_METRICS_LISTEN`` when set."""
    settings = settings_of(args)
    if args.workers < 1:
        raise SettingError(f"--workers must be 1 or more, not {args.workers}")
    logs.configure(settings.log_format, settings.secrets())
    # No access log unless asked for: a line per request costs more than serving a kept page.
    if args.workers > 1:
        _serve_workers(args, settings)
        return 0
    app = create_app(settings, access_log=args.access_log)
    uvicorn.Server(serving.server_config(app, args.host, args.port)).run()
    return 0


#: How ``wiki serve --workers`` tells its worker processes to write the access log.
WORKER_ACCESS_LOG = "WIKI_SERVE_ACCESS_LOG"


def _serve_workers(args: argparse.Namespace, settings: Settings) -> None:
    """Run ``args.workers`` processes on one socket (uvicorn's supervisor starts them afresh and
    replaces one that dies); each opens the site from the environment given here."""
    os.environ.update(
        {
            "WIKI_REPO": str(settings.repo),
            "WIKI_DATABASE_URL": settings.database_url,
            "WIKI_REMOTE": settings.remote,
            WORKER_ACCESS_LOG: "1" if args.access_log else "",
        }
    )
    # Each process counts on its own; in the multiprocess mode a scrape adds up every worker's.
    folder = os.environ.get(MULTIPROCESS)
    made = None if folder else tempfile.mkdtemp(prefix="wiki-metrics-")
    os.environ[MULTIPROCESS] = folder = folder or str(made)
    for stale in Path(folder).glob("*.db"):  # a previous run's values (of processes gone)
        stale.unlink()
    try:
        uvicorn.run(
            f"{__name__}:worker_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            http=serving.NoDelayH11Protocol,
            **serving.BOUNDS,
        )
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


def worker_app() -> Starlette:
    """The application of one worker process of ``wiki serve --workers`` (settings from the
    environment ``_serve_workers`` set)."""
    settings = Settings.from_env()
    logs.configure(settings.log_format, settings.secrets())
    # uvicorn switched its access log off (``BOUNDS``) before this ran; ``configure`` let it in again.
    logging.getLogger("uvicorn.access").propagate = False
    return create_app(settings, access_log=os.environ.get(WORKER_ACCESS_LOG) == "1")
