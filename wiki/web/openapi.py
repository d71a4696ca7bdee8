"""``GET /api/openapi.json``: the JSON API described as OpenAPI 3.1, from one table.

Each row names a route of the API, its parameters and its body; a test checks that the table
and the app's routes list the same operations, so the document cannot go stale, and drives
every documented operation with hostile values.  Shapes are those the README promises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wiki.services.proposal_process import SORTS
from wiki.services.proposal_records import STATUSES
from wiki.store.notifications import FREQUENCIES, WATCH_KINDS

_TEXT = {"type": "string"}
_ERROR = {
    "description": "An error: a machine code and a message in the request's language.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_CHANGES = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["path", "body"],
        "properties": {"path": _TEXT, "body": {"type": "string", "description": "The whole page file."}},
    },
}

_POSITION = {"type": "integer", "minimum": 0, "description": "A hint in code points of the rendered plain text."}
_ANCHOR = {
    "type": "object",
    "description": "A passage (W3C TextQuoteSelector and TextPositionSelector); the quote decides.",
    "required": ["revision", "path", "exact"],
    "properties": {
        "revision": _TEXT,
        "path": _TEXT,
        "exact": {"type": "string", "maxLength": 1000},
        "prefix": {"type": "string", "maxLength": 64},
        "suffix": {"type": "string", "maxLength": 64},
        "start": _POSITION,
        "end": _POSITION,
    },
}


@dataclass(frozen=True)
class Operation:
    """One documented operation: ``path`` as in the app's routes, without converters."""

    method: str
    path: str
    summary: str
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    required: tuple[str, ...] = ()
    token: bool = False


