"""Score the assistant on a dataset (format in README) and report quality and latency."""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field

from app import language
from index.dataset import Example
from index.metrics import first_relevant_rank

_QUOTED = re.compile(r'"[^"]*"')


@dataclass
class EvalReport:
    n: int = 0
    answer_ok: int = 0
    refusal_ok: int = 0
    language_ok: int = 0
    cited_recall_hits: int = 0
    answerable: int = 0
    citations: int = 0
    citations_relevant: int = 0
    citations_verbatim: int = 0
    retrieval_hits: int = 0
    timings: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        def share(a, b):
            return a / b if b else 1.0

        return {
            "answer_accuracy": share(self.answer_ok, self.n),
            "citation_recall": share(self.cited_recall_hits, self.answerable),
            "citation_precision": share(self.citations_relevant, self.citations),
            "refusal_accuracy": share(self.refusal_ok, self.n),
            "language_match": share(self.language_ok, self.n),
            "verbatim_citations": share(self.citations_verbatim, self.citations),
            "retrieval_recall@3": share(self.retrieval_hits, self.answerable),
        }

    def lines(self) -> list[str]:
        out = [f"questions: {self.n} ({self.answerable} answerable)"]
        out += [f"{name:20} {value:.3f}" for name, value in self.metrics().items()]
        out.append("latency ms (p50 / p95):")
        for stage, values in self.timings.items():
            out.append(f"  {stage:12} {percentile(values, 50):8.1f} / {percentile(values, 95):8.1f}")
        out += [f"FAIL {f}" for f in self.failures]
        return out


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


def answer_language(answer) -> str:
    """The language of what the assistant wrote itself.

    Quoted article text and words copied from the cited sentences (names, places) are
    left out; a reply made only of such words takes the language it was rendered in.
    """
    own = _QUOTED.sub(" ", re.sub(r"\[\d+\]", " ", answer.text))
    cited = {w.lower() for c in answer.citations for w in re.findall(r"\w+", c.text)}
    words = [w for w in re.findall(r"[^\W\d_]+", own) if w.lower() not in cited]
    return language.detect(" ".join(words), fallback=answer.language) if words else answer.language


def matches_expect(text: str, expect: list[list[str]]) -> bool:
    return all(any(re.search(p, text, re.IGNORECASE) for p in group) for group in expect)


def evaluate(assistant, examples: list[Example], backend: str | None = None, sources=None) -> EvalReport:
    report = EvalReport()
    for ex in examples:
        t0 = time.perf_counter()
        answer = assistant.ask(ex.question, ex.history, backend=backend)
        wall = (time.perf_counter() - t0) * 1000
        for stage, ms in answer.timings_ms.items():
            report.timings.setdefault(stage, []).append(ms)
        report.timings.setdefault("end_to_end", []).append(wall)
        report.n += 1
        refusal_ok = answer.answerable == ex.answerable
        report.refusal_ok += refusal_ok
        lang = answer_language(answer)
        lang_ok = lang == ex.lang
        report.language_ok += lang_ok
        ok = refusal_ok and (not ex.answerable or matches_expect(answer.text, ex.expect))
        for c in answer.citations:
            report.citations += 1
            source = sources[c.doc_id] if sources else None
            report.citations_verbatim += source is not None and source[c.start : c.end] == c.text
        if ex.answerable:
            report.answerable += 1
            relevant = [c for c in answer.citations if any(e.lower() in c.text.lower() for e in ex.evidence)]
            report.citations_relevant += len(relevant)
            report.cited_recall_hits += bool(relevant)
            hits = assistant.index.retriever.search(answer.query, k=3) if answer.query else []
            report.retrieval_hits += first_relevant_rank(hits, ex.evidence) is not None
            ok = ok and bool(relevant)
        report.answer_ok += ok
        if not (ok and lang_ok):
            report.failures.append(f"{ex.id}: {ex.question!r} -> {answer.text[:100]!r} (lang {lang})")
    return report
