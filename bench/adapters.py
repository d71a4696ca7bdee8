"""Per-system adapters: operation -> HTTP request.

An adapter is a plain dict, so adding a system is a few lines (or a JSON file
passed with --adapter-file).  Placeholders in paths / form values:

  {page}      URL path of a page, without leading slash (from manifest.json)
  {rev_a}     older revision (full commit SHA) of {page}
  {rev_b}     newer revision (full commit SHA) of {page}
  {word}      a search word (manifest search_words)
  {content}   generated Markdown body of ~4 KB containing a unique token
  {message}   a commit message containing the same unique token
  {<name>}    any value captured by `prefetch.extract` (CSRF token, base revision, ...)

Keys per operation:
  method      GET or POST
  path        path template
  form        (POST) dict of form fields -> template
  ok          list of HTTP status codes that count as success
  prefetch    optional: {"path": template, "extract": {name: regex-with-one-group},
                         "scope": "user" | "request"}
              "user":    done once per virtual user (cookie + token reused),
              "request": done before every request (e.g. to fetch the current
                         base revision for optimistic concurrency), NOT timed.
"""

OTTERWIKI = {
    "name": "otterwiki",
    "ops": {
        "view": {"method": "GET", "path": "/{page}", "ok": [200]},
        "history": {"method": "GET", "path": "/{page}/history", "ok": [200]},
        "diff": {"method": "GET", "path": "/{page}/diff/{rev_a}/{rev_b}", "ok": [200]},
        "save": {
            "method": "POST", "path": "/{page}/save", "ok": [302, 303],
            "form": {"csrf_token": "{csrf_token}", "content": "{content}",
                     "commit": "{message}", "cursor_line": "0", "cursor_ch": "0"},
            "prefetch": {"path": "/{page}/edit", "scope": "user",
                         "extract": {"csrf_token": r'name="csrf_token" value="([^"]+)"'}},
        },
        "search": {"method": "GET", "path": "/-/search/{word}", "ok": [200]},
        "recent": {"method": "GET", "path": "/-/changelog", "ok": [200]},
    },
}

# Our service.  Saves go through the JSON API as an editor with a personal token
# (`wiki token create USER`; pass it with `load.py ... --set api_token=TOKEN`): the base
# revision is read per request (not timed) for optimistic concurrency, so a stale base is
# merged or refused with 409, never silently overwritten.
WIKISVC = {
    "name": "wikisvc",
    "ops": {
        "view": {"method": "GET", "path": "/p/{page}", "ok": [200]},
        "history": {"method": "GET", "path": "/history/{page}", "ok": [200]},
        "diff": {"method": "GET", "path": "/compare/{page}?from={rev_a}&to={rev_b}", "ok": [200]},
        "search": {"method": "GET", "path": "/search?q={word}", "ok": [200]},
        "recent": {"method": "GET", "path": "/changes", "ok": [200]},
        # The same views at addresses never asked before: what they cost without the reader cache.
        "history_fresh": {"method": "GET", "path": "/history/{page}?fresh={nonce}", "ok": [200]},
        "diff_fresh": {"method": "GET", "path": "/compare/{page}?from={rev_a}&to={rev_b}&fresh={nonce}", "ok": [200]},
        "recent_fresh": {"method": "GET", "path": "/changes?fresh={nonce}", "ok": [200]},
        "save": {
            "method": "PUT", "path": "/api/pages/{page}", "ok": [200, 201],
            "headers": {"Authorization": "Bearer {api_token}"},
            "json": {"body": "{content}", "message": "{message}", "base_revision": "{base_rev}"},
            "prefetch": {"path": "/api/pages/{page}", "scope": "request",
                         "extract": {"base_rev": r'"revision":\s*"([0-9a-f]{40})"'}},
        },
    },
}

# Framework ceiling: any GET path, used for the Starlette "hello" endpoint.
HELLO = {
    "name": "hello",
    "ops": {"view": {"method": "GET", "path": "/hello", "ok": [200]}},
}

# hello_app.py prototypes of our view pipeline (uncached / cached by blob id)
PROTO_RENDER = {
    "name": "proto-render",
    "ops": {"view": {"method": "GET", "path": "/render/{page}", "ok": [200]}},
}
PROTO_CACHED = {
    "name": "proto-cached",
    "ops": {"view": {"method": "GET", "path": "/cached/{page}", "ok": [200]}},
}

PROTO_FAST = {
    "name": "proto-fast",
    "ops": {"view": {"method": "GET", "path": "/fast/{page}", "ok": [200]}},
}

ADAPTERS = {a["name"]: a for a in (OTTERWIKI, WIKISVC, HELLO, PROTO_RENDER, PROTO_CACHED,
                                   PROTO_FAST)}
