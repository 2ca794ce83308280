"""The common-word table: built once into files, read memory-mapped, ignored when foreign or
broken, and consulted before the encoder for a question's words."""

import numpy as np

from app.qa import word_table
from app.qa.evidence import EvidenceScorer
from tests.conftest import FakeEmbedder


class CountingEmbedder(FakeEmbedder):
    embedded: list = []

    def embed_queries(self, texts):
        self.embedded.extend(texts)
        return np.asarray([self.embed_query(t) for t in texts], dtype=np.float32)


def test_a_built_table_is_read_back_row_for_row(tmp_path, monkeypatch):
    monkeypatch.setattr(word_table, "BUILD_BATCH", 2)  # several batches written one after another
    embedder = FakeEmbedder(size=8)
    words = ["kapal", "ships", "banjir", "flood", "rumah"]
    stem = tmp_path / "models" / "common-words-x"
    built = word_table.build(stem, words, lambda ws: [embedder.embed_query(w) for w in ws], "model-a")
    loaded = word_table.load(stem, "model-a")
    assert isinstance(loaded.vectors, np.memmap)  # read on use, not held
    assert len(built) == len(loaded) == 5 and "flood" in loaded and "kapal-" not in loaded
    np.testing.assert_allclose(loaded.rows(["flood", "kapal"]), [embedder.embed_query("flood"),
                                                                 embedder.embed_query("kapal")], rtol=1e-6)
    assert sorted(p.name for p in stem.parent.iterdir()) == ["common-words-x.json", "common-words-x.npy"]


def test_a_table_of_another_model_or_a_broken_or_half_written_one_is_not_used(tmp_path):
    stem = tmp_path / "common-words-x"
    word_table.build(stem, ["kapal", "ships"], lambda ws: np.ones((len(ws), 4)), "model-a")
    assert word_table.load(stem, "model-b") is None
    stem.with_suffix(".npy").write_bytes(b"not an array")
    assert word_table.load(stem, "model-a") is None
    stem.with_suffix(".json").unlink()  # a build killed before its last step
    assert word_table.load(stem, "model-a") is None


def test_question_words_in_the_table_are_not_embedded(tmp_path):
    embedder = CountingEmbedder(size=8, embedded=[])
    scorer = EvidenceScorer(embedder)
    stem = tmp_path / "common-words-x"
    assert scorer.use_word_table(stem) == 0  # none saved, none asked to build: words are embedded
    assert scorer.use_word_table(stem, lambda: ["ships", "flood"]) == 2
    assert embedder.embedded == ["ships", "flood"]  # built once
    embedder.embedded.clear()
    vectors = scorer.word_vectors(["ships", "kapal", "flood"])
    assert embedder.embedded == ["kapal"]  # only the word the table lacks
    np.testing.assert_allclose(vectors[0], embedder.embed_query("ships"), rtol=1e-6)
    again = EvidenceScorer(CountingEmbedder(size=8, embedded=[]))
    assert again.use_word_table(stem, lambda: ["never", "built"]) == 2  # the saved table is read, not rebuilt
    assert again.embedder.embedded == []


def test_common_words_are_content_words_of_both_languages():
    words = word_table.common_words(2000)
    assert {"government", "pemerintah"} <= set(words)  # wordfreq's English and Indonesian lists
    assert all(w.isalpha() and len(w) >= 3 for w in words)
    assert "the" not in words and "yang" not in words  # stopwords are never looked up
    assert len(words) == len(set(words))
