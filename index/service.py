"""Wiring: settings → embedder + Chroma client → store → retriever (collaborators injectable)."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.library import SyncReport, load_library, needs_sync, sync
from index.retrieval import HybridRetriever
from index.settings import Settings
from index.store import ChunkStore, make_client


@dataclass
class Index:
    settings: Settings
    store: ChunkStore
    retriever: HybridRetriever

    _documents: dict | None = field(default=None, init=False, repr=False)

    def documents(self) -> dict:
        """doc_id → Document, read from disk once per build (answers and clicks reuse it)."""
        if self._documents is None:
            self._documents = {d.id: d for d in load_library(self.settings)}
        return self._documents

    def build(self, rebuild: bool = False, progress=None) -> SyncReport:
        self._documents = None
        docs = load_library(self.settings)
        report = sync(self.store, docs, rebuild=rebuild, progress=progress)
        self.retriever.refresh()
        self._documents = {d.id: d for d in docs}
        return report

    def ensure_built(self) -> SyncReport | None:
        """Build only when the library and the index disagree (first run, edited article)."""
        if needs_sync(self.store, load_library(self.settings)):
            return self.build()
        return None


def open_index(settings: Settings, embedder=None, client=None) -> Index:
    if embedder is None:
        from index.embeddings import load_embedder

        embedder = load_embedder(settings)
    client = client if client is not None else make_client(settings)
    store = ChunkStore(client, embedder)
    return Index(settings, store, HybridRetriever(store=store, k=settings.top_k))
