"""The settings a command runs with, and the error that names a wrong one: every kind of
command reads them the same way, and ``wiki.cli`` prints that error plainly."""

from __future__ import annotations

import argparse

from wiki.config import Settings


class SettingError(Exception):
    """A setting the operator gave is wrong: said in the settings' own (English) terms, since it
    is for whoever starts the wiki, not for its readers."""


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings, or a plain start-up error naming the setting that is wrong."""
    try:
        return Settings.from_env(repo=args.repo, database_url=args.database, remote=getattr(args, "remote", None))
    except ValueError as error:
        raise SettingError(str(error)) from None
