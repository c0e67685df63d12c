from articles.markdown import render_markdown


def test_markdown_renders_the_elements_a_story_uses():
    html = render_markdown(
        "## Heading\n\nSome *emphasis* and **strong** text.\n\n- one\n- two\n\n1. first\n\n"
        "> a quote\n\n```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[link](https://example.org) ![alt text](https://example.org/i.png)"
    )
    for fragment in (
        '<h2 id="heading">Heading</h2>',
        "<em>emphasis</em>",
        "<strong>strong</strong>",
        "<ul>",
        "<ol>",
        "<blockquote>",
        '<code class="language-python">',
        "<table>",
        '<a href="https://example.org" rel="noopener">link</a>',
        '<img alt="alt text" src="https://example.org/i.png">',
    ):
        assert fragment in html


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("Hello <script>alert('x')</script> world")
    assert "<script" not in html
    assert "alert" not in html


def test_event_handlers_and_styles_are_stripped():
    html = render_markdown(
        '<a href="/x" onclick="steal()" style="color:red">x</a><img src="/i.png" onerror="x()">'
    )
    assert "onclick" not in html
    assert "onerror" not in html
    assert "style" not in html


def test_javascript_and_data_urls_are_dropped():
    html = render_markdown(
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) ![c](data:image/png;base64,AAAA) "
        '<a href="vbscript:msgbox(1)">d</a> <iframe src="https://evil.example"></iframe>'
    )
    lowered = html.lower()
    assert "javascript:" not in lowered
    assert "data:" not in lowered
    assert "vbscript:" not in lowered
    assert "<iframe" not in lowered


def test_external_links_get_rel_noopener():
    assert 'rel="noopener"' in render_markdown("[x](https://elsewhere.example)")
