from comments.formatting import clean_text, format_comment


def test_html_is_escaped_not_interpreted():
    html = format_comment("<script>alert(1)</script> <b>bold</b> **not markdown**")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "**not markdown**" in html


def test_line_breaks_are_kept():
    assert format_comment("one\ntwo\n\nthree") == "<p>one<br>two</p>\n\n<p>three</p>"


def test_urls_become_links_with_nofollow_ugc_noopener():
    html = format_comment("See https://example.org/page?a=1&b=2 for more")
    assert '<a href="https://example.org/page?a=1&amp;b=2" rel="nofollow ugc noopener">' in html


def test_javascript_urls_are_never_links():
    html = format_comment('javascript:alert(1) <a href="javascript:alert(1)">x</a>')
    assert "<a " not in html


def test_typed_rel_attribute_cannot_become_markup():
    html = format_comment('rel="nofollow" onmouseover="x()"')
    assert 'rel="nofollow ugc noopener"' not in html
    assert "&quot;" in html


def test_control_characters_are_stripped_but_newlines_and_tabs_kept():
    assert clean_text("  a\x00b\x07c\u202ed\r\ne\tf  ") == "abcd\ne\tf"
