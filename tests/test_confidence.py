"""Confidence: the calibration curve per reply kind, and the calibration error it is judged by."""

import numpy as np
import pytest

from app.eval import expected_calibration_error
from app.qa import model
from app.qa.train import _calibrate


def test_expected_calibration_error_weights_bins_by_size():
    assert expected_calibration_error([]) == 0.0
    assert expected_calibration_error([(0.9, True)] * 9 + [(0.9, False)]) == pytest.approx(0.0)
    # two bins: 0.95 said, 0.5 right (4 replies); 0.15 said, 0.0 right (4 replies)
    pairs = [(0.95, True), (0.95, False)] * 2 + [(0.15, False)] * 4
    assert expected_calibration_error(pairs) == pytest.approx((4 * 0.45 + 4 * 0.15) / 8)


def test_models_read_confidence_off_their_kind_map():
    models = model.Models(None, None, None, {}, {"short": ([0.2, 0.8], [0.5, 0.9])})
    assert models.calibrated("short", 0.5) == pytest.approx(0.7)
    assert models.calibrated("short", 0.99) == pytest.approx(0.9)  # clipped at the ends
    assert models.calibrated("quote", 0.42) == 0.42  # no map for the kind: the raw value


def test_calibration_is_monotone_and_checked_on_unseen_articles():
    rng = np.random.default_rng(0)
    replies = []
    for i in range(400):
        raw = float(rng.uniform())
        right = int(rng.uniform() < 0.3 + 0.6 * raw)  # right more often as the raw score rises
        replies.append((f"article{i % 8}", "quote" if i % 3 else "refusal", raw, right))
    fitted, report = _calibrate(replies)
    for xs, ys in fitted.values():
        assert list(xs) == sorted(xs) and list(ys) == sorted(ys)
    assert report["ece_cv"] < 0.1 and set(report) >= {"ece_cv", "right_at_0.8_cv", "raw_ece"}


def test_a_raw_value_at_the_edge_is_not_mapped_to_certainty():
    replies = [("a", "quote", 0.55, 1), ("b", "quote", 0.55, 0), ("a", "quote", 0.9, 1), ("b", "quote", 0.9, 1)] * 10
    fitted, _ = _calibrate(replies)
    xs, ys = fitted["quote"]
    assert 0.05 < float(np.interp(0.5, xs, ys)) < float(np.interp(0.95, xs, ys)) < 0.999
