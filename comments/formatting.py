"""Plain-text comments to safe HTML: escape everything, keep line breaks, link bare URLs.

What a reader writes is kept as written, including the invisible characters real text needs:
zero-width joiners in emoji sequences, zero-width non-joiners in Persian, direction marks and
overrides. Templates show every comment in its own `dir="auto"` container, so an override cannot
reach the page around it.
"""

import re

from django.utils.html import Urlizer, escape, linebreaks

# C0 and C1 control characters (and DEL) other than tab and newline are never text: dropped.
# CR is normalised to a newline first.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Marks, embeddings, overrides and isolates: they change how the text around them is displayed.
BIDI_CONTROLS = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text):
    """Normalise newlines, drop control characters and surrounding whitespace."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_CHARACTERS.sub("", text).strip()


class CommentUrlizer(Urlizer):
    """Django's urlize for reader text: links marked as user content and read left to right (an
    address in an Arabic sentence stays whole), and no link made of a word with direction controls
    in it, whose text could show an address other than the one it opens."""

    url_template = '<a href="{href}" rel="nofollow ugc noopener" dir="ltr">{url}</a>'

    def handle_word(self, word, **options):
        if BIDI_CONTROLS.search(word):
            return escape(word)  # reader text: always escaped, as format_comment asks
        return super().handle_word(word, **options)


urlize = CommentUrlizer()


def format_comment(text):
    """Escaped paragraphs with clickable http(s) and mailto links marked nofollow/ugc/noopener."""
    return linebreaks(urlize(text, autoescape=True), autoescape=False)
