import pytest

from app.prompts import PROMPTS_DIR, PromptError, render

FIXED = ["refusal", "according", "factoid", "empty_question", "truncated", "llm_fallback", "dropped_markers"]


@pytest.mark.parametrize("name", FIXED)
@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_fixed_reply_exists_in_both_languages(name, lang):
    assert (PROMPTS_DIR / f"{name}.{lang}.txt").is_file()


def test_rendering_fills_variables():
    assert render("factoid", "en", answer="3 October 2024", marker="[1]") == "3 October 2024 [1]"
    assert render("truncated", "id", limit=10) == "Hanya 10 karakter pertama dari pertanyaan Anda yang dipakai."


def test_missing_variable_raises_instead_of_leaving_a_blank():
    with pytest.raises(PromptError, match="needs the variable 'marker'"):
        render("factoid", "en", answer="x")


def test_missing_file_names_the_file():
    with pytest.raises(PromptError, match="nope.en.txt is missing"):
        render("nope", "en")


def test_values_are_not_reinterpreted():
    # a question containing template syntax is data, not a template
    assert render("factoid", "en", answer="${marker} {0} $x", marker="[1]") == "${marker} {0} $x [1]"
