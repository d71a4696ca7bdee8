"""Log lines an operator can ship: readable text by default, one JSON object per line on
request, each with the id of the request it belongs to, and never a secret.

The request id lives in a context variable, so every line written while a request is
handled carries it, the thread pool's included (Starlette copies the context there).
``SecretFilter`` sits on the handler, so it sees every line whichever library wrote it:
it drops fields named like secrets and masks what looks like one in the text (e-mail
addresses, bearer tokens, the wiki's API tokens, passwords in URLs, cookies) and every
secret the settings hold.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

REQUEST_ID: ContextVar[str] = ContextVar("wiki_request_id", default="")
#: Fields a log line may carry besides time, level, logger and event (passed as ``extra``).
FIELDS = ("route", "method", "status", "duration_ms", "user_id")
#: Names of fields that are dropped whatever they hold.
_SECRET_NAMES = re.compile(r"pass|token|secret|cookie|authori|e-?mail|session", re.IGNORECASE)
MASK = "[hidden]"
_PATTERNS = (
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),  # e-mail addresses
    re.compile(r"(?i)(?<=bearer )[^\s,;\"']+"),  # Authorization: Bearer ...
    re.compile(r"(?i)(?<=://)[^/\s:@]*:[^/\s@]*(?=@)"),  # user:password@ in URLs
    re.compile(r"(?i)\b(?:wiki_session|wiki_notice|csrf)=[^\s;,\"']+"),  # cookies
    re.compile(r"(?i)\b(?:password|passwd|token|secret)=[^\s&;,\"']+"),  # form or query values
    re.compile(r"\bwiki_[A-Za-z0-9_-]{20,}"),  # the wiki's personal API tokens
    re.compile(r"/(?:password-reset|unsubscribe|account/confirm)/[A-Za-z0-9._~%-]{8,}"),  # links with a token
)


def mask(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret in it replaced by ``MASK``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return text


class SecretFilter(logging.Filter):
    """Masks secrets in every line and drops fields named like one (on the handler: every logger)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secret for secret in secrets if len(secret) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: the line is kept, unformatted
            message = f"{record.msg} {record.args}"
        record.msg = mask(message, self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text, self.secrets)
        for name in [name for name in vars(record) if _SECRET_NAMES.search(name)]:
            delattr(record, name)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event, request id and the known fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            line["request_id"] = request_id
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["error"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Readable lines: the known fields as ``name=value``, and the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = [f"{name}={value}" for name in FIELDS if (value := getattr(record, name, None)) is not None]
        request_id = REQUEST_ID.get()
        head, newline, rest = text.partition("\n")  # (fields on the first line, before a traceback)
        head = " ".join([head, *fields, *([f"request_id={request_id}"] if request_id else [])])
        return head + newline + rest


def handler(log_format: str, secrets: Iterable[str] = (), stream: TextIO | None = None) -> logging.Handler:
    """A handler writing to ``stream`` (standard error) in ``log_format`` (``text``/``json``), secrets masked."""
    made = logging.StreamHandler(stream or sys.stderr)
    made.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    made.addFilter(SecretFilter(secrets))
    return made


def configure(log_format: str, secrets: Iterable[str] = ()) -> None:
    """Send every log line, uvicorn's included, to standard error through ``handler``
    (replacing the root logger's handlers)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(log_format, secrets))
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
