import pytest

from app.qa.followup import condense, needs_context

HISTORY = [["When was the Arctic exercise?", "3 October 2024 [1]"]]


@pytest.mark.parametrize(
    "question, history, expected",
    [
        ("Where was it held?", HISTORY, "When was the Arctic exercise? 3 October 2024 Where was it held?"),
        ("Where was it held?", [], "Where was it held?"),
        (
            "  Kalau yang di Samudra Arktik?  ",
            [["Kapan latihan di Laut Jepang?", "21 September 2024 [1]"]],
            "Kapan latihan di Laut Jepang? 21 September 2024 Kalau yang di Samudra Arktik?",
        ),
        (
            "How much did China-Russia trade increase in January-September 2024?",
            HISTORY,
            "How much did China-Russia trade increase in January-September 2024?",
        ),
        ("Who did he meet there?", [["Q?", "x" * 300]], "Q? Who did he meet there?"),
        ("", HISTORY, ""),
    ],
)
def test_condense(question, history, expected):
    assert condense(question, history) == expected


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Who did he meet there?", True),
        ("Where was it held?", True),
        ("Dan Zhang?", True),
        ("Kalau yang di Samudra Arktik?", True),
        ("And the one in the Arctic?", True),
        ("Siapa yang ditemui Belousov?", False),
        ("Which city did the Russian minister visit?", False),
        ("When was the 2024 exercise?", False),
    ],
)
def test_needs_context(question, expected):
    assert needs_context(question) is expected
