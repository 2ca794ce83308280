"""Retrieval with the real model and a real local Chroma folder."""

import pytest

from index.dataset import DEFAULT_DATASET, load_examples
from index.metrics import evaluate_retrieval, first_relevant_rank

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "question, needle",
    [
        ("When was the Arctic exercise?", "Samudra Arktik pada 3 Oktober 2024"),
        ("Who did the Russian defence minister meet?", "Jenderal Zhang Youxia"),
        ("Which city did the Russian defence minister visit?", "mengunjungi Beijing"),
        ("Why is the Arctic exercise important for China?", "Selat Malaka"),
        ("What does the United States accuse China of?", "menuduh China"),
        ("Kapan Belousov mengunjungi Beijing?", "14 Oktober 2024"),
    ],
)
def test_english_and_indonesian_questions_find_the_indonesian_passage(real_index, question, needle):
    hits = real_index.retriever.search(question, k=3)
    assert first_relevant_rank(hits, [needle]) is not None, [h.chunk.text[:60] for h in hits]


def test_dev_set_recall_at_3_is_perfect(real_index):
    report = evaluate_retrieval(real_index.retriever, load_examples(DEFAULT_DATASET))
    assert report.questions == 8
    assert report.recall_at_3 == 1.0, report.misses
    assert report.mrr >= 0.9


def test_scores_are_reported(real_index):
    hit = real_index.retriever.search("3,5%", k=1)[0]
    assert "3,5%" in hit.chunk.text
    assert hit.dense is not None and 0 < hit.dense <= 1 and hit.lexical > 0 and hit.score > 0
