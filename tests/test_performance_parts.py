"""The parts issue 9 changed, as logic: bulk indexing, exact top-M fusion, saved vectors."""

import numpy as np
import pytest

from index.library import sync
from index.retrieval import _rank_of, _top
from index.store import ChunkStore
from tests.conftest import FakeEmbedder


class CountingEmbedder(FakeEmbedder):
    calls: list = []

    def embed_documents(self, texts):
        self.calls.append(len(texts))
        return super().embed_documents(texts)

    def embed_passages(self, texts):
        return np.asarray(self.embed_documents(texts), dtype=np.float32)


def _docs(n):
    from index.documents import make_document

    return [
        make_document(f"Berita {i}\nParagraf satu artikel {i}. Kalimat kedua.\n\nParagraf dua {i}.", doc_id=f"d{i}")
        for i in range(n)
    ]


def test_indexing_embeds_across_articles_in_groups(chroma_client):
    embedder = CountingEmbedder(size=16, calls=[])
    store = ChunkStore(chroma_client, embedder)
    report = sync(store, _docs(10), batch_chunks=7)
    assert report.added == report.chunks == 20
    assert embedder.calls == [8, 8, 4]  # groups of whole articles holding at least 7 chunks, not one call per article
    assert set(store.digests()) == {f"d{i}" for i in range(10)}
    assert sync(store, _docs(10)).added == 0 and embedder.calls == [8, 8, 4]  # nothing new: nothing embedded


class LoggingStore(ChunkStore):
    """Logs embedding and writing, with a write that can be made slow or failing."""

    def __init__(self, *args, slow_first_write: float = 0.0, fail_write: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.log, self.slow, self.fail, self.writes = [], slow_first_write, fail_write, 0

    def plan_upsert(self, items, existing):
        self.log.append(("embed", [d.id for d, _ in items]))
        return super().plan_upsert(items, existing)

    def write_planned(self, plan):
        import time

        self.writes += 1
        if self.writes == 1:
            time.sleep(self.slow)  # the next group's embedding goes on meanwhile
        if self.writes == self.fail:
            raise RuntimeError("disk full")
        self.log.append(("write", sorted({d.id for d, _ in plan.new})))
        return super().write_planned(plan)

    def commit_many(self, records):
        self.log.append(("commit", [d.id for d, _, _ in records]))
        super().commit_many(records)


def test_a_group_is_written_while_the_next_is_embedded_and_groups_are_committed_in_order(chroma_client):
    store = LoggingStore(chroma_client, CountingEmbedder(size=16, calls=[]), slow_first_write=0.3)
    sync(store, _docs(6), batch_chunks=4)
    first, second, third = ["d0", "d1"], ["d2", "d3"], ["d4", "d5"]
    assert store.log.index(("embed", second)) < store.log.index(("write", first))  # overlapped
    writes = [entry for entry in store.log if entry[0] != "embed"]
    assert writes == [("write", first), ("commit", first), ("write", second), ("commit", second),
                      ("write", third), ("commit", third)]  # each group's chunks before its manifest records
    assert set(store.digests()) == {f"d{i}" for i in range(6)}


@pytest.mark.parametrize("failing, committed", [(2, {"d0", "d1"}), (3, {"d0", "d1", "d2", "d3"})])
def test_a_failed_group_write_fails_the_sync_and_commits_nothing_after_it(chroma_client, failing, committed):
    """A middle group's failure is raised by the next group's turn, the last group's at the end."""
    store = LoggingStore(chroma_client, CountingEmbedder(size=16, calls=[]), fail_write=failing)
    with pytest.raises(RuntimeError, match="disk full"):
        sync(store, _docs(6), batch_chunks=4)
    assert set(store.digests()) == committed  # the groups before the failure, and nothing else
    assert not any(entry[0] == "commit" and set(entry[1]) - committed for entry in store.log)


def test_an_edited_article_keeps_its_unchanged_chunks(chroma_client):
    from index.documents import make_document

    store = ChunkStore(chroma_client, CountingEmbedder(size=16, calls=[]))
    sync(store, _docs(3))
    edited = _docs(3)
    edited[1] = make_document(edited[1].text + "\n\nParagraf tiga baru.", doc_id="d1")
    report = sync(store, edited)
    assert (report.added, report.removed, report.changed) == (1, 0, ["d1"])
    assert store.stored_chunks()[0]["d1"] == {edited[1].digest: 3}


@pytest.mark.parametrize(
    "scores, m, expected",
    [
        ([0.0, 3.0, 1.0, 3.0, 2.0], 2, [1, 3]),  # ties keep library order
        ([0.0, 3.0, 1.0, 3.0, 2.0], 10, [1, 3, 4, 2]),  # zeros never rank
        ([0.0, 0.0], 3, []),
        ([1.0, 1.0, 1.0, 1.0], 2, [0, 1]),
    ],
)
def test_top_m(scores, m, expected):
    assert _top(np.array(scores, dtype=np.float32), m).tolist() == expected


def test_rank_of_matches_a_stable_descending_sort():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, 200).astype(np.float32)
    order = np.argsort(-scores, kind="stable")
    for rank, i in enumerate(order, start=1):
        assert _rank_of(scores, int(i)) == rank


