"""The learned models' arithmetic and the training helpers, on synthetic data."""

import numpy as np
import pytest

from app.qa import model
from app.qa.train import _fit, _fit_softmax, _threshold_for_precision


def test_logistic_and_softmax_models():
    linear = model.Linear(("a", "b"), np.zeros(2), np.ones(2), np.array([1.0, -1.0]), 0.0)
    p = linear.probabilities([{"a": 2, "b": 0}, {"a": 0, "b": 2}])
    assert p[0] > 0.5 > p[1]
    soft = model.Linear(("a", "b"), np.zeros(2), np.ones(2), np.array([1.0, -1.0]), 0.0, "softmax")
    p = soft.probabilities([{"a": 2, "b": 0}, {"a": 0, "b": 2}, {"a": 1, "b": 1}])
    assert p.sum() == pytest.approx(1.0) and p.argmax() == 0
    assert model.Linear.from_dict(soft.to_dict()).kind == "softmax"
    assert set(linear.explain({"a": 1, "b": 1})) == {"a", "b"}


def test_softmax_training_learns_which_row_wins():
    rng = np.random.default_rng(0)
    rows, labels, questions = [], [], []
    for question in range(60):
        good = rng.integers(0, 4)
        for i in range(4):
            rows.append({"signal": float(i == good) + rng.normal(0, 0.3), "noise": rng.normal()})
            labels.append(int(i == good))
            questions.append(question)
    fitted = _fit_softmax(rows, labels, questions, ["signal", "noise"])
    assert fitted.coef[0] > 1.0 and abs(fitted.coef[1]) < fitted.coef[0] / 3


def test_logistic_training_and_thresholds():
    rows = [{"x": float(v)} for v in range(20)]
    labels = [int(v >= 10) for v in range(20)]
    fitted = _fit(rows, labels, ["x"])
    assert fitted.probabilities([{"x": 19.0}])[0] > 0.9 > 0.1 > fitted.probabilities([{"x": 0.0}])[0]
    # the lowest threshold whose answers above it are right at least 3 times in 4
    assert _threshold_for_precision([0.9, 0.8, 0.7, 0.6, 0.5], [1, 1, 1, 0, 0], 0.75) == 0.6
    assert _threshold_for_precision([0.9, 0.8], [0, 0], 0.9) == 1.0


@pytest.mark.slow
def test_training_reads_questions_through_the_pipeline_state(real_assistant):
    """``python -m app.qa.train`` re-reads each example from the state the pipeline keeps
    (it once looked for a corpus the pipeline no longer holds), and the features it reads
    are the ones the shipped weights name."""
    from app.qa.train import _Run
    from index.dataset import EVAL_DIR, load_examples

    example = next(ex for ex in load_examples(EVAL_DIR / "dev.jsonl") if ex.answerable)
    shipped = model.load()
    reading = _Run(real_assistant, example).read(shipped)
    assert reading.sentences
    assert set(shipped.sentence.names) == set(reading.sentences[0].features)
    assert set(shipped.answerable.names) == set(reading.features)
    assert 0.0 <= reading.answerable_prob <= 1.0
