"""Document text in Markdown: every character shows as itself; the quote is bold in its passage."""

from __future__ import annotations

import re
import string

import pytest

from chat_app.documents.surroundings import Passage, split_passage, trim_context
from chat_app.web.highlight import escape_markdown, passage_markdown


def shown(markdown: str) -> str:
    """What a reader sees: escapes resolved, bold marks dropped."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("**", ""))


@pytest.mark.parametrize("text", [
    "*stars* _under_ ~~strike~~ `code` # hash",
    "<script>alert(1)</script> <b>bold</b> &copy; &amp;",
    "[link](http://example.com) ![img](http://x/y.png)",
    "math $x^2$ and $$y$$; color :red[danger] :material/home: :smile:",
    "1. not a list\n- nor this\n> nor a quote",
    "back\\slash | pipe {brace} +plus =equals !bang",
])
def test_markdown_specials_are_escaped(text):
    markdown = escape_markdown(text)
    assert shown(markdown) == " ".join(text.split())
    assert not unescaped_punctuation(markdown), markdown


def unescaped_punctuation(markdown: str) -> list[str]:
    found, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\":
            i += 2  # an escape and the character it escapes
            continue
        if markdown[i] in string.punctuation:
            found.append(markdown[i])
        i += 1
    return found


def test_indentation_and_tabs_cannot_make_code_blocks_but_paragraphs_stay():
    markdown = escape_markdown("first line\n        indented\tcell\n\n\n    second paragraph")
    assert markdown == "first line indented cell\n\nsecond paragraph"


def test_split_passage_cuts_around_the_quote_and_widens_to_hold_it():
    text = "Alpha one. Beta two. Gamma three."
    passage = split_passage(text, 0, len(text), 11, 20)
    assert passage == Passage("Alpha one. ", "Beta two.", " Gamma three.")
    assert passage.text == text
    widened = split_passage(text, 11, 20, 0, 10)  # a quote outside the passage is still whole
    assert widened.quote == "Alpha one." and widened.text == text[:20]


def test_quote_is_bold_inside_its_passage():
    markdown = passage_markdown(Passage("Before (x). ", "The *quoted* part.", " After."))
    assert markdown == "Before \\(x\\)\\. **The \\*quoted\\* part\\.** After\\."


def test_bold_never_crosses_a_paragraph_break():
    markdown = passage_markdown(Passage("Intro. ", "First half.\n\nSecond half.", " Tail."))
    assert markdown == "Intro\\. **First half\\.**\n\n**Second half\\.** Tail\\."


def test_bold_closes_even_when_a_letter_follows_punctuation():
    # `**word.**Next` would not close in CommonMark: a space is put between for display.
    markdown = passage_markdown(Passage("", "Quote ends.", "Next starts"))
    assert markdown == "**Quote ends\\.** Next starts"
    assert passage_markdown(Passage("word", "(paren) quote", "")) == "word **\\(paren\\) quote**"


def test_no_quote_is_plain_escaped_text():
    assert passage_markdown(Passage("just *text*", "", "")) == "just \\*text\\*"


def test_trim_context_cuts_at_words_with_an_ellipsis():
    before, after = trim_context("a " * 100 + "start of it", "end of it " + "b " * 100, 30)
    assert before.startswith("…") and len(before) <= 31 and before.endswith("start of it")
    assert after.endswith("…") and after.startswith("end of it")
    assert trim_context("short", "short", 30) == ("short", "short")


def test_markdown_source_text_is_what_the_reader_sees():
    from chat_app.engine.markdown_text import markdown_source_text

    source = "# Title\n\nGDP of US\\$95 and **Keywords:** *industrial policy*; 2 * 3 * 4 in a\\_b and C:\\\\dir"
    assert markdown_source_text(source) == \
        "Title\n\nGDP of US$95 and Keywords: industrial policy; 2 * 3 * 4 in a_b and C:\\dir"
