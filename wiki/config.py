"""Settings, declared as data with a help text each (the README's table is checked against them)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wiki.catalogs import DEFAULT_LANGUAGE, LANGUAGES
from wiki.resources import folder
from wiki.store.smtp import parse_smtp_url

DEFAULT_REPO = Path("data/wiki.git")
DEFAULT_DATABASE = "sqlite:///data/wiki.sqlite3"
SIGNUP_MODES = ("open", "approval", "closed")
DEFAULT_TIMEZONE = "Europe/Amsterdam"
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True, slots=True)
class CacheBudgets:
    """Bytes each cache may hold, shares of ``WIKI_CACHE_MB``: whole pages kept for readers
    (gzipped), pages kept per role for signed-in people, page HTML rendered from Markdown, the
    pages' texts read from git, and what proposal pages show from git."""

    readers: int
    people: int
    markdown: int
    texts: int
    proposals: int

    @classmethod
    def of(cls, megabytes: int) -> CacheBudgets:
        """The split of ``megabytes``: 50 % pages as sent to readers, 10 % pages kept for
        signed-in people (not packed, but one per role and page people read), 20 % Markdown,
        5 % page texts, 15 % proposals (every page kept is answered without Markdown; the
        Markdown cache serves the pages made again, the texts their edits and sources)."""
        total = megabytes * 1024 * 1024
        return cls(
            readers=total * 50 // 100,
            people=total * 10 // 100,
            markdown=total * 20 // 100,
            texts=total * 5 // 100,
            proposals=total * 15 // 100,
        )


