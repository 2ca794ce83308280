"""Train the answerer's three models on the tune split: ``python -m app.qa.train``.

Reads the tune, dev and calibration datasets (never the frozen test set), runs the real
pipeline (real model, real Chroma, one temporary index per article set), labels
* sentences: does it contain one of the question's evidence strings?
* candidates: does the span (raw or rendered) match the expected answer, in an evidence sentence?
* questions: is it answerable?
fits one standardised logistic regression per stage (scikit-learn), and chooses the
thresholds on predictions cross-validated by article set, so a threshold is never chosen
on the same article the model was fitted on. Writes ``app/qa/weights.json`` and prints
each model's coefficients (the features that matter, and in which direction).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from app.eval import ArticleSets, matches_expect
from app.qa import model
from app.qa import question as q
from app.qa.evidence import sentences_of
from index.dataset import EVAL_DIR, load_examples

TRAIN_SETS = ("tune", "dev", "calibration")  # never "test"
SHORT_PRECISION = 0.92  # short answers must be right this often on held-out tune articles (issue: ≥ 0.9)
BOLD_PRECISION = 0.6  # a bold span is a hint: right more often than not, with a margin


def _fit(rows: list[dict], labels: list[int], names: list[str], c: float = 1.0):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = np.array([[r[n] for n in names] for r in rows], dtype=np.float64)
    y = np.array(labels)
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    clf = LogisticRegression(C=c, max_iter=2000).fit((x - scaler.mean_) / scale, y)
    return model.Linear(tuple(names), scaler.mean_, scale, clf.coef_[0], float(clf.intercept_[0]))


SOFTMAX_L2 = 1.0  # the same penalty as scikit-learn's default C=1.0
# Inverse L2 strengths tried for the answerable model; the fit keeps the one that decides the most
# questions right held out by article (printed as answerable_c). Its features overlap (the top
# sentence's dense score, the answer's, the reader's), and with C = 1 alone they took large
# weights of opposite signs.
ANSWERABLE_C = (1.0, 0.3, 0.1, 0.03)


def _fit_softmax(rows: list[dict], labels: list[int], questions: list, names: list[str]):
    """A conditional logit: within each question the rows compete, and the model learns
    weights that put the probability mass on the right ones (questions without a right row
    teach nothing and are left out)."""
    from scipy.optimize import minimize

    x = np.array([[r[n] for n in names] for r in rows], dtype=np.float64)
    y = np.array(labels, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    z = (x - mean) / scale
    groups = {}
    for i, qid in enumerate(questions):
        groups.setdefault(qid, []).append(i)
    groups = [np.array(ix) for ix in groups.values() if y[ix].sum() > 0]

    def loss(w):
        total, grad = SOFTMAX_L2 * 0.5 * w @ w, SOFTMAX_L2 * w
        for ix in groups:
            s = z[ix] @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            pos = y[ix] > 0
            mass = p[pos].sum()
            total -= np.log(mass)
            # d(-log sum_pos p)/dw = E_p[z] - E_{p restricted to pos}[z]
            grad += p @ z[ix] - (p[pos] / mass) @ z[ix][pos]
        return total, grad

    w = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B").x
    return model.Linear(tuple(names), mean, scale, w, 0.0, "softmax")


def _cross_validated(rows, labels, groups, names, questions=None, c: float = 1.0) -> np.ndarray:
    """Each row's probability from a model fitted without its article set (softmax models,
    given ``questions``, are applied one question at a time)."""
    out = np.zeros(len(rows))
    for group in sorted(set(groups)):
        train = [i for i, g in enumerate(groups) if g != group]
        test = [i for i, g in enumerate(groups) if g == group]
        if len({labels[i] for i in train}) < 2:
            out[test] = np.mean([labels[i] for i in train])
            continue
        if questions is None:
            fitted = _fit([rows[i] for i in train], [labels[i] for i in train], names, c)
            out[test] = fitted.probabilities([rows[i] for i in test])
            continue
        fitted = _fit_softmax([rows[i] for i in train], [labels[i] for i in train],
                              [questions[i] for i in train], names)
        for qid in {questions[i] for i in test}:
            ix = [i for i in test if questions[i] == qid]
            out[ix] = fitted.probabilities([rows[i] for i in ix])
    return out


class _Run:
    """Pipeline state per example, re-read whenever a model changes."""

    def __init__(self, assistant, example):
        self.assistant, self.example = assistant, example
        state = {"question": example.question, "history": [tuple(t) for t in example.history],
                 "lang": example.lang or "id", "k": None, "timings": {}, "notices": []}
        state = assistant._condense(state)
        state = assistant._retrieve(state)
        self.state = state

    def read(self, models):
        from app.qa.pipeline import _question_kind

        a = self.assistant
        a.answerer.models = models
        st = self.state
        vec = a.scorer.query_vector(st["query"])
        analysis = q.analyse(st["question"])
        return a.answerer.read(analysis, _question_kind(analysis, st["history"]), st["query"], vec,
                               sentences_of(st["evidence_hits"]), st["corpus"], st["lang"])


def _has_evidence(text: str, evidence: list[str]) -> bool:
    low = text.lower()
    return any(e.lower() in low for e in evidence)


def train(settings, out: Path, datasets: list[Path]) -> dict:
    from app.service import build_assistant, shipped_reader
    from index.embeddings import load_embedder

    embedder = load_embedder(settings)
    reader = shipped_reader(settings, embedder)  # one for every article set (each has its own home)
    empty = model.Models(None, None, None, {})
    bundled = build_assistant(settings, embedder=embedder, reader=reader)
    bundled.answerer.models = empty
    sets = ArticleSets(settings, lambda s: build_assistant(s, embedder=embedder, reader=reader))
    runs = []
    try:
        for path in datasets:
            for ex in load_examples(path):
                assistant = sets.assistant(ex.articles) if ex.articles else bundled
                runs.append((f"{path.stem}:{'+'.join(ex.articles) or 'bundled'}", _Run(assistant, ex)))
        report: dict = {"questions": len(runs)}
        groups_of = [group.split(":")[1] for group, _ in runs]
        folds = sorted(set(groups_of))

        # 1. sentences. Later stages see each article through a sentence model fitted
        # without it (out of fold), as the product sees a new article.
        rows, labels, qid, fold = [], [], [], []
        for i, (_, run) in enumerate(runs):
            ex = run.example
            if not ex.answerable or not ex.evidence:
                continue
            for r in run.read(empty).sentences:
                rows.append(r.features)
                labels.append(int(_has_evidence(r.sentence.text, ex.evidence)))
                qid.append(i)
                fold.append(groups_of[i])
        names = list(rows[0])
        sentence = _fit_softmax(rows, labels, qid, names)
        sentence_oof = {
            g: _fit_softmax(*_without(g, fold, rows, labels, qid), names) for g in folds
        }
        report["sentence_top1_cv"] = _top1(_cross_validated(rows, labels, fold, names, qid), labels, qid)

        # 2. candidates
        rows, labels, qid, fold = [], [], [], []
        for i, (_, run) in enumerate(runs):
            ex = run.example
            if not ex.answerable:
                continue
            for c in run.read(model.Models(sentence_oof[groups_of[i]], None, None, {})).candidates:
                right = _has_evidence(c.ranked.sentence.text, ex.evidence) and (
                    matches_expect(c.text, ex.expect) or matches_expect(c.span.text, ex.expect)
                )
                rows.append(c.features)
                labels.append(int(right))
                qid.append(i)
                fold.append(groups_of[i])
        names = list(rows[0])
        candidate = _fit_softmax(rows, labels, qid, names)
        candidate_oof = {g: _fit_softmax(*_without(g, fold, rows, labels, qid), names) for g in folds}
        cv = _cross_validated(rows, labels, fold, names, qid)
        report["candidate_top1_cv"] = _top1(cv, labels, qid)
        best: dict[int, tuple[float, int]] = {}
        for p, y, i in zip(cv, labels, qid, strict=True):
            if i not in best or p > best[i][0]:
                best[i] = (p, y)
        bold = _threshold_for_precision([b[0] for b in best.values()], [b[1] for b in best.values()],
                                        BOLD_PRECISION)

        # 3. answerable or not
        rows, labels, readings = [], [], []
        for i, (_, run) in enumerate(runs):
            g = groups_of[i]
            reading = run.read(model.Models(sentence_oof[g], candidate_oof[g], None, {}))
            rows.append(reading.features)
            labels.append(int(run.example.answerable))
            readings.append((run, reading))
        names = list(rows[0])
        grid = np.round(np.arange(0.2, 0.81, 0.01), 2)
        best_c, cv, accuracy = ANSWERABLE_C[0], None, [-1.0]
        for c in ANSWERABLE_C:  # the penalty and the threshold that decide the most held-out questions right
            held = _cross_validated(rows, labels, groups_of, names, c=c)
            acc = [float(np.mean((held >= t) == np.array(labels, dtype=bool))) for t in grid]
            if max(acc) > max(accuracy):
                best_c, cv, accuracy = c, held, acc
        answerable = _fit(rows, labels, names, best_c)
        answer_t = float(grid[int(np.argmax(accuracy))])
        report["answerable_c"] = best_c
        report["refused_cv"] = _refusal_rates(cv, labels, answer_t)
        short, short_score, short_answerable = _short_thresholds(readings, cv, answer_t)

        # a second cited sentence for open questions: when it adds a hit more often than noise
        second_t = _second_threshold(readings)
        thresholds = {"answerable": answer_t, "short_answer": short, "short_answer_score": short_score,
                      "short_answerable": short_answerable,
                      "bold": bold, "second_citation": second_t}
        # 4. confidence: the probability that the reply is right, a logistic model over the reply's
        # kind, raw score and the models' certainty, fitted on the replies out-of-fold models give
        replies = _replies(readings, cv, sentence_oof, candidate_oof, groups_of, thresholds)
        confidence, confidence_report = _calibrate(replies)
        weights = {
            "sentence": sentence.to_dict(),
            "candidate": candidate.to_dict(),
            "answerable": answerable.to_dict(),
            "thresholds": thresholds,
            "confidence": confidence.to_dict(),
            "trained_on": [p.name for p in datasets],
            "cross_validated": {
                "answerable_accuracy": round(max(accuracy), 4),
                "short_answer_precision_target": SHORT_PRECISION,
            },
        }
        out.write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")
        model.load.cache_clear()
        report.update(thresholds=thresholds, answerable_cv_accuracy=round(max(accuracy), 4),
                      confidence_cv=confidence_report)
        for name, m in (("sentence", sentence), ("candidate", candidate), ("answerable", answerable),
                        ("confidence", confidence)):
            report[name] = dict(sorted(zip(m.names, np.round(m.coef, 3).tolist(), strict=True),
                                       key=lambda p: -abs(p[1])))
        return report
    finally:
        sets.close()


def _replies(readings, answerable_cv, sentence_oof, candidate_oof, groups_of, thresholds) -> list[tuple]:
    """(fold, confidence features, right) for each question, as the product would reply with
    models fitted without its article."""
    from app.qa.answerer import Answerer, confidence_features

    out = []
    for i, ((run, reading), p) in enumerate(zip(readings, answerable_cv, strict=True)):
        g = groups_of[i]
        reading.answerable_prob = 1.0 if _spelled(reading) else float(p)
        answerer = Answerer(run.assistant.scorer, model.Models(sentence_oof[g], candidate_oof[g], None, thresholds))
        draft = answerer.compose(reading, run.state["lang"])  # no confidence model: the raw score
        ex = run.example
        right = draft.answerable == ex.answerable and (not ex.answerable or (
            matches_expect(draft.text, ex.expect) and any(_has_evidence(s.text, ex.evidence) for s in draft.cited)))
        kind = "refusal" if not draft.answerable else "short" if draft.short else "quote"
        out.append((g, confidence_features(reading, kind, float(draft.confidence)), int(right)))
    return out


def _spelled(reading) -> bool:
    from app.qa.answerer import _spelled_out

    return _spelled_out(reading.kind, reading.candidates, reading.sentences)


def _calibrate(replies) -> tuple[model.Linear, dict]:
    """The confidence model (logistic: is the reply right?), and its expected calibration error
    and share right at >= 0.8 on replies of articles each fold's model never saw."""
    from app.eval import expected_calibration_error

    rows, labels, groups = [r[1] for r in replies], [r[2] for r in replies], [r[0] for r in replies]
    names = [n for n in rows[0] if n != "raw"]
    fitted = _fit(rows, labels, names)
    held = [(float(p), bool(y)) for p, y in zip(_cross_validated(rows, labels, groups, names), labels, strict=True)]
    above = [ok for c, ok in held if c >= 0.8]
    return fitted, {"ece_cv": round(expected_calibration_error(held), 4),
                    "right_at_0.8_cv": round(float(np.mean(above)), 4) if above else None,
                    "share_at_0.8_cv": round(len(above) / len(held), 4),
                    "raw_ece": round(expected_calibration_error([(r[1]["raw"], bool(r[2])) for r in replies]), 4)}


