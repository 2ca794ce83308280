"""The library's writer: add / remove / list, snapshots, killed builds, another process's changes."""

import threading

import pytest

from index import service
from index.chunking import chunk_document
from index.documents import make_document
from index.errors import DocumentError
from index.library import needs_sync
from index.service import open_index
from index.settings import Settings
from tests.conftest import ARTICLE, FakeEmbedder

BUNDLED_ID = "china-rusia-pertahanan"
EXTRA = "Banjir di Kota Hulu\nHujan deras merendam 120 rumah warga pada Senin (3/2). Petugas mengungsikan 40 keluarga."


@pytest.fixture
def index(settings, chroma_client, fake_embedder):
    idx = open_index(settings, embedder=fake_embedder, client=chroma_client)
    idx.build()
    return idx


def test_add_list_search_remove(index):
    before = index.snapshot()
    added = index.add_article("Banjir di Kota Hulu", EXTRA.split("\n", 1)[1])
    assert (added.id, added.kind, added.chunks) == ("banjir-di-kota-hulu", "added", 1)
    assert {a.id: a.kind for a in index.articles()} == {BUNDLED_ID: "bundled", added.id: "added"}
    hits = index.retriever.search("120 rumah", k=1)
    assert hits[0].chunk.doc_id == added.id
    assert added.id not in before.documents  # the old snapshot is untouched
    removed = index.remove_article(added.id)
    assert removed.title == "Banjir di Kota Hulu"
    assert [a.id for a in index.articles()] == [BUNDLED_ID]
    assert all(h.chunk.doc_id == BUNDLED_ID for h in index.retriever.search("120 rumah", k=3))
    assert index.store.digests().keys() == {BUNDLED_ID}


@pytest.mark.parametrize(
    "title, text, message",
    [
        ("", "Isi.", "needs a title"),
        ("Judul", "   ", "no text"),
        ("Kerja sama pertahanan", "Teks lain.", None),  # same id as another added one: see below
    ],
)
def test_bad_articles_are_refused_and_change_nothing(index, title, text, message):
    if message is None:
        index.add_article(title, text)
        message = "already exists"
    before = index.articles()
    with pytest.raises(DocumentError, match=message):
        index.add_article(title, text)
    assert index.articles() == before


def test_same_text_twice_and_bundled_or_unknown_removals_are_refused(index):
    index.add_article("Satu", "Teks yang sama.")
    with pytest.raises(DocumentError, match="already exists"):
        index.add_article("Satu", "Teks lain.")
    with pytest.raises(DocumentError, match="already in the library as 'Satu'"):
        index.add_article("Dua", "Teks yang sama.")
    with pytest.raises(DocumentError, match="bundled article"):
        index.remove_article(BUNDLED_ID)
    with pytest.raises(DocumentError, match="no added article"):
        index.remove_article("tidak-ada")
    with pytest.raises(DocumentError, match="give the id"):
        index.remove_article("  ")


class BreakableEmbedder(FakeEmbedder):
    broken: bool = False

    def embed_documents(self, texts):
        if self.broken:
            raise RuntimeError("disk full")
        return super().embed_documents(texts)


def test_failed_indexing_leaves_nothing_behind(settings, chroma_client):
    embedder = BreakableEmbedder(size=16)
    idx = open_index(settings, embedder=embedder, client=chroma_client)
    idx.build()
    embedder.broken = True
    with pytest.raises(DocumentError, match="could not index 'Banjir di Kota Hulu' .disk full.; nothing was changed"):
        idx.add_article("Banjir di Kota Hulu", "Hujan deras.")
    assert [a.id for a in idx.articles()] == [BUNDLED_ID]
    assert idx.added.all() == [] and set(idx.store.chunk_digests()) == {BUNDLED_ID}


