"""The load test drives a real server over HTTP and reports what it saw."""

import pytest

from app import loadtest
from tests.conftest import demo_server

pytestmark = pytest.mark.slow


def test_loadtest_reports_answers_and_library_changes_and_leaves_the_library_as_it_was(real_embedder, tmp_path):
    with demo_server(real_embedder, tmp_path / "home") as (url, index):
        report = loadtest.run(url, users=3, seconds=6, change_every=1.0, pool=2)
    assert report["errors"] == 0 and report["library_errors"] == 0, report["first_errors"]
    assert report["requests"] > 10 and 0 < report["p50_ms"] <= report["p95_ms"]
    assert report["library_changes"] >= 2  # an add and its removal at least
    assert [a.id for a in index.articles()] == ["china-rusia-pertahanan"]