def _refusal_rates(answerable_cv, labels, threshold: float) -> dict:
    """Shares of unanswerable and of answerable questions refused at ``threshold`` (held out)."""
    p, y = np.asarray(answerable_cv), np.asarray(labels, dtype=bool)
    return {"unanswerable": round(float(np.mean(p[~y] < threshold)), 4) if (~y).any() else None,
            "answerable": round(float(np.mean(p[y] < threshold)), 4) if y.any() else None}


def _top1(probs, labels, qid) -> float:
    """Share of questions (with a right row) whose most probable row is right."""
    best: dict[int, tuple[float, int]] = {}
    has_right = {i for y, i in zip(labels, qid, strict=True) if y}
    for p, y, i in zip(probs, labels, qid, strict=True):
        if i in has_right and (i not in best or p > best[i][0]):
            best[i] = (p, y)
    return round(float(np.mean([y for _, y in best.values()])), 4) if best else 0.0


def _without(group, fold, rows, labels, qid):
    keep = [i for i, g in enumerate(fold) if g != group]
    return [rows[i] for i in keep], [labels[i] for i in keep], [qid[i] for i in keep]


def _threshold_for_precision(probs, labels, target: float) -> float:
    """The lowest threshold whose share of correct answers above it reaches ``target``."""
    pairs = sorted(zip(probs, labels, strict=True), key=lambda p: -p[0])
    chosen, right = 1.0, 0
    for n, (p, y) in enumerate(pairs, start=1):
        right += y
        if right / n >= target:
            chosen = float(p)
    return round(chosen, 4)


