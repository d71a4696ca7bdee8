"""The names people choose: usernames (ASCII, unique once folded, some reserved) and display
names (printable, unique once folded, never the wiki's own).  The one check every way an
account is made or renamed goes through; the database's unique folded keys decide who was first.
"""

from __future__ import annotations

import re
import unicodedata

from wiki.errors import N_, BadInput
from wiki.services.gittexts import WIKI_EMAIL, wiki_author_names
from wiki.services.history import FORMER_AUTHOR
from wiki.store.display_names import fold_display_name
from wiki.store.identities import fold_username

# ASCII only, spelled out: with re.IGNORECASE a class like [a-z] also takes the KELVIN SIGN
# and the dotless i, and \w takes any letter; re.ASCII keeps both from widening.
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{1,38}[A-Za-z0-9]", re.ASCII)
# ``u`` and digits is the form of commit addresses (u12@users.wiki.invalid is account 12).
_ACCOUNT_ADDRESS_FORM = re.compile(r"u[0-9]+", re.ASCII)
# Nobody may pose as the wiki itself or as the name erased accounts are shown under (in
# every language the interface speaks: the Dutch is the catalog's translation of it).
RESERVED_NAMES = frozenset(
    fold_display_name(name) for name in (*wiki_author_names(), FORMER_AUTHOR, "voormalig deelnemer")
)
# Usernames nobody may take (folded): the wiki's own identity and names that look official.
RESERVED_USERNAMES = frozenset(
    fold_username(joined.join(name.split()))
    for name in (
        WIKI_EMAIL.partition("@")[0],
        *wiki_author_names(),
        FORMER_AUTHOR,
        "voormalig deelnemer",
        "wiki",
        "admin",
        "administrator",
        "maintainer",
        "beheer",
        "system",
        "root",
        "anonymous",
        "anoniem",
        "support",
        "noreply",
        "no-reply",
        "postmaster",
        "webmaster",
    )
    for joined in ("", ".", "-", "_")
)


def checked_display_name(display_name: str) -> str:
    """The name as stored (NFC, single spaces); ``BadInput`` when it is empty, too long,
    holds invisible characters or is reserved.  Whether someone else has it the database decides."""
    display_name = unicodedata.normalize("NFC", " ".join(display_name.split()))
    if not display_name or len(display_name) > 80 or any(unicodedata.category(c)[0] == "C" for c in display_name):
        raise BadInput(N_("A display name is at most 80 printable characters."))
    if fold_display_name(display_name) in RESERVED_NAMES:
        raise BadInput(N_("The name '{name}' is reserved for the wiki. Choose another name.", name=display_name))
    return display_name


def username_allowed(username: str) -> bool:
    """Whether ``username`` keeps the rule for new accounts: 3 to 40 ASCII letters, digits,
    '.', '_' or '-', starting and ending with a letter or digit, not reserved (compared
    folded) and not of the form commit addresses take (``u`` and digits).  Accounts made
    before the rule keep working; maintainers see which break it."""
    return (
        username.isascii()
        and _USERNAME.fullmatch(username) is not None
        and fold_username(username) not in RESERVED_USERNAMES
        and _ACCOUNT_ADDRESS_FORM.fullmatch(fold_username(username)) is None
    )


def check_new_username(username: str) -> str:
    """``username`` when a new account may have it; ``BadInput`` saying why not.  The one
    check of every way an account is made (sign-up, maintainers, the command line)."""
    if not username.isascii() or _USERNAME.fullmatch(username) is None:
        raise BadInput(
            N_(
                "A username is 3 to 40 letters a-z, digits, '.', '_' or '-',"
                " starting and ending with a letter or digit."
            )
        )
    if not username_allowed(username):
        raise BadInput(N_("The name '{name}' is reserved for the wiki. Choose another name.", name=username))
    return username
