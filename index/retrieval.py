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


def _top(scores: np.ndarray, m: int) -> np.ndarray:
    """Indices of the ``m`` best positive scores, best first; ties keep library order."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > m:
        cut = np.partition(scores[positive], len(positive) - m)[len(positive) - m]
        positive = positive[scores[positive] >= cut]
    return positive[np.argsort(-scores[positive], kind="stable")][: max(m, 0)]


def _rank_of(scores: np.ndarray, i: int) -> int:
    """1-based rank of ``scores[i]`` in a stable descending sort."""
    return int(np.count_nonzero(scores > scores[i]) + np.count_nonzero(scores[:i] == scores[i]) + 1)


def _fuse(dense_rank: list[str], lexical_rank: list[str], lexical_ranks: list[int], weights: dict) -> dict:
    """RRF with the lexical side's true ranks (which may skip numbers: see ``search``)."""
    fused = {cid: 1.0 / (RRF_K + r) for r, cid in enumerate(dense_rank, start=1)}
    for cid, rank in zip(lexical_rank, lexical_ranks, strict=True):
        fused[cid] = fused.get(cid, 0.0) + weights.get(cid, 1.0) / (RRF_K + rank)
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
    lexical_candidates: int = 100  # BM25 matches fused with the dense ones (see search)
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
            (snap.by_id[cid], s)
            for cid, s in self.store.dense_search(query, min(len(snap.chunks), max(self.dense_candidates, k)))
            if cid in snap.by_id
        ]
        dense_scores = {c.id: s for c, s in dense}
        dense_rank = [c.id for c, _ in dense]
        lexical = snap.bm25.scores(query)
        # Only the best ``lexical_candidates`` BM25 matches (numpy top-M, no Python loop over
        # the library) and the dense candidates take part in the fusion. That is exact for the
        # top k: a chunk found by neither side scores less than each of the top-M lexical ones.
        top = _top(lexical, max(self.lexical_candidates, k))
        best = float(lexical[top[0]]) if len(top) else 1.0
        lexical_pos = {snap.chunks[i].id: r for r, i in enumerate(top, start=1)}
        for cid in dense_scores:  # a dense candidate's own BM25 rank, however low
            if cid not in lexical_pos and lexical[snap.position[cid]] > 0:
                lexical_pos[cid] = _rank_of(lexical, snap.position[cid])
        lexical_rank = sorted(lexical_pos, key=lexical_pos.get)
        # Lexical votes are weighted by BM25 score relative to the best match, so a chunk
        # that shares only a common word with the query cannot outvote the one holding
        # the exact name, number or date; the dense side keeps plain RRF weights.
        lexical_weight = {cid: float(lexical[snap.position[cid]]) / best for cid in lexical_rank}
        fused = _fuse(dense_rank, lexical_rank, [lexical_pos[c] for c in lexical_rank], lexical_weight)
        order = sorted(fused, key=lambda cid: (-fused[cid], -dense_scores.get(cid, -1.0)))[:k]
        dense_pos = {cid: i for i, cid in enumerate(dense_rank, start=1)}
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
