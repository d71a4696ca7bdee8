"""Hostile values for the fuzz tests, and a wiki to throw them at.

The names of form fields, query parameters and JSON keys are read from the web layer's
source, so a field added tomorrow is fuzzed tomorrow without anyone editing this list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.conftest import PASSWORD
from wiki.config import Settings
from wiki.models import Role
from wiki.services.site import Site, open_site
from wiki.web.app import create_app
from wiki.web.session import SESSION_COOKIE, VISITOR_COOKIE

_WEB = Path(__file__).resolve().parent.parent / "wiki" / "web"
_SOURCE = "\n".join(path.read_text(encoding="utf-8") for path in sorted(_WEB.glob("*.py")))


def _names(*patterns: str) -> list[str]:
    return sorted({name for pattern in patterns for name in re.findall(pattern, _SOURCE)})


FORM_FIELDS = [*_names(r'field\(form, "([\w-]+)"\)', r'form\.get(?:list)?\("([\w-]+)"', r'"(choice-)\{'), "choice-0"]
QUERY_PARAMS = _names(r'query_params\.get\("([\w-]+)"')
JSON_KEYS = _names(r'string\(data, "([\w-]+)"', r'data\.get\("([\w-]+)"', r'change\.get\("([\w-]+)"')
#: Literal words the code compares input with (``action == "revoke"``), so branches get reached.
WORDS = [*_names(r'== "([\w:-]{1,20})"', r'in \("([\w-]{1,20})"'), "neem-initiatief", "over", "open", "nl", "en"]

HOSTILE = [
    "", " ", "0", "1", "2", "-1", "²", "٣", "\uff11", "9" * 19, "9" * 5000, "1e309", "NaN", "null", "true", "[]", "{}",
    "..", "../../etc/passwd", "a/../../b", "%2e%2e%2f", "..\\x", "/", "//", "a//b", "x.md/child", ".git", "-", "--",
    "--help", "-x", "--output=/tmp/fuzz-canary", "\x00", "a\x00b", "\x1b[31m", "\x7f", "\x0c", "\u202e", "\ufeff",
    "\u200b", "\u212a", "a\nb", "\r\n", "\t", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
    "{{7*7}}", "${7*7}", "%s%n", "'; DROP TABLE accounts; --", "[" * 3000, "{" * 3000, '{"a":' * 2000,
    "> " * 5000, "- " * 5000, "# " + "x" * 5000, "](" * 5000, "---\ntitle: " + "[" * 2000 + "\n---\n",
    "a" * 100_000, "é" * 400, "\U0001f4a5" * 50, "mailto:" + "a" * 300 + "@" + "b" * 300,
]  # fmt: skip
_CHARS = st.characters(exclude_categories=["Cs"])
TEXT = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(WORDS), st.text(_CHARS, max_size=30))
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), TEXT)
JSON_VALUE = st.recursive(
    JSON_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8
)
CHANGES = st.lists(st.fixed_dictionaries({}, optional={"path": TEXT, "body": TEXT}) | JSON_VALUE, max_size=3)
JSON_BODY = st.one_of(
    st.fixed_dictionaries({}, optional=dict.fromkeys(JSON_KEYS, JSON_VALUE | CHANGES)),
    JSON_VALUE,
    TEXT,
)
#: For addresses: clients and servers refuse URLs over 64 KB, so a value stays under 10 KB encoded.
URL_TEXT = TEXT.map(lambda value: value if len(quote(value)) < 10_000 else value[:800])
LANGUAGES = st.sampled_from(["nl", "en", "de", "*", "nl;q=abc", "", "x" * 300])


@dataclass(frozen=True)
class Visitor:
    """Someone the fuzz test speaks as: anonymous or signed in, with a valid form token."""

    cookies: dict[str, str]
    csrf: str
    headers: dict[str, str]


class FuzzWiki:
    """One wiki for a whole fuzz run, with a proposal and a comment to aim at."""

    def __init__(self, folder: Path) -> None:
        settings = Settings(repo=folder / "wiki.git", database_url=f"sqlite:///{folder / 'wiki.sqlite3'}")
        self.site: Site = open_site(settings)
        self.app = create_app(settings, site=self.site)
        accounts = self.site.accounts
        for role in (Role.CONTRIBUTOR, Role.MAINTAINER):
            accounts.add_user(f"fuzz-{role.value}", PASSWORD, role, display_name=f"Fuzz {role.value}")
        author = accounts.get_user(f"fuzz-{Role.MAINTAINER.value}")
        proposal = self.site.proposals.create(author, "Voorstel", "Uitleg", [("neem-initiatief", "# Neem\n\nJa\n")])
        self.site.discussion.add(f"proposal:{proposal.id}", author, "Een reactie")

    def visitor(self, who: str) -> Visitor:
        """A fresh session (so a fuzzed sign-out or a revoked token harms no later example)."""
        accounts = self.site.accounts
        if who == "anonymous":
            return Visitor({VISITOR_COOKIE: "fuzz-visitor"}, accounts.csrf_token("fuzz-visitor"), {})
        user = accounts.get_user(f"fuzz-{who}")
        session, token = accounts.start_session(user), accounts.create_token(user.username)
        return Visitor({SESSION_COOKIE: session}, accounts.csrf_token(session), {"Authorization": f"Bearer {token}"})

    def close(self) -> None:
        self.site.close()


def fuzz_client(wiki: FuzzWiki) -> Iterator[TestClient]:
    """A client that answers a server error with a 500 (not an exception), as a browser sees it."""
    with TestClient(wiki.app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client
