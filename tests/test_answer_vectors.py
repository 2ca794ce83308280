"""After the warm-up, reading a question embeds nothing but the question: every sentence,
library word and candidate context is ready, also for an article added later."""

import pytest

from app.qa.pipeline import Assistant
from index.service import open_index
from index.settings import Settings

pytestmark = pytest.mark.slow

TYPED_QUESTIONS = [  # a date, a figure, a person, a place, an acronym, in both languages
    "Kapan latihan militer di Arktik?",
    "How many ships took part in the exercise?",
    "Siapa yang ditemui Belousov?",
    "Where did the joint patrol take place?",
    "What does SCO stand for?",
]
ADDED_TITLE = "Banjir di Kota Hulu"
ADDED_TEXT = ("Hujan deras merendam 120 rumah warga pada Senin (3/2). Kepala BPBD Andi Rahmat mengatakan "
              "petugas mengungsikan 40 keluarga ke Balai Desa Suka Maju.")


class PassageLog:
    """Wraps the scorer's passage side: which texts were asked for, which had to be embedded."""

    def __init__(self, scorer, monkeypatch):
        self.asked, self.embedded = [], []
        passage_vectors, embed_passages = scorer.passage_vectors, scorer.embedder.embed_passages

        def asked(texts):
            self.asked.extend(texts)
            return passage_vectors(texts)

        def embedded(texts):
            self.embedded.extend(texts)
            return embed_passages(texts)

        monkeypatch.setattr(scorer, "passage_vectors", asked)
        monkeypatch.setattr(scorer.embedder, "embed_passages", embedded)

    def contexts(self, assistant, index) -> list[str]:
        """The texts asked for that are not sentences of the library: candidates' contexts."""
        sentences = {s.text for s in assistant._corpus_for(index.snapshot()).all_sentences}
        return [t for t in self.asked if t not in sentences]


def test_a_warm_assistant_embeds_no_sentence_or_candidate_context(real_embedder, tmp_path, monkeypatch):
    index = open_index(Settings.load(env={}, home=tmp_path / "home"), embedder=real_embedder)
    index.build()
    assistant = Assistant(index)
    assistant.warm_up()
    log = PassageLog(assistant.scorer, monkeypatch)
    for question in TYPED_QUESTIONS:
        assistant.ask(question, backend="extractive")
    assert log.contexts(assistant, index), "no candidate was read: the questions test nothing"
    assert log.embedded == []

    index.add_article(ADDED_TITLE, ADDED_TEXT)  # the writer embeds its sentences and contexts
    assert ADDED_TEXT.split(". ")[0] in " ".join(log.embedded)  # by the writer, before publishing
    log.asked.clear()
    log.embedded.clear()
    answer = assistant.ask("Berapa rumah yang terendam banjir di Kota Hulu?", backend="extractive")
    assert "120" in answer.text
    assert any("merendam" in t for t in log.contexts(assistant, index))  # the figure's context was read
    assert log.embedded == []


def test_question_words_the_library_lacks_come_from_the_common_word_table(real_embedder, tmp_path, monkeypatch):
    from app.qa import pipeline, word_table

    monkeypatch.setattr(pipeline, "common_words", lambda: word_table.common_words(3000))  # a small table, quickly
    index = open_index(Settings.load(env={}, home=tmp_path / "home"), embedder=real_embedder)
    index.build()
    assistant = Assistant(index, word_table=tmp_path / "models" / "common-words")
    assistant.warm_up()  # builds the table after the library's own vectors
    table = assistant.scorer._table
    assert table is not None and len(table) > 3000
    embedded = []
    embed_queries = real_embedder.embed_queries
    monkeypatch.setattr(real_embedder, "embed_queries", lambda texts: embedded.extend(texts) or embed_queries(texts))
    question = "Which countries did the government officials visit last week?"  # an Indonesian article
    assistant.ask(question, backend="extractive")
    from_table = [w for w in ("countries", "government", "officials", "visit", "week") if w in table]
    assert len(from_table) >= 3, "the question tests nothing"
    assert not set(from_table) & set(embedded)
