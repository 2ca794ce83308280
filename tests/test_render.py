import pytest

from app.render import answer_markdown, article_html, escape_md, sources_html
from app.result import Answer, Citation, Passage
from app.ui import LABELS
from index.documents import make_document

DOC = make_document("Satu <b>dua</b>. Tiga & empat. Lima.", title="Judul <script>x</script>", doc_id="d")
# "Judul <script>x</script>\n" is 25 characters
C1 = Citation(1, "d", DOC.title, 1, 25, 41, "Satu <b>dua</b>.")
C2 = Citation(2, "d", DOC.title, 1, 42, 55, "Tiga & empat.")
PASSAGE = Passage("d", DOC.title, 1, 25, 62, DOC.text[25:62], 0.03, 0.8, 1.2)


def answer(text="Jawab [1] dan [2].", answerable=True, citations=(C1, C2), notices=()):
    return Answer("q", text, "id", answerable, list(citations), [PASSAGE], [], list(notices))


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("", ""),
        ("plain", "plain"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert\\(1\\)&gt;"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"),
        ("**bold** [link](http://x) # h", "\\*\\*bold\\*\\* \\[link\\]\\(http://x\\) \\# h"),
        ("3,5% & Ümlaut", "3,5% &amp; Ümlaut"),
    ],
)
def test_escape_md(text, escaped):
    assert escape_md(text) == escaped


def test_offsets_in_fixture_are_exact():
    assert DOC.text[C1.start : C1.end] == C1.text and DOC.text[C2.start : C2.end] == C2.text


def test_markers_become_links_and_unknown_ones_stay_text():
    md = answer_markdown(answer("A [1] B [2] C [3] <i>x</i>"), turn=4)
    assert "[\\[1\\]](#cite-4-1)" in md and "[\\[2\\]](#cite-4-2)" in md
    assert "\\[3\\]" in md and "#cite-4-3" not in md
    assert "<i>" not in md and "&lt;i&gt;" in md


def test_refusal_is_a_quote_block_and_notices_are_shown():
    md = answer_markdown(answer("The article does not say.", False, (), ["note <b>"]), turn=0)
    assert md.startswith("> The article does not say\\.")
    assert md.endswith("*note &lt;b&gt;*")


def test_article_highlights_exactly_the_cited_offsets():
    out = article_html(DOC, [C1, C2], active=2, turn=0, labels=LABELS["en"])
    assert '<mark class="cited" id="art-0-1" data-start="25" data-end="41">Satu &lt;b&gt;dua&lt;/b&gt;.</mark>' in out
    assert '<mark class="cited active" id="art-0-2" data-start="42" data-end="55">Tiga &amp; empat.</mark>' in out
    assert "<script>" not in out and "Judul &lt;script&gt;x&lt;/script&gt;" in out


def test_article_refuses_to_mark_stale_offsets():
    stale = Citation(3, "d", DOC.title, 1, 25, 41, "something else")
    assert "<mark" not in article_html(DOC, [stale], 3, 0, LABELS["en"])


def test_sources_panel_marks_the_sentence_inside_its_passage_and_escapes():
    out = sources_html(answer(), 0, LABELS["en"], details=True)
    assert 'data-cite="0-1"' in out and "<mark>Satu &lt;b&gt;dua&lt;/b&gt;.</mark>" in out
    assert "<b>" not in out
    assert "<table>" in out and "0.0300" in out
    assert "No sources yet." in sources_html(None, 0, LABELS["en"])


def test_the_answer_span_is_bold_and_everything_else_escaped():
    bubble = answer_markdown(answer('Menurut artikel: "Satu **<b>dua</b>** x" [1]', citations=(C1,)), 3)
    assert "**&lt;b&gt;dua&lt;/b&gt;**" in bubble and "<b>" not in bubble
    lone = answer_markdown(answer("a ** b [1]", citations=(C1,)), 3)
    assert "\\*\\*" in lone  # an unpaired marker is shown as text
