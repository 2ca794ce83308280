"""Hybrid retrieval: dense (Chroma) + lexical (BM25), fused by reciprocal rank fusion."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from index.chunking import Chunk
from index.errors import IndexNotBuiltError, InputError
from index.lexical import BM25Index

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
    """A LangChain retriever; ``search`` returns ``Hit`` objects with every score."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: object  # index.store.ChunkStore (or anything with chunks() and dense_search())
    k: int = 4
    dense_candidates: int = 20
    _chunks: list[Chunk] | None = PrivateAttr(default=None)
    _bm25: BM25Index | None = PrivateAttr(default=None)

    def refresh(self) -> None:
        """Forget cached chunks; call after the store changed."""
        self._chunks = None
        self._bm25 = None

    def chunks(self) -> list[Chunk]:
        if self._chunks is None:
            self._chunks = self.store.chunks()
            self._bm25 = BM25Index([c.text for c in self._chunks])
        return self._chunks

    def search(self, query: str, k: int | None = None) -> list[Hit]:
        query = (query or "").strip()
        if not query:
            raise InputError("the question is empty: type a question about the article")
        chunks = self.chunks()
        if not chunks:
            raise IndexNotBuiltError()
        k = k or self.k
        by_id = {c.id: c for c in chunks}
        dense = self.store.dense_search(query, min(len(chunks), max(self.dense_candidates, k)))
        dense_scores = {c.id: s for c, s in dense}
        dense_rank = [c.id for c, _ in dense]
        lexical = self._bm25.scores(query)
        lexical_scores = {c.id: float(s) for c, s in zip(chunks, lexical, strict=True)}
        lexical_rank = [cid for cid, s in sorted(lexical_scores.items(), key=lambda p: -p[1]) if s > 0]
        # Lexical votes are weighted by BM25 score relative to the best match, so a chunk
        # that shares only a common word with the query cannot outvote the one holding
        # the exact name, number or date; the dense side keeps plain RRF weights.
        best = max(lexical_scores.values(), default=0.0) or 1.0
        lexical_weight = {cid: lexical_scores[cid] / best for cid in lexical_rank}
        fused = reciprocal_rank_fusion([dense_rank, lexical_rank], weights=[{}, lexical_weight])
        order = sorted(fused, key=lambda cid: (-fused[cid], -dense_scores.get(cid, -1.0)))[:k]
        return [
            Hit(
                chunk=by_id[cid],
                score=fused[cid],
                dense=dense_scores.get(cid),
                lexical=lexical_scores.get(cid, 0.0),
                dense_rank=dense_rank.index(cid) + 1 if cid in dense_scores else None,
                lexical_rank=lexical_rank.index(cid) + 1 if cid in lexical_rank else None,
            )
            for cid in order
        ]

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        return [hit.as_langchain() for hit in self.search(query)]
