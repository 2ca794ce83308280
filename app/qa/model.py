"""The three small learned models of the answerer, as plain logistic regressions.

``weights.json`` (written by ``python -m app.qa.train`` from the tune split) holds, per
model, the feature names, the standardisation (mean, scale), the coefficients and the
intercept, plus the thresholds chosen on the tune split's cross-validated predictions.
Scoring needs only numpy; scikit-learn is used when training.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).with_name("weights.json")


@dataclass(frozen=True)
class Linear:
    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    kind: str = "logistic"  # or "softmax": a conditional logit over the rows of one question

    def scores(self, rows: list[dict[str, float]]) -> np.ndarray:
        """The linear scores (log-odds; for softmax models comparable across questions too)."""
        if not rows:
            return np.zeros(0)
        x = np.array([[row[n] for n in self.names] for row in rows], dtype=np.float64)
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def probabilities(self, rows: list[dict[str, float]], scores: np.ndarray | None = None) -> np.ndarray:
        """Logistic: each row on its own. Softmax: the rows compete (they are one question's
        sentences or candidates) and the probabilities sum to one. ``scores`` (from
        ``self.scores(rows)``) saves building the feature matrix twice."""
        if not rows:
            return np.zeros(0)
        z = self.scores(rows) if scores is None else scores
        if self.kind == "softmax":
            e = np.exp(z - z.max())
            return e / e.sum()
        return 1.0 / (1.0 + np.exp(-z))

    def explain(self, row: dict[str, float]) -> dict[str, float]:
        """Each feature's contribution to the log-odds (for the retrieval details view)."""
        x = np.array([row[n] for n in self.names], dtype=np.float64)
        return {n: round(float(v), 3) for n, v in zip(self.names, (x - self.mean) / self.scale * self.coef,
                                                      strict=True)}

    @classmethod
    def from_dict(cls, raw: dict) -> Linear:
        return cls(
            tuple(raw["names"]),
            np.asarray(raw["mean"], dtype=np.float64),
            np.asarray(raw["scale"], dtype=np.float64),
            np.asarray(raw["coef"], dtype=np.float64),
            float(raw["intercept"]),
            raw.get("kind", "logistic"),
        )

    def to_dict(self) -> dict:
        return {
            "names": list(self.names),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(float(self.intercept), 6),
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Models:
    sentence: Linear | None  # does this sentence hold the answer?
    candidate: Linear | None  # is this span the answer?
    answerable: Linear | None  # does the article answer the question at all?
    thresholds: dict  # "answerable", "short_answer", "second_citation"
    confidence: Linear | None = None  # is the reply right? (logistic, over answerer._confidence_features)

    def confidence_of(self, row: dict[str, float]) -> float:
        """The probability that the reply is right, from the confidence model fitted by
        ``python -m app.qa.train`` on replies to articles the other models never saw; without
        one (a model file from before it), the reply's raw score."""
        if self.confidence is None:
            return float(row["raw"])
        return float(self.confidence.probabilities([row])[0])


@lru_cache(maxsize=4)
def load(path: Path = WEIGHTS) -> Models:
    raw = json.loads(Path(path).read_text(encoding="utf-8")) if Path(path).is_file() else {}

    def linear(name: str) -> Linear | None:
        return Linear.from_dict(raw[name]) if name in raw else None

    return Models(linear("sentence"), linear("candidate"), linear("answerable"), dict(raw.get("thresholds", {})),
                  linear("confidence"))
