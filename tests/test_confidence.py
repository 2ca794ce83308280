"""Confidence: a logistic model of "is the reply right?", and the calibration error it is judged by."""

import numpy as np
import pytest

from app.eval import expected_calibration_error
from app.qa import model
from app.qa.answerer import REPLY_KINDS, Reading, confidence_features
from app.qa.train import _calibrate


def test_expected_calibration_error_weights_bins_by_size():
    assert expected_calibration_error([]) == 0.0
    assert expected_calibration_error([(0.9, True)] * 9 + [(0.9, False)]) == pytest.approx(0.0)
    # two bins: 0.95 said, 0.5 right (4 replies); 0.15 said, 0.0 right (4 replies)
    pairs = [(0.95, True), (0.95, False)] * 2 + [(0.15, False)] * 4
    assert expected_calibration_error(pairs) == pytest.approx((4 * 0.45 + 4 * 0.15) / 8)


def _reading(kind="other"):
    return Reading(None, kind, [], [], {"reader_null": 0.2, "reader_top": 0.7})


def test_features_name_the_reply_kind_and_its_raw_score():
    row = confidence_features(_reading(), "short", 0.9)
    assert row["is_short"] == 1.0 and row["is_quote"] == row["is_refusal"] == 0.0
    assert row["logit_short"] == pytest.approx(np.log(9)) and row["logit_quote"] == 0.0
    assert row["raw"] == 0.9 and row["reader_null"] == 0.2
    assert {f"is_{k}" for k in REPLY_KINDS} <= set(row)


def test_without_a_confidence_model_the_raw_score_is_shown():
    assert model.Models(None, None, None, {}).confidence_of({"raw": 0.42}) == 0.42


def test_the_confidence_model_is_checked_on_articles_it_never_saw():
    rng = np.random.default_rng(0)
    replies = []
    for i in range(400):
        raw = float(rng.uniform(0.01, 0.99))
        kind = REPLY_KINDS[i % 3]
        right = int(rng.uniform() < 0.2 + 0.75 * raw)  # right more often as the raw score rises
        replies.append((f"article{i % 8}", confidence_features(_reading(), kind, raw), right))
    fitted, report = _calibrate(replies)
    assert report["ece_cv"] < 0.1 and set(report) >= {"ece_cv", "right_at_0.8_cv", "raw_ece"}
    models = model.Models(None, None, None, {}, fitted)
    low, high = (models.confidence_of(confidence_features(_reading(), "quote", r)) for r in (0.1, 0.95))
    assert 0.0 < low < high < 1.0
