"""SIGKILL a rebuild at random moments: every next start must answer as before (issue 8).

Real processes: ``python -m index build --rebuild`` is killed, then ``python -m app ask
--batch`` (which checks the index and completes it before answering) answers the dev set.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from index.embeddings import DEFAULT_MODEL_ID
from index.settings import PROJECT_ROOT
from tests.conftest import ARTICLE

pytestmark = pytest.mark.slow
DEV = PROJECT_ROOT / "data" / "eval" / "dev.jsonl"
# a few more articles: a rebuild long enough to be killed mid-way
EXTRA_ARTICLES = sorted((PROJECT_ROOT / "data" / "eval" / "articles").glob("*.txt"))[:3]
KILLS = 5


@pytest.fixture
def environ(tmp_path, real_embedder, model_home):
    articles = tmp_path / "articles"
    articles.mkdir()
    for path in [ARTICLE, *EXTRA_ARTICLES]:
        shutil.copy(path, articles / path.name)
    return dict(
        os.environ,
        BERITA_HOME=str(tmp_path / "home"),
        BERITA_ARTICLES=str(articles),
        BERITA_EMBED_MODEL=str(model_home / "models" / DEFAULT_MODEL_ID),  # converted once per session
    )


def run(module, args, environ, **kw):
    return subprocess.run(
        [sys.executable, "-m", module, *args], env=environ, cwd=PROJECT_ROOT, capture_output=True, text=True, **kw
    )


def dev_answers(environ) -> list[dict]:
    done = run("app", ["ask", "--batch", str(DEV), "--backend", "extractive"], environ, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    results = [json.loads(line) for line in done.stdout.splitlines()]
    return [
        {k: r[k] for k in ("id", "text", "answerable")} | {"cited": [(c["doc_id"], c["start"], c["end"])
                                                                   for c in r["citations"]]}
        for r in results
    ]


def test_a_rebuild_killed_at_any_moment_leaves_an_index_that_answers_as_before(environ):
    built = run("index", ["build"], environ, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    before = dev_answers(environ)
    assert len(before) >= 5 and any(a["cited"] for a in before)
    started = time.monotonic()
    assert run("index", ["build", "--rebuild"], environ, timeout=600).returncode == 0
    full = time.monotonic() - started
    rng = random.Random(8)
    for attempt in range(KILLS):
        delay = rng.uniform(0.2 * full, 0.95 * full)  # model load is the first ~fifth; then embedding and writes
        proc = subprocess.Popen(
            [sys.executable, "-m", "index", "build", "--rebuild"],
            env=environ, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        after = dev_answers(environ)
        assert after == before, f"kill {attempt + 1} after {delay:.1f} s of a {full:.1f} s rebuild"
