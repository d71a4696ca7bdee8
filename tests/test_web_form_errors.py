"""Errors in one place: every form that can fail comes back with what the person typed and
the message in their language, and concurrent failures never share an error."""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from markupsafe import escape
from starlette.testclient import TestClient

import wiki.web
from tests.conftest import PASSWORD, Auth, csrf_from
from wiki import catalogs
from wiki.errors import Message, WikiError
from wiki.models import Role
from wiki.services.site import Site
from wiki.web.app import create_app

PAGE = "neem-initiatief"
TYPED = "Dit typte ik zelf en het mag niet verloren gaan"
DUTCH = catalogs.translations("nl")
LONG_COMMENT = (TYPED + ". ") * 220  # over the 10,000 characters a comment may have


def dutch(message: str, **params: object) -> str:
    """``message`` as the Dutch page shows it (translated, filled in, escaped)."""
    return str(escape(DUTCH.gettext(message).format(**params)))


@dataclass(frozen=True)
class FailingForm:
    """A form sent with input its service refuses: where it is shown, what is sent, the
    message the person must see (in English, as in the code) and its status."""

    form_page: str
    url: str
    fields: dict[str, str]
    message: str
    status: int


FORMS: dict[str, Callable[[Site], FailingForm]] = {
    "new page": lambda site: FailingForm(
        "/new",
        "/new",
        {"name": PAGE, "title": "Neem initiatief", "body": TYPED, "message": ""},
        "A page with this name exists already. Choose another name.",
        409,
    ),
    "edit": lambda site: FailingForm(
        f"/edit/{PAGE}",
        f"/edit/{PAGE}",
        {"title": "Neem initiatief", "body": TYPED, "base": "geen-versie", "message": "", "action": "save"},
        "The base revision is not a commit id.",
        400,
    ),
    "new principle": lambda site: FailingForm(
        "/proposals/new",
        "/proposals/new",
        {"title": "", "body": TYPED, "why": "Omdat het ontbreekt"},
        "A proposal needs a title of at most 200 characters.",
        400,
    ),
    "propose a change": lambda site: FailingForm(
        f"/propose/{PAGE}",
        f"/propose/{PAGE}",
        {"title": "Neem initiatief", "body": TYPED, "proposal_title": "x" * 201, "why": "Beter"},
        "A proposal needs a title of at most 200 characters.",
        400,
    ),
    "revise a proposal": lambda site: FailingForm(
        "/proposals/1/revise",
        "/proposals/1/revise",
        {"title-0": "Neem initiatief", "body-0": TYPED, "message": "", "head": "0" * 40},
        "The proposal changed meanwhile. Look at it again and retry.",
        409,
    ),
    "rename": lambda site: FailingForm(
        f"/rename/{PAGE}",
        f"/rename/{PAGE}",
        {"new_name": "ga-voor-oplossingen-en-resultaten", "message": TYPED},
        "A page with this name exists already.",
        409,
    ),
    "name a version": lambda site: FailingForm(
        "/versions",
        "/versions",
        {"display_name": "Versie Een"},
        "A version with this name exists already.",
        409,
    ),
    "comment on a page": lambda site: FailingForm(
        f"/discuss/{PAGE}",
        f"/discuss/{PAGE}",
        {"body": LONG_COMMENT},
        "A comment may be at most 10,000 characters.",
        400,
    ),
    "comment on a proposal": lambda site: FailingForm(
        "/proposals/1",
        "/proposals/1/comment",
        {"body": LONG_COMMENT},
        "A comment may be at most 10,000 characters.",
        400,
    ),
    "display name": lambda site: FailingForm(
        "/account",
        "/account",
        {"action": "name", "display_name": "Bezet Door Een Ander"},
        "Someone else already uses the name '{name}'. Choose another name.",
        409,
    ),
}