def test_saved_vectors_are_not_embedded_again(tmp_path):
    from app.qa.evidence import EvidenceScorer

    embedder = CountingEmbedder(size=16, calls=[])
    first = EvidenceScorer(embedder)
    texts = ["Kalimat pertama.", "Second sentence.", "kata"]
    assert first.precompute(texts) == 3 and embedder.calls == [3]
    path = tmp_path / "cache" / "vectors.npz"
    assert first.save(path) == 3

    second = EvidenceScorer(embedder)
    assert second.load(path) == 3
    assert np.array_equal(second.passage_vectors(texts), first.passage_vectors(texts))
    assert second.precompute(texts + ["baru"]) == 1 and embedder.calls == [3, 1]  # only the new text


def test_an_unreadable_vector_file_is_ignored(tmp_path):
    from app.qa.evidence import EvidenceScorer

    path = tmp_path / "vectors.npz"
    path.write_bytes(b"not a numpy file")
    assert EvidenceScorer(FakeEmbedder(size=8)).load(path) == 0
    assert EvidenceScorer(FakeEmbedder(size=8)).load(tmp_path / "missing.npz") == 0


def test_reading_in_pages_gives_the_same_snapshot(chroma_client, monkeypatch):
    import index.store

    store = ChunkStore(chroma_client, CountingEmbedder(size=16, calls=[]))
    sync(store, _docs(7))
    whole = store.snapshot()
    monkeypatch.setattr(index.store, "READ_PAGE", 3)
    paged = store.snapshot()
    assert [c.id for c in paged.chunks] == [c.id for c in whole.chunks] and len(whole.chunks) == 14
    assert store.stored_chunks()[1] == {f"d{i}": {c.id for c in whole.chunks if c.doc_id == f"d{i}"} for i in range(7)}


def test_an_edit_killed_before_its_chunks_were_retagged_is_finished_by_the_next_sync(chroma_client):
    from index.chunking import chunk_document
    from index.documents import make_document

    store = ChunkStore(chroma_client, CountingEmbedder(size=16, calls=[]))
    sync(store, _docs(2))
    edited = _docs(2)
    edited[1] = make_document(edited[1].text + "\n\nParagraf tiga baru.", doc_id="d1")
    new = [c for c in chunk_document(edited[1]) if c.text == "Paragraf tiga baru."]
    # the killed build wrote the new chunk, then died before re-tagging the two old ones
    store.db._collection.upsert(ids=[new[0].id], embeddings=[[0.1] * 16], documents=[new[0].text],
                                metadatas=[dict(new[0].metadata(), digest=edited[1].digest)])
    sync(store, edited)
    snap = store.snapshot()
    assert sum(c.doc_id == "d1" for c in snap.chunks) == 3
    assert store.stored_chunks()[0]["d1"] == {edited[1].digest: 3}


def test_saved_vectors_of_another_model_or_a_broken_file_are_not_used(tmp_path):
    from app.qa.evidence import EvidenceScorer

    path = tmp_path / "vectors.npz"
    first = EvidenceScorer(CountingEmbedder(size=16, calls=[]))
    first.passage_vectors(["Kalimat."])
    first.word_vectors(["kata"])
    assert first.save(path) == 2
    assert EvidenceScorer(CountingEmbedder(size=16, calls=[])).load(path) == 2  # words are kept too

    other = CountingEmbedder(size=16, calls=[], model_id="another-model")
    assert EvidenceScorer(other).load(path) == 0
    for broken in (b"", path.read_bytes()[:100]):
        path.write_bytes(broken)
        assert EvidenceScorer(CountingEmbedder(size=16, calls=[])).load(path) == 0


def test_word_vectors_are_precomputed_once():
    from app.qa.evidence import EvidenceScorer

    embedder = CountingEmbedder(size=16, calls=[])
    scorer = EvidenceScorer(embedder)
    assert scorer.precompute_words(["banjir", "hujan", "banjir"]) == 2
    assert scorer.precompute_words(["banjir", "rumah"]) == 1
    assert scorer.word_vectors(["hujan"]).shape == (1, 16)


