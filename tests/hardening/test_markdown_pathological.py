"""Bodies built to make Markdown renderers take quadratic or exponential time, at the body's full length.

Each is rendered in a separate process with a generous time limit: the limit is there to catch a
blow-up (python-markdown took 104 s on 20,000 brackets), not to measure speed (bench/ does that).
A body either renders or is refused with MarkdownTooComplex, whose message the editor sees.
"""

import multiprocessing
import re

import pytest

from articles.markdown import ALLOWED_TAGS, BODY_MAX_LENGTH, MAX_NESTING, MarkdownTooComplex, render_markdown

GUARD_SECONDS = 20
N = BODY_MAX_LENGTH


def repeat(piece, length=N):
    """`piece` repeated to exactly `length` characters."""
    return (piece * (length // len(piece) + 1))[:length]


def half_and_half(first, second):
    return repeat(first, N // 2) + repeat(second, N - N // 2)


def padded_table(columns):
    head = "|" + " a |" * columns + "\n|" + "-|" * columns + "\n"
    return head + repeat("| x |\n", N - len(head))


RENDERED = {
    "open brackets": "[" * N,
    "nested brackets": half_and_half("[", "]"),
    "brackets then link openers": half_and_half("[", "]("),
    "unclosed inline links": repeat("[a](<b"),
    "link titles in parentheses": repeat("[ (]("),
    "link openers and brackets": repeat("]([\n"),
    "image openers": repeat("!["),
    "long link chain": repeat("[a](https://example.org/x) "),
    "reference link chain": repeat("[a][r] ", N - 30) + "\n\n[r]: https://example.org/\n",
    "emphasis runs": repeat("*_"),
    "strong runs": repeat("**a"),
    "bare asterisks": "*" * N,
    "mixed emphasis": repeat("*a**"),
    "underscores in words": repeat("a_"),
    "strikethrough runs": repeat("~~a"),
    "backtick runs": "`" * N,
    "escaped backticks": repeat("\\``"),
    "unmatched code spans": repeat("`a``"),
    "less-than runs": "<" * N,
    "empty tags": repeat("<>"),
    "cdata openers": repeat("a <![CDATA["),
    "processing instruction openers": repeat("a <? "),
    "declaration openers": repeat("a <!A"),
    "comment openers": repeat("<!--"),
    "entity openers": repeat("&#"),
    "backslashes": "\\" * N,
    "long table": "| a | b |\n|---|---|\n" + repeat("| 1 | 2 |\n", N - 20),
    "many headings": repeat("# a\n"),
    "setext headings": repeat("a\n=\n"),
    "list markers and brackets": repeat("- ["),
    "fence openers": repeat("```\n"),
    "www autolinks": repeat("www.a."),
    "url autolinks": repeat("http://a.b/"),
    "at signs": repeat("a@"),
    "raw divs never closed": repeat("<div>"),
    # Each <p> closes the last one with its open <b>s, which the HTML parser then opens again inside.
    "raw formatting never closed before paragraphs": (
        "<p>" + "".join(f"<b title={i}>" for i in range(N // 28)) + repeat("<p>x", N // 2)
    ),
    "raw tags with unclosed quotes": repeat('<a title="'),
    "raw tags never ending": repeat("<a "),
}
REFUSED = {
    "deep blockquote": ">" * N,
    "deep blockquote with spaces": repeat("> ", N - 1) + "a",
    "deep list on one line": repeat("- ", N - 1) + "a",
    "deep ordered list on one line": repeat("1. ", N - 1) + "a",
    "deep indented list": "".join("  " * level + "- a\n" for level in range(300)),
    "padded table with many columns": padded_table(2000),
    "many footnote references": repeat("[^a]", N - 10) + "\n\n[^a]: x\n",
}


@pytest.fixture(scope="module")
def renderer():
    """A worker process that can be killed if a render runs away."""
    pool = multiprocessing.get_context("spawn").Pool(1)
    yield pool
    pool.terminate()
    pool.join()


def render_in_time(renderer, text):
    result = renderer.apply_async(render_markdown, (text,))
    try:
        return result.get(timeout=GUARD_SECONDS)
    except multiprocessing.TimeoutError:
        pytest.fail(f"rendering {len(text):,} characters did not finish in {GUARD_SECONDS} s")


@pytest.mark.parametrize("name", RENDERED)
def test_pathological_body_of_full_length_renders_safely(renderer, name):
    text = RENDERED[name]
    assert len(text) <= BODY_MAX_LENGTH
    html = render_in_time(renderer, text)
    # Whether the output is safe is test_properties' job; this only checks it is still sanitised HTML.
    assert set(re.findall(r"<([a-zA-Z][^\s/>]*)", html)) <= ALLOWED_TAGS


@pytest.mark.parametrize("name", REFUSED)
def test_pathological_body_too_deep_or_too_large_is_refused_with_a_reason(renderer, name):
    text = REFUSED[name]
    assert len(text) <= BODY_MAX_LENGTH
    with pytest.raises(MarkdownTooComplex, match="nested more than|characters of HTML"):
        render_in_time(renderer, text)


def test_nesting_just_inside_the_limit_renders(renderer):
    # Each quote level is one <blockquote>, and the paragraph inside it one more element.
    html = render_in_time(renderer, "> " * (MAX_NESTING - 1) + "Deep.")
    assert html.count("<blockquote>") == MAX_NESTING - 1
