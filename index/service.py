"""Wiring and the library's one writer: settings → embedder + Chroma client → store → retriever.

``Index`` publishes an immutable ``IndexSnapshot``; questions read the snapshot they
started with, while add / remove / build run one at a time (a lock) and swap in the next
snapshot whole. Another process sharing the Chroma server is noticed by polling the
manifest at most every ``POLL_SECONDS``.
"""

from __future__ import annotations

import ctypes
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from index.chunking import chunk_document
from index.documents import Document, load_file, make_document
from index.errors import DocumentError
from index.library import (
    AddedArticles,
    ArticleInfo,
    SyncReport,
    import_upload_folder,
    info,
    library_documents,
    needs_sync,
    sync,
)
from index.retrieval import HybridRetriever
from index.settings import Settings
from index.snapshot import ADDED, BUNDLED, IndexSnapshot
from index.store import ChunkStore, make_client

# Changes made by another process show up within this many seconds (plus one snapshot
# build); the check is one small Chroma read (the manifest's ids and digests).
POLL_SECONDS = 2.0


@dataclass
class Index:
    settings: Settings
    store: ChunkStore
    added: AddedArticles
    retriever: HybridRetriever = field(init=False)

    def __post_init__(self):
        self._write = threading.RLock()  # one writer at a time (add, remove, build, refresh)
        self._snapshot: IndexSnapshot | None = None
        self._seen: dict[str, str] = {}  # manifest digests the current snapshot was built from
        self._checked = 0.0
        self._preparers: list = []
        self.retriever = HybridRetriever(store=self.store, k=self.settings.top_k, snapshots=self)

    # -- reading ---------------------------------------------------------
    def snapshot(self) -> IndexSnapshot:
        """The current snapshot; re-read from the store when another process changed it."""
        snap = self._snapshot
        if snap is None:
            with self._write:
                if self._snapshot is None:
                    self._reload()
                return self._snapshot
        if time.monotonic() - self._checked >= POLL_SECONDS and self._write.acquire(blocking=False):
            try:  # one question does the check; the others keep reading the current snapshot
                self._checked = time.monotonic()
                if self.store.digests() != self._seen:
                    self._reload()
            finally:
                self._write.release()
        return self._snapshot

    def documents(self) -> dict[str, Document]:
        return dict(self.snapshot().documents)

    def articles(self) -> list[ArticleInfo]:
        return info(self.snapshot())

    def on_new_snapshot(self, prepare, now: bool = True) -> None:
        """Run ``prepare(snapshot)`` for every snapshot before it is published (and for the
        current one now, unless ``now`` is False: a server prepares it after the page is up):
        what answering derives from a library is built by the writer, to the side, so no
        question waits for a change."""
        with self._write:
            self._preparers.append(prepare)
            if now and self._snapshot is not None:
                prepare(self._snapshot)

    # -- writing ---------------------------------------------------------
    def build(self, rebuild: bool = False, progress=None) -> SyncReport:
        with self._write:
            docs, kinds = self._library()
            return self._sync(docs, kinds, rebuild, progress)

    def ensure_built(self) -> SyncReport | None:
        """Build only when the library and the index disagree (first run, an edited article, a killed build)."""
        with self._write:
            docs, kinds = self._library()
            manifest, records = self.store.manifest(), self.store.chunk_records()  # read once, used twice
            if needs_sync(self.store, docs, kinds, records=records, manifest=manifest):
                return self._sync(docs, kinds)
            # BM25 is built by the first question (a server's warm-up), not before the page is up
            self._publish(self.store.snapshot(records=records, manifest=manifest), stemmed=False)
            return None

    def add_article(self, title: str, text: str) -> ArticleInfo:
        return self._add(make_document(text or "", title=title or ""))

    def add_file(self, path) -> ArticleInfo:
        return self._add(load_file(Path(path)))

    def remove_article(self, doc_id: str) -> ArticleInfo:
        doc_id = (doc_id or "").strip()
        with self._write:
            snap = self._fresh()
            if not doc_id:
                raise DocumentError("give the id of an added article to remove (see the list of articles)")
            if snap.kinds.get(doc_id) == BUNDLED:
                raise DocumentError(f"{doc_id!r} is a bundled article: only added articles can be removed")
            if doc_id not in snap.documents and not self.added.has(doc_id):
                raise DocumentError(f"no added article has the id {doc_id!r}: list the articles to see the ids")
            removed = next((a for a in info(snap) if a.id == doc_id), ArticleInfo(doc_id, doc_id, ADDED, 0))
            # Library first, then the manifest: a crash in between is finished by the next sync.
            self.added.delete(doc_id)
            self.store.uncommit(doc_id)
            self.store.remove(doc_id)
            self._publish(snap.without_article(doc_id))
            return removed

    # -- internals -------------------------------------------------------
    def _library(self):
        import_upload_folder(self.settings, self.added)
        return library_documents(self.settings, self.added)

    def _sync(self, docs, kinds, rebuild: bool = False, progress=None) -> SyncReport:
        report = sync(self.store, docs, kinds, rebuild=rebuild, progress=progress)
        self._reload()
        return report

    def _add(self, doc: Document) -> ArticleInfo:
        doc = Document(doc.id, doc.title, doc.text)  # where it came from is not kept
        with self._write:
            snap = self._fresh()
            if doc.id in snap.documents or self.added.has(doc.id):
                raise DocumentError(f"an article with the id {doc.id!r} already exists: remove it first or rename it")
            body = _body(doc)
            same = next((d for d in snap.documents.values() if _body(d) == body), None)
            if same is not None:
                raise DocumentError(f"this text is already in the library as {same.title!r}")
            chunks = chunk_document(doc)
            try:
                self.added.put(doc)
                self.store.upsert(doc, chunks)
                self.store.commit(doc, ADDED, len(chunks))
            except Exception as exc:  # undo every step, so a failed upload changes nothing
                for undo in (self.store.uncommit, self.store.remove, self.added.delete):
                    try:
                        undo(doc.id)
                    except Exception:  # noqa: S110 - best effort; the next sync finishes the cleanup
                        pass
                raise DocumentError(f"could not index {doc.title!r} ({exc}); nothing was changed") from exc
            self._publish(snap.with_article(doc, ADDED, chunks))
            return ArticleInfo(doc.id, doc.title, ADDED, len(chunks))

    def _fresh(self) -> IndexSnapshot:
        """The snapshot, re-read if another process changed the store (caller holds the lock)."""
        if self._snapshot is None or self.store.digests() != self._seen:
            self._reload()
        return self._snapshot

    def _reload(self) -> None:
        self._publish(self.store.snapshot())

    def _publish(self, snap: IndexSnapshot, stemmed: bool = True) -> None:
        if stemmed:
            snap.bm25.build()  # stemmed before it is published: later questions find BM25 ready
        for prepare in self._preparers:
            prepare(snap)
        self._seen = {doc_id: doc.digest for doc_id, doc in snap.documents.items()}
        self._checked = time.monotonic()
        self._snapshot = snap  # one assignment: readers see the old or the new snapshot, never a mix


def _body(doc: Document) -> str:
    return " ".join(doc.text[doc.body_start :].split())


def release_free_memory() -> None:
    """Hand memory freed after a big read back to the system. glibc keeps freed heap for
    reuse, so a process that once read 10,000 chunks from Chroma would go on holding about
    120 MB it no longer uses (measured with ``python -m app bench``)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def open_index(settings: Settings, embedder=None, client=None) -> Index:
    if embedder is None:
        from index.embeddings import load_embedder

        embedder = load_embedder(settings)
    client = client if client is not None else make_client(settings)
    return Index(settings, ChunkStore(client, embedder), AddedArticles(client))
