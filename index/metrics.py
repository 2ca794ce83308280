"""Retrieval metrics on a dataset: recall@1, recall@3 and MRR of evidence-bearing chunks."""

from __future__ import annotations

from dataclasses import dataclass

from index.dataset import Example


@dataclass
class RetrievalReport:
    questions: int
    recall_at_1: float
    recall_at_3: float
    mrr: float
    misses: list[str]

    def lines(self) -> list[str]:
        return [
            f"answerable questions: {self.questions}",
            f"recall@1: {self.recall_at_1:.3f}",
            f"recall@3: {self.recall_at_3:.3f}",
            f"MRR:      {self.mrr:.3f}",
        ] + ([f"missed in top 3: {', '.join(self.misses)}"] if self.misses else [])


def first_relevant_rank(hits, evidence: list[str]) -> int | None:
    needles = [e.lower() for e in evidence]
    for rank, hit in enumerate(hits, start=1):
        text = hit.chunk.text.lower()
        if any(n in text for n in needles):
            return rank
    return None


def _with_previous_question(question: str, history) -> str:
    """Follow-ups are searched with the previous question in front (the answering layer
    condenses better, but retrieval is measured on its own here)."""
    return f"{history[-1][0]} {question}" if history else question


def evaluate_retrieval(
    retriever, examples: list[Example], depth: int = 10, to_query=_with_previous_question
) -> RetrievalReport:
    ranks = []
    misses = []
    scored = [e for e in examples if e.answerable and e.evidence]
    for ex in scored:
        hits = retriever.search(to_query(ex.question, ex.history), k=depth)
        rank = first_relevant_rank(hits, ex.evidence)
        ranks.append(rank)
        if rank is None or rank > 3:
            misses.append(ex.id)
    n = max(len(ranks), 1)
    return RetrievalReport(
        questions=len(ranks),
        recall_at_1=sum(1 for r in ranks if r == 1) / n,
        recall_at_3=sum(1 for r in ranks if r and r <= 3) / n,
        mrr=sum(1 / r for r in ranks if r) / n,
        misses=misses,
    )