def test_a_killed_build_is_ignored_by_snapshots_and_finished_by_the_next_start(settings, chroma_client, fake_embedder):
    idx = open_index(settings, embedder=fake_embedder, client=chroma_client)
    idx.build()
    docs = [make_document(EXTRA, doc_id="half")]
    chunks = chunk_document(docs[0])
    idx.store.upsert(docs[0], chunks)  # chunks written, then "killed" before the manifest record
    assert "half" not in idx.store.snapshot().documents
    assert all(c.doc_id == BUNDLED_ID for c in idx.store.snapshot().chunks)
    idx.store.remove(BUNDLED_ID)  # and a committed article that lost chunks
    bundled = [make_document(ARTICLE.read_text(encoding="utf-8"), doc_id=BUNDLED_ID)]
    assert needs_sync(idx.store, bundled)
    fresh = open_index(settings, embedder=fake_embedder, client=chroma_client)
    report = fresh.ensure_built()
    assert report is not None and report.added == 5
    assert set(fresh.store.chunk_digests()) == {BUNDLED_ID}  # the orphan chunks are gone
    assert not needs_sync(fresh.store, bundled)
    assert fresh.ensure_built() is None


def test_another_process_sees_changes(settings, chroma_client, fake_embedder, monkeypatch):
    monkeypatch.setattr(service, "POLL_SECONDS", 0.0)
    first = open_index(settings, embedder=fake_embedder, client=chroma_client)
    first.build()
    other_home = Settings.load(env={}, home=settings.home.parent / "other")
    second = open_index(other_home, embedder=fake_embedder, client=chroma_client)
    second.ensure_built()
    first.add_article("Banjir di Kota Hulu", EXTRA.split("\n", 1)[1])
    assert "banjir-di-kota-hulu" in second.documents()
    assert second.retriever.search("120 rumah", k=1)[0].chunk.doc_id == "banjir-di-kota-hulu"
    second.remove_article("banjir-di-kota-hulu")
    assert "banjir-di-kota-hulu" not in first.documents()


def test_articles_kept_as_files_by_an_earlier_version_are_imported_once(settings, chroma_client, fake_embedder):
    settings.uploads_dir.mkdir(parents=True)
    (settings.uploads_dir / "banjir.txt").write_text(EXTRA, encoding="utf-8")
    idx = open_index(settings, embedder=fake_embedder, client=chroma_client)
    idx.ensure_built()
    assert {a.id: a.kind for a in idx.articles()}["banjir"] == "added"
    assert not settings.uploads_dir.exists() and settings.uploads_dir.with_name("articles.imported").is_dir()


def test_searches_during_adds_and_removes_never_fail(index):
    """Four readers and one writer: every search sees one whole snapshot."""
    errors, done = [], threading.Event()

    def read():
        while not done.is_set():
            try:
                snap = index.snapshot()
                for hit in index.retriever.search("rumah warga Rusia", k=4, snapshot=snap):
                    assert hit.chunk.doc_id in snap.documents
                    source = snap.documents[hit.chunk.doc_id].text
                    assert source[hit.chunk.start : hit.chunk.end] == hit.chunk.text
            except Exception as exc:  # collected: the test fails with the first one
                errors.append(repr(exc))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for t in readers:
        t.start()
    try:
        for i in range(15):
            info = index.add_article(f"Banjir {i}", f"Hujan deras merendam {i} rumah warga. Petugas bersiaga.")
            index.remove_article(info.id)
    finally:
        done.set()
        for t in readers:
            t.join()
    assert errors == []
    assert [a.id for a in index.articles()] == [BUNDLED_ID]


def test_what_answering_derives_from_a_snapshot_is_prepared_before_it_is_published(index):
    seen = []
    index.on_new_snapshot(lambda snap: seen.append((set(snap.documents), set(index.snapshot().documents))))
    assert seen == [({BUNDLED_ID}, {BUNDLED_ID})]  # the current snapshot, at registration
    index.add_article("Banjir di Kota Hulu", EXTRA.split("\n", 1)[1])
    # prepared: the new library; still published while preparing: the old one
    assert seen[-1] == ({BUNDLED_ID, "banjir-di-kota-hulu"}, {BUNDLED_ID})


def test_a_start_leaves_stemming_to_the_first_question_and_writers_publish_it_done(settings, chroma_client,
                                                                                  fake_embedder):
    open_index(settings, embedder=fake_embedder, client=chroma_client).build()
    started = open_index(settings, embedder=fake_embedder, client=chroma_client)
    assert started.ensure_built() is None  # nothing to sync: the snapshot is read, not stemmed
    snap = started.snapshot()
    assert not snap.bm25.built
    assert started.retriever.search("latihan militer Arktik")  # the first question builds it
    assert snap.bm25.built
    started.add_article("Banjir di Kota Hulu", EXTRA.split("\n", 1)[1])
    assert started.snapshot().bm25.built  # stemmed by the writer, before any question
