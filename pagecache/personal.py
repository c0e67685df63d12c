"""The personal parts of a signed-in reader's page.

A signed-in reader's page differs from everyone else's only in a few parts: their name in the header,
CSRF tokens, Edit/Delete on their own comments, text they typed before their session ran out. The
page is rendered once as a *shared copy*, with a marker where each part goes (the `personal` template
tags write them; nothing else does), split at the markers once when stored, and joined with each
reader's parts per request. Outside a shared render the same tags write the reader's part directly.

Markers are HTML comments, which no user text can contain: comments and names are escaped, article
bodies are sanitised by nh3. Apps register what fills each kind of part (`register()` in `ready()`).
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import quote, unquote

from django.middleware.csrf import get_token
from django.utils.html import format_html
from django.utils.safestring import mark_safe

_fillers = {}
_shared = ContextVar("pagecache_shared_render", default=False)

# <!--pc:kind:arg:arg--> alone, or <!--pc+:kind:arg-->default<!--pc--> around what most readers get.
MARKER = re.compile(r"<!--pc(\+?):([^>]*?)-->|<!--pc-->")


def register(kind, fill):
    """`fill(request, *args)` returns the reader's HTML for a part, or None to keep the default."""
    _fillers[kind] = fill


def csrf_input(request):
    if not hasattr(request, "META"):
        return ""  # rendered without a request: no form can be posted from it
    token = get_token(request)
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def is_shared_render():
    return _shared.get()


@contextmanager
def shared_render():
    """Personal tags write markers while this is active."""
    token = _shared.set(True)
    try:
        yield
    finally:
        _shared.reset(token)


def marker(kind, args, default=None):
    encoded = ":".join([kind, *(quote(str(arg), safe="") for arg in args)])
    if default is None:
        return f"<!--pc:{encoded}-->"
    return f"<!--pc+:{encoded}-->{default}<!--pc-->"


def fill_one(request, kind, args, default=None):
    filled = _fillers[kind](request, *args)
    return default if filled is None else filled


def split(html):
    """Parts of a marked page: strings, and (kind, args, default parts or None) for each marker."""
    parts, stack = [], []
    position = 0
    for match in MARKER.finditer(html):
        parts.append(html[position : match.start()])
        position = match.end()
        if match.group(2) is None:  # the end of a part with a default
            kind, args, outer = stack.pop()
            parts = [*outer, (kind, args, parts)]
            continue
        kind, *args = match.group(2).split(":")
        args = [unquote(arg) for arg in args]
        if match.group(1):
            stack.append((kind, args, parts))
            parts = []
        else:
            parts.append((kind, args, None))
    parts.append(html[position:])
    return parts


def join(parts, request):
    """The page for this reader: every marker replaced by their part."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            kind, args, default = part
            filled = _fillers[kind](request, *args)
            out.append(join(default, request) if filled is None and default is not None else filled or "")
    return "".join(out)


def for_reader(request, html):
    """Marked HTML (a cached fragment) as this reader sees it, unless a shared copy is rendering."""
    if is_shared_render() or "<!--pc" not in html:
        return html
    return mark_safe(join(split(html), request))  # noqa: S308 - our own rendered HTML and fillers