def _short_thresholds(readings, answerable_cv, answer_t: float) -> tuple[float, float, float]:
    """The candidate share, candidate score and answerable thresholds above which short
    answers are right at least SHORT_PRECISION of the time, over every question (a short
    answer to a question the article cannot answer is a wrong one), with as many short
    answers as that allows. The share alone is not enough: a lone candidate has all of it."""
    rows = []
    for (run, reading), answerable in zip(readings, answerable_cv, strict=True):
        if not reading.candidates or reading.question.multiple:
            continue
        ex, best = run.example, reading.candidates[0]
        right = ex.answerable and _has_evidence(best.ranked.sentence.text, ex.evidence) and (
            matches_expect(best.text, ex.expect) or matches_expect(best.span.text, ex.expect)
        )
        rows.append((best.prob, best.score, float(answerable), int(right)))
    scores = [r[1] for r in rows]
    score_grid = [-np.inf] + [float(np.percentile(scores, q)) for q in range(10, 100, 10)] if rows else [-np.inf]
    chosen, most = (1.0, float("inf"), 1.0), 0
    for t_answer in np.round(np.arange(answer_t, 0.96, 0.05), 2):
        for t_score in score_grid:
            for t_cand in np.round(np.arange(0.3, 1.0, 0.01), 2):
                given = [y for p, z, a, y in rows if p >= t_cand and z >= t_score and a >= t_answer]
                if len(given) > most and np.mean(given) >= SHORT_PRECISION:
                    chosen, most = (float(t_cand), round(float(t_score), 4), float(t_answer)), len(given)
    return chosen


