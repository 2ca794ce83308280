"""``python -m app bench`` runs end to end on a small corpus and prints every figure (real model)."""

import json
import os
import subprocess
import sys

import pytest

from app.bench import TARGETS, synthetic_articles
from index.chunking import chunk_document
from index.documents import make_document
from tests.conftest import PROJECT_ROOT


def test_the_synthetic_corpus_has_distinct_chunks_and_enough_of_them():
    articles = synthetic_articles(300)
    chunks = [c for name, text in articles for c in chunk_document(make_document(text, doc_id=name[:-4]))]
    assert len(chunks) >= 300 and len({name for name, _ in articles}) == len(articles)
    assert len({c.text for c in chunks}) >= 0.95 * len(chunks)  # not one article copied over and over


@pytest.mark.slow
def test_bench_prints_every_figure(tmp_path, model_home):
    (model_home / "models").mkdir(exist_ok=True)
    (tmp_path / "models").symlink_to(model_home / "models", target_is_directory=True)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "app", "bench", "--chunks", "120", "--sample", "40", "--json", "--home", str(tmp_path)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900, env=dict(os.environ, TMPDIR=str(scratch)),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["corpus_chunks"] >= 120 and report["queries"] >= 100
    for key in ("indexing_chunks_per_s", "raw_encode_chunks_per_s", "tutorial_chunks_per_s", "retrieval_p95_ms",
                "dense_only_p95_ms", "answer_p50_ms", "query_embedding_p50_ms", "second_start_s",
                "serving_peak_rss_mb"):
        assert report[key] > 0, key
    assert set(report["targets"]) == set(TARGETS)
    assert not list(scratch.glob("berita-bench-*"))  # the temporary home is gone


def test_bench_refuses_bad_sizes(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "app", "bench", "--chunks", "10", "--sample", "20", "--home", str(tmp_path)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2 and result.stderr.strip().startswith("error:") and "--sample" in result.stderr
