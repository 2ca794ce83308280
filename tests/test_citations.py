import pytest

from app.qa.citations import check_agreement, number_slots, parse_markers, slot
from app.qa.evidence import Sentence

SOURCE = "Judul\nSatu dua. Tiga empat. Lima enam."
SOURCES = {"d": SOURCE}
SENTS = [
    Sentence("d", "Judul", 1, 6, 15, "Satu dua.", 1),
    Sentence("d", "Judul", 1, 16, 27, "Tiga empat.", 1),
    Sentence("d", "Judul", 1, 28, 38, "Lima enam.", 2),
]


def test_slots_are_numbered_in_order_of_appearance():
    text, cites = number_slots(f"A {slot(2)} B {slot(0)} C {slot(2)}", SENTS, SOURCES)
    assert text == "A [1] B [2] C [1]"
    assert [(c.n, c.text, c.start, c.end) for c in cites] == [(1, "Lima enam.", 28, 38), (2, "Satu dua.", 6, 15)]
    assert all(SOURCE[c.start : c.end] == c.text for c in cites)
    check_agreement(text, cites)


@pytest.mark.parametrize(
    "raw, text, numbers, dropped",
    [
        ("Answer [2].", "Answer [1].", [16], []),
        ("A [3] and B [1].", "A [1] and B [2].", [28, 6], []),
        ("A [1,3].", "A [1][2].", [6, 28], []),
        ("A [ 2 ] b", "A [1] b", [16], []),
        ("A [7] B [2]", "A B [1]", [16], ["[7]"]),
        ("A [0].", "A.", [], ["[0]"]),
        ("A [a] [] [1-2] [2]", "A [1]", [16], ["[a]", "[]", "[1-2]"]),
        ("No markers at all.", "No markers at all.", [], []),
        ("<img src=x onerror=alert(1)> [1]", "<img src=x onerror=alert(1)> [1]", [6], []),
    ],
)
def test_model_markers_are_parsed_renumbered_and_bad_ones_dropped(raw, text, numbers, dropped):
    out, cites, bad = parse_markers(raw, SENTS, SOURCES)
    assert out == text
    assert [c.start for c in cites] == numbers
    assert bad == dropped
    check_agreement(out, cites)


def test_agreement_check_catches_disagreement():
    _, cites = number_slots(f"x {slot(0)}", SENTS, SOURCES)
    with pytest.raises(AssertionError):
        check_agreement("x [1] [2]", cites)
    with pytest.raises(AssertionError):
        check_agreement("x", cites)