def _second_threshold(readings) -> float:
    grid = np.round(np.arange(0.05, 1.0, 0.05), 2)
    best_t, best_gain = 1.0, 0.0
    for t in grid:
        gain = 0.0
        for run, reading in readings:
            ex = run.example
            if not ex.answerable or reading.kind in q.TYPED or len(reading.sentences) < 2:
                continue
            first, second = reading.sentences[0], reading.sentences[1]
            if second.prob < t:
                continue
            first_ok = _has_evidence(first.sentence.text, ex.evidence)
            second_ok = _has_evidence(second.sentence.text, ex.evidence)
            gain += (1.0 if second_ok and not first_ok else 0.0) - (0.0 if second_ok else 0.5)
        if gain > best_gain:
            best_t, best_gain = float(t), gain
    return best_t


def main(argv=None) -> int:
    from index.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m app.qa.train", description=__doc__.split("\n")[0])
    parser.add_argument("--home", help="folder for the converted model (BERITA_HOME)")
    parser.add_argument("--out", default=str(model.WEIGHTS), help="where to write the weights")
    args = parser.parse_args(argv)
    settings = Settings.load(home=args.home)
    datasets = [EVAL_DIR / f"{name}.jsonl" for name in TRAIN_SETS]
    report = train(settings, Path(args.out), [p for p in datasets if p.is_file()])
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
