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
    assert '<a href="https://example.org/page?a=1&amp;b=2" rel="nofollow ugc noopener" dir="ltr">' in html


def test_javascript_urls_are_never_links():
    html = format_comment('javascript:alert(1) <a href="javascript:alert(1)">x</a>')
    assert "<a " not in html


def test_typed_rel_attribute_cannot_become_markup():
    html = format_comment('rel="nofollow" onmouseover="x()"')
    assert 'rel="nofollow ugc noopener"' not in html
    assert "&quot;" in html


def test_control_characters_are_stripped_but_newlines_and_tabs_kept():
    assert clean_text("  a\x00b\x07c\x1bd\x7fe\x85f\r\ng\th\rend  ") == "abcdef\ng\th\nend"


def test_joiners_marks_and_direction_controls_are_text_and_kept():
    emoji, persian = "\U0001f469\u200d\U0001f4bb", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    text = f"{emoji} {persian} \u202eabc\u202c \u2066x\u2069 \u200e\u200f\ufeff"
    assert clean_text(text) == text


def test_email_addresses_become_mailto_links():
    html = format_comment("Write to desk@example.org.")
    link = '<a href="mailto:desk@example.org" rel="nofollow ugc noopener" dir="ltr">desk@example.org</a>'
    assert f"{link}." in html


def test_links_in_right_to_left_text_read_left_to_right():
    html = format_comment("\u0645\u0642\u0627\u0644 https://example.org/a \u0634\u0643\u0631\u0627")
    link = '<a href="https://example.org/a" rel="nofollow ugc noopener" dir="ltr">https://example.org/a</a>'
    assert link in html


def test_a_link_word_with_direction_controls_stays_text():
    for word in ("https://evil.example/\u202emoc.knab", "www.\u2067example.com", "https://a.example/\u200f"):
        html = format_comment(f"go to {word} now")
        assert "<a " not in html and word in html