@dataclass(frozen=True)
class Settings:
    """Everything the wiki can be told at start-up."""

    repo: Path = field(
        default=DEFAULT_REPO,
        metadata={
            "env": "WIKI_REPO",
            "help": "git repository to serve; created and seeded when missing",
        },
    )
    database_url: str = field(
        default=DEFAULT_DATABASE,
        metadata={
            "env": "WIKI_DATABASE_URL",
            "help": "everything that is not content: sqlite:///PATH, or postgresql://... shared by replicas",
        },
    )
    content_dir: Path = field(
        default=folder("content"),
        metadata={"env": "WIKI_CONTENT", "help": "pages a new repository is seeded with"},
    )
    signup: str = field(
        default="open",
        metadata={
            "env": "WIKI_SIGNUP",
            "help": "who may sign up: open, approval (a maintainer approves) or closed",
        },
    )
    security_contact: str = field(
        default="mailto:security@example.invalid",
        metadata={"env": "WIKI_SECURITY_CONTACT", "help": "where to report a security problem (security.txt)"},
    )
    receive_timeout: float = field(
        default=20.0,
        metadata={"env": "WIKI_RECEIVE_TIMEOUT", "help": "seconds a client may pause while sending a request body"},
    )
    secure_cookies: bool = field(
        default=False,
        metadata={
            "env": "WIKI_SECURE_COOKIES",
            "help": "mark cookies Secure (set when served over https)",
        },
    )

    remote: str = field(
        default="",
        metadata={
            "env": "WIKI_REMOTE",
            "help": "shared git remote (path or URL) that replicas push every change to; empty: none",
        },
    )
    hook_secret: str = field(
        default="",
        metadata={
            "env": "WIKI_HOOK_SECRET",
            "help": "shared secret of POST /api/hooks/git, which makes a replica fetch at once",
        },
    )
    fetch_interval: float = field(
        default=10.0,
        metadata={"env": "WIKI_FETCH_INTERVAL", "help": "seconds between fetches from the shared remote"},
    )
    timezone: str = field(
        default=DEFAULT_TIMEZONE,
        metadata={"env": "WIKI_TIMEZONE", "help": "time zone of the dates and times pages show (an IANA name)"},
    )
    trusted_proxies: str = field(
        default="",
        metadata={
            "env": "WIKI_TRUSTED_PROXIES",
            "help": "addresses or networks (comma-separated) whose X-Forwarded-For/-Proto are believed",
        },
    )
    language: str = field(
        default=DEFAULT_LANGUAGE,
        metadata={
            "env": "WIKI_LANGUAGE",
            "help": "language of the texts the wiki writes into git (commit messages, its author name): nl or en",
        },
    )

    public_url: str = field(
        default="",
        metadata={
            "env": "WIKI_PUBLIC_URL",
            "help": "the address people use (https://host/path), for every absolute link; empty: the request's own",
        },
    )

    smtp_url: str = field(
        default="",
        metadata={
            "env": "WIKI_SMTP_URL",
            "help": "where mail goes out: smtp://host:25, smtp://user:pass@host:587 (STARTTLS),"
            " smtps://host:465; empty: no mail",
        },
    )
    mail_from: str = field(
        default="",
        metadata={"env": "WIKI_MAIL_FROM", "help": "the From address of the wiki's mail, such as wiki@example.nl"},
    )

    cache_mb: int = field(
        default=128,
        metadata={
            "env": "WIKI_CACHE_MB",
            "help": "megabytes of memory the caches of rendered pages, Markdown and proposals may hold together",
        },
    )

    proposal_threshold: int = field(
        default=10,
        metadata={
            "env": "WIKI_PROPOSAL_THRESHOLD",
            "help": "supports of a proposal's current version after which it gets a response deadline",
        },
    )
    proposal_response_days: int = field(
        default=21,
        metadata={
            "env": "WIKI_PROPOSAL_RESPONSE_DAYS",
            "help": "days maintainers have to decide once a proposal reached the threshold",
        },
    )
    oidc_issuer: str = field(
        default="",
        metadata={
            "env": "WIKI_OIDC_ISSUER",
            "help": "OpenID Connect provider to sign in with (its /.well-known/openid-configuration is read);"
            " empty: none",
        },
    )
    oidc_client_id: str = field(
        default="",
        metadata={"env": "WIKI_OIDC_CLIENT_ID", "help": "the wiki's client id at the OpenID Connect provider"},
    )
    oidc_client_secret: str = field(
        default="",
        repr=False,
        metadata={
            "env": "WIKI_OIDC_CLIENT_SECRET",
            "help": "the wiki's client secret at the provider (never logged or shown)",
        },
    )
    oidc_scopes: str = field(
        default="openid profile email",
        metadata={"env": "WIKI_OIDC_SCOPES", "help": "scopes asked of the provider, separated by spaces"},
    )
    oidc_role_claim: str = field(
        default="",
        metadata={
            "env": "WIKI_OIDC_ROLE_CLAIM",
            "help": "claim that sets the role at every sign-in (roles or groups); empty: maintainers manage roles",
        },
    )
    oidc_editors: str = field(
        default="",
        metadata={"env": "WIKI_OIDC_EDITORS", "help": "values of the role claim (comma-separated) that make an editor"},
    )
    oidc_maintainers: str = field(
        default="",
        metadata={
            "env": "WIKI_OIDC_MAINTAINERS",
            "help": "values of the role claim (comma-separated) that make a maintainer",
        },
    )
    oidc_session_hours: float = field(
        default=8.0,
        metadata={
            "env": "WIKI_OIDC_SESSION_HOURS",
            "help": "hours a session from single sign-on lasts at most (then the provider is asked again)",
        },
    )
    passwords: bool = field(
        default=True,
        metadata={
            "env": "WIKI_PASSWORDS",
            "help": "on: sign in and sign up with a password too; off: only through WIKI_OIDC_ISSUER",
        },
    )
    metrics_token: str = field(
        default="",
        metadata={
            "env": "WIKI_METRICS_TOKEN",
            "help": "GET /metrics answers only with this bearer token (Authorization: Bearer ...);"
            " empty and no WIKI_METRICS_LISTEN: /metrics is not served",
        },
    )
    metrics_listen: str = field(
        default="",
        metadata={
            "env": "WIKI_METRICS_LISTEN",
            "help": "host:port of a second, small server for /metrics only (such as 127.0.0.1:9100),"
            " started by wiki serve",
        },
    )
    log_format: str = field(
        default="text",
        metadata={
            "env": "WIKI_LOG_FORMAT",
            "help": "text (readable lines) or json (one JSON object per line, for a central log system)",
        },
    )

    def __post_init__(self) -> None:
        if self.signup not in SIGNUP_MODES:
            raise ValueError(f"WIKI_SIGNUP must be one of {', '.join(SIGNUP_MODES)}, not {self.signup!r}")
        if self.language not in LANGUAGES:
            raise ValueError(f"WIKI_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {self.language!r}")
        if self.remote.startswith("-"):
            raise ValueError(f"WIKI_REMOTE must be a path or URL, not {self.remote!r}")
        if self.proposal_threshold < 1:
            raise ValueError("WIKI_PROPOSAL_THRESHOLD must be a whole number of at least 1")
        if self.proposal_response_days < 1:
            raise ValueError("WIKI_PROPOSAL_RESPONSE_DAYS must be a whole number of days, at least 1")
        if self.cache_mb < 1:
            raise ValueError("WIKI_CACHE_MB must be a whole number of megabytes, at least 1")
        if self.fetch_interval <= 0:
            raise ValueError("WIKI_FETCH_INTERVAL must be a positive number of seconds")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" is a folder of zones
            raise ValueError(
                f"WIKI_TIMEZONE must name a time zone, such as {DEFAULT_TIMEZONE}, not {self.timezone!r}"
            ) from None
        check_public_url(self.public_url)
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"WIKI_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {self.log_format!r}")
        if self.metrics_listen:
            listen_address(self.metrics_listen)
        if self.smtp_url:
            parse_smtp_url(self.smtp_url)
        _check_oidc(self)
        if self.mail_from and ("@" not in self.mail_from or any(c.isspace() or c in "<>," for c in self.mail_from)):
            raise ValueError(f"WIKI_MAIL_FROM must be an address such as wiki@example.nl, not {self.mail_from!r}")

    @property
    def cache_budgets(self) -> CacheBudgets:
        """What each cache may hold (``WIKI_CACHE_MB``, split)."""
        return CacheBudgets.of(self.cache_mb)

    @property
    def mail_on(self) -> bool:
        """Whether the wiki sends mail: an SMTP relay, and a public address for the links in
        every mail (without one a mail would link to nowhere, so none is queued)."""
        return bool(self.smtp_url and self.public_url)

    @property
    def oidc_on(self) -> bool:
        """Whether people can sign in through an OpenID Connect provider."""
        return bool(self.oidc_issuer)

    @property
    def oidc_role_values(self) -> tuple[frozenset[str], frozenset[str]]:
        """The claim values that make an editor and those that make a maintainer."""
        return _values(self.oidc_editors), _values(self.oidc_maintainers)

    @property
    def sender(self) -> str:
        """The From address: ``WIKI_MAIL_FROM``, else ``wiki@`` the public address's host."""
        return self.mail_from or f"wiki@{urlsplit(self.public_url).hostname or 'localhost'}"

    def secrets(self) -> tuple[str, ...]:
        """The secret values among the settings, which the logs mask wherever they appear."""
        found = [self.hook_secret, self.metrics_token, self.oidc_client_secret]
        for url in (self.smtp_url, self.database_url):
            with contextlib.suppress(ValueError):
                found.append(urlsplit(url).password or "")
        return tuple(secret for secret in found if secret)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then environment variables, then explicit ``overrides`` (None is ignored)."""
        values: dict[str, object] = {}
        for item in fields(cls):
            raw = os.environ.get(item.metadata["env"])
            if raw is not None:
                values[item.name] = _convert(item.type, raw)
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]


def check_public_url(url: str) -> None:
    """A public address is http(s) with a host, without query, fragment or password: links
    are made by appending paths to it, so anything else would make broken links."""
    if not url:
        return
    problem = f"WIKI_PUBLIC_URL must be an address such as https://wiki.example.nl, not {url!r}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError:
        raise ValueError(problem) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ValueError(problem)
    if parts.query or parts.fragment or "?" in url or "#" in url or any(c.isspace() for c in url):
        raise ValueError(f"{problem} (no query, fragment or spaces)")


def _values(listed: str) -> frozenset[str]:
    return frozenset(value.strip() for value in listed.split(",") if value.strip())


def _check_oidc(settings: Settings) -> None:
    """Single sign-on needs a provider address and a client id; without passwords it is the only
    way in, so switching passwords off without a provider would lock everyone out."""
    if settings.oidc_issuer:
        parts = urlsplit(settings.oidc_issuer)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(
                f"WIKI_OIDC_ISSUER must be an address such as https://login.example.nl, not {settings.oidc_issuer!r}"
            )
        if not settings.oidc_client_id:
            raise ValueError("WIKI_OIDC_CLIENT_ID is needed with WIKI_OIDC_ISSUER")
        if "openid" not in settings.oidc_scopes.split():
            raise ValueError("WIKI_OIDC_SCOPES must include openid")
    if not settings.passwords and not settings.oidc_issuer:
        raise ValueError("WIKI_PASSWORDS=off needs WIKI_OIDC_ISSUER: otherwise nobody could sign in")
    if settings.oidc_session_hours <= 0:
        raise ValueError("WIKI_OIDC_SESSION_HOURS must be a positive number of hours")


def listen_address(text: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:9100`` for IPv6) as a host and a port number; ``ValueError`` otherwise."""
    host, colon, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536 or any(c.isspace() for c in text):
        raise ValueError(f"WIKI_METRICS_LISTEN must be host:port, such as 127.0.0.1:9100, not {text!r}")
    return host, int(port)


def _convert(kind: object, raw: str) -> object:
    if kind in (Path, "Path"):
        return Path(raw)
    if kind in (bool, "bool"):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind in (float, "float"):
        return float(raw)
    if kind in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a whole number") from None
    return raw