_LIMIT = {"type": "string", "pattern": "^[0-9]{1,18}$", "description": "How many at most."}
_NUMBER = {"type": "string", "pattern": "^[0-9]{1,18}$", "description": "1-based; give paragraph or line."}
_REASON = {"reason": _TEXT}
_COMMENT = {
    "body": _TEXT,
    "parent": {"type": "integer", "description": "The comment this one answers."},
    "anchor": _ANCHOR,
}
_WATCHED = {
    "kind": {"type": "string", "enum": list(WATCH_KINDS)},
    "target": {"type": "string", "description": "A page name or a proposal number; empty for the wide kinds."},
}
OPERATIONS = (
    Operation("GET", "/api/pages", "Every page, principles first."),
    Operation("GET", "/api/pages/{name}", "One page file and its last revision.", {"revision": _TEXT}),
    Operation("PUT", "/api/pages/{name}", "Save a page (201 when created, 409 on a conflict).",
              body={"body": _TEXT, "base_revision": _TEXT, "message": _TEXT}, required=("body",), token=True),
    Operation("GET", "/api/history/{name}", "A page's revisions, newest first.", {"limit": _LIMIT, "before": _TEXT}),
    Operation("GET", "/api/changes", "Recent changes, newest first.",
              {"limit": _LIMIT, "before": _TEXT, "author": _TEXT}),
    Operation("GET", "/api/why/{name}",
              "The change that last shaped a paragraph (1-based block of the body) or a line of the file, "
              "and the accepted proposal it came from (or null).",
              {"paragraph": _NUMBER, "line": _NUMBER, "revision": _TEXT}),
    Operation("GET", "/api/search", "Pages and proposals that match.",
              {"q": _TEXT, "limit": {"type": "string", "pattern": "^[0-9]{1,2}$", "description": "1 to 50."}}),
    Operation("GET", "/api/proposals", "Proposals, optionally by status, in an order.",
              {"status": {"type": "string", "enum": list(STATUSES)}, "sort": {"type": "string", "enum": list(SORTS)}}),
    Operation("POST", "/api/proposals", "Propose changes (201 with the proposal).",
              body={"title": _TEXT, "description": _TEXT, "principle": {"type": "boolean"}, "changes": _CHANGES},
              required=("title", "changes"), token=True),
    Operation("GET", "/api/proposals/{id}", "One proposal with its changes and discussion."),
    Operation("PUT", "/api/proposals/{id}", "Revise a proposal.",
              body={"changes": _CHANGES, "message": _TEXT, "head_revision": _TEXT},
              required=("changes", "head_revision"), token=True),
    Operation("POST", "/api/proposals/{id}/comments",
              "Comment on a proposal (perhaps on a passage), or reply to a comment (201).",
              body=_COMMENT, required=("body",), token=True),
    Operation("PATCH", "/api/proposals/{id}/comments/{comment}", "Change one's own comment.",
              body={"body": _TEXT}, required=("body",), token=True),
    Operation("DELETE", "/api/proposals/{id}/comments/{comment}", "Delete one's own comment (204).", token=True),
    Operation("POST", "/api/proposals/{id}/comments/{comment}/hide", "Hide a comment (maintainers).",
              body=_REASON, token=True),
    Operation("POST", "/api/proposals/{id}/comments/{comment}/restore", "Show a hidden comment again (maintainers).",
              body=_REASON, token=True),
    Operation("GET", "/api/discussions/{path}/comments", "A page's discussion, oldest first."),
    Operation("POST", "/api/discussions/{path}/comments",
              "Comment on a page (perhaps on a passage), or reply to a comment (201).",
              body=_COMMENT, required=("body",), token=True),
    Operation("PATCH", "/api/discussions/{path}/comments/{comment}", "Change one's own comment.",
              body={"body": _TEXT}, required=("body",), token=True),
    Operation("DELETE", "/api/discussions/{path}/comments/{comment}", "Delete one's own comment (204).", token=True),
    Operation("POST", "/api/discussions/{path}/comments/{comment}/hide", "Hide a comment (maintainers).",
              body=_REASON, token=True),
    Operation("POST", "/api/discussions/{path}/comments/{comment}/restore",
              "Show a hidden comment again (maintainers).", body=_REASON, token=True),
    Operation("POST", "/api/proposals/{id}/support", "Support a proposal.", token=True),
    Operation("DELETE", "/api/proposals/{id}/support", "Withdraw one's support.", token=True),
    Operation("POST", "/api/proposals/{id}/accept", "Accept a proposal (maintainers).", body=_REASON, token=True),
    Operation("POST", "/api/proposals/{id}/decline", "Decline a proposal (maintainers).", body=_REASON, token=True),
    Operation("POST", "/api/proposals/{id}/status", "Put a proposal under consideration or back to open (maintainers).",
              body={"status": {"type": "string", "enum": ["under_consideration", "open"]}, "note": _TEXT},
              required=("status", "note"), token=True),
    Operation("POST", "/api/proposals/{id}/withdraw", "Withdraw one's own proposal.", body=_REASON, token=True),
    Operation("GET", "/api/proposals/{id}/suggestions", "Suggestions to a proposal, oldest first."),
    Operation("POST", "/api/proposals/{id}/suggestions", "Suggest a change to a proposal's text (201 with its id).",
              body={"changes": _CHANGES, "reason": _TEXT, "head_revision": _TEXT},
              required=("changes", "reason"), token=True),
    Operation("POST", "/api/proposals/{id}/suggestions/{n}/accept",
              "Take a suggestion over (the proposal's author or an editor).", token=True),
    Operation("POST", "/api/proposals/{id}/suggestions/{n}/decline",
              "Decline a suggestion, with a reason.", body=_REASON, required=("reason",), token=True),
    Operation("GET", "/api/watch", "What the token's owner watches.", token=True),
    Operation("PUT", "/api/watch", "Watch a page, a proposal, all principles, all proposals or the whole wiki.",
              body=_WATCHED, required=("kind",), token=True),
    Operation("DELETE", "/api/watch", "Stop watching it.", body=_WATCHED, required=("kind",), token=True),
    Operation("GET", "/api/notifications", "One's notifications, newest first, and how many are unread.",
              {"unread": {"type": "string", "enum": ["1"], "description": "Only the unread ones."}}, token=True),
    Operation("POST", "/api/notifications/read", "Mark notifications as read: these ids, or all.",
              body={"ids": {"type": "array", "items": {"type": "integer"}}, "all": {"type": "boolean"}}, token=True),
    Operation("PUT", "/api/account/mail", "How often the token's owner gets e-mail.",
              body={"frequency": {"type": "string", "enum": list(FREQUENCIES)}, "auto_watch": {"type": "boolean"}},
              required=("frequency",), token=True),
    Operation("POST", "/api/hooks/git", "The shared remote's forge asks for a fetch (hook secret)."),
    Operation("POST", "/api/password-reset", "Mail a password reset link (202, whether an account matches or not).",
              body={"username_or_email": _TEXT}, required=("username_or_email",)),
    Operation("GET", "/api/openapi.json", "This document."),
)  # fmt: skip


def _operation(op: Operation) -> dict[str, Any]:
    names = [part[1:-1] for part in op.path.split("/") if part.startswith("{")]
    parameters = [{"name": n, "in": "path", "required": True, "schema": _TEXT} for n in names]
    parameters += [{"name": n, "in": "query", "required": False, "schema": s} for n, s in op.query.items()]
    described: dict[str, Any] = {
        "summary": op.summary,
        "parameters": parameters,
        "responses": {"200": {"description": "Done."}, "4XX": _ERROR},
    }
    if op.body is not None:
        schema = {"type": "object", "properties": op.body, "required": list(op.required)}
        described["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    if op.token:
        described["security"] = [{"token": []}]
    return described


def document() -> dict[str, Any]:
    """The OpenAPI document of the JSON API."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    error = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": _TEXT,
            "message": _TEXT,
            "request_id": _TEXT,
            "current_revision": _TEXT,
            "current_body": _TEXT,
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Principles wiki API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": {"Error": error},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer", "description": "A personal token."}},
        },
    }


async def openapi_json(request: Request) -> Response:
    """The document, the same for everyone."""
    return JSONResponse(document())
