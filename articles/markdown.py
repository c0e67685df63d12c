"""Markdown → safe HTML, used at save time and by the admin's live preview.

Rendering takes time linear in the text, whatever the text. cmark-gfm (GitHub's CommonMark parser,
in C, tested against pathological inputs) turns it into HTML, then nh3 keeps only the allow-list.
nh3's HTML parser is the part that can still blow up: its cost grows with the square of the nesting
depth, and misnested raw HTML makes it copy open formatting elements into every later paragraph
(19 KB of raw HTML became 33 MB and took seconds). So nh3 only ever sees a shallow, well-formed
tree: raw HTML is kept when every tag in the document is closed in order and nothing nests more
than MAX_NESTING deep; otherwise the document is rendered again without its raw HTML. Markdown
alone nested too deep, or rendering to more than MAX_HTML_LENGTH, is refused with a reason that the
model's validator and the live preview show to the editor.
"""

import re

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.core.exceptions import ValidationError

BODY_MAX_LENGTH = 100_000
# Real articles nest lists, quotes and emphasis a handful of levels deep.
MAX_NESTING = 32
# A full-length body of ordinary Markdown renders to about twice its length; padded tables and
# thousands of footnote references can reach fifty times.
MAX_HTML_LENGTH = 5 * BODY_MAX_LENGTH

ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr",
    "ul", "ol", "li", "dl", "dt", "dd",
    "a", "em", "strong", "b", "i", "del", "sup", "sub", "abbr",
    "code", "pre", "kbd", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "caption",
    "img", "figure", "figcaption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
    "ol": {"start"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
# GitHub's extensions without "tasklist" (its checkboxes are not on the allow-list) and "tagfilter"
# (it turns <script> into visible text; nh3 removes it with its content).
EXTENSIONS = ["table", "strikethrough", "autolink"]
OPTIONS = Options.CMARK_OPT_FOOTNOTES
# Raw HTML and every URL go through to nh3, which decides.
WITH_RAW_HTML = OPTIONS | Options.CMARK_OPT_UNSAFE

# What is between "<" and ">" of a tag as the HTML parser reads it, kept to the plain forms: quoted
# values hold no "<" or ">", and whitespace is HTML's own.
SPACE = r"[ \t\n\f\r]"
TAG_TEXT = re.compile(
    rf"""(/?)([a-zA-Z][a-zA-Z0-9-]*)"""
    rf"""(?:{SPACE}+[^ \t\n\f\r"'<>/=]+(?:{SPACE}*={SPACE}*(?:"[^"<>]*"|'[^'<>]*'|[^ \t\n\f\r"'<>=`]+))?)*"""
    rf"""{SPACE}*/?"""
)
VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
}  # fmt: skip


class MarkdownTooComplex(ValueError):
    """The text is within the length limit but would render to HTML too deep or too long to clean."""


def render_markdown(text):
    """Render Markdown and sanitise it with an allow-list: no script, handlers or unsafe URLs.

    Raises MarkdownTooComplex for text the body's validator refuses.
    """
    return sanitise_html(checked_html(text or ""))


def sanitise_html(html, *, attribute_filter=None):
    """The allow-list every article body passes. `attribute_filter(tag, attribute, value)` may rewrite
    a kept attribute (the newsletter makes links absolute with it); only give it a shallow, well-formed
    tree such as a stored body_html (see the module's note on nh3's parser)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        strip_comments=True,
        attribute_filter=attribute_filter,
    )


def checked_html(text):
    """cmark's HTML for the text, or MarkdownTooComplex if it is too deep or too long to clean."""
    html = cmarkgfm.markdown_to_html_with_extensions(text, options=WITH_RAW_HTML, extensions=EXTENSIONS)
    if len(html) <= MAX_HTML_LENGTH and is_shallow_tree(html):
        return html
    # cmark's safe mode leaves raw HTML out, so what is left is cmark's own, well-formed output.
    html = cmarkgfm.markdown_to_html_with_extensions(text, options=OPTIONS, extensions=EXTENSIONS)
    if len(html) > MAX_HTML_LENGTH:
        raise MarkdownTooComplex(
            f"This text would render to more than {MAX_HTML_LENGTH:,} characters of HTML "
            "(very long tables with mostly empty cells, or thousands of footnote references?). "
            "Shorten it or split it into several articles."
        )
    if not is_shallow_tree(html):
        raise MarkdownTooComplex(
            f"Lists, quotes or emphasis are nested more than {MAX_NESTING} levels deep "
            "(a long run of “>” or of list markers?). Flatten them."
        )
    return html


def is_shallow_tree(html):
    """Whether every tag is plain, closed in order and at most MAX_NESTING deep (one pass, no backtracking).

    Anything the check does not understand (comments that end oddly, "<!", "<?", stray "<", unclosed
    or misnested tags) counts as not shallow.
    """
    open_tags = []
    position = 0
    while (start := html.find("<", position)) >= 0:
        if html.startswith("<!--", start):
            end = html.find("-->", start + 4)
            if end < 0 or html.startswith((">", "->"), start + 4) or html.find("--!>", start + 4, end) >= 0:
                return False
            position = end + 3
            continue
        end = html.find(">", start + 1)
        tag = TAG_TEXT.fullmatch(html, start + 1, end) if end >= 0 else None
        if tag is None:
            return False
        closing, name = tag[1], tag[2].lower()
        if closing:
            if not open_tags or open_tags.pop() != name:
                return False
        elif name not in VOID_ELEMENTS:
            open_tags.append(name)
            if len(open_tags) > MAX_NESTING:
                return False
        position = end + 1
    return not open_tags


def validate_markdown(text):
    """Model validator: refuse, with the reason, a body the renderer would refuse."""
    if len(text) > BODY_MAX_LENGTH:
        return  # The length validator says so; no need to render it.
    try:
        checked_html(text)
    except MarkdownTooComplex as exc:
        raise ValidationError(str(exc), code="markdown_too_complex") from exc