def _prepare(name: str, site: Site, auth: Auth, client: TestClient) -> None:
    """Sign in with a role the form allows, and make what the failing input runs into."""
    auth.sign_in(Role.EDITOR, "schrijver")
    if name in ("revise a proposal", "comment on a proposal"):
        author = site.accounts.get_user("schrijver")
        site.proposals.create(author, "Voorstel", "Waarom", [(PAGE, "# Neem initiatief\n\nEerder.\n")])
    if name == "name a version":
        client.post(
            "/versions", data={"csrf_token": csrf_from(client.get("/versions").text), "display_name": "Versie Een"}
        )
    if name == "display name":
        site.accounts.add_user("ander", PASSWORD, Role.CONTRIBUTOR, display_name="Bezet Door Een Ander")


@pytest.mark.parametrize("name", FORMS)
def test_every_form_that_fails_comes_back_with_the_typed_text_and_the_dutch_message(
    name: str, client: TestClient, auth: Auth, site: Site
) -> None:
    _prepare(name, site, auth, client)
    form = FORMS[name](site)
    token = csrf_from(client.get(form.form_page).text)
    response = client.post(form.url, data={"csrf_token": token, **form.fields})
    assert response.status_code == form.status, response.text[:3000]
    params = {"name": form.fields.get("display_name", "")}
    assert dutch(form.message, **params) in response.text
    typed = [value for key, value in form.fields.items() if len(value) > 8 and key != "head"]
    for value in typed:
        assert str(escape(value)) in response.text, (name, value)
    assert 'lang="nl"' in response.text


def test_a_refused_sign_up_keeps_what_was_typed(client: TestClient, auth: Auth) -> None:
    auth.user(Role.CONTRIBUTOR, "bezet")
    token = csrf_from(client.get("/signup").text)
    fields = {"username": "bezet", "display_name": "Mijn Eigen Naam", "email": "ik@example.org", "password": "x" * 20}
    response = client.post("/signup", data={"csrf_token": token, **fields})
    assert response.status_code == 409
    assert dutch("The username '{username}' is taken.", username="bezet") in response.text
    assert "Mijn Eigen Naam" in response.text
    assert "ik@example.org" in response.text


def _shared_error_objects() -> list[str]:
    """Module-level error instances in the web layer (or dicts or lists holding them): a view
    that changes one per request changes it for every request running at the same time."""
    found = []
    for module_info in pkgutil.iter_modules(wiki.web.__path__, "wiki.web."):
        module = importlib.import_module(module_info.name)
        for attribute, value in vars(module).items():
            held = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else [value]
            if any(isinstance(item, WikiError) for item in held):
                found.append(f"{module_info.name}.{attribute}")
    return found


def test_no_error_object_is_shared_between_requests() -> None:
    assert _shared_error_objects() == []


def test_two_requests_failing_at_once_each_get_their_own_error(site: Site) -> None:
    app = create_app(site.settings, site=site)
    cases = [
        ("GET", "/bestaat/niet", {}, 404, Message("This page does not exist.", {})),
        ("DELETE", "/", {}, 405, Message("This address does not accept that kind of request.", {})),
        ("GET", "/proposals/999", {"Accept-Language": "en"}, 404, Message("No such proposal.", {})),
        ("PUT", "/api/pages/x", {"Authorization": "Bearer fout"}, 401, Message("The token is not valid.", {})),
    ]
    rounds = 15
    start = threading.Barrier(len(cases))
    answers: dict[int, list[tuple[int, str]]] = {index: [] for index in range(len(cases))}

    def ask(index: int) -> None:
        method, url, headers, _status, _message = cases[index]
        with TestClient(app, follow_redirects=False, headers={"Accept-Encoding": "identity"}) as client:
            for _round in range(rounds):
                start.wait()
                response = client.request(method, url, headers=headers)
                answers[index].append((response.status_code, response.text))

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(len(cases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, (_method, url, headers, status, message) in enumerate(cases):
        language = catalogs.translations(headers.get("Accept-Language", "nl"))
        expected = str(escape(language.gettext(message.template)))
        assert len(answers[index]) == rounds, url
        for got_status, text in answers[index]:
            assert got_status == status, url
            assert expected in text or language.gettext(message.template) in text, (url, text[:500])
