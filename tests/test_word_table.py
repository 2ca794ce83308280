"""The common-word table: built once into files, read memory-mapped, ignored when foreign or
broken, built by one process at a time, and consulted before the encoder for a question's words."""

import threading
import time

import numpy as np
import pytest

from app.qa import word_table
from app.qa.evidence import EvidenceScorer
from tests.conftest import FakeEmbedder


class CountingEmbedder(FakeEmbedder):
    embedded: list = []

    def embed_queries(self, texts):
        self.embedded.extend(texts)
        return np.asarray([self.embed_query(t) for t in texts], dtype=np.float32)


def _embed(texts):
    return np.asarray([FakeEmbedder(size=8).embed_query(t) for t in texts], dtype=np.float32)


def test_a_built_table_is_read_back_row_for_row(tmp_path, monkeypatch):
    monkeypatch.setattr(word_table, "BUILD_BATCH", 2)  # several batches written one after another
    words = ["kapal", "ships", "banjir", "flood", "rumah"]
    stem = tmp_path / "models" / "common-words-gte-base-en-v1.5-abc"  # a model name with a dot
    built = word_table.build(stem, words, _embed, "model-a")
    loaded = word_table.load(stem, "model-a")
    assert isinstance(loaded.vectors, np.memmap)  # read on use, not held
    assert len(built) == len(loaded) == 5 and "flood" in loaded and "kapal-" not in loaded
    np.testing.assert_allclose(loaded.rows(["flood", "kapal"]), _embed(["flood", "kapal"]), rtol=1e-6)
    names = {p.name for p in stem.parent.iterdir()}
    vectors = names - {stem.name + ".json", stem.name + ".lock"}
    assert len(names) == 3 and len(vectors) == 1  # no temporary file left
    assert vectors.pop().startswith(stem.name + ".")  # the whole model name kept, dots and all


def test_a_table_of_another_model_or_other_words_or_a_broken_one_is_not_used(tmp_path):
    stem = tmp_path / "common-words-x"
    word_table.build(stem, ["kapal", "ships"], _embed, "model-a")
    assert word_table.load(stem, "model-a") is not None
    assert word_table.load(stem, "model-b") is None
    json_file = stem.parent / (stem.name + ".json")
    meta = json_file.read_text()
    json_file.write_text(meta.replace('"ships"', '"kapal2"'))  # words the vectors were not embedded for
    assert word_table.load(stem, "model-a") is None
    json_file.unlink()  # vectors without the file that names them
    assert word_table.load(stem, "model-a") is None
    json_file.write_text(meta)
    next(stem.parent.glob("*.npy")).write_bytes(b"not an array")
    assert word_table.load(stem, "model-a") is None


def test_a_failed_build_leaves_no_table_and_the_next_build_clears_what_a_killed_one_left(tmp_path, monkeypatch):
    monkeypatch.setattr(word_table, "BUILD_BATCH", 1)
    stem = tmp_path / "common-words-x"

    def failing(texts):
        if texts == ["ships"]:
            raise RuntimeError("encoder failed")
        return _embed(texts)

    with pytest.raises(RuntimeError):
        word_table.build(stem, ["kapal", "ships"], failing, "model-a")
    assert word_table.load(stem, "model-a") is None
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob("*.npy"))
    (tmp_path / (stem.name + ".abc.npy.123.tmp")).write_bytes(b"half")  # a build killed midway
    word_table.build(stem, ["kapal", "ships"], _embed, "model-a")
    assert not list(tmp_path.glob("*.tmp"))


def test_two_builds_at_once_embed_the_words_once(tmp_path):
    stem = tmp_path / "common-words-x"
    calls = []

    def slow(texts):
        calls.append(list(texts))
        time.sleep(0.3)  # the second builder arrives while the first is embedding
        return _embed(texts)

    tables = []
    threads = [threading.Thread(target=lambda: tables.append(word_table.build(stem, ["kapal", "ships"], slow, "m")))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [["kapal", "ships"]]  # the second waited for the lock, then read the first's table
    assert [len(t) for t in tables] == [2, 2]


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
