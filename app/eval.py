"""Score the assistant on datasets (format in README) and report quality and latency.

Questions may name the articles they are about (``articles``: ids under
``data/eval/articles``); each distinct set gets its own index, built in a temporary
home with the same embedding model, so a question only ever sees its own articles.
Figures are printed per dataset (dev, calibration, tune, test: never mixed) and, inside
a dataset, per article set.
"""

from __future__ import annotations

import re
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.qa import language
from index.dataset import EVAL_ARTICLES, Example
from index.errors import InputError
from index.metrics import first_relevant_rank

_QUOTED = re.compile(r'"[^"]*"')
_MARKER = re.compile(r"\[\d+\]")


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
    factoid: int = 0  # answerable questions of kind "factoid"
    short_given: int = 0  # ...that got a short answer
    short_correct: int = 0  # short answers (on any question) that match the expected answer
    short_total: int = 0  # short answers given on any question
    top_cited: int = 0  # answerable questions whose first cited sentence holds the evidence
    answerable_refused: int = 0
    quote_top_chunk_ok: int = 0  # the baseline: reply = the top retrieved chunk, on answerable questions
    confidence: list[tuple[float, bool]] = field(default_factory=list)  # (shown confidence, reply right)
    words: list[int] = field(default_factory=list)  # reply length, markers left out
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
            "short_answer_precision": share(self.short_correct, self.short_total),
            "short_answer_coverage": share(self.short_given, self.factoid),
            "median_reply_words": statistics.median(self.words) if self.words else 0.0,
            "language_match": share(self.language_ok, self.n),
            "verbatim_citations": share(self.citations_verbatim, self.citations),
            "retrieval_recall@3": share(self.retrieval_hits, self.answerable),
            "top_cited_evidence": share(self.top_cited, self.answerable),
            "answerable_refused": share(self.answerable_refused, self.answerable),
            "unanswerable_refused": share(self.unanswerable_ok(), self.n - self.answerable),
            "quote_top_chunk": share(self.quote_top_chunk_ok, self.answerable),
            "answer_accuracy_answerable": share(self.answer_ok - self.unanswerable_ok(), self.answerable),
            "right_at_confidence_0.8": share(*_right_above(self.confidence, 0.8)),
            "share_at_confidence_0.8": share(_right_above(self.confidence, 0.8)[1], len(self.confidence)),
            "ece": expected_calibration_error(self.confidence),
        }

    def unanswerable_ok(self) -> int:
        """Right replies to unanswerable questions (refusals): the rest of answer_ok is answerable."""
        return self.answer_ok - self.answerable_ok

    answerable_ok: int = 0

    def merge(self, other: EvalReport) -> EvalReport:
        out = EvalReport()
        for name in out.__dataclass_fields__:
            a, b = getattr(self, name), getattr(other, name)
            if isinstance(a, dict):
                merged = {k: list(v) for k, v in a.items()}
                for k, v in b.items():
                    merged.setdefault(k, []).extend(v)
                setattr(out, name, merged)
            else:
                setattr(out, name, a + b)
        return out

    def lines(self, failures: bool = True) -> list[str]:
        out = [f"questions: {self.n} ({self.answerable} answerable, {self.factoid} factoid)"]
        out += [f"{name:24} {value:.3f}" for name, value in self.metrics().items()]
        out.append("latency ms (p50 / p95):")
        for stage, values in self.timings.items():
            out.append(f"  {stage:12} {percentile(values, 50):8.1f} / {percentile(values, 95):8.1f}")
        if failures:
            out += [f"FAIL {f}" for f in self.failures]
        return out

    def row(self, name: str) -> str:
        m = self.metrics()
        return (
            f"{name[:26]:26} {self.n:4d} {m['answer_accuracy']:6.3f} {m['citation_recall']:6.3f} "
            f"{m['citation_precision']:6.3f} {m['refusal_accuracy']:6.3f} {m['short_answer_precision']:6.3f} "
            f"{m['short_answer_coverage']:6.3f} {m['median_reply_words']:6.1f}"
        )


ROW_HEADER = f"{'articles':26} {'n':>4} " + " ".join(
    f"{h:>6}" for h in ("answer", "c.rec", "c.prec", "refuse", "sa.ok", "sa.cov", "words")
)


def _right_above(pairs: list[tuple[float, bool]], threshold: float) -> tuple[int, int]:
    above = [ok for c, ok in pairs if c >= threshold]
    return sum(above), len(above)


