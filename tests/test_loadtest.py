"""The load test drives a real server over HTTP and reports what it saw."""

import pytest

from app import loadtest
from app.qa.pipeline import Assistant
from app.ui import build_demo
from index.service import open_index
from index.settings import Settings
from tests.conftest import free_port

pytestmark = pytest.mark.slow


def test_loadtest_reports_answers_and_library_changes_and_leaves_the_library_as_it_was(real_embedder, tmp_path):
    settings = Settings.load(env={}, home=tmp_path / "home")
    index = open_index(settings, embedder=real_embedder)
    index.build()
    demo = build_demo(Assistant(index), settings)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, ssr_mode=False, quiet=True)
    try:
        report = loadtest.run(f"http://127.0.0.1:{port}/", users=3, seconds=6, change_every=1.0, pool=2)
    finally:
        demo.close()
    assert report["errors"] == 0 and report["library_errors"] == 0, report["first_errors"]
    assert report["requests"] > 10 and 0 < report["p50_ms"] <= report["p95_ms"]
    assert report["library_changes"] >= 2  # an add and its removal at least
    assert [a.id for a in index.articles()] == ["china-rusia-pertahanan"]
