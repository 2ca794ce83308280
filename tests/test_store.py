import pytest

from index.chunking import chunk_document
from index.documents import load_file, make_document
from index.errors import IndexNotBuiltError, InputError, StoreError
from index.library import sync
from index.retrieval import HybridRetriever, reciprocal_rank_fusion
from index.store import ChunkStore, collection_name
from tests.conftest import ARTICLE, FakeEmbedder


@pytest.fixture
def store(chroma_client, fake_embedder):
    return ChunkStore(chroma_client, fake_embedder)


def test_building_twice_adds_nothing(store):
    doc = load_file(ARTICLE)
    first = sync(store, [doc])
    second = sync(store, [doc])
    assert (first.added, first.removed) == (5, 0)
    assert (second.added, second.removed, second.changed) == (0, 0, [])
    assert store.count() == 5


def test_changed_article_replaces_its_chunks_and_removed_article_is_dropped(store):
    doc = make_document("Judul\nSatu. Dua.\nTiga.", doc_id="a")
    other = make_document("Lain\nEmpat.", doc_id="b")
    sync(store, [doc, other])
    edited = make_document("Judul\nSatu. Dua diubah.\nTiga.", doc_id="a")
    report = sync(store, [edited, other])
    # "Tiga." moved, so its offsets (and id) changed too
    assert report.changed == ["a"] and (report.added, report.removed) == (2, 2)
    tail_edit = make_document("Judul\nSatu. Dua diubah.\nTiga!", doc_id="a")
    assert (sync(store, [tail_edit, other]).added, store.digests()["a"]) == (1, tail_edit.digest)
    assert sync(store, [tail_edit, other]).added == 0
    assert sorted(c.text for c in store.chunks()) == ["Empat.", "Satu. Dua diubah.", "Tiga!"]
    report = sync(store, [tail_edit])
    assert report.dropped == ["b"] and store.count() == 2
    assert store.digests() == {"a": tail_edit.digest}


class BreakableEmbedder(FakeEmbedder):
    broken: bool = False

    def embed_documents(self, texts):
        if self.broken:
            raise RuntimeError("embedding failed")
        return super().embed_documents(texts)


def test_failed_embedding_keeps_previous_version(chroma_client):
    embedder = BreakableEmbedder(size=8)
    store = ChunkStore(chroma_client, embedder)
    sync(store, [make_document("Judul\nSatu.", doc_id="a")])
    embedder.broken = True
    with pytest.raises(RuntimeError):
        sync(store, [make_document("Judul\nDua.", doc_id="a")])
    assert [c.text for c in store.chunks()] == ["Satu."]


def test_rebuild_resets(store):
    doc = load_file(ARTICLE)
    sync(store, [doc])
    assert sync(store, [doc], rebuild=True).added == 5


def test_collections_are_per_model(chroma_client, fake_embedder):
    assert collection_name("a/b") != collection_name("a-b")
    ChunkStore(chroma_client, fake_embedder, model_id="m1")
    s2 = ChunkStore(chroma_client, fake_embedder, model_id="m2")
    assert s2.count() == 0
    chroma_client.get_or_create_collection(collection_name("m3"), metadata={"embed_model": "other"})
    with pytest.raises(StoreError, match="holds vectors of other"):
        ChunkStore(chroma_client, fake_embedder, model_id="m3")


def test_rrf_is_the_textbook_formula():
    fused = reciprocal_rank_fusion([["a", "b"], ["b"]], k=60)
    assert fused == {"a": pytest.approx(1 / 61), "b": pytest.approx(1 / 62 + 1 / 61)}
    weighted = reciprocal_rank_fusion([["a", "b"], ["b", "a"]], k=60, weights=[{}, {"b": 1.0, "a": 0.5}])
    assert weighted == {"a": pytest.approx(1 / 61 + 0.5 / 62), "b": pytest.approx(1 / 62 + 1 / 61)}


@pytest.mark.parametrize(
    "query, needle",
    [("3,5%", "3,5%"), ("3.5%", "3,5%"), ("Zhang Youxia", "Zhang Youxia"), ("21 September", "21 September 2024")],
)
def test_names_numbers_dates_found_lexically_even_with_meaningless_vectors(store, query, needle):
    sync(store, [load_file(ARTICLE)])
    hits = HybridRetriever(store=store, k=3).search(query)
    assert needle in hits[0].chunk.text
    assert hits[0].lexical > 0 and hits[0].lexical_rank == 1


def test_retriever_is_a_langchain_retriever_with_scores(store):
    sync(store, [load_file(ARTICLE)])
    docs = HybridRetriever(store=store, k=2).invoke("Zhang Youxia")
    assert len(docs) == 2
    assert {"score", "dense", "lexical", "start", "end", "doc_id", "title"} <= set(docs[0].metadata)


def test_empty_question_and_empty_index(store):
    retriever = HybridRetriever(store=store)
    with pytest.raises(InputError):
        retriever.search("   ")
    with pytest.raises(IndexNotBuiltError, match="python -m index build"):
        retriever.search("anything")


def test_chunk_ids_survive_the_store(store):
    doc = load_file(ARTICLE)
    sync(store, [doc])
    assert [c.id for c in store.chunks()] == [c.id for c in chunk_document(doc)]
