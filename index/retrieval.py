"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused by reciprocal rank fusion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from index.chunking import Chunk
from index.errors import IndexNotBuiltError, InputError
from index.snapshot import IndexSnapshot

RRF_K = 60  # the constant from Cormack et al. (2009); damps the weight of top ranks


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused RRF score
    dense: float | None  # cosine similarity, None if not among the dense candidates
    lexical: float  # BM25 score, 0 when no query term occurs
    dense_rank: int | None
    lexical_rank: int | None

    def as_langchain(self) -> LCDocument:
        meta = dict(
            self.chunk.metadata(),
            score=self.score,
            dense=self.dense,
            lexical=self.lexical,
            dense_rank=self.dense_rank,
            lexical_rank=self.lexical_rank,
        )
        return LCDocument(page_content=self.chunk.text, metadata=meta)


def reciprocal_rank_fusion(
    rankings: list[list[str]], k: int = RRF_K, weights: list[dict[str, float]] | None = None
) -> dict[str, float]:
    """Sum of ``weight / (k + rank)`` over rankings; weights default to 1 (textbook RRF)."""
    fused: dict[str, float] = {}
    for i, ranking in enumerate(rankings):
        for rank, key in enumerate(ranking, start=1):
            weight = weights[i].get(key, 1.0) if weights else 1.0
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return fused


class HybridRetriever(BaseRetriever):
    """A LangChain retriever; ``search`` returns ``Hit`` objects with every score.

    It reads one ``IndexSnapshot`` per search: from ``snapshots`` (the ``Index``, which swaps
    snapshots as articles change) or, standing alone, one it builds from the store.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: object  # index.store.ChunkStore (or anything with snapshot() and dense_search())
    k: int = 4
    dense_candidates: int = 20
    snapshots: object | None = None  # anything with snapshot() -> IndexSnapshot
    _own: IndexSnapshot | None = PrivateAttr(default=None)

    def snapshot(self) -> IndexSnapshot:
        if self.snapshots is not None:
            return self.snapshots.snapshot()
        if self._own is None:
            self._own = self.store.snapshot()
        return self._own

    def search(self, query: str, k: int | None = None, snapshot: IndexSnapshot | None = None) -> list[Hit]:
        query = (query or "").strip()
        if not query:
            raise InputError("the question is empty: type a question about the article")
        snap = snapshot or self.snapshot()
        if not snap.chunks:
            raise IndexNotBuiltError()
        k = k or self.k
        # Dense hits come from Chroma, which may already hold an article this snapshot does not
        # (or no longer hold one it does): keep only the snapshot's chunks.
        dense = [
            (snap.by_id[c.id], s)
            for c, s in self.store.dense_search(query, min(len(snap.chunks), max(self.dense_candidates, k)))
            if c.id in snap.by_id
        ]
        dense_scores = {c.id: s for c, s in dense}
        dense_rank = [c.id for c, _ in dense]
        lexical = snap.bm25.scores(query)
        matched = np.flatnonzero(lexical > 0)
        matched = matched[np.argsort(-lexical[matched], kind="stable")]
        lexical_rank = [snap.chunks[i].id for i in matched]
        # Lexical votes are weighted by BM25 score relative to the best match, so a chunk
        # that shares only a common word with the query cannot outvote the one holding
        # the exact name, number or date; the dense side keeps plain RRF weights.
        best = float(lexical[matched[0]]) if len(matched) else 1.0
        lexical_weight = {snap.chunks[i].id: float(lexical[i]) / best for i in matched}
        fused = reciprocal_rank_fusion([dense_rank, lexical_rank], weights=[{}, lexical_weight])
        order = sorted(fused, key=lambda cid: (-fused[cid], -dense_scores.get(cid, -1.0)))[:k]
        dense_pos = {cid: i for i, cid in enumerate(dense_rank, start=1)}
        lexical_pos = {cid: i for i, cid in enumerate(lexical_rank, start=1)}
        return [
            Hit(
                chunk=snap.by_id[cid],
                score=fused[cid],
                dense=dense_scores.get(cid),
                lexical=float(lexical[snap.position[cid]]),
                dense_rank=dense_pos.get(cid),
                lexical_rank=lexical_pos.get(cid),
            )
            for cid in order
        ]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[LCDocument]:
        """``retriever.invoke(q, k=1)`` returns one document, as LangChain's standard tests expect."""
        return [hit.as_langchain() for hit in self.search(query, k=k)]