def test_after_a_change_every_candidate_context_of_the_library_is_already_embedded(settings, chroma_client):
    """Added articles' contexts, and older sentences' whose names the change moves: names are
    told from words by the library's lower-case words, which an added article can extend."""
    from app.qa.answerer import candidate_contexts
    from app.qa.evidence import sentences_of_chunks
    from app.qa.pipeline import Assistant
    from index.service import open_index

    index = open_index(settings, embedder=CountingEmbedder(size=16, calls=[]), client=chroma_client)
    index.build()
    assistant = Assistant(index)
    assistant.warm_up()

    def sentences_and_vocab():
        snap = index.snapshot()
        return [s.text for s in sentences_of_chunks(snap.chunks)], assistant._corpus_for(snap).vocab

    def not_embedded():
        texts, vocab = sentences_and_vocab()
        return assistant.scorer._passages.missing(texts + candidate_contexts(texts, vocab))

    assert not_embedded() == []
    index.add_article("Kabar Garut", "Warga Garut menanti Sumbangan Pangan pada Senin (3/2). "
                                     "Sumbangan Pangan dikirim ke Garut pada Selasa (4/2).")
    assert not_embedded() == []  # the added article's contexts
    texts, vocab = sentences_and_vocab()
    assert "sumbangan" not in vocab  # so "Sumbangan Pangan" is read as one name
    index.add_article("Kabar warga", "Warga menerima sumbangan dari pemerintah pada Selasa (4/2).")
    texts, new_vocab = sentences_and_vocab()
    moved = set(candidate_contexts(texts, new_vocab)) - set(candidate_contexts(texts, vocab))
    assert "Sumbangan dikirim ke Garut" in moved  # now the name is "Pangan", after an ordinary word
    assert not_embedded() == []


def test_a_word_table_that_cannot_be_built_leaves_the_rest_of_the_warm_up_done(settings, chroma_client, tmp_path,
                                                                              caplog):
    from app.qa.pipeline import Assistant
    from index.service import open_index

    index = open_index(settings, embedder=CountingEmbedder(size=16, calls=[]), client=chroma_client)
    index.build()
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    cache = tmp_path / "cache" / "vectors.npz"
    assistant = Assistant(index, vector_cache=cache, word_table=blocked / "common-words")
    assistant.warm_up()  # no exception: the table is an optimisation
    assert cache.exists()  # the library's vectors were saved first
    assert "no common-word table" in caplog.text and "next start tries again" in caplog.text
    assert assistant.ask("Kapan latihan militer di Arktik?", backend="extractive").text


def test_dense_search_reads_the_same_ids_and_scores_as_langchains_query(chroma_client, fake_embedder):
    store = ChunkStore(chroma_client, fake_embedder)
    sync(store, _docs(12))
    for query in ("Paragraf satu artikel 3", "Kalimat kedua", "banjir"):
        ours = store.dense_search(query, 5)
        theirs = store.db.similarity_search_by_vector_with_relevance_scores(fake_embedder.embed_query(query), k=5)
        assert [cid for cid, _ in ours] == [d.id for d, _ in theirs]
        assert [s for _, s in ours] == pytest.approx([1.0 - dist for _, dist in theirs])


def test_saved_vectors_are_mapped_not_read_and_survive_their_file_being_replaced(tmp_path):
    from app.qa.evidence import EvidenceScorer

    path = tmp_path / "vectors.npz"
    first = EvidenceScorer(CountingEmbedder(size=16, calls=[]))
    texts = [f"Kalimat {i}." for i in range(50)]
    first.precompute(texts)
    first.save(path)
    second = EvidenceScorer(CountingEmbedder(size=16, calls=[]))
    assert second.load(path) == 50
    assert all(isinstance(v.base, np.memmap) or isinstance(v, np.memmap) for v in second._passages.stored.values())
    third = EvidenceScorer(CountingEmbedder(size=16, calls=[]))
    third.precompute(["lain"])
    third.save(path)  # another process saves meanwhile: the mapped file stays as it was
    np.testing.assert_array_equal(second.passage_vectors(texts), first.passage_vectors(texts))
    assert second.embedder.calls == []


def test_a_saved_vector_whose_digest_ends_in_a_zero_byte_is_found_again(tmp_path):
    from app.qa.evidence import EvidenceScorer, _digest

    texts = [f"Kalimat nomor {i}." for i in range(3000)]
    ending_in_zero = [t for t in texts if _digest(t)[-1] == 0]
    assert ending_in_zero  # about 1 in 256
    path = tmp_path / "vectors.npz"
    first = EvidenceScorer(CountingEmbedder(size=8, calls=[]))
    first.precompute(ending_in_zero)
    first.save(path)
    again = EvidenceScorer(CountingEmbedder(size=8, calls=[]))
    assert again.load(path) == len(ending_in_zero)
    assert again.precompute(ending_in_zero) == 0 and again.embedder.calls == []
