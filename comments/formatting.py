"""Plain-text comments to safe HTML: escape everything, keep line breaks, link bare URLs."""

import re

from django.utils.html import linebreaks, urlize

# Control characters other than tab and newline (and CR, normalised below) are dropped.
CONTROL_CHARACTERS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


def clean_text(text):
    """Normalise newlines, strip control characters and surrounding whitespace."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_CHARACTERS.sub("", text).strip()


def format_comment(text):
    """Escaped paragraphs with clickable http(s) links marked nofollow/ugc/noopener."""
    linked = urlize(text, nofollow=True, autoescape=True)
    # Everything a reader typed is escaped by now, so this only touches the links urlize made.
    linked = linked.replace('rel="nofollow"', 'rel="nofollow ugc noopener"')
    return linebreaks(linked, autoescape=False)
