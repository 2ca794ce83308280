"""The immutable search state: everything a question reads, swapped in whole.

A question takes the current ``IndexSnapshot`` once and reads only from it (chunks, BM25,
id maps, article texts), so an article added or removed meanwhile can never leave it with
a BM25 index of another length or a chunk whose article is gone. Writers build the next
snapshot to the side and publish it with one assignment. Its contents never change; only
its BM25 index may be computed on first use (once, from its own chunks), so that a server's
start does not wait for stemming.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from index.chunking import Chunk
from index.documents import Document
from index.lexical import BM25Index

BUNDLED, ADDED = "bundled", "added"
_versions = itertools.count(1)


@dataclass(frozen=True)
class IndexSnapshot:
    chunks: tuple[Chunk, ...]
    documents: Mapping[str, Document]  # doc_id → the exact text every offset points into
    kinds: Mapping[str, str]  # doc_id → BUNDLED or ADDED
    bm25: BM25Index
    by_id: Mapping[str, Chunk]
    position: Mapping[str, int]  # chunk id → index in ``chunks`` (and in BM25's score vector)
    sources: Mapping[str, str]  # doc_id → text, what citations are cut from
    version: int = field(default_factory=lambda: next(_versions))

    @classmethod
    def build(cls, chunks, documents: Mapping[str, Document], kinds: Mapping[str, str]) -> IndexSnapshot:
        """Chunks of articles not in ``documents`` are left out (half-written or half-removed)."""
        kept = tuple(sorted((c for c in chunks if c.doc_id in documents), key=lambda c: (c.doc_id, c.start)))
        return cls(
            chunks=kept,
            documents=MappingProxyType(dict(documents)),
            kinds=MappingProxyType({d: kinds.get(d, BUNDLED) for d in documents}),
            bm25=BM25Index([c.text for c in kept]),
            by_id=MappingProxyType({c.id: c for c in kept}),
            position=MappingProxyType({c.id: i for i, c in enumerate(kept)}),
            sources=MappingProxyType({doc_id: doc.text for doc_id, doc in documents.items()}),
        )

    @classmethod
    def empty(cls) -> IndexSnapshot:
        return cls.build((), {}, {})

    def with_article(self, doc: Document, kind: str, chunks: list[Chunk]) -> IndexSnapshot:
        """The next snapshot after adding (or replacing) one article: no store round trip."""
        others = [c for c in self.chunks if c.doc_id != doc.id]
        return IndexSnapshot.build(others + list(chunks), {**self.documents, doc.id: doc}, {**self.kinds, doc.id: kind})

    def without_article(self, doc_id: str) -> IndexSnapshot:
        docs = {k: v for k, v in self.documents.items() if k != doc_id}
        return IndexSnapshot.build([c for c in self.chunks if c.doc_id != doc_id], docs, self.kinds)

    def chunk_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.documents, 0)
        for c in self.chunks:
            counts[c.doc_id] += 1
        return counts
