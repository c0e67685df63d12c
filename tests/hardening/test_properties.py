"""Whatever anyone types, what the site renders carries no script: property-based, with hypothesis."""

import re
from html.parser import HTMLParser

from django.template.loader import render_to_string
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import User
from articles.markdown import ALLOWED_TAGS, render_markdown
from comments.formatting import clean_text, format_comment

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
    "poster",
    "background",
    "data",
}
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")


def url_as_browsers_read_it(value):
    """The WHATWG URL parser strips C0 controls and spaces at both ends and tabs/newlines anywhere."""
    return re.sub(r"[\t\n\r]", "", value.strip("".join(map(chr, range(0x21))))).lower()


# Pieces attackers use, mixed by hypothesis with arbitrary text.
HOSTILE = [
    "<script>alert(1)</script>", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>", "<scr<script>ipt>alert(1)",
    "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)>", "<a href='vbscript:msgbox(1)'>x</a>",
    "<details open ontoggle=alert(1)>", "<form action=javascript:alert(1)><button>x</button></form>",
    "<math><mi xlink:href=javascript:alert(1)>", "<base href=//evil.example/>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>", "<style>@import 'x'</style>",
    "<object data=javascript:alert(1)>", "<embed src=data:text/html,x>", "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))", "[x](java\tscript:alert(1))", "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;vascript:alert(1))", "[x]( javascript:alert(1) )", "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)", "![x](javascript:alert(1))",
    "<javascript:alert(1)>", "[ref]: javascript:alert(1)\n\n[click][ref]",
    '[x](http://a.example/"onmouseover="alert(1))',
    '<a href="http://ok.example" onclick="alert(1)">x</a>', "http://a.example/?q=<script>",
    'www.example.com/"><script>alert(1)</script>', "javascript:alert(1)", "mailto:a@b.example",
    "&lt;script&gt;", "&#60;script&#62;", "<!-- <script> -->", "]]>", "<![CDATA[<script>]]>",
    "`<script>`", "```\n<script>\n```", "\x00", "\u202e", "\r\n", "\n\n", "    ", "*", "_", "#", "> ",
    "{: onclick=alert(1) }", "[x](\x01javascript:alert(1))", "[x](java\nscript:alert(1))",
    '<a href="&#0000106avascript:alert(1)">', '<img src="jav&#x0A;ascript:x">',
]  # fmt: skip
hostile_text = st.lists(st.one_of(st.text(max_size=20), st.sampled_from(HOSTILE)), max_size=12).map("".join)


class Elements(HTMLParser):
    """Every start tag with its attributes (entities already decoded), and the text."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def assert_no_script(html):
    assert "<script" not in html.lower()
    for tag, attrs in Elements(html).tags:
        assert tag not in {"script", "iframe", "object", "embed", "base", "meta", "form", "style", "svg"}, (
            html
        )
        for name, value in attrs:
            assert not name.startswith("on"), html
            if name in URL_ATTRIBUTES and value:
                assert not url_as_browsers_read_it(value).startswith(UNSAFE_SCHEMES), html


@FAST
@given(hostile_text)
@example("[x](javascript:alert(1))")
@example("<img src=x onerror=alert(1)>")
def test_markdown_renders_no_script_whatever_the_input(text):
    html = render_markdown(text)
    assert_no_script(html)
    assert {tag for tag, _ in Elements(html).tags} <= ALLOWED_TAGS


# Raw HTML that makes an HTML parser copy open formatting elements into every later paragraph, nest
# deep, or read a tag differently from a naive scanner.
TREE_PIECES = [
    "<b title=1>", "<b title=2>", "<i class=x>", "<a href='/x'>", "</b>", "</i>", "</a>", "<p>", "</p>",
    "<div>", "</div>", "<table>", "<td>", "</table>", "<sub>", "</sub>", "<br>", "<b/>", "<!-->",
    "<!-- x -->", "--!>", '<a title="a>b">', "<a title='</a>'>", "<script>", "</script>", "\n\n", "> ",
    "- ", "x", "*", "[", "](",
]  # fmt: skip
tree_text = st.lists(st.sampled_from(TREE_PIECES), max_size=40).map("".join)


@FAST
@given(tree_text)
@example("<p>" + "".join(f"<b title={i}>" for i in range(40)) + "<p>x" * 40)
def test_markdown_output_grows_at_most_linearly_with_its_input(text):
    html = render_markdown(text)
    assert_no_script(html)
    assert {tag for tag, _ in Elements(html).tags} <= ALLOWED_TAGS
    # Misnested formatting elements reopened in every paragraph would multiply the output.
    assert len(html) <= 12 * len(text) + 100, html


@FAST
@given(hostile_text)
@example("see http://a.example/?q=<script>alert(1)</script>")
def test_comment_formatter_renders_no_script_and_only_marked_http_links(text):
    html = format_comment(clean_text(text))
    assert_no_script(html)
    for tag, attrs in Elements(html).tags:
        assert tag in {"p", "br", "a"}, html
        if tag == "a":
            attrs = dict(attrs)
            assert attrs["href"].lower().startswith(("http://", "https://", "mailto:")), html
            assert set(attrs["rel"].split()) >= {"nofollow", "ugc", "noopener"}, html


@FAST
@given(hostile_text)
def test_comment_text_survives_as_text(text):
    # Nothing is lost or turned into markup: the visible text is what the reader typed.
    cleaned = clean_text(text)
    shown = "".join(Elements(format_comment(cleaned)).text)
    assert re.sub(r"\s+", "", shown) == re.sub(r"\s+", "", cleaned)


@FAST
@given(st.text(alphabet=st.characters(exclude_categories=["Cc", "Cs"]), max_size=60))
@example("\U0001f469\u200d\U0001f4bb \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u202eabc")
def test_comment_text_is_kept_as_written_but_for_control_characters(text):
    # Joiners, marks and direction controls are text; only C0/C1 controls and outer spaces go.
    assert clean_text(text) == text.strip()
    assert clean_text(f"\x00{text}\x07\x85") == text.strip()


@FAST
@given(display_name=hostile_text.map(lambda name: name[:80]))
def test_display_name_is_shown_as_text_in_the_header_and_on_the_author_page(display_name):
    author = User(username="someone", display_name=display_name)
    html = render_to_string(
        "articles/author_detail.html",
        {"author": author, "user": author, "site_name": "newsblog", "nav_categories": [], "page": None},
    )
    assert "<script" not in html.lower()
    parsed = Elements(html)
    for tag, attrs in parsed.tags:
        assert tag != "script"
        for name, value in attrs:
            assert not name.startswith("on"), name
            if name in URL_ATTRIBUTES and value:
                assert not url_as_browsers_read_it(value).startswith(UNSAFE_SCHEMES)
    # Each place the name appears, it is the whole text of its element: nothing broke out of it.
    assert author.public_name in parsed.text
