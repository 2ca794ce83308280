"""The chat-model path with scripted fakes: markers, fallbacks, refusals, streaming."""

import pytest

from app.qa.citations import check_agreement
from app.qa.pipeline import Assistant
from tests.fakes import ScriptedChat, passage_number

pytestmark = pytest.mark.slow
ARCTIC = "Samudra Arktik pada 3 Oktober 2024"


@pytest.fixture
def make(real_index):
    def build(script, **kw):
        model = ScriptedChat(script=script, prompts=[], **{k: v for k, v in kw.items() if k != "timeout"})
        return Assistant(real_index, chat_model=model, llm_timeout=kw.get("timeout", 10)), model

    return build


def stream(assistant, question, history=None, backend=None):
    events = list(assistant.stream(question, history, backend=backend))
    return events, events[-1][1]


def test_good_answer_streams_and_cites_the_right_sentence(make, article_text):
    assistant, model = make(lambda p: f"The exercise was on 3 October 2024 [{passage_number(p, ARCTIC)}].")
    events, answer = stream(assistant, "When was the Arctic exercise?")
    assert answer.backend == "llm" and answer.answerable
    assert answer.text == "The exercise was on 3 October 2024 [1]."
    # the preview streams what a valid marker closes, then the tail
    assert [v for k, v in events if k == "token"] == ["The exercise was on 3 October 2024 [1]", "."]
    assert ARCTIC in answer.citations[0].text
    c = answer.citations[0]
    assert article_text[c.start : c.end] == c.text
    assert "ONLY the numbered passages" in model.prompts[0] and "English" in model.prompts[0]


def test_markers_pointing_nowhere_are_dropped_and_reported(make):
    assistant, _ = make(lambda p: f"3 October 2024 [{passage_number(p, ARCTIC)}][42] [x].")
    _, answer = stream(assistant, "When was the Arctic exercise?")
    assert answer.text == "3 October 2024 [1]."
    assert answer.notices == ["Removed citation(s) [x] [42]: they pointed at no passage."]
    check_agreement(answer.text, answer.citations)


@pytest.mark.parametrize(
    "kw, reason",
    [
        ({"script": lambda p: "It was in October."}, "cites no passage"),
        ({"script": lambda p: "   "}, "returned nothing"),
        ({"script": lambda p: "x", "error": ConnectionError("server down")}, "ConnectionError: server down"),
        ({"script": lambda p: "slow " * 50 + "[1]", "delay": 0.05, "timeout": 0.5}, "no complete answer within 0.5 s"),
    ],
)
def test_unusable_model_answers_fall_back_to_the_extractive_answer(make, kw, reason):
    assistant, _ = make(**kw)
    offline = assistant.ask("When was the Arctic exercise?", backend="extractive").text
    assert "3 Oktober 2024" in offline or "3 October 2024" in offline
    events, answer = stream(assistant, "When was the Arctic exercise?")
    assert answer.backend == "extractive" and answer.text == offline
    assert len(answer.notices) == 1 and reason in answer.notices[0]
    assert answer.notices[0].startswith("The language model could not be used")
    assert ("replace", offline) in events


def test_model_refusal_is_an_honest_refusal(make):
    assistant, _ = make(lambda p: "The article does not say.")
    _, answer = stream(assistant, "How many ships took part?")
    assert not answer.answerable and answer.citations == [] and answer.backend == "llm"
    assert answer.text.startswith("The article does not say")


def test_indonesian_question_asks_the_model_for_indonesian(make):
    assistant, model = make(lambda p: f"Pada 3 Oktober 2024 [{passage_number(p, ARCTIC)}].")
    _, answer = stream(assistant, "Kapan latihan bersama di Samudra Arktik dilaksanakan?")
    assert "Indonesian" in model.prompts[0] and answer.language == "id"


def test_follow_up_is_condensed_by_the_model(make):
    def script(prompt):
        if "Standalone question" in prompt:
            return "Where was the Arctic exercise held?"
        return f"In the Arctic Ocean [{passage_number(prompt, ARCTIC)}]."

    assistant, model = make(script)
    _, answer = stream(assistant, "Where was it held?", [["When was the Arctic exercise?", "3 October 2024 [1]"]])
    assert answer.query == "Where was the Arctic exercise held?"
    assert "User: When was the Arctic exercise?" in model.prompts[0]


def test_extractive_backend_can_be_forced(make):
    assistant, model = make(lambda p: "unused [1]")
    _, answer = stream(assistant, "When was the Arctic exercise?", backend="extractive")
    assert answer.backend == "extractive" and model.prompts == []