def expected_calibration_error(pairs: list[tuple[float, bool]], bins: int = 10) -> float:
    """Mean |confidence − accuracy| over ten equal-width confidence bins, weighted by their size."""
    if not pairs:
        return 0.0
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        group = [(c, ok) for c, ok in pairs if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if group:
            total += len(group) * abs(sum(c for c, _ in group) / len(group) - sum(ok for _, ok in group) / len(group))
    return total / len(pairs)


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
    own = _QUOTED.sub(" ", _MARKER.sub(" ", answer.text))
    cited = {w.lower() for c in answer.citations for w in re.findall(r"\w+", c.text)}
    words = [w for w in re.findall(r"[^\W\d_]+", own) if w.lower() not in cited]
    return language.detect(" ".join(words), fallback=answer.language) if words else answer.language


def matches_expect(text: str, expect: list[list[str]]) -> bool:
    return all(any(re.search(p, text, re.IGNORECASE) for p in group) for group in expect)


def reply_words(text: str) -> int:
    return len(re.findall(r"\w+", _MARKER.sub(" ", text.replace("*", ""))))


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
        report.words.append(reply_words(answer.text))
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
        short = getattr(answer, "short_answer", None)
        if short is not None:
            report.short_total += 1
            report.short_correct += ex.answerable and matches_expect(short.text, ex.expect)
        if ex.answerable:
            report.answerable += 1
            if ex.kind == "factoid":
                report.factoid += 1
                report.short_given += short is not None
            relevant = [c for c in answer.citations if any(e.lower() in c.text.lower() for e in ex.evidence)]
            report.citations_relevant += len(relevant)
            report.cited_recall_hits += bool(relevant)
            hits = assistant.index.retriever.search(answer.query, k=3) if answer.query else []
            report.retrieval_hits += first_relevant_rank(hits, ex.evidence) is not None
            ok = ok and bool(relevant)
            report.answerable_ok += ok
            report.answerable_refused += not answer.answerable
            report.top_cited += bool(answer.answerable and answer.citations) and any(
                e.lower() in answer.citations[0].text.lower() for e in ex.evidence)
            top = assistant.index.retriever.search(ex.question, k=1)
            report.quote_top_chunk_ok += bool(top) and matches_expect(top[0].chunk.text, ex.expect) and any(
                e.lower() in top[0].chunk.text.lower() for e in ex.evidence)
        report.confidence.append((float(answer.confidence or 0.0), bool(ok)))
        report.answer_ok += ok
        if not (ok and lang_ok):
            short_text = f" short={short.text!r}" if short else ""
            report.failures.append(
                f"{ex.id}: {ex.question!r} -> {answer.text[:140]!r}{short_text} (lang {lang})"
            )
    return report


class ArticleSets:
    """One assistant per set of evaluation articles, each over its own temporary index.

    ``make_assistant(settings)`` builds an assistant for settings whose ``articles_dir``
    holds exactly the set's articles (the caller passes the shared embedder in it).
    """

    def __init__(self, settings, make_assistant, articles_dir: Path = EVAL_ARTICLES):
        self.settings = settings
        self.make_assistant = make_assistant
        self.articles_dir = Path(articles_dir)
        self._root = Path(tempfile.mkdtemp(prefix="berita-eval-"))
        self._assistants: dict[tuple, object] = {}

    def assistant(self, articles: tuple):
        if articles not in self._assistants:
            folder = self._root / f"set{len(self._assistants)}"
            (folder / "articles").mkdir(parents=True)
            for doc_id in articles:
                source = self.articles_dir / f"{doc_id}.txt"
                if not source.is_file():
                    raise InputError(f"evaluation article {doc_id!r} not found: expected {source}")
                shutil.copy(source, folder / "articles" / source.name)
            settings = replace(self.settings, home=folder / "home", articles_dir=folder / "articles",
                               chroma_host="")
            self._assistants[articles] = self.make_assistant(settings)
        return self._assistants[articles]

    def close(self) -> None:
        shutil.rmtree(self._root, ignore_errors=True)


def evaluate_dataset(examples: list[Example], assistant_for, backend: str | None = None) -> dict[str, EvalReport]:
    """Reports keyed by article set ("+"-joined ids; "bundled" for the library's own)."""
    groups: dict[tuple, list[Example]] = {}
    for ex in examples:
        groups.setdefault(ex.articles, []).append(ex)
    reports = {}
    for articles, group in groups.items():
        assistant = assistant_for(articles)
        assistant.ask("warm-up question", backend=backend)  # warm latency, as the UI sees it
        sources = {doc_id: doc.text for doc_id, doc in assistant.index.documents().items()}
        reports["+".join(articles) or "bundled"] = evaluate(assistant, group, backend=backend, sources=sources)
    return reports
